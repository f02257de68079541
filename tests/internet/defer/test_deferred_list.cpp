// DeferredList, gatherResults and FirstError: the cases of Twisted's
// src/twisted/test/test_defer.py (DeferredTests' DeferredList and
// gatherResults cases, DeferredListEmptyTests, FirstErrorTests), written for
// the typed API, plus what the typed API adds (fireOnOneCallback's result,
// what the inputs are left holding, ownership).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::DeferredList;
using twisted::internet::defer::DeferredListFirst;
using twisted::internet::defer::DeferredListResult;
using twisted::internet::defer::DeferredTypeError;
using twisted::internet::defer::fail;
using twisted::internet::defer::FailureGroup;
using twisted::internet::defer::fireOnOneCallback;
using twisted::internet::defer::FirstError;
using twisted::internet::defer::gatherResults;
using twisted::internet::defer::succeed;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::EventLoggingObserver;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

class GenericError : public std::runtime_error {
 public:
  explicit GenericError(const std::string& what) : std::runtime_error(what) {}
};

// test_defer.py's fakeCallbackCanceller: a canceller that fires the Deferred.
void fakeCallbackCanceller(Deferred<std::string>& d) {
  d.callback("Callback Result");
}

TEST(DeferredListTest, CollectsOutcomesInInputOrder) {
  // testDeferredList
  Deferred<std::string> defr1, defr2, defr3;
  DeferredList dl({defr1, defr2, defr3});
  std::vector<std::pair<bool, std::string>> result;
  dl.addCallback([&](DeferredListResult<std::string> items) {
    for (auto& [ok, outcome] : items)
      result.emplace_back(ok, ok ? outcome.value() : outcome.failure().getErrorMessage());
  });
  defr1.callback("1");
  // The failure passes on to defr2's own chain after the DeferredList saw it:
  // "catch" eats it, so it is not an unhandled error.
  defr2.addErrback([](Failure) { return std::string("caught"); });
  defr2.errback(GenericError("2"));
  EXPECT_TRUE(result.empty());
  defr3.callback("3");
  EXPECT_EQ(result,
            (std::vector<std::pair<bool, std::string>>{{true, "1"}, {false, "2"}, {true, "3"}}));
}

TEST(DeferredListTest, FailuresKeepTheirType) {
  Deferred<int> d1, d2;
  DeferredList dl({d1, d2}, {.consumeErrors = true});
  d2.errback(GenericError("two"));
  d1.callback(1);
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].success);
  EXPECT_EQ(items[0].result.value(), 1);
  EXPECT_FALSE(items[1].success);
  EXPECT_TRUE(items[1].result.failure().check<GenericError>());
}

TEST(DeferredListTest, EmptyListFiresAtOnce) {
  // testEmptyDeferredList, DeferredListEmptyTests.testDeferredListEmpty
  DeferredList dl(std::vector<Deferred<int>>{});
  EXPECT_TRUE(successResultOf(dl).empty());
}

TEST(DeferredListTest, EmptyListWithFireOnOneCallbackNeverFires) {
  // testEmptyDeferredList, second half
  DeferredList dl(std::vector<Deferred<int>>{}, fireOnOneCallback);
  assertNoResult(dl);
}

TEST(DeferredListTest, FireOnOneErrback) {
  // testDeferredListFireOnOneError
  Deferred<std::string> defr1, defr2, defr3;
  DeferredList dl({defr1, defr2, defr3}, {.fireOnOneErrback = true});
  std::vector<Failure> result;
  dl.addErrback([&](Failure f) {
    result.push_back(f);
    return DeferredListResult<std::string>{};
  });
  // Consume the error after it passes through the DeferredList.
  defr2.addErrback([](Failure) { return std::string(); });

  defr1.callback("1");
  EXPECT_TRUE(result.empty());

  defr2.errback(GenericError("from def2"));
  ASSERT_EQ(result.size(), 1u);
  ASSERT_TRUE(result[0].check<FirstError>());
  const FirstError* firstError = result[0].valueAs<FirstError>();
  EXPECT_TRUE(firstError->subFailure().check<GenericError>());
  EXPECT_EQ(firstError->subFailure().getErrorMessage(), "from def2");
  EXPECT_EQ(firstError->index(), 1u);
}

