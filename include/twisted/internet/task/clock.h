// task::Clock: a deterministic IReactorTime for tests.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <vector>

#include <twisted/internet/interfaces/ireactor_time.h>

namespace twisted::internet::task {

/// A fake clock: time moves only when advance() is called, and due calls run
/// inside advance(). Use it wherever code takes an IReactorTime& (timeouts,
/// LoopingCall, deferLater) to test time without waiting.
///
/// Mirrors: twisted.internet.task.Clock. As in Twisted: time starts at 0;
/// negative delays are accepted; calls due at the same time run in
/// scheduling order; a call scheduled or reset during advance() that is
/// already due runs in the same advance(); an exception from a call
/// propagates out of advance() and the remaining due calls stay queued.
class TWISTED_API Clock : public IReactorTime {
 public:
  Clock();
  ~Clock() override;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;

  /// Mirrors Clock.seconds (Twisted's `rightNow`).
  double seconds() const override { return rightNow_; }
  /// Pending calls, earliest first. Mirrors Clock.getDelayedCalls.
  std::vector<DelayedCall> getDelayedCalls() const override;
  /// Moves time forward by `amount` and runs every call that is due.
  /// Mirrors Clock.advance.
  void advance(double amount);
  /// advance() once per element. Mirrors Clock.pump.
  void pump(const std::vector<double>& timings);

 protected:
  void scheduleEntry(double delay, detail::TimerEntry* entry) override;

 private:
  class Queue;
  double rightNow_ = 0;
  std::unique_ptr<Queue> queue_;
};

}  // namespace twisted::internet::task
