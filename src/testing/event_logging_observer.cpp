// twisted::testing::EventLoggingObserver. Test: tests/logger/test_logger.cpp
#include <twisted/testing/event_logging_observer.h>

#include <stdexcept>

#include <twisted/logger/log_beginner.h>

namespace twisted::testing {

EventLoggingObserver::EventLoggingObserver() : EventLoggingObserver(logger::globalLogPublisher()) {}

EventLoggingObserver::EventLoggingObserver(logger::LogPublisher& publisher)
    : publisher_(&publisher) {
  // Capturing `this` is safe: removeObserver() in the destructor waits for
  // calls under way on other threads.
  handle_ = publisher_->addObserver([this](const logger::LogEvent& event) { (*this)(event); });
}

EventLoggingObserver::~EventLoggingObserver() {
  publisher_->removeObserver(handle_);
}

void EventLoggingObserver::operator()(const logger::LogEvent& event) {
  std::lock_guard<std::mutex> lock(mutex_);
  events_.push_back(event);
}

std::vector<logger::LogEvent> EventLoggingObserver::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_;
}

std::size_t EventLoggingObserver::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_.size();
}

logger::LogEvent EventLoggingObserver::operator[](std::size_t i) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return events_.at(i);
}

void EventLoggingObserver::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  events_.clear();
}

std::vector<logger::LogEvent> EventLoggingObserver::flushIf(
    const std::function<bool(const logger::LogEvent&)>& predicate) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<logger::LogEvent> flushed, kept;
  for (logger::LogEvent& event : events_)
    (predicate(event) ? flushed : kept).push_back(std::move(event));
  events_ = std::move(kept);
  return flushed;
}

}  // namespace twisted::testing
