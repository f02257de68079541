// The code snippets of docs/policies.md, verbatim, so the guide cannot drift
// from what compiles. Each runs on a StringTransport with a task::Clock.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/string_transport.h>

// docs/policies.md, top.
#include <twisted/protocols/basic.h>
#include <twisted/protocols/policies.h>     // TimeoutMixin, WrappingFactory, ...
#include <twisted/protocols/portforward.h>  // ProxyFactory
#include <twisted/protocols/wire.h>         // Echo, Discard, Chargen, QOTD, ...
using namespace twisted::internet;
using namespace twisted::protocols;

namespace doc_examples {

using twisted::python::Failure;
using twisted::testing::StringTransport;

const Address kPeer = IPv4Address{"TCP", "192.168.1.1", 54321};

// The doc's program lines: compiled, not run (they use the global reactor).
void listenTCP(const std::shared_ptr<Factory>& factory,
               const std::shared_ptr<portforward::ProxyFactory>& forward) {
  reactor().listenTCP(8007, factory);
  reactor().listenTCP(15432, forward);  // each connection is relayed to db.internal:5432
}

// --- "TimeoutMixin" -------------------------------------------------------------

class Session : public basic::LineReceiver, public policies::TimeoutMixin {
 public:
  void connectionMade() override { setTimeout(60); }  // idle for 60 s: timeoutConnection()
  void lineReceived(std::string_view line) override {
    resetTimeout();  // traffic: count 60 s from now
    sendLine(line);
  }
  void timeoutConnection() override {
    sendLine("idle timeout");
    TimeoutMixin::timeoutConnection();  // loseConnection()
  }
  void connectionLost(const Failure&) override { setTimeout(std::nullopt); }
};

TEST(PoliciesDoc, Session) {
  task::Clock clock;
  StringTransport t;
  Session s;
  s.clock = &clock;  // default: reactor()
  s.makeConnection(&t);
  clock.advance(59);
  s.dataReceived("hi\r\n");
  clock.advance(59);
  EXPECT_FALSE(t.disconnecting());
  clock.advance(1);
  EXPECT_TRUE(t.disconnecting());
  EXPECT_EQ(t.value(), "hi\r\nidle timeout\r\n");
}

// --- "WrappingFactory and ProtocolWrapper" ----------------------------------------

// Counts the bytes of each connection, whatever protocol it wraps.
class Counting : public policies::ProtocolWrapper {
 public:
  using ProtocolWrapper::ProtocolWrapper;
  void dataReceived(std::string_view data) override {
    bytesIn += data.size();
    ProtocolWrapper::dataReceived(data);  // on to the wrapped protocol
  }
  void write(std::string_view data) override {
    bytesOut += data.size();
    ProtocolWrapper::write(data);  // on to the real transport
  }
  std::size_t bytesIn = 0, bytesOut = 0;
};

class CountingFactory : public policies::WrappingFactory {
 public:
  using WrappingFactory::WrappingFactory;
  std::unique_ptr<policies::ProtocolWrapper> wrapProtocol(
      std::unique_ptr<Protocol> wrapped) override {
    return std::make_unique<Counting>(this, std::move(wrapped));
  }
};

TEST(PoliciesDoc, Counting) {
  auto factory = std::make_shared<CountingFactory>(Factory::forProtocol<wire::Echo>());
  // reactor().listenTCP(8007, factory);
  std::unique_ptr<Protocol> p = factory->buildProtocol(kPeer);
  StringTransport t;
  p->makeConnection(&t);
  p->dataReceived("hello");
  auto& counting = static_cast<Counting&>(*p);
  EXPECT_EQ(t.value(), "hello");
  EXPECT_EQ(counting.bytesIn, 5u);
  EXPECT_EQ(counting.bytesOut, 5u);
  EXPECT_EQ(factory->protocols.size(), 1u);
  p->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(factory->protocols.empty());
}

// --- "Connection limits" --------------------------------------------------------------

class Busy : public Protocol {
  void connectionMade() override {
    transport->write("busy, try later\r\n");
    transport->loseConnection();
  }
};

std::shared_ptr<policies::LimitTotalConnectionsFactory> limited() {
  auto f = std::make_shared<policies::LimitTotalConnectionsFactory>();
  f->setProtocol<wire::Echo>();
  f->connectionLimit = 100;
  f->setOverflowProtocol<Busy>();  // without one, connection 101 is refused (closed)
  return f;
}

TEST(PoliciesDoc, Limited) {
  auto f = limited();
  f->connectionLimit = 1;
  auto first = f->buildProtocol(kPeer);
  StringTransport t1, t2;
  first->makeConnection(&t1);
  auto second = f->buildProtocol(kPeer);
  second->makeConnection(&t2);
  EXPECT_EQ(t2.value(), "busy, try later\r\n");
  EXPECT_EQ(f->connectionCount, 2);  // the overflow connection counts while it lasts
  second->connectionLost(Failure(error::ConnectionDone()));
  first->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(f->connectionCount, 0);

  f->overflowProtocol = nullptr;
  auto third = f->buildProtocol(kPeer);
  StringTransport t3;
  third->makeConnection(&t3);
  EXPECT_EQ(f->buildProtocol(kPeer), nullptr);  // refused
}

TEST(PoliciesDoc, ByPeer) {
  auto f = std::make_shared<policies::LimitConnectionsByPeer>(Factory::forProtocol<wire::Echo>());
  f->maxConnectionsPerPeer = 2;
  f->doStart();
  auto a = f->buildProtocol(kPeer);
  auto b = f->buildProtocol(kPeer);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(f->buildProtocol(kPeer), nullptr);
  EXPECT_NE(f->buildProtocol(IPv4Address{"TCP", "10.0.0.2", 1}), nullptr);
}

// --- "ThrottlingFactory" ---------------------------------------------------------------

TEST(PoliciesDoc, Throttling) {
  task::Clock clock;
  // docs/policies.md
  auto throttled = std::make_shared<policies::ThrottlingFactory>(
      Factory::forProtocol<wire::Echo>(), /*maxConnectionCount=*/100,
      /*readLimit=*/10.0, /*writeLimit=*/std::nullopt);  // bytes per second, all connections
  throttled->clock = &clock;                             // default: reactor()
  // end
  auto p = throttled->buildProtocol(kPeer);
  StringTransport t;
  p->makeConnection(&t);
  p->dataReceived(std::string(30, 'x'));  // 3 s worth
  clock.advance(1);                       // the check: 30 > 10, pause for 30/10 - 1 = 2 s
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  clock.advance(1.9);
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  clock.advance(0.1);
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::producing);
  p->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(throttled->connectionCount, 0);
  EXPECT_EQ(clock.getDelayedCalls().size(), 0u) << "the checks stop with the last connection";
}

// --- "wire and portforward" -----------------------------------------------------------

TEST(PoliciesDoc, WireAndPortforward) {
  auto echo = Factory::forProtocol<wire::Echo>();
  auto forward = std::make_shared<portforward::ProxyFactory>("db.internal", 5432);
  // reactor().listenTCP(8007, echo); reactor().listenTCP(15432, forward);
  StringTransport t;
  auto p = echo->buildProtocol(kPeer);
  p->makeConnection(&t);
  p->dataReceived("ping");
  EXPECT_EQ(t.value(), "ping");
  EXPECT_NE(forward, nullptr);
}

}  // namespace doc_examples
