// twisted.protocols.socks: the server protocol with StringTransports and a
// MemoryReactor (as Twisted's test_socks.py: CONNECT and BIND for SOCKS4
// and 4a, granted and rejected replies, authorize), the limits and bad
// input, the traffic log; then real CONNECT and BIND on loopback on every
// backend (client -> SOCKSv4Factory -> echo server).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/socks.h>
#include <twisted/protocols/wire.h>
#include <twisted/testing/fake_resolver.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::socks;
using twisted::python::Failure;
using twisted::testing::FakeResolver;
using twisted::testing::MemoryReactor;
using twisted::testing::MemoryReactorClock;
using twisted::testing::StringTransport;

std::string request(int command, int port, std::string ip4, std::string_view user,
                    std::optional<std::string_view> host = {}) {
  std::string r;
  r.push_back(4);
  r.push_back(static_cast<char>(command));
  r.push_back(static_cast<char>(port >> 8));
  r.push_back(static_cast<char>(port & 0xff));
  r.append(std::move(ip4));
  r.append(user);
  r.push_back('\0');
  if (host) {
    r.append(*host);
    r.push_back('\0');
  }
  return r;
}

std::string reply(int code, int port, std::string ip4) {
  std::string r;
  r.push_back(0);
  r.push_back(static_cast<char>(code));
  r.push_back(static_cast<char>(port >> 8));
  r.push_back(static_cast<char>(port & 0xff));
  r.append(std::move(ip4));
  return r;
}

const std::string kLocal("\x7f\x00\x00\x01", 4);
const std::string kZero("\x00\x00\x00\x00", 4);
const std::string k4a("\x00\x00\x00\x01", 4);

// A SOCKSv4 on a StringTransport, connecting through a MemoryReactor.
struct Harness {
  MemoryReactorClock reactor;
  std::shared_ptr<FakeResolver> resolver =
      std::make_shared<FakeResolver>(FakeResolver{{"localhost", "127.0.0.1"}});
  std::shared_ptr<SOCKSv4Factory> factory =
      std::make_shared<SOCKSv4Factory>(std::nullopt, &reactor);
  std::unique_ptr<Protocol> proto;
  StringTransport transport{IPv4Address{"TCP", "127.0.0.1", 1080},
                            IPv4Address{"TCP", "127.0.0.1", 34567}};
  std::unique_ptr<Protocol> outgoing;
  StringTransport outTransport{IPv4Address{"TCP", "127.0.0.1", 40000},
                               IPv4Address{"TCP", "127.0.0.1", 34}};

  explicit Harness(std::optional<std::string> log = {}) {
    factory->logging = std::move(log);
    factory->resolver = resolver;
    proto = factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 34567});
    proto->makeConnection(&transport);
  }
  SOCKSv4& socks() { return static_cast<SOCKSv4&>(*proto); }
  // The CONNECT's destination accepts.
  void connectOutgoing() {
    ASSERT_EQ(reactor.tcpClients.size(), 1u);
    outgoing = reactor.tcpClients[0].factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 34});
    ASSERT_TRUE(outgoing);
    outgoing->makeConnection(&outTransport);
  }
  void failOutgoing() {
    reactor.tcpClients.at(0).factory->clientConnectionFailed(
        *reactor.connectors.at(0), Failure(std::runtime_error("refused")));
  }
};

void feedByteByByte(Protocol& p, const std::string& data) {
  for (char c : data)
    p.dataReceived(std::string_view(&c, 1));
}

