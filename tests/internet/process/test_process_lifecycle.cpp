// spawnProcess (twisted.internet.process) on every reactor backend: every
// exit code and every common fatal signal, a child closing its own stdin
// (noticed without a write, as Twisted's ProcessWriter does), spawning from
// other threads through callFromThread, and the reactor stopping while a
// child runs (docs/process.md's rule).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/process.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;
namespace process = twisted::internet::process;

class Recorder : public ProcessProtocol {
 public:
  void connectionMade() override { events.push_back("connectionMade"); }
  void childDataReceived(int fd, std::string_view data) override { received[fd].append(data); }
  void childConnectionLost(int fd) override {
    events.push_back("childConnectionLost " + std::to_string(fd));
    if (onLost) onLost(fd);
  }
  void processExited(const Failure& reason) override {
    events.push_back("processExited");
    exited = reason;
  }
  void processEnded(const Failure& reason) override {
    events.push_back("processEnded");
    ended = reason;
  }
  std::ptrdiff_t position(const std::string& event) const {
    auto it = std::find(events.begin(), events.end(), event);
    return it == events.end() ? -1 : it - events.begin();
  }
  std::function<void(int)> onLost;
  std::map<int, std::string> received;
  std::vector<std::string> events;
  std::optional<Failure> exited, ended;
};

std::vector<std::string> sh(const std::string& script) {
  return {"sh", "-c", script};
}

class ProcessLifecycleTest : public testing_internal::RealReactorTest {
 protected:
  // Spawns `count` children made by `spawn(i)`, at most kInFlight at a time
  // (each holds 4 descriptors; select stops at FD_SETSIZE), until all ended.
  template <class Spawn>
  std::vector<std::shared_ptr<Recorder>> runAll(int count, Spawn spawn) {
    constexpr int kInFlight = 32;
    std::vector<std::shared_ptr<Recorder>> all;
    int ended = 0;
    while (ended < count) {
      while (static_cast<int>(all.size()) < count &&
             static_cast<int>(all.size()) - ended < kInFlight) {
        all.push_back(std::make_shared<Recorder>());
        spawn(static_cast<int>(all.size()) - 1, all.back());
      }
      spinUntil([&] { return all[static_cast<std::size_t>(ended)]->ended.has_value(); });
      if (!all[static_cast<std::size_t>(ended)]->ended) break;
      while (ended < static_cast<int>(all.size()) && all[static_cast<std::size_t>(ended)]->ended)
        ++ended;
    }
    return all;
  }
};

TEST_P(ProcessLifecycleTest, EveryExitCode) {
  auto all = runAll(256, [&](int code, std::shared_ptr<Recorder> p) {
    r->spawnProcess(p, "/bin/sh", sh("exit " + std::to_string(code)));
  });
  ASSERT_EQ(all.size(), 256u);
  for (int code = 0; code < 256; ++code) {
    const Failure& f = *all[static_cast<std::size_t>(code)]->ended;
    if (code == 0) {
      ASSERT_TRUE(f.check<error::ProcessDone>());
      EXPECT_EQ(f.getErrorMessage(), "process finished with exit code 0");
      continue;
    }
    const auto* e = f.valueAs<error::ProcessTerminated>();
    ASSERT_NE(e, nullptr) << code;
    EXPECT_EQ(e->exitCode, code);
    EXPECT_FALSE(e->signal.has_value());
    ASSERT_TRUE(e->status.has_value());
    EXPECT_TRUE(WIFEXITED(*e->status));
    EXPECT_EQ(WEXITSTATUS(*e->status), code);
    EXPECT_EQ(f.getErrorMessage(), "process ended with exit code " + std::to_string(code));
    // processExited had the same reason.
    EXPECT_EQ(all[static_cast<std::size_t>(code)]->exited->getErrorMessage(), f.getErrorMessage());
  }
}

const std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},   {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}};

