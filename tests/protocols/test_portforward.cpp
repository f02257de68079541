// twisted.protocols.portforward: the proxy's wiring with MemoryReactor and
// StringTransports (Twisted's test_portforward.py checks the same over
// real sockets), then real forwarding on loopback on every backend: an echo
// server behind a ProxyFactory, 1-byte and 1 MiB payloads, and close
// propagation both ways.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/protocols/portforward.h>
#include <twisted/protocols/wire.h>
#include <twisted/python/log.h>
#include <twisted/testing/fake_resolver.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::portforward;
using twisted::python::Failure;
using twisted::testing::MemoryReactor;
using twisted::testing::StringTransport;

const Address kAddr = IPv4Address{"TCP", "127.0.0.1", 4321};

// A proxied connection with both transports in memory.
struct Spliced {
  MemoryReactor reactor;
  std::shared_ptr<ProxyFactory> factory = std::make_shared<ProxyFactory>("backend", 4321);
  std::unique_ptr<Protocol> server;
  std::unique_ptr<Protocol> client;
  StringTransport serverTransport;
  StringTransport clientTransport;

  Spliced() {
    factory->reactor = &reactor;
    factory->noisy = false;
    server = factory->buildProtocol(kAddr);
    server->makeConnection(&serverTransport);
  }
  ProxyServer& proxyServer() { return static_cast<ProxyServer&>(*server); }
  std::shared_ptr<ClientFactory> clientFactory() { return reactor.tcpClients.at(0).factory; }
  void connectClient() {
    client = clientFactory()->buildProtocol(kAddr);
    client->makeConnection(&clientTransport);
  }
};

// Unlike Twisted's, the server side keeps reading while it connects (so it
// notices a client that leaves), holding what arrives up to kPendingLimit.
TEST(PortForward, ServerKeepsReadingAndConnectsToTheDestination) {
  Spliced s;
  EXPECT_EQ(s.serverTransport.producerState, StringTransport::ProducerState::producing);
  ASSERT_EQ(s.reactor.tcpClients.size(), 1u);
  EXPECT_EQ(s.reactor.tcpClients[0].host, "backend");
  EXPECT_EQ(s.reactor.tcpClients[0].port, 4321);
  EXPECT_TRUE(dynamic_cast<ProxyClientFactory*>(s.clientFactory().get()));
}

// clientTLS: the destination is reached with connectSSL and those options.
TEST(PortForward, ClientTLSConnectsWithConnectSSL) {
  MemoryReactor reactor;
  auto factory = std::make_shared<ProxyFactory>("backend.example", 443);
  factory->reactor = &reactor;
  factory->noisy = false;
  factory->clientTLS = twisted::internet::ssl::optionsForClientTLS("backend.example");
  auto server = factory->buildProtocol(kAddr);
  StringTransport transport;
  server->makeConnection(&transport);
  EXPECT_TRUE(reactor.tcpClients.empty());
  ASSERT_EQ(reactor.sslClients.size(), 1u);
  EXPECT_EQ(reactor.sslClients[0].host, "backend.example");
  EXPECT_EQ(reactor.sslClients[0].port, 443);
  EXPECT_EQ(reactor.sslClients[0].contextFactory.data(), factory->clientTLS->data());
  EXPECT_TRUE(dynamic_cast<ProxyClientFactory*>(reactor.sslClients[0].factory.get()));
}

TEST(PortForward, DataBeforeTheConnectionIsHeldThenSent) {
  Spliced s;
  s.server->dataReceived("early ");
  s.server->dataReceived(std::string(ProxyServer::kPendingLimit, 'x'));
  EXPECT_EQ(s.serverTransport.producerState, StringTransport::ProducerState::paused)
      << "paused once kPendingLimit bytes wait";
  s.connectClient();
  EXPECT_EQ(s.clientTransport.value(), "early " + std::string(ProxyServer::kPendingLimit, 'x'));
  EXPECT_EQ(s.serverTransport.producerState, StringTransport::ProducerState::producing);
  s.server->dataReceived("late");
  EXPECT_EQ(s.clientTransport.value().substr(s.clientTransport.value().size() - 4), "late");
}

TEST(PortForward, ClientLinksTheTransportsAsEachOthersProducersAndResumes) {
  Spliced s;
  s.connectClient();
  auto& server = s.proxyServer();
  auto& client = static_cast<ProxyClient&>(*s.client);
  EXPECT_EQ(server.peer, &client);
  EXPECT_EQ(client.peer, &server);
  EXPECT_EQ(s.clientTransport.producer, &s.serverTransport);
  EXPECT_EQ(s.clientTransport.streaming, true);
  EXPECT_EQ(s.serverTransport.producer, &s.clientTransport);
  EXPECT_EQ(s.serverTransport.streaming, true);
  EXPECT_EQ(s.serverTransport.producerState, StringTransport::ProducerState::producing);
}

TEST(PortForward, DataFlowsBothWays) {
  Spliced s;
  s.connectClient();
  s.server->dataReceived("to backend");
  EXPECT_EQ(s.clientTransport.value(), "to backend");
  s.client->dataReceived("to client");
  EXPECT_EQ(s.serverTransport.value(), "to client");
}

