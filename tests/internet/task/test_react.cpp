// task::react: the cases of Twisted's test_task.py ReactTests and
// ReactCoroutineFunctionTests, on an independent reactor (makeReactor) with
// delays of milliseconds and a safety bound, plus the exit-code rules of the
// C++ version (an int result is the exit code; nothing calls exit()).
#include <twisted/internet/task/react.h>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/task/defer_later.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using twisted::internet::makeReactor;
using twisted::internet::ReactorBase;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::fail;
using twisted::internet::defer::succeed;
using twisted::internet::task::deferLater;
using twisted::internet::task::react;
using twisted::internet::task::SystemExit;

class ExpectedException : public std::runtime_error {
 public:
  ExpectedException() : std::runtime_error("expected") {}
};

class ReactTest : public ::testing::Test {
 protected:
  ReactTest() : r(makeReactor("default")) {
    // A main that never finishes fails the test instead of hanging it (the
    // bound is not a timing assertion).
    r->callLater(20, [this] {
      ADD_FAILURE() << "reactor still running after the safety bound";
      r->stop();
    });
  }

  std::unique_ptr<ReactorBase> r;
  twisted::testing::EventLoggingObserver logs;
};

// react runs the reactor until main's Deferred fires, then stops it: exit
// code 0 (test_runsUntilAsyncCallback).
TEST_F(ReactTest, RunsUntilAsyncCallback) {
  bool timePassed = false;
  double start = r->seconds();
  int code = react(*r, [&](ReactorBase& reactor) {
    Deferred<void> finished;
    reactor.callLater(0.01, [&] { timePassed = true; });
    reactor.callLater(0.02, [finished]() mutable { finished.callback(); });
    return finished;
  });
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(timePassed);
  EXPECT_GE(r->seconds() - start, 0.02);
  EXPECT_FALSE(r->running());
}

// A Deferred that has already fired stops the reactor at once
// (test_runsUntilSyncCallback).
TEST_F(ReactTest, RunsUntilSyncCallback) {
  int code = react(*r, [](ReactorBase&) { return succeed(); });
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(r->running());
}

// A failure stops the reactor, is logged, and gives exit code 1
// (test_runsUntilAsyncErrback).
TEST_F(ReactTest, RunsUntilAsyncErrback) {
  int code = react(*r, [](ReactorBase& reactor) {
    Deferred<void> finished;
    reactor.callLater(0.01, [finished]() mutable { finished.errback(ExpectedException()); });
    return finished;
  });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}

