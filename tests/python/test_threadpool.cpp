// twisted.python.threadpool.ThreadPool. Mirrors the cases of Twisted's
// test_threadpool.py that apply: bounds, queued-before-start, stop joins,
// errors logged, adjustPoolsize.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <twisted/python/threadpool.h>
#include <twisted/testing/event_logging_observer.h>

namespace twisted::python {
namespace {

// Invalid bounds are rejected.
TEST(ThreadPool, Bounds) {
  EXPECT_THROW(ThreadPool(-1, 5), std::invalid_argument);
  EXPECT_THROW(ThreadPool(5, 4), std::invalid_argument);
  EXPECT_THROW(ThreadPool(0, 0), std::invalid_argument);
  ThreadPool p(2, 3, "p");
  EXPECT_EQ(p.min(), 2);
  EXPECT_EQ(p.max(), 3);
  EXPECT_EQ(p.name(), "p");
}

// Work queued before start() waits, then runs; stop() drains and joins.
TEST(ThreadPool, QueuedBeforeStartRunsAfterStart) {
  ThreadPool p(0, 4);
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i)
    p.callInThread([&] { ++ran; });
  EXPECT_EQ(p.threadCount(), 0u);
  EXPECT_EQ(p.pendingCount(), 100u);
  p.start();
  p.stop();
  EXPECT_EQ(ran.load(), 100);
  EXPECT_EQ(p.threadCount(), 0u);
}

// Never more than maxthreads threads, even with blocked work.
TEST(ThreadPool, AtMostMaxThreads) {
  ThreadPool p(0, 3);
  p.start();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> running{0}, peak{0};
  std::set<std::thread::id> ids;
  for (int i = 0; i < 10; ++i)
    p.callInThread([&] {
      int now = ++running;
      int prev = peak.load();
      while (now > prev && !peak.compare_exchange_weak(prev, now)) {
      }
      std::unique_lock<std::mutex> lock(mu);
      ids.insert(std::this_thread::get_id());
      cv.wait(lock, [&] { return release; });
      --running;
    });
  EXPECT_LE(p.threadCount(), 3u);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  p.stop();
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(ids.size(), 3u);
}

// minthreads are started by start().
TEST(ThreadPool, MinThreadsStarted) {
  ThreadPool p(2, 4);
  p.start();
  EXPECT_EQ(p.threadCount(), 2u);
  p.stop();
}

// An exception in a call is logged; the worker survives.
TEST(ThreadPool, ExceptionIsLogged) {
  testing::EventLoggingObserver logs;
  ThreadPool p(1, 1);
  p.start();
  std::atomic<bool> after{false};
  p.callInThread([] { throw std::runtime_error("worker boom"); });
  p.callInThread([&] { after = true; });
  p.stop();
  EXPECT_TRUE(after);
  EXPECT_EQ(logs.flushLoggedErrors().size(), 1u);
}

// Work submitted after stop() is refused loudly.
TEST(ThreadPool, SubmitAfterStopThrows) {
  ThreadPool p(0, 1);
  p.start();
  p.stop();
  EXPECT_THROW(p.callInThread([] {}), std::logic_error);
}

// adjustPoolsize changes the bounds; shrinking lets idle threads exit.
TEST(ThreadPool, AdjustPoolsize) {
  ThreadPool p(3, 5);
  p.start();
  EXPECT_EQ(p.threadCount(), 3u);
  p.adjustPoolsize(4, 6);
  EXPECT_EQ(p.threadCount(), 4u);
  EXPECT_EQ(p.max(), 6);
  p.adjustPoolsize(0, 1);
  EXPECT_EQ(p.max(), 1);
  p.stop();
  EXPECT_EQ(p.threadCount(), 0u);
}

// Arguments are bound like callLater's.
TEST(ThreadPool, Arguments) {
  ThreadPool p(0, 1);
  std::atomic<int> got{0};
  p.callInThread([&](int a, int b) { got = a + b; }, 40, 2);
  p.start();
  p.stop();
  EXPECT_EQ(got.load(), 42);
}

// test_callInThreadWithCallback*: onResult runs in the worker thread with
// (true, value), (true) for void, or (false, failure).
TEST(ThreadPool, CallInThreadWithCallback) {
  ThreadPool p(0, 1);
  std::mutex mu;
  std::vector<std::string> seen;
  std::set<std::thread::id> threads;
  auto onResult = [&](bool ok, auto&&... result) {
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
    std::string s = ok ? "ok" : "failed";
    (
        [&](const auto& r) {
          using R = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<R, Failure>)
            s += " " + r.getErrorMessage();
          else
            s += " " + std::to_string(r);
        }(result),
        ...);
    seen.push_back(s);
  };
  p.callInThreadWithCallback(
      onResult, [](int a, int b) { return a * b; }, 6, 7);
  p.callInThreadWithCallback(onResult, [] {});
  p.callInThreadWithCallback(onResult, []() -> int { throw std::runtime_error("boom"); });
  p.start();
  p.stop();
  EXPECT_EQ(seen, (std::vector<std::string>{"ok 42", "ok", "failed boom"}));
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_NE(*threads.begin(), std::this_thread::get_id());
}

TEST(ThreadPool, CallInThreadWithCallbackLogsAnErrorFromOnResult) {
  testing::EventLoggingObserver logs;
  ThreadPool p(0, 1);
  p.callInThreadWithCallback([](bool, auto&&...) { throw std::runtime_error("onResult"); },
                             [] { return 1; });
  p.start();
  p.stop();
  auto errors = logs.flushLoggedErrors<std::runtime_error>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].failure->getErrorMessage(), "onResult");
}

}  // namespace
}  // namespace twisted::python
