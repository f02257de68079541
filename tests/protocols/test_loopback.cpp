// twisted.protocols.loopback: the cases of Twisted's
// src/twisted/test/test_loopback.py: LoopbackAsyncTests with a task::Clock,
// LoopbackTCPTests on a real reactor of each backend (and the plumbing of
// loopbackTCP on a MemoryReactor).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/basic.h>
#include <twisted/protocols/loopback.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"
#include "protocols/recording_peer.h"

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::loopback;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

using twisted::testing_internal::Peer;

TEST(LoopbackAsync, WritesInConnectionMadeAreDeliveredAtOnceAndLoseFinishes) {
  task::Clock clock;
  Peer server, client;
  server.onMade = [](Peer& p) { p.transport->write("hello"); };
  client.onData = [](Peer& p, std::string_view) { p.transport->loseConnection(); };
  auto d = loopbackAsync(server, client, clock);
  EXPECT_EQ(client.all(), "hello");
  successResultOf(d);
  EXPECT_EQ(server.lostCount, 1);
  EXPECT_EQ(client.lostCount, 1);
  EXPECT_TRUE(server.lost->check<error::ConnectionDone>());
  EXPECT_FALSE(server.connected);
}

TEST(LoopbackAsync, LaterWritesAreDeliveredOnTheNextTurnNotInsideWrite) {
  task::Clock clock;
  Peer server, client;
  auto d = loopbackAsync(server, client, clock);
  assertNoResult(d);
  server.transport->write("ping");
  EXPECT_TRUE(client.chunks.empty()) << "never re-entrantly inside write()";
  clock.advance(0);
  EXPECT_EQ(client.all(), "ping");
  client.transport->write("pong");
  client.transport->loseConnection();
  EXPECT_TRUE(client.transport->disconnecting());
  clock.advance(0);
  EXPECT_EQ(server.all(), "pong") << "flushed before the close";
  successResultOf(d);
}

TEST(LoopbackAsync, ConversationRunsToCompletion) {
  task::Clock clock;
  Peer server, client;
  client.onMade = [](Peer& p) { p.transport->write("1"); };
  server.onData = [](Peer& p, std::string_view d) {
    int n = std::stoi(std::string(d));
    if (n >= 5) {
      p.transport->loseConnection();
    } else {
      p.transport->write(std::to_string(n + 1));
    }
  };
  client.onData = [](Peer& p, std::string_view d) {
    p.transport->write(std::to_string(std::stoi(std::string(d)) + 1));
  };
  auto d = loopbackAsync(server, client, clock);
  successResultOf(d);  // all within the first body: each round writes more
  EXPECT_EQ(server.chunks, (std::vector<std::string>{"1", "3", "5"}));
  EXPECT_EQ(client.chunks, (std::vector<std::string>{"2", "4"}));
}

TEST(LoopbackAsync, IdentityPolicyKeepsChunksCollapsingJoinsThem) {
  for (bool collapse : {false, true}) {
    task::Clock clock;
    Peer server, client;
    server.onMade = [](Peer& p) {
      p.transport->write("a");
      p.transport->write("b");
      std::string_view seq[] = {"c", "d"};
      p.transport->writeSequence(seq);
      p.transport->loseConnection();
    };
    auto d =
        loopbackAsync(server, client, clock, collapse ? collapsingPumpPolicy : identityPumpPolicy);
    successResultOf(d);
    if (collapse) {
      EXPECT_EQ(client.chunks, (std::vector<std::string>{"abcd"}));
    } else {
      EXPECT_EQ(client.chunks, (std::vector<std::string>{"a", "b", "cd"}));
    }
  }
}

TEST(LoopbackAsync, CustomPumpPolicySeesTheQueue) {
  task::Clock clock;
  Peer server, client;
  server.onMade = [](Peer& p) {
    p.transport->write("x");
    p.transport->loseConnection();
  };
  std::vector<std::string> seen;
  auto d = loopbackAsync(server, client, clock, [&](LoopbackQueue& q, Protocol& target) {
    while (q) {
      auto v = q.get();
      seen.push_back(v ? *v : "<none>");
      if (!v) break;
      target.dataReceived(*v);
    }
  });
  successResultOf(d);
  EXPECT_EQ(seen, (std::vector<std::string>{"x", "<none>"}));
}

