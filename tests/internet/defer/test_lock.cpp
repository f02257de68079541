// DeferredLock and DeferredSemaphore: the cases of Twisted's
// src/twisted/test/test_defer.py OtherPrimitivesTests (testLock,
// testSemaphore, the cancel tests), plus run() with coroutines and failures,
// FIFO order, lifetime, and co_await on acquire().
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <twisted/internet/defer.h>
#include <twisted/testing/deferred.h>

namespace {

using twisted::internet::defer::CancelledError;
using twisted::internet::defer::Deferred;
using twisted::internet::defer::DeferredLock;
using twisted::internet::defer::DeferredSemaphore;
using twisted::internet::defer::Outcome;
using twisted::internet::defer::succeed;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

TEST(DeferredLockTest, AcquireAndRelease) {
  // testLock, first part
  DeferredLock lock;
  int counter = 0;
  lock.acquire().addCallback([&] { ++counter; });
  EXPECT_TRUE(lock.locked());
  EXPECT_EQ(counter, 1);

  lock.acquire().addCallback([&] { ++counter; });
  EXPECT_TRUE(lock.locked());
  EXPECT_EQ(counter, 1);
  EXPECT_EQ(lock.waiting().size(), 1u);

  lock.release();
  EXPECT_TRUE(lock.locked()) << "handed over to the waiter";
  EXPECT_EQ(counter, 2);
  EXPECT_TRUE(lock.waiting().empty());

  lock.release();
  EXPECT_FALSE(lock.locked());
  EXPECT_EQ(counter, 2);
}

TEST(DeferredLockTest, Run) {
  // testLock, the run() part
  DeferredLock lock;
  int counter = 0;
  std::string result;
  auto helper = [&](std::string resultValue, Deferred<std::string> returnValue) {
    result = resultValue;
    return returnValue;
  };
  Deferred<std::string> controlDeferred;
  Deferred<std::string> resultDeferred = lock.run(helper, "first", controlDeferred);
  EXPECT_TRUE(lock.locked());
  EXPECT_EQ(result, "first");

  resultDeferred.addCallback([&](std::string s) { result = s; });

  lock.acquire().addCallback([&] { ++counter; });
  EXPECT_TRUE(lock.locked());
  EXPECT_EQ(counter, 0);

  controlDeferred.callback("second");
  EXPECT_EQ(result, "second");
  EXPECT_TRUE(lock.locked()) << "released by run(), then taken by the waiter";
  EXPECT_EQ(counter, 1);

  std::optional<Failure> cancelled;
  auto d = lock.acquire().addBoth([&](Outcome<void> o) {
    if (o.isFailure()) cancelled = o.failure();
  });
  d.cancel();
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(cancelled->check<CancelledError>());
  EXPECT_TRUE(lock.waiting().empty()) << "the cancelled waiter is gone";

  lock.release();
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, RunResultTypes) {
  // testLock's assert_type checks: run() is typed by what f produces.
  DeferredLock lock;
  auto returnsInt = [] { return succeed(2); };
  auto returnsCoroInt = []() -> Deferred<int> { co_return 1; };
  auto returnsPlainInt = [] { return 3; };
  auto returnsNothing = [] {};
  static_assert(std::is_same_v<decltype(lock.run(returnsInt)), Deferred<int>>);
  static_assert(std::is_same_v<decltype(lock.run(returnsCoroInt)), Deferred<int>>);
  static_assert(std::is_same_v<decltype(lock.run(returnsPlainInt)), Deferred<int>>);
  static_assert(std::is_same_v<decltype(lock.run(returnsNothing)), Deferred<void>>);
  EXPECT_EQ(successResultOf(lock.run(returnsInt)), 2);
  EXPECT_EQ(successResultOf(lock.run(returnsCoroInt)), 1);
  EXPECT_EQ(successResultOf(lock.run(returnsPlainInt)), 3);
  successResultOf(lock.run(returnsNothing));
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, CancelAfterAcquiredDoesNothing) {
  // test_cancelLockAfterAcquired
  DeferredLock lock;
  auto d = lock.acquire();
  bool errback = false;
  d.addErrback([&](Failure) { errback = true; });
  d.cancel();
  EXPECT_FALSE(errback);
  EXPECT_TRUE(lock.locked());
}

TEST(DeferredLockTest, CancelBeforeAcquiredFails) {
  // test_cancelLockBeforeAcquired
  DeferredLock lock;
  lock.acquire();
  auto d = lock.acquire();
  d.cancel();
  failureResultOf<CancelledError>(d);
  lock.release();
  EXPECT_FALSE(lock.locked()) << "the cancelled waiter did not get the lock";
}

TEST(DeferredLockTest, ReleasingAnUnlockedLockThrows) {
  DeferredLock lock;
  EXPECT_THROW(lock.release(), std::logic_error);
}

TEST(DeferredLockTest, WaitersAreServedInOrder) {
  DeferredLock lock;
  std::vector<int> order;
  lock.acquire();
  for (int i = 0; i < 4; ++i)
    lock.acquire().addCallback([&order, i] { order.push_back(i); });
  Deferred<void> second = lock.waiting()[1];
  second.cancel();  // waiter 1 leaves the line
  failureResultOf<CancelledError>(second);
  for (int i = 0; i < 4; ++i)
    lock.release();
  EXPECT_EQ(order, (std::vector<int>{0, 2, 3}));
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, RunReleasesWhenFThrows) {
  DeferredLock lock;
  auto d = lock.run([]() -> int { throw std::out_of_range("oops"); });
  failureResultOf<std::out_of_range>(d);
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, RunReleasesWhenFsDeferredFails) {
  DeferredLock lock;
  Deferred<int> control;
  auto d = lock.run([&] { return control; });
  EXPECT_TRUE(lock.locked());
  control.errback(std::out_of_range("later"));
  failureResultOf<std::out_of_range>(d);
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, RunWaitsForTheLock) {
  DeferredLock lock;
  lock.acquire();
  int calls = 0;
  auto d = lock.run([&](int x) { return ++calls + x; }, 10);
  EXPECT_EQ(calls, 0);
  assertNoResult(d);
  lock.release();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(successResultOf(d), 11);
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, CancellingAPendingRunLeavesTheLockAlone) {
  DeferredLock lock;
  lock.acquire();
  bool called = false;
  auto d = lock.run([&] { called = true; });
  d.cancel();
  failureResultOf<CancelledError>(d);
  lock.release();
  EXPECT_FALSE(called);
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockTest, RunWithMoveOnlyResultsAndArguments) {
  DeferredLock lock;
  auto d = lock.run([](std::unique_ptr<int>& p) { return std::make_unique<int>(*p + 1); },
                    std::make_unique<int>(41));
  EXPECT_EQ(*successResultOf(d), 42);
}

TEST(DeferredLockTest, DestroyedWithWaitersPending) {
  Deferred<void> waiter;
  Deferred<int> running;
  Deferred<int> control;
  {
    DeferredLock lock;
    lock.acquire();
    waiter = lock.acquire();
    running = lock.run([&] { return control; });
  }
  // The lock is gone: its waiters never fire, and cancelling them is safe.
  assertNoResult(waiter);
  waiter.cancel();
  failureResultOf<CancelledError>(waiter);
  running.cancel();
  failureResultOf<CancelledError>(running);
}

TEST(DeferredLockTest, RunOutlivesTheLock) {
  Deferred<int> control;
  Deferred<int> d;
  {
    DeferredLock lock;
    d = lock.run([&] { return control; });
  }
  control.callback(5);  // releases the (orphaned) lock state safely
  EXPECT_EQ(successResultOf(d), 5);
}

// Coroutines can co_await acquire(): the lock serializes them.

Deferred<void> critical(DeferredLock& lock, std::vector<std::string>& log, std::string name,
                        Deferred<void> work) {
  co_await lock.acquire();
  log.push_back(name + " in");
  co_await work;
  log.push_back(name + " out");
  lock.release();
}

TEST(DeferredLockCoroutineTest, CoAwaitAcquireSerializes) {
  DeferredLock lock;
  std::vector<std::string> log;
  Deferred<void> workA, workB;
  auto a = critical(lock, log, "a", workA);
  auto b = critical(lock, log, "b", workB);
  EXPECT_EQ(log, (std::vector<std::string>{"a in"}));
  workB.callback();  // b is not in yet: it waits for the lock
  EXPECT_EQ(log, (std::vector<std::string>{"a in"}));
  workA.callback();
  EXPECT_EQ(log, (std::vector<std::string>{"a in", "a out", "b in", "b out"}));
  successResultOf(a);
  successResultOf(b);
  EXPECT_FALSE(lock.locked());
}

Deferred<int> waitsForTheLock(DeferredLock& lock) {
  co_await lock.acquire();
  lock.release();
  co_return 1;
}

TEST(DeferredLockCoroutineTest, CancellingTheCoroutineCancelsItsAcquire) {
  DeferredLock lock;
  lock.acquire();
  auto d = waitsForTheLock(lock);
  EXPECT_EQ(lock.waiting().size(), 1u);
  d.cancel();
  failureResultOf<CancelledError>(d);
  EXPECT_TRUE(lock.waiting().empty());
  lock.release();
  EXPECT_FALSE(lock.locked());
}

TEST(DeferredLockCoroutineTest, RunACoroutine) {
  DeferredLock lock;
  Deferred<int> input;
  auto d = lock.run([](Deferred<int> in) -> Deferred<int> { co_return co_await in * 2; }, input);
  EXPECT_TRUE(lock.locked());
  input.callback(21);
  EXPECT_EQ(successResultOf(d), 42);
  EXPECT_FALSE(lock.locked());
}

// DeferredSemaphore

TEST(DeferredSemaphoreTest, Semaphore) {
  // testSemaphore
  constexpr int N = 13;
  DeferredSemaphore sem(N);
  int counter = 0;

  Deferred<void> controlDeferred;
  std::string helperArg;
  auto helper = [&](std::string arg) {
    helperArg = arg;
    return controlDeferred;
  };
  std::vector<std::string> results;
  auto resultDeferred = sem.run(helper, "unique");
  resultDeferred.addCallback([&] { results.push_back("done"); }).addCallback([&] { ++counter; });
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(helperArg, "unique");
  controlDeferred.callback();
  EXPECT_EQ(results, std::vector<std::string>{"done"});
  EXPECT_EQ(counter, 1);

  counter = 0;
  for (int i = 1; i <= N; ++i) {
    sem.acquire().addCallback([&] { ++counter; });
    EXPECT_EQ(counter, i);
  }
  EXPECT_EQ(sem.tokens(), 0);

  std::vector<bool> success;
  auto d = sem.acquire().addCallbacks([&] { success.push_back(false); },
                                      [&](Failure) { success.push_back(true); });
  d.cancel();
  EXPECT_EQ(success, std::vector<bool>{true});

  sem.acquire().addCallback([&] { ++counter; });
  EXPECT_EQ(counter, N);
  sem.release();
  EXPECT_EQ(counter, N + 1);

  for (int i = 1; i <= N; ++i) {
    sem.release();
    EXPECT_EQ(counter, N + 1);
  }
  EXPECT_EQ(sem.tokens(), N);
  EXPECT_EQ(sem.limit(), N);
}

TEST(DeferredSemaphoreTest, InvalidTokens) {
  // test_semaphoreInvalidTokens
  EXPECT_THROW(DeferredSemaphore(0), std::invalid_argument);
  EXPECT_THROW(DeferredSemaphore(-1), std::invalid_argument);
}

TEST(DeferredSemaphoreTest, CancelAfterAcquiredDoesNothing) {
  // test_cancelSemaphoreAfterAcquired
  DeferredSemaphore sem(1);
  auto d = sem.acquire();
  bool errback = false;
  d.addErrback([&](Failure) { errback = true; });
  d.cancel();
  EXPECT_FALSE(errback);
  EXPECT_EQ(sem.tokens(), 0);
}

TEST(DeferredSemaphoreTest, CancelBeforeAcquiredFails) {
  // test_cancelSemaphoreBeforeAcquired
  DeferredSemaphore sem(1);
  sem.acquire();
  auto d = sem.acquire();
  d.cancel();
  failureResultOf<CancelledError>(d);
  EXPECT_TRUE(sem.waiting().empty());
}

TEST(DeferredSemaphoreTest, ReleasingTooManyTimesThrows) {
  DeferredSemaphore sem(2);
  sem.acquire();
  sem.release();
  EXPECT_THROW(sem.release(), std::logic_error);
  EXPECT_EQ(sem.tokens(), 2);
}

TEST(DeferredSemaphoreTest, RunLimitsConcurrency) {
  DeferredSemaphore sem(2);
  std::vector<Deferred<int>> work(5);
  int running = 0, maxRunning = 0;
  std::vector<Deferred<int>> results;
  for (std::size_t i = 0; i < work.size(); ++i) {
    results.push_back(sem.run([&, i] {
      maxRunning = std::max(maxRunning, ++running);
      return work[i].addCallback([&](int v) {
        --running;
        return v;
      });
    }));
  }
  EXPECT_EQ(running, 2);
  for (std::size_t i = 0; i < work.size(); ++i)
    work[i].callback(static_cast<int>(i));
  EXPECT_EQ(maxRunning, 2);
  for (std::size_t i = 0; i < results.size(); ++i)
    EXPECT_EQ(successResultOf(results[i]), static_cast<int>(i));
  EXPECT_EQ(sem.tokens(), 2);
}

Deferred<int> limited(DeferredSemaphore& sem, Deferred<int> work) {
  co_await sem.acquire();
  int v = co_await work;
  sem.release();
  co_return v;
}

TEST(DeferredSemaphoreTest, CoAwaitAcquire) {
  DeferredSemaphore sem(1);
  Deferred<int> w1, w2;
  auto a = limited(sem, w1);
  auto b = limited(sem, w2);
  EXPECT_EQ(sem.waiting().size(), 1u);
  w2.callback(2);
  assertNoResult(b);
  w1.callback(1);
  EXPECT_EQ(successResultOf(a), 1);
  EXPECT_EQ(successResultOf(b), 2);
  EXPECT_EQ(sem.tokens(), 1);
}

}  // namespace
