#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/netstring_receiver.h>

namespace twisted::protocols::basic {

namespace {
// Twisted's messages (NetstringReceiver._MISSING_LENGTH etc.).
constexpr const char* kMissingLength =
    "The received netstring does not start with a length specification.";
constexpr const char* kMissingComma = "The received netstring is not terminated by a comma.";

std::string tooLong(std::size_t maxLength) {
  return "The received netstring is longer than the maximum " + std::to_string(maxLength) +
         " specified by self.MAX_LENGTH";
}

// ceil(log10(maxLength)) + 1, Twisted's _maxLengthSize, in integers.
std::size_t maxLengthDigits(std::size_t maxLength) {
  std::size_t digits = 0;
  for (unsigned long long power = 1; power < maxLength && digits < 20; power *= 10)
    ++digits;
  return digits + 1;
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

void NetstringReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  detail::ReceiveBuffer::Scope scope(buffer_);
  if (brokenPeer) {
    // Twisted stays stuck on the bad bytes and loses the connection again on
    // every call; do the same without keeping them.
    buffer_.clear();
    if (transport != nullptr) transport->loseConnection();
    return;
  }
  for (;;) {
    buffer_.absorbPending();
    std::string_view rest = buffer_.unparsed();
    if (rest.empty()) return;
    if (!parsingPayload_) {
      // (0|[1-9][0-9]*) then ':'.
      std::size_t digits = 0;
      if (rest[0] == '0') {
        digits = 1;
      } else if (isDigit(rest[0])) {
        while (digits < rest.size() && isDigit(rest[digits]))
          ++digits;
      } else {
        return handleParseError(kMissingLength);
      }
      if (digits < rest.size() && rest[digits] != ':') return handleParseError(kMissingLength);
      // Refuse absurd lengths before converting them (Twisted's _checkStringSize).
      if (digits > maxLengthDigits(MAX_LENGTH))
        return handleParseError(tooLong(MAX_LENGTH).c_str());
      // At most 21 digits here: accumulate with saturation.
      std::size_t length = 0;
      bool overflow = false;
      for (std::size_t i = 0; i < digits; ++i) {
        std::size_t d = static_cast<std::size_t>(rest[i] - '0');
        if (length > (SIZE_MAX - d) / 10) overflow = true;
        length = length * 10 + d;
      }
      if (overflow || length > MAX_LENGTH) return handleParseError(tooLong(MAX_LENGTH).c_str());
      if (digits == rest.size()) {  // a valid partial length: wait for more
        if (buffer_.extend()) continue;
        return;
      }
      buffer_.consume(digits + 1);
      expected_ = length + 1;
      parsingPayload_ = true;
      continue;
    }
    if (rest.size() < expected_) {
      if (buffer_.extend()) continue;
      return;
    }
    if (rest[expected_ - 1] != ',') return handleParseError(kMissingComma);
    std::string_view payload = rest.substr(0, expected_ - 1);
    buffer_.consume(expected_);
    parsingPayload_ = false;
    stringReceived(payload);
  }
}

void NetstringReceiver::handleParseError(const char* message) {
  parseError.emplace(message);
  buffer_.clear();
  if (transport != nullptr) transport->loseConnection();
  brokenPeer = true;
}

void NetstringReceiver::stringReceived(std::string_view) {
  throw std::logic_error(logPrefix() + ": stringReceived is not implemented");
}

void NetstringReceiver::sendString(std::string_view string) {
  std::string out = std::to_string(string.size());
  out.reserve(out.size() + string.size() + 2);
  out.append(":").append(string).append(",");
  transport->write(out);
}

}  // namespace twisted::protocols::basic