TEST(DeferredListTest, WithoutConsumeErrorsTheFailurePassesOn) {
  // testDeferredListDontConsumeErrors
  Deferred<void> d1;
  DeferredList dl({d1});
  std::vector<Failure> errorTrap;
  d1.addErrback([&](Failure f) { errorTrap.push_back(f); });
  d1.errback(GenericError("Bang"));
  ASSERT_EQ(errorTrap.size(), 1u);
  EXPECT_EQ(errorTrap[0].getErrorMessage(), "Bang");
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].result.failure().getErrorMessage(), "Bang");
  EXPECT_TRUE(items[0].result.failure() == errorTrap[0]) << "the same Failure, passed on";
}

TEST(DeferredListTest, ConsumeErrorsHandlesTheFailure) {
  // testDeferredListConsumeErrors
  Deferred<void> d1;
  DeferredList dl({d1}, {.consumeErrors = true});
  std::vector<Failure> errorTrap;
  d1.addErrback([&](Failure f) { errorTrap.push_back(f); });
  d1.errback(GenericError("Bang"));
  EXPECT_TRUE(errorTrap.empty());
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].result.failure().getErrorMessage(), "Bang");
}

TEST(DeferredListTest, UnconsumedFailureIsLoggedIfNothingHandlesIt) {
  EventLoggingObserver observer;
  {
    Deferred<int> d;
    DeferredList dl({d});
    d.errback(GenericError("unhandled"));
    successResultOf(dl);
  }
  auto errors = observer.flushLoggedErrors<GenericError>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].logNamespace, "twisted.internet.defer");
}

TEST(DeferredListTest, ConsumedFailureIsNotLogged) {
  EventLoggingObserver observer;
  {
    Deferred<int> d;
    DeferredList dl({d}, {.consumeErrors = true});
    d.errback(GenericError("consumed"));
    successResultOf(dl);
  }
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

TEST(DeferredListTest, FireOnOneErrbackWithAlreadyFiredDeferreds) {
  // testDeferredListFireOnOneErrorWithAlreadyFiredDeferreds
  Deferred<void> d1, d2;
  d1.errback(GenericError("Bang"));
  DeferredList dl({d1, d2}, {.fireOnOneErrback = true});
  Failure f = failureResultOf<FirstError>(dl);
  EXPECT_EQ(f.valueAs<FirstError>()->index(), 0u);
  failureResultOf<GenericError>(d1);  // swallow the error in d1
}

TEST(DeferredListTest, WithAlreadyFiredDeferreds) {
  // testDeferredListWithAlreadyFiredDeferreds
  Deferred<int> d1, d2;
  d1.errback(GenericError("Bang"));
  d2.callback(2);
  DeferredList dl({d1, d2});
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_FALSE(items[0].success);
  EXPECT_EQ(items[1].result.value(), 2);
  failureResultOf<GenericError>(d1);
}

TEST(DeferredListTest, ValuesPassOnToLaterCallbacks) {
  // Twisted's DeferredList is "not special": callbacks added to an input
  // after it see the value it saw.
  Deferred<std::string> d;
  DeferredList dl({d});
  d.callback("v");
  EXPECT_EQ(successResultOf(d), "v");
  EXPECT_EQ(successResultOf(dl)[0].result.value(), "v");
  std::string later;
  d.addCallback([&](std::string s) { later = s; });
  EXPECT_EQ(later, "v");
}

TEST(DeferredListTest, ConsumeErrorsLeavesTheInputsHoldingVoid) {
  Deferred<std::string> good, bad;
  DeferredList dl({good, bad}, {.consumeErrors = true});
  good.callback("v");
  bad.errback(GenericError("x"));
  EXPECT_EQ(successResultOf(dl)[0].result.value(), "v");
  // The old Deferred<std::string> handle no longer matches the chain.
  EXPECT_THROW(good.addCallback([](std::string) {}), DeferredTypeError);
  successResultOf(good.asVoid());
  successResultOf(bad.asVoid());
}

TEST(DeferredListTest, MoveOnlyValuesAreMovedIntoTheList) {
  Deferred<std::unique_ptr<int>> d1, d2;
  DeferredList dl({d1, d2});
  d2.callback(std::make_unique<int>(2));
  d1.callback(std::make_unique<int>(1));
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(*items[0].result.value(), 1);
  EXPECT_EQ(*items[1].result.value(), 2);
}

TEST(DeferredListTest, VoidInputs) {
  Deferred<void> d1, d2;
  DeferredList dl({d1, d2});
  d1.callback();
  assertNoResult(dl);
  d2.callback();
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].success && items[1].success);
  successResultOf(d1);  // void passes on
}

