// ClientCreator: the cases of Twisted's ClientCreatorTests
// (src/twisted/internet/test/test_protocol.py), with MemoryReactorClock, and
// one round trip on a real reactor.
#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>
#include <string>

#include <twisted/internet/client_creator.h>
#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/ssl.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

namespace {

using namespace twisted::internet;
using defer::Deferred;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::MemoryReactorClock;
using twisted::testing::StringTransport;
using twisted::testing::successResultOf;

class Greeter : public Protocol {
 public:
  explicit Greeter(std::string g = "hi", int* constructed = nullptr) : greeting(std::move(g)) {
    if (constructed) ++*constructed;
  }
  void connectionMade() override { made = true; }
  std::string greeting;
  bool made = false;
};

const Address kAddr = IPv4Address{"TCP", "127.0.0.1", 1234};

TEST(ClientCreator, ConnectTCPPassesArgumentsToTheReactor) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("example.com", 1234, 7, std::make_pair(std::string("10.0.0.1"), 5));
  ASSERT_EQ(r.tcpClients.size(), 1u);
  auto& [host, port, factory, timeout, bindAddress] = r.tcpClients[0];
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 1234);
  EXPECT_EQ(timeout, 7);
  ASSERT_TRUE(bindAddress);
  EXPECT_EQ(*bindAddress, std::make_pair(std::string("10.0.0.1"), 5));
  EXPECT_FALSE(factory->noisy);
  assertNoResult(d);
}

TEST(ClientCreator, ConnectSSLPassesArgumentsAndTheTLSOptionsToTheReactor) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto options = ssl::optionsForClientTLS("example.com");
  auto d = cc.connectSSL("example.com", 443, options, 9);
  ASSERT_TRUE(r.tcpClients.empty());
  ASSERT_EQ(r.sslClients.size(), 1u);
  auto& [host, port, factory, contextFactory, timeout, bindAddress] = r.sslClients[0];
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 443);
  EXPECT_EQ(contextFactory.data(), options.data()) << "the same options object";
  EXPECT_EQ(contextFactory.args().hostname, "example.com");
  EXPECT_EQ(timeout, 9);
  EXPECT_FALSE(bindAddress);
  auto proto = factory->buildProtocol(kAddr);
  StringTransport t;
  proto->makeConnection(&t);
  r.advance(0);
  EXPECT_EQ(successResultOf(d), proto.get());
}

TEST(ClientCreator, FiresOnTheNextTurnAfterConnectionMade) {
  MemoryReactorClock r;
  int constructed = 0;
  ClientCreator<Greeter> cc(r, std::string("hello"), &constructed);
  Deferred<Greeter*> d = cc.connectTCP("h", 1);
  EXPECT_EQ(constructed, 1) << "the instance is built when connecting, as Twisted's";
  auto proto = r.tcpClients[0].factory->buildProtocol(kAddr);
  ASSERT_TRUE(proto);
  EXPECT_EQ(proto->factory, nullptr) << "Twisted's _InstanceFactory leaves factory unset";
  EXPECT_FALSE(r.tcpClients[0].factory->buildProtocol(kAddr)) << "one instance only";
  StringTransport t;
  proto->makeConnection(&t);
  assertNoResult(d);  // via callLater(0), not synchronously
  r.advance(0);
  Greeter* g = successResultOf(d);
  EXPECT_EQ(g, proto.get());
  EXPECT_TRUE(g->made);
  EXPECT_EQ(g->greeting, "hello");
}

TEST(ClientCreator, FailureErrbacksWithTheFactorysReasonOnTheNextTurn) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("h", 1);
  r.tcpClients[0].factory->clientConnectionFailed(*r.connectors[0],
                                                  Failure(error::ConnectionRefusedError()));
  assertNoResult(d);
  r.advance(0);
  Failure f = failureResultOf<error::ConnectionRefusedError>(d);
  EXPECT_NE(f.getErrorMessage().find("Connection was refused"), std::string::npos);
}

TEST(ClientCreator, CancelWhileConnectingDisconnectsAndErrbacksCancelled) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("h", 1);
  d.cancel();
  EXPECT_TRUE(r.connectors[0]->disconnected);
  failureResultOf<defer::CancelledError>(d);
}

TEST(ClientCreator, CancelAfterConnectedButBeforeFiringDisconnects) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("h", 1);
  auto proto = r.tcpClients[0].factory->buildProtocol(kAddr);
  StringTransport t;
  proto->makeConnection(&t);
  EXPECT_EQ(r.getDelayedCalls().size(), 1u);
  d.cancel();
  EXPECT_TRUE(r.connectors[0]->disconnected);
  EXPECT_TRUE(r.getDelayedCalls().empty()) << "the pending firing was cancelled";
  failureResultOf<defer::CancelledError>(d);
  r.advance(0);
}

TEST(ClientCreator, CancelAfterFailureButBeforeFiringGivesCancelledError) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("h", 1);
  r.tcpClients[0].factory->clientConnectionFailed(*r.connectors[0], Failure(error::UserError()));
  d.cancel();
  failureResultOf<defer::CancelledError>(d);
  r.advance(0);
}

TEST(ClientCreator, LostBeforeFiringErrbacksWithTheReason) {
  MemoryReactorClock r;
  ClientCreator<Greeter> cc(r);
  auto d = cc.connectTCP("h", 1);
  auto& factory = r.tcpClients[0].factory;
  auto proto = factory->buildProtocol(kAddr);
  StringTransport t;
  proto->makeConnection(&t);
  proto->connectionLost(Failure(error::ConnectionLost()));
  factory->clientConnectionLost(*r.connectors[0], Failure(error::ConnectionLost()));
  proto.reset();  // the transport destroys its protocol
  failureResultOf<error::ConnectionLost>(d);
  r.advance(0);
}

