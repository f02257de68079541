// twisted::internet::threads: deferToThread, deferToThreadPool,
// blockingCallFromThread, callMultipleInThread. Ports the cases of Twisted's
// test_threads.py (DeferToThreadPoolTests, ThreadsTests,
// test_callMultiple, the blockingCallFromThread tests) against real reactors
// of every backend; each run is bounded in time.
#include <atomic>
#include <latch>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/internet.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/threads.h>
#include <twisted/python/threadpool.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

namespace twisted::internet {
namespace {

using defer::Deferred;
using python::Failure;

class MyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using ThreadsTest = ::testing_internal::RealReactorTest;

// --- deferToThread -------------------------------------------------------------

// f runs in a pool thread; the Deferred fires in the reactor thread with its
// result. Mirrors ThreadsTests.test_deferredResult.
TEST_P(ThreadsTest, DeferToThreadDeliversInReactorThread) {
  std::thread::id reactorThread, workerThread, callbackThread;
  std::optional<int> got;
  r->callWhenRunning([&] {
    reactorThread = std::this_thread::get_id();
    threads::deferToThread(
        *r,
        [&](int a, int b) {
          workerThread = std::this_thread::get_id();
          return a + b;
        },
        3, 4)
        .addCallback([&](int v) {
          callbackThread = std::this_thread::get_id();
          got = v;
          r->stop();
        });
  });
  runBounded();
  EXPECT_EQ(got, 7);
  EXPECT_NE(workerThread, std::thread::id());
  EXPECT_NE(workerThread, reactorThread);
  EXPECT_EQ(callbackThread, reactorThread);
}

// A void function gives a Deferred<void>.
TEST_P(ThreadsTest, DeferToThreadVoid) {
  std::atomic<bool> ran{false};
  bool fired = false;
  r->callWhenRunning([&] {
    Deferred<void> d = threads::deferToThread(*r, [&] { ran = true; });
    d.addCallback([&] {
      fired = true;
      r->stop();
    });
  });
  runBounded();
  EXPECT_TRUE(ran);
  EXPECT_TRUE(fired);
}

// Arguments are moved into the thread and the result moved out: move-only
// types work, and a value argument is the caller's copy.
TEST_P(ThreadsTest, DeferToThreadMovesArgumentsAndResult) {
  std::unique_ptr<int> got;
  std::string original = "abc";
  r->callWhenRunning([&] {
    threads::deferToThread(
        *r,
        [](std::unique_ptr<int> p, std::string s) {
          *p += static_cast<int>(s.size());
          return p;
        },
        std::make_unique<int>(10), original)
        .addCallback([&](std::unique_ptr<int> p) {
          got = std::move(p);
          r->stop();
        });
  });
  runBounded();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, 13);
  EXPECT_EQ(original, "abc");
}

// An exception thrown in the thread errbacks the Deferred (in the reactor
// thread) with a Failure of the same type and message.
// Mirrors ThreadsTests.test_deferredFailure.
TEST_P(ThreadsTest, DeferToThreadFailurePreservesException) {
  std::thread::id reactorThread, errbackThread;
  std::optional<Failure> failure;
  r->callWhenRunning([&] {
    reactorThread = std::this_thread::get_id();
    threads::deferToThread(*r, []() -> int { throw MyError("worker boom"); })
        .addCallbacks([](int) { ADD_FAILURE() << "callback ran"; },
                      [&](Failure f) {
                        errbackThread = std::this_thread::get_id();
                        failure = f;
                        r->stop();
                      });
  });
  runBounded();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<MyError>());
  EXPECT_EQ(failure->getErrorMessage(), "worker boom");
  EXPECT_EQ(errbackThread, reactorThread);
  EXPECT_THROW(failure->raiseException(), MyError);
}

// Many concurrent calls are all delivered, each exactly once.
// test_deferredResult under load.
TEST_P(ThreadsTest, ManyConcurrentDeferToThreadCallsAllDelivered) {
  constexpr int kCalls = 1000;
  std::vector<int> seen(kCalls, 0);
  int delivered = 0;
  long long sum = 0;
  r->callWhenRunning([&] {
    for (int i = 0; i < kCalls; ++i) {
      threads::deferToThread(
          *r, [](int x) { return x * 2; }, i)
          .addCallback([&, i](int v) {
            ++seen[i];
            sum += v;
            if (++delivered == kCalls) r->stop();
          });
    }
  });
  runBounded();
  EXPECT_EQ(delivered, kCalls);
  EXPECT_EQ(sum, static_cast<long long>(kCalls) * (kCalls - 1));
  for (int i = 0; i < kCalls; ++i)
    EXPECT_EQ(seen[i], 1) << i;
}

