// Running blocking code in threads and getting its results back into the
// reactor, and the reverse: calling into the reactor from another thread and
// waiting for the answer. Mirrors twisted.internet.threads.
//
// Threading rules (the reason for most of the code below): a Deferred is
// single-threaded (non-atomic reference count), so deferToThreadPool creates
// it in the calling thread (the reactor's), moves the only other handle
// through the worker without copying it, and fires and drops it inside a
// callFromThread'd call. A Failure is safe to hand over: its state is
// immutable and shared through a std::shared_ptr.
// Test: tests/internet/test_threads.cpp
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/outcome.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/reactor.h>
#include <twisted/python/failure.h>
#include <twisted/python/threadpool.h>

namespace twisted::internet::threads {

namespace detail {

/// f can be stored as a decayed copy and called once, as an rvalue, with
/// decayed copies of args as rvalues (std::thread's rule).
template <class F, class... A>
concept CallableWith = std::invocable<std::decay_t<F>, std::decay_t<A>...>;

/// CallableWith, and f is not a reactor: selects the process-wide-reactor
/// overload of deferToThread.
template <class F, class... A>
concept CallableWithoutReactor =
    !std::derived_from<std::remove_cvref_t<F>, IReactorThreads> && CallableWith<F, A...>;

/// What f(args...) returns under CallableWith's rule, decayed.
template <class F, class... A>
using ThreadResult = std::decay_t<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;

/// The unit of work deferToThreadPool queues: runs f(args...) on a worker
/// and hands the outcome, together with the Deferred handle, to the reactor
/// thread, where the Deferred fires and the handle is dropped.
template <class R, class F, class... A>
class ThreadCall {
 public:
  template <class G, class... B>
  ThreadCall(IReactorThreads& reactor, defer::Deferred<R> d, G&& f, B&&... args)
      : reactor_(&reactor),
        d_(std::move(d)),
        f_(std::forward<G>(f)),
        args_(std::forward<B>(args)...) {}

  void operator()() {
    std::optional<defer::Outcome<R>> outcome;
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(std::move(f_), std::move(args_));
        outcome.emplace(std::in_place);
      } else {
        outcome.emplace(std::in_place, std::apply(std::move(f_), std::move(args_)));
      }
    } catch (...) {
      outcome.emplace(python::Failure(std::current_exception()));
    }
    // Outside the try: once d_ has moved into the thread call, nothing here
    // may touch it again.
    reactor_->callFromThread([d = std::move(d_), o = std::move(*outcome)]() mutable {
      if (o.isFailure()) {
        d.errback(o.failure());
      } else if constexpr (std::is_void_v<R>) {
        d.callback();
      } else {
        d.callback(std::move(o).value());
      }
    });
  }

 private:
  IReactorThreads* reactor_;
  defer::Deferred<R> d_;
  F f_;
  std::tuple<A...> args_;
};

/// True if the caller runs in `reactor`'s thread (known only for a
/// ReactorBase: ReactorBase::isInIOThread; false for other implementations).
TWISTED_API bool isInReactorThread(const IReactorThreads& reactor) noexcept;

/// Throws std::logic_error: blockingCallFromThread from the reactor thread.
[[noreturn]] TWISTED_API void throwCalledFromReactorThread();

/// Throws error::ReactorNotRunning: the call, or the Deferred it returned,
/// was destroyed before it produced a result (the reactor shut down first).
[[noreturn]] TWISTED_API void throwResultAbandoned();

}  // namespace detail

/// Runs `f(args...)` in a thread of `threadPool` and returns a Deferred that
/// fires in `reactor`'s thread (via callFromThread) with what f returned, or
/// errbacks with a Failure of the exception it threw (type and message kept).
///
/// Call it from the reactor thread: the Deferred is created here. f and args
/// are copied (moved when given rvalues) and called once as rvalues, as
/// std::thread does; pass std::ref to share an object. `reactor` must outlive
/// the call. If the pool refuses the work (it was stopped), the Deferred has
/// already failed with that error when returned.
///
/// Mirrors: twisted.internet.threads.deferToThreadPool.
template <class F, class... A>
requires detail::CallableWith<F, A...>
auto deferToThreadPool(IReactorThreads& reactor, python::ThreadPool& threadPool, F&& f, A&&... args)
    -> defer::Deferred<detail::ThreadResult<F, A...>> {
  using R = detail::ThreadResult<F, A...>;
  static_assert(!defer::detail::kIsDeferred<R>,
                "a function run in a thread must not return a Deferred (Deferreds belong to the "
                "reactor thread); return the value itself");
  defer::Deferred<R> d;
  try {
    threadPool.callInThread(detail::ThreadCall<R, std::decay_t<F>, std::decay_t<A>...>(
        reactor, d, std::forward<F>(f), std::forward<A>(args)...));
  } catch (...) {
    d.errback(python::Failure(std::current_exception()));
  }
  return d;
}

