// LogSink. Test: tests/logger/test_logger.cpp, tests/python/test_log.cpp
#include "logger/log_sink.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>

namespace twisted::logger::detail {

void LogSink::write(std::string_view text, std::string_view observer) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (dropped_) return;
  std::string why;
  try {
    if (out_ != nullptr) {
      errno = 0;
      *out_ << text;
      out_->flush();
      if (!*out_) why = errno != 0 ? std::strerror(errno) : "the stream failed";
    } else {
      write_(text);
      if (flush_) flush_();
    }
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown exception";
  }
  if (why.empty()) return;
  dropped_ = true;
  std::cerr << observer << ": cannot write the log (" << why << "); dropping this observer\n"
            << std::flush;
}

}  // namespace twisted::logger::detail
