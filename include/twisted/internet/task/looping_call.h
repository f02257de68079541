// task::LoopingCall: call a function every `interval` seconds.
//
// Ownership. A LoopingCall is movable, not copyable: it is the one owner of
// its loop. start()'s Deferred fires with the LoopingCall's address at the
// time the loop stops (a move while running carries the loop, and that
// address, to the new object; a moved-from LoopingCall may only be destroyed
// or assigned to). The loop's state lives in an object the scheduled call
// and the callbacks on the function's Deferreds reach through weak
// references, so:
//   - destroying a running LoopingCall stops it: the pending call is
//     cancelled, and start()'s Deferred fires at once with nullptr (not with
//     the address of an object that is going away). A Deferred the function
//     returned and that fires later is ignored (a failure in it is left on
//     that Deferred, so it is logged as unhandled rather than lost);
//   - the LoopingCall may be destroyed from inside its own function or from
//     a callback on start()'s Deferred: the function and its captures stay
//     alive until that call returns;
//   - the clock must outlive the LoopingCall while it is running (as any
//     IReactorTime user); a LoopingCall that is not running holds nothing
//     on the clock.
// Test: tests/internet/task/test_looping_call.cpp
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/task/errors.h>

// Internals live in twisted::internet::detail, not task::detail: a
// task::detail namespace would hide internet::detail from task headers that
// name it unqualified (clock.h's detail::TimerEntry).
namespace twisted::internet::detail {

/// The function a LoopingCall runs, type-erased. `count` is the number of
/// intervals elapsed (withCount) or 1. Returns the Deferred to wait for
/// before the next call, if the function returned one.
class TWISTED_API LoopFunction {
 public:
  virtual ~LoopFunction() = default;
  virtual std::optional<defer::Deferred<void>> call(std::int64_t count) = 0;
};

/// A Deferred<T>'s chain turned into a Deferred<void> (the value is ignored,
/// as LoopingCall ignores it in Twisted).
template <class V>
defer::Deferred<void> asVoid(defer::Deferred<V> d) {
  if constexpr (std::is_void_v<V>)
    return d;
  else
    return d.addCallback([](V) {});
}

/// What the function returned: a Deferred to wait for, or nothing.
template <class R>
std::optional<defer::Deferred<void>> waitFor(R&& r) {
  if constexpr (defer::detail::kIsDeferred<R>)
    return asVoid(std::remove_cvref_t<R>(std::forward<R>(r)));
  else
    return std::nullopt;
}

template <class F, class... A>
class BoundLoopFunction final : public LoopFunction {
 public:
  template <class G, class... B>
  explicit BoundLoopFunction(G&& f, B&&... args)
      : f_(std::forward<G>(f)), args_(std::forward<B>(args)...) {}

  std::optional<defer::Deferred<void>> call(std::int64_t) override {
    return std::apply(
        [this](A&... a) -> std::optional<defer::Deferred<void>> {
          using R = std::invoke_result_t<F&, A&...>;
          if constexpr (std::is_void_v<R>) {
            std::invoke(f_, a...);
            return std::nullopt;
          } else {
            return waitFor(std::invoke(f_, a...));
          }
        },
        args_);
  }

 private:
  F f_;
  std::tuple<A...> args_;
};

template <class F>
class CountingLoopFunction final : public LoopFunction {
 public:
  template <class G>
  explicit CountingLoopFunction(G&& f) : f_(std::forward<G>(f)) {}

  std::optional<defer::Deferred<void>> call(std::int64_t count) override {
    using R = std::invoke_result_t<F&, std::int64_t>;
    if constexpr (std::is_void_v<R>) {
      std::invoke(f_, count);
      return std::nullopt;
    } else {
      return waitFor(std::invoke(f_, count));
    }
  }

 private:
  F f_;
};

class LoopingCallState;

/// `F` stored decayed can be called with `A...` stored decayed, as lvalues.
template <class F, class... A>
concept LoopCallable = (std::is_invocable_v<std::decay_t<F>&, std::decay_t<A>&...>);

}  // namespace twisted::internet::detail

namespace twisted::internet::task {

/// Calls a function repeatedly, every `interval` seconds on a clock. If the
/// function returns a Deferred, the next call is scheduled only once it has
/// fired (its value is ignored); if it throws, or its Deferred fails, the
/// loop stops and start()'s Deferred errbacks with that failure.
///
/// Calls happen on multiples of `interval` from the start time: when a call
/// (or the reactor) runs late, the intervals missed are skipped, not
/// bunched; withCount() tells the function how many elapsed.
///
///     task::LoopingCall loop([] { std::puts("tick"); });
///     loop.start(1.0).addCallback([](task::LoopingCall*) { std::puts("done"); });
///
/// Mirrors: twisted.internet.task.LoopingCall. Single-threaded: use it on
/// its clock's thread. See the top of this file for ownership.
class TWISTED_API LoopingCall {
 public:
  /// Calls `f(args...)` on each iteration; `args` are copied (or moved) in
  /// now. `f` may return anything: a Deferred is waited for, other values
  /// are ignored. Mirrors LoopingCall(f, *a).
  template <class F, class... A>
  requires detail::LoopCallable<F, A...>
  explicit LoopingCall(F&& f, A&&... args)
      : LoopingCall(
            std::make_unique<detail::BoundLoopFunction<std::decay_t<F>, std::decay_t<A>...>>(
                std::forward<F>(f), std::forward<A>(args)...),
            false) {}

