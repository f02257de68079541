// ProcessMonitor (twisted.runner.procmon) on a fake reactor: the
// counterparts of twisted/runner/test/test_procmon.py's ProcmonTests
// (start, stop, TERM then KILL, backoff between minRestartDelay and
// maxRestartDelay, restartAll, output logging), plus the C++ additions
// (stopService's Deferred, destruction).
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/runner/procmon.h>
#include <twisted/testing/event_logging_observer.h>

#include "runner/dummy_process_reactor.h"

namespace {

using procmon_test::DummyProcess;
using procmon_test::DummyProcessReactor;
using twisted::python::Failure;
using twisted::runner::procmon::LoggingProtocol;
using twisted::runner::procmon::ProcessMonitor;
namespace error = twisted::internet::error;

class ProcmonTest : public ::testing::Test {
 protected:
  ProcmonTest() {
    pm.minRestartDelay = 2;
    pm.maxRestartDelay = 10;
    pm.threshold = 10;
  }
  DummyProcess& transportOf(const std::string& name) {
    return dynamic_cast<DummyProcess&>(*pm.protocols().at(name)->processTransport());
  }
  // The events the monitor logged for children's lines.
  std::vector<twisted::logger::LogEvent> lines() const {
    std::vector<twisted::logger::LogEvent> out;
    for (auto& e : logs.events())
      if (e.logNamespace == "twisted.runner.procmon.ProcessMonitor") out.push_back(e);
    return out;
  }

  twisted::testing::EventLoggingObserver logs;
  DummyProcessReactor reactor;
  ProcessMonitor pm{reactor};
};

TEST_F(ProcmonTest, ReprLooksGood) {
  pm.addProcess("foo", {"arg1", "arg2"}, 1, 2);
  EXPECT_EQ(pm.repr(), "<ProcessMonitor 'foo'(1:2): ['arg1', 'arg2']>");
}

TEST_F(ProcmonTest, SimpleReprLooksGood) {
  pm.addProcess("foo", {"arg1", "arg2"});
  pm.addProcess("bar", {"it's"}, std::nullopt, 7);
  EXPECT_EQ(pm.repr(), "<ProcessMonitor 'bar'(:7): [\"it's\"] 'foo': ['arg1', 'arg2']>");
}

TEST_F(ProcmonTest, AddProcessStartsOnlyWhenRunning) {
  pm.addProcess("foo", {"arg1", "arg2"}, 1, 2);
  EXPECT_TRUE(pm.protocols().empty());
  EXPECT_TRUE(reactor.spawnedProcesses.empty());
  EXPECT_EQ(pm.delay().at("foo"), 2);
  pm.startService();
  reactor.advance(0);
  ASSERT_EQ(pm.protocols().size(), 1u);
  EXPECT_TRUE(pm.protocols().contains("foo"));
  ASSERT_EQ(reactor.spawnedProcesses.size(), 1u);
  auto& proc = *reactor.spawnedProcesses[0];
  EXPECT_EQ(proc.executable, "arg1");
  EXPECT_EQ(proc.args, (std::vector<std::string>{"arg1", "arg2"}));
  EXPECT_EQ(proc.uid, 1u);
  EXPECT_EQ(proc.gid, 2u);
}

TEST_F(ProcmonTest, AddProcessDuplicateKeyError) {
  pm.addProcess("foo", {"arg1", "arg2"}, 1, 2);
  EXPECT_THROW(pm.addProcess("foo", {"arg1", "arg2"}, 1, 2), std::invalid_argument);
  EXPECT_THROW(pm.addProcess("bar", {}), std::invalid_argument);
}

TEST_F(ProcmonTest, AddProcessEnvAndCwd) {
  pm.startService();
  pm.addProcess("foo", {"foo"}, 1, 2, {{"KEY", "value"}});
  pm.addProcess("bar", {"bar"}, std::nullopt, std::nullopt, {}, "/mnt/lala");
  reactor.advance(0);
  ASSERT_EQ(reactor.spawnedProcesses.size(), 2u);
  EXPECT_EQ(reactor.spawnedProcesses[0]->env,
            (twisted::internet::process::Environment{{"KEY", "value"}}));
  EXPECT_EQ(reactor.spawnedProcesses[0]->path, "");
  EXPECT_EQ(reactor.spawnedProcesses[1]->path, "/mnt/lala");
  EXPECT_EQ(reactor.spawnedProcesses[1]->uid, std::nullopt);
  EXPECT_EQ(reactor.spawnedProcesses[1]->gid, std::nullopt);
}

TEST_F(ProcmonTest, RemoveProcess) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  auto& proc = transportOf("foo");
  pm.removeProcess("foo");
  EXPECT_EQ(proc.signals, (std::vector<std::string>{"TERM"}));
  EXPECT_EQ(pm.repr(), "<ProcessMonitor >");
  // It is not restarted when it ends; the name is free again.
  reactor.advance(proc.terminationDelay);
  EXPECT_TRUE(pm.protocols().empty());
  reactor.advance(100);
  EXPECT_EQ(reactor.spawnedProcesses.size(), 1u);
  pm.addProcess("foo", {"other"});
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
}

