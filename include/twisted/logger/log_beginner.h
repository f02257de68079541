// The process-wide log: globalLogPublisher() and globalLogBeginner().
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <vector>

#include <twisted/logger/limited_history_log_observer.h>
#include <twisted/logger/log_publisher.h>

namespace twisted::logger {

/// Holds what happens to events before logging has "begun" (before a
/// program chose where its log goes) and begins logging when told to.
///
/// Until beginLoggingTo() it keeps the last `initialBufferSize` events and
/// also writes every error event (see isErrorEvent()) to `errorStream`, so an
/// error is never lost silently. beginLoggingTo() adds the chosen observers,
/// replays the buffered events to them and stops both.
///
/// Thread-safe.
///
/// Mirrors: twisted.logger.LogBeginner (errors rather than only critical
/// events are echoed; standard I/O is never redirected).
class TWISTED_API LogBeginner {
 public:
  /// A beginner for `publisher`; it registers its buffering observer at once.
  /// Mirrors: LogBeginner(publisher, errorStream, stdio, warningsModule,
  /// initialBufferSize=200).
  LogBeginner(LogPublisher& publisher, std::ostream& errorStream,
              std::size_t initialBufferSize = 200);
  /// Unregisters the buffering observer if logging never began.
  ~LogBeginner();
  LogBeginner(const LogBeginner&) = delete;
  LogBeginner& operator=(const LogBeginner&) = delete;

  /// Adds `observers` to the publisher and, the first time, replays the
  /// buffered events to them (unless `discardBuffer`) and stops buffering and
  /// echoing errors. A second call only adds its observers and logs a warning
  /// naming both call sites. Returns the handles of the added observers.
  /// Mirrors: LogBeginner.beginLoggingTo.
  std::vector<ObserverHandle> beginLoggingTo(
      std::vector<LogObserver> observers, bool discardBuffer = false,
      std::source_location where = std::source_location::current());

  /// True once beginLoggingTo() has been called.
  bool begun() const;

  /// Back to the state after construction, for tests: removes the observers
  /// beginLoggingTo() added, empties the buffer, and buffers and echoes
  /// errors again. Observers added directly to the publisher stay.
  void reset();

 private:
  struct Buffering;

  void startBufferingLocked();

  LogPublisher& publisher_;
  std::ostream& errorStream_;
  std::size_t initialBufferSize_;
  mutable std::mutex mutex_;
  std::shared_ptr<Buffering> buffering_;  // null once logging has begun
  ObserverHandle bufferingHandle_;
  std::vector<ObserverHandle> begunObservers_;
  // Where beginLoggingTo was last called, for the "selected twice" warning.
  std::string previousFile_;
  std::uint_least32_t previousLine_ = 0;
};

/// The publisher every Logger, log::msg and log::err publishes to by default.
/// It lives for the whole process (it is never destroyed, so logging from
/// static destructors and exiting threads is safe).
///
/// Mirrors: twisted.logger.globalLogPublisher.
TWISTED_API LogPublisher& globalLogPublisher();

/// The beginner of globalLogPublisher(), echoing errors to std::cerr.
///
/// Mirrors: twisted.logger.globalLogBeginner.
TWISTED_API LogBeginner& globalLogBeginner();

namespace detail {
/// Restores the process-wide log to its initial state, for tests: calls
/// globalLogBeginner().reset(), which removes the observers added by
/// beginLoggingTo() (and so by log::startLogging), empties the buffer and
/// buffers and echoes errors again. Observers registered directly (such as a
/// live EventLoggingObserver) stay registered.
TWISTED_API void resetGlobalLogging();
}  // namespace detail

}  // namespace twisted::logger
