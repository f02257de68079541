// twisted.protocols.policies: the cases of Twisted's
// src/twisted/test/test_policies.py (WrapperTests, ThrottlingTests,
// LimitTotalConnectionsFactoryTests, TimeoutMixinTests), deterministic with
// StringTransport and task::Clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/policies.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::policies;
using twisted::python::Failure;
using twisted::testing::AccumulatingProtocol;
using twisted::testing::StringTransport;

const Address kPeer = IPv4Address{"TCP", "192.168.1.1", 54321};

struct Wrapped {
  std::unique_ptr<Protocol> owner;
  ProtocolWrapper* wrapper;
  AccumulatingProtocol* inner;
};

Wrapped build(Factory& f, const Address& addr = kPeer) {
  auto p = f.buildProtocol(addr);
  if (!p) return {nullptr, nullptr, nullptr};
  auto* w = dynamic_cast<ProtocolWrapper*>(p.get());
  auto* inner = w ? dynamic_cast<AccumulatingProtocol*>(w->wrappedProtocol.get()) : nullptr;
  return {std::move(p), w, inner};
}

// --- ProtocolWrapper / WrappingFactory ------------------------------------------------

TEST(WrappingFactory, WrapsTheWrappedFactorysProtocol) {
  auto inner = Factory::forProtocol<AccumulatingProtocol>();
  WrappingFactory f(inner);
  auto w = build(f);
  ASSERT_TRUE(w.wrapper);
  ASSERT_TRUE(w.inner);
  EXPECT_EQ(w.wrapper->factory, &f);
  EXPECT_EQ(w.inner->factory, inner.get())
      << "the wrapped protocol's factory is the wrapped factory";
  EXPECT_TRUE(f.protocols.empty()) << "registered on connection, not on build";
}

TEST(WrappingFactory, ForwardsProtocolAndTransportCalls) {
  WrappingFactory f(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  EXPECT_TRUE(f.protocols.contains(w.wrapper));
  EXPECT_TRUE(w.inner->made);
  EXPECT_EQ(w.inner->transport, w.wrapper) << "the wrapper is the wrapped protocol's transport";

  w.owner->dataReceived("in");
  EXPECT_EQ(w.inner->data, "in");
  w.inner->transport->write("out");
  std::string_view seq[] = {"a", "b"};
  w.inner->transport->writeSequence(seq);
  EXPECT_EQ(t.value(), "outab");
  EXPECT_EQ(w.inner->transport->getPeer(), t.getPeer());
  EXPECT_EQ(w.inner->transport->getHost(), t.getHost());

  w.inner->transport->pauseProducing();
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  w.inner->transport->resumeProducing();
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::producing);

  struct P : IPushProducer {
    void pauseProducing() override {}
    void resumeProducing() override {}
    void stopProducing() override {}
  } producer;
  w.inner->transport->registerProducer(&producer, true);
  EXPECT_EQ(t.producer, &producer);
  w.inner->transport->unregisterProducer();
  EXPECT_EQ(t.producer, nullptr);

  EXPECT_FALSE(w.inner->transport->disconnecting());
  w.inner->transport->loseConnection();
  EXPECT_TRUE(w.inner->transport->disconnecting());
  EXPECT_TRUE(t.disconnecting());

  w.owner->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(w.inner->closed);
  EXPECT_FALSE(w.inner->connected);
  EXPECT_TRUE(f.protocols.empty());
}

TEST(WrappingFactory, AWrapperSubclassConnectionMadeRunsBeforeTheWrappedProtocols) {
  struct Logging : ProtocolWrapper {
    using ProtocolWrapper::ProtocolWrapper;
    void connectionMade() override {
      innerMadeFirst = static_cast<AccumulatingProtocol&>(*wrappedProtocol).made;
      registered = static_cast<WrappingFactory*>(factory)->protocols.contains(this);
      ++calls;
    }
    bool innerMadeFirst = true;
    bool registered = true;
    int calls = 0;
  };
  struct F : WrappingFactory {
    using WrappingFactory::WrappingFactory;
    std::unique_ptr<ProtocolWrapper> wrapProtocol(std::unique_ptr<Protocol> p) override {
      return std::make_unique<Logging>(this, std::move(p));
    }
  } f(Factory::forProtocol<AccumulatingProtocol>());
  auto p = f.buildProtocol(kPeer);
  StringTransport t;
  p->makeConnection(&t);
  auto& w = static_cast<Logging&>(*p);
  EXPECT_EQ(w.calls, 1);
  EXPECT_FALSE(w.innerMadeFirst) << "Twisted's order: the wrapper, then register, then the wrapped";
  EXPECT_FALSE(w.registered);
  EXPECT_TRUE(static_cast<AccumulatingProtocol&>(*w.wrappedProtocol).made);
  EXPECT_EQ(w.transport, &t);
}

