// task::LoopingCall. Test: tests/internet/task/test_looping_call.cpp
#include <twisted/internet/task/looping_call.h>

#include <cmath>
#include <stdexcept>

#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

namespace twisted::internet {
namespace {

// Python's float `%`: the result takes the divisor's sign (fmod takes the
// dividend's), so a time before the start still lands in [0, interval).
double pyMod(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = std::copysign(0.0, b);
  }
  return m;
}

void checkInterval(double interval) {
  if (!(interval >= 0)) throw std::invalid_argument("interval must be >= 0");
}

}  // namespace
}  // namespace twisted::internet

namespace twisted::internet::detail {

using task::LoopingCall;

/// Everything a running loop needs, shared with the scheduled call and the
/// callbacks on the function's Deferreds (they hold weak references). The
/// members are Twisted's LoopingCall attributes.
class LoopingCallState : public std::enable_shared_from_this<LoopingCallState> {
 public:
  LoopingCallState(std::unique_ptr<LoopFunction> fn, bool counting)
      : f(std::move(fn)), withCount(counting) {}

  std::unique_ptr<LoopFunction> f;
  const bool withCount;
  LoopingCall* owner = nullptr;   // null once the LoopingCall is destroyed
  IReactorTime* clock = nullptr;  // null: the process-wide reactor
  bool running = false;
  double interval = 0;
  double starttime = 0;
  bool runAtStart = false;
  std::optional<double> realLastTime;  // withCount: when it last called f
  DelayedCall call;
  std::optional<defer::Deferred<LoopingCall*>> deferred;
  std::uint64_t callCount = 0;

  IReactorTime& getClock() const { return clock ? *clock : reactor(); }

  // One iteration. Mirrors LoopingCall.__call__.
  void run() {
    // The function may destroy the LoopingCall (and so this state's last
    // owner): keep the state, and the function, alive until it returns.
    std::shared_ptr<LoopingCallState> self = shared_from_this();
    call = DelayedCall();
    std::optional<std::int64_t> count = withCount ? countIntervals() : 1;
    // No whole interval elapsed: Twisted's counter returns None without
    // calling the function, and the loop goes on.
    if (!count) return loopContinue();
    std::optional<defer::Deferred<void>> d;
    try {
      ++callCount;
      d = f->call(*count);
    } catch (...) {
      loopFailed(python::Failure(std::current_exception()));
      return;
    }
    if (!owner) return;  // destroyed by its own function: start()'s Deferred has fired
    if (!d) {
      loopContinue();
      return;
    }
    std::weak_ptr<LoopingCallState> weak = self;
    d->addCallbacks(
        [weak] {
          if (auto s = weak.lock(); s && s->owner) s->loopContinue();
        },
        [weak](python::Failure failure) {
          auto s = weak.lock();
          // The LoopingCall is gone: leave the failure on this Deferred, so
          // it is logged as unhandled instead of vanishing.
          if (!s || !s->owner) throw failure;
          s->loopFailed(std::move(failure));
        });
  }

  // Mirrors the `cb` of LoopingCall.__call__.
  void loopContinue() {
    if (running) {
      scheduleFrom(getClock().seconds());
    } else {
      fireDeferred(owner);
    }
  }

  // Mirrors the `eb` of LoopingCall.__call__.
  void loopFailed(python::Failure failure) {
    running = false;
    if (!deferred) {
      // The function destroyed its LoopingCall, then threw: nobody is left
      // to tell but the log.
      python::log::err(failure, "LoopingCall function failed after its LoopingCall was destroyed");
      return;
    }
    defer::Deferred<LoopingCall*> d = std::move(*deferred);
    deferred.reset();
    d.errback(std::move(failure));
  }

  void fireDeferred(LoopingCall* result) {
    if (!deferred) return;
    defer::Deferred<LoopingCall*> d = std::move(*deferred);
    deferred.reset();
    d.callback(result);
  }

  // Mirrors LoopingCall._scheduleFrom.
  void scheduleFrom(double when) {
    std::weak_ptr<LoopingCallState> weak = weak_from_this();
    call = getClock().callLater(howLong(when), [weak] {
      if (auto s = weak.lock()) s->run();
    });
  }

  double howLong(double when) const {
    // Interval 0: as soon as possible, i.e. the next reactor iteration.
    if (interval == 0) return 0;
    // The time left until the end of the current interval, counted from the
    // start time, so late calls skip the intervals they missed.
    double runningFor = when - starttime;
    double untilNextInterval = interval - pyMod(runningFor, interval);
    // So small next to `when` that adding it changes nothing: the interval
    // has in effect ended, so wait for the next one.
    if (when == when + untilNextInterval) return interval;
    return untilNextInterval;
  }