// Twisted: test_simple.
TEST(SOCKSv4, ConnectGrantedAndRelayed) {
  Harness h;
  h.proto->dataReceived(request(1, 34, kLocal, "fooBAR"));
  ASSERT_EQ(h.reactor.tcpClients.size(), 1u);
  EXPECT_EQ(h.reactor.tcpClients[0].host, "127.0.0.1");
  EXPECT_EQ(h.reactor.tcpClients[0].port, 34);
  EXPECT_EQ(h.transport.value(), "");  // no reply before the connection is made
  h.connectOutgoing();
  EXPECT_EQ(h.transport.value(), reply(90, 34, kLocal));
  EXPECT_FALSE(h.transport.disconnecting());
  h.transport.clear();

  h.proto->dataReceived("hello, world");
  EXPECT_EQ(h.outTransport.value(), "hello, world");
  h.outgoing->dataReceived("hi there");
  EXPECT_EQ(h.transport.value(), "hi there");

  // Flow control: each transport produces for the other.
  EXPECT_EQ(h.transport.producer, &h.outTransport);
  EXPECT_EQ(h.outTransport.producer, &h.transport);

  // The destination closes: the client is closed, the producers unlinked.
  h.outgoing->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(h.transport.disconnecting());
  EXPECT_EQ(h.transport.producer, nullptr);
}

TEST(SOCKSv4, RequestByteByByte) {
  Harness h;
  feedByteByByte(*h.proto, request(1, 34, kLocal, "fooBAR"));
  ASSERT_EQ(h.reactor.tcpClients.size(), 1u);
  EXPECT_EQ(h.reactor.tcpClients[0].port, 34);
}

// Twisted: test_socks4a.
TEST(SOCKSv4, Socks4aResolvesThroughTheResolver) {
  Harness h;
  feedByteByByte(*h.proto, request(1, 34, k4a, "fooBAR", "localhost"));
  ASSERT_EQ(h.resolver->queries.size(), 1u);
  ASSERT_EQ(h.reactor.tcpClients.size(), 1u);
  EXPECT_EQ(h.reactor.tcpClients[0].host, "127.0.0.1");
  h.connectOutgoing();
  EXPECT_EQ(h.transport.value(), reply(90, 34, kLocal));
}

TEST(SOCKSv4, Socks4aWaitsForTheAnswerAndDataSentMeanwhileIsForwarded) {
  Harness h;
  h.resolver->holdAnswers = true;
  h.proto->dataReceived(request(1, 34, k4a, "", "localhost") + "early");
  EXPECT_TRUE(h.reactor.tcpClients.empty());
  h.resolver->flush();
  h.connectOutgoing();
  EXPECT_EQ(h.outTransport.value(), "early");
}

// Twisted: test_socks4aFailedResolution.
TEST(SOCKSv4, Socks4aFailedResolutionRejects) {
  Harness h;
  h.proto->dataReceived(request(1, 34, k4a, "fooBAR", "failinghost"));
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
  EXPECT_TRUE(h.reactor.tcpClients.empty());
}

TEST(SOCKSv4, ClientLeavingDuringResolutionCancelsIt) {
  Harness h;
  h.resolver->holdAnswers = true;
  h.proto->dataReceived(request(1, 34, k4a, "", "localhost"));
  EXPECT_EQ(h.resolver->pendingCount(), 1u);
  h.proto->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(h.resolver->pendingCount(), 0u);
  h.resolver->flush();
  EXPECT_TRUE(h.reactor.tcpClients.empty());
}

// Twisted: test_accessDenied.
class Denying : public SOCKSv4 {
 public:
  using SOCKSv4::SOCKSv4;
  bool authorize(int code, const std::string& server, int port, const std::string& user) override {
    seen = std::to_string(code) + " " + server + ":" + std::to_string(port) + " " + user;
    return false;
  }
  std::string seen;
};

TEST(SOCKSv4, AuthorizeFalseRejects) {
  MemoryReactor reactor;
  Denying d(std::nullopt, &reactor);
  StringTransport t;
  d.makeConnection(&t);
  d.dataReceived(request(1, 4242, kLocal, "fooBAR"));
  EXPECT_EQ(d.seen, "1 127.0.0.1:4242 fooBAR");
  EXPECT_EQ(t.value(), reply(91, 0, kZero));
  EXPECT_TRUE(t.disconnecting());
  EXPECT_TRUE(reactor.tcpClients.empty());
}

// Twisted: test_eofRemote / connection failure.
TEST(SOCKSv4, ConnectFailureRejects) {
  Harness h;
  h.proto->dataReceived(request(1, 34, kLocal, ""));
  h.failOutgoing();
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
}

