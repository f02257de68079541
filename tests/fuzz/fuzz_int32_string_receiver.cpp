// libFuzzer target: Int32StringReceiver. Whatever the chunking, the strings
// delivered and the length-limit calls must equal a one-pass parse of the
// whole stream; callbacks pause/resume and feed data back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic/int_n_string_receiver.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace {

class Recorder : public twisted::protocols::basic::Int32StringReceiver {
 public:
  void stringReceived(std::string_view s) override {
    events.push_back("S" + std::string(s));
    // A string starting with 'P' pauses and resumes from inside the callback.
    if (s.starts_with("P")) {
      pauseProducing();
      resumeProducing();
    }
  }
  void lengthLimitExceeded(std::size_t length) override {
    events.push_back("X" + std::to_string(length));
  }
  std::vector<std::string> events;
};

// The whole stream at once, by hand.
std::vector<std::string> reference(std::string_view s, std::size_t maxLength) {
  std::vector<std::string> events;
  while (s.size() >= 4) {
    std::size_t length = 0;
    for (int i = 0; i < 4; ++i)
      length = (length << 8) | static_cast<unsigned char>(s[i]);
    if (length > maxLength) {
      events.push_back("X" + std::to_string(length));
      break;
    }
    if (s.size() - 4 < length) break;
    events.push_back("S" + std::string(s.substr(4, length)));
    s.remove_prefix(4 + length);
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  std::size_t maxLength = in.byte();
  std::uint8_t seed = in.byte();

  twisted::testing::StringTransport transport;
  Recorder r;
  r.MAX_LENGTH = maxLength;
  r.makeConnection(&transport);
  for (std::string_view c : twisted_fuzz::chunk(in.rest(), seed))
    r.dataReceived(c);

  auto expected = reference(in.rest(), maxLength);
  // After a length error Twisted calls lengthLimitExceeded again on every
  // later dataReceived: compare up to and including the first one.
  std::vector<std::string> got;
  for (const auto& e : r.events) {
    got.push_back(e);
    if (e[0] == 'X') break;
  }
  twisted_fuzz::check(got == expected);

  // Round trip: what sendString writes parses back to the same strings.
  if (!expected.empty() && expected.back()[0] != 'X') {
    twisted::testing::StringTransport out;
    Recorder sender;
    sender.makeConnection(&out);
    for (const auto& e : expected)
      sender.sendString(std::string_view(e).substr(1));
    Recorder back;
    back.MAX_LENGTH = maxLength;
    back.dataReceived(out.value());
    twisted_fuzz::check(back.events == expected);
  }
  return 0;
}
