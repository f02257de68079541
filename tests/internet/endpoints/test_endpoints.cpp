// The endpoint classes: what they ask of the reactor and how their
// Deferreds fire (MemoryReactor), then real connections on every backend.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <twisted/internet/endpoints.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ihandshake_listener.h>
#include <twisted/internet/ssl.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/fake_hostname_resolver.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"
#include "internet/ssl/test_pki.h"

namespace {

using namespace twisted::internet;
using namespace twisted::internet::endpoints;
using twisted::python::Failure;
using twisted::testing::failureResultOf;
using twisted::testing::MemoryReactorClock;
using twisted::testing::StringTransport;
using twisted::testing::successResultOf;

// Records what happened to it; echoes if asked.
class Probe : public Protocol {
 public:
  void connectionMade() override { made = true; }
  void dataReceived(std::string_view d) override {
    received += d;
    if (echo) transport->write(d);
  }
  void connectionLost(const Failure& reason) override {
    Protocol::connectionLost(reason);
    if (lostFlag) *lostFlag = true;
  }
  bool made = false;
  bool echo = false;
  std::string received;
  std::shared_ptr<bool> lostFlag;
};

class HalfCloseProbe : public Probe, public IHalfCloseableProtocol {
 public:
  void readConnectionLost() override { readLost = true; }
  void writeConnectionLost() override {}
  bool readLost = false;
};

// A factory whose protocols are `P`, counting doStart/doStop.
template <class P = Probe>
class CountingFactory : public Factory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address&) override {
    if (refuse) return nullptr;
    auto p = std::make_unique<P>();
    built = p.get();
    return p;
  }
  void startFactory() override { ++starts; }
  void stopFactory() override { ++stops; }
  bool refuse = false;
  P* built = nullptr;
  int starts = 0, stops = 0;
};

const IPv4Address kPeer{"TCP", "127.0.0.1", 1234};

// --- MemoryReactor: what each endpoint asks for --------------------------------

TEST(TCPServerEndpoint, ListensWithItsArgumentsAndFiresWithThePort) {
  MemoryReactorClock reactor;
  auto factory = std::make_shared<CountingFactory<>>();
  TCP4ServerEndpoint four(reactor, 8080, 17, "127.0.0.1");
  auto port = successResultOf(four.listen(factory));
  ASSERT_EQ(reactor.tcpServers.size(), 1u);
  auto& [p, f, backlog, interface] = reactor.tcpServers[0];
  EXPECT_EQ(p, 8080);
  EXPECT_EQ(f, factory);
  EXPECT_EQ(backlog, 17);
  EXPECT_EQ(interface, "127.0.0.1");
  EXPECT_NE(port, nullptr);

  TCP6ServerEndpoint six(reactor, 8081);
  successResultOf(six.listen(factory));
  EXPECT_EQ(reactor.tcpServers.at(1).interface, "::");
  EXPECT_EQ(reactor.tcpServers.at(1).backlog, 50);
}

TEST(TCPServerEndpoint, AListenThatFailsIsTheErrback) {
  twisted::testing::RaisingMemoryReactor reactor(
      std::make_exception_ptr(error::CannotListenError("", 80, "Permission denied")));
  TCP4ServerEndpoint endpoint(reactor, 80);
  Failure f = failureResultOf<error::CannotListenError>(
      endpoint.listen(std::make_shared<CountingFactory<>>()));
  EXPECT_NE(f.str().find("Permission denied"), std::string::npos);
}

TEST(TCPClientEndpoint, FiresWithTheProtocolAfterItsConnectionMade) {
  MemoryReactorClock reactor;
  auto factory = std::make_shared<CountingFactory<>>();
  TCP4ClientEndpoint endpoint(reactor, "example.com", 80, 7, std::pair<std::string, int>{"", 0});
  auto d = endpoint.connect(factory);
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  auto& [host, port, f, timeout, bindAddress] = reactor.tcpClients[0];
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 80);
  EXPECT_EQ(timeout, 7);
  EXPECT_TRUE(bindAddress.has_value());
  twisted::testing::assertNoResult(d);

  f->doStart();
  EXPECT_EQ(factory->starts, 1);  // the wrapping factory starts the user's
  std::unique_ptr<Protocol> wrapper = f->buildProtocol(kPeer);
  ASSERT_NE(wrapper, nullptr);
  twisted::testing::assertNoResult(d);
  StringTransport transport;
  wrapper->makeConnection(&transport);
  Probe* p = static_cast<Probe*>(successResultOf(d));
  EXPECT_EQ(p, factory->built);
  EXPECT_TRUE(p->made);
  EXPECT_EQ(p->transport, &transport);
  wrapper->dataReceived("hi");
  EXPECT_EQ(p->received, "hi");
  p->lostFlag = std::make_shared<bool>(false);
  wrapper->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(*p->lostFlag);
  f->doStop();
  EXPECT_EQ(factory->stops, 1);
}

