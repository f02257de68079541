// Seed 001 §4.1.2: MulticastPingClient. Joins 228.0.0.5 (to receive
// replies) and sends "Client: Ping" to the group: every listener on the
// group's port receives it, including this client when it listens on that
// port too.
//
// Usage: multicast_client [PORT] [LOCAL_PORT]   (default 9999, and LOCAL_PORT
// = PORT as in the seed; 0 listens on a free port of its own, so the unicast
// "Server: Pong" can only reach this client). Additions to the seed, so the
// example ends on its own: the reactor stops on "Server: Pong" or after 5 s.
#include <cstdio>
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

class MulticastPingClient : public DatagramProtocol {
 public:
  explicit MulticastPingClient(int port) : port_(port) {}

  void startProtocol() override {
    // Join the multicast address, so we can receive replies:
    transport->multicast()->joinGroup("228.0.0.5");
    // Send to 228.0.0.5:PORT - all listeners on the multicast address
    // (including us) will receive this message.
    transport->write("Client: Ping", "228.0.0.5", port_);
  }

  void datagramReceived(std::string_view datagram, const Address& address) override {
    std::cout << "Datagram b'" << datagram << "' received from ('" << hostOf(address) << "', "
              << portOf(address) << ")" << std::endl;
    if (datagram == "Server: Pong") reactor().stop();
  }

 private:
  int port_;
};

int main(int argc, char** argv) {
  int port = argc > 1 ? std::stoi(argv[1]) : 9999;
  int localPort = argc > 2 ? std::stoi(argv[2]) : port;
  reactor().listenMulticast(localPort, std::make_shared<MulticastPingClient>(port), "", 8192,
                            /*listenMultiple=*/true);
  reactor().callLater(5, [] {
    std::cout << "no pong" << std::endl;
    reactor().stop();
  });
  reactor().run();
}
