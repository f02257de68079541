// IReactorTime: scheduling calls in the future.
#pragma once

#include <twisted/export.h>

#include <chrono>
#include <utility>
#include <vector>

#include <twisted/internet/delayed_call.h>
#include <twisted/python/detail/unique_function.h>

namespace twisted::internet {

/// Time methods a reactor (or a fake clock) provides.
///
/// Mirrors: twisted.internet.interfaces.IReactorTime. Implemented by every
/// reactor and by task::Clock, so code that only schedules calls (timeouts,
/// LoopingCall, deferLater) takes an IReactorTime& and is testable with a Clock.
class TWISTED_API IReactorTime {
 public:
  virtual ~IReactorTime() = default;

  /// Current time in seconds. Reactors use the monotonic clock (unlike
  /// Twisted's time.time()): it never jumps when the wall clock is set, which
  /// is what due times need. Mirrors IReactorTime.seconds.
  virtual double seconds() const = 0;

  /// Calls `f(args...)` after `delay` seconds; `args` are copied (or moved) in
  /// now. Returns a handle to cancel, delay or reset the call. A call scheduled
  /// from inside a running call never runs in the same reactor iteration, even
  /// with delay 0; calls due at the same time run in the order they were
  /// scheduled. Mirrors IReactorTime.callLater.
  /// @throws std::invalid_argument for a negative or NaN delay (reactors;
  ///         task::Clock accepts negative delays, as Twisted's does).
  template <class F, class... A>
  DelayedCall callLater(double delay, F&& f, A&&... args) {
    auto fn = python::detail::bindCall(std::forward<F>(f), std::forward<A>(args)...);
    auto* entry = new detail::TimerEntryFn<decltype(fn)>(std::move(fn));
    DelayedCall handle(entry);  // owns the entry if scheduling throws
    scheduleEntry(delay, entry);
    return handle;
  }

  /// callLater with a std::chrono duration.
  template <class Rep, class Period, class F, class... A>
  DelayedCall callLater(std::chrono::duration<Rep, Period> delay, F&& f, A&&... args) {
    return callLater(std::chrono::duration<double>(delay).count(), std::forward<F>(f),
                     std::forward<A>(args)...);
  }

  /// Every call scheduled and neither run nor cancelled. Mirrors IReactorTime.getDelayedCalls.
  virtual std::vector<DelayedCall> getDelayedCalls() const = 0;

 protected:
  /// Validates `delay` and queues `entry` (taking a reference on it).
  virtual void scheduleEntry(double delay, detail::TimerEntry* entry) = 0;
};

}  // namespace twisted::internet