// A coroutine can co_await a thread's result.
Deferred<std::string> describe(ReactorBase& reactor, int n) {
  int doubled = co_await threads::deferToThread(reactor, [n] { return n * 2; });
  try {
    co_await threads::deferToThread(reactor, []() -> int { throw MyError("no"); });
  } catch (const MyError& e) {
    co_return std::to_string(doubled) + " " + e.what();
  }
  co_return "unreachable";
}

TEST_P(ThreadsTest, CoroutineAwaitsThreadResult) {
  std::string got;
  r->callWhenRunning([&] {
    describe(*r, 21).addCallback([&](std::string s) {
      got = std::move(s);
      r->stop();
    });
  });
  runBounded();
  EXPECT_EQ(got, "42 no");
}

// deferToThreadPool runs on the given pool (here one thread: FIFO order)
// and delivers in the reactor thread. Mirrors
// DeferToThreadPoolTests.test_deferCallback.
TEST_P(ThreadsTest, DeferToThreadPoolUsesThatPool) {
  python::ThreadPool pool(0, 1, "test-pool");
  pool.start();
  std::thread::id reactorThread;
  std::vector<std::thread::id> workers(3);
  std::vector<int> order;
  r->callWhenRunning([&] {
    reactorThread = std::this_thread::get_id();
    for (int i = 0; i < 3; ++i) {
      threads::deferToThreadPool(*r, pool, [&workers, i] {
        workers[i] = std::this_thread::get_id();
        return i;
      }).addCallback([&](int v) {
        EXPECT_EQ(std::this_thread::get_id(), reactorThread);
        order.push_back(v);
        if (order.size() == 3) r->stop();
      });
    }
  });
  runBounded();
  pool.stop();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(workers[0], workers[1]);
  EXPECT_EQ(workers[1], workers[2]);
  EXPECT_NE(workers[0], reactorThread);
}

// Mirrors DeferToThreadPoolTests.test_deferErrback.
TEST_P(ThreadsTest, DeferToThreadPoolErrback) {
  python::ThreadPool pool(0, 1, "test-pool");
  pool.start();
  std::optional<Failure> failure;
  r->callWhenRunning([&] {
    threads::deferToThreadPool(*r, pool, []() -> std::string {
      throw MyError("pool boom");
    }).addErrback([&](Failure f) -> std::string {
      failure = f;
      r->stop();
      return {};
    });
  });
  runBounded();
  pool.stop();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<MyError>());
  EXPECT_EQ(failure->getErrorMessage(), "pool boom");
}

// A pool that refuses work (stopped): the returned Deferred has already
// failed with the pool's error; nothing runs.
TEST_P(ThreadsTest, DeferToThreadPoolOnStoppedPoolFails) {
  python::ThreadPool pool(0, 1, "stopped");
  pool.start();
  pool.stop();
  bool ran = false;
  Deferred<int> d = threads::deferToThreadPool(*r, pool, [&] {
    ran = true;
    return 1;
  });
  ASSERT_TRUE(d.called());
  std::optional<Failure> failure;
  d.addErrback([&](Failure f) {
    failure = f;
    return 0;
  });
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<std::logic_error>());
  EXPECT_FALSE(ran);
}

// Shutting the reactor down with work still queued in its pool: the pool
// finishes the work at shutdown, its results are never delivered (the loop
// has ended), and destroying the reactor frees them (no crash, no leak
// under ASan/LSan). One pool thread, held by the first call until the
// "before shutdown" phase, so every other call is still queued then.
TEST_P(ThreadsTest, ShutdownWithWorkQueued) {
  constexpr int kCalls = 200;
  std::latch gate(1);
  std::atomic<int> ran{0};
  int delivered = 0;
  std::vector<Deferred<std::string>> pending;
  r->suggestThreadPoolSize(1);
  r->addSystemEventTrigger("before", "shutdown", [&] { gate.count_down(); });
  r->callWhenRunning([&] {
    pending.push_back(threads::deferToThread(*r, [&] {
      gate.wait();
      return std::string("first");
    }));
    for (int i = 1; i < kCalls; ++i) {
      pending.push_back(threads::deferToThread(*r, [&ran, i] {
        ++ran;
        return std::string(100, static_cast<char>('a' + i % 26));  // heap-allocated result
      }));
    }
    for (auto& d : pending)
      d.addCallback([&](std::string) { ++delivered; });
    r->stop();
  });
  runBounded();
  EXPECT_EQ(ran, kCalls - 1);  // the pool's stop ran everything queued
  EXPECT_EQ(delivered, 0);
  r.reset();  // destroys the undelivered thread calls and their Deferred handles
  for (auto& d : pending)
    EXPECT_FALSE(d.called());
  pending.clear();
}

