// spawnProcess + ProcessProtocol (twisted.internet.process) on every reactor
// backend, against real programs (/bin/sh, cat, true, /usr/bin/python3):
// exit codes, deaths by signal, big outputs while stdin is fed, closeStdin,
// an extra pipe on fd 3, env and cwd, exec failures, signalProcess after
// exit, many children with no zombie and no descriptor growth, a protocol
// that throws everywhere, and the reactor destroyed while a child runs.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/process.h>
#include <twisted/logger/format.h>
#include <twisted/python/log.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;
namespace process = twisted::internet::process;

// Records everything a child does.
class Recorder : public ProcessProtocol {
 public:
  void connectionMade() override { events.push_back("connectionMade"); }
  void childDataReceived(int fd, std::string_view data) override {
    received[fd].append(data);
    ProcessProtocol::childDataReceived(fd, data);
  }
  void childConnectionLost(int fd) override {
    events.push_back("childConnectionLost " + std::to_string(fd));
  }
  void processExited(const Failure& reason) override {
    events.push_back("processExited");
    exited = reason;
  }
  void processEnded(const Failure& reason) override {
    events.push_back("processEnded");
    ended = reason;
  }
  std::map<int, std::string> received;
  std::vector<std::string> events;
  std::optional<Failure> exited, ended;
};

class ProcessTest : public testing_internal::RealReactorTest {
 protected:
  // Spawns and runs until processEnded.
  std::shared_ptr<IProcessTransport> run(std::shared_ptr<Recorder> p, std::string exe,
                                         std::vector<std::string> args,
                                         process::Environment env = {}, std::string path = {},
                                         std::optional<process::ChildFDs> fds = std::nullopt) {
    auto t = r->spawnProcess(p, std::move(exe), std::move(args), std::move(env), std::move(path),
                             std::nullopt, std::nullopt, false, std::move(fds));
    spinUntil([&] { return p->ended.has_value(); });
    return t;
  }
};

std::vector<std::string> sh(const std::string& script) {
  return {"sh", "-c", script};
}

int countFds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// Our children that are zombies (state Z), from /proc.
int zombieChildren() {
  int zombies = 0;
  DIR* d = ::opendir("/proc");
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    int ppid;
    rest >> state >> ppid;
    if (ppid == ::getpid() && state == 'Z') ++zombies;
  }
  ::closedir(d);
  return zombies;
}

TEST_P(ProcessTest, ExitCodeZeroIsProcessDone) {
  auto p = std::make_shared<Recorder>();
  auto t = run(p, "/bin/true", {"true"});
  ASSERT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_EQ(p->ended->getErrorMessage(), "process finished with exit code 0");
  EXPECT_TRUE(p->exited->check<error::ProcessDone>());
  EXPECT_FALSE(t->pid().has_value());
  EXPECT_EQ(p->events.front(), "connectionMade");
  EXPECT_EQ(p->events.back(), "processEnded");
}

TEST_P(ProcessTest, NonZeroExitCodesAreProcessTerminated) {
  for (int code : {1, 255}) {
    auto p = std::make_shared<Recorder>();
    run(p, "/bin/sh", sh("exit " + std::to_string(code)));
    ASSERT_TRUE(p->ended->check<error::ProcessTerminated>()) << code;
    const auto* e = p->ended->valueAs<error::ProcessTerminated>();
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->exitCode, code);
    EXPECT_FALSE(e->signal.has_value());
    EXPECT_EQ(p->ended->getErrorMessage(), "process ended with exit code " + std::to_string(code));
  }
}

TEST_P(ProcessTest, DeathBySignal) {
  for (auto [name, number] : {std::pair{"TERM", SIGTERM}, {"KILL", SIGKILL}, {"INT", SIGINT}}) {
    auto p = std::make_shared<Recorder>();
    auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
    ASSERT_TRUE(t->pid().has_value());
    t->signalProcess(name);
    spinUntil([&] { return p->ended.has_value(); });
    const auto* e = p->ended->valueAs<error::ProcessTerminated>();
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->signal, number) << name;
    EXPECT_FALSE(e->exitCode.has_value());
    EXPECT_EQ(p->ended->getErrorMessage(), "process ended by signal " + std::to_string(number));
  }
}

TEST_P(ProcessTest, SignalProcessAfterExitRaisesProcessExitedAlready) {
  auto p = std::make_shared<Recorder>();
  auto t = run(p, "/bin/true", {"true"});
  EXPECT_THROW(t->signalProcess("TERM"), error::ProcessExitedAlready);
  EXPECT_THROW(t->signalProcess(SIGKILL), error::ProcessExitedAlready);
}

