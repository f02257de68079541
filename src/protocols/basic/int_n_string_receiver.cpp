#include <cstdint>
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

namespace {
// The big-endian unsigned prefix of n (1, 2 or 4) bytes at p.
inline std::size_t readPrefix(const char* p, std::size_t n) noexcept {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  switch (n) {
    case 1:
      return u[0];
    case 2:
      return (std::size_t{u[0]} << 8) | u[1];
    default:
      return (std::size_t{u[0]} << 24) | (std::size_t{u[1]} << 16) | (std::size_t{u[2]} << 8) |
             u[3];
  }
}
}  // namespace

void IntNStringReceiver::dataReceived(std::string_view data) {
  if (!buffer_.enter(data)) return;
  detail::ReceiveBuffer::Scope scope(buffer_);
  const std::size_t n = prefixLength_;
  for (;;) {
    buffer_.absorbPending();
    if (paused) return;
    // Walk the strings of `rest` while no callback pauses or changes the
    // buffer (feeds data, clears it).
    const std::string_view rest = buffer_.unparsed();
    const char* const base = rest.data();
    const std::uint64_t generation = buffer_.generation();
    std::size_t start = 0;  // rest[start..] is unparsed
    bool changed = false;
    for (;;) {
      const std::size_t avail = rest.size() - start;
      if (avail < n) break;
      // Each prefix says where the next one is, so the CPU cannot run ahead
      // on a cold buffer by itself: ask for the bytes a few strings ahead.
      __builtin_prefetch(reinterpret_cast<const void*>(
          reinterpret_cast<std::uintptr_t>(base + start) + 2048));  // no pointer past the end
      const std::size_t length = readPrefix(base + start, n);
      if (length > MAX_LENGTH) {
        // Keep the bad prefix only: every later call fails on it again (as in
        // Twisted) without buffering what the peer keeps sending.
        buffer_.reset(rest.substr(start, n));
        lengthLimitExceeded(length);
        return;
      }
      if (avail - n < length) break;
      buffer_.consume(n + length);
      stringReceived(std::string_view(base + start + n, length));
      start += n + length;
      if (buffer_.generation() != generation || paused) {
        changed = true;
        break;
      }
    }
    if (changed) continue;
    if (buffer_.extend()) continue;  // more of this chunk to parse
    return;
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
