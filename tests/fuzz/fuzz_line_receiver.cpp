// libFuzzer target: LineReceiver against a straightforward reference model of
// Twisted's algorithm (copying the buffer per line), with callbacks that
// switch modes, clear the buffer, feed data back and close the connection.
// Any difference in what the callbacks see aborts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic/line_receiver.h>
#include <twisted/testing/string_transport.h>

#include "fuzz_input.h"

namespace {

using Events = std::vector<std::string>;

// What both implementations do on each callback, driven by the data itself:
// a line starting with 'R' switches to raw mode, 'C' clears the buffer, 'F'
// feeds "fed\n" back in, 'Q' loses the connection; raw data containing '!'
// switches back to line mode with what follows the '!'.
template <class Self>
void onLine(Self& self, Events& events, std::string_view line) {
  events.push_back("L" + std::string(line));
  if (line.starts_with("R")) self.setRawMode();
  if (line.starts_with("C")) events.push_back("C" + self.clearLineBuffer());
  if (line.starts_with("F")) self.dataReceived("fed\n");
  if (line.starts_with("Q")) self.transport->loseConnection();
}

template <class Self>
void onRaw(Self& self, Events& events, std::string_view data) {
  auto bang = data.find('!');
  events.push_back("R" + std::string(data.substr(0, bang)));
  if (bang != std::string_view::npos) self.setLineMode(data.substr(bang + 1));
}

class Ours : public twisted::protocols::basic::LineReceiver {
 public:
  void lineReceived(std::string_view line) override { onLine(*this, events, line); }
  void rawDataReceived(std::string_view data) override { onRaw(*this, events, data); }
  void lineLengthExceeded(std::string_view line) override {
    events.push_back("X" + std::string(line));
  }
  Events events;
};

// The reference: Twisted's LineReceiver.dataReceived, naively.
class Model {
 public:
  void dataReceived(std::string_view data) {
    buffer_ += data;
    if (busy_) return;
    busy_ = true;
    while (!buffer_.empty()) {
      if (lineMode_) {
        auto at = buffer_.find(delimiter);
        if (at == std::string::npos) {
          if (buffer_.size() >= MAX_LENGTH + delimiter.size()) {
            std::string line = std::move(buffer_);
            buffer_.clear();
            events.push_back("X" + line);
          }
          break;
        }
        if (at > MAX_LENGTH) {
          std::string line = std::move(buffer_);
          buffer_.clear();
          events.push_back("X" + line);
          break;
        }
        std::string line = buffer_.substr(0, at);
        buffer_ = buffer_.substr(at + delimiter.size());
        onLine(*this, events, line);
        if (transport->disconnecting()) break;
      } else {
        std::string data2 = std::move(buffer_);
        buffer_.clear();
        onRaw(*this, events, data2);
      }
    }
    busy_ = false;
  }
  void setRawMode() { lineMode_ = false; }
  void setLineMode(std::string_view extra) {
    lineMode_ = true;
    if (!extra.empty()) dataReceived(extra);
  }
  std::string clearLineBuffer() {
    std::string b = std::move(buffer_);
    buffer_.clear();
    return b;
  }

  std::string delimiter;
  std::size_t MAX_LENGTH = 0;
  twisted::internet::ITransport* transport = nullptr;
  Events events;

 private:
  std::string buffer_;
  bool busy_ = false;
  bool lineMode_ = true;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  twisted_fuzz::FuzzInput in(data, size);
  static const char* const delimiters[] = {"\n", "\r\n", "ab", "<END>"};
  std::string delimiter = delimiters[in.byte() % 4];
  std::size_t maxLength = in.byte() % 40;
  std::uint8_t seed = in.byte();

  twisted::testing::StringTransport ourTransport, modelTransport;
  Ours ours;
  ours.delimiter = delimiter;
  ours.MAX_LENGTH = maxLength;
  ours.makeConnection(&ourTransport);
  Model model;
  model.delimiter = delimiter;
  model.MAX_LENGTH = maxLength;
  model.transport = &modelTransport;

  for (std::string_view c : twisted_fuzz::chunk(in.rest(), seed)) {
    ours.dataReceived(c);
    model.dataReceived(c);
    twisted_fuzz::check(ours.events == model.events);
  }
  twisted_fuzz::check(ours.clearLineBuffer() == model.clearLineBuffer());
  return 0;
}
