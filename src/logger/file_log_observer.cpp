// FileLogObserver. Test: tests/logger/test_logger.cpp
#include <twisted/logger/file_log_observer.h>

#include <mutex>
#include <ostream>
#include <stdexcept>

namespace twisted::logger {

struct FileLogObserver::Sink {
  std::mutex mutex;  // one event's text is written whole
  std::ostream* out = nullptr;
  Writer write;
  std::function<void()> flush;
};

FileLogObserver::FileLogObserver(std::ostream& out, Formatter formatEvent)
    : sink_(std::make_shared<Sink>()), format_(std::move(formatEvent)) {
  if (!format_) throw std::invalid_argument("FileLogObserver needs a formatter");
  sink_->out = &out;
}

FileLogObserver::FileLogObserver(Writer write, std::function<void()> flush, Formatter formatEvent)
    : sink_(std::make_shared<Sink>()), format_(std::move(formatEvent)) {
  if (!format_ || !write)
    throw std::invalid_argument("FileLogObserver needs a writer and a formatter");
  sink_->write = std::move(write);
  sink_->flush = std::move(flush);
}

void FileLogObserver::operator()(const LogEvent& event) const {
  // Format outside the lock: it can be slow and may itself log.
  const std::string text = format_(event);
  if (text.empty()) return;
  std::lock_guard<std::mutex> lock(sink_->mutex);
  if (sink_->out != nullptr) {
    *sink_->out << text;
    sink_->out->flush();
  } else {
    sink_->write(text);
    if (sink_->flush) sink_->flush();
  }
}

FileLogObserver textFileLogObserver(std::ostream& out, std::string_view timeFormat) {
  return FileLogObserver(out, [format = std::string(timeFormat)](const LogEvent& event) {
    return formatEventAsClassicLogText(event, format);
  });
}

}  // namespace twisted::logger
