// ProcessMonitor with real children on every reactor backend: a crashing
// child restarted with growing delays, output logged line by line with the
// name as tag, env and cwd passed on, and stopService ending a child that
// traps TERM with KILL after killTime.
#include <signal.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <twisted/runner/procmon.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

namespace {

using twisted::runner::procmon::ProcessMonitor;

class ProcmonProcessTest : public testing_internal::RealReactorTest {
 protected:
  // The lines logged for process `tag` on `stream`, in order.
  std::vector<std::string> lines(const std::string& tag, const std::string& stream = "stdout") {
    std::vector<std::string> out;
    for (auto& e : logs.events()) {
      if (e.logNamespace != "twisted.runner.procmon.ProcessMonitor") continue;
      if (*e.get<std::string>("tag") == tag && *e.get<std::string>("stream") == stream)
        out.push_back(*e.get<std::string>("line"));
    }
    return out;
  }
  std::size_t count(const std::string& tag, const std::string& line) {
    auto all = lines(tag);
    return static_cast<std::size_t>(std::count(all.begin(), all.end(), line));
  }

  twisted::testing::EventLoggingObserver logs;
};

TEST_P(ProcmonProcessTest, CrashingChildIsRestartedWithBackoff) {
  ProcessMonitor pm(*r);
  pm.threshold = 60;  // every death counts as instant
  pm.minRestartDelay = 0.01;
  pm.maxRestartDelay = 0.04;
  pm.addProcess("crasher", {"/bin/sh", "-c", "echo started; echo oops >&2; exit 1"});
  pm.startService();
  spinUntil([&] { return count("crasher", "started") >= 4; });
  // 0.01 → 0.02 → 0.04, then capped.
  EXPECT_EQ(pm.delay().at("crasher"), 0.04);
  EXPECT_GE(lines("crasher", "stderr").size(), 3u);
  EXPECT_EQ(lines("crasher", "stderr").front(), "oops");
  auto stopped = pm.stopService();
  spinUntil([&] { return stopped.called(); });
  std::size_t runs = count("crasher", "started");
  spinFor(0.1);  // longer than any restart delay: nothing restarts
  EXPECT_EQ(count("crasher", "started"), runs);
}

TEST_P(ProcmonProcessTest, EnvironmentAndWorkingDirectory) {
  ProcessMonitor pm(*r);
  pm.addProcess("env", {"/bin/sh", "-c", "echo \"KEY=$KEY\"; pwd; printf 'no newline'"},
                std::nullopt, std::nullopt, {{"KEY", "value"}}, "/");
  pm.startService();
  spinUntil([&] { return lines("env").size() >= 3; });
  auto stopped = pm.stopService();
  spinUntil([&] { return stopped.called(); });
  auto out = lines("env");
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(out[0], "KEY=value");
  EXPECT_EQ(out[1], "/");
  EXPECT_EQ(out[2], "no newline");  // the unterminated last line, at the end
}

TEST_P(ProcmonProcessTest, StopServiceKillsAChildThatTrapsTerm) {
  ProcessMonitor pm(*r);
  pm.killTime = 0.3;
  // The shell survives TERM (it logs it); only KILL ends it.
  pm.addProcess("stubborn", {"/bin/sh", "-c",
                             "trap 'echo got TERM' TERM; echo ready; "
                             "while :; do sleep 0.02; done"});
  pm.startService();
  spinUntil([&] { return count("stubborn", "ready") == 1; });
  auto stopped = pm.stopService();
  spinUntil([&] { return stopped.called(); });
  EXPECT_EQ(count("stubborn", "got TERM"), 1u);
  EXPECT_TRUE(pm.protocols().empty());
  EXPECT_EQ(count("stubborn", "ready"), 1u);  // not restarted
}

TEST_P(ProcmonProcessTest, RestartAllRestartsALongLivedChildAtOnce) {
  ProcessMonitor pm(*r);
  pm.threshold = 0;  // no death is instant: restarts are immediate
  pm.minRestartDelay = 60;
  pm.addProcess("sleeper", {"/bin/sh", "-c", "echo up; exec sleep 60"});
  pm.startService();
  spinUntil([&] { return count("sleeper", "up") == 1; });
  pm.restartAll();
  spinUntil([&] { return count("sleeper", "up") == 2; });
  auto stopped = pm.stopService();
  spinUntil([&] { return stopped.called(); });
}

TWISTED_INSTANTIATE_BACKENDS(ProcmonProcessTest);

}  // namespace