// The test_process.sigchld run sets TWISTED_TEST_SIGCHLD_REAPING: children
// are then reaped by the SIGCHLD fallback (IReactorSignals) instead of a pidfd.
bool sigchldReaping() {
  const char* v = std::getenv("TWISTED_TEST_SIGCHLD_REAPING");
  return v && *v && std::string_view(v) != "0";
}

void (*sigchldDisposition())(int) {
  struct sigaction sa {};
  ::sigaction(SIGCHLD, nullptr, &sa);
  return sa.sa_handler;
}

// Which reaping path runs: the fallback's SIGCHLD handler exists exactly
// while one of its children is unreaped; the pidfd path never touches SIGCHLD.
TEST_P(ProcessTest, SigchldHandlerOnlyWhileAFallbackChildRuns) {
  ASSERT_EQ(sigchldDisposition(), SIG_DFL);
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
  if (sigchldReaping())
    EXPECT_NE(sigchldDisposition(), SIG_DFL);
  else
    EXPECT_EQ(sigchldDisposition(), SIG_DFL);
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); });
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_EQ(sigchldDisposition(), SIG_DFL);
}

// A child the program started itself keeps its exit status: reaping ours
// (pidfd or waitpid(pid)) never waits for any child.
TEST_P(ProcessTest, OtherChildrenOfTheProgramAreNotReaped) {
  const pid_t other = ::fork();
  ASSERT_GE(other, 0);
  if (other == 0) ::_exit(7);
  auto p = std::make_shared<Recorder>();
  run(p, "/bin/sh", sh("exit 3"));
  ASSERT_TRUE(p->ended->check<error::ProcessTerminated>());
  EXPECT_EQ(p->ended->valueAs<error::ProcessTerminated>()->exitCode, 3);
  int status = 0;
  ASSERT_EQ(::waitpid(other, &status, 0), other);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
}

TEST_P(ProcessTest, CloseStdinGivesTheChildEOF) {
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
  t->write("hello ");
  std::string_view parts[] = {"wor", "ld\n"};
  t->writeSequence(parts);
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); });
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_EQ(p->received[1], "hello world\n");
  // Every pipe was reported closed, before processEnded.
  std::vector<std::string> lost;
  for (auto& e : p->events)
    if (e.rfind("childConnectionLost", 0) == 0) lost.push_back(e);
  EXPECT_EQ(lost.size(), 3u);
  EXPECT_EQ(p->events.back(), "processEnded");
}

// 16 MiB through cat's stdin, back on its stdout; and a python child copying
// its stdin to both stdout and stderr, as it reads: no deadlock, byte-exact.
std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST_P(ProcessTest, BigOutputWhileStdinIsFedThroughCat) {
  const std::string data = pattern(16 << 20);
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
  t->write(data);
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); }, 60);
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_TRUE(p->received[1] == data) << p->received[1].size();
}

TEST_P(ProcessTest, BigStdoutAndStderrWhileStdinIsFedThroughPython) {
  const std::string data = pattern(16 << 20);
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/usr/bin/python3",
                           {"python3", "-c",
                            "import sys\n"
                            "i, o, e = sys.stdin.buffer, sys.stdout.buffer, sys.stderr.buffer\n"
                            "while True:\n"
                            "    d = i.read1(65536)\n"
                            "    if not d: break\n"
                            "    o.write(d); o.flush(); e.write(d); e.flush()\n"});
  // Fed in pieces as a producer would, all before the child has read any.
  for (std::size_t off = 0; off < data.size(); off += 1 << 20)
    t->write(std::string_view(data).substr(off, 1 << 20));
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); }, 60);
  EXPECT_TRUE(p->ended->check<error::ProcessDone>()) << p->ended->getErrorMessage();
  EXPECT_TRUE(p->received[1] == data) << p->received[1].size();
  EXPECT_TRUE(p->received[2] == data) << p->received[2].size();
}

