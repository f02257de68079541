#include <array>
#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/detail/line_scan.h>
#include <twisted/protocols/basic/line_only_receiver.h>

namespace twisted::protocols::basic {

void LineOnlyReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  detail::ReceiveBuffer::Scope scope(buffer_);
  if (delimiter.empty()) throw std::logic_error("LineOnlyReceiver: the delimiter is empty");
  for (;;) {
    buffer_.absorbPending();
    // The lines of what has arrived, for as long as no callback feeds data,
    // clears the buffer or assigns a new delimiter (LineReceiver's loop).
    detail::LineStep step = detail::scanLines(
        buffer_, scanned_, delimiter,
        [this](std::size_t length) {
          bool closing = transport != nullptr && transport->disconnecting();
          if (!closing && length <= MAX_LENGTH) return false;
          refuseLines(length, closing);
          return true;
        },
        [this](std::string_view line) { lineReceived(line); },
        [] { return detail::LineStep::kNext; });
    if (step == detail::LineStep::kStop) return;
    if (step == detail::LineStep::kRescan) continue;
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

[[gnu::cold]] void LineOnlyReceiver::refuseLines(std::size_t length, bool closing) {
  // Twisted split the chunk into lines up front and drops the complete lines
  // it did not deliver; only the unterminated remainder is kept.
  while (buffer_.extend()) {
  }
  std::string_view all = buffer_.unparsed();
  // The remainder starts after the last delimiter of a left-to-right,
  // non-overlapping split (not at rfind(): with a self-overlapping delimiter
  // such as "aa", "aaa" is one delimiter and an 'a').
  const std::size_t d = delimiter.size();
  std::size_t end = length + d;
  for (std::size_t next; (next = all.find(delimiter, end)) != std::string_view::npos;)
    end = next + d;
  buffer_.consume(end);
  scanned_ = 0;
  if (!closing) lineLengthExceeded(all.substr(0, length));
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
