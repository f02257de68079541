// Seed 003 §4 (connectors): ClientCreator connects once without a factory
// of your own and returns a Deferred that fires with the connected protocol
// (the Greeter example of Twisted's "Writing Clients" guide).
//
// Usage: client_creator [HOST] [PORT] [DELAY]   (default 127.0.0.1 8000 1.0;
// run echo_server first). Sends "Hello" at once and another message DELAY
// seconds later, closes after 2 x DELAY, and stops when the connection is lost.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/client_creator.h>
#include <twisted/internet/reactor.h>

using twisted::internet::ClientCreator;
using twisted::internet::DelayedCall;
using twisted::internet::Protocol;
using twisted::internet::reactor;
using twisted::python::Failure;

class Greeter : public Protocol {
 public:
  void sendMessage(std::string_view msg) { transport->write("MESSAGE " + std::string(msg) + "\n"); }
  void dataReceived(std::string_view data) override { std::cout << "Received: " << data; }
  void connectionLost(const Failure& reason) override {
    // The calls scheduled on this protocol must not outlive it.
    for (DelayedCall& call : pending)
      if (call.active()) call.cancel();
    std::cout << "Connection lost: " << reason.getErrorMessage() << std::endl;
    reactor().stop();
  }

  std::vector<DelayedCall> pending;
};

int main(int argc, char** argv) {
  std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  int port = argc > 2 ? std::stoi(argv[2]) : 8000;
  double delay = argc > 3 ? std::stod(argv[3]) : 1.0;

  auto gotProtocol = [delay](Greeter* p) {
    p->sendMessage("Hello");
    p->pending.push_back(
        reactor().callLater(delay, [p] { p->sendMessage("This is sent in a second"); }));
    p->pending.push_back(reactor().callLater(2 * delay, [p] { p->transport->loseConnection(); }));
  };
  auto failed = [](const Failure& reason) {
    std::cout << "Connection failed: " << reason.getErrorMessage() << std::endl;
    reactor().stop();
  };

  ClientCreator<Greeter> c(reactor());
  c.connectTCP(host, port).addCallbacks(gotProtocol, failed);
  reactor().run();
}
