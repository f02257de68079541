// libFuzzer target: NetstringReceiver. Any chunking must deliver the same
// strings and reach the same verdict (broken or not) as one chunk;
// a broken peer is always disconnected and nothing is delivered after it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic/netstring_receiver.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace {

class Recorder : public twisted::protocols::basic::NetstringReceiver {
 public:
  // (No feeding back from here: data fed from a callback goes behind what is
  // buffered, which depends on the chunking by design.)
  void stringReceived(std::string_view s) override { received.emplace_back(s); }
  std::vector<std::string> received;
};

struct Run {
  twisted::testing::StringTransport transport;
  Recorder proto;
};

void feed(Run& run, std::string_view stream, std::uint8_t seed, std::size_t maxLength) {
  run.proto.MAX_LENGTH = maxLength;
  run.proto.makeConnection(&run.transport);
  for (std::string_view c : twisted_fuzz::chunk(stream, seed))
    run.proto.dataReceived(c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  std::size_t maxLength = in.byte() * 4u;
  std::uint8_t seed = in.byte();

  Run whole, chunked;
  feed(whole, in.rest(), 0, maxLength);
  feed(chunked, in.rest(), seed, maxLength);
  twisted_fuzz::check(whole.proto.received == chunked.proto.received);
  twisted_fuzz::check(whole.proto.brokenPeer == chunked.proto.brokenPeer);
  twisted_fuzz::check(whole.proto.brokenPeer == whole.transport.disconnecting());
  // The reason may differ with the chunking, as in Twisted: "1234567" then
  // "a" is too long, "1234567a" at once lacks its colon.
  twisted_fuzz::check(whole.proto.parseError.has_value() == whole.proto.brokenPeer);
  for (const auto& s : whole.proto.received)
    twisted_fuzz::check(s.size() <= maxLength);

  // Round trip through sendString.
  twisted::testing::StringTransport out;
  Recorder sender;
  sender.makeConnection(&out);
  for (const auto& s : whole.proto.received)
    sender.sendString(s);
  Run back;
  feed(back, out.value(), seed, maxLength);
  twisted_fuzz::check(!back.proto.brokenPeer);
  twisted_fuzz::check(back.proto.received == whole.proto.received);
  return 0;
}
