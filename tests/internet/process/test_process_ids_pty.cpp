// spawnProcess's uid, gid and usePTY, and the executable's lookup in the
// child's PATH (twisted.internet.process: _execChild, PTYProcess), on every
// reactor backend, against real programs. Switching users needs root: those
// tests skip (saying so) otherwise.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
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
  void childDataReceived(int fd, std::string_view data) override { received[fd].append(data); }
  void processEnded(const Failure& reason) override {
    ++endedCount;
    ended = reason;
  }
  std::map<int, std::string> received;
  std::optional<Failure> ended;
  int endedCount = 0;
};

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

class ProcessIdsPtyTest : public testing_internal::RealReactorTest {
 protected:
  std::shared_ptr<Recorder> run(std::string exe, std::vector<std::string> args,
                                process::Environment env = {}, std::optional<uid_t> uid = {},
                                std::optional<gid_t> gid = {}, bool usePTY = false) {
    auto p = std::make_shared<Recorder>();
    r->spawnProcess(p, std::move(exe), std::move(args), std::move(env), {}, uid, gid, usePTY);
    spinUntil([&] { return p->ended.has_value(); });
    return p;
  }
  static std::vector<std::string> sh(const std::string& script) { return {"sh", "-c", script}; }
  static bool root() { return ::geteuid() == 0; }
};

// --- uid and gid -------------------------------------------------------------

TEST_P(ProcessIdsPtyTest, UidAndGidSwitchTheChildsUserGroupAndGroups) {
  if (!root()) GTEST_SKIP() << "switching users needs root";
  auto p = run("/bin/sh", sh("id -u; id -g; id -G; id -ru"), {}, kNobody, kNogroup);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>())
      << p->ended->getErrorMessage() << p->received[2];
  // nobody's groups are nogroup's alone (initgroups): root's are gone.
  EXPECT_EQ(p->received[1], "65534\n65534\n65534\n65534\n");
}

TEST_P(ProcessIdsPtyTest, UidAloneTakesTheEffectiveGidAndTheUsersGroups) {
  if (!root()) GTEST_SKIP() << "switching users needs root";
  auto p = run("/bin/sh", sh("id -u; id -g; id -G"), {}, kNobody, std::nullopt);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[2];
  // initgroups("nobody", egid): egid and the groups listing nobody as a
  // member (none), not nobody's passwd group.
  EXPECT_EQ(p->received[1],
            "65534\n" + std::to_string(::getegid()) + "\n" + std::to_string(::getegid()) + "\n");
}

TEST_P(ProcessIdsPtyTest, GidAloneKeepsTheUser) {
  if (!root()) GTEST_SKIP() << "switching groups needs root";
  auto p = run("/bin/sh", sh("id -u; id -g"), {}, std::nullopt, kNogroup);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[2];
  EXPECT_EQ(p->received[1], std::to_string(::getuid()) + "\n65534\n");
}

TEST_P(ProcessIdsPtyTest, UidWithoutAPasswdEntryGetsJustTheGid) {
  if (!root()) GTEST_SKIP() << "switching users needs root";
  auto p = run("/bin/sh", sh("id -u; id -G"), {}, 54321, 54322);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[2];
  EXPECT_EQ(p->received[1], "54321\n54322\n");
}

TEST_P(ProcessIdsPtyTest, AFailedSwitchEndsWithExitCode1AndSaysWhy) {
  // Root may become anyone, so make the switch itself fail another way:
  // a working directory the new user cannot enter is checked first (as
  // Twisted's chdir before switchUID), and an executable it cannot run fails
  // its exec. As non-root, setgid fails with EPERM.
  std::string exe = root() ? "/nonexistent/program" : "/bin/true";
  auto p = run(exe, {"x"}, {}, root() ? kNobody : 0, root() ? kNogroup : 0);
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr) << p->ended->getErrorMessage();
  EXPECT_EQ(e->exitCode, 1);
  EXPECT_EQ(p->received[2].rfind("Upon exec of " + exe + ": ", 0), 0u) << p->received[2];
  EXPECT_EQ(p->endedCount, 1);
}

TEST_P(ProcessIdsPtyTest, TheForkedChildGetsItsFdsAndNothingElse) {
  if (!root()) GTEST_SKIP() << "switching users needs root";
  // Only 0, 1 and 2 (ls's own directory fd aside), with stdin working.
  auto p = std::make_shared<Recorder>();
  auto t = r->spawnProcess(p, "/bin/sh", sh("cat; ls /proc/self/fd | sort -n | tr '\\n' ' '"), {},
                           "/tmp", kNobody, kNogroup);
  t->write("fed\n");
  t->closeStdin();
  spinUntil([&] { return p->ended.has_value(); });
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[2];
  EXPECT_EQ(p->received[1], "fed\n0 1 2 3 ");
}

// --- usePTY ------------------------------------------------------------------

