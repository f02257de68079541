// The echo server of Twisted's "Writing Servers" guide, the server side of
// the seed's echo client (seed 001 §4.2.1): every byte received is written
// back.
//
// Usage: echo_server [PORT]   (default 8000; 0 picks a free port). Prints
// the port it listens on.
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

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 8000;
  auto listening = reactor().listenTCP(port, Factory::forProtocol<Echo>());
  std::printf("Echo server listening on port %d.\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().run();
}