TEST_F(ProcmonTest, RemoveProcessCancelsScheduledRestart) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  pm.protocols().at("foo")->processEnded(Failure(error::ProcessDone(0)));
  ASSERT_TRUE(pm.restart().at("foo").active());
  pm.removeProcess("foo");
  EXPECT_FALSE(pm.restart().at("foo").active());
  reactor.advance(100);  // Twisted's restart would raise KeyError here
  EXPECT_EQ(reactor.spawnedProcesses.size(), 1u);
}

TEST_F(ProcmonTest, RemoveProcessUnknownKeyError) {
  pm.startService();
  EXPECT_THROW(pm.removeProcess("foo"), std::out_of_range);
}

TEST_F(ProcmonTest, StartProcess) {
  pm.addProcess("foo", {"foo"});
  pm.startProcess("foo");
  ASSERT_TRUE(pm.protocols().contains("foo"));
  EXPECT_NE(dynamic_cast<LoggingProtocol*>(pm.protocols().at("foo").get()), nullptr);
  EXPECT_EQ(pm.protocols().at("foo")->name, "foo");
  EXPECT_TRUE(pm.timeStarted().contains("foo"));
}

TEST_F(ProcmonTest, StartProcessAlreadyStarted) {
  pm.addProcess("foo", {"foo"});
  pm.startProcess("foo");
  pm.startProcess("foo");
  EXPECT_EQ(reactor.spawnedProcesses.size(), 1u);
}

TEST_F(ProcmonTest, StartProcessUnknownKeyError) {
  EXPECT_THROW(pm.startProcess("foo"), std::out_of_range);
}

TEST_F(ProcmonTest, StopProcessNaturalTermination) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  ASSERT_TRUE(pm.protocols().contains("foo"));
  double timeToDie = transportOf("foo").terminationDelay = 1;
  // Past the threshold, so the death does not count as instant.
  reactor.advance(pm.threshold);
  pm.stopProcess("foo");
  EXPECT_EQ(transportOf("foo").signals, (std::vector<std::string>{"TERM"}));
  reactor.advance(timeToDie);
  // Restarted at once.
  EXPECT_EQ(reactor.seconds(), pm.timeStarted().at("foo"));
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
  EXPECT_EQ(reactor.spawnedProcesses[0]->signals, (std::vector<std::string>{"TERM"}));
}

TEST_F(ProcmonTest, StopProcessForcedKill) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  reactor.advance(pm.threshold);
  DummyProcess& proc = transportOf("foo");
  proc.terminationDelay = pm.killTime + 1;  // it ignores TERM for too long
  pm.stopProcess("foo");
  reactor.advance(pm.killTime - 1);
  EXPECT_EQ(pm.timeStarted().at("foo"), 0.0);
  EXPECT_EQ(proc.signals, (std::vector<std::string>{"TERM"}));
  reactor.advance(1);
  EXPECT_EQ(proc.signals, (std::vector<std::string>{"TERM", "KILL"}));
  // Killed and restarted at once.
  EXPECT_EQ(reactor.seconds(), pm.timeStarted().at("foo"));
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
}

