// DelayedCall: the handle callLater returns.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <utility>

#include <twisted/internet/detail/timer_queue.h>

namespace twisted::internet {

/// A handle to a call scheduled with IReactorTime::callLater.
///
/// Mirrors: twisted.internet.interfaces.IDelayedCall (twisted.internet.base.DelayedCall).
/// Copies refer to the same call. The handle may outlive the call and even the
/// reactor (a call still pending when its reactor is destroyed counts as
/// cancelled). Not thread-safe: use it on the reactor's thread only (from
/// another thread, go through callFromThread).
class TWISTED_API DelayedCall {
 public:
  /// An empty handle (refers to no call); only operator bool and == are valid.
  DelayedCall() noexcept = default;
  /// A handle to `e` (null: empty), sharing it; the reactor makes these.
  explicit DelayedCall(detail::TimerEntry* e) noexcept : e_(e) {
    if (e_) detail::retain(e_);
  }
  /// Another handle to the same call.
  DelayedCall(const DelayedCall& o) noexcept : DelayedCall(o.e_) {}
  /// Takes over `o`'s call; `o` becomes empty.
  DelayedCall(DelayedCall&& o) noexcept : e_(o.e_) { o.e_ = nullptr; }
  /// Makes this a handle to `o`'s call.
  DelayedCall& operator=(DelayedCall o) noexcept {
    std::swap(e_, o.e_);
    return *this;
  }
  ~DelayedCall() {
    if (e_) detail::unref(e_);
  }

  /// Absolute time (in the scheduler's seconds()) at which the call will run.
  /// Mirrors IDelayedCall.getTime.
  double getTime() const noexcept { return e_->time; }

  /// Cancels the call: it will not run, and its function and captured
  /// arguments are destroyed now. Mirrors IDelayedCall.cancel.
  /// @throws error::AlreadyCancelled if already cancelled,
  ///         error::AlreadyCalled if it already ran (or is running now).
  void cancel();

  /// Pushes the call back by `secondsLater` relative to its current time.
  /// Among calls due at the same time it is ordered as after reset().
  /// Mirrors IDelayedCall.delay. @throws AlreadyCancelled / AlreadyCalled.
  void delay(double secondsLater);

  /// Reschedules the call to run `secondsFromNow` from now. A call whose time
  /// does not change keeps its place among calls due at the same time. A
  /// moved call goes after the calls already due at its new time on a
  /// reactor (and, moved from inside a running call, never runs in the same
  /// iteration); on task::Clock it goes before them if moved later, after
  /// them if moved sooner (Twisted's Clock keeps its sorted list's order).
  /// Mirrors IDelayedCall.reset. @throws AlreadyCancelled / AlreadyCalled.
  void reset(double secondsFromNow);

  /// True if the call has neither run nor been cancelled. Mirrors IDelayedCall.active.
  bool active() const noexcept { return e_ && e_->state == detail::TimerEntry::State::kPending; }
  /// True once the call has started running (Twisted's `called`).
  bool called() const noexcept { return e_ && e_->state == detail::TimerEntry::State::kCalled; }
  /// True once the call was cancelled (Twisted's `cancelled`).
  bool cancelled() const noexcept {
    return e_ && e_->state == detail::TimerEntry::State::kCancelled;
  }

  /// True unless this is an empty handle.
  explicit operator bool() const noexcept { return e_ != nullptr; }
  /// The same call (identity, as Python's default ==).
  friend bool operator==(const DelayedCall& a, const DelayedCall& b) noexcept {
    return a.e_ == b.e_;
  }
  /// Ordered by the time the calls are due, so handles sort by schedule;
  /// two calls due at once are neither < nor > each other. Both handles must
  /// refer to a call. Mirrors DelayedCall.__lt__ / __le__ (Python reflects
  /// them for > and >=).
  friend bool operator<(const DelayedCall& a, const DelayedCall& b) noexcept {
    return a.getTime() < b.getTime();
  }
  /// Orders by getTime().
  friend bool operator<=(const DelayedCall& a, const DelayedCall& b) noexcept {
    return a.getTime() <= b.getTime();
  }
  /// Orders by getTime().
  friend bool operator>(const DelayedCall& a, const DelayedCall& b) noexcept { return b < a; }
  /// Orders by getTime().
  friend bool operator>=(const DelayedCall& a, const DelayedCall& b) noexcept { return b <= a; }

 private:
  void checkPending() const;
  detail::TimerEntry* e_ = nullptr;
};

}  // namespace twisted::internet
