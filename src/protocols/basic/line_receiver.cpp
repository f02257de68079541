#include <cstdint>
#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/detail/line_scan.h>
#include <twisted/protocols/basic/line_receiver.h>

namespace twisted::protocols::basic {

void LineReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;  // re-entrant: queued, the outer loop parses it
  detail::ReceiveBuffer::Scope scope(buffer_);
  if (delimiter.empty()) throw std::logic_error("LineReceiver: the delimiter is empty");
  for (;;) {
    buffer_.absorbPending();
    if (paused || buffer_.empty()) return;
    std::string_view rest = buffer_.unparsed();
    if (!lineMode_) {
      // Raw mode: the whole buffer is handed over and cleared before the call.
      while (buffer_.extend()) {
      }
      rest = buffer_.unparsed();
      buffer_.consume(rest.size());
      scanned_ = 0;
      rawDataReceived(rest);
      continue;
    }
    // The lines of `rest`, for as long as no callback changes what the loop
    // above checks: the buffer (more data fed, a cleared buffer), the mode,
    // pausing or the delimiter.
    const std::size_t d = delimiter.size();
    detail::LineStep step = detail::scanLines(
        buffer_, scanned_, delimiter,
        [this](std::size_t length) {
          if (length <= MAX_LENGTH) return false;
          refuseLongLine();
          return true;
        },
        // Consumed before the call: lineReceived may clear the buffer, switch
        // to raw mode (which then gets the rest of this chunk) or feed more.
        [this](std::string_view line) { lineReceived(line); },
        [this] {
          if (transport != nullptr && transport->disconnecting()) return detail::LineStep::kStop;
          return paused || !lineMode_ ? detail::LineStep::kRescan : detail::LineStep::kNext;
        });
    if (step == detail::LineStep::kStop) return;
    if (step == detail::LineStep::kRescan) continue;
    rest = buffer_.unparsed();       // no delimiter in it
    if (buffer_.extend()) continue;  // more of this chunk to search
    if (rest.size() >= MAX_LENGTH + d) {
      buffer_.consume(rest.size());
      scanned_ = 0;
      lineLengthExceeded(rest);
    }
    return;
  }
}

[[gnu::cold]] void LineReceiver::refuseLongLine() {
  // Twisted passes the line, the delimiter and everything after it.
  while (buffer_.extend()) {
  }
  std::string_view all = buffer_.unparsed();
  buffer_.consume(all.size());
  scanned_ = 0;
  lineLengthExceeded(all);
}

void LineReceiver::lineReceived(std::string_view) {
  throw std::logic_error(logPrefix() + ": lineReceived is not implemented");
}

void LineReceiver::rawDataReceived(std::string_view) {
  throw std::logic_error(logPrefix() + ": rawDataReceived is not implemented");
}

void LineReceiver::lineLengthExceeded(std::string_view) {
  if (transport != nullptr) transport->loseConnection();
}

void LineReceiver::sendLine(std::string_view line) {
  std::string out;
  out.reserve(line.size() + delimiter.size());
  out.append(line).append(delimiter);
  transport->write(out);
}

void LineReceiver::setLineMode(std::string_view extra) {
  lineMode_ = true;
  if (!extra.empty()) dataReceived(extra);
}

std::string LineReceiver::clearLineBuffer() {
  scanned_ = 0;
  return buffer_.take();
}

void LineReceiver::pauseProducing() {
  paused = true;
  if (transport != nullptr) transport->pauseProducing();
}

void LineReceiver::resumeProducing() {
  paused = false;
  if (transport != nullptr) transport->resumeProducing();
  dataReceived({});
}

void LineReceiver::stopProducing() {
  paused = true;
  if (transport != nullptr) transport->stopProducing();
}

}  // namespace twisted::protocols::basic
