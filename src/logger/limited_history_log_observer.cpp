// LimitedHistoryLogObserver. Test: tests/logger/test_logger.cpp
#include <twisted/logger/limited_history_log_observer.h>

namespace twisted::logger {

LimitedHistoryLogObserver::LimitedHistoryLogObserver(std::size_t size) : size_(size) {}

void LimitedHistoryLogObserver::operator()(const LogEvent& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (size_ == 0) return;
  if (events_.size() == size_) events_.pop_front();
  events_.push_back(event);
}

void LimitedHistoryLogObserver::replayTo(const LogObserver& observer) const {
  // Replay a copy: the observer may log, which may land back in this buffer.
  for (const LogEvent& event : events())
    observer(event);
}

std::vector<LogEvent> LimitedHistoryLogObserver::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {events_.begin(), events_.end()};
}

void LimitedHistoryLogObserver::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  events_.clear();
}

}  // namespace twisted::logger