TEST(WrappingFactory, LogPrefixesNameBoth) {
  WrappingFactory f(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(f);
  EXPECT_EQ(w.wrapper->logPrefix(), "AccumulatingProtocol (ProtocolWrapper)");
  EXPECT_EQ(f.logPrefix(), "Factory (WrappingFactory)");
}

TEST(WrappingFactory, RefusesWhenTheWrappedFactoryRefuses) {
  struct Refusing : Factory {
    std::unique_ptr<Protocol> buildProtocol(const Address&) override { return nullptr; }
  };
  WrappingFactory f(std::make_shared<Refusing>());
  EXPECT_FALSE(f.buildProtocol(kPeer));
}

TEST(WrappingFactory, StartsAndStopsTheWrappedFactory) {
  auto inner = Factory::forProtocol<AccumulatingProtocol>();
  inner->noisy = false;
  WrappingFactory f(inner);
  f.noisy = false;
  f.doStart();
  f.doStart();
  EXPECT_EQ(inner->numPorts, 1);
  f.doStop();
  EXPECT_EQ(inner->numPorts, 1);
  f.doStop();
  EXPECT_EQ(inner->numPorts, 0);
}

TEST(WrappingFactory, ForwardsClientCallbacks) {
  struct Client : ClientFactory {
    std::vector<std::string> calls;
    void startedConnecting(IConnector&) override { calls.push_back("started"); }
    void clientConnectionFailed(IConnector&, const Failure&) override { calls.push_back("failed"); }
    void clientConnectionLost(IConnector&, const Failure&) override { calls.push_back("lost"); }
  };
  auto inner = std::make_shared<Client>();
  auto f = std::make_shared<WrappingFactory>(inner);
  twisted::testing::MemoryReactor r;
  auto c = r.connectTCP("h", 1, f);
  f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
  f->clientConnectionLost(*c, Failure(error::ConnectionDone()));
  EXPECT_EQ(inner->calls, (std::vector<std::string>{"started", "failed", "lost"}));
}

TEST(WrappingFactory, WrapperDestroyedWithoutConnectionLostUnregisters) {
  WrappingFactory f(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  EXPECT_EQ(f.protocols.size(), 1u);
  w.owner.reset();
  EXPECT_TRUE(f.protocols.empty());
}

TEST(WrappingFactory, FactoryDestroyedFirstDetachesItsWrappers) {
  auto f = std::make_unique<WrappingFactory>(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(*f);
  StringTransport t;
  w.owner->makeConnection(&t);
  f.reset();
  w.owner->connectionLost(Failure(error::ConnectionDone()));  // no dangling registry
  EXPECT_TRUE(w.inner->closed);
}

TEST(WrappingFactory, TCPMethodsNeedATCPTransport) {
  WrappingFactory f(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  EXPECT_THROW(w.wrapper->setTcpNoDelay(true), std::logic_error);
  EXPECT_THROW(w.wrapper->loseWriteConnection(), std::logic_error);
}

// --- ThrottlingFactory ------------------------------------------------------------------

TEST(ThrottlingFactory, RefusesBeyondMaxConnectionCount) {
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 2);
  auto a = build(f);
  auto b = build(f);
  ASSERT_TRUE(a.wrapper);
  ASSERT_TRUE(b.wrapper);
  EXPECT_TRUE(dynamic_cast<ThrottlingProtocol*>(a.wrapper));
  EXPECT_EQ(f.connectionCount, 2);
  EXPECT_FALSE(f.buildProtocol(kPeer)) << "Max connection count reached";
  StringTransport t;
  a.owner->makeConnection(&t);
  a.owner->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(f.connectionCount, 1);
  EXPECT_TRUE(f.buildProtocol(kPeer));
}

TEST(ThrottlingFactory, CountsBytesReadAndWritten) {
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>());
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  w.owner->dataReceived("12345");
  w.inner->transport->write("abc");
  std::string_view seq[] = {"de", "f"};
  w.inner->transport->writeSequence(seq);
  EXPECT_EQ(f.readThisSecond, 5u);
  EXPECT_EQ(f.writtenThisSecond, 6u);
  EXPECT_EQ(w.inner->data, "12345");
  EXPECT_EQ(t.value(), "abcdef");
}

TEST(ThrottlingFactory, ThrottlesReadsForTheExcessThenResumes) {
  task::Clock clock;
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 100, 10.0);
  f.clock = &clock;
  auto w = build(f);  // the first connection starts the checks
  StringTransport t;
  w.owner->makeConnection(&t);
  w.owner->dataReceived(std::string(30, 'x'));
  clock.advance(1);  // 30 B in a second, limit 10: paused for 30/10 - 1 = 2 s
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  EXPECT_EQ(f.readThisSecond, 0u) << "a new window";
  clock.advance(1.999);
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  clock.advance(0.001);
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::producing);
}