TEST(SOCKSv4, ClientLeavingWhileConnectingStopsTheAttempt) {
  Harness h;
  h.proto->dataReceived(request(1, 34, kLocal, ""));
  h.proto->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(h.reactor.connectors.at(0)->stoppedConnecting);
  // A late connection is not given a protocol.
  EXPECT_EQ(h.reactor.tcpClients[0].factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 34}),
            nullptr);
}

// Twisted: test_eofLocal.
TEST(SOCKSv4, ClientCloseClosesTheDestination) {
  Harness h;
  h.proto->dataReceived(request(1, 34, kLocal, ""));
  h.connectOutgoing();
  h.proto->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(h.outTransport.disconnecting());
  EXPECT_EQ(h.outTransport.producer, nullptr);
}

TEST(SOCKSv4, PendingDataIsBoundedByPausing) {
  Harness h;
  h.proto->dataReceived(request(1, 34, kLocal, ""));
  h.proto->dataReceived(std::string(SOCKSv4::kPendingLimit, 'x'));
  EXPECT_EQ(h.transport.producerState, StringTransport::ProducerState::paused);
  h.connectOutgoing();
  EXPECT_EQ(h.outTransport.value().size(), SOCKSv4::kPendingLimit);
  EXPECT_EQ(h.transport.producerState, StringTransport::ProducerState::producing);
}

TEST(SOCKSv4, BadVersionClosesWithoutReply) {
  Harness h;
  h.proto->dataReceived("\x05\x01\x00");  // a SOCKS5 greeting
  EXPECT_EQ(h.transport.value(), "");
  EXPECT_TRUE(h.transport.disconnecting());
  h.proto->dataReceived("more garbage");  // ignored
  EXPECT_TRUE(h.reactor.tcpClients.empty());
}

TEST(SOCKSv4, UnknownCommandRejects) {
  Harness h;
  h.proto->dataReceived(request(3, 34, kLocal, ""));
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
}

TEST(SOCKSv4, OverlongUserIdRejects) {
  Harness h;
  std::string head = request(1, 34, kLocal, "");
  head.pop_back();  // no NUL: an endless user id
  h.proto->dataReceived(head);
  for (int i = 0; i < 64 && !h.transport.disconnecting(); ++i)
    h.proto->dataReceived(std::string(100, 'u'));
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
}

TEST(SOCKSv4, OverlongHostnameRejects) {
  Harness h;
  h.proto->dataReceived(request(1, 34, k4a, "") + std::string(4096, 'h'));
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.resolver->queries.empty());
}

// Twisted: test_simple (BIND).
TEST(SOCKSv4, BindRepliesTwiceAndRelays) {
  Harness h;
  feedByteByByte(*h.proto, request(2, 34, kLocal, "fooBAR"));
  ASSERT_EQ(h.reactor.tcpServers.size(), 1u);
  EXPECT_EQ(h.reactor.tcpServers[0].port, 0);
  EXPECT_EQ(h.reactor.tcpServers[0].interface, "127.0.0.1");  // where the client reached us
  // First reply: granted, the listening address.
  EXPECT_EQ(h.transport.value(), reply(90, 0, kLocal));
  h.transport.clear();

  auto incomingFactory = h.reactor.tcpServers[0].factory;
  auto incoming = incomingFactory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 5555});
  ASSERT_TRUE(incoming);
  // Second reply: granted, the peer that connected.
  EXPECT_EQ(h.transport.value(), reply(90, 5555, kLocal));
  h.transport.clear();
  StringTransport inTransport;
  incoming->makeConnection(&inTransport);
  // One connection per BIND.
  EXPECT_EQ(incomingFactory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 5556}), nullptr);

  h.proto->dataReceived("hello, world");
  EXPECT_EQ(inTransport.value(), "hello, world");
  incoming->dataReceived("hi there");
  EXPECT_EQ(h.transport.value(), "hi there");
  incoming->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(h.transport.disconnecting());
}