TEST_F(ProcmonTest, StopProcessTwiceKeepsTheFirstKillDeadline) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  reactor.advance(pm.threshold);
  DummyProcess& proc = transportOf("foo");
  proc.terminationDelay = 100;
  pm.stopProcess("foo");
  reactor.advance(pm.killTime - 1);
  pm.stopProcess("foo");
  reactor.advance(1);
  EXPECT_EQ(proc.signals, (std::vector<std::string>{"TERM", "TERM", "KILL"}));
}

TEST_F(ProcmonTest, KillOfAChildThatExitedButHoldsItsPipesClosesThem) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  DummyProcess& proc = transportOf("foo");
  proc.terminationDelay = 100;
  auto stopped = pm.stopService();
  proc.exitHoldingPipes();
  reactor.advance(pm.killTime - 1);
  EXPECT_EQ(proc.loseConnectionCalls, 0);
  EXPECT_FALSE(stopped.called());
  reactor.advance(1);
  // No KILL to send (it exited): its pipes are closed, so it ends.
  EXPECT_EQ(proc.signals, (std::vector<std::string>{"TERM"}));
  EXPECT_EQ(proc.loseConnectionCalls, 1);
  EXPECT_TRUE(stopped.called());
  EXPECT_TRUE(pm.protocols().empty());
}

TEST_F(ProcmonTest, StopProcessUnknownKeyError) {
  EXPECT_THROW(pm.stopProcess("foo"), std::out_of_range);
}

TEST_F(ProcmonTest, StopProcessAlreadyStopped) {
  pm.addProcess("foo", {"foo"});
  pm.stopProcess("foo");  // not running: nothing happens
  EXPECT_TRUE(pm.murder().empty());
}

TEST_F(ProcmonTest, OutputReceivedCompleteLine) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.advance(0);
  reactor.advance(pm.threshold);
  pm.protocols().at("foo")->outReceived("hello world!\n");
  auto events = lines();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].get<std::string>("stream"), "stdout");
  EXPECT_EQ(*events[0].get<std::string>("tag"), "foo");
  EXPECT_EQ(*events[0].get<std::string>("line"), "hello world!");
  EXPECT_EQ(events[0].format, "[{tag}] {line}");
  EXPECT_EQ(events[0].level, twisted::logger::LogLevel::info);
}

TEST_F(ProcmonTest, OutputReceivedCompleteErrLine) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  pm.protocols().at("foo")->errReceived("hello world!\n");
  auto events = lines();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].get<std::string>("stream"), "stderr");
  EXPECT_EQ(*events[0].get<std::string>("tag"), "foo");
  EXPECT_EQ(*events[0].get<std::string>("line"), "hello world!");
}

TEST_F(ProcmonTest, OutputReceivedCompleteLineInvalidUTF8) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  pm.protocols().at("foo")->outReceived("\xffhello world!\n");
  pm.protocols().at("foo")->outReceived("caf\xc3\xa9 it's \"\\\t\x01\n");
  pm.protocols().at("foo")->outReceived("\xed\xa0\x80 it's\n");  // a surrogate
  auto events = lines();
  ASSERT_EQ(events.size(), 3u);
  // Python's repr of the bytes, as Twisted logs them.
  EXPECT_EQ(*events[0].get<std::string>("line"), "b'\\xffhello world!'");
  EXPECT_EQ(*events[1].get<std::string>("line"), "caf\xc3\xa9 it's \"\\\t\x01");
  EXPECT_EQ(*events[2].get<std::string>("line"), "b\"\\xed\\xa0\\x80 it's\"");
}

