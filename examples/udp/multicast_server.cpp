// Seed 001 §4.1.2: MulticastPingPong. Joins the group 228.0.0.5 when it
// starts and answers each "Client: Ping" by unicast to its sender.
//
// Usage: multicast_server [PORT]   (default 9999; 0 picks a free port).
// Prints the port it listens on.
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Address;
using twisted::internet::DatagramProtocol;
using twisted::internet::hostOf;
using twisted::internet::portOf;
using twisted::internet::reactor;
using twisted::python::Failure;

class MulticastPingPong : public DatagramProtocol {
 public:
  void startProtocol() override {
    // Called after protocol has started listening.
    // Set the TTL>1 so multicast will cross router hops:
    transport->multicast()->setTTL(5);
    // Join a specific multicast group:
    transport->multicast()->joinGroup("228.0.0.5").addErrback([](Failure f) {
      std::cout << "could not join the group: " << f.getErrorMessage() << std::endl;
      reactor().stop();
    });
  }

  void datagramReceived(std::string_view datagram, const Address& address) override {
    std::cout << "Datagram b'" << datagram << "' received from ('" << hostOf(address) << "', "
              << portOf(address) << ")" << std::endl;
    if (datagram == "Client: Ping") {
      // Rather than replying to the group multicast address, we send the
      // reply directly (unicast) to the originating port:
      transport->write("Server: Pong", address);
    }
  }
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 9999;
  // We use listenMultiple=true so that we can run multicast_server and
  // multicast_client on the same machine:
  std::shared_ptr<twisted::internet::IMulticastPort> listening;
  try {
    listening = reactor().listenMulticast(port, std::make_shared<MulticastPingPong>(), "", 8192,
                                          /*listenMultiple=*/true);
  } catch (const std::exception& e) {  // CannotListenError
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::printf("Multicast server listening on port %d.\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().run();
}