TEST(PortForward, ServerSideLossClosesTheClientSide) {
  Spliced s;
  s.connectClient();
  s.server->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(s.clientTransport.disconnecting());
  EXPECT_EQ(s.clientTransport.producer, nullptr) << "the lost side's transport is unregistered";
  EXPECT_EQ(static_cast<Proxy&>(*s.client).peer, nullptr);
  s.server.reset();                // its transport destroys it
  s.client->dataReceived("late");  // no peer any more: dropped, no crash
  s.client->connectionLost(Failure(error::ConnectionDone()));
}

TEST(PortForward, ClientSideLossClosesTheServerSide) {
  Spliced s;
  s.connectClient();
  s.client->connectionLost(Failure(error::ConnectionLost()));
  EXPECT_TRUE(s.serverTransport.disconnecting());
  EXPECT_EQ(s.serverTransport.producer, nullptr);
  s.client.reset();
  s.server->connectionLost(Failure(error::ConnectionDone()));
}

// The log names why the destination could not be reached (refused, timed
// out), not the server side's own clean close that follows.
std::vector<std::string> lossLogAfterConnectFailure(const Failure& why) {
  Spliced s;
  s.proxyServer().noisy = true;
  s.clientFactory()->clientConnectionFailed(*s.reactor.connectors.at(0), why);
  EXPECT_TRUE(s.serverTransport.disconnecting());
  std::vector<std::string> logged;
  auto h = twisted::python::log::addObserver([&](const twisted::logger::LogEvent& e) {
    logged.push_back(twisted::python::log::textFromEventDict(e));
  });
  s.server->connectionLost(Failure(error::ConnectionDone()));
  twisted::python::log::removeObserver(h);
  return logged;
}

TEST(PortForward, FailedOutboundConnectionLogsTheRealReason) {
  std::vector<std::string> refused =
      lossLogAfterConnectFailure(Failure(error::ConnectionRefusedError("111: Connection refused")));
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].rfind("Unable to connect to peer: Connection was refused by other side", 0),
            0u)
      << refused[0];
  std::vector<std::string> timedOut = lossLogAfterConnectFailure(Failure(error::TimeoutError()));
  ASSERT_EQ(timedOut.size(), 1u);
  EXPECT_EQ(timedOut[0], "Unable to connect to peer: User timeout caused connection failure.");
}

TEST(PortForward, ServerLostWhileConnectingStopsTheAttempt) {
  Spliced s;
  auto cf = s.clientFactory();
  s.proxyServer().noisy = false;
  s.server->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(s.reactor.connectors.at(0)->stoppedConnecting);
  s.server.reset();
  EXPECT_FALSE(cf->buildProtocol(kAddr)) << "no server to link to any more";
  cf->clientConnectionFailed(*s.reactor.connectors.at(0), Failure(error::UserError()));
}

// A client that sent data and left before the connection was made: the
// attempt goes on and the data is delivered, then that connection closes
// (Twisted, reading nothing until connected, forwards it the same way).
TEST(PortForward, DataOfAClientThatLeftWhileConnectingIsStillDelivered) {
  Spliced s;
  auto cf = s.clientFactory();
  s.server->dataReceived("last words");
  s.server->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_FALSE(s.reactor.connectors.at(0)->stoppedConnecting);
  s.server.reset();
  s.connectClient();
  ASSERT_TRUE(s.client);
  EXPECT_EQ(s.clientTransport.value(), "last words");
  EXPECT_TRUE(s.clientTransport.disconnecting());
}

TEST(PortForward, ServerNeedsAProxyFactory) {
  auto f = Factory::forProtocol<ProxyServer>();
  auto p = f->buildProtocol(kAddr);
  StringTransport t;
  EXPECT_THROW(p->makeConnection(&t), std::logic_error);
}

// --- real sockets ------------------------------------------------------------------------

struct Flags {
  int backendLost = 0;
  int clientLost = 0;
  std::optional<Failure> clientReason;
  std::string received;
};

class TrackedEcho : public twisted::protocols::wire::Echo {
 public:
  explicit TrackedEcho(std::shared_ptr<Flags> f) : f_(std::move(f)) {}
  void connectionLost(const Failure&) override { ++f_->backendLost; }

 private:
  std::shared_ptr<Flags> f_;
};