// The process-wide reactor: deferToThread(f, args...) without a reactor.
// Mirrors the seed's example (threads.deferToThread(doLongCalculation)).
TEST(ThreadsGlobalReactorTest, DeferToThreadUsesTheGlobalReactor) {
  std::optional<int> got;
  auto d = threads::deferToThread([](int x) { return x + 1; }, 2);
  d.addCallback([&](int v) {
    got = v;
    reactor().stop();
  });
  auto guard = reactor().callLater(20, [] {
    ADD_FAILURE() << "reactor still running after the safety bound";
    reactor().stop();
  });
  reactor().run(false);
  if (guard.active()) guard.cancel();
  EXPECT_EQ(got, 3);
}

// --- blockingCallFromThread ---------------------------------------------------

// Runs `body` in a separate thread once the reactor runs, then stops the
// reactor from that thread; returns after the thread is joined.
template <class Body>
void inThread(ReactorBase& r, Body body) {
  std::thread t;
  r.callWhenRunning([&] {
    t = std::thread([&] {
      body();
      r.callFromThread([&] { r.stop(); });
    });
  });
  auto guard = r.callLater(20, [&] {
    ADD_FAILURE() << "reactor still running after the safety bound";
    r.stop();
  });
  r.run(false);
  if (guard.active()) guard.cancel();
  t.join();
}

// A plain value comes back; f runs in the reactor thread.
// Mirrors ThreadsTests.test_blockingCallFromThread (synchronous result).
TEST_P(ThreadsTest, BlockingCallFromThreadValue) {
  std::thread::id reactorThread = std::this_thread::get_id();
  std::thread::id fThread;
  int got = 0;
  inThread(*r, [&] {
    got = threads::blockingCallFromThread(
        *r,
        [&](int a) {
          fThread = std::this_thread::get_id();
          return a * 10;
        },
        4);
  });
  EXPECT_EQ(got, 40);
  EXPECT_EQ(fThread, reactorThread);
}

// A void function: the call returns once it ran.
TEST_P(ThreadsTest, BlockingCallFromThreadVoid) {
  bool ran = false;
  bool sawRan = false;
  inThread(*r, [&] {
    threads::blockingCallFromThread(*r, [&] { ran = true; });
    sawRan = ran;  // ordered after the reactor-thread write by the wait
  });
  EXPECT_TRUE(sawRan);
}

// f returns a Deferred that the reactor fires later (callLater): the call
// waits for it. Mirrors ThreadsTests.test_asyncBlockingCallFromThread.
TEST_P(ThreadsTest, BlockingCallFromThreadWaitsForDeferred) {
  std::string got;
  inThread(*r, [&] {
    got = threads::blockingCallFromThread(
        *r,
        [&](std::string prefix) {
          Deferred<std::string> d;
          r->callLater(0.01, [d, prefix]() mutable { d.callback(prefix + "-fired"); });
          return d;
        },
        std::string("late"));
  });
  EXPECT_EQ(got, "late-fired");
}

// f throws: the same exception type and message come out in the thread.
// Mirrors ThreadsTests.test_errorBlockingCallFromThread (synchronous).
TEST_P(ThreadsTest, BlockingCallFromThreadRethrowsSynchronousException) {
  std::string message;
  bool wrongType = false;
  inThread(*r, [&] {
    try {
      threads::blockingCallFromThread(*r, []() -> int { throw MyError("sync boom"); });
    } catch (const MyError& e) {
      message = e.what();
    } catch (...) {
      wrongType = true;
    }
  });
  EXPECT_EQ(message, "sync boom");
  EXPECT_FALSE(wrongType);
}