TEST(DeferredListTest, FireOnOneCallbackFiresWithValueAndIndex) {
  Deferred<int> d1, d2, d3;
  DeferredList dl({d1, d2, d3}, fireOnOneCallback);
  d1.errback(GenericError("first fails"));
  assertNoResult(dl);
  d3.callback(30);
  DeferredListFirst<int> first = successResultOf(dl);
  EXPECT_EQ(first.result, 30);
  EXPECT_EQ(first.index, 2u);
  auto [value, index] = first;
  EXPECT_EQ(value, 30);
  EXPECT_EQ(index, 2u);
  d2.callback(20);  // ignored by the fired list
  EXPECT_EQ(successResultOf(d2), 20);
  failureResultOf<GenericError>(d1);
}

TEST(DeferredListTest, FireOnOneCallbackWithVoidInputs) {
  Deferred<void> d1, d2;
  DeferredList dl({d1, d2}, fireOnOneCallback);
  d2.callback();
  EXPECT_EQ(successResultOf(dl).index, 1u);
}

TEST(DeferredListTest, FireOnOneCallbackWhenEveryInputFails) {
  // Twisted fires the callback with the list of failures; typed, that is a
  // FailureGroup errback.
  Deferred<int> d1, d2;
  DeferredList dl({d1, d2}, fireOnOneCallback, {.consumeErrors = true});
  d2.errback(GenericError("two"));
  d1.errback(GenericError("one"));
  Failure f = failureResultOf<FailureGroup>(dl);
  const auto& failures = f.valueAs<FailureGroup>()->failures();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].getErrorMessage(), "one");
  EXPECT_EQ(failures[1].getErrorMessage(), "two");
}

TEST(DeferredListTest, FireOnOneCallbackWithMoveOnlyValues) {
  Deferred<std::unique_ptr<int>> d1, d2;
  DeferredList dl({d1, d2}, fireOnOneCallback);
  d2.callback(std::make_unique<int>(7));
  auto first = successResultOf(dl);
  EXPECT_EQ(*first.result, 7);
  EXPECT_EQ(first.index, 1u);
}

TEST(DeferredListTest, ExplicitTemplateArguments) {
  Deferred<int> d;
  DeferredList<int> dl({d});
  DeferredList<int, true> first({d}, fireOnOneCallback);
  d.callback(1);
  EXPECT_EQ(successResultOf(dl).size(), 1u);
  EXPECT_EQ(successResultOf(first).index, 0u);
}

TEST(DeferredListTest, FromAVector) {
  std::vector<Deferred<int>> ds(3);
  DeferredList dl(ds);
  for (int i = 0; i < 3; ++i)
    ds[static_cast<std::size_t>(i)].callback(i * 10);
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].result.value(), 20);
}

TEST(DeferredListTest, DeferredListOfDeferredLists) {
  Deferred<int> a, b;
  DeferredList inner1({a});
  DeferredList inner2({b});
  DeferredList outer({inner1, inner2});
  a.callback(1);
  assertNoResult(outer);
  b.callback(2);
  auto items = successResultOf(outer);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].result.value()[0].result.value(), 2);
}

TEST(DeferredListTest, AnInputListedTwice) {
  Deferred<int> d;
  DeferredList dl({d, d});
  d.callback(3);
  auto items = successResultOf(dl);
  EXPECT_EQ(items[0].result.value() + items[1].result.value(), 6);
  // Taking outcomes (consumeErrors) leaves void after the first watch.
  Deferred<int> e;
  EXPECT_THROW(DeferredList({e, e}, {.consumeErrors = true}), DeferredTypeError);
  e.callback(0);
}