void expectKilledBy(const Failure& f, int number, const std::string& how) {
  const auto* e = f.valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr) << how;
  EXPECT_EQ(e->signal, number) << how;
  EXPECT_FALSE(e->exitCode.has_value()) << how;
  ASSERT_TRUE(e->status.has_value()) << how;
  EXPECT_TRUE(WIFSIGNALED(*e->status)) << how;
  EXPECT_EQ(WTERMSIG(*e->status), number) << how;
  // Twisted's message says nothing of a core dump (only status has it).
  EXPECT_EQ(f.getErrorMessage(), "process ended by signal " + std::to_string(number)) << how;
}

// Sets RLIMIT_CORE to 0 for the children spawned meanwhile (they inherit
// it): SEGV, ABRT, QUIT... would otherwise dump core.
class NoCoreDumps {
 public:
  NoCoreDumps() {
    ::getrlimit(RLIMIT_CORE, &saved_);
    rlimit none{0, saved_.rlim_max};
    ::setrlimit(RLIMIT_CORE, &none);
  }
  ~NoCoreDumps() { ::setrlimit(RLIMIT_CORE, &saved_); }

 private:
  rlimit saved_{};
};

// signalProcess by name and by number, and a child that kills itself.
TEST_P(ProcessLifecycleTest, DeathByEveryCommonSignal) {
  NoCoreDumps noCores;
  const int n = static_cast<int>(std::size(kSignals));
  std::vector<std::shared_ptr<IProcessTransport>> transports;
  auto all = runAll(3 * n, [&](int i, std::shared_ptr<Recorder> p) {
    auto [name, number] = kSignals[i % n];
    if (i / n == 2) {
      r->spawnProcess(p, "/bin/sh", sh("kill -" + std::string(name) + " $$"));
      return;
    }
    // exec: the signal reaches the program itself, not a shell waiting for it.
    auto t = r->spawnProcess(p, "/bin/sh", sh("exec cat"));
    if (i / n == 0)
      t->signalProcess(name);
    else
      t->signalProcess(number);
    transports.push_back(t);
  });
  ASSERT_EQ(all.size(), static_cast<std::size_t>(3 * n));
  const char* how[] = {"by name ", "by number ", "itself "};
  for (int i = 0; i < 3 * n; ++i)
    expectKilledBy(*all[static_cast<std::size_t>(i)]->ended, kSignals[i % n].second,
                   how[i / n] + std::string(kSignals[i % n].first));
}

// The child closes its stdin and keeps running: the parent hears
// childConnectionLost(0) without writing anything (Twisted's ProcessWriter
// watches the write end for readability), and only then lets it exit.
TEST_P(ProcessLifecycleTest, ChildClosingStdinIsNoticedBeforeItExits) {
  auto p = std::make_shared<Recorder>();
  process::ChildFDs fds{{0, process::ChildFD::Write},
                        {1, process::ChildFD::Read},
                        {2, process::ChildFD::Read},
                        {3, process::ChildFD::Write}};
  auto t = r->spawnProcess(p, "/bin/sh", sh("exec 0<&-; read go <&3; echo \"$go\""), {}, {},
                           std::nullopt, std::nullopt, false, fds);
  p->onLost = [&](int fd) {
    if (fd == 0) t->writeToChild(3, "bye\n");
  };
  spinUntil([&] { return p->ended.has_value(); });
  ASSERT_TRUE(p->ended.has_value());
  EXPECT_TRUE(p->ended->check<error::ProcessDone>()) << p->ended->getErrorMessage();
  EXPECT_EQ(p->received[1], "bye\n");
  const auto lost = p->position("childConnectionLost 0");
  ASSERT_GE(lost, 0);
  EXPECT_LT(lost, p->position("processExited"));
}

