// Twisted's stdin.py example: a LineReceiver on standard input and output
// (StandardIO), echoing each line back. The ">>> " prompt is shown when
// stdin is a terminal; the program exits when stdin ends.
//
// Usage: stdio_echo   (e.g. `printf 'a\nb\n' | stdio_echo`)
#include <unistd.h>

#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/reactor.h>
#include <twisted/internet/stdio.h>
#include <twisted/protocols/basic/line_receiver.h>

using twisted::internet::reactor;
using twisted::internet::stdio::StandardIO;
using twisted::python::Failure;

class Echo : public twisted::protocols::basic::LineReceiver {
 public:
  Echo() { delimiter = "\n"; }
  void connectionMade() override { prompt(); }
  void lineReceived(std::string_view line) override {
    sendLine("Echo: " + std::string(line));
    prompt();
  }
  void connectionLost(const Failure&) override { reactor().stop(); }

 private:
  void prompt() {
    if (interactive_) transport->write(">>> ");
  }
  bool interactive_ = ::isatty(0) == 1;
};

int main() {
  StandardIO stdio(std::make_unique<Echo>());
  reactor().run();
}