// A pull producer writing `count` chunks, one per resumeProducing.
class PullProducer : public IPullProducer {
 public:
  PullProducer(ITransport* t, int count) : t_(t), left_(count) {}
  void resumeProducing() override {
    if (left_ == 0) {
      t_->unregisterProducer();
      t_->loseConnection();
      return;
    }
    t_->write("chunk" + std::to_string(left_--));
  }
  void stopProducing() override {}

 private:
  ITransport* t_;
  int left_;
};

TEST(LoopbackAsync, PullProducerIsResumedEachTimeItsQueueEmpties) {
  task::Clock clock;
  Peer server, client;
  std::unique_ptr<PullProducer> producer;
  server.onMade = [&](Peer& p) {
    producer = std::make_unique<PullProducer>(p.transport, 3);
    p.transport->registerProducer(producer.get(), false);  // resumes at once
  };
  auto d = loopbackAsync(server, client, clock);
  for (int i = 0; i < 10 && !d.called(); ++i)
    clock.advance(0);
  successResultOf(d);
  EXPECT_EQ(client.chunks, (std::vector<std::string>{"chunk3", "chunk2", "chunk1"}));
}

TEST(LoopbackAsync, RegisteringTwoProducersThrows) {
  task::Clock clock;
  Peer server, client;
  auto d = loopbackAsync(server, client, clock);
  struct P : IPushProducer {
    void pauseProducing() override {}
    void resumeProducing() override {}
    void stopProducing() override {}
  } a, b;
  server.transport->registerProducer(&a, true);
  EXPECT_THROW(server.transport->registerProducer(&b, true), std::runtime_error);
  server.transport->unregisterProducer();
  EXPECT_THROW(server.transport->unregisterProducer(), std::runtime_error);
  d.cancel();
  failureResultOf<defer::CancelledError>(d);
}

TEST(LoopbackAsync, CancelTearsDownWithConnectionAborted) {
  task::Clock clock;
  Peer server, client;
  auto d = loopbackAsync(server, client, clock);
  server.transport->write("pending");
  d.cancel();
  failureResultOf<defer::CancelledError>(d);
  EXPECT_EQ(server.lostCount, 1);
  EXPECT_EQ(client.lostCount, 1);
  EXPECT_TRUE(client.lost->check<error::ConnectionAborted>());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(0);
  EXPECT_TRUE(client.chunks.empty());
}

TEST(LoopbackAsync, AbortConnectionIsLoseConnection) {
  task::Clock clock;
  Peer server, client;
  client.onMade = [](Peer& p) { p.transport->abortConnection(); };
  successResultOf(loopbackAsync(server, client, clock));
  EXPECT_EQ(server.lostCount, 1);
}

// --- loopbackTCP --------------------------------------------------------------

// Twisted's SimpleProtocol: records lines and losses; `conn` fires on connect.
class SimpleProtocol : public twisted::protocols::basic::LineReceiver {
 public:
  defer::Deferred<void> conn;
  std::vector<std::string> lines;
  std::vector<Failure> connLost;
  void connectionMade() override { conn.callback(); }
  void lineReceived(std::string_view line) override { lines.emplace_back(line); }
  void connectionLost(const Failure& reason) override { connLost.push_back(reason); }
};

// Twisted's DoomProtocol: answers three times, then closes.
class DoomProtocol : public SimpleProtocol {
 public:
  int i = 0;
  void lineReceived(std::string_view line) override {
    ++i;
    if (i < 4) sendLine("Hello " + std::to_string(i));
    SimpleProtocol::lineReceived(line);
    if (lines.back() == "Hello 3") transport->loseConnection();
  }
};

using LoopbackTCP = testing_internal::RealReactorTest;