// Cancellation: test_cancelDeferredList*

TEST(DeferredListCancelTest, CancelsEveryInput) {
  // test_cancelDeferredList
  Deferred<void> one, two;
  DeferredList dl({one, two});
  dl.cancel();
  failureResultOf<CancelledError>(one);
  failureResultOf<CancelledError>(two);
  auto items = successResultOf(dl);
  EXPECT_FALSE(items[0].success);
  EXPECT_TRUE(items[0].result.failure().check<CancelledError>());
}

TEST(DeferredListCancelTest, InputCancellerThatCallsBack) {
  // test_cancelDeferredListCallback
  Deferred<std::string> one(fakeCallbackCanceller);
  Deferred<std::string> two;
  DeferredList dl({one, two});
  dl.cancel();
  failureResultOf<CancelledError>(two);
  auto items = successResultOf(dl);
  EXPECT_TRUE(items[0].success);
  EXPECT_EQ(items[0].result.value(), "Callback Result");
  EXPECT_FALSE(items[1].success);
  EXPECT_TRUE(items[1].result.failure().check<CancelledError>());
}

TEST(DeferredListCancelTest, WithFireOnOneCallback) {
  // test_cancelDeferredListWithFireOnOneCallback
  Deferred<void> one, two;
  DeferredList dl({one, two}, fireOnOneCallback);
  dl.cancel();
  failureResultOf<CancelledError>(one);
  failureResultOf<CancelledError>(two);
  Failure f = failureResultOf<FailureGroup>(dl);  // every input failed
  EXPECT_EQ(f.valueAs<FailureGroup>()->failures().size(), 2u);
}

TEST(DeferredListCancelTest, WithFireOnOneCallbackAndACallbackInTheCanceller) {
  // test_cancelDeferredListWithFireOnOneCallbackAndDeferredCallback
  Deferred<std::string> one(fakeCallbackCanceller);
  Deferred<std::string> two;
  DeferredList dl({one, two}, fireOnOneCallback);
  dl.cancel();
  failureResultOf<CancelledError>(two);
  auto first = successResultOf(dl);
  EXPECT_EQ(first.result, "Callback Result");
  EXPECT_EQ(first.index, 0u);
}

TEST(DeferredListCancelTest, WithFireOnOneErrback) {
  // test_cancelDeferredListWithFireOnOneErrback
  Deferred<void> one, two;
  DeferredList dl({one, two}, {.fireOnOneErrback = true});
  dl.cancel();
  failureResultOf<CancelledError>(one);
  failureResultOf<CancelledError>(two);
  Failure f = failureResultOf<FirstError>(dl);
  EXPECT_TRUE(f.valueAs<FirstError>()->subFailure().check<CancelledError>());
}

TEST(DeferredListCancelTest, WithFireOnOneErrbackWhenEveryInputCallsBack) {
  // test_cancelDeferredListWithFireOnOneErrbackAllDeferredsCallback
  Deferred<std::string> one(fakeCallbackCanceller);
  Deferred<std::string> two(fakeCallbackCanceller);
  DeferredList dl({one, two}, {.fireOnOneErrback = true});
  dl.cancel();
  auto items = successResultOf(dl);
  EXPECT_TRUE(items[0].success);
  EXPECT_EQ(items[0].result.value(), "Callback Result");
  EXPECT_TRUE(items[1].success);
  EXPECT_EQ(items[1].result.value(), "Callback Result");
}

TEST(DeferredListCancelTest, OnlyTheOriginalInputs) {
  // test_cancelDeferredListWithOriginalDeferreds
  Deferred<void> one, two, three;
  std::vector<Deferred<void>> arguments{one, two};
  DeferredList dl(arguments);
  arguments.push_back(three);
  dl.cancel();
  failureResultOf<CancelledError>(one);
  failureResultOf<CancelledError>(two);
  assertNoResult(three);
}