TEST_F(ProcmonTest, OutputReceivedPartialLine) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  auto proto = pm.protocols().at("foo");
  proto->outReceived("hello ");
  proto->outReceived("world!");
  proto->errReceived("no newline");
  EXPECT_TRUE(lines().empty());
  proto->processEnded(Failure(error::ProcessDone(0)));
  auto events = lines();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[0].get<std::string>("stream"), "stdout");
  EXPECT_EQ(*events[0].get<std::string>("line"), "hello world!");
  EXPECT_EQ(*events[1].get<std::string>("stream"), "stderr");
  EXPECT_EQ(*events[1].get<std::string>("line"), "no newline");
}

TEST_F(ProcmonTest, OutputEndingInNewlineLogsNothingMoreAtTheEnd) {
  // Twisted 22.4 logs an empty line per stream here (its "ends with a
  // newline" test compares an int with bytes); the intent is nothing.
  pm.addProcess("foo", {"foo"});
  pm.startService();
  auto proto = pm.protocols().at("foo");
  proto->outReceived("a\nb\n");
  proto->processEnded(Failure(error::ProcessDone(0)));
  auto events = lines();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[1].get<std::string>("line"), "b");
}

TEST_F(ProcmonTest, OverlongLinesAreLoggedInPieces) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  auto proto = pm.protocols().at("foo");
  std::size_t max = proto->output().MAX_LENGTH;
  std::string big(max + 10, 'x');
  proto->outReceived(big + "\nnext\npartial");
  auto events = lines();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[0].get<std::string>("line"), big);
  EXPECT_EQ(*events[1].get<std::string>("line"), "next");
  proto->outReceived(" line\n");
  events = lines();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(*events[2].get<std::string>("line"), "partial line");
  // A line that never ends: pieces as the buffer fills.
  proto->outReceived(std::string(3 * max + 5, 'y'));
  events = lines();
  ASSERT_EQ(events.size(), 6u);
  for (std::size_t i = 3; i < 6; ++i)
    EXPECT_EQ(*events[i].get<std::string>("line"), std::string(max, 'y'));
  proto->outReceived("z\n");
  events = lines();
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(*events[6].get<std::string>("line"), "yyyyyz");
}

TEST_F(ProcmonTest, ConnectionLostLongLivedProcess) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.advance(0);
  reactor.advance(pm.threshold);
  pm.protocols().at("foo")->processEnded(Failure(error::ProcessDone(0)));
  EXPECT_FALSE(pm.protocols().contains("foo"));
  reactor.advance(0);
  EXPECT_TRUE(pm.protocols().contains("foo"));
  EXPECT_EQ(pm.delay().at("foo"), pm.minRestartDelay);
}

TEST_F(ProcmonTest, ConnectionLostMurderCancel) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.advance(1);
  pm.stopProcess("foo");
  ASSERT_TRUE(pm.murder().contains("foo"));
  twisted::internet::DelayedCall delayedCall = pm.murder().at("foo");
  EXPECT_TRUE(delayedCall.active());
  reactor.advance(transportOf("foo").terminationDelay);
  EXPECT_FALSE(delayedCall.active());
  EXPECT_FALSE(pm.murder().contains("foo"));
}

TEST_F(ProcmonTest, ConnectionLostProtocolDeletion) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  ASSERT_TRUE(pm.protocols().contains("foo"));
  transportOf("foo").signalProcess("KILL");
  reactor.advance(0);
  EXPECT_FALSE(pm.protocols().contains("foo"));
}

TEST_F(ProcmonTest, ConnectionLostMinMaxRestartDelay) {
  pm.minRestartDelay = 2;
  pm.maxRestartDelay = 3;
  pm.startService();
  pm.addProcess("foo", {"foo"});
  EXPECT_EQ(pm.delay().at("foo"), pm.minRestartDelay);
  reactor.advance(pm.threshold - 1);
  pm.protocols().at("foo")->processEnded(Failure(error::ProcessDone(0)));
  EXPECT_EQ(pm.delay().at("foo"), pm.maxRestartDelay);
}

TEST_F(ProcmonTest, ConnectionLostBackoffDelayDoubles) {
  pm.startService();
  pm.addProcess("foo", {"foo"});
  reactor.advance(pm.threshold - 1);
  EXPECT_EQ(pm.delay().at("foo"), pm.minRestartDelay);
  pm.protocols().at("foo")->processEnded(Failure(error::ProcessDone(0)));
  EXPECT_EQ(pm.delay().at("foo"), pm.minRestartDelay * 2);
}