TEST_P(LoopbackTCP, RegularFunction) {
  SimpleProtocol s, c;
  s.conn.addCallback([&] {
    s.sendLine("THIS IS LINE ONE!");
    s.transport->loseConnection();
  });
  bool fired = false;
  loopbackTCP(s, c, *r, 0, false).addCallback([&] {
    fired = true;
    r->stop();
  });
  runBounded();
  ASSERT_TRUE(fired);
  EXPECT_EQ(c.lines, (std::vector<std::string>{"THIS IS LINE ONE!"}));
  ASSERT_EQ(s.connLost.size(), 1u);
  ASSERT_EQ(c.connLost.size(), 1u);
  EXPECT_TRUE(c.connLost[0].check<error::ConnectionDone>()) << c.connLost[0].str();
  EXPECT_FALSE(s.connected);
  EXPECT_FALSE(c.connected);
}

TEST_P(LoopbackTCP, SneakyHiddenDoom) {
  DoomProtocol s, c;
  s.conn.addCallback([&] { s.sendLine("DOOM LINE"); });
  bool fired = false;
  loopbackTCP(s, c, *r, 0, false).addCallback([&] {
    fired = true;
    r->stop();
  });
  runBounded();
  ASSERT_TRUE(fired);
  EXPECT_EQ(s.lines, (std::vector<std::string>{"Hello 1", "Hello 2", "Hello 3"}));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"DOOM LINE", "Hello 1", "Hello 2", "Hello 3"}));
  EXPECT_EQ(s.connLost.size(), 1u);
  EXPECT_EQ(c.connLost.size(), 1u);
}

// Records the addresses and transports; the client closes at once.
class AddressRecorder : public Peer {
 public:
  std::optional<Address> host, peer;
  bool tcp = false;
  void connectionMade() override {
    host = transport->getHost();
    peer = transport->getPeer();
    tcp = dynamic_cast<ITCPTransport*>(transport) != nullptr;
    Peer::connectionMade();
  }
};

TEST_P(LoopbackTCP, RealTransportsOnLoopbackAndThePortIsClosedWhenItFires) {
  AddressRecorder s, c;
  c.onMade = [](Peer& p) { p.transport->loseConnection(); };
  std::optional<Failure> refused;
  struct Probe : ClientFactory {
    std::optional<Failure>* out;
    ReactorBase* reactor;
    void clientConnectionFailed(IConnector&, const Failure& f) override {
      *out = f;
      reactor->stop();
    }
  };
  auto d = loopbackTCP(s, c, *r, 0, false);
  d.addCallback([&] {
    // The port is closed: connecting to it again is refused.
    auto f = std::make_shared<Probe>();
    f->noisy = false;
    f->out = &refused;
    f->reactor = r.get();
    f->setProtocol<Peer>();
    r->connectTCP("127.0.0.1", portOf(*s.host), f);
  });
  runBounded();
  ASSERT_TRUE(s.host && c.peer);
  EXPECT_EQ(hostOf(*s.host), "127.0.0.1");
  EXPECT_EQ(*s.host, *c.peer);
  EXPECT_EQ(*c.host, *s.peer);
  EXPECT_NE(portOf(*s.host), 0);
  EXPECT_TRUE(s.tcp && c.tcp);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->check<error::ConnectionRefusedError>()) << refused->str();
}

TEST_P(LoopbackTCP, PortInUseThrowsCannotListen) {
  auto taken = r->listenTCP(0, Factory::forProtocol<Peer>(), 50, "127.0.0.1");
  Peer s, c;
  EXPECT_THROW(loopbackTCP(s, c, *r, portOf(taken->getHost()), false), error::CannotListenError);
  taken->stopListening();
}

TEST_P(LoopbackTCP, ProtocolsMayBeDestroyedFromTheCallback) {
  auto s = std::make_unique<Peer>();
  auto c = std::make_unique<Peer>();
  s->onMade = [](Peer& p) {
    p.transport->write("x");
    p.transport->loseConnection();
  };
  std::string got;
  c->onData = [&](Peer&, std::string_view d) { got.append(d); };
  loopbackTCP(*s, *c, *r, 0, false).addCallback([&] {
    s.reset();
    c.reset();
    r->stop();
  });
  runBounded();
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(got, "x");
}

