// twisted.python.log. Test: tests/python/test_log.cpp
#include <twisted/python/log.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <ostream>

#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/format.h>
#include <twisted/logger/log_beginner.h>
#include <twisted/python/logfile.h>

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

struct FileLogObserver::Sink {
  std::mutex mutex;  // one event's line is written whole
  std::ostream* out = nullptr;
  LogFile* file = nullptr;
  bool dropped = false;  // a write failed: drop every later event (see write())
};

FileLogObserver::FileLogObserver(std::ostream& out)
    : sink_(std::make_unique<Sink>()), timeFormat_(logger::timeFormatRFC3339) {
  sink_->out = &out;
}

FileLogObserver::FileLogObserver(LogFile& file)
    : sink_(std::make_unique<Sink>()), timeFormat_(logger::timeFormatRFC3339) {
  sink_->file = &file;
}

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
  std::lock_guard<std::mutex> lock(sink_->mutex);
  if (sink_->dropped) return;
  // A failed write (EPIPE from a closed pipe, a full disk) drops the
  // observer with one line on stderr rather than failing on every event.
  std::string why;
  try {
    if (sink_->out != nullptr) {
      errno = 0;
      *sink_->out << text;
      sink_->out->flush();
      if (!*sink_->out) why = errno != 0 ? std::strerror(errno) : "the stream failed";
    } else {
      sink_->file->write(text);
      sink_->file->flush();
    }
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (why.empty()) return;
  sink_->dropped = true;
  std::cerr << "twisted.python.log.FileLogObserver: cannot write the log (" << why
            << "); dropping this observer\n"
            << std::flush;
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
