// twisted/testing/deferred.h: successResultOf, failureResultOf and
// assertNoResult, the cases of trial's test_assertions.py
// (SynchronousAssertionsTests' successResultOf/failureResultOf/
// assertNoResult tests), for the typed Deferred.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include <twisted/internet/defer.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::DeferredTypeError;
using twisted::internet::defer::fail;
using twisted::internet::defer::succeed;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::EventLoggingObserver;
using twisted::testing::FailTest;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

// The message of the FailTest that `f` throws ("" if it throws none).
template <class F>
std::string failTestMessage(F&& f) {
  try {
    f();
  } catch (const FailTest& e) {
    return e.what();
  }
  return "";
}

// successResultOf

TEST(SuccessResultOfTest, ReturnsTheValue) {
  // test_successResultOfWithSuccessResult
  EXPECT_EQ(successResultOf(succeed(std::string("result"))), "result");
}

TEST(SuccessResultOfTest, LeavesTheResultInPlace) {
  auto d = succeed(5);
  EXPECT_EQ(successResultOf(d), 5);
  EXPECT_EQ(successResultOf(d), 5) << "asking twice sees the same value";
  int later = 0;
  d.addCallback([&](int v) { later = v; });
  EXPECT_EQ(later, 5);
}

TEST(SuccessResultOfTest, VoidDeferred) {
  auto d = succeed();
  successResultOf(d);
  bool later = false;
  d.addCallback([&] { later = true; });
  EXPECT_TRUE(later);
}

TEST(SuccessResultOfTest, MoveOnlyValueIsMovedOut) {
  auto d = succeed(std::make_unique<int>(3));
  EXPECT_EQ(*successResultOf(d), 3);
  successResultOf(d.asVoid());  // left holding void
}

TEST(SuccessResultOfTest, WithoutResultFails) {
  // test_successResultOfWithNoResult
  Deferred<int> d;
  std::string message = failTestMessage([&] { successResultOf(d); });
  EXPECT_THAT(message, StartsWith("Success result expected on <Deferred<int> at "));
  EXPECT_THAT(message, HasSubstr("(not fired)"));
  EXPECT_THAT(message, HasSubstr("found no result instead"));
  d.callback(1);
  EXPECT_EQ(successResultOf(d), 1);
}

TEST(SuccessResultOfTest, PausedDeferredHasNoResult) {
  auto d = succeed(1);
  d.pause();
  EXPECT_THAT(failTestMessage([&] { successResultOf(d); }),
              HasSubstr("(paused, or waiting on another Deferred)"));
  d.unpause();
  EXPECT_EQ(successResultOf(d), 1);
}

TEST(SuccessResultOfTest, WaitingOnAnotherDeferredHasNoResult) {
  Deferred<int> inner;
  auto outer = succeed(0).addCallback([&](int) { return inner; });
  EXPECT_THROW(successResultOf(outer), FailTest);
  inner.callback(2);
  EXPECT_EQ(successResultOf(outer), 2);
}

TEST(SuccessResultOfTest, WithFailureFailsAndHandlesIt) {
  // test_successResultOfWithFailure, test_successResultOfWithFailureHasTraceback
  EventLoggingObserver observer;
  {
    auto d = fail<int>(std::out_of_range("bad index"));
    std::string message = failTestMessage([&] { successResultOf(d); });
    EXPECT_THAT(message, HasSubstr("found failure result instead:"));
    EXPECT_THAT(message, HasSubstr("Traceback (most recent call last):"));
    EXPECT_THAT(message, HasSubstr("std::out_of_range: bad index"));
  }
  EXPECT_TRUE(observer.flushLoggedErrors().empty()) << "the failure was handled";
}

TEST(SuccessResultOfTest, StaleHandleIsATypeError) {
  Deferred<int> d;
  d.addCallback([](int v) { return std::to_string(v); });
  d.callback(1);
  EXPECT_THROW(successResultOf(d), DeferredTypeError);
}

