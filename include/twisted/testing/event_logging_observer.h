// EventLoggingObserver: collects log events for assertions in tests.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <twisted/logger/log_event.h>
#include <twisted/logger/log_publisher.h>

namespace twisted::testing {

/// While alive, records every event published on a LogPublisher (the global
/// one by default), from any thread:
///
///     testing::EventLoggingObserver logs;
///     ... code that logs ...
///     auto errors = logs.flushLoggedErrors();
///     ASSERT_EQ(errors.size(), 1u);
///     EXPECT_EQ(errors[0].failure->typeName(), "std::runtime_error");
///
/// Destruction unregisters it and waits for calls under way on other threads.
///
/// Mirrors: twisted.internet.testing.EventLoggingObserver (with
/// createWithCleanup's registration and removal done by RAII) and trial's
/// TestCase.flushLoggedErrors.
class TWISTED_API EventLoggingObserver {
 public:
  /// Registers on logger::globalLogPublisher().
  EventLoggingObserver();
  /// Registers on `publisher`, which must outlive this object.
  explicit EventLoggingObserver(logger::LogPublisher& publisher);
  /// Unregisters.
  ~EventLoggingObserver();
  EventLoggingObserver(const EventLoggingObserver&) = delete;
  EventLoggingObserver& operator=(const EventLoggingObserver&) = delete;

  /// A copy of the events recorded so far, oldest first.
  std::vector<logger::LogEvent> events() const;

  /// Number of events recorded so far. Mirrors: len(observer).
  std::size_t size() const;

  /// A copy of event `i`. @throws std::out_of_range. Mirrors: observer[i].
  logger::LogEvent operator[](std::size_t i) const;

  /// Forgets every recorded event.
  void clear();

  /// Removes and returns the recorded error events (see
  /// logger::isErrorEvent()); with `E...` only those whose failure is one of
  /// `E...`. Mirrors: trial's TestCase.flushLoggedErrors(*errorTypes).
  template <class... E>
  std::vector<logger::LogEvent> flushLoggedErrors() {
    if constexpr (sizeof...(E) == 0) {
      return flushIf([](const logger::LogEvent& event) { return logger::isErrorEvent(event); });
    } else {
      return flushIf([](const logger::LogEvent& event) {
        return event.failure.has_value() && event.failure->template check<E...>();
      });
    }
  }

  /// Removes and returns the recorded events matching `predicate`.
  std::vector<logger::LogEvent> flushIf(
      const std::function<bool(const logger::LogEvent&)>& predicate);

  /// Records one event (what the publisher calls). Mirrors: observer(event).
  void operator()(const logger::LogEvent& event);

 private:
  mutable std::mutex mutex_;
  std::vector<logger::LogEvent> events_;
  logger::LogPublisher* publisher_;
  logger::ObserverHandle handle_;
};

}  // namespace twisted::testing
