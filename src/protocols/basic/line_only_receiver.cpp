#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/detail/delimiter_scanner.h>
#include <twisted/protocols/basic/line_only_receiver.h>

namespace twisted::protocols::basic {

namespace {
constexpr auto npos = std::string_view::npos;
}  // namespace

void LineOnlyReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  detail::ReceiveBuffer::Scope scope(buffer_);
  if (delimiter.empty()) throw std::logic_error("LineOnlyReceiver: the delimiter is empty");
  for (;;) {
    buffer_.absorbPending();
    std::string_view rest = buffer_.unparsed();
    // One scanner for the lines of `rest` while no callback feeds data,
    // clears the buffer or assigns a new delimiter (LineReceiver's loop).
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
      bool closing = transport != nullptr && transport->disconnecting();
      if (closing || length > MAX_LENGTH) {
        // Twisted split the chunk into lines up front and drops the complete
        // lines it did not deliver; only the unterminated remainder is kept.
        while (buffer_.extend()) {
        }
        std::string_view all = buffer_.unparsed();
        buffer_.consume(all.rfind(delim) + d);
        scanned_ = 0;
        if (!closing) lineLengthExceeded(all.substr(0, length));
        return;
      }
      buffer_.consume(length + d);
      scanned_ = 0;
      lineReceived(std::string_view(rest.data() + start, length));
      start = at + d;
      if (buffer_.generation() != generation || !scan.sameDelimiter(delimiter)) {
        changed = true;
        break;
      }
    }
    if (changed) continue;
    rest.remove_prefix(start);  // == buffer_.unparsed(): no delimiter in it
    scanned_ = rest.size() >= d ? rest.size() - d + 1 : 0;
    if (buffer_.extend()) continue;  // more of this chunk to search
    break;
  }
  std::string_view rest = buffer_.unparsed();
  if (rest.size() > MAX_LENGTH) {
    buffer_.consume(rest.size());
    scanned_ = 0;
    lineLengthExceeded(rest);
  }
}

void LineOnlyReceiver::lineReceived(std::string_view) {
  throw std::logic_error(logPrefix() + ": lineReceived is not implemented");
}

void LineOnlyReceiver::lineLengthExceeded(std::string_view) {
  if (transport != nullptr) transport->loseConnection();
}

void LineOnlyReceiver::sendLine(std::string_view line) {
  std::array<std::string_view, 2> parts{line, delimiter};
  transport->writeSequence(parts);
}

}  // namespace twisted::protocols::basic