// f's Deferred fails later: its exception is rethrown in the thread.
// Mirrors ThreadsTests.test_asyncErrorBlockingCallFromThread.
TEST_P(ThreadsTest, BlockingCallFromThreadRethrowsDeferredFailure) {
  std::string message;
  bool wrongType = false;
  inThread(*r, [&] {
    try {
      threads::blockingCallFromThread(*r, [&] {
        Deferred<int> d;
        r->callLater(0.01, [d]() mutable { d.errback(MyError("async boom")); });
        return d;
      });
    } catch (const MyError& e) {
      message = e.what();
    } catch (...) {
      wrongType = true;
    }
  });
  EXPECT_EQ(message, "async boom");
  EXPECT_FALSE(wrongType);
}

// In the reactor thread it would deadlock: it throws instead, both while
// running and before run() (the creating thread is the reactor's then).
TEST_P(ThreadsTest, BlockingCallFromReactorThreadThrows) {
  bool fRan = false;
  EXPECT_THROW(threads::blockingCallFromThread(*r, [&] { fRan = true; }), std::logic_error);
  bool threwWhileRunning = false;
  r->callWhenRunning([&] {
    try {
      threads::blockingCallFromThread(*r, [&] { fRan = true; });
    } catch (const std::logic_error&) {
      threwWhileRunning = true;
    }
    r->stop();
  });
  runBounded();
  EXPECT_TRUE(threwWhileRunning);
  EXPECT_FALSE(fRan);
}

// The reactor stops before the Deferred fires, and is destroyed: the waiting
// thread gets ReactorNotRunning instead of waiting forever.
TEST_P(ThreadsTest, BlockingCallFromThreadAbandonedAtShutdown) {
  std::latch queued(1);
  bool gotNotRunning = false;
  std::thread t([&] {
    try {
      threads::blockingCallFromThread(*r, [&] {
        Deferred<int> never;
        r->callLater(1000, [never] {});  // only the pending call holds it
        queued.count_down();
        return never;
      });
    } catch (const error::ReactorNotRunning&) {
      gotNotRunning = true;
    }
  });
  r->callWhenRunning([&] {
    // Stop once f has run and returned its Deferred: a pool thread waits for
    // that, then asks the reactor to stop.
    r->callInThread([&] {
      queued.wait();
      r->callFromThread([&] { r->stop(); });
    });
  });
  runBounded();
  r.reset();  // destroys the pending call, and with it the Deferred
  t.join();
  EXPECT_TRUE(gotNotRunning);
}

// --- callMultipleInThread ------------------------------------------------------

// The calls run in order, in one pool thread that is not the reactor's.
// Mirrors ThreadsTests.test_callMultiple.
TEST_P(ThreadsTest, CallMultipleInThreadRunsInOrderInOneThread) {
  std::vector<int> order;
  std::vector<std::thread::id> ids;
  std::thread::id reactorThread = std::this_thread::get_id();
  r->callWhenRunning([&] {
    std::vector<std::function<void()>> calls;
    for (int i = 0; i < 5; ++i)
      calls.push_back([&, i] {
        order.push_back(i);
        ids.push_back(std::this_thread::get_id());
      });
    calls.push_back([&] { r->callFromThread([&] { r->stop(); }); });
    threads::callMultipleInThread(*r, std::move(calls));
  });
  runBounded();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  ASSERT_EQ(ids.size(), 5u);
  for (const auto& id : ids) {
    EXPECT_EQ(id, ids[0]);
    EXPECT_NE(id, reactorThread);
  }
}

// A call that throws is logged and ends the batch (Twisted's _runMultiple);
// nothing propagates to the reactor.
TEST_P(ThreadsTest, CallMultipleInThreadLogsAndStopsAtException) {
  testing::EventLoggingObserver logs;
  std::vector<int> order;
  r->callWhenRunning([&] {
    threads::callMultipleInThread(
        *r, {[&] { order.push_back(1); }, [] { throw MyError("multiple boom"); },
             [&] { order.push_back(3); }});
    // The same pool (one thread at most) runs this after the batch.
    r->callInThread([&] { r->callFromThread([&] { r->stop(); }); });
  });
  r->suggestThreadPoolSize(1);
  runBounded();
  EXPECT_EQ(order, (std::vector<int>{1}));
  auto errors = logs.flushLoggedErrors<MyError>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].failure->getErrorMessage(), "multiple boom");
}

TWISTED_INSTANTIATE_BACKENDS(ThreadsTest);

}  // namespace
}  // namespace twisted::internet
