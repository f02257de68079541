// Seed 001 §3.1.3: the QOTD protocol, which uses its transport directly:
// on connection it writes the quote of the day and closes.
//
// Usage: qotd_server [PORT]   (default 8007; 0 picks a free port). Prints
// the port it listens on; try `nc localhost 8007`.
#include <cstdio>
#include <memory>
#include <string>

#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Factory;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::internet::reactor;

class QOTD : public Protocol {
 public:
  void connectionMade() override {
    // Send the data...
    transport->write("An apple a day keeps the doctor away\r\n");
    // ...and close once it is out.
    transport->loseConnection();
  }
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 8007;
  auto listening = reactor().listenTCP(port, Factory::forProtocol<QOTD>());
  std::printf("QOTD server listening on port %d.\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().run();
}