TEST_P(ProcessTest, ExtraPipesOnFd3) {
  auto p = std::make_shared<Recorder>();
  process::ChildFDs fds{{0, process::ChildFD::Write},
                        {1, process::ChildFD::Read},
                        {2, process::ChildFD::Read},
                        {3, process::ChildFD::Read},
                        {4, process::ChildFD::Write}};
  auto t = r->spawnProcess(p, "/bin/sh", sh("cat <&4 >&3; echo out"), {}, {}, fds);
  t->writeToChild(4, "via fd 4\n");
  t->closeChildFD(4);
  EXPECT_THROW(t->writeToChild(3, "no"), std::out_of_range);
  spinUntil([&] { return p->ended.has_value(); });
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_EQ(p->received[3], "via fd 4\n");
  EXPECT_EQ(p->received[1], "out\n");
}

TEST_P(ProcessTest, InheritedParentFdAndUnlistedFdsClosed) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // not close-on-exec: only childFDs may pass it
  auto p = std::make_shared<Recorder>();
  process::ChildFDs childFDs{{1, fds[1]}, {2, process::ChildFD::Read}};
  run(p, "/bin/sh",
      sh("echo to-parent-fd; if [ -e /proc/self/fd/0 ]; then echo stdin-open >&2; fi; "
         "ls /proc/self/fd >&2"),
      {}, {}, childFDs);
  ::close(fds[1]);
  char buf[64] = {};
  ssize_t n = ::read(fds[0], buf, sizeof buf - 1);
  ::close(fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "to-parent-fd\n");
  EXPECT_EQ(p->received[2].find("stdin-open"), std::string::npos) << p->received[2];
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
}

TEST_P(ProcessTest, EnvironmentIsExactlyWhatIsPassed) {
  auto p = std::make_shared<Recorder>();
  run(p, "/usr/bin/env", {"env"}, {{"FOO", "bar"}, {"A", "b c"}});
  EXPECT_EQ(p->received[1], "A=b c\nFOO=bar\n");
  auto q = std::make_shared<Recorder>();
  run(q, "/usr/bin/env", {"env"});
  EXPECT_EQ(q->received[1], "");  // Twisted's default: empty
  auto inherited = process::parentEnvironment();
  inherited["TWISTED_PROCESS_TEST"] = "1";
  auto s = std::make_shared<Recorder>();
  run(s, "/usr/bin/env", {"env"}, inherited);
  EXPECT_NE(s->received[1].find("TWISTED_PROCESS_TEST=1\n"), std::string::npos);
}

TEST_P(ProcessTest, WorkingDirectoryAndArgv0) {
  auto p = std::make_shared<Recorder>();
  run(p, "/bin/sh", {"my-name", "-c", "pwd; echo \"$0\""}, {}, "/tmp");
  EXPECT_EQ(p->received[1], "/tmp\nmy-name\n");
}

TEST_P(ProcessTest, MissingExecutableEndsWithExitCode1) {
  auto p = std::make_shared<Recorder>();
  auto t = run(p, "/nonexistent/program", {"program"});
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exitCode, 1);
  EXPECT_TRUE(p->exited.has_value());
  EXPECT_EQ(p->events.front(), "connectionMade");
  // As Twisted's child, the failed exec is reported on the child's stderr.
  EXPECT_EQ(p->received[2], "Upon exec of /nonexistent/program: No such file or directory\n");
  EXPECT_THROW(t->signalProcess("TERM"), error::ProcessExitedAlready);
}

TEST_P(ProcessTest, BadWorkingDirectoryEndsWithExitCode1) {
  auto p = std::make_shared<Recorder>();
  run(p, "/bin/true", {"true"}, {}, "/nonexistent/directory");
  EXPECT_NE(p->received[2].find("in /nonexistent/directory: No such file or directory"),
            std::string::npos)
      << p->received[2];
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exitCode, 1);
}

TEST_P(ProcessTest, ManyChildrenNoZombieNoFdGrowth) {
  // Warm up (the reactor's own descriptors, the log), then measure.
  {
    auto p = std::make_shared<Recorder>();
    run(p, "/bin/true", {"true"});
  }
  const int fdsBefore = countFds();
  constexpr int kChildren = 1000, kInFlight = 16;
  int started = 0, ended = 0;
  std::vector<std::shared_ptr<Recorder>> live;
  while (ended < kChildren) {
    while (started < kChildren && started - ended < kInFlight) {
      auto p = std::make_shared<Recorder>();
      r->spawnProcess(p, "/bin/true", {"true"});
      live.push_back(p);
      ++started;
    }
    r->iterate(0.01);
    for (auto it = live.begin(); it != live.end();) {
      if ((*it)->ended) {
        EXPECT_TRUE((*it)->ended->check<error::ProcessDone>());
        ++ended;
        it = live.erase(it);
      } else {
        ++it;
      }
    }
  }
  EXPECT_EQ(zombieChildren(), 0);
  EXPECT_EQ(countFds(), fdsBefore);
}