TEST(DeferredListCancelTest, ExceptionFromAnInputCancellerIsLogged) {
  // test_cancelDeferredListWithException
  EventLoggingObserver observer;
  Deferred<void> one([](Deferred<void>&) { throw std::runtime_error("test"); });
  Deferred<void> two;
  DeferredList dl({one, two});
  dl.cancel();
  failureResultOf<CancelledError>(two);
  auto errors = observer.flushLoggedErrors<std::runtime_error>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].why, "Exception raised from user supplied canceller");
  // `one` is still pending, so the list waits for it, as in Twisted.
  assertNoResult(dl);
  assertNoResult(one);
  one.callback();
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].success);
  EXPECT_FALSE(items[1].success);
}

// DeferredList.cancel cancels the inputs only: an input that survives its
// cancellation keeps the list pending, and the list then fires normally
// (it used to fail at once with CancelledError, drop the later results and
// log that CancelledError as unhandled).
TEST(DeferredListCancelTest, AnInputThatSurvivesCancelKeepsTheListPending) {
  EventLoggingObserver observer;
  Deferred<int> paused;
  paused.pause();
  paused.callback(1);  // fired, but its callbacks wait for unpause()
  DeferredList dl({paused});
  dl.cancel();
  assertNoResult(dl);
  paused.unpause();
  auto items = successResultOf(dl);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].success);
  EXPECT_EQ(items[0].result.value(), 1);
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

TEST(DeferredListCancelTest, ACoroutineThatCatchesTheCancellationKeepsTheListPending) {
  EventLoggingObserver observer;
  Deferred<int> inner([](Deferred<int>&) {});  // a canceller that does nothing
  auto co = [](Deferred<int> awaited) -> Deferred<std::string> {
    try {
      co_await awaited;
    } catch (const CancelledError&) {
      co_return "survived";
    }
    co_return "finished";
  };
  Deferred<std::string> c = co(inner);
  DeferredList dl({c});
  dl.cancel();
  auto items = successResultOf(dl);  // Twisted: [(True, 'survived')]
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0].success);
  EXPECT_EQ(items[0].result.value(), "survived");
  EXPECT_TRUE(observer.flushLoggedErrors().empty());
}

TEST(DeferredListCancelTest, FiredOnOneCallbackDoesNothing) {
  // test_cancelFiredOnOneCallbackDeferredList
  Deferred<void> one, two;
  DeferredList dl({one, two}, fireOnOneCallback);
  one.callback();
  dl.cancel();
  assertNoResult(two);
  EXPECT_EQ(successResultOf(dl).index, 0u);
}

TEST(DeferredListCancelTest, FiredOnOneErrbackDoesNothing) {
  // test_cancelFiredOnOneErrbackDeferredList
  Deferred<void> one, two;
  DeferredList dl({one, two}, {.fireOnOneErrback = true});
  one.errback(GenericError("test"));
  dl.cancel();
  assertNoResult(two);
  failureResultOf<GenericError>(one);
  failureResultOf<FirstError>(dl);
}

TEST(DeferredListCancelTest, InputDestroyedUnfiredIsNotCancelled) {
  // The list refers to its inputs weakly: one that is gone is skipped.
  Deferred<int> kept;
  std::optional<DeferredList<int>> dl;
  {
    Deferred<int> dropped;
    dl.emplace(std::initializer_list<Deferred<int>>{kept, dropped});
  }
  dl->cancel();
  failureResultOf<CancelledError>(kept);
  // `dropped` (and the watch on it) is gone without firing, so the list
  // cannot complete: like a Twisted list with an input that never fires, it
  // stays pending (cancel() cancels the inputs only).
  assertNoResult(*dl);
}

TEST(DeferredListCancelTest, ListDroppedBeforeItsInputsFire) {
  // The inputs keep the list's bookkeeping alive; nothing dangles.
  Deferred<int> d1, d2;
  int seen = -1;
  {
    DeferredList dl({d1, d2});
    dl.addCallback([&](DeferredListResult<int> items) { seen = items[1].result.value(); });
  }
  d1.callback(1);
  d2.callback(2);
  EXPECT_EQ(seen, 2);
}

