// libFuzzer target: LineOnlyReceiver against a model of Twisted's algorithm
// (split the buffer plus the chunk on the delimiter, keep the last piece),
// with this port's documented difference: an unterminated remainder over
// MAX_LENGTH is dropped after lineLengthExceeded(). A line starting with 'Q'
// loses the connection, so the rest of its chunk is discarded. Whatever the
// chunking, every callback must see the same bytes in the same order, and
// the bytes still buffered at the end must be the model's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic/line_only_receiver.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace {

using Events = std::vector<std::string>;

class Ours : public twisted::protocols::basic::LineOnlyReceiver {
 public:
  void lineReceived(std::string_view line) override {
    events.push_back("L" + std::string(line));
    if (line.starts_with("Q")) transport->loseConnection();
  }
  // Keeps the connection (the default loses it): later data still counts.
  void lineLengthExceeded(std::string_view line) override {
    events.push_back("X" + std::string(line));
  }
  Events events;
};

// Twisted's LineOnlyReceiver.dataReceived, naively.
class Model {
 public:
  void dataReceived(std::string_view data) {
    std::string all = buffer_ + std::string(data);
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (;;) {
      auto at = all.find(delimiter, start);
      if (at == std::string::npos) break;
      lines.push_back(all.substr(start, at - start));
      start = at + delimiter.size();
    }
    buffer_ = all.substr(start);
    for (const std::string& line : lines) {
      if (disconnecting) return;
      if (line.size() > MAX_LENGTH) {
        events.push_back("X" + line);
        return;
      }
      events.push_back("L" + line);
      if (line.starts_with("Q")) disconnecting = true;
    }
    if (buffer_.size() > MAX_LENGTH) {
      events.push_back("X" + buffer_);
      buffer_.clear();  // the port drops it; Twisted keeps it
    }
  }

  std::string delimiter;
  std::size_t MAX_LENGTH = 0;
  bool disconnecting = false;
  Events events;
  std::string buffer_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  // "aa" overlaps itself: "aaa" is one delimiter and an 'a'.
  static const char* const delimiters[] = {"\r\n", "\n", "ab", "<END>", "aa"};
  std::string delimiter = delimiters[in.byte() % 5];
  std::size_t maxLength = in.byte() % 40;
  std::uint8_t seed = in.byte();

  twisted::testing::StringTransport transport;
  Ours ours;
  ours.delimiter = delimiter;
  ours.MAX_LENGTH = maxLength;
  ours.makeConnection(&transport);
  Model model;
  model.delimiter = delimiter;
  model.MAX_LENGTH = maxLength;

  for (std::string_view c : twisted_fuzz::chunk(in.rest(), seed)) {
    ours.dataReceived(c);
    model.dataReceived(c);
    twisted_fuzz::check(ours.events == model.events);
    twisted_fuzz::check(transport.disconnecting() == model.disconnecting);
    // Bounded memory: at most MAX_LENGTH bytes are kept, except after a call
    // that stopped early (a too-long line, a lost connection): then, as in
    // Twisted, the unterminated tail of that chunk is kept unchecked until
    // the next call reports it.
    twisted_fuzz::check(model.buffer_.size() <= std::max(maxLength, c.size()));
  }
  // What is still buffered comes out as a line once a delimiter arrives (as
  // a too-long one if it is the unchecked tail of an early return).
  if (!model.disconnecting) {
    std::string expected = model.buffer_;
    ours.dataReceived(delimiter);
    model.dataReceived(delimiter);
    twisted_fuzz::check(ours.events == model.events);
    // (With "aa" a buffered trailing 'a' joins the delimiter instead.)
    if (delimiter != "aa")
      twisted_fuzz::check(!ours.events.empty() &&
                          ours.events.back() ==
                              (expected.size() > maxLength ? "X" : "L") + expected);
  }
  // sendLine writes the line and the delimiter.
  twisted::testing::StringTransport out;
  Ours sender;
  sender.delimiter = delimiter;
  sender.makeConnection(&out);
  sender.sendLine("line");
  twisted_fuzz::check(out.value() == "line" + delimiter);
  return 0;
}