TWISTED_INSTANTIATE_BACKENDS(LoopbackTCP);

// The plumbing, without sockets.

class HalfCloser : public Peer, public IHalfCloseableProtocol {
 public:
  int readLost = 0, writeLost = 0;
  void readConnectionLost() override { ++readLost; }
  void writeConnectionLost() override { ++writeLost; }
};

TEST(LoopbackTCPMemory, FactoriesHandOutTheProtocolsOnceAndForwardEverything) {
  twisted::testing::MemoryReactor reactor;
  HalfCloser server;
  Peer client;
  auto d = loopbackTCP(server, client, reactor, 0, false);
  ASSERT_EQ(reactor.tcpServers.size(), 1u);
  EXPECT_EQ(reactor.tcpServers[0].interface, "127.0.0.1");
  EXPECT_FALSE(reactor.tcpServers[0].factory->noisy);
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "127.0.0.1");
  Address addr = IPv4Address{"TCP", "127.0.0.1", 1};
  auto sp = reactor.tcpServers[0].factory->buildProtocol(addr);
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(reactor.tcpServers[0].factory->buildProtocol(addr), nullptr) << "only once";
  auto cp = reactor.tcpClients[0].factory->buildProtocol(addr);
  ASSERT_NE(cp, nullptr);
  EXPECT_NE(dynamic_cast<IHalfCloseableProtocol*>(sp.get()), nullptr);
  EXPECT_EQ(dynamic_cast<IHalfCloseableProtocol*>(cp.get()), nullptr);
  EXPECT_EQ(sp->logPrefix(), server.logPrefix());

  twisted::testing::StringTransport st, ct;
  sp->makeConnection(&st);
  cp->makeConnection(&ct);
  EXPECT_EQ(server.transport, &st);
  EXPECT_TRUE(server.connected);
  sp->dataReceived("hello");
  EXPECT_EQ(server.all(), "hello");
  dynamic_cast<IHalfCloseableProtocol&>(*sp).readConnectionLost();
  dynamic_cast<IHalfCloseableProtocol&>(*sp).writeConnectionLost();
  EXPECT_EQ(server.readLost, 1);
  EXPECT_EQ(server.writeLost, 1);

  sp->connected = false;
  sp->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_EQ(server.lostCount, 1);
  EXPECT_FALSE(server.connected);
  assertNoResult(d);
  cp->connectionLost(Failure(error::ConnectionLost()));
  EXPECT_TRUE(client.lost->check<error::ConnectionLost>());
  successResultOf(d);
}

TEST(LoopbackTCPMemory, FailedConnectionFailsTheDeferred) {
  twisted::testing::MemoryReactor reactor;
  Peer server, client;
  auto d = loopbackTCP(server, client, reactor, 0, false);
  auto& [host, port, factory, timeout, bind] = reactor.tcpClients.at(0);
  factory->clientConnectionFailed(*reactor.connectors.at(0),
                                  Failure(error::ConnectionRefusedError()));
  failureResultOf<error::ConnectionRefusedError>(d);
  EXPECT_EQ(server.lostCount, 0);
}

TEST(LoopbackTCPMemory, AThrowingConnectionLostStillFiresTheDeferred) {
  twisted::testing::MemoryReactor reactor;
  struct Thrower : Peer {
    void connectionLost(const Failure&) override { throw std::runtime_error("oops"); }
  } server;
  Peer client;
  auto d = loopbackTCP(server, client, reactor, 0, false);
  Address addr = IPv4Address{"TCP", "127.0.0.1", 1};
  auto sp = reactor.tcpServers[0].factory->buildProtocol(addr);
  auto cp = reactor.tcpClients[0].factory->buildProtocol(addr);
  cp->connectionLost(Failure(error::ConnectionDone()));
  EXPECT_THROW(sp->connectionLost(Failure(error::ConnectionDone())), std::runtime_error);
  successResultOf(d);
}

}  // namespace
