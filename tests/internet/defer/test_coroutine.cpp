// Coroutines returning Deferred<T> and co_await on Deferreds: the cases of
// test_defer.py's inlineCallbacks / ensureDeferred / Deferred.fromCoroutine
// tests (CoroutineContextVarsTests aside), for C++20 coroutines.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/internet/task/clock.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::fail;
using twisted::internet::defer::succeed;
using twisted::python::Failure;

template <class T>
std::optional<T> resultOf(Deferred<T> d, std::optional<Failure>* failure = nullptr) {
  auto out = std::make_shared<std::optional<T>>();
  d.addCallbacks([out](T v) { *out = std::move(v); },
                 [failure](Failure f) {
                   if (failure) *failure = f;
                 });
  return *out;
}

Deferred<int> addOne(Deferred<int> d) {
  int v = co_await d;
  co_return v + 1;
}

TEST(CoroutineTest, AwaitingAFiredDeferredResumesAtOnce) {
  auto d = addOne(succeed(41));
  EXPECT_TRUE(d.called());
  EXPECT_EQ(resultOf(d), 42);
}

TEST(CoroutineTest, AwaitingAnUnfiredDeferredSuspends) {
  Deferred<int> source;
  auto d = addOne(source);
  EXPECT_FALSE(d.called());
  source.callback(1);
  EXPECT_TRUE(d.called());
  EXPECT_EQ(resultOf(d), 2);
}

Deferred<std::string> sequence(std::vector<Deferred<int>>& sources, std::vector<int>& seen) {
  std::string out;
  for (auto& s : sources) {
    int v = co_await s;
    seen.push_back(v);
    out += std::to_string(v);
  }
  co_return out;
}

TEST(CoroutineTest, SeveralAwaitsInOrder) {
  std::vector<Deferred<int>> sources(3);
  std::vector<int> seen;
  auto d = sequence(sources, seen);
  sources[0].callback(1);
  EXPECT_EQ(seen, std::vector<int>{1});
  sources[2].callback(3);  // fired early: awaited later without suspending
  sources[1].callback(2);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(resultOf(d), "123");
}

Deferred<std::string> catches(Deferred<int> d) {
  try {
    co_await d;
    co_return "no error";
  } catch (const std::out_of_range& e) {
    co_return std::string("caught ") + e.what();
  }
}

TEST(CoroutineTest, AFailureIsThrownAtTheAwaitAsItsOriginalType) {
  Deferred<int> d;
  auto r = catches(d);
  d.errback(std::out_of_range("idx"));
  EXPECT_EQ(resultOf(r), "caught idx");
}

Deferred<int> throws() {
  co_await succeed();
  throw std::invalid_argument("bad");
}

TEST(CoroutineTest, AnExceptionEscapingTheCoroutineErrbacksItsDeferred) {
  std::optional<Failure> failure;
  auto r = resultOf(throws(), &failure);
  EXPECT_FALSE(r);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<std::invalid_argument>());
  EXPECT_EQ(failure->getErrorMessage(), "bad");
}

Deferred<void> waitVoid(Deferred<void> d, bool& done) {
  co_await d;
  done = true;
}

TEST(CoroutineTest, VoidCoroutinesAndAwaits) {
  Deferred<void> d;
  bool done = false;
  auto r = waitVoid(d, done);
  EXPECT_FALSE(done);
  d.callback();
  EXPECT_TRUE(done);
  EXPECT_TRUE(r.called());
}

Deferred<int> awaitForever(Deferred<int> d, bool& sawCancel) {
  try {
    co_return co_await d;
  } catch (const CancelledError&) {
    sawCancel = true;
    throw;
  }
}

TEST(CoroutineTest, CancellingTheOuterCancelsTheAwaitedDeferred) {
  bool innerCancelled = false;
  bool sawCancel = false;
  Deferred<int> inner([&](Deferred<int>&) { innerCancelled = true; });
  auto outer = awaitForever(inner, sawCancel);
  std::optional<Failure> failure;
  outer.addErrback([&](Failure f) {
    failure = f;
    return 0;
  });
  outer.cancel();
  EXPECT_TRUE(innerCancelled);
  EXPECT_TRUE(sawCancel);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<CancelledError>());
}