TEST(TCPClientEndpoint, AFailedConnectionIsTheErrback) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "127.0.0.1", 1);
  auto d = endpoint.connect(std::make_shared<CountingFactory<>>());
  auto& client = reactor.tcpClients.at(0);
  std::dynamic_pointer_cast<ClientFactory>(client.factory)
      ->clientConnectionFailed(*reactor.connectors.at(0),
                               Failure(error::ConnectionRefusedError("refused")));
  failureResultOf<error::ConnectionRefusedError>(d);
}

TEST(TCPClientEndpoint, CancelStopsConnectingWithConnectingCancelledError) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "example.com", 443);
  auto d = endpoint.connect(std::make_shared<CountingFactory<>>());
  d.cancel();
  Failure f = failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_NE(f.str().find("example.com:443"), std::string::npos);
  EXPECT_TRUE(reactor.connectors.at(0)->stoppedConnecting);
  // A connection that completes anyway gets no protocol.
  EXPECT_EQ(reactor.tcpClients.at(0).factory->buildProtocol(kPeer), nullptr);
}

TEST(TCPClientEndpoint, NoProtocolWhenTheFactoryBuildsNone) {
  MemoryReactorClock reactor;
  auto factory = std::make_shared<CountingFactory<>>();
  factory->refuse = true;
  TCP4ClientEndpoint endpoint(reactor, "127.0.0.1", 80);
  auto d = endpoint.connect(factory);
  EXPECT_EQ(reactor.tcpClients.at(0).factory->buildProtocol(kPeer), nullptr);
  failureResultOf<error::NoProtocol>(d);
}

TEST(TCPClientEndpoint, TheWrapperIsHalfCloseableExactlyWhenTheProtocolIs) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "127.0.0.1", 80);
  auto plain = std::make_shared<CountingFactory<Probe>>();
  endpoint.connect(plain);
  auto w1 = reactor.tcpClients.at(0).factory->buildProtocol(kPeer);
  EXPECT_EQ(dynamic_cast<IHalfCloseableProtocol*>(w1.get()), nullptr);
  EXPECT_EQ(dynamic_cast<IHandshakeListener*>(w1.get()), nullptr);

  auto half = std::make_shared<CountingFactory<HalfCloseProbe>>();
  auto d = endpoint.connect(half);
  auto w2 = reactor.tcpClients.at(1).factory->buildProtocol(kPeer);
  auto* asHalf = dynamic_cast<IHalfCloseableProtocol*>(w2.get());
  ASSERT_NE(asHalf, nullptr);
  StringTransport transport;
  w2->makeConnection(&transport);
  asHalf->readConnectionLost();
  EXPECT_TRUE(half->built->readLost);
  successResultOf(d);
}

TEST(TCPClientEndpoint, ConnectProtocolGivesTheTypedInstance) {
  MemoryReactorClock reactor;
  TCP4ClientEndpoint endpoint(reactor, "127.0.0.1", 80);
  auto mine = std::make_unique<HalfCloseProbe>();
  HalfCloseProbe* raw = mine.get();
  auto d = connectProtocol(endpoint, std::move(mine));
  auto wrapper = reactor.tcpClients.at(0).factory->buildProtocol(kPeer);
  StringTransport transport;
  wrapper->makeConnection(&transport);
  EXPECT_EQ(successResultOf(d), raw);
}