// Twisted: test_accessDenied (BIND from the wrong peer).
TEST(SOCKSv4, BindFromAnotherAddressRejects) {
  Harness h;
  h.proto->dataReceived(request(2, 34, kLocal, ""));
  h.transport.clear();
  auto incomingFactory = h.reactor.tcpServers.at(0).factory;
  EXPECT_EQ(incomingFactory->buildProtocol(IPv4Address{"TCP", "10.0.0.9", 5555}), nullptr);
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
}

// Not in Twisted: a BIND nobody connects to gives up after bindTimeout,
// with the second reply 91; a connection after that is refused.
TEST(SOCKSv4, BindTimesOut) {
  Harness h;
  h.proto->dataReceived(request(2, 34, kLocal, ""));
  EXPECT_EQ(h.transport.value(), reply(90, 0, kLocal));
  h.transport.clear();
  ASSERT_EQ(h.reactor.getDelayedCalls().size(), 1u);
  h.reactor.advance(SOCKSv4::kBindTimeout - 1);
  EXPECT_EQ(h.transport.value(), "");
  h.reactor.advance(1);
  EXPECT_EQ(h.transport.value(), reply(91, 0, kZero));
  EXPECT_TRUE(h.transport.disconnecting());
  EXPECT_EQ(
      h.reactor.tcpServers.at(0).factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 5555}),
      nullptr);
}

TEST(SOCKSv4, BindConnectedInTimeStopsTheTimer) {
  Harness h;
  h.proto->dataReceived(request(2, 34, kLocal, ""));
  auto incoming =
      h.reactor.tcpServers.at(0).factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 5555});
  ASSERT_TRUE(incoming);
  EXPECT_TRUE(h.reactor.getDelayedCalls().empty());
  StringTransport inTransport;
  incoming->makeConnection(&inTransport);
  h.transport.clear();
  h.reactor.advance(2 * SOCKSv4::kBindTimeout);
  EXPECT_EQ(h.transport.value(), "");
  EXPECT_FALSE(h.transport.disconnecting());
  incoming->connectionLost(Failure(error::ConnectionDone()));
}

TEST(SOCKSv4, BindTimeoutZeroWaitsAsTwisted) {
  Harness h;
  h.factory->bindTimeout = 0;
  h.proto = h.factory->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 34567});
  h.proto->makeConnection(&h.transport);
  h.proto->dataReceived(request(2, 34, kLocal, ""));
  EXPECT_EQ(h.transport.value(), reply(90, 0, kLocal));
  EXPECT_TRUE(h.reactor.getDelayedCalls().empty());
}

TEST(SOCKSv4, ClientLeavingDuringBindStopsTheTimer) {
  Harness h;
  h.proto->dataReceived(request(2, 34, kLocal, ""));
  ASSERT_EQ(h.reactor.getDelayedCalls().size(), 1u);
  h.proto->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(h.reactor.getDelayedCalls().empty());
}

TEST(SOCKSv4, LogFileRecordsBothDirections) {
  char path[] = "/tmp/socks-log-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    Harness h(path);
    h.proto->dataReceived(request(1, 34, kLocal, ""));
    h.connectOutgoing();
    h.proto->dataReceived("hello\x01");
    h.outgoing->dataReceived(std::string(17, 'z'));
    h.proto->connectionLost(Failure(error::ConnectionDone()));
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path);
  const std::string log = ss.str();
  EXPECT_NE(log.find("\t127.0.0.1:34567 > 127.0.0.1:34\n"), std::string::npos) << log;
  EXPECT_NE(log.find("68 65 6C 6C 6F 01 " + std::string(30, ' ') + "hello.\n"), std::string::npos)
      << log;
  EXPECT_NE(log.find("\t127.0.0.1:34567 < 127.0.0.1:34\n"), std::string::npos) << log;
  EXPECT_NE(log.find("7A " + std::string(45, ' ') + "z\n"), std::string::npos) << log;
}

// --- real sockets ------------------------------------------------------------------------

