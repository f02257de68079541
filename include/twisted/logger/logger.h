// Logger: the structured logging front end.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <twisted/logger/log_event.h>
#include <twisted/logger/log_level.h>
#include <twisted/logger/log_publisher.h>
#include <twisted/python/failure.h>

namespace twisted::logger {

/// Emits structured events in one namespace:
///
///     Logger log("myapp.Server");
///     log.info("{n} connections from {peer}", field("n", 5), field("peer", peer));
///
/// Formatting is deferred: the event carries the format string and the
/// fields, and text is rendered only by observers that want text. Events go
/// to globalLogPublisher() unless another observer is given. Cheap to copy;
/// thread-safe (const methods only).
///
/// Mirrors: twisted.logger.Logger.
class TWISTED_API Logger {
 public:
  /// A logger for `logNamespace` publishing to `observer` (empty: to
  /// globalLogPublisher()). C++ cannot infer the namespace from the caller,
  /// so name it explicitly. Mirrors: Logger(namespace, source, observer).
  explicit Logger(std::string logNamespace = {}, LogObserver observer = {});

  /// The namespace given to every event. Mirrors: Logger.namespace.
  const std::string& logNamespace() const noexcept { return namespace_; }

  /// Emits an event at `level`. An invalid level (a cast outside LogLevel)
  /// logs an InvalidLogLevelError failure instead. Mirrors: Logger.emit.
  void emit(LogLevel level, std::string_view format, std::vector<LogField> fields = {}) const;

  /// Emits a fully built event after filling in its namespace, and its time
  /// if zero. For callers that need more than format and fields.
  void emitEvent(LogEvent event) const;

  /// Mirrors: Logger.debug(format, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void debug(std::string_view format,
                                                             F&&... fields) const {
    emit(LogLevel::debug, format, {LogField(std::forward<F>(fields))...});
  }

  /// Mirrors: Logger.info(format, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void info(std::string_view format,
                                                            F&&... fields) const {
    emit(LogLevel::info, format, {LogField(std::forward<F>(fields))...});
  }

  /// Mirrors: Logger.warn(format, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void warn(std::string_view format,
                                                            F&&... fields) const {
    emit(LogLevel::warn, format, {LogField(std::forward<F>(fields))...});
  }

  /// Mirrors: Logger.error(format, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void error(std::string_view format,
                                                             F&&... fields) const {
    emit(LogLevel::error, format, {LogField(std::forward<F>(fields))...});
  }

  /// Mirrors: Logger.critical(format, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void critical(std::string_view format,
                                                                F&&... fields) const {
    emit(LogLevel::critical, format, {LogField(std::forward<F>(fields))...});
  }

  /// Emits a critical event carrying `failure`; text observers print the
  /// formatted text followed by the failure's traceback.
  /// Mirrors: Logger.failure(format, failure, level=LogLevel.critical, **kwargs).
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void failure(std::string_view format,
                                                               const python::Failure& failure,
                                                               F&&... fields) const {
    emitFailure(LogLevel::critical, format, failure, {LogField(std::forward<F>(fields))...});
  }

  /// As failure() above, at `level`.
  template <class... F>
  requires(std::convertible_to<F, LogField>&&...) void failure(std::string_view format,
                                                               const python::Failure& failure,
                                                               LogLevel level,
                                                               F&&... fields) const {
    emitFailure(level, format, failure, {LogField(std::forward<F>(fields))...});
  }

  /// As failure() above, with the exception currently being handled (call
  /// inside a catch block). Mirrors: Logger.failure(format) with failure=None.
  /// @throws python::NoCurrentExceptionError outside a catch block.
  void failure(std::string_view format, LogLevel level = LogLevel::critical) const;

 private:
  void emitFailure(LogLevel level, std::string_view format, const python::Failure& failure,
                   std::vector<LogField> fields) const;

  std::string namespace_;
  LogObserver observer_;  // empty: globalLogPublisher()
};

}  // namespace twisted::logger
