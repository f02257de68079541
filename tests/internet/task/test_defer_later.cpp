// task::deferLater: the cases of Twisted's test_task.py DeferLaterTests, plus
// the typed results (a returned Deferred is waited for) and cancellation
// while waiting on it.
#include <twisted/internet/task/defer_later.h>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <twisted/internet/task/clock.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::task::Clock;
using twisted::internet::task::deferLater;
using twisted::python::Failure;

class TestException : public std::runtime_error {
 public:
  TestException() : std::runtime_error("test exception") {}
};

// The Deferred fires after the delay with the function's result; the
// function gets the bound arguments and runs only then (test_callback).
TEST(DeferLaterTest, Callback) {
  Clock clock;
  std::vector<std::pair<std::string, std::string>> calls;
  Deferred<int> d = deferLater(
      clock, 3,
      [&](const std::string& foo, const std::string& bar) {
        calls.emplace_back(foo, bar);
        return 42;
      },
      std::string("foo"), std::string("bar"));
  std::optional<int> result;
  d.addCallback([&](int v) { result = v; });
  clock.advance(2);
  EXPECT_TRUE(calls.empty());
  EXPECT_FALSE(result);
  clock.advance(1);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], std::make_pair(std::string("foo"), std::string("bar")));
  EXPECT_EQ(result, 42);
}

// A function that throws errbacks the Deferred (test_errback).
TEST(DeferLaterTest, Errback) {
  Clock clock;
  Deferred<void> d = deferLater(clock, 1, []() -> void { throw TestException(); });
  std::optional<Failure> failure;
  d.addErrback([&](Failure f) { failure = f; });
  clock.advance(1);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<TestException>());
}

// Cancelling before the delay cancels the call (nothing stays scheduled,
// the function never runs) and errbacks with CancelledError (test_cancel).
TEST(DeferLaterTest, Cancel) {
  Clock clock;
  bool called = false;
  Deferred<void> d = deferLater(clock, 1, [&] { called = true; });
  ASSERT_EQ(clock.getDelayedCalls().size(), 1u);
  d.cancel();
  std::optional<Failure> failure;
  d.addErrback([&](Failure f) { failure = f; });
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<CancelledError>());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(10);
  EXPECT_FALSE(called);
}

// With no function the Deferred<void> fires after the delay (test_noCallback).
TEST(DeferLaterTest, NoCallback) {
  Clock clock;
  Deferred<void> d = deferLater(clock, 2.0);
  bool fired = false;
  d.addCallback([&] { fired = true; });
  clock.advance(1.5);
  EXPECT_FALSE(fired);
  clock.advance(0.5);
  EXPECT_TRUE(fired);
}

// A void function gives a Deferred<void>; a value function a Deferred of it;
// a function returning Deferred<V> a Deferred<V> that waits for it.
TEST(DeferLaterTest, ResultTypes) {
  Clock clock;
  static_assert(std::is_same_v<decltype(deferLater(clock, 1, [] {})), Deferred<void>>);
  static_assert(std::is_same_v<decltype(deferLater(clock, 1, [] { return std::string(); })),
                               Deferred<std::string>>);
  static_assert(std::is_same_v<decltype(deferLater(clock, 1, [] { return Deferred<int>(); })),
                               Deferred<int>>);

  Deferred<int> inner;
  Deferred<int> d = deferLater(clock, 1, [inner] { return inner; });
  std::optional<int> result;
  d.addCallback([&](int v) { result = v; });
  clock.advance(1);
  EXPECT_FALSE(result);  // waiting on inner
  inner.callback(7);
  EXPECT_EQ(result, 7);
}

// Cancelling while the chain waits on the Deferred the function returned
// cancels that Deferred (Deferred.cancel on a chained Deferred).
TEST(DeferLaterTest, CancelWhileWaitingOnReturnedDeferred) {
  Clock clock;
  bool innerCancelled = false;
  Deferred<int> inner([&](Deferred<int>&) { innerCancelled = true; });
  Deferred<int> d = deferLater(clock, 1, [inner] { return inner; });
  clock.advance(1);
  d.cancel();
  EXPECT_TRUE(innerCancelled);
  std::optional<Failure> failure;
  d.addErrback([&](Failure f) -> int {
    failure = f;
    return 0;
  });
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<CancelledError>());
}

// Cancelling after it fired does nothing (the call already ran).
TEST(DeferLaterTest, CancelAfterFiringIsANoOp) {
  Clock clock;
  Deferred<int> d = deferLater(clock, 1, [] { return 1; });
  clock.advance(1);
  d.cancel();
  std::optional<int> result;
  d.addCallback([&](int v) { result = v; });
  EXPECT_EQ(result, 1);
}

// Arguments are copied in when deferLater is called, not when it fires.
TEST(DeferLaterTest, ArgumentsAreCopiedAtCallTime) {
  Clock clock;
  std::string s = "before";
  Deferred<std::string> d = deferLater(
      clock, 1, [](const std::string& v) { return v; }, s);
  s = "after";
  std::optional<std::string> result;
  d.addCallback([&](std::string v) { result = v; });
  clock.advance(1);
  EXPECT_EQ(result, "before");
}

// Move-only arguments and callables work.
TEST(DeferLaterTest, MoveOnlyArguments) {
  Clock clock;
  auto p = std::make_unique<int>(5);
  Deferred<int> d = deferLater(
      clock, 0, [](std::unique_ptr<int>& q) { return *q; }, std::move(p));
  std::optional<int> result;
  d.addCallback([&](int v) { result = v; });
  clock.advance(0);
  EXPECT_EQ(result, 5);
}

// Dropping every handle before it fires leaks nothing (LeakSanitizer) and
// the call still runs.
TEST(DeferLaterTest, DroppedHandleStillRuns) {
  Clock clock;
  bool called = false;
  {
    (void)deferLater(clock, 1, [&] { called = true; });
  }
  clock.advance(1);
  EXPECT_TRUE(called);
}

// Destroying the clock with the call pending (the handle counts it as
// cancelled) leaves the Deferred cancellable without error.
TEST(DeferLaterTest, ClockDestroyedFirst) {
  std::optional<Deferred<void>> d;
  {
    Clock clock;
    d = deferLater(clock, 1);
  }
  d->cancel();
  bool cancelled = false;
  d->addErrback([&](Failure f) { cancelled = f.check<CancelledError>(); });
  EXPECT_TRUE(cancelled);
}

}  // namespace
