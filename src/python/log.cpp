// twisted.python.log. Test: tests/python/test_log.cpp
#include <twisted/python/log.h>

#include <ostream>

#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/format.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/python/logfile.h>

#include "logger/log_sink.h"

namespace twisted::python::log {

namespace {

constexpr std::string_view kLegacyNamespace = "log_legacy";

logger::LogEvent legacyEvent() {
  logger::LogEvent event;
  event.time = logger::detail::currentTime();
  event.logNamespace = kLegacyNamespace;
  event.system = currentSystem();
  return event;
}

void publish(const logger::LogEvent& event) {
  logger::globalLogPublisher()(event);
}

void publishError(const Failure& failure, std::string_view why) {
  logger::LogEvent event = legacyEvent();
  // Twisted's legacy bridge gives isError events the critical level.
  event.level = logger::LogLevel::critical;
  event.isError = true;
  event.failure = failure;
  event.why = why;
  publish(event);
}

}  // namespace

std::string currentSystem() {
  const ILoggingContext* context = currentLoggingContext();
  if (context == nullptr) return "-";
  try {
    return context->logPrefix();
  } catch (...) {
    // Twisted logs the logPrefix failure too; here that would recurse into
    // the same broken context, so the marker alone has to do.
    return "(buggy logPrefix method)";
  }
}

void msg(std::string_view message) {
  logger::LogEvent event = legacyEvent();
  event.message.emplace_back(message);
  publish(event);
}

void msg(std::string_view message, std::initializer_list<logger::LogField> fields) {
  logger::LogEvent event = legacyEvent();
  event.message.emplace_back(message);
  event.fields.assign(fields.begin(), fields.end());
  publish(event);
}

void err(const Failure& failure, std::string_view why) {
  publishError(failure, why);
}

void err(std::exception_ptr e, std::string_view why, std::source_location where) {
  publishError(Failure(std::move(e), where), why);
}

void err(std::string_view why, std::source_location where) {
  if (std::exception_ptr current = std::current_exception()) {
    publishError(Failure(std::move(current), where), why);
    return;
  }
  logger::LogEvent event = legacyEvent();
  event.level = logger::LogLevel::critical;
  event.isError = true;
  event.message.emplace_back(why);
  publish(event);
}

ObserverHandle addObserver(ILogObserver observer) {
  return logger::globalLogPublisher().addObserver(std::move(observer));
}

void removeObserver(ObserverHandle handle) {
  logger::globalLogPublisher().removeObserver(handle);
}

ObserverHandle startLoggingWithObserver(ILogObserver observer) {
  std::vector<ObserverHandle> handles =
      logger::globalLogBeginner().beginLoggingTo({std::move(observer)});
  msg("Log opened.");
  return handles.front();
}

ObserverHandle startLogging(std::ostream& out) {
  return startLoggingWithObserver(logger::textFileLogObserver(out));
}

ObserverHandle startLogging(LogFile& file) {
  return startLoggingWithObserver(logger::FileLogObserver(
      [&file](std::string_view text) { file.write(text); }, [&file] { file.flush(); },
      [](const logger::LogEvent& event) { return logger::formatEventAsClassicLogText(event); }));
}

std::string textFromEventDict(const logger::LogEvent& event) {
  return logger::eventText(event);
}

// --- FileLogObserver ---------------------------------------------------------

struct FileLogObserver::Sink : logger::detail::LogSink {
  using LogSink::LogSink;
};

FileLogObserver::FileLogObserver(std::ostream& out)
    : sink_(std::make_unique<Sink>(out)), timeFormat_(logger::timeFormatRFC3339) {}

FileLogObserver::FileLogObserver(LogFile& file)
    : sink_(std::make_unique<Sink>([&file](std::string_view text) { file.write(text); },
                                   [&file] { file.flush(); })),
      timeFormat_(logger::timeFormatRFC3339) {}

FileLogObserver::~FileLogObserver() {
  stop();
}

std::string FileLogObserver::formatTime(double when) const {
  return logger::formatTime(when, timeFormat_);
}

void FileLogObserver::emit(const logger::LogEvent& event) {
  std::string text = logger::eventAsText(event, /*includeTraceback=*/true,
                                         /*includeTimestamp=*/false, /*includeSystem=*/true);
  if (text.empty()) return;
  write(formatTime(event.time) + " " + text + "\n");
}

void FileLogObserver::write(std::string_view text) {
  sink_->write(text, "twisted.python.log.FileLogObserver");
}

void FileLogObserver::start() {
  if (handle_) return;
  handle_ = addObserver([this](const logger::LogEvent& event) { emit(event); });
}

void FileLogObserver::stop() {
  if (!handle_) return;
  removeObserver(std::exchange(handle_, ObserverHandle{}));
}

}  // namespace twisted::python::log
