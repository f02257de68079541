#include <array>
#include <stdexcept>

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
    std::size_t at = detail::findDelimiter(rest, delimiter, scanned_);
    if (at == npos) {
      scanned_ = rest.size() >= delimiter.size() ? rest.size() - delimiter.size() + 1 : 0;
      if (buffer_.extend()) continue;  // more of this chunk to search
      break;
    }
    bool closing = transport != nullptr && transport->disconnecting();
    if (closing || at > MAX_LENGTH) {
      // Twisted split the chunk into lines up front and drops the complete
      // lines it did not deliver; only the unterminated remainder is kept.
      while (buffer_.extend()) {
      }
      rest = buffer_.unparsed();
      buffer_.consume(rest.rfind(delimiter) + delimiter.size());
      scanned_ = 0;
      if (!closing) lineLengthExceeded(rest.substr(0, at));
      return;
    }
    buffer_.consume(at + delimiter.size());
    scanned_ = 0;
    lineReceived(rest.substr(0, at));
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