// Sends `payload` and closes once it has all come back.
class Sender : public Protocol {
 public:
  Sender(std::shared_ptr<Flags> f, std::string payload)
      : f_(std::move(f)), payload_(std::move(payload)) {}
  void connectionMade() override { transport->write(payload_); }
  void dataReceived(std::string_view data) override {
    f_->received.append(data);
    if (f_->received.size() >= payload_.size()) transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override {
    ++f_->clientLost;
    f_->clientReason = reason;
  }

 private:
  std::shared_ptr<Flags> f_;
  std::string payload_;
};

class PortForwardTCP : public testing_internal::RealReactorTest {
 protected:
  int listenProxyTo(const std::shared_ptr<IListeningPort>& backend) {
    auto pf = std::make_shared<ProxyFactory>("127.0.0.1", portOf(backend->getHost()));
    pf->reactor = r.get();
    proxyPort = r->listenTCP(0, pf, 50, "127.0.0.1");
    return portOf(proxyPort->getHost());
  }
  void roundTrip(const std::string& payload) {
    auto flags = std::make_shared<Flags>();
    auto backend = r->listenTCP(0, Factory::forProtocol<TrackedEcho>(flags), 50, "127.0.0.1");
    int port = listenProxyTo(backend);
    auto cf = std::make_shared<ClientFactory>();
    cf->setProtocol<Sender>(flags, payload);
    r->connectTCP("127.0.0.1", port, cf);
    // The client closes; the proxy closes the backend connection in turn.
    spinUntil([&] { return flags->clientLost == 1 && flags->backendLost == 1; });
    EXPECT_EQ(flags->received.size(), payload.size());
    EXPECT_TRUE(flags->received == payload) << "the bytes came back in order";
    ASSERT_TRUE(flags->clientReason);
    EXPECT_TRUE(flags->clientReason->check<error::ConnectionDone>())
        << flags->clientReason->getErrorMessage();
  }
  std::shared_ptr<IListeningPort> proxyPort;
};

TEST_P(PortForwardTCP, OneByteThroughTheProxy) {
  roundTrip("x");
}

TEST_P(PortForwardTCP, OneMebibyteThroughTheProxy) {
  std::string payload(1 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(i * 7 + i / 251);
  roundTrip(payload);
}

TEST_P(PortForwardTCP, BackendCloseReachesTheClient) {
  // QOTD writes its quote and closes: the close goes through the proxy.
  auto backend =
      r->listenTCP(0, Factory::forProtocol<twisted::protocols::wire::QOTD>(), 50, "127.0.0.1");
  int port = listenProxyTo(backend);
  auto flags = std::make_shared<Flags>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<Sender>(flags, std::string());  // sends nothing, never closes by itself
  r->connectTCP("127.0.0.1", port, cf);
  spinUntil([&] { return flags->clientLost == 1; });
  EXPECT_EQ(flags->received, "An apple a day keeps the doctor away.\r\n");
  ASSERT_TRUE(flags->clientReason);
  EXPECT_TRUE(flags->clientReason->check<error::ConnectionDone>())
      << flags->clientReason->getErrorMessage();
}

TEST_P(PortForwardTCP, UnreachableDestinationClosesTheClient) {
  int dead;
  {
    auto p = r->listenTCP(0, Factory::forProtocol<Protocol>(), 50, "127.0.0.1");
    dead = portOf(p->getHost());
    p->stopListening();
    r->iterate(0);
  }
  auto pf = std::make_shared<ProxyFactory>("127.0.0.1", dead);
  pf->reactor = r.get();
  auto port = r->listenTCP(0, pf, 50, "127.0.0.1");
  auto flags = std::make_shared<Flags>();
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<Sender>(flags, std::string("hello?"));
  r->connectTCP("127.0.0.1", portOf(port->getHost()), cf);
  spinUntil([&] { return flags->clientLost == 1; });
  EXPECT_EQ(flags->received, "");
}

class Leaver : public Protocol {
 public:
  void connectionMade() override { transport->loseConnection(); }
};

class CountingProxyServer : public ProxyServer {
 public:
  explicit CountingProxyServer(std::shared_ptr<Flags> f) : f_(std::move(f)) {}
  void connectionLost(const Failure& reason) override {
    ++f_->backendLost;
    ProxyServer::connectionLost(reason);
  }

 private:
  std::shared_ptr<Flags> f_;
};

// A client that leaves while the outgoing connection is still being made
// (here its name lookup never answers) is noticed at once and the attempt
// stopped, instead of both sides waiting for the connect timeout.
TEST_P(PortForwardTCP, ClientLeavingWhileConnectingStopsTheAttemptAtOnce) {
  auto resolver = std::make_shared<twisted::testing::FakeResolver>();
  resolver->holdAnswers = true;
  r->installResolver(resolver);
  auto flags = std::make_shared<Flags>();
  auto pf = std::make_shared<ProxyFactory>("never.test", 4321);
  pf->reactor = r.get();
  pf->setProtocol<CountingProxyServer>(flags);
  auto port = r->listenTCP(0, pf, 50, "127.0.0.1");
  auto cf = std::make_shared<ClientFactory>();
  cf->setProtocol<Leaver>();
  r->connectTCP("127.0.0.1", portOf(port->getHost()), cf);
  spinUntil([&] { return flags->backendLost == 1; }, 5);
  EXPECT_EQ(resolver->pendingCount(), 0u) << "the lookup was cancelled";
  ASSERT_EQ(resolver->queries.size(), 1u);
  EXPECT_EQ(resolver->queries[0].name, "never.test");
}

TWISTED_INSTANTIATE_BACKENDS(PortForwardTCP);

}  // namespace
