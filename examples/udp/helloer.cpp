// Seed 001 §4.2: Helloer, a connected UDP client. It connects its port to
// one address when the protocol starts, sends "hello" there without an
// address, and hears from no one else; connectionRefused() is called if
// nothing listens there (the ICMP port unreachable of an earlier datagram).
//
// Usage: helloer [HOST] [PORT]   (the seed's 192.168.1.1 1234). Additions to
// the seed, so the example ends on its own and copes with loss: "hello" is
// sent again every half second until something comes back, and the reactor
// stops after the first answer or refusal, or after 5 seconds.
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

class Helloer : public DatagramProtocol {
 public:
  Helloer(std::string host, int port) : host_(std::move(host)), port_(port) {}

  void startProtocol() override {
    transport->connect(host_, port_);
    std::cout << "now we can only send to host " << host_ << " port " << port_ << std::endl;
    transport->write("hello");  // no need for address
    resend_ = reactor().callLater(0.5, [this] { resend(); });
  }

  void datagramReceived(std::string_view data, const Address& addr) override {
    std::cout << "received b'" << data << "' from ('" << hostOf(addr) << "', " << portOf(addr)
              << ")" << std::endl;
    done();
  }

  // Possibly invoked if there is no server listening on the
  // address to which we are sending.
  void connectionRefused() override {
    std::cout << "No one listening" << std::endl;
    done();
  }

 private:
  // A datagram (or the ICMP refusal) may be lost: send again.
  void resend() {
    transport->write("hello");
    resend_ = reactor().callLater(0.5, [this] { resend(); });
  }
  void done() {
    if (resend_ && resend_.active()) resend_.cancel();
    reactor().stop();
  }

  twisted::internet::DelayedCall resend_;
  std::string host_;
  int port_;
};

int main(int argc, char** argv) {
  std::string host = argc > 1 ? argv[1] : "192.168.1.1";
  int port = argc > 2 ? std::stoi(argv[2]) : 1234;
  // 0 means any port, we don't care in this case
  reactor().listenUDP(0, std::make_shared<Helloer>(host, port));
  reactor().callLater(5, [] {
    std::cout << "no answer" << std::endl;
    reactor().stop();
  });
  reactor().run();
}
