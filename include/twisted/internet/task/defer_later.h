// task::deferLater: a Deferred that fires with a function's result after a
// delay. Test: tests/internet/task/test_defer_later.cpp
#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>

namespace twisted::internet::detail {
/// `F` stored decayed can be called with `A...` stored decayed, as lvalues.
template <class F, class... A>
concept DeferLaterCallable = (std::is_invocable_v<std::decay_t<F>&, std::decay_t<A>&...>);
}  // namespace twisted::internet::detail

namespace twisted::internet::task {

/// A Deferred<void> that fires (with nothing) `delay` seconds from now on
/// `clock`. Cancelling it before then cancels the scheduled call and
/// errbacks it with CancelledError.
///
/// Mirrors: twisted.internet.task.deferLater(clock, delay) (no callable).
inline defer::Deferred<void> deferLater(IReactorTime& clock, double delay) {
  // The canceller owns the handle; the call owns the Deferred. Once the call
  // has run or been cancelled its function is destroyed, so this is no cycle.
  auto call = std::make_shared<DelayedCall>();
  defer::Deferred<void> d([call](defer::Deferred<void>&) {
    // Inactive only if the clock itself is gone (its calls count as cancelled).
    if (call->active()) call->cancel();
  });
  *call = clock.callLater(delay, [d]() mutable { d.callback(); });
  return d;
}

/// Calls `f(args...)` `delay` seconds from now on `clock` and returns a
/// Deferred of its result: Deferred<R> for an `f` returning R, Deferred<V>
/// for one returning Deferred<V> (the result waits for it), errbacked if `f`
/// throws. `args` are copied (or moved) in now. Cancelling the Deferred
/// before the delay cancels the call (`f` never runs) and errbacks it with
/// CancelledError; cancelling it while it waits on the Deferred `f`
/// returned cancels that one.
///
/// Mirrors: twisted.internet.task.deferLater(clock, delay, callable, *args).
/// @throws whatever clock.callLater throws (std::invalid_argument for a
///         negative delay on a reactor).
template <class F, class... A>
requires detail::DeferLaterCallable<F, A...>
auto deferLater(IReactorTime& clock, double delay, F&& f, A&&... args) {
  defer::Deferred<void> d = deferLater(clock, delay);
  // The callback runs on the void chain, so it receives only the bound args.
  return d.addCallback(std::forward<F>(f), std::forward<A>(args)...);
}

}  // namespace twisted::internet::task
