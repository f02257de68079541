// FileLogObserver. Test: tests/logger/test_logger.cpp
#include <twisted/logger/file_log_observer.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <ostream>
#include <stdexcept>

namespace twisted::logger {

struct FileLogObserver::Sink {
  std::mutex mutex;  // one event's text is written whole
  std::ostream* out = nullptr;
  Writer write;
  std::function<void()> flush;
  // Set once a write failed: the observer then drops every event, so a
  // closed pipe or a full disk costs one message, not the process.
  bool dropped = false;
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
  if (sink_->dropped) return;
  std::string why;
  try {
    if (sink_->out != nullptr) {
      errno = 0;
      *sink_->out << text;
      sink_->out->flush();
      if (!*sink_->out) why = errno != 0 ? std::strerror(errno) : "the stream failed";
    } else {
      sink_->write(text);
      if (sink_->flush) sink_->flush();
    }
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown exception";
  }
  if (why.empty()) return;
  sink_->dropped = true;
  std::cerr << "twisted.logger.FileLogObserver: cannot write the log (" << why
            << "); dropping this observer\n"
            << std::flush;
}

FileLogObserver textFileLogObserver(std::ostream& out, std::string_view timeFormat) {
  return FileLogObserver(out, [format = std::string(timeFormat)](const LogEvent& event) {
    return formatEventAsClassicLogText(event, format);
  });
}

}  // namespace twisted::logger
