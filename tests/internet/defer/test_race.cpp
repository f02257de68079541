// race(): Twisted's RaceTests (twisted/test/test_defer.py), case by case.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::FailureGroup;
using twisted::internet::defer::race;
using twisted::internet::defer::RaceResult;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::EventLoggingObserver;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

// test_success: the first success wins; every other input is cancelled and
// its result consumed.
TEST(Race, TheFirstSuccessWinsAndTheOthersAreCancelled) {
  EventLoggingObserver observer;
  std::vector<Deferred<std::string>> ds(3);
  Deferred<RaceResult<std::string>> r = race(ds);
  assertNoResult(r);
  ds[1].callback("winner");
  RaceResult<std::string> won = successResultOf(r);
  EXPECT_EQ(won.index, 1u);
  EXPECT_EQ(won.value, "winner");
  EXPECT_TRUE(ds[0].called());
  EXPECT_TRUE(ds[2].called());
  successResultOf(ds[0].asVoid());  // the CancelledError was consumed
  successResultOf(ds[2].asVoid());
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

// test_failure: if every input fails, a FailureGroup of their failures in
// input order.
TEST(Race, AllFailuresMakeAFailureGroupInInputOrder) {
  std::vector<Deferred<int>> ds(3);
  auto r = race(ds);
  ds[2].errback(std::runtime_error("two"));
  ds[0].errback(std::runtime_error("zero"));
  assertNoResult(r);
  ds[1].errback(std::logic_error("one"));
  Failure f = failureResultOf<FailureGroup>(r);
  const auto& failures = f.valueAs<FailureGroup>()->failures();
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0].getErrorMessage(), "zero");
  EXPECT_EQ(failures[1].getErrorMessage(), "one");
  EXPECT_EQ(failures[2].getErrorMessage(), "two");
}

// test_resultAfterCancel: an input whose canceller does not fire it is
// errbacked with CancelledError; its late result is ignored.
TEST(Race, ALateResultAfterCancellationIsIgnored) {
  Deferred<int> slow;  // no canceller: the late callback() is swallowed
  Deferred<int> fast;
  auto r = race({slow, fast});
  fast.callback(2);
  EXPECT_EQ(successResultOf(r).index, 1u);
  EXPECT_NO_THROW(slow.callback(1));
  EXPECT_EQ(successResultOf(r).value, 2);
}

// test_resultFromCancel: an input whose canceller fires it with a value does
// not change the winner.
TEST(Race, ACancellerThatSucceedsDoesNotChangeTheWinner) {
  Deferred<int> other([](Deferred<int>& d) { d.callback(99); });
  Deferred<int> winner;
  auto r = race({other, winner});
  winner.callback(1);
  RaceResult<int> won = successResultOf(r);
  EXPECT_EQ(won.index, 1u);
  EXPECT_EQ(won.value, 1);
}

// test_cancel: cancelling the race cancels every input; it then fails with a
// FailureGroup of their CancelledErrors.
TEST(Race, CancellingTheRaceCancelsEveryInput) {
  int cancelled = 0;
  std::vector<Deferred<void>> ds;
  for (int i = 0; i < 3; ++i)
    ds.emplace_back([&cancelled](Deferred<void>&) { ++cancelled; });
  auto r = race(ds);
  r.cancel();
  EXPECT_EQ(cancelled, 3);
  Failure f = failureResultOf<FailureGroup>(r);
  for (const Failure& each : f.valueAs<FailureGroup>()->failures())
    EXPECT_TRUE(each.check<CancelledError>());
}

TEST(Race, AnInputThatHasFiredWinsAtOnce) {
  Deferred<void> pending;
  auto r = race({pending, twisted::internet::defer::succeed()});
  EXPECT_EQ(successResultOf(r).index, 1u);
  EXPECT_TRUE(pending.called()) << "cancelled by the winner";
  successResultOf(pending.asVoid());  // its CancelledError was consumed
}

TEST(Race, NoInputsNeverFires) {
  auto r = race(std::vector<Deferred<int>>{});
  assertNoResult(r);
}

TEST(Race, AnInputDroppedUnfiredLeavesNothingBehind) {
  // The race refers to its inputs weakly: dropping one (and the step on it)
  // unfired is safe, and cancelling the race skips it.
  Deferred<int> kept;
  Deferred<RaceResult<int>> r;
  {
    Deferred<int> dropped;
    r = race({kept, dropped});
  }
  r.cancel();
  EXPECT_TRUE(kept.called());
  // The dropped input can never fail, so no FailureGroup: the race's own
  // cancel() fails it with CancelledError, as Twisted's does.
  failureResultOf<CancelledError>(r);
}

}  // namespace