  /// A LoopingCall that calls `countCallable(count)`, where `count` (an
  /// std::int64_t, at least 1) is the number of intervals that elapsed since
  /// it was last called: normally 1, more when calls were skipped because
  /// the clock ran late or the previous call's Deferred took longer than an
  /// interval. An iteration where no whole interval elapsed does not call it
  /// at all. With interval 0 the count is always 1.
  /// Mirrors LoopingCall.withCount(countCallable).
  template <class F>
  requires detail::LoopCallable<F, std::int64_t>
  static LoopingCall withCount(F&& countCallable) {
    return LoopingCall(std::make_unique<detail::CountingLoopFunction<std::decay_t<F>>>(
                           std::forward<F>(countCallable)),
                       true);
  }

  /// Stops the loop if it is running; start()'s Deferred then fires with
  /// nullptr (see the top of this file).
  ~LoopingCall();
  LoopingCall(const LoopingCall&) = delete;
  LoopingCall& operator=(const LoopingCall&) = delete;
  /// Takes over `other`'s loop, running or not; start()'s Deferred will fire
  /// with this object's address.
  LoopingCall(LoopingCall&& other) noexcept;
  /// Stops this loop as the destructor does, then takes over `other`'s.
  LoopingCall& operator=(LoopingCall&& other) noexcept;

  /// Starts calling the function every `interval` seconds: at once if `now`,
  /// else after the first interval. With interval 0 it is called once per
  /// reactor iteration (callLater(0)).
  ///
  /// Returns a Deferred that fires with this LoopingCall once stop() is
  /// called (after the call in progress, if its Deferred is pending),
  /// with nullptr if the LoopingCall is destroyed while running, and
  /// errbacks with the function's failure if it throws or its Deferred fails.
  /// running() is false by the time it fires.
  /// Mirrors LoopingCall.start(interval, now).
  /// @throws LoopingCallStateError if already running (AssertionError in Twisted),
  ///         std::invalid_argument if `interval` is negative or NaN (ValueError).
  defer::Deferred<LoopingCall*> start(double interval, bool now = true);

  /// Stops the loop: no further call happens. start()'s Deferred fires now,
  /// or, if called while a Deferred returned by the function is pending,
  /// when that one fires. Mirrors LoopingCall.stop.
  /// @throws LoopingCallStateError if not running.
  void stop();

  /// Skips the next iteration and restarts the interval from now.
  /// Mirrors LoopingCall.reset.
  /// @throws LoopingCallStateError if not running.
  void reset();

  /// True from start() until stop() or a failure; while the function is
  /// scheduled or being called. Mirrors LoopingCall.running.
  bool running() const noexcept;

  /// Seconds between calls (0 before the first start()). Mirrors LoopingCall.interval.
  double interval() const noexcept;
  /// Changes the interval; it applies from the next scheduling on.
  /// Mirrors assigning LoopingCall.interval.
  /// @throws std::invalid_argument if negative or NaN.
  void setInterval(double interval);

  /// The time of the last start() or reset() (0 before). Mirrors LoopingCall.starttime.
  double starttime() const noexcept;

  /// The clock the calls are scheduled on: the one given to setClock(), else
  /// the process-wide reactor(). Mirrors LoopingCall.clock.
  IReactorTime& clock() const;
  /// Schedules on `clock` from now on; set it before start(). `clock` must
  /// outlive the LoopingCall while it runs. Mirrors assigning LoopingCall.clock.
  void setClock(IReactorTime& clock) noexcept;

  /// The scheduled next call, or an empty handle when none is pending (not
  /// running, or the function's Deferred is pending). Mirrors LoopingCall.call.
  DelayedCall call() const;

  /// How many times the function has been called so far. No Twisted
  /// equivalent; for tests and diagnostics.
  std::uint64_t callCount() const noexcept;

 private:
  LoopingCall(std::unique_ptr<detail::LoopFunction> f, bool withCount);
  detail::LoopingCallState& state() const;
  void release() noexcept;

  std::shared_ptr<detail::LoopingCallState> state_;
};

}  // namespace twisted::internet::task
