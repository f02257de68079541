// The code snippets of docs/udp.md, verbatim, so the guide cannot drift
// from what compiles. They run on an independent reactor (makeReactor) over
// 127.0.0.1, with a safety bound.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/internet/error.h>

// docs/udp.md, top.
#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/reactor.h>
using namespace twisted::internet;

namespace doc_examples {

class Echo : public DatagramProtocol {
 public:
  void datagramReceived(std::string_view data, const Address& addr) override {
    transport->write(data, addr);  // back to the sender
  }
};

void listenEcho(ReactorBase& reactor, int port) {
  reactor.listenUDP(port, std::make_shared<Echo>());  // reactor.listenUDP(9999, Echo())
}

// --- "Writing and its errors" ---------------------------------------------------

void sendReport(IUDPTransport& transport, std::string_view report, const std::string& host) {
  try {
    transport.write(report, host, 9999);
  } catch (const error::InvalidAddressError& e) {
    std::printf("not an address for this port: %s\n", e.what());  // "localhost", "::1" on IPv4
  } catch (const error::MessageLengthError& e) {
    std::printf("%s\n", e.what());  // "Message is too long to send: message too long."
  }
}

// --- "Connected mode" -------------------------------------------------------------

class Helloer : public DatagramProtocol {
 public:
  Helloer(std::string host, int port) : host_(std::move(host)), port_(port) {}
  void startProtocol() override {
    transport->connect(host_, port_);
    transport->write("hello");  // no need for address
  }
  void datagramReceived(std::string_view data, const Address&) override {
    answer = std::string(data);
  }
  void connectionRefused() override { refused = true; }  // no one listening

  std::string answer;
  bool refused = false;

 private:
  std::string host_;
  int port_;
};

// --- "Multicast" ------------------------------------------------------------------

class MulticastPingPong : public DatagramProtocol {
 public:
  void startProtocol() override {
    transport->multicast()->setTTL(5);  // cross up to 5 router hops
    transport->multicast()->joinGroup("228.0.0.5");
  }
  void datagramReceived(std::string_view datagram, const Address& address) override {
    if (datagram == "Client: Ping") transport->write("Server: Pong", address);  // unicast reply
  }
};

std::shared_ptr<IMulticastPort> listenPingPong(ReactorBase& reactor, int port) {
  return reactor.listenMulticast(port, std::make_shared<MulticastPingPong>(), "", 8192,
                                 /*listenMultiple=*/true);
}

}  // namespace doc_examples

namespace {

using namespace doc_examples;

class UDPDocExamples : public ::testing::Test {
 protected:
  void SetUp() override { r = makeReactor(); }
  template <class Done>
  void spinUntil(Done done) {
    double deadline = r->seconds() + 20;
    while (!done() && r->seconds() < deadline)
      r->iterate(0.01);
    ASSERT_TRUE(done()) << "not done after the safety bound";
  }
  // A UDP port number nobody listens on.
  int closedPort() {
    auto p = r->listenUDP(0, std::make_shared<DatagramProtocol>(), "127.0.0.1");
    int n = portOf(p->getHost());
    bool closed = false;
    p->stopListening().addCallback([&] { closed = true; });
    spinUntil([&] { return closed; });
    return n;
  }
  std::unique_ptr<ReactorBase> r;
};

TEST_F(UDPDocExamples, EchoAndConnectedHelloer) {
  auto probe = r->listenUDP(0, std::make_shared<DatagramProtocol>(), "127.0.0.1");
  int port = portOf(probe->getHost());
  bool closed = false;
  probe->stopListening().addCallback([&] { closed = true; });
  spinUntil([&] { return closed; });
  listenEcho(*r, port);
  auto hello = std::make_shared<Helloer>("127.0.0.1", port);
  r->listenUDP(0, hello);
  spinUntil([&] { return !hello->answer.empty(); });
  EXPECT_EQ(hello->answer, "hello");
  EXPECT_FALSE(hello->refused);
}

TEST_F(UDPDocExamples, HelloerHearsTheRefusal) {
  int port = closedPort();
  auto hello = std::make_shared<Helloer>("127.0.0.1", port);
  auto p = r->listenUDP(0, hello);
  int writes = 0;
  spinUntil([&] {
    if (!hello->refused && ++writes % 10 == 0) p->write("hello");  // the ICMP may be rate-limited
    return hello->refused;
  });
}

TEST_F(UDPDocExamples, SendReportCatchesTwistedsErrors) {
  auto p = r->listenUDP(0, std::make_shared<DatagramProtocol>(), "127.0.0.1");
  testing::internal::CaptureStdout();
  sendReport(*p, "x", "localhost");
  sendReport(*p, std::string(70000, 'x'), "127.0.0.1");
  sendReport(*p, "fine", "127.0.0.1");
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out,
            "not an address for this port: Invalid address localhost: write() only accepts IP "
            "addresses, not hostnames\nMessage is too long to send: message too long.\n");
}

TEST_F(UDPDocExamples, MulticastPingPongListens) {
  auto port = listenPingPong(*r, 0);
  EXPECT_EQ(port->getTTL(), 5);
  EXPECT_NE(port->multicast(), nullptr);
}

}  // namespace
