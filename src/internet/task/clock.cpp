// task::Clock. Test: tests/internet/test_clock.cpp
#include <twisted/internet/task/clock.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace twisted::internet::task {

class Clock::Queue final : public detail::TimerQueue {
 public:
  explicit Queue(const Clock* c) : TimerQueue(detail::MovedCallOrder::kKeepListOrder), c_(c) {}
  double now() const override { return c_->seconds(); }

 private:
  const Clock* c_;
};

Clock::Clock() : queue_(std::make_unique<Queue>(this)) {}
Clock::~Clock() = default;

void Clock::scheduleEntry(double delay, detail::TimerEntry* entry) {
  if (std::isnan(delay)) throw std::invalid_argument("delay is NaN");
  queue_->push(entry, rightNow_ + delay);
}

std::vector<DelayedCall> Clock::getDelayedCalls() const {
  std::vector<DelayedCall> calls;
  queue_->forEach([&](detail::TimerEntry* e) { calls.emplace_back(e); });
  std::sort(calls.begin(), calls.end(),
            [](const DelayedCall& a, const DelayedCall& b) { return a.getTime() < b.getTime(); });
  return calls;
}

void Clock::advance(double amount) {
  rightNow_ += amount;
  // No sequence cutoff, unlike the reactor: calls that become due while we
  // run (even ones scheduled now) run in this same advance, as in Twisted.
  while (!queue_->empty() && queue_->topTime() <= rightNow_) {
    detail::TimerEntry* e = queue_->pop();
    e->state = detail::TimerEntry::State::kCalled;
    struct Done {  // releases the entry even when the call throws
      detail::TimerEntry* e;
      ~Done() {
        e->release();
        detail::unref(e);
      }
    } done{e};
    e->invoke();
  }
}

void Clock::pump(const std::vector<double>& timings) {
  for (double t : timings)
    advance(t);
}

}  // namespace twisted::internet::task
