// ClientService with a Clock and a fake client endpoint (Twisted's
// test_internet.py ClientServiceTests, in substance).
#include <gtest/gtest.h>

#include <deque>

#include <twisted/application/internet/client_service.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/ifile_descriptor_receiver.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/string_transport.h>

namespace ai = twisted::application::internet;
namespace defer = twisted::internet::defer;
using twisted::internet::Address;
using twisted::internet::Factory;
using twisted::internet::IStreamClientEndpoint;
using twisted::internet::Protocol;
using twisted::internet::task::Clock;
using twisted::python::Failure;
using twisted::testing::StringTransport;

namespace {

// Each connect() is an attempt the test completes with succeed() or fail().
class FakeClientEndpoint final : public IStreamClientEndpoint {
 public:
  struct Attempt {
    std::shared_ptr<Factory> factory;
    defer::Deferred<Protocol*> d;
  };
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> f) override {
    defer::Deferred<Protocol*> d([this](defer::Deferred<Protocol*>& self) {
      ++cancels;
      self.errback(Failure(twisted::internet::error::ConnectingCancelledError("fake")));
    });
    attempts.push_back({std::move(f), d});
    return d;
  }
  // Completes the last attempt: builds the protocol over a StringTransport.
  Protocol* succeed() {
    Attempt& a = attempts.back();
    auto transport = std::make_unique<StringTransport>();
    std::unique_ptr<Protocol> p = a.factory->buildProtocol(Address{});
    p->makeConnection(transport.get());
    Protocol* raw = p.get();
    connections.push_back({std::move(transport), std::move(p)});
    a.d.callback(raw);
    return raw;
  }
  void fail() {
    attempts.back().d.errback(Failure(twisted::internet::error::ConnectionRefusedError()));
  }
  // The last connection goes away (as a transport does after loseConnection).
  void lose() {
    auto& c = connections.back();
    c.protocol->connectionLost(Failure(twisted::internet::error::ConnectionDone()));
  }
  bool lastDisconnecting() const { return connections.back().transport->disconnecting(); }

  struct Connection {
    std::unique_ptr<StringTransport> transport;
    std::unique_ptr<Protocol> protocol;
  };
  std::vector<Attempt> attempts;
  std::deque<Connection> connections;
  int cancels = 0;
};

class Hello : public Protocol {
 public:
  void connectionMade() override { ++made; }
  void connectionLost(const Failure&) override {
    if (lostHook) lostHook();
  }
  int made = 0;
  std::function<void()> lostHook;
};

struct ClientServiceTest : ::testing::Test {
  Clock clock;
  std::shared_ptr<FakeClientEndpoint> endpoint = std::make_shared<FakeClientEndpoint>();
  std::shared_ptr<Factory> factory = Factory::forProtocol<Hello>();
  // Jitter 0: delays are 1.5**n exactly.
  std::shared_ptr<ai::ClientService> make(ai::PrepareConnection prepare = {}) {
    return std::make_shared<ai::ClientService>(
        endpoint, factory, ai::backoffPolicy(1.0, 60.0, 1.5, [] { return 0.0; }), &clock,
        std::move(prepare));
  }
};

TEST_F(ClientServiceTest, ConnectsWhenStartedAndWhenConnectedFires) {
  auto s = make();
  Protocol* got = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { got = p; });
  EXPECT_TRUE(endpoint->attempts.empty());
  s->startService();
  ASSERT_EQ(endpoint->attempts.size(), 1u);
  EXPECT_EQ(got, nullptr);
  endpoint->succeed();
  ASSERT_NE(got, nullptr);
  auto* hello = dynamic_cast<Hello*>(got);  // the user's protocol, not the proxy
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->made, 1);
  Protocol* again = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { again = p; });
  EXPECT_EQ(again, got);
}

TEST_F(ClientServiceTest, BacksOffAfterFailures) {
  auto s = make();
  s->startService();
  endpoint->fail();
  EXPECT_EQ(endpoint->attempts.size(), 1u);
  clock.advance(1.49);
  EXPECT_EQ(endpoint->attempts.size(), 1u);
  clock.advance(0.01);  // 1.5 ** 1
  EXPECT_EQ(endpoint->attempts.size(), 2u);
  endpoint->fail();
  clock.advance(2.24);
  EXPECT_EQ(endpoint->attempts.size(), 2u);
  clock.advance(0.01);  // 1.5 ** 2
  EXPECT_EQ(endpoint->attempts.size(), 3u);
  endpoint->succeed();
  // A success resets the count: after a loss the first delay is 1.5 again.
  endpoint->lose();
  clock.advance(1.49);
  EXPECT_EQ(endpoint->attempts.size(), 3u);
  clock.advance(0.01);
  EXPECT_EQ(endpoint->attempts.size(), 4u);
}

