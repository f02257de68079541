// Logger. Test: tests/logger/test_logger.cpp
#include <twisted/logger/logger.h>

#include <string>

#include <twisted/logger/log_beginner.h>

namespace twisted::logger {

Logger::Logger(std::string logNamespace, LogObserver observer)
    : namespace_(std::move(logNamespace)), observer_(std::move(observer)) {}

void Logger::emit(LogLevel level, std::string_view format, std::vector<LogField> fields) const {
  if (!isValidLevel(level)) {
    const auto bad = static_cast<std::underlying_type_t<LogLevel>>(level);
    emitFailure(LogLevel::critical, "Got invalid log level {invalidLevel} in {logger}.",
                python::Failure(InvalidLogLevelError(std::to_string(bad))),
                {field("invalidLevel", bad), field("logger", namespace_)});
    return;
  }
  LogEvent event;
  event.level = level;
  event.format = format;
  event.fields = std::move(fields);
  emitEvent(std::move(event));
}

void Logger::emitEvent(LogEvent event) const {
  if (event.logNamespace.empty()) event.logNamespace = namespace_;
  if (event.time == 0) event.time = detail::currentTime();
  if (observer_)
    observer_(event);
  else
    globalLogPublisher()(event);
}

void Logger::emitFailure(LogLevel level, std::string_view format, const python::Failure& failure,
                         std::vector<LogField> fields) const {
  LogEvent event;
  event.level = isValidLevel(level) ? level : LogLevel::critical;
  event.format = format;
  event.fields = std::move(fields);
  event.failure = failure;
  event.isError = true;
  emitEvent(std::move(event));
}

void Logger::failure(std::string_view format, LogLevel level) const {
  emitFailure(level, format, python::Failure(std::current_exception()), {});
}

}  // namespace twisted::logger