// An already-failed Deferred: exit code 1 at once, logged
// (test_runsUntilSyncErrback).
TEST_F(ReactTest, RunsUntilSyncErrback) {
  int code = react(*r, [](ReactorBase&) { return fail(ExpectedException()); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}

// main's Deferred firing during a shutdown someone else started does not
// stop the reactor again (test_singleStopCallback).
TEST_F(ReactTest, SingleStopCallback) {
  int code = react(*r, [](ReactorBase& reactor) {
    reactor.callLater(0.01, [&reactor] { reactor.stop(); });
    Deferred<void> finished;
    reactor.addSystemEventTrigger("during", "shutdown",
                                  [finished]() mutable { finished.callback(); });
    return finished;
  });
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(logs.flushLoggedErrors().empty());
}

// The same with a failure: code 1, logged once (test_singleStopErrback).
TEST_F(ReactTest, SingleStopErrback) {
  int code = react(*r, [](ReactorBase& reactor) {
    reactor.callLater(0.01, [&reactor] { reactor.stop(); });
    Deferred<void> finished;
    reactor.addSystemEventTrigger("during", "shutdown",
                                  [finished]() mutable { finished.errback(ExpectedException()); });
    return finished;
  });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}

// The extra arguments go to main after the reactor (test_arguments).
TEST_F(ReactTest, Arguments) {
  std::vector<int> args;
  int code = react(
      *r,
      [&](ReactorBase&, int x, int y, int z) {
        args = {x, y, z};
        return succeed();
      },
      1, 2, 3);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(args, (std::vector<int>{1, 2, 3}));
}

// A SystemExit failure gives its code (test_exitWithDefinedCode).
TEST_F(ReactTest, ExitWithDefinedCode) {
  int code = react(*r, [](ReactorBase&) { return fail(SystemExit(23)); });
  EXPECT_EQ(code, 23);
  EXPECT_TRUE(logs.flushLoggedErrors().empty());
}

// The reactor stopped just before main's Deferred fires
// (test_synchronousStop).
TEST_F(ReactTest, SynchronousStop) {
  int code = react(*r, [](ReactorBase& reactor) {
    Deferred<void> d;
    reactor.callWhenRunning([&reactor, d]() mutable {
      reactor.stop();
      d.callback();
    });
    return d;
  });
  EXPECT_EQ(code, 0);
}

// The reactor stopped and main's Deferred never fires
// (test_asynchronousStop).
TEST_F(ReactTest, AsynchronousStop) {
  int code = react(*r, [](ReactorBase& reactor) {
    reactor.callLater(0.01, [&reactor] { reactor.stop(); });
    return Deferred<void>();
  });
  EXPECT_EQ(code, 0);
}

// A failure that arrives after react() returned is still logged.
TEST_F(ReactTest, LateFailureIsLogged) {
  Deferred<void> late;
  int code = react(*r, [&](ReactorBase& reactor) {
    reactor.callLater(0.01, [&reactor] { reactor.stop(); });
    return late;
  });
  EXPECT_EQ(code, 0);
  late.errback(ExpectedException());
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}

// An int result is the exit code.
TEST_F(ReactTest, IntResultIsTheExitCode) {
  int code =
      react(*r, [](ReactorBase& reactor) { return deferLater(reactor, 0.01, [] { return 7; }); });
  EXPECT_EQ(code, 7);
}

// Any other result type exits 0.
TEST_F(ReactTest, OtherResultExitsZero) {
  int code = react(*r, [](ReactorBase&) { return succeed(std::string("ok")); });
  EXPECT_EQ(code, 0);
}

// A main that throws instead of returning a Deferred: logged, code 1; a
// thrown SystemExit gives its code.
TEST_F(ReactTest, MainThrows) {
  int code = react(*r, [](ReactorBase&) -> Deferred<void> { throw ExpectedException(); });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}
TEST_F(ReactTest, MainThrowsSystemExit) {
  int code = react(*r, [](ReactorBase&) -> Deferred<void> { throw SystemExit(4); });
  EXPECT_EQ(code, 4);
}

// react() runs a reactor once: a second react() on it raises
// ReactorNotRestartable, as run() does.
TEST_F(ReactTest, ReactorNotRestartable) {
  EXPECT_EQ(react(*r, [](ReactorBase&) { return succeed(); }), 0);
  EXPECT_THROW(react(*r, [](ReactorBase&) { return succeed(); }),
               twisted::internet::error::ReactorNotRestartable);
}

// --- ReactCoroutineFunctionTests -------------------------------------------

Deferred<int> coroutineMain(ReactorBase& reactor, int base) {
  co_await deferLater(reactor, 0.01);
  int more = co_await deferLater(reactor, 0.01, [] { return 2; });
  co_return base + more;
}

Deferred<void> failingCoroutineMain(ReactorBase& reactor) {
  co_await deferLater(reactor, 0.01);
  throw ExpectedException();
}

Deferred<void> exitingCoroutineMain(ReactorBase& reactor) {
  co_await deferLater(reactor, 0.01);
  throw SystemExit(23);
}

// A coroutine main: react runs until it completes, its int is the code
// (test_runsUntilAsyncCallback, test_arguments).
TEST_F(ReactTest, CoroutineMain) {
  EXPECT_EQ(react(*r, coroutineMain, 3), 5);
}

// A coroutine main that throws: logged, code 1 (test_runsUntilAsyncErrback).
TEST_F(ReactTest, CoroutineMainFails) {
  EXPECT_EQ(react(*r, failingCoroutineMain), 1);
  EXPECT_EQ(logs.flushLoggedErrors<ExpectedException>().size(), 1u);
}

// A coroutine main that throws SystemExit (test_exitWithDefinedCode).
TEST_F(ReactTest, CoroutineMainExits) {
  EXPECT_EQ(react(*r, exitingCoroutineMain), 23);
}

// Without a reactor argument, react() runs the process-wide reactor and
// passes it to main (test_defaultReactor). Last: the process-wide reactor
// cannot run again after this.
TEST(ReactDefaultReactorTest, DefaultReactor) {
  ReactorBase* passed = nullptr;
  auto guard = twisted::internet::reactor().callLater(20, [] {
    ADD_FAILURE() << "reactor still running after the safety bound";
    twisted::internet::reactor().stop();
  });
  int code = react([&](ReactorBase& reactor) {
    passed = &reactor;
    return succeed();
  });
  if (guard.active()) guard.cancel();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(passed, &twisted::internet::reactor());
}

}  // namespace