TEST(DeferredListCancelTest, CallbacksOfTheListMayCancelIt) {
  Deferred<int> d1, d2;
  DeferredList<int, true> dl({d1, d2}, fireOnOneCallback);
  dl.addCallback([dl](DeferredListFirst<int> first) mutable {
    dl.cancel();  // already fired: nothing to do
    return first.index;
  });
  d2.callback(5);
  EXPECT_EQ(successResultOf(Deferred<std::size_t>(dl.state())), 1u);
  assertNoResult(d1);
}

// Coroutines can co_await a DeferredList.

Deferred<int> sumOf(std::vector<Deferred<int>> ds) {
  int sum = 0;
  for (auto& [ok, outcome] : co_await DeferredList(std::move(ds), {.consumeErrors = true}))
    if (ok) sum += outcome.value();
  co_return sum;
}

TEST(DeferredListCoroutineTest, CoAwaitADeferredList) {
  Deferred<int> a, b, c;
  auto total = sumOf({a, b, c});
  a.callback(1);
  b.errback(GenericError("skipped"));
  assertNoResult(total);
  c.callback(3);
  EXPECT_EQ(successResultOf(total), 4);
}

Deferred<std::string> firstWinner(Deferred<std::string> a, Deferred<std::string> b) {
  // g++ 12 rejects a braced list inside a co_await expression ("array used
  // as initializer"): name the list first.
  DeferredList list({a, b}, fireOnOneCallback);
  auto [value, index] = co_await list;
  co_return value + "@" + std::to_string(index);
}

TEST(DeferredListCoroutineTest, CoAwaitFireOnOneCallback) {
  Deferred<std::string> a, b;
  auto d = firstWinner(a, b);
  b.callback("b");
  EXPECT_EQ(successResultOf(d), "b@1");
}

Deferred<std::string> catchesFirstError(Deferred<int> a) {
  try {
    DeferredList list({a}, {.fireOnOneErrback = true, .consumeErrors = true});
    co_await list;
    co_return "no error";
  } catch (const FirstError& e) {
    co_return "FirstError at " + std::to_string(e.index()) + ": " +
        e.subFailure().getErrorMessage();
  }
}

TEST(DeferredListCoroutineTest, FirstErrorIsThrownAtTheCoAwait) {
  Deferred<int> a;
  auto d = catchesFirstError(a);
  a.errback(GenericError("boom"));
  EXPECT_EQ(successResultOf(d), "FirstError at 0: boom");
}

Deferred<int> cancelledCount(std::vector<Deferred<int>> ds) {
  int n = 0;
  for (auto& [ok, outcome] : co_await DeferredList(std::move(ds), {.consumeErrors = true}))
    if (!ok && outcome.failure().check<CancelledError>()) ++n;
  co_return n;
}

TEST(DeferredListCoroutineTest, CancellingTheCoroutineCancelsTheInputs) {
  Deferred<int> a, b, c;
  b.callback(2);
  auto count = cancelledCount({a, b, c});
  count.cancel();
  // The coroutine's co_await on the list was cancelled, which cancelled the
  // unfired inputs; the list completed with their CancelledErrors.
  EXPECT_EQ(successResultOf(count), 2);
}

// gatherResults: test_gatherResults*, test_cancelGatherResults*

TEST(GatherResultsTest, Values) {
  // test_gatherResults
  EXPECT_EQ(successResultOf(gatherResults({succeed(1), succeed(2)})), (std::vector<int>{1, 2}));
}

TEST(GatherResultsTest, FirstFailure) {
  // test_gatherResults, second half
  std::vector<Deferred<int>> dl{succeed(1), fail<int>(std::invalid_argument("bad"))};
  auto d = gatherResults(dl);
  Failure f = failureResultOf<FirstError>(d);
  EXPECT_TRUE(f.valueAs<FirstError>()->subFailure().check<std::invalid_argument>());
  EXPECT_EQ(f.valueAs<FirstError>()->index(), 1u);
  // The failure passed on in dl[1]: get rid of it.
  dl[1].addErrback([](Failure) { return 1; });
}

