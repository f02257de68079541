// The client of the UDP echo server (seed 001 §4.1): sends each MESSAGE as
// one datagram when the protocol starts, prints what comes back, and stops
// once every message was echoed (or after 5 seconds: UDP may lose them).
//
// Usage: udp_echo_client HOST PORT MESSAGE...
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Address;
using twisted::internet::DatagramProtocol;
using twisted::internet::hostOf;
using twisted::internet::portOf;
using twisted::internet::reactor;

class EchoClient : public DatagramProtocol {
 public:
  EchoClient(std::string host, int port, std::vector<std::string> messages)
      : host_(std::move(host)), port_(port), messages_(std::move(messages)) {}

  void startProtocol() override {
    for (const std::string& m : messages_)
      transport->write(m, host_, port_);
  }

  void datagramReceived(std::string_view data, const Address& addr) override {
    std::cout << "received b'" << data << "' from ('" << hostOf(addr) << "', " << portOf(addr)
              << ")" << std::endl;
    if (++echoed_ == messages_.size()) reactor().stop();
  }

 private:
  std::string host_;
  int port_;
  std::vector<std::string> messages_;
  std::size_t echoed_ = 0;
};

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s HOST PORT MESSAGE...\n", argv[0]);
    return 64;
  }
  std::vector<std::string> messages(argv + 3, argv + argc);
  reactor().listenUDP(0, std::make_shared<EchoClient>(argv[1], std::stoi(argv[2]), messages));
  reactor().callLater(5, [] {
    std::cout << "timed out" << std::endl;
    reactor().stop();
  });
  reactor().run();
}