TEST_F(ProcmonTest, CrashingProcessIsRestartedWithDoublingDelaysUpToTheMaximum) {
  // A child that dies as soon as it starts: restarts after 2, 4, 8, 10, 10
  // seconds (minRestartDelay 2, maxRestartDelay 10).
  pm.startService();
  pm.addProcess("foo", {"foo"});
  std::vector<double> starts{reactor.seconds()};
  for (int i = 0; i < 5; ++i) {
    reactor.spawnedProcesses.back()->end(1);
    ASSERT_TRUE(pm.restart().at("foo").active());
    reactor.advance(pm.restart().at("foo").getTime() - reactor.seconds());
    ASSERT_EQ(reactor.spawnedProcesses.size(), static_cast<std::size_t>(i + 2));
    starts.push_back(pm.timeStarted().at("foo"));
  }
  std::vector<double> gaps;
  for (std::size_t i = 1; i < starts.size(); ++i)
    gaps.push_back(starts[i] - starts[i - 1]);
  EXPECT_EQ(gaps, (std::vector<double>{2, 4, 8, 10, 10}));
  // A run longer than the threshold resets the delay: restarted at once.
  reactor.advance(pm.threshold);
  reactor.spawnedProcesses.back()->end(1);
  EXPECT_EQ(pm.delay().at("foo"), pm.minRestartDelay);
  reactor.advance(0);
  EXPECT_EQ(reactor.spawnedProcesses.size(), 7u);
}

TEST_F(ProcmonTest, StartService) {
  pm.addProcess("foo", {"foo"});
  EXPECT_FALSE(pm.running());
  pm.startService();
  EXPECT_TRUE(pm.running());
  reactor.advance(0);
  EXPECT_TRUE(pm.protocols().contains("foo"));
}

TEST_F(ProcmonTest, StopService) {
  pm.addProcess("foo", {"foo"});
  pm.addProcess("bar", {"bar"});
  pm.startService();
  reactor.advance(pm.threshold);
  EXPECT_TRUE(pm.protocols().contains("foo"));
  EXPECT_TRUE(pm.protocols().contains("bar"));
  reactor.advance(1);
  auto stopped = pm.stopService();
  EXPECT_FALSE(pm.running());
  EXPECT_FALSE(stopped.called());
  reactor.advance(pm.killTime + 1);
  EXPECT_TRUE(pm.protocols().empty());
  EXPECT_TRUE(stopped.called());
  reactor.advance(100);
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
}

TEST_F(ProcmonTest, StopServiceDeferredWaitsForTheKill) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  transportOf("foo").terminationDelay = 100;  // ignores TERM
  auto stopped = pm.stopService();
  reactor.advance(pm.killTime - 1);
  EXPECT_FALSE(stopped.called());
  reactor.advance(1);
  EXPECT_TRUE(stopped.called());
  EXPECT_EQ(reactor.spawnedProcesses[0]->signals, (std::vector<std::string>{"TERM", "KILL"}));
}

TEST_F(ProcmonTest, StopServiceWithNothingRunningFiresAtOnce) {
  pm.addProcess("foo", {"foo"});
  EXPECT_TRUE(pm.stopService().called());
  pm.startService();
  reactor.spawnedProcesses[0]->end(1);  // dies; a restart is scheduled
  EXPECT_TRUE(pm.stopService().called());
}

TEST_F(ProcmonTest, RestartAllRestartsOneProcess) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.advance(1);
  pm.restartAll();
  // Enough time for it to die, not for a new one to start.
  reactor.advance(1);
  ASSERT_EQ(reactor.spawnedProcesses.size(), 1u);
  EXPECT_EQ(reactor.spawnedProcesses[0]->pid(), std::nullopt);
  reactor.advance(pm.minRestartDelay);
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
}