TEST(GatherResultsTest, ConsumeErrors) {
  // test_gatherResultsWithConsumeErrors
  auto dgood = succeed(1);
  auto dbad = fail<int>(std::runtime_error("oh noes"));
  auto d = gatherResults({dgood, dbad}, true);
  std::vector<Failure> unconsumed;
  dbad.asVoid().addErrback([&](Failure f) { unconsumed.push_back(f); });
  EXPECT_TRUE(unconsumed.empty());
  Failure f = failureResultOf<FirstError>(d);
  EXPECT_TRUE(f.valueAs<FirstError>()->subFailure().check<std::runtime_error>());
}

TEST(GatherResultsTest, CancelCancelsTheInputs) {
  // test_cancelGatherResults
  Deferred<void> one, two;
  auto result = gatherResults({one, two});
  result.cancel();
  failureResultOf<CancelledError>(one);
  failureResultOf<CancelledError>(two);
  Failure f = failureResultOf<FirstError>(result);
  EXPECT_TRUE(f.valueAs<FirstError>()->subFailure().check<CancelledError>());
}

TEST(GatherResultsTest, CancelWhenEveryInputCallsBack) {
  // test_cancelGatherResultsWithAllDeferredsCallback
  Deferred<std::string> one(fakeCallbackCanceller);
  Deferred<std::string> two(fakeCallbackCanceller);
  auto result = gatherResults({one, two});
  result.cancel();
  EXPECT_EQ(successResultOf(result),
            (std::vector<std::string>{"Callback Result", "Callback Result"}));
}

TEST(GatherResultsTest, VoidInputs) {
  Deferred<void> a, b;
  Deferred<void> all = gatherResults({a, b});
  a.callback();
  assertNoResult(all);
  b.callback();
  successResultOf(all);
}

TEST(GatherResultsTest, EmptyListFiresAtOnce) {
  EXPECT_TRUE(successResultOf(gatherResults(std::vector<Deferred<int>>{})).empty());
}

TEST(GatherResultsTest, MoveOnlyValues) {
  Deferred<std::unique_ptr<int>> a, b;
  auto all = gatherResults({a, b});
  b.callback(std::make_unique<int>(2));
  a.callback(std::make_unique<int>(1));
  auto values = successResultOf(all);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(*values[0] + *values[1], 3);
}

Deferred<int> gatherAndSum(Deferred<int> a, Deferred<int> b) {
  int sum = 0;
  auto all = gatherResults({a, b});
  for (int v : co_await all)
    sum += v;
  co_return sum;
}

TEST(GatherResultsTest, CoAwait) {
  Deferred<int> a, b;
  auto d = gatherAndSum(a, b);
  b.callback(2);
  a.callback(40);
  EXPECT_EQ(successResultOf(d), 42);
}

// FirstErrorTests

TEST(FirstErrorTest, Repr) {
  Failure f(std::invalid_argument("some text"));
  FirstError error(f, 3);
  EXPECT_EQ(error.repr(), "FirstError[#3, std::invalid_argument('some text')]");
}

TEST(FirstErrorTest, Str) {
  Failure f(std::invalid_argument("some text"));
  FirstError error(f, 5);
  EXPECT_EQ(error.str(), "FirstError[#5, " + f.str() + "]");
  EXPECT_STREQ(error.what(), error.str().c_str());
}

TEST(FirstErrorTest, Comparison) {
  Failure firstFailure(std::domain_error("1 // 0"));
  FirstError one(firstFailure, 13);
  FirstError anotherOne(firstFailure, 13);
  Failure secondFailure(std::invalid_argument("bar"));
  FirstError another(secondFailure, 9);
  EXPECT_TRUE(one == anotherOne);
  EXPECT_FALSE(one == another);
  EXPECT_TRUE(one != another);
  EXPECT_FALSE(one != anotherOne);
  EXPECT_FALSE(one == FirstError(firstFailure, 12));
  EXPECT_FALSE(one == FirstError(Failure(std::domain_error("1 // 0")), 13))
      << "another Failure of the same exception is not the same Failure";
}

}  // namespace