// A SOCKS client: sends `request`, expects replies, then sends `payload`
// and closes once it came back.
struct ClientState {
  std::string received;
  bool lost = false;
};

class SocksClient : public Protocol {
 public:
  SocksClient(std::shared_ptr<ClientState> s, std::string req, std::string payload)
      : s_(std::move(s)), req_(std::move(req)), payload_(std::move(payload)) {}
  void connectionMade() override { transport->write(req_); }
  void dataReceived(std::string_view data) override {
    s_->received.append(data);
    if (!sent_ && s_->received.size() >= 8) {
      sent_ = true;
      if (s_->received[1] == 90) transport->write(payload_);
    }
    if (s_->received.size() >= 8 + payload_.size()) transport->loseConnection();
  }
  void connectionLost(const Failure&) override { s_->lost = true; }

 private:
  std::shared_ptr<ClientState> s_;
  std::string req_, payload_;
  bool sent_ = false;
};

class SOCKSv4TCP : public testing_internal::RealReactorTest {
 protected:
  int listenSocks() {
    auto f = std::make_shared<SOCKSv4Factory>(std::nullopt, r.get());
    socksPort = r->listenTCP(0, f, 50, "127.0.0.1");
    return portOf(socksPort->getHost());
  }
  std::shared_ptr<IListeningPort> socksPort;
};

