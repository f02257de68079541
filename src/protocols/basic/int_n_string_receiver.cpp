#include <stdexcept>
#include <string>

#include <twisted/protocols/basic/errors.h>
#include <twisted/protocols/basic/int_n_string_receiver.h>

namespace twisted::protocols::basic {

IntNStringReceiver::IntNStringReceiver(std::size_t prefixLength) : prefixLength_(prefixLength) {
  if (prefixLength != 1 && prefixLength != 2 && prefixLength != 4) {
    throw std::invalid_argument("IntNStringReceiver: prefixLength must be 1, 2 or 4");
  }
}

void IntNStringReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  detail::ReceiveBuffer::Scope scope(buffer_);
  const std::size_t n = prefixLength_;
  for (;;) {
    buffer_.absorbPending();
    if (paused) return;
    std::string_view rest = buffer_.unparsed();
    if (rest.size() < n) {
      if (buffer_.extend()) continue;
      return;
    }
    std::size_t length = 0;
    for (std::size_t i = 0; i < n; ++i) {
      length = (length << 8) | static_cast<unsigned char>(rest[i]);
    }
    if (length > MAX_LENGTH) {
      // Keep the bad prefix only: every later call fails on it again (as in
      // Twisted) without buffering what the peer keeps sending.
      buffer_.reset(rest.substr(0, n));
      lengthLimitExceeded(length);
      return;
    }
    if (rest.size() - n < length) {
      if (buffer_.extend()) continue;
      return;
    }
    buffer_.consume(n + length);
    stringReceived(rest.substr(n, length));
  }
}

void IntNStringReceiver::stringReceived(std::string_view) {
  throw std::logic_error(logPrefix() + ": stringReceived is not implemented");
}

void IntNStringReceiver::lengthLimitExceeded(std::size_t) {
  if (transport != nullptr) transport->loseConnection();
}

void IntNStringReceiver::sendString(std::string_view string) {
  const std::size_t n = prefixLength_;
  const std::uint64_t limit = std::uint64_t{1} << (8 * n);
  if (static_cast<std::uint64_t>(string.size()) >= limit) {
    throw StringTooLongError("Try to send " + std::to_string(string.size()) +
                             " bytes whereas maximum is " + std::to_string(limit));
  }
  std::string out(n, '\0');
  std::uint64_t size = string.size();
  for (std::size_t i = n; i-- > 0; size >>= 8)
    out[i] = static_cast<char>(size & 0xff);
  out.append(string);
  transport->write(out);
}

void IntNStringReceiver::pauseProducing() {
  paused = true;
  if (transport != nullptr) transport->pauseProducing();
}

void IntNStringReceiver::resumeProducing() {
  paused = false;
  if (transport != nullptr) transport->resumeProducing();
  dataReceived({});
}

void IntNStringReceiver::stopProducing() {
  paused = true;
  if (transport != nullptr) transport->stopProducing();
}

}  // namespace twisted::protocols::basic