// A reactor without a thread pool and no resolver given: a name cannot be
// looked up.
TEST(TCP6ClientEndpoint, NameWithoutResolverFails) {
  MemoryReactorClock reactor;
  TCP6ClientEndpoint name(reactor, "example.com", 80);
  failureResultOf<error::InvalidAddressError>(name.connect(std::make_shared<CountingFactory<>>()));
  EXPECT_TRUE(reactor.tcpClients.empty());
  TCP6ClientEndpoint literal(reactor, "::1", 80, 5);
  auto d = literal.connect(std::make_shared<CountingFactory<>>());
  EXPECT_EQ(reactor.tcpClients.at(0).host, "::1");
  d.cancel();
  Failure f = failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_NE(f.str().find("[::1]:80"), std::string::npos);
}

// Twisted: TCP6EndpointNameResolutionTests (the first IPv6 address).
TEST(TCP6ClientEndpoint, ResolvesANameToItsFirstIPv6Address) {
  MemoryReactorClock reactor;
  auto resolver = std::make_shared<twisted::testing::FakeHostnameResolver>();
  resolver->names["v6.test"] = {"127.0.0.1", "::1", "::2"};
  resolver->holdAnswers = true;
  std::optional<TCP6ClientEndpoint> endpoint(std::in_place, reactor, "v6.test", 80, 5,
                                             std::make_pair(std::string("::"), 0), resolver);
  auto d = endpoint->connect(std::make_shared<CountingFactory<>>());
  endpoint.reset();  // the lookup does not need it
  EXPECT_TRUE(reactor.tcpClients.empty());
  ASSERT_EQ(resolver->queries.size(), 1u);
  EXPECT_EQ(resolver->queries[0].name, "v6.test");
  resolver->flush();
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "::1");
  EXPECT_EQ(reactor.tcpClients[0].port, 80);
  EXPECT_EQ(reactor.tcpClients[0].timeout, 5);
  EXPECT_EQ(reactor.tcpClients[0].bindAddress, std::make_pair(std::string("::"), 0));
  auto wrapper = reactor.tcpClients[0].factory->buildProtocol(IPv6Address{"TCP", "::1", 80, 0, 0});
  StringTransport transport;
  wrapper->makeConnection(&transport);
  EXPECT_NE(successResultOf(d), nullptr);
}

TEST(TCP6ClientEndpoint, NameWithoutIPv6AddressFails) {
  MemoryReactorClock reactor;
  auto resolver = std::make_shared<twisted::testing::FakeHostnameResolver>();
  resolver->names["v4.test"] = {"127.0.0.1"};
  TCP6ClientEndpoint endpoint(reactor, "v4.test", 80, 30, {}, resolver);
  Failure f = failureResultOf<error::DNSLookupError>(
      endpoint.connect(std::make_shared<CountingFactory<>>()));
  EXPECT_NE(f.str().find("v4.test"), std::string::npos);
  resolver->names.clear();
  failureResultOf<error::DNSLookupError>(endpoint.connect(std::make_shared<CountingFactory<>>()));
  EXPECT_TRUE(reactor.tcpClients.empty());
}

TEST(TCP6ClientEndpoint, CancelDuringTheLookupCancelsIt) {
  MemoryReactorClock reactor;
  auto resolver = std::make_shared<twisted::testing::FakeHostnameResolver>();
  resolver->names["v6.test"] = {"::1"};
  resolver->holdAnswers = true;
  TCP6ClientEndpoint endpoint(reactor, "v6.test", 80, 30, {}, resolver);
  auto d = endpoint.connect(std::make_shared<CountingFactory<>>());
  EXPECT_EQ(resolver->pendingCount(), 1u);
  d.cancel();
  failureResultOf<defer::CancelledError>(d);
  EXPECT_EQ(resolver->pendingCount(), 0u);
  EXPECT_EQ(resolver->flush(), 0u);
  EXPECT_TRUE(reactor.tcpClients.empty());
}

TEST(UNIXEndpoints, PassTheirArguments) {
  MemoryReactorClock reactor;
  UNIXServerEndpoint server(reactor, "/tmp/x.sock", 9, 0600, true);
  successResultOf(server.listen(std::make_shared<CountingFactory<>>()));
  ASSERT_EQ(reactor.unixServers.size(), 1u);
  EXPECT_EQ(reactor.unixServers[0].address, "/tmp/x.sock");
  EXPECT_EQ(reactor.unixServers[0].backlog, 9);
  EXPECT_EQ(reactor.unixServers[0].mode, 0600);
  EXPECT_TRUE(reactor.unixServers[0].wantPID);
  UNIXClientEndpoint client(reactor, "/tmp/x.sock", 3, true);
  auto d = client.connect(std::make_shared<CountingFactory<>>());
  ASSERT_EQ(reactor.unixClients.size(), 1u);
  EXPECT_EQ(reactor.unixClients[0].address, "/tmp/x.sock");
  EXPECT_EQ(reactor.unixClients[0].timeout, 3);
  EXPECT_TRUE(reactor.unixClients[0].checkPID);
}

