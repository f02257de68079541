// Where a file log observer's text goes: a stream or a write/flush pair,
// written whole under a lock, and given up on after the first failure.
// Shared by twisted::logger::FileLogObserver and
// twisted::python::log::FileLogObserver. Test: tests/logger/test_logger.cpp,
// tests/python/test_log.cpp (the *Drops* tests).
#pragma once

#include <functional>
#include <mutex>
#include <ostream>
#include <string_view>

namespace twisted::logger::detail {

class LogSink {
 public:
  explicit LogSink(std::ostream& out) : out_(&out) {}
  LogSink(std::function<void(std::string_view)> write, std::function<void()> flush)
      : write_(std::move(write)), flush_(std::move(flush)) {}

  /// Writes `text` and flushes. A failed write (EPIPE from a closed pipe, a
  /// full disk, an exception from the writer) drops the sink with one line
  /// on stderr naming `observer`, rather than failing on every event.
  void write(std::string_view text, std::string_view observer);

 private:
  std::mutex mutex_;  // one event's text is written whole
  std::ostream* out_ = nullptr;
  std::function<void(std::string_view)> write_;
  std::function<void()> flush_;
  bool dropped_ = false;
};

}  // namespace twisted::logger::detail