TEST_P(SOCKSv4TCP, ConnectToAnEchoServer) {
  auto echo =
      r->listenTCP(0, Factory::forProtocol<twisted::protocols::wire::Echo>(), 50, "127.0.0.1");
  const int echoPort = portOf(echo->getHost());
  const int port = listenSocks();
  std::string payload(256 * 1024, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(i * 13);
  auto s = std::make_shared<ClientState>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<SocksClient>(s, request(1, echoPort, kLocal, "me"), payload);
  r->connectTCP("127.0.0.1", port, cf);
  spinUntil([&] { return s->lost; });
  ASSERT_GE(s->received.size(), 8u);
  EXPECT_EQ(s->received.substr(0, 8), reply(90, echoPort, kLocal));
  EXPECT_TRUE(s->received.substr(8) == payload);
}

TEST_P(SOCKSv4TCP, Socks4aConnectToLocalhost) {
  auto echo =
      r->listenTCP(0, Factory::forProtocol<twisted::protocols::wire::Echo>(), 50, "127.0.0.1");
  const int echoPort = portOf(echo->getHost());
  const int port = listenSocks();
  auto s = std::make_shared<ClientState>();
  auto cf = std::make_shared<ClientFactory>();
  // An IP literal as the 4a name: the reactor's resolver takes it as is.
  cf->setProtocol<SocksClient>(s, request(1, echoPort, k4a, "me", "127.0.0.1"), "ping");
  r->connectTCP("127.0.0.1", port, cf);
  spinUntil([&] { return s->lost; });
  EXPECT_EQ(s->received, reply(90, echoPort, kLocal) + "ping");
}

TEST_P(SOCKSv4TCP, ConnectRefusedReplies91) {
  int dead;
  {
    auto p = r->listenTCP(0, Factory::forProtocol<Protocol>(), 50, "127.0.0.1");
    dead = portOf(p->getHost());
    p->stopListening();
  }
  const int port = listenSocks();
  auto s = std::make_shared<ClientState>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<SocksClient>(s, request(1, dead, kLocal, ""), "x");
  r->connectTCP("127.0.0.1", port, cf);
  spinUntil([&] { return s->lost; });
  EXPECT_EQ(s->received, reply(91, 0, kZero));
}

// BIND: the server announces a port; an "application server" connects to
// it from 127.0.0.1; data flows both ways.
class Greeter : public Protocol {
 public:
  explicit Greeter(std::shared_ptr<ClientState> s) : s_(std::move(s)) {}
  void connectionMade() override { transport->write("from-app"); }
  void dataReceived(std::string_view data) override {
    s_->received.append(data);
    transport->loseConnection();
  }
  void connectionLost(const Failure&) override { s_->lost = true; }

 private:
  std::shared_ptr<ClientState> s_;
};

class BindClient : public Protocol {
 public:
  BindClient(std::shared_ptr<ClientState> s, ReactorBase* r, std::shared_ptr<ClientState> app)
      : s_(std::move(s)), r_(r), app_(std::move(app)) {}
  void connectionMade() override { transport->write(request(2, 0, kLocal, "")); }
  void dataReceived(std::string_view data) override {
    s_->received.append(data);
    if (!connected_ && s_->received.size() >= 8) {
      connected_ = true;
      const int port = (static_cast<unsigned char>(s_->received[2]) << 8) |
                       static_cast<unsigned char>(s_->received[3]);
      auto cf = std::make_shared<ClientFactory>();
      cf->setProtocol<Greeter>(app_);
      r_->connectTCP("127.0.0.1", port, cf);
    }
    if (!wrote_ && s_->received.size() >= 16) {
      wrote_ = true;
      transport->write("from-client");
    }
  }
  void connectionLost(const Failure&) override { s_->lost = true; }

 private:
  std::shared_ptr<ClientState> s_;
  ReactorBase* r_;
  std::shared_ptr<ClientState> app_;
  bool connected_ = false, wrote_ = false;
};

TEST_P(SOCKSv4TCP, BindAcceptsTheAnnouncedPeer) {
  const int port = listenSocks();
  auto s = std::make_shared<ClientState>();
  auto app = std::make_shared<ClientState>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<BindClient>(s, r.get(), app);
  r->connectTCP("127.0.0.1", port, cf);
  spinUntil([&] { return s->lost && app->lost; });
  ASSERT_EQ(s->received.size(), 16u + 8u) << s->received.size();
  EXPECT_EQ(s->received[1], 90);
  EXPECT_EQ(s->received.substr(4, 4), kLocal);
  EXPECT_EQ(s->received[9], 90);
  EXPECT_EQ(s->received.substr(12, 4), kLocal);
  EXPECT_EQ(s->received.substr(16), "from-app");
  EXPECT_EQ(app->received, "from-client");
}

// The BIND's port really closes at the timeout: the announced port refuses.
class BindWaiter : public Protocol {
 public:
  explicit BindWaiter(std::shared_ptr<ClientState> s) : s_(std::move(s)) {}
  void connectionMade() override { transport->write(request(2, 0, kLocal, "")); }
  void dataReceived(std::string_view data) override { s_->received.append(data); }
  void connectionLost(const Failure&) override { s_->lost = true; }

 private:
  std::shared_ptr<ClientState> s_;
};

TEST_P(SOCKSv4TCP, BindTimeoutClosesThePort) {
  auto f = std::make_shared<SOCKSv4Factory>(std::nullopt, r.get());
  f->bindTimeout = 0.05;
  socksPort = r->listenTCP(0, f, 50, "127.0.0.1");
  auto s = std::make_shared<ClientState>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<BindWaiter>(s);
  r->connectTCP("127.0.0.1", portOf(socksPort->getHost()), cf);
  spinUntil([&] { return s->lost; });
  ASSERT_EQ(s->received.size(), 16u);
  EXPECT_EQ(s->received[1], 90);
  EXPECT_EQ(s->received.substr(8), reply(91, 0, kZero));
  const int announced = (static_cast<unsigned char>(s->received[2]) << 8) |
                        static_cast<unsigned char>(s->received[3]);
  auto app = std::make_shared<ClientState>();
  auto failed = std::make_shared<bool>(false);
  struct Refused : ClientFactory {
    std::shared_ptr<bool> failed;
    void clientConnectionFailed(IConnector&, const Failure&) override { *failed = true; }
  };
  auto af = std::make_shared<Refused>();
  af->failed = failed;
  af->setProtocol<Greeter>(app);
  r->connectTCP("127.0.0.1", announced, af);
  spinUntil([&] { return *failed || app->lost; });
  EXPECT_TRUE(*failed);
}

TWISTED_INSTANTIATE_BACKENDS(SOCKSv4TCP);

}  // namespace
