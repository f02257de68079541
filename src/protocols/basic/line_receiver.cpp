#include <cstdint>
#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/detail/delimiter_scanner.h>
#include <twisted/protocols/basic/line_receiver.h>

namespace twisted::protocols::basic {

namespace {
constexpr auto npos = std::string_view::npos;

// Where a new search may start next time: a delimiter can straddle the end
// of what was scanned, so its last delimiter.size() - 1 bytes are rescanned.
std::size_t scannedUpTo(std::string_view rest, std::string_view delimiter) {
  return rest.size() >= delimiter.size() ? rest.size() - delimiter.size() + 1 : 0;
}
}  // namespace

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
    // Deliver the lines of `rest` with one scanner for as long as no callback
    // changes what the loop above would check: the buffer (more data fed, a
    // cleared buffer), the mode, pausing or the delimiter. A copy of the
    // delimiter, as a callback may assign a new one.
    const std::string delim = delimiter;
    const std::size_t d = delim.size();
    detail::DelimiterScanner scan(rest, delim);
    const std::uint64_t generation = buffer_.generation();
    std::size_t start = 0;  // rest[start..] is unparsed
    bool changed = false;
    for (;;) {
      std::size_t at = scan.find(start + scanned_);
      if (at == npos) break;
      std::size_t length = at - start;
      if (length > MAX_LENGTH) {
        // Twisted passes the line, the delimiter and everything after it.
        while (buffer_.extend()) {
        }
        rest = buffer_.unparsed();
        buffer_.consume(rest.size());
        scanned_ = 0;
        lineLengthExceeded(rest);
        return;
      }
      // Consume before the call: lineReceived may clear the buffer, switch
      // to raw mode (which then gets the rest of this chunk) or feed more data.
      buffer_.consume(length + d);
      scanned_ = 0;
      lineReceived(std::string_view(rest.data() + start, length));
      if (transport != nullptr && transport->disconnecting()) return;
      start = at + d;
      if (buffer_.generation() != generation || paused || !lineMode_ ||
          !scan.sameDelimiter(delimiter)) {
        changed = true;
        break;
      }
    }
    if (changed) continue;
    rest.remove_prefix(start);  // == buffer_.unparsed(): no delimiter in it
    scanned_ = scannedUpTo(rest, delim);
    if (buffer_.extend()) continue;  // more of this chunk to search
    if (rest.size() >= MAX_LENGTH + d) {
      buffer_.consume(rest.size());
      scanned_ = 0;
      lineLengthExceeded(rest);
    }
    return;
  }
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