TEST(SSLEndpoints, AClientWithoutHostnameIsRefusedAsTheErrback) {
  MemoryReactorClock reactor;
  auto inner = std::make_shared<TCP4ClientEndpoint>(reactor, "127.0.0.1", 443);
  auto wrapped = wrapClientTLS(ssl::CertificateOptions({}), inner);
  failureResultOf<std::invalid_argument>(wrapped->connect(std::make_shared<CountingFactory<>>()));
  EXPECT_TRUE(reactor.tcpClients.empty());
}

TEST(SSLEndpoints, PassTheirArguments) {
  MemoryReactorClock reactor;
  SSL4ServerEndpoint server(reactor, 8443, ssl::CertificateOptions({}), 5, "::1");
  successResultOf(server.listen(std::make_shared<CountingFactory<>>()));
  ASSERT_EQ(reactor.sslServers.size(), 1u);
  EXPECT_EQ(reactor.sslServers[0].port, 8443);
  EXPECT_EQ(reactor.sslServers[0].interface, "::1");
  SSL4ClientEndpoint client(reactor, "example.com", 443, ssl::optionsForClientTLS("example.com"));
  auto d = client.connect(std::make_shared<CountingFactory<>>());
  ASSERT_EQ(reactor.sslClients.size(), 1u);
  EXPECT_EQ(reactor.sslClients[0].host, "example.com");
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
}

// --- real sockets on every backend ----------------------------------------------

class EndpointsTest : public testing_internal::RealReactorTest {
 protected:
  static void SetUpTestSuite() {
    ca = new test_pki::CA();
    server = new test_pki::Issued(ca->issue());
  }
  static void TearDownTestSuite() {
    delete server;
    delete ca;
  }
  ssl::CertificateOptions serverOptions() {
    ssl::CertificateOptions::Args a;
    a.certificate = ssl::PrivateCertificate::loadPEM(server->bothPEM());
    return ssl::CertificateOptions(std::move(a));
  }
  ssl::CertificateOptions clientOptions(const std::string& host = "localhost") {
    return ssl::optionsForClientTLS(
        host, ssl::trustRootFromCertificates({ssl::Certificate::loadPEM(ca->root.certPEM)}));
  }

  // Listens on `server` with an echo factory, connects through the endpoint
  // `makeClient(port)` gives, sends "ping", expects it back.
  template <class MakeClient>
  void echoThrough(IStreamServerEndpoint& serverEndpoint, MakeClient makeClient) {
    auto echoFactory = std::make_shared<CountingFactory<Probe>>();
    struct EchoFactory : Factory {
      std::unique_ptr<Protocol> buildProtocol(const Address&) override {
        auto p = std::make_unique<Probe>();
        p->echo = true;
        return p;
      }
    };
    std::shared_ptr<IListeningPort> port;
    serverEndpoint.listen(std::make_shared<EchoFactory>())
        .addCallbacks([&](std::shared_ptr<IListeningPort> p) { port = std::move(p); },
                      [](const Failure& f) { ADD_FAILURE() << f.str(); });
    ASSERT_NE(port, nullptr);
    std::shared_ptr<IStreamClientEndpoint> client = makeClient(*port);
    auto factory = std::make_shared<CountingFactory<Probe>>();
    Probe* probe = nullptr;
    client->connect(factory).addCallbacks(
        [&](Protocol* p) {
          probe = static_cast<Probe*>(p);
          EXPECT_TRUE(probe->made);
          p->transport->write("ping");
        },
        [&](const Failure& f) { ADD_FAILURE() << f.str(); });
    spinUntil([&] { return probe && probe->received == "ping"; });
    if (probe) probe->transport->loseConnection();
    bool stopped = false;
    port->stopListening().addCallback([&] { stopped = true; });
    spinUntil([&] { return stopped && factory->stops == 1; });
    EXPECT_EQ(factory->starts, 1);
  }