TEST_F(ClientServiceTest, ReconnectsAfterLoss) {
  auto s = make();
  s->startService();
  Hello* first = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { first = dynamic_cast<Hello*>(p); });
  endpoint->succeed();
  ASSERT_NE(first, nullptr);
  int lost = 0;
  first->lostHook = [&] { ++lost; };
  endpoint->lose();
  EXPECT_EQ(lost, 1);
  Protocol* got = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { got = p; });
  EXPECT_EQ(got, nullptr);
  clock.advance(1.5);
  ASSERT_EQ(endpoint->attempts.size(), 2u);
  endpoint->succeed();
  EXPECT_NE(got, nullptr);
}

TEST_F(ClientServiceTest, WhenConnectedFailAfterFailures) {
  auto s = make();
  std::optional<Failure> one, two;
  bool forever = false;
  s->whenConnected(1).addErrback([&](const Failure& f) -> Protocol* {
    one = f;
    return nullptr;
  });
  s->whenConnected(2).addErrback([&](const Failure& f) -> Protocol* {
    two = f;
    return nullptr;
  });
  s->whenConnected().addBoth([&](defer::Outcome<Protocol*>) { forever = true; });
  s->startService();
  endpoint->fail();
  ASSERT_TRUE(one.has_value());
  EXPECT_TRUE(one->check<twisted::internet::error::ConnectionRefusedError>());
  EXPECT_FALSE(two.has_value());
  clock.advance(1.5);
  endpoint->fail();
  EXPECT_TRUE(two.has_value());
  EXPECT_FALSE(forever);
  // Stopping cancels the waiters left.
  EXPECT_TRUE(s->stopService().called());
  EXPECT_TRUE(forever);
}

TEST_F(ClientServiceTest, StopDuringBackoffCancelsTheRetry) {
  auto s = make();
  s->startService();
  endpoint->fail();
  auto d = s->stopService();
  EXPECT_TRUE(d.called());
  clock.advance(100);
  EXPECT_EQ(endpoint->attempts.size(), 1u);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  bool cancelled = false;
  s->whenConnected().addErrback([&](const Failure& f) -> Protocol* {
    cancelled = f.check<defer::CancelledError>();
    return nullptr;
  });
  EXPECT_TRUE(cancelled);
}

TEST_F(ClientServiceTest, StopWhileConnectingCancelsTheAttempt) {
  auto s = make();
  s->startService();
  bool cancelled = false;
  s->whenConnected().addErrback([&](const Failure& f) -> Protocol* {
    cancelled = f.check<defer::CancelledError>();
    return nullptr;
  });
  auto d = s->stopService();
  EXPECT_EQ(endpoint->cancels, 1);
  EXPECT_TRUE(d.called());
  EXPECT_TRUE(cancelled);
  clock.advance(100);
  EXPECT_EQ(endpoint->attempts.size(), 1u);
}

TEST_F(ClientServiceTest, StopWhileConnectedClosesAndWaits) {
  auto s = make();
  s->startService();
  endpoint->succeed();
  auto d = s->stopService();
  EXPECT_TRUE(endpoint->lastDisconnecting());
  EXPECT_FALSE(d.called());
  endpoint->lose();
  EXPECT_TRUE(d.called());
  clock.advance(100);
  EXPECT_EQ(endpoint->attempts.size(), 1u);
}

TEST_F(ClientServiceTest, RestartWhileDisconnectingReconnectsAtOnceAfterTheLoss) {
  auto s = make();
  s->startService();
  endpoint->succeed();
  auto d = s->stopService();
  s->startService();
  EXPECT_EQ(endpoint->attempts.size(), 1u);
  endpoint->lose();
  EXPECT_TRUE(d.called());
  EXPECT_EQ(endpoint->attempts.size(), 2u);
}

TEST_F(ClientServiceTest, PrepareConnectionRunsBeforeWhenConnected) {
  defer::Deferred<void> ready;
  Protocol* prepared = nullptr;
  auto s = make([&](Protocol* p) {
    prepared = p;
    return ready;
  });
  Protocol* got = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { got = p; });
  s->startService();
  endpoint->succeed();
  ASSERT_NE(prepared, nullptr);
  EXPECT_NE(dynamic_cast<Hello*>(prepared), nullptr);
  EXPECT_EQ(got, nullptr);
  ready.callback();
  EXPECT_EQ(got, prepared);
}