TEST(ThrottlingFactory, UnderTheLimitNothingIsThrottled) {
  task::Clock clock;
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 100, 10.0);
  f.clock = &clock;
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  w.owner->dataReceived(std::string(10, 'x'));
  clock.advance(1);
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::producing);
}

class Producer : public IPushProducer {
 public:
  void pauseProducing() override { paused = true; }
  void resumeProducing() override { paused = false; }
  void stopProducing() override {}
  bool paused = false;
};

TEST(ThrottlingFactory, ThrottlesWritesThroughTheRegisteredProducer) {
  task::Clock clock;
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 100, std::nullopt, 10.0);
  f.clock = &clock;
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  Producer producer;
  w.inner->transport->registerProducer(&producer, true);
  EXPECT_EQ(dynamic_cast<ThrottlingProtocol*>(w.wrapper)->producer, &producer);
  w.inner->transport->write(std::string(25, 'x'));
  clock.advance(1);  // 25/10 - 1 = 1.5 s
  EXPECT_TRUE(producer.paused);
  clock.advance(1.5);
  EXPECT_FALSE(producer.paused);
  w.inner->transport->unregisterProducer();
  w.inner->transport->write(std::string(25, 'x'));
  clock.advance(1);  // no producer: nothing to pause (Twisted's documented limit)
  EXPECT_FALSE(producer.paused);
}