  static int portOf(const IListeningPort& port) {
    return std::visit(
        [](const auto& a) -> int {
          if constexpr (requires { a.port; })
            return a.port;
          else
            return 0;
        },
        port.getHost());
  }

  static test_pki::CA* ca;
  static test_pki::Issued* server;
};
test_pki::CA* EndpointsTest::ca = nullptr;
test_pki::Issued* EndpointsTest::server = nullptr;

TEST_P(EndpointsTest, TCP4) {
  TCP4ServerEndpoint server4(*r, 0, 50, "127.0.0.1");
  echoThrough(server4, [&](const IListeningPort& port) {
    return std::make_shared<TCP4ClientEndpoint>(*r, "127.0.0.1", portOf(port));
  });
}

TEST_P(EndpointsTest, TCP6) {
  int probe = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_addr = in6addr_loopback;
  bool has6 = probe >= 0 && ::bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (probe >= 0) ::close(probe);
  if (!has6) GTEST_SKIP() << "no IPv6 loopback";
  TCP6ServerEndpoint server6(*r, 0, 50, "::1");
  echoThrough(server6, [&](const IListeningPort& port) {
    return std::make_shared<TCP6ClientEndpoint>(*r, "::1", portOf(port));
  });
}

// A name, through the reactor's own resolver (getaddrinfo on its pool): the
// endpoint agrees with the system. Where localhost is ::1 first, an echo goes
// through; where it has no IPv6 address (a container's /etc/hosts), the
// connect fails with DNSLookupError.
TEST_P(EndpointsTest, TCP6ByName) {
  addrinfo hints{};
  hints.ai_family = AF_INET6;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string first;
  if (::getaddrinfo("localhost", nullptr, &hints, &found) == 0) {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr, text,
                sizeof text);
    first = text;
    ::freeaddrinfo(found);
  }
  if (first.empty()) {
    TCP6ClientEndpoint endpoint(*r, "localhost", 9);
    auto d = endpoint.connect(std::make_shared<Factory>());
    std::optional<Failure> failure;
    d.addErrback([&](Failure f) {
      failure = f;
      r->stop();
      return static_cast<Protocol*>(nullptr);
    });
    runBounded();  // run(): the lookup needs the reactor's thread pool
    ASSERT_TRUE(failure);
    EXPECT_TRUE(failure->check<error::DNSLookupError>()) << failure->str();
    return;
  }
  if (first != "::1") GTEST_SKIP() << "localhost's first IPv6 address is " << first;
  auto port = r->listenTCP(0, std::make_shared<CountingFactory<>>(), 50, "::1");
  TCP6ClientEndpoint endpoint(*r, "localhost", twisted::internet::portOf(port->getHost()));
  std::optional<Address> peer;
  endpoint.connect(std::make_shared<CountingFactory<>>())
      .addCallbacks(
          [&](Protocol* p) {
            peer = p->transport->getPeer();
            p->transport->loseConnection();
            r->stop();
          },
          [&](const Failure& f) {
            ADD_FAILURE() << f.str();
            r->stop();
          });
  runBounded();
  ASSERT_TRUE(peer);
  EXPECT_EQ(hostOf(*peer), "::1");
  EXPECT_EQ(twisted::internet::portOf(*peer), twisted::internet::portOf(port->getHost()));
}

TEST_P(EndpointsTest, UNIX) {
  char dir[] = "/tmp/twisted-endpoints-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/echo.sock";
  UNIXServerEndpoint serverU(*r, path);
  echoThrough(serverU, [&](const IListeningPort&) {
    return std::make_shared<UNIXClientEndpoint>(*r, path);
  });
  ::unlink(path.c_str());
  ::rmdir(dir);
}

TEST_P(EndpointsTest, SSL4) {
  SSL4ServerEndpoint serverS(*r, 0, serverOptions(), 50, "127.0.0.1");
  echoThrough(serverS, [&](const IListeningPort& port) {
    return std::make_shared<SSL4ClientEndpoint>(*r, "127.0.0.1", portOf(port),
                                                clientOptions("127.0.0.1"));
  });
}