TEST_F(ClientServiceTest, AFailedPrepareConnectionClosesAndRetries) {
  auto s = make([](Protocol*) { return defer::fail(std::runtime_error("login refused")); });
  s->startService();
  endpoint->succeed();
  EXPECT_TRUE(endpoint->lastDisconnecting());
  endpoint->lose();  // ignored: that connection never counted
  clock.advance(1.5);
  EXPECT_EQ(endpoint->attempts.size(), 2u);
  s->stopService();
}

TEST_F(ClientServiceTest, StopBeforeStartAndTwice) {
  auto s = make();
  EXPECT_TRUE(s->stopService().called());
  s->startService();
  s->startService();  // logged, no second attempt
  EXPECT_EQ(endpoint->attempts.size(), 1u);
  EXPECT_TRUE(s->stopService().called());
  EXPECT_TRUE(s->stopService().called());
}

class Fancy : public Protocol,
              public twisted::internet::IHalfCloseableProtocol,
              public twisted::internet::IFileDescriptorReceiver {
 public:
  void readConnectionLost() override { ++readLost; }
  void writeConnectionLost() override {}
  void fileDescriptorReceived(int fd) override { lastFd = fd; }
  int readLost = 0;
  int lastFd = -1;
};

TEST_F(ClientServiceTest, TheWrapperProvidesTheProtocolsOptionalInterfaces) {
  factory = Factory::forProtocol<Fancy>();
  auto s = make();
  s->startService();
  Protocol* reactorFacing = endpoint->succeed();
  auto* half = dynamic_cast<twisted::internet::IHalfCloseableProtocol*>(reactorFacing);
  auto* fds = dynamic_cast<twisted::internet::IFileDescriptorReceiver*>(reactorFacing);
  ASSERT_NE(half, nullptr);
  ASSERT_NE(fds, nullptr);
  Fancy* fancy = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { fancy = dynamic_cast<Fancy*>(p); });
  ASSERT_NE(fancy, nullptr);
  half->readConnectionLost();
  fds->fileDescriptorReceived(7);
  EXPECT_EQ(fancy->readLost, 1);
  EXPECT_EQ(fancy->lastFd, 7);
  // A plain protocol's wrapper provides neither.
  factory = Factory::forProtocol<Hello>();
  auto plain = make();
  plain->startService();
  Protocol* p = endpoint->succeed();
  EXPECT_EQ(dynamic_cast<twisted::internet::IHalfCloseableProtocol*>(p), nullptr);
  EXPECT_EQ(dynamic_cast<twisted::internet::IFileDescriptorReceiver*>(p), nullptr);
}

TEST_F(ClientServiceTest, StartServiceWhileStoppingReconnectsAfterTheLoss) {
  auto s = make();
  s->startService();
  endpoint->succeed();
  auto stopped = s->stopService();
  Protocol* next = nullptr;
  s->whenConnected().addCallback([&](Protocol* p) { next = p; });
  s->startService();
  EXPECT_EQ(next, nullptr);
  endpoint->lose();
  EXPECT_TRUE(stopped.called());
  ASSERT_EQ(endpoint->attempts.size(), 2u);
  endpoint->succeed();
  EXPECT_NE(next, nullptr);
  bool second = false;
  s->stopService().addCallback([&] { second = true; });
  EXPECT_FALSE(second);
  endpoint->lose();
  EXPECT_TRUE(second);
}

TEST_F(ClientServiceTest, StopWhileRestartingAndTwiceWhileDisconnecting) {
  auto s = make();
  s->startService();
  endpoint->succeed();
  auto first = s->stopService();
  s->startService();
  auto second = s->stopService();
  auto third = s->stopService();
  endpoint->lose();
  EXPECT_TRUE(first.called());
  EXPECT_TRUE(second.called());
  EXPECT_TRUE(third.called());
  EXPECT_EQ(endpoint->attempts.size(), 1u);
}

TEST_F(ClientServiceTest, TheFactoryIsStartedThroughTheWrapper) {
  struct Counting : Factory {
    void startFactory() override { ++starts; }
    int starts = 0;
  };
  auto counting = std::make_shared<Counting>();
  factory = counting;
  auto s = make();
  s->startService();
  endpoint->attempts.back().factory->doStart();
  EXPECT_EQ(counting->starts, 1);
  s->stopService();
}

}  // namespace