TEST(ThrottlingFactory, TheLastConnectionCancelsTheChecks) {
  task::Clock clock;
  ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 100, 10.0, 10.0);
  f.clock = &clock;
  auto w = build(f);
  StringTransport t;
  w.owner->makeConnection(&t);
  EXPECT_EQ(clock.getDelayedCalls().size(), 2u);
  w.owner->dataReceived(std::string(50, 'x'));
  clock.advance(1);
  EXPECT_EQ(clock.getDelayedCalls().size(), 3u) << "check, check, unthrottle";
  w.owner->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(ThrottlingFactory, DestroyingTheFactoryCancelsTheChecks) {
  task::Clock clock;
  {
    ThrottlingFactory f(Factory::forProtocol<AccumulatingProtocol>(), 100, 10.0);
    f.clock = &clock;
    auto w = build(f);
    EXPECT_FALSE(clock.getDelayedCalls().empty());
  }
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

// --- LimitTotalConnectionsFactory / LimitConnectionsByPeer ----------------------------

class Overflow : public Protocol {
 public:
  void connectionMade() override { transport->write("busy"); }
};

TEST(LimitTotalConnectionsFactory, CountsAndUsesTheOverflowProtocolPastTheLimit) {
  LimitTotalConnectionsFactory f;
  f.setProtocol<AccumulatingProtocol>();
  f.connectionLimit = 2;
  auto a = build(f);
  auto b = build(f);
  ASSERT_TRUE(a.inner);
  ASSERT_TRUE(b.inner);
  EXPECT_EQ(a.inner->factory, &f);
  EXPECT_EQ(f.connectionCount, 2);
  EXPECT_FALSE(f.buildProtocol(kPeer)) << "no overflow protocol: dropped";
  f.setOverflowProtocol<Overflow>();
  auto c = f.buildProtocol(kPeer);
  ASSERT_TRUE(c);
  StringTransport t;
  c->makeConnection(&t);
  EXPECT_EQ(t.value(), "busy");
  EXPECT_EQ(f.connectionCount, 3);
  c->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(f.connectionCount, 2);
}

TEST(LimitTotalConnectionsFactory, NoLimitByDefault) {
  LimitTotalConnectionsFactory f;
  f.setProtocol<AccumulatingProtocol>();
  std::vector<Wrapped> all;
  for (int i = 0; i < 10; ++i)
    all.push_back(build(f));
  EXPECT_TRUE(all.back().wrapper);
  EXPECT_EQ(f.connectionCount, 10);
}

TEST(LimitConnectionsByPeer, LimitsEachPeerHost) {
  LimitConnectionsByPeer f(Factory::forProtocol<AccumulatingProtocol>());
  f.noisy = false;
  f.wrappedFactory->noisy = false;
  f.maxConnectionsPerPeer = 2;
  f.doStart();
  const Address a1 = IPv4Address{"TCP", "10.0.0.1", 1000};
  const Address a2 = IPv4Address{"TCP", "10.0.0.1", 1001};
  const Address b = IPv4Address{"TCP", "10.0.0.2", 1000};
  auto x = build(f, a1);
  auto y = build(f, a2);
  EXPECT_TRUE(x.wrapper && y.wrapper);
  EXPECT_FALSE(f.buildProtocol(a1));
  EXPECT_TRUE(build(f, b).wrapper) << "another host";
  StringTransport t;
  x.owner->makeConnection(&t);
  x.owner->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(f.peerConnections["10.0.0.1"], 1);
  EXPECT_TRUE(build(f, a1).wrapper);
  f.doStop();
}

// --- TimeoutMixin ---------------------------------------------------------------------------

class TimeoutTester : public Protocol, public TimeoutMixin {
 public:
  explicit TimeoutTester(IReactorTime* c) { clock = c; }
  void connectionMade() override { setTimeout(3); }
  void dataReceived(std::string_view) override { resetTimeout(); }
};

TEST(TimeoutMixin, TimesOutAfterThePeriodAndLosesTheConnection) {
  task::Clock clock;
  TimeoutTester p(&clock);
  StringTransport t;
  p.makeConnection(&t);
  clock.advance(2.9);
  EXPECT_FALSE(t.disconnecting());
  clock.advance(0.1);
  EXPECT_TRUE(t.disconnecting());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(TimeoutMixin, TrafficResetsTheTimeout) {
  task::Clock clock;
  TimeoutTester p(&clock);
  StringTransport t;
  p.makeConnection(&t);
  clock.advance(2);
  p.dataReceived("x");
  clock.advance(2);
  EXPECT_FALSE(t.disconnecting());
  clock.advance(1);
  EXPECT_TRUE(t.disconnecting());
  p.resetTimeout();  // after the timeout: does nothing
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(TimeoutMixin, SetTimeoutReturnsThePreviousAndNoneCancels) {
  task::Clock clock;
  TimeoutTester p(&clock);
  EXPECT_EQ(p.setTimeout(5), std::nullopt);
  EXPECT_EQ(p.setTimeout(1), std::optional<double>(5)) << "reschedules";
  ASSERT_EQ(clock.getDelayedCalls().size(), 1u);
  EXPECT_EQ(clock.getDelayedCalls()[0].getTime(), 1);
  EXPECT_EQ(p.setTimeout(std::nullopt), std::optional<double>(1));
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  EXPECT_EQ(p.setTimeout(std::nullopt), std::nullopt);
  p.resetTimeout();  // no timeout: nothing
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(TimeoutMixin, TimeoutConnectionCanBeOverridden) {
  struct Custom : TimeoutMixin {
    int timedOut = 0;
    void timeoutConnection() override { ++timedOut; }
  } m;
  task::Clock clock;
  m.clock = &clock;
  m.setTimeout(1);
  clock.advance(1);
  EXPECT_EQ(m.timedOut, 1);
  m.setTimeout(1);  // a fresh one after the last fired
  clock.advance(1);
  EXPECT_EQ(m.timedOut, 2);
}

TEST(TimeoutMixin, DefaultTimeoutConnectionNeedsAProtocol) {
  TimeoutMixin m;
  EXPECT_THROW(m.timeoutConnection(), std::logic_error);
}

TEST(TimeoutMixin, DestructionCancelsThePendingTimeout) {
  task::Clock clock;
  {
    TimeoutTester p(&clock);
    p.setTimeout(1);
  }
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

}  // namespace
