// A connected UDP echo client (ConnectedDatagramProtocol): connect() fixes
// the peer, each write goes there without an address, and a peer that does
// not listen is reported through connectionRefused(), which Twisted calls
// only in connected mode. Sends "ping 1".."ping N", one after each echo,
// each sent again every half second until it is echoed (UDP may lose it,
// or the ICMP refusal).
//
// Usage: connected_udp_client HOST PORT [N]   (default 3). Exit status 0
// when every ping was echoed, 1 when the peer refused, 2 on a timeout (5 s).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/reactor.h>

using twisted::internet::Address;
using twisted::internet::ConnectedDatagramProtocol;
using twisted::internet::reactor;

int status = 2;

class PingClient : public ConnectedDatagramProtocol {
 public:
  PingClient(std::string host, int port, int count)
      : host_(std::move(host)), port_(port), count_(count) {}

  void startProtocol() override {
    transport->connect(host_, port_);
    sendPing();
  }

  void datagramReceived(std::string_view data, const Address&) override {
    std::cout << "echo: " << data << std::endl;
    if (data != "ping " + std::to_string(sent_)) return;  // a late duplicate
    if (sent_ == count_) {
      status = 0;
      done();
      return;
    }
    ++sent_;
    sendPing();
  }

  void connectionRefused() override {
    std::cout << "connection refused: no one listens on " << host_ << " port " << port_
              << std::endl;
    status = 1;
    done();
  }

 private:
  void sendPing() {
    if (resend_ && resend_.active()) resend_.cancel();
    transport->write("ping " + std::to_string(sent_));
    resend_ = reactor().callLater(0.5, [this] { sendPing(); });
  }
  void done() {
    if (resend_ && resend_.active()) resend_.cancel();
    reactor().stop();
  }

  std::string host_;
  int port_;
  int count_;
  int sent_ = 1;
  twisted::internet::DelayedCall resend_;
};

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s HOST PORT [N]\n", argv[0]);
    return 64;
  }
  int count = argc > 3 ? std::stoi(argv[3]) : 3;
  reactor().listenUDP(0, std::make_shared<PingClient>(argv[1], std::stoi(argv[2]), count));
  reactor().callLater(5, [] {
    std::cout << "timed out" << std::endl;
    reactor().stop();
  });
  reactor().run();
  return status;
}
