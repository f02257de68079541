// FileLogObserver. Test: tests/logger/test_logger.cpp
#include <twisted/logger/file_log_observer.h>

#include <ostream>
#include <stdexcept>

#include "logger/log_sink.h"

namespace twisted::logger {

struct FileLogObserver::Sink : detail::LogSink {
  using LogSink::LogSink;
};

FileLogObserver::FileLogObserver(std::ostream& out, Formatter formatEvent)
    : sink_(std::make_shared<Sink>(out)), format_(std::move(formatEvent)) {
  if (!format_) throw std::invalid_argument("FileLogObserver needs a formatter");
}

FileLogObserver::FileLogObserver(Writer write, std::function<void()> flush, Formatter formatEvent)
    : format_(std::move(formatEvent)) {
  if (!format_ || !write)
    throw std::invalid_argument("FileLogObserver needs a writer and a formatter");
  sink_ = std::make_shared<Sink>(std::move(write), std::move(flush));
}

void FileLogObserver::operator()(const LogEvent& event) const {
  // Format outside the lock: it can be slow and may itself log.
  const std::string text = format_(event);
  if (text.empty()) return;
  sink_->write(text, "twisted.logger.FileLogObserver");
}

FileLogObserver textFileLogObserver(std::ostream& out, std::string_view timeFormat) {
  return FileLogObserver(out, [format = std::string(timeFormat)](const LogEvent& event) {
    return formatEventAsClassicLogText(event, format);
  });
}

}  // namespace twisted::logger