Deferred<int> recoversFromCancel(Deferred<int> first, Deferred<int> second) {
  try {
    co_return co_await first;
  } catch (const CancelledError&) {
  }
  co_return co_await second + 100;
}

TEST(CoroutineTest, ACoroutineMayCatchTheCancellationAndGoOn) {
  Deferred<int> first;
  Deferred<int> second;
  auto outer = recoversFromCancel(first, second);
  outer.cancel();
  EXPECT_FALSE(outer.called()) << "the coroutine went on awaiting `second`";
  second.callback(1);
  EXPECT_EQ(resultOf(outer), 101);
}

TEST(CoroutineTest, LambdaCoroutineCapturesStayAliveAsACallback) {
  // Seastar's lambda-coroutine trap: the lambda object must outlive the
  // coroutine it started. addCallback keeps it until that Deferred fires.
  Deferred<int> source;
  Deferred<int> later;
  auto tag = std::make_shared<std::string>("captured");
  auto r = source.addCallback([tag, later](int v) -> Deferred<std::string> {
    int w = co_await later;
    co_return *tag + " " + std::to_string(v + w);
  });
  tag.reset();
  source.callback(1);
  later.callback(2);
  EXPECT_EQ(resultOf(r), "captured 3");
}

TEST(CoroutineTest, CancellingReleasesTheFrameAndItsCaptures) {
  // The frame (and what it holds) is released, not leaked (LeakSanitizer
  // checks), when nothing can ever resume it.
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  Deferred<int> outer;
  {
    auto* raw = new Deferred<int>();
    outer = [](Deferred<int>* src, std::shared_ptr<int> t) -> Deferred<int> {
      Deferred<int> local = *src;
      delete src;  // only `local` holds it now
      co_return co_await std::move(local) + *t;
    }(raw, std::move(token));
  }
  EXPECT_FALSE(outer.called());
  // The frame holds the only handle to the awaited Deferred: a cycle only
  // firing it breaks (documented); cancel the outer to end it.
  outer.cancel();
  EXPECT_TRUE(outer.called());
  EXPECT_TRUE(watch.expired());
  outer.addErrback([](Failure f) {
    f.trap<CancelledError>();
    return 0;
  });
}

struct Counter {
  static int alive;
  Counter() { ++alive; }
  Counter(const Counter&) { ++alive; }
  ~Counter() { --alive; }
};
int Counter::alive = 0;

Deferred<int> holdsRaii(Deferred<int> d) {
  Counter c;
  co_return co_await d;
}

TEST(CoroutineTest, LocalsAreDestroyedBeforeCallbacksRun) {
  Deferred<int> d;
  auto r = holdsRaii(d);
  int aliveInCallback = -1;
  r.addCallback([&](int v) {
    aliveInCallback = Counter::alive;
    return v;
  });
  EXPECT_EQ(Counter::alive, 1);
  d.callback(5);
  EXPECT_EQ(aliveInCallback, 0);
}

Deferred<int> deepAwait(int n) {
  if (n == 0) co_return 0;
  co_return co_await deepAwait(n - 1) + 1;
}

TEST(CoroutineTest, NestedCoroutines) {
  EXPECT_EQ(resultOf(deepAwait(100)), 100);
}

TEST(CoroutineTest, AwaitingWithClockTimeout) {
  twisted::internet::task::Clock clock;
  Deferred<int> never;
  auto r = [](Deferred<int> d) -> Deferred<std::string> {
    try {
      co_await d;
    } catch (const twisted::internet::defer::TimeoutError&) {
      co_return "timeout";
    }
    co_return "value";
  }(never.addTimeout(5, clock));
  clock.advance(5);
  EXPECT_EQ(resultOf(r), "timeout");
}

}  // namespace
