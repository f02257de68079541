// A tiny out-of-tree twistedcpp user: an echo server (Twisted's "Writing
// Servers" Echo) that tests/consumer/run.sh builds against an installed
// twistedcpp (find_package, pkg-config) and against its source tree
// (FetchContent).
//
// Usage: echo_server [PORT]   (default 0: a free port). Listens on
// 127.0.0.1, prints "listening on PORT", echoes, and stops when its first
// client hangs up (exit 0), or after 20 s without one (exit 1).
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Factory;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::python::Failure;

namespace {

int status = 1;  // until a client has come and gone

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
  void connectionLost(const Failure&) override {
    status = 0;
    reactor().stop();
  }
};

}  // namespace

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 0;
  auto listening = reactor().listenTCP(port, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  std::printf("listening on %d\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().callLater(20.0, [] { reactor().stop(); });
  reactor().run();
  return status;
}
