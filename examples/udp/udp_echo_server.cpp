// Seed 001 §4.1: the UDP echo server. Every datagram is sent back to where
// it came from.
//
// Usage: udp_echo_server [PORT] [--print]   (default 9999; 0 picks a free
// port). Prints the port it listens on. With --print it also prints each
// datagram as the seed does ("received b'...' from ('HOST', PORT)"); without
// it the server is quiet, as the benchmark (bench/udp) runs it.
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

class Echo : public DatagramProtocol {
 public:
  explicit Echo(bool print) : print_(print) {}

  void datagramReceived(std::string_view data, const Address& addr) override {
    if (print_) {
      std::cout << "received b'" << data << "' from ('" << hostOf(addr) << "', " << portOf(addr)
                << ")" << std::endl;
    }
    transport->write(data, addr);
  }

 private:
  bool print_;
};

int main(int argc, char** argv) {
  int port = 9999;
  bool print = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--print")
      print = true;
    else
      port = std::stoi(argv[i]);
  }
  std::shared_ptr<twisted::internet::IUDPPort> listening;
  try {
    listening = reactor().listenUDP(port, std::make_shared<Echo>(print));
  } catch (const std::exception& e) {  // CannotListenError: the port is taken
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::printf("UDP echo server listening on port %d.\n", portOf(listening->getHost()));
  std::fflush(stdout);
  reactor().run();
}
