// IReactorThreads: talking to the reactor from other threads, and a thread pool.
#pragma once

#include <twisted/export.h>

#include <utility>

#include <twisted/python/detail/unique_function.h>

namespace twisted::python {
class ThreadPool;
}

namespace twisted::internet {

/// Mirrors: twisted.internet.interfaces.IReactorThreads (IReactorFromThreads
/// + IReactorInThreads).
class TWISTED_API IReactorThreads {
 public:
  virtual ~IReactorThreads() = default;

  /// Runs `f(args...)` in the reactor thread, in FIFO order, waking a blocked
  /// loop. The only thread-safe reactor method. Calls queued before run()
  /// execute once the reactor starts; calls queued by a thread call run on the
  /// next iteration. Mirrors IReactorFromThreads.callFromThread.
  template <class F, class... A>
  void callFromThread(F&& f, A&&... args) {
    queueThreadCall(python::detail::bindCall(std::forward<F>(f), std::forward<A>(args)...));
  }

  /// Runs `f(args...)` in the reactor's thread pool (created on first use,
  /// started with the reactor, stopped and joined at shutdown). An exception
  /// is logged. Thread-safe. Mirrors IReactorInThreads.callInThread.
  template <class F, class... A>
  void callInThread(F&& f, A&&... args) {
    queueInThreadPool(python::detail::bindCall(std::forward<F>(f), std::forward<A>(args)...));
  }

  /// Sets the pool's maximum thread count. Mirrors IReactorThreads.suggestThreadPoolSize.
  virtual void suggestThreadPoolSize(int size) = 0;
  /// The reactor's thread pool (created if needed). Mirrors IReactorThreads.getThreadPool.
  virtual python::ThreadPool& getThreadPool() = 0;

 protected:
  /// What callFromThread does once `f` is type-erased; thread-safe.
  virtual void queueThreadCall(python::detail::UniqueFunction f) = 0;
  /// What callInThread does once `f` is type-erased.
  virtual void queueInThreadPool(python::detail::UniqueFunction f) = 0;
};

}  // namespace twisted::internet