TEST_F(ProcmonTest, StopServiceCancelRestarts) {
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.advance(pm.threshold);
  reactor.advance(1);
  pm.protocols().at("foo")->processEnded(Failure(error::ProcessDone(0)));
  EXPECT_TRUE(pm.restart().at("foo").active());
  pm.stopService();
  EXPECT_FALSE(pm.restart().at("foo").active());
}

TEST_F(ProcmonTest, StopServiceCleanupScheduledRestarts) {
  pm.threshold = 5;
  pm.minRestartDelay = 5;
  pm.startService();
  pm.addProcess("foo", {"foo"});
  reactor.advance(1);
  pm.stopProcess("foo");
  reactor.advance(1);  // it exits; restart scheduled 5 s later
  pm.stopService();
  reactor.advance(6);
  EXPECT_TRUE(pm.protocols().empty());
}

TEST(ProcmonDestruction, CancelsTimersAndDetachesProtocols) {
  DummyProcessReactor reactor;
  std::shared_ptr<LoggingProtocol> proto;
  {
    ProcessMonitor pm(reactor);
    pm.addProcess("foo", {"foo"});
    pm.addProcess("bar", {"bar"});
    pm.startService();
    proto = pm.protocols().at("foo");
    pm.protocols().at("bar")->processEnded(Failure(error::ProcessDone(0)));  // restart pending
    pm.stopProcess("foo");  // foo: a KILL is pending
    // bar's restart, foo's KILL and the DummyProcess's own TERM timer.
    EXPECT_EQ(reactor.getDelayedCalls().size(), 3u);
  }
  EXPECT_EQ(reactor.getDelayedCalls().size(), 1u);
  EXPECT_EQ(proto->service, nullptr);
  // The DummyProcess's own TERM timer remains; it ends foo, which must not
  // reach the destroyed monitor.
  reactor.advance(100);
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
  auto& foo = dynamic_cast<DummyProcess&>(*proto->processTransport());
  EXPECT_EQ(foo.signals, (std::vector<std::string>{"TERM"}));
  EXPECT_EQ(foo.pid(), std::nullopt);
}

TEST(ProcmonSpawnFailure, StartProcessPropagatesAndARestartRetries) {
  // spawnProcess throws (out of descriptors, say): startProcess lets it
  // through and keeps no protocol; a scheduled restart logs it and retries
  // with backoff.
  struct Failing : DummyProcessReactor {
    using DummyProcessReactor::spawnProcess;
    std::shared_ptr<twisted::internet::IProcessTransport> spawnProcess(
        std::shared_ptr<twisted::internet::ProcessProtocol> p, std::string exe,
        std::vector<std::string> args, twisted::internet::process::Environment env,
        std::string path, std::optional<uid_t> uid, std::optional<gid_t> gid, bool pty,
        std::optional<twisted::internet::process::ChildFDs> fds) override {
      if (fail) throw std::system_error(EMFILE, std::generic_category(), "pipe");
      return DummyProcessReactor::spawnProcess(std::move(p), std::move(exe), std::move(args),
                                               std::move(env), std::move(path), uid, gid, pty,
                                               std::move(fds));
    }
    bool fail = false;
  };
  twisted::testing::EventLoggingObserver logs;
  Failing reactor;
  ProcessMonitor pm(reactor);
  pm.addProcess("foo", {"foo"});
  pm.startService();
  reactor.fail = true;
  reactor.spawnedProcesses[0]->end(1);  // restart in 1 s
  reactor.advance(1);                   // fails: retry in 2 s
  EXPECT_TRUE(pm.protocols().empty());
  auto errors = logs.flushLoggedErrors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(*errors[0].get<std::string>("name"), "foo");
  EXPECT_TRUE(pm.restart().at("foo").active());
  EXPECT_THROW(pm.startProcess("foo"), std::system_error);
  EXPECT_TRUE(pm.protocols().empty());
  reactor.fail = false;
  reactor.advance(2);
  EXPECT_TRUE(pm.protocols().contains("foo"));
  EXPECT_EQ(reactor.spawnedProcesses.size(), 2u);
}

}  // namespace