TEST(SuccessResultOfTest, CoroutineDeferred) {
  auto coro = [](Deferred<int> in) -> Deferred<int> { co_return co_await in + 1; };
  Deferred<int> in;
  auto d = coro(in);
  EXPECT_THROW(successResultOf(d), FailTest);
  in.callback(1);
  EXPECT_EQ(successResultOf(d), 2);
}

// failureResultOf

TEST(FailureResultOfTest, ReturnsTheFailure) {
  // test_failureResultOfWithFailure
  Failure original(std::out_of_range("x"));
  auto d = fail<int>(original);
  Failure f = failureResultOf(d);
  EXPECT_TRUE(f == original) << "the same Failure";
}

TEST(FailureResultOfTest, ChecksTheType) {
  // test_failureResultOfWithExpectedFailureType, ...WithExpectedFailureTypes
  EXPECT_TRUE(failureResultOf<std::out_of_range>(fail<int>(std::out_of_range("x")))
                  .check<std::out_of_range>());
  Failure either =
      failureResultOf<std::invalid_argument, std::out_of_range>(fail<int>(std::out_of_range("x")));
  EXPECT_TRUE(either.check<std::out_of_range>());
  EXPECT_TRUE(
      failureResultOf<std::logic_error>(fail(std::out_of_range("x"))).check<std::out_of_range>())
      << "catch semantics: a base class matches";
}

TEST(FailureResultOfTest, WrongTypeFails) {
  // test_failureResultOfWithWrongFailure,
  // test_failureResultOfWithWrongFailureOneExpectedFailure(s)
  auto d = fail<int>(std::out_of_range("x"));
  std::string message =
      failTestMessage([&] { failureResultOf<std::invalid_argument, std::runtime_error>(d); });
  EXPECT_THAT(message, StartsWith("Failure of type (std::invalid_argument or std::runtime_error) "
                                  "expected on <Deferred<int> at "));
  EXPECT_THAT(message, HasSubstr("found type std::out_of_range instead"));
  EXPECT_THAT(message, HasSubstr("Traceback (most recent call last):"));
}

TEST(FailureResultOfTest, WithoutResultFails) {
  // test_failureResultOfWithNoResult
  Deferred<int> d;
  EXPECT_THAT(failTestMessage([&] { failureResultOf(d); }),
              HasSubstr("Failure result expected on <Deferred<int> at "));
  EXPECT_THAT(failTestMessage([&] { failureResultOf(d); }), HasSubstr("found no result instead"));
}

TEST(FailureResultOfTest, WithSuccessFails) {
  // test_failureResultOfWithSuccessResult
  auto d = succeed(42);
  EXPECT_THAT(failTestMessage([&] { failureResultOf(d); }),
              HasSubstr("found success result (42) instead"));
  EXPECT_EQ(successResultOf(d), 42) << "a success result is left alone";
  struct Opaque {};
  EXPECT_THAT(failTestMessage([&] { failureResultOf(succeed(Opaque{})); }),
              HasSubstr("found success result (a "));
}