TEST(ClientCreator, BuilderFormDeducesTheProtocolType) {
  MemoryReactorClock r;
  ClientCreator cc(r, [] { return std::make_unique<Greeter>("built"); });
  Deferred<Greeter*> d = cc.connectTCP("h", 1);
  auto proto = r.tcpClients[0].factory->buildProtocol(kAddr);
  StringTransport t;
  proto->makeConnection(&t);
  r.advance(0);
  EXPECT_EQ(successResultOf(d)->greeting, "built");
}

TEST(ClientCreator, UntypedFormGivesProtocolPointer) {
  MemoryReactorClock r;
  ClientCreator<> cc(r);
  Deferred<Protocol*> d = cc.connectTCP("h", 1);
  assertNoResult(d);
}

TEST(ClientCreator, ConnectExceptionPropagates) {
  // RaisingMemoryReactor is no clock: pair a Clock with it.
  struct Raising : twisted::testing::RaisingMemoryReactor, task::Clock {
    using RaisingMemoryReactor::RaisingMemoryReactor;
  } r(nullptr, std::make_exception_ptr(error::ConnectError("boom")));
  ClientCreator<Greeter> cc(r);
  EXPECT_THROW(cc.connectTCP("h", 1), error::ConnectError);
}

// --- on a real reactor ------------------------------------------------------

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

class Collector : public Protocol {
 public:
  explicit Collector(ReactorBase* r) : r_(r) {}
  void dataReceived(std::string_view data) override {
    received.append(data);
    if (received == "ping") transport->loseConnection();
  }
  void connectionLost(const Failure&) override { r_->stop(); }
  std::string received;
  ReactorBase* r_;
};

TEST(ClientCreatorTCP, ConnectsAndFiresWithTheConnectedProtocol) {
  auto r = makeReactor("epoll");
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  ClientCreator<Collector> cc(*r, r.get());
  std::string got;
  cc.connectTCP("127.0.0.1", portOf(port->getHost())).addCallback([&](Collector* c) {
    EXPECT_TRUE(c->connected);
    c->transport->write("ping");
  });
  auto guard = r->callLater(10, [&] { r->stop(); });
  r->run(false);
  EXPECT_TRUE(guard.active()) << "timed out";
  if (guard.active()) guard.cancel();
}

TEST(ClientCreatorTCP, RefusedConnectionErrbacks) {
  auto r = makeReactor("epoll");
  int n;
  {
    auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
    n = portOf(port->getHost());
    port->stopListening();
    r->iterate(0);
  }
  ClientCreator<Echo> cc(*r);
  std::optional<Failure> failure;
  cc.connectTCP("127.0.0.1", n).addErrback([&](Failure f) -> Echo* {
    failure = f;
    r->stop();
    return nullptr;
  });
  auto guard = r->callLater(10, [&] { r->stop(); });
  r->run(false);
  if (guard.active()) guard.cancel();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>()) << failure->getErrorMessage();
}

TEST(ClientCreatorUNIX, ConnectsOverAUnixSocketAndFails) {
  auto r = makeReactor("epoll");
  char dir[] = "/tmp/twistedcpp-cc-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/sock";
  {
    auto port = r->listenUNIX(path, Factory::forProtocol<Echo>());
    ClientCreator<Collector> cc(*r, r.get());
    bool fired = false;
    cc.connectUNIX(path).addCallback([&](Collector* c) {
      fired = true;
      EXPECT_NE(dynamic_cast<IUNIXTransport*>(c->transport), nullptr);
      c->transport->write("ping");
    });
    auto guard = r->callLater(10, [&] { r->stop(); });
    r->run(false);
    EXPECT_TRUE(guard.active()) << "timed out";
    if (guard.active()) guard.cancel();
    EXPECT_TRUE(fired);
    port->stopListening();
  }
  ClientCreator<Echo> cc(*r);
  std::optional<Failure> failure;
  cc.connectUNIX(std::string(dir) + "/nobody").addErrback([&](Failure f) -> Echo* {
    failure = f;
    return nullptr;
  });
  for (int i = 0; i < 100 && !failure; ++i)
    r->iterate(0.01);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::ConnectError>()) << failure->getErrorMessage();
  ::rmdir(dir);
}

// A reactor with TCP and time but not Unix sockets.
class TCPOnlyReactor : public twisted::testing::RaisingMemoryReactor,
                       public twisted::internet::task::Clock {};

TEST(ClientCreatorUNIX, AReactorWithoutIReactorUNIXRefuses) {
  TCPOnlyReactor reactor;
  ClientCreator<Echo> cc(reactor);
  EXPECT_THROW(cc.connectUNIX("/nowhere"), std::logic_error);
}

TEST(ClientCreatorUNIX, MemoryReactorRecordsTheConnect) {
  twisted::testing::MemoryReactorClock reactor;
  ClientCreator<Echo> cc(reactor);
  cc.connectUNIX("/nowhere", 7);
  ASSERT_EQ(reactor.unixClients.size(), 1u);
  EXPECT_EQ(reactor.unixClients[0].address, "/nowhere");
  EXPECT_EQ(reactor.unixClients[0].timeout, 7);
}

}  // namespace
