// ThreadPool: a bounded pool of worker threads.
#pragma once

#include <twisted/export.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <twisted/python/detail/unique_function.h>
#include <twisted/python/failure.h>

namespace twisted::python {

/// A pool of between `minthreads` and `maxthreads` worker threads running
/// queued calls in FIFO order. Threads are started on demand (up to the
/// maximum) when work arrives and no worker is idle. Work queued before
/// start() waits for it. stop() lets the workers finish the work already
/// queued, then joins them; work queued after stop() throws.
///
/// Mirrors: twisted.python.threadpool.ThreadPool. Thread-safe.
class TWISTED_API ThreadPool {
 public:
  /// Mirrors ThreadPool(minthreads=5, maxthreads=20, name=None).
  /// @throws std::invalid_argument if minthreads < 0 or maxthreads < max(1, minthreads).
  explicit ThreadPool(int minthreads = 5, int maxthreads = 20, std::string name = {});
  /// Stops (and joins) the pool if it is running.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Starts `minthreads` workers and whatever the queued work needs. Mirrors ThreadPool.start.
  void start();
  /// Finishes queued work, then joins every worker. Idempotent. Mirrors ThreadPool.stop.
  void stop();

  /// Queues `f(args...)` for a worker; an exception it throws is logged
  /// (log::err) and does not kill the worker. Mirrors ThreadPool.callInThread.
  /// @throws std::logic_error after stop().
  template <class F, class... A>
  void callInThread(F&& f, A&&... args) {
    submit(detail::bindCall(std::forward<F>(f), std::forward<A>(args)...));
  }

  /// Queues `f(args...)` for a worker and, in that worker thread, calls
  /// `onResult(true, value)` with what it returned (`onResult(true)` if it
  /// returns void) or `onResult(false, failure)` with the Failure of what it
  /// threw: write `onResult` as a generic lambda, e.g.
  /// `[](bool ok, auto&&... result) { ... }`, or as overloads. An exception
  /// from `onResult` is logged (log::err), like one from callInThread's call.
  /// Mirrors ThreadPool.callInThreadWithCallback(onResult, func, *args).
  /// @throws std::logic_error after stop().
  template <class OnResult, class F, class... A>
  void callInThreadWithCallback(OnResult&& onResult, F&& f, A&&... args) {
    submit([on = std::forward<OnResult>(onResult), fn = std::forward<F>(f),
            ... a = std::forward<A>(args)]() mutable {
      using R = std::invoke_result_t<F&, A&...>;
      if constexpr (std::is_void_v<R>) {
        bool ok = true;
        std::optional<Failure> failure;
        try {
          std::invoke(fn, a...);
        } catch (...) {
          ok = false;
          failure.emplace(std::current_exception());
        }
        if (ok)
          std::invoke(on, true);
        else
          std::invoke(on, false, std::move(*failure));
      } else {
        std::optional<R> value;
        std::optional<Failure> failure;
        try {
          value.emplace(std::invoke(fn, a...));
        } catch (...) {
          failure.emplace(std::current_exception());
        }
        if (value)
          std::invoke(on, true, std::move(*value));
        else
          std::invoke(on, false, std::move(*failure));
      }
    });
  }

  /// Changes the bounds; extra idle threads exit, more start if work waits.
  /// Mirrors ThreadPool.adjustPoolsize.
  void adjustPoolsize(int minthreads, int maxthreads);

  /// The minimum thread count. Mirrors ThreadPool.min.
  int min() const;
  /// The maximum thread count. Mirrors ThreadPool.max.
  int max() const;
  /// The pool's name, for its threads. Mirrors ThreadPool.name.
  const std::string& name() const { return name_; }
  /// True between start() and stop(). Mirrors ThreadPool.started.
  bool started() const;
  /// Live worker threads (started and not yet exited).
  std::size_t threadCount() const;
  /// Calls queued and not yet picked up by a worker.
  std::size_t pendingCount() const;

  /// Queues a type-erased call (what callInThread uses).
  void submit(detail::UniqueFunction f);

 private:
  void workerMain();
  void spawnIfNeededLocked();

  mutable std::mutex mu_;
  std::condition_variable workAvailable_;
  std::deque<detail::UniqueFunction> queue_;
  std::vector<std::thread> threads_;
  std::string name_;
  int min_;
  int max_;
  int live_ = 0;    // workers that have not exited
  int idle_ = 0;    // workers waiting for work
  int excess_ = 0;  // idle workers asked to exit (pool shrunk)
  bool started_ = false;
  bool joined_ = false;  // stop() was called
};

}  // namespace twisted::python