// Throws from every callback: each is logged, and nothing is lost.
class Thrower : public Recorder {
 public:
  void connectionMade() override {
    Recorder::connectionMade();
    throw std::runtime_error("connectionMade");
  }
  void childDataReceived(int fd, std::string_view data) override {
    Recorder::childDataReceived(fd, data);
    throw std::runtime_error("childDataReceived");
  }
  void childConnectionLost(int fd) override {
    Recorder::childConnectionLost(fd);
    throw std::runtime_error("childConnectionLost");
  }
  void processExited(const Failure& reason) override {
    Recorder::processExited(reason);
    throw std::runtime_error("processExited");
  }
  void processEnded(const Failure& reason) override {
    Recorder::processEnded(reason);
    throw std::runtime_error("processEnded");
  }
};

TEST_P(ProcessTest, ProtocolThrowingInEveryCallback) {
  std::vector<std::string> logged;
  auto handle = twisted::python::log::addObserver([&](const twisted::logger::LogEvent& e) {
    if (e.isError) logged.push_back(twisted::logger::eventAsText(e, false, false, false));
  });
  auto p = std::make_shared<Thrower>();
  auto t = r->spawnProcess(p, "/bin/sh", sh("cat; echo err >&2; exit 3"));
  const std::string data = pattern(1 << 20);
  t->write(data);
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); });
  twisted::python::log::removeObserver(handle);
  EXPECT_TRUE(p->received[1] == data);
  EXPECT_EQ(p->received[2], "err\n");
  ASSERT_NE(p->ended->valueAs<error::ProcessTerminated>(), nullptr);
  EXPECT_EQ(p->ended->valueAs<error::ProcessTerminated>()->exitCode, 3);
  for (const char* why :
       {"Unhandled error in connectionMade", "Unhandled error in childDataReceived",
        "Unhandled error in childConnectionLost", "Unhandled error in processExited",
        "Unhandled error in processEnded"})
    EXPECT_TRUE(std::any_of(logged.begin(), logged.end(), [&](const std::string& l) {
      return l.find(why) != std::string::npos;
    })) << why;
}

TEST_P(ProcessTest, ReactorDestroyedWhileChildRunsLeavesItRunning) {
  // The documented rule: the child is not signalled; its pipes close, so
  // cat reads EOF and exits 0 on its own; reaping it is then the program's
  // (here, waitpid's).
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
  const int pid = *t->pid();
  r.reset();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(p->ended.has_value());
}

TEST_P(ProcessTest, CloseStdoutThenTheChildsWriteGetsSigpipe) {
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/cat", {"cat"});
  t->closeStdout();
  spinUntil([&] {
    return std::find(p->events.begin(), p->events.end(), "childConnectionLost 1") !=
           p->events.end();
  });
  t->write("x\n");
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); });
  // The child's dispositions were reset: SIGPIPE kills it.
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->signal, SIGPIPE);
}

// A streaming producer on the child's stdin is paused above the high-water
// mark and resumed once the child drained it, as on TCP.
class StdinProducer : public IPushProducer {
 public:
  explicit StdinProducer(IProcessTransport& t) : t_(t) {}
  void produce() {
    t_.write(std::string(1 << 20, 'p'));
    ++chunks;
  }
  void pauseProducing() override { ++paused; }
  void resumeProducing() override {
    ++resumed;
    if (chunks < 4) {
      produce();
    } else if (!done) {
      done = true;
      t_.unregisterProducer();
      t_.closeStdin();
    }
  }
  void stopProducing() override {}
  int chunks = 0, paused = 0, resumed = 0;
  bool done = false;

 private:
  IProcessTransport& t_;
};

TEST_P(ProcessTest, StdinFlowControlWithAStreamingProducer) {
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/sh", sh("cat | wc -c"));
  StdinProducer producer(*t);
  t->registerProducer(&producer, true);
  producer.produce();
  spinUntil([&] { return p->ended.has_value(); });
  EXPECT_TRUE(p->ended->check<error::ProcessDone>());
  EXPECT_GE(producer.paused, 1);
  EXPECT_GE(producer.resumed, 1);
  EXPECT_EQ(producer.chunks, 4);
  EXPECT_EQ(std::stoul(p->received[1]), 4u << 20);
}

TWISTED_INSTANTIATE_BACKENDS(ProcessTest);

}  // namespace