/// deferToThreadPool(reactor, reactor.getThreadPool(), f, args...): runs
/// `f(args...)` in `reactor`'s thread pool. The explicit-reactor form of
/// deferToThread, for programs (and tests) with more than one reactor.
///
/// Mirrors: twisted.internet.threads.deferToThread.
template <class F, class... A>
requires detail::CallableWith<F, A...>
auto deferToThread(IReactorThreads& reactor, F&& f, A&&... args)
    -> defer::Deferred<detail::ThreadResult<F, A...>> {
  return deferToThreadPool(reactor, reactor.getThreadPool(), std::forward<F>(f),
                           std::forward<A>(args)...);
}

/// Runs `f(args...)` in the process-wide reactor's thread pool and returns
/// the result as a Deferred fired in the reactor thread (see deferToThreadPool).
///
/// Mirrors: twisted.internet.threads.deferToThread.
template <class F, class... A>
requires detail::CallableWithoutReactor<F, A...>
auto deferToThread(F&& f, A&&... args) -> defer::Deferred<detail::ThreadResult<F, A...>> {
  return deferToThread(static_cast<IReactorThreads&>(reactor()), std::forward<F>(f),
                       std::forward<A>(args)...);
}

/// Runs `calls` one after the other in one thread of `reactor`'s pool. As in
/// Twisted, a call that throws ends the batch: the pool logs the error and
/// the calls after it do not run.
///
/// Mirrors: twisted.internet.threads.callMultipleInThread (with an explicit reactor).
TWISTED_API void callMultipleInThread(IReactorThreads& reactor,
                                      std::vector<std::function<void()>> calls);

/// callMultipleInThread on the process-wide reactor.
///
/// Mirrors: twisted.internet.threads.callMultipleInThread.
TWISTED_API void callMultipleInThread(std::vector<std::function<void()>> calls);

/// Runs `f(args...)` in `reactor`'s thread (callFromThread) and blocks the
/// calling thread until the result is ready: what f returned or, if f
/// returned a Deferred<V>, the V it fires with. If f throws, or its Deferred
/// fails, the original exception is rethrown here (Failure::raiseException).
/// f and args are copied as for callFromThread.
///
/// Call it from any thread but the reactor's: waiting there would deadlock,
/// so it throws std::logic_error instead (Twisted, which has no such check,
/// hangs). For a ReactorBase that has not run yet, the thread that created
/// it counts as its thread. Do not call it from a pool thread while the
/// reactor shuts down: the shutdown joins that thread and never runs the call
/// (Twisted issue #10124, same behaviour).
///
/// @throws std::logic_error when called in the reactor thread.
/// @throws error::ReactorNotRunning if the call, or the Deferred it returned,
///         is destroyed before giving a result (the reactor shut down and was
///         destroyed first) instead of waiting forever.
///
/// Mirrors: twisted.internet.threads.blockingCallFromThread.
template <class F, class... A>
requires detail::CallableWith<F, A...>
auto blockingCallFromThread(IReactorThreads& reactor, F&& f, A&&... args)
    -> defer::detail::Unwrapped<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>> {
  using U = defer::detail::Unwrapped<std::invoke_result_t<std::decay_t<F>, std::decay_t<A>...>>;
  if (detail::isInReactorThread(reactor)) detail::throwCalledFromReactorThread();

  // The promise travels into the reactor thread and ends in the Deferred's
  // callback chain; if either is destroyed unfired, the future reports a
  // broken promise, so the wait below ends instead of hanging.
  std::promise<defer::Outcome<U>> promise;
  std::future<defer::Outcome<U>> future = promise.get_future();
  reactor.callFromThread([p = std::move(promise), fn = std::forward<F>(f),
                          ... a = std::forward<A>(args)]() mutable {
    defer::maybeDeferred(std::move(fn), std::move(a)...)
        .addBoth([q = std::move(p)](defer::Outcome<U> o) mutable { q.set_value(std::move(o)); });
  });

  std::optional<defer::Outcome<U>> outcome;
  try {
    outcome.emplace(future.get());
  } catch (const std::future_error&) {
    detail::throwResultAbandoned();
  }
  if (outcome->isFailure()) outcome->failure().raiseException();
  return std::move(*outcome).value();
}

}  // namespace twisted::internet::threads
