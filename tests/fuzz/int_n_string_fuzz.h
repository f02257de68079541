// The body of the Int8StringReceiver and Int16StringReceiver fuzz targets:
// whatever the chunking, the strings delivered and the first length-limit
// call must equal a one-pass parse of the whole stream. A string starting
// with 'P' pauses the receiver from inside stringReceived; the driver
// resumes it after the chunk, and nothing may be delivered while paused.
// After a length error only more length errors (same length) may follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic/errors.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace twisted_fuzz {

template <class Receiver>
class IntNRecorder : public Receiver {
 public:
  void stringReceived(std::string_view s) override {
    check(!this->paused);
    events.push_back("S" + std::string(s));
    if (s.starts_with("P")) this->pauseProducing();
  }
  void lengthLimitExceeded(std::size_t length) override {
    events.push_back("X" + std::to_string(length));
  }
  std::vector<std::string> events;
};

// The whole stream at once, by hand: big-endian `n`-byte prefixes.
inline std::vector<std::string> intNReference(std::string_view s, std::size_t n,
                                              std::size_t maxLength) {
  std::vector<std::string> events;
  while (s.size() >= n) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < n; ++i)
      length = (length << 8) | static_cast<unsigned char>(s[i]);
    if (length > maxLength) {
      events.push_back("X" + std::to_string(length));
      break;
    }
    if (s.size() - n < length) break;
    events.push_back("S" + std::string(s.substr(n, length)));
    s.remove_prefix(n + length);
  }
  return events;
}

// Parameters: MAX_LENGTH (`n` bytes, big-endian), the chunking seed; then
// the stream.
template <class Receiver>
int fuzzIntNStringReceiver(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  IntNRecorder<Receiver> r;
  const std::size_t n = r.prefixLength();
  std::size_t maxLength = 0;
  for (std::size_t i = 0; i < n; ++i)
    maxLength = (maxLength << 8) | in.byte();
  std::uint8_t seed = in.byte();

  twisted::testing::StringTransport transport;
  r.MAX_LENGTH = maxLength;
  r.makeConnection(&transport);
  for (std::string_view c : chunk(in.rest(), seed)) {
    r.dataReceived(c);
    while (r.paused)
      r.resumeProducing();
  }

  auto expected = intNReference(in.rest(), n, maxLength);
  // Up to and including the first length error they agree; after it there
  // are only repeats of it (one per later dataReceived, as in Twisted).
  std::vector<std::string> got;
  std::size_t i = 0;
  for (; i < r.events.size(); ++i) {
    got.push_back(r.events[i]);
    if (r.events[i][0] == 'X') break;
  }
  check(got == expected);
  for (; i < r.events.size(); ++i)
    check(r.events[i] == got.back());

  // Round trip: what sendString writes parses back to the same strings, in
  // one chunk.
  if (!expected.empty() && expected.back()[0] != 'X') {
    twisted::testing::StringTransport out;
    IntNRecorder<Receiver> sender;
    sender.makeConnection(&out);
    for (const auto& e : expected)
      sender.sendString(std::string_view(e).substr(1));
    IntNRecorder<Receiver> back;
    back.MAX_LENGTH = maxLength;
    back.makeConnection(&out);
    back.dataReceived(out.value());
    while (back.paused)
      back.resumeProducing();
    check(back.events == expected);
  }

  // The longest string the prefix can carry is sent; one more byte throws.
  static const bool limitsChecked = [] {
    twisted::testing::StringTransport out;
    IntNRecorder<Receiver> sender;
    sender.makeConnection(&out);
    const std::size_t limit = std::size_t{1} << (8 * sender.prefixLength());
    sender.sendString(std::string(limit - 1, 'x'));
    check(out.value().size() == sender.prefixLength() + limit - 1);
    bool threw = false;
    try {
      sender.sendString(std::string(limit, 'x'));
    } catch (const twisted::protocols::basic::StringTooLongError&) {
      threw = true;
    }
    check(threw);
    return true;
  }();
  check(limitsChecked);
  return 0;
}

}  // namespace twisted_fuzz