  // Mirrors LoopingCall._intervalOf: whole intervals from the start to t.
  double intervalOf(double t) const { return std::trunc((t - starttime) / interval); }

  // The withCount counter: the number of intervals elapsed since the last
  // call, or nullopt when none did. Mirrors withCount's `counter`.
  std::optional<std::int64_t> countIntervals() {
    double now = getClock().seconds();
    if (interval == 0) {
      realLastTime = now;
      return 1;
    }
    double lastTime;
    if (realLastTime) {
      lastTime = *realLastTime;
    } else {
      lastTime = starttime;
      if (runAtStart) lastTime -= interval;
    }
    double count = intervalOf(now) - intervalOf(lastTime);
    if (count > 0) {
      realLastTime = now;
      return static_cast<std::int64_t>(count);
    }
    return std::nullopt;
  }
};

}  // namespace twisted::internet::detail

namespace twisted::internet::task {

LoopingCall::LoopingCall(std::unique_ptr<detail::LoopFunction> f, bool withCount)
    : state_(std::make_shared<detail::LoopingCallState>(std::move(f), withCount)) {
  state_->owner = this;
}

LoopingCall::~LoopingCall() {
  release();
}

LoopingCall::LoopingCall(LoopingCall&& other) noexcept : state_(std::move(other.state_)) {
  if (state_) state_->owner = this;
}

LoopingCall& LoopingCall::operator=(LoopingCall&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    if (state_) state_->owner = this;
  }
  return *this;
}

void LoopingCall::release() noexcept {
  if (!state_) return;
  // Taken out first: start()'s callbacks below see a LoopingCall with no loop.
  std::shared_ptr<detail::LoopingCallState> st = std::move(state_);
  st->owner = nullptr;
  st->running = false;
  if (st->call.active()) st->call.cancel();
  st->call = DelayedCall();
  try {
    st->fireDeferred(nullptr);
  } catch (...) {
    // Only if someone fired start()'s Deferred by hand (AlreadyCalledError).
  }
}

detail::LoopingCallState& LoopingCall::state() const {
  if (!state_) throw LoopingCallStateError("LoopingCall was moved from");
  return *state_;
}

defer::Deferred<LoopingCall*> LoopingCall::start(double interval, bool now) {
  detail::LoopingCallState& s = state();
  if (s.running) throw LoopingCallStateError("Tried to start an already running LoopingCall.");
  checkInterval(interval);
  IReactorTime& clock = s.getClock();
  s.running = true;
  // The function may stop the loop (firing and clearing s.deferred) or
  // destroy this LoopingCall before start() returns: return a local handle.
  defer::Deferred<LoopingCall*> d;
  s.deferred = d;
  s.starttime = clock.seconds();
  s.interval = interval;
  s.runAtStart = now;
  if (now) {
    s.run();
  } else {
    s.scheduleFrom(s.starttime);
  }
  return d;
}

void LoopingCall::stop() {
  detail::LoopingCallState& s = state();
  if (!s.running) throw LoopingCallStateError("Tried to stop a LoopingCall that was not running.");
  s.running = false;
  // No pending call means the function is running or its Deferred is
  // pending: start()'s Deferred fires when that finishes.
  if (s.call) {
    if (s.call.active()) s.call.cancel();
    s.call = DelayedCall();
    // start()'s callbacks may destroy this LoopingCall: keep the state.
    std::shared_ptr<detail::LoopingCallState> keep = state_;
    keep->fireDeferred(this);
  }
}

void LoopingCall::reset() {
  detail::LoopingCallState& s = state();
  if (!s.running) throw LoopingCallStateError("Tried to reset a LoopingCall that was not running.");
  if (s.call) {
    if (s.call.active()) s.call.cancel();
    s.call = DelayedCall();
    s.starttime = s.getClock().seconds();
    s.scheduleFrom(s.starttime);
  }
}

bool LoopingCall::running() const noexcept {
  return state_ && state_->running;
}

double LoopingCall::interval() const noexcept {
  return state_ ? state_->interval : 0;
}

void LoopingCall::setInterval(double interval) {
  checkInterval(interval);
  state().interval = interval;
}

double LoopingCall::starttime() const noexcept {
  return state_ ? state_->starttime : 0;
}

IReactorTime& LoopingCall::clock() const {
  return state().getClock();
}

void LoopingCall::setClock(IReactorTime& clock) noexcept {
  if (state_) state_->clock = &clock;
}

DelayedCall LoopingCall::call() const {
  return state_ ? state_->call : DelayedCall();
}

std::uint64_t LoopingCall::callCount() const noexcept {
  return state_ ? state_->callCount : 0;
}

}  // namespace twisted::internet::task