TEST_P(EndpointsTest, WrapClientTLSOverTCP) {
  SSL4ServerEndpoint serverS(*r, 0, serverOptions(), 50, "127.0.0.1");
  echoThrough(serverS, [&](const IListeningPort& port) {
    return wrapClientTLS(clientOptions("localhost"),
                         std::make_shared<TCP4ClientEndpoint>(*r, "127.0.0.1", portOf(port)));
  });
}

TEST_P(EndpointsTest, WrapClientTLSReportsAWrongHostAsTheConnectionLoss) {
  SSL4ServerEndpoint serverS(*r, 0, serverOptions(), 50, "127.0.0.1");
  std::shared_ptr<IListeningPort> port =
      successResultOf(serverS.listen(Factory::forProtocol<Probe>()));
  auto client = wrapClientTLS(clientOptions("wrong.example"),
                              std::make_shared<TCP4ClientEndpoint>(*r, "127.0.0.1", portOf(*port)));
  auto factory = std::make_shared<CountingFactory<Probe>>();
  auto lost = std::make_shared<bool>(false);
  Probe* probe = nullptr;
  client->connect(factory).addCallback([&](Protocol* p) {
    probe = static_cast<Probe*>(p);
    probe->lostFlag = lost;
  });
  spinUntil([&] { return *lost; });
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
}

TEST_P(EndpointsTest, SSL4ClientWithoutHostnameIsRefusedAsTheErrback) {
  SSL4ClientEndpoint endpoint(*r, "127.0.0.1", 443, ssl::CertificateOptions({}));
  failureResultOf<std::invalid_argument>(endpoint.connect(std::make_shared<CountingFactory<>>()));
}

TEST_P(EndpointsTest, RefusedConnection) {
  // A port that was just closed: nothing listens there.
  TCP4ServerEndpoint server4(*r, 0, 50, "127.0.0.1");
  auto port = successResultOf(server4.listen(Factory::forProtocol<Probe>()));
  int closedPort = portOf(*port);
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  TCP4ClientEndpoint client(*r, "127.0.0.1", closedPort);
  std::optional<Failure> failure;
  client.connect(std::make_shared<CountingFactory<>>())
      .addCallbacks([](Protocol*) { ADD_FAILURE() << "connected to a closed port"; },
                    [&](const Failure& f) { failure = f; });
  spinUntil([&] { return failure.has_value(); });
  if (failure) {
    EXPECT_TRUE(failure->check<error::ConnectionRefusedError>()) << failure->str();
  }
}

TEST_P(EndpointsTest, AdoptedListensOnceAndClosesTheGivenDescriptor) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  int port = ntohs(sa.sin_port);
  AdoptedStreamServerEndpoint adopted(*r, fd, AF_INET);
  echoThrough(adopted, [&](const IListeningPort&) {
    return std::make_shared<TCP4ClientEndpoint>(*r, "127.0.0.1", port);
  });
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the adopted descriptor is still open";
  failureResultOf<error::AlreadyListened>(adopted.listen(Factory::forProtocol<Probe>()));
}

TEST_P(EndpointsTest, StandardIOEndpointServesThePipesAndStops) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  StandardIOEndpoint endpoint(*r, in[0], out[1]);
  struct EchoFactory : Factory {
    std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
      EXPECT_TRUE(std::holds_alternative<PipeAddress>(addr));
      auto p = std::make_unique<Probe>();
      p->echo = true;
      return p;
    }
  };
  auto port = successResultOf(endpoint.listen(std::make_shared<EchoFactory>()));
  EXPECT_TRUE(std::holds_alternative<PipeAddress>(port->getHost()));
  failureResultOf<error::AlreadyListened>(endpoint.listen(std::make_shared<EchoFactory>()));
  ASSERT_EQ(::write(in[1], "hello", 5), 5);
  std::string got;
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  spinUntil([&] {
    char buf[16];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n > 0) got.append(buf, n);
    return got == "hello";
  });
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  // The connection is gone: the endpoint may listen again.
  auto again = endpoint.listen(std::make_shared<EchoFactory>());
  successResultOf(again)->stopListening();
  spinFor(0.05);
  ::close(in[0]);
  ::close(in[1]);
  ::close(out[0]);
  ::close(out[1]);
}

TWISTED_INSTANTIATE_BACKENDS(EndpointsTest);

}  // namespace