TEST_P(ProcessIdsPtyTest, PtyChildHasATerminalAndLeadsItsSession) {
  auto p = run("/usr/bin/python3",
               {"python3", "-c",
                "import os\n"
                "print(all(os.isatty(fd) for fd in (0, 1, 2)),"
                " os.getsid(0) == os.getpid(), os.tcgetpgrp(0) == os.getpgrp())"},
               {}, std::nullopt, std::nullopt, true);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->ended->getErrorMessage();
  // A terminal turns "\n" into "\r\n"; everything arrives as fd 1.
  EXPECT_EQ(p->received[1], "True True True\r\n");
  EXPECT_EQ(p->received.count(2), 0u);
  EXPECT_EQ(p->endedCount, 1);
}

TEST_P(ProcessIdsPtyTest, PtyEchoesWhatIsWrittenAndEndsOnEOF) {
  auto p = std::make_shared<Recorder>();
  // SIGHUP ignored (inherited through exec): after an earlier test's
  // terminal, cat was seen to get a SIGHUP in some runs (not under strace;
  // not understood yet, see docs/process.md), and this test is about echo
  // and EOF.
  auto t = r->spawnProcess(p, "/bin/sh", {"sh", "-c", "trap '' HUP; exec cat"}, {}, {},
                           std::nullopt, std::nullopt, true);
  t->write("hello\n");
  // The terminal echoes the line, then cat writes it back.
  spinUntil([&] { return p->received[1] == "hello\r\nhello\r\n"; });
  t->closeStdin();             // no-op on a terminal (as Twisted's PTYProcess)
  t->writeToChild(0, "\x04");  // VEOF at the start of a line: cat reads EOF
  spinUntil([&] { return p->ended.has_value(); });
  EXPECT_TRUE(p->ended->check<error::ProcessDone>())
      << p->ended->getErrorMessage() << " [" << p->received[1] << "]";
  EXPECT_EQ(p->endedCount, 1);
}

TEST_P(ProcessIdsPtyTest, PtyExitStatusAndSignalAreReported) {
  auto p = run("/bin/sh", sh("echo bye; exit 7"), {}, std::nullopt, std::nullopt, true);
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exitCode, 7);
  EXPECT_EQ(p->received[1], "bye\r\n");

  auto q = std::make_shared<Recorder>();
  auto t = r->spawnProcess(q, "/bin/cat", {"cat"}, {}, {}, std::nullopt, std::nullopt, true);
  t->signalProcess("KILL");
  spinUntil([&] { return q->ended.has_value(); });
  const auto* k = q->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->signal, SIGKILL);
}

TEST_P(ProcessIdsPtyTest, PtyMissingExecutableSaysSoOnTheTerminal) {
  auto p = run("/nonexistent/program", {"x"}, {}, std::nullopt, std::nullopt, true);
  const auto* e = p->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exitCode, 1);
  EXPECT_NE(p->received[1].find("Upon exec of /nonexistent/program: No such file or directory"),
            std::string::npos)
      << p->received[1];
}

TEST_P(ProcessIdsPtyTest, PtyWithAUser) {
  if (!root()) GTEST_SKIP() << "switching users needs root";
  auto p = run(
      "/usr/bin/python3",
      {"python3", "-c", "import os\nprint(os.getuid(), os.isatty(0), os.getsid(0) == os.getpid())"},
      {}, kNobody, kNogroup, true);
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[1];
  EXPECT_EQ(p->received[1], "65534 True True\r\n");
}

TEST_P(ProcessIdsPtyTest, PtyWithChildFDsIsRefused) {
  EXPECT_THROW(r->spawnProcess(std::make_shared<Recorder>(), "/bin/true", {"true"}, {}, {},
                               std::nullopt, std::nullopt, true, process::defaultChildFDs()),
               std::invalid_argument);
}

// --- PATH ----------------------------------------------------------------------

TEST_P(ProcessIdsPtyTest, ANameIsLookedUpInTheChildsPathOrBinUsrBin) {
  // No PATH in the environment: os.defpath, "/bin:/usr/bin" (as execvpe).
  auto p = run("echo", {"echo", "found"});
  ASSERT_TRUE(p->ended->check<error::ProcessDone>()) << p->received[2];
  EXPECT_EQ(p->received[1], "found\n");

  // The child's PATH, not ours: a directory of our own first.
  char dir[] = "/tmp/twisted-path-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string prog = std::string(dir) + "/myprog";
  std::ofstream(prog) << "#!/bin/sh\necho mine \"$@\"\n";
  ::chmod(prog.c_str(), 0755);
  auto q = run("myprog", {"myprog", "hi"}, {{"PATH", std::string("/nonexistent:") + dir}});
  ASSERT_TRUE(q->ended->check<error::ProcessDone>()) << q->received[2];
  EXPECT_EQ(q->received[1], "mine hi\n");

  // Not on that PATH: the exec fails as Twisted's child's does.
  auto m = run("echo", {"echo"}, {{"PATH", dir}});
  const auto* e = m->ended->valueAs<error::ProcessTerminated>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->exitCode, 1);
  EXPECT_EQ(m->received[2], "Upon exec of echo: No such file or directory\n");
  ::unlink(prog.c_str());
  ::rmdir(dir);
}

TWISTED_INSTANTIATE_BACKENDS(ProcessIdsPtyTest);

}  // namespace