// Several threads spawn through callFromThread while the reactor runs; every
// child is reaped and reports its own exit code.
TEST_P(ProcessLifecycleTest, SpawningFromOtherThreadsThroughCallFromThread) {
  constexpr int kThreads = 4, kPerThread = 8;
  std::vector<std::shared_ptr<Recorder>> protocols;
  for (int i = 0; i < kThreads * kPerThread; ++i)
    protocols.push_back(std::make_shared<Recorder>());
  std::atomic<int> queued{0};
  std::vector<std::thread> threads;
  r->callWhenRunning([&] {
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int k = 0; k < kPerThread; ++k) {
          const int i = t * kPerThread + k;
          r->callFromThread([&, i] {
            EXPECT_TRUE(r->isInIOThread());
            r->spawnProcess(protocols[static_cast<std::size_t>(i)], "/bin/sh",
                            sh("exit " + std::to_string(i)));
          });
          ++queued;
        }
      });
  });
  std::function<void()> poll = [&] {
    if (std::all_of(protocols.begin(), protocols.end(),
                    [](auto& p) { return p->ended.has_value(); }))
      r->stop();
    else
      r->callLater(0.01, poll);
  };
  r->callLater(0.01, poll);
  runBounded(60);
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(queued.load(), kThreads * kPerThread);
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    const auto& p = protocols[static_cast<std::size_t>(i)];
    ASSERT_TRUE(p->ended.has_value()) << i;
    if (i == 0) {
      EXPECT_TRUE(p->ended->check<error::ProcessDone>());
    } else {
      ASSERT_NE(p->ended->valueAs<error::ProcessTerminated>(), nullptr) << i;
      EXPECT_EQ(p->ended->valueAs<error::ProcessTerminated>()->exitCode, i);
    }
  }
}

// docs/process.md, "The reactor stopping while children run": the child is
// not signalled; stop()'s shutdown closes its pipes (childConnectionLost for
// each, cat reads EOF), no processExited/processEnded comes, and the child
// exits on its own; destroying the reactor leaves reaping it to the program.
TEST_P(ProcessLifecycleTest, ReactorStopWhileChildRunsClosesPipesAndLeavesIt) {
  // The child waits on a pipe of the test's (fd 3) after cat ends, so it is
  // still running when the reactor goes, whatever the scheduling.
  int gate[2];
  ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
  auto p = std::make_shared<Recorder>();
  std::shared_ptr<IProcessTransport> t;
  process::ChildFDs fds{{0, process::ChildFD::Write},
                        {1, process::ChildFD::Read},
                        {2, process::ChildFD::Read},
                        {3, gate[0]}};
  r->callWhenRunning([&] {
    t = r->spawnProcess(p, "/bin/sh", sh("cat; read x <&3; exit 5"), {}, {}, std::nullopt,
                        std::nullopt, false, fds);
    r->callLater(0, [&] { r->stop(); });
  });
  runBounded();
  ::close(gate[0]);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->pid().has_value());
  const int pid = *t->pid();
  for (const char* lost :
       {"childConnectionLost 0", "childConnectionLost 1", "childConnectionLost 2"})
    EXPECT_GE(p->position(lost), 0) << lost;
  EXPECT_FALSE(p->exited.has_value());
  r.reset();
  ASSERT_EQ(::write(gate[1], "x\n", 2), 2);
  ::close(gate[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  // Not signalled: cat saw EOF, then the shell exited with its own code.
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 5);
  EXPECT_FALSE(p->ended.has_value());
}

// The same with nothing but the reactor holding the process (its transport
// and protocol dropped): destroying the reactor frees it without touching
// the half-destroyed reactor, and the child is left running.
TEST_P(ProcessLifecycleTest, ReactorDestroyedHoldingTheOnlyReferenceToARunningChild) {
  int gate[2];
  ASSERT_EQ(::pipe2(gate, O_CLOEXEC), 0);
  process::ChildFDs fds{{0, process::ChildFD::Write},
                        {1, process::ChildFD::Read},
                        {2, process::ChildFD::Read},
                        {3, gate[0]}};
  const int pid =
      *r->spawnProcess(std::make_shared<Recorder>(), "/bin/sh", sh("cat; read x <&3; exit 6"), {},
                       {}, std::nullopt, std::nullopt, false, fds)
           ->pid();
  ::close(gate[0]);
  r.reset();
  ASSERT_EQ(::write(gate[1], "x\n", 2), 2);
  ::close(gate[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 6);
}

TWISTED_INSTANTIATE_BACKENDS(ProcessLifecycleTest);

}  // namespace
