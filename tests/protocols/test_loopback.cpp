// twisted.protocols.loopback.loopbackAsync: the cases of Twisted's
// src/twisted/test/test_loopback.py (LoopbackAsyncTests), with a task::Clock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/loopback.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/string_transport.h>

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::loopback;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::successResultOf;

// Records every chunk and runs hooks on connect and on data.
class Peer : public Protocol {
 public:
  std::function<void(Peer&)> onMade;
  std::function<void(Peer&, std::string_view)> onData;
  std::vector<std::string> chunks;
  std::optional<Failure> lost;
  int lostCount = 0;
  std::string all() const {
    std::string s;
    for (auto& c : chunks)
      s += c;
    return s;
  }
  void connectionMade() override {
    if (onMade) onMade(*this);
  }
  void dataReceived(std::string_view data) override {
    chunks.emplace_back(data);
    if (onData) onData(*this, data);
  }
  void connectionLost(const Failure& reason) override {
    ++lostCount;
    lost = reason;
  }
};

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

}  // namespace