TEST(FailureResultOfTest, HandlesTheFailure) {
  EventLoggingObserver observer;
  {
    auto d = fail<int>(std::out_of_range("expected"));
    failureResultOf<std::out_of_range>(d);
    successResultOf(d.asVoid());  // left holding void, as trial's None
  }
  {
    // Even when the type is wrong: the test already fails for it.
    auto d = fail<int>(std::out_of_range("expected"));
    EXPECT_THROW(failureResultOf<std::invalid_argument>(d), FailTest);
  }
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

// assertNoResult

TEST(AssertNoResultTest, PassesWithoutResultAndLeavesTheDeferredAlone) {
  // test_assertNoResult, test_assertNoResultPropagatesSuccess
  Deferred<std::string> d;
  assertNoResult(d);
  d.callback("later");
  EXPECT_EQ(successResultOf(d), "later");
}

TEST(AssertNoResultTest, FailureStillPropagatesLater) {
  // test_assertNoResultPropagatesLaterFailure
  Deferred<int> d;
  assertNoResult(d);
  d.errback(std::out_of_range("later"));
  failureResultOf<std::out_of_range>(d);
}

TEST(AssertNoResultTest, PausedOrWaitingIsNoResult) {
  auto paused = succeed(1);
  paused.pause();
  assertNoResult(paused);
  paused.unpause();
  Deferred<int> inner;
  auto waiting = succeed(0).addCallback([&](int) { return inner; });
  assertNoResult(waiting);
  inner.callback(1);
  EXPECT_EQ(successResultOf(waiting), 1);
  EXPECT_EQ(successResultOf(paused), 1);
}

TEST(AssertNoResultTest, FailsWithASuccessResult) {
  // test_assertNoResultSuccess
  auto d = succeed(7);
  std::string message = failTestMessage([&] { assertNoResult(d); });
  EXPECT_THAT(message, StartsWith("No result expected on <Deferred<int> at "));
  EXPECT_THAT(message, HasSubstr("found 7 instead"));
  EXPECT_EQ(successResultOf(d), 7);
}

TEST(AssertNoResultTest, FailsWithAFailureAndSwallowsIt) {
  // test_assertNoResultFailure, test_assertNoResultSwallows
  EventLoggingObserver observer;
  {
    auto d = fail<int>(std::out_of_range("oops"));
    EXPECT_THAT(failTestMessage([&] { assertNoResult(d); }),
                HasSubstr("found [Failure instance: "));
  }
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

// The helpers are usable inside GoogleTest's own assertions.
TEST(DeferredHelpersGTestTest, ThrowsFailTestWhichIsALogicError) {
  Deferred<int> d;
  EXPECT_THROW(successResultOf(d), FailTest);
  EXPECT_THROW(successResultOf(d), std::logic_error);
  EXPECT_NO_THROW(assertNoResult(d));
  d.callback(1);
  EXPECT_NO_THROW(successResultOf(d));
}

// trial's test_assertFailure* cases.
TEST(AssertFailureTest, FiresWithTheExpectedException) {
  Deferred<int> d;
  Deferred<std::runtime_error> checked = twisted::testing::assertFailure<std::runtime_error>(d);
  d.errback(std::runtime_error("expected"));
  EXPECT_STREQ(successResultOf(checked).what(), "expected");
}

TEST(AssertFailureTest, AcceptsAnyOfSeveralTypes) {
  auto checked = twisted::testing::assertFailure<std::invalid_argument, std::out_of_range>(
      fail<std::string>(std::out_of_range("range")));
  std::exception_ptr e = successResultOf(checked);
  EXPECT_THROW(std::rethrow_exception(e), std::out_of_range);
}

TEST(AssertFailureTest, FailsOnASuccess) {
  Failure f =
      failureResultOf<FailTest>(twisted::testing::assertFailure<std::runtime_error>(succeed(42)));
  EXPECT_EQ(f.getErrorMessage(), "did not catch an error, instead got 42");
  Failure v = failureResultOf<FailTest>(
      twisted::testing::assertFailure<std::runtime_error>(twisted::internet::defer::succeed()));
  EXPECT_THAT(v.getErrorMessage(), HasSubstr("did not catch an error"));
}

TEST(AssertFailureTest, FailsOnAnotherFailureType) {
  Failure f = failureResultOf<FailTest>(
      twisted::testing::assertFailure<std::invalid_argument>(fail<int>(std::logic_error("other"))));
  EXPECT_THAT(f.getErrorMessage(), StartsWith("\nExpected: (std::invalid_argument)\nGot:\n"));
  EXPECT_THAT(f.getErrorMessage(), HasSubstr("std::logic_error: other"));
}

}  // namespace
