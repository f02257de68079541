// StreamServerEndpointService's drain (setDrainTimeout): with a fake endpoint,
// a task::Clock and StringTransports, then over loopback on every backend.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/application/strports.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace ai = twisted::application::internet;
namespace defer = twisted::internet::defer;
namespace error = twisted::internet::error;
using twisted::internet::Address;
using twisted::internet::ClientFactory;
using twisted::internet::Factory;
using twisted::internet::IConnector;
using twisted::internet::IListeningPort;
using twisted::internet::IStreamServerEndpoint;
using twisted::internet::portOf;
using twisted::internet::Protocol;
using twisted::python::Failure;
using twisted::testing::StringTransport;

namespace {

class FakePort final : public IListeningPort {
 public:
  void startListening() override {}
  defer::Deferred<void> stopListening() override {
    ++stops;
    return defer::succeed();
  }
  Address getHost() const override { return Address{}; }
  int stops = 0;
};

class FakeEndpoint final : public IStreamServerEndpoint {
 public:
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(std::shared_ptr<Factory> f) override {
    factory = f;
    return defer::succeed<std::shared_ptr<IListeningPort>>(port);
  }
  std::shared_ptr<Factory> factory;
  std::shared_ptr<FakePort> port = std::make_shared<FakePort>();
};

// Owes nothing: waits for its peer.
class Idle : public Protocol {};

// Closes when asked to drain.
class Drainable : public Protocol, public ai::IDrainableProtocol {
 public:
  void drain() override {
    ++drains;
    transport->loseConnection();
  }
  int drains = 0;
};

struct Drain : ::testing::Test {
  std::shared_ptr<FakeEndpoint> endpoint = std::make_shared<FakeEndpoint>();
  twisted::internet::task::Clock clock;

  std::shared_ptr<ai::StreamServerEndpointService> service(std::shared_ptr<Factory> f) {
    auto svc = std::make_shared<ai::StreamServerEndpointService>(endpoint, std::move(f));
    svc->setDrainTimeout(clock, 10, 2);
    svc->startService();
    return svc;
  }
  // A connection accepted through what the service gave the endpoint.
  std::unique_ptr<Protocol> accept(StringTransport& t) {
    std::unique_ptr<Protocol> p = endpoint->factory->buildProtocol(Address{});
    if (p) p->makeConnection(&t);
    return p;
  }
  static void lose(Protocol& p) { p.connectionLost(Failure(error::ConnectionDone())); }
  // Whether `d` has a result (called() is already true while it waits on
  // the Deferred a callback returned, as in Twisted).
  static std::shared_ptr<bool> firedFlag(defer::Deferred<void> d) {
    auto fired = std::make_shared<bool>(false);
    d.addBoth([fired](defer::Outcome<void>) { *fired = true; });
    return fired;
  }
};

TEST_F(Drain, WithoutADrainTimeoutTheFactoryIsUsedAsIsAndStopDoesNotWait) {
  auto factory = Factory::forProtocol<Idle>();
  ai::StreamServerEndpointService svc(endpoint, factory);
  EXPECT_FALSE(svc.drainTimeout());
  svc.startService();
  EXPECT_EQ(endpoint->factory, factory);
  StringTransport t;
  auto p = accept(t);
  EXPECT_EQ(svc.connectionCount(), 0u);
  EXPECT_TRUE(svc.stopService().called());
  EXPECT_FALSE(t.disconnecting());
}

TEST_F(Drain, StopWaitsForTheConnectionsToClose) {
  auto svc = service(Factory::forProtocol<Idle>());
  ASSERT_NE(endpoint->factory, nullptr);
  StringTransport t1, t2;
  auto p1 = accept(t1);
  auto p2 = accept(t2);
  EXPECT_EQ(svc->connectionCount(), 2u);
  auto stopped = firedFlag(svc->stopService());
  EXPECT_EQ(endpoint->port->stops, 1);
  EXPECT_FALSE(*stopped);
  EXPECT_TRUE(svc->running());
  lose(*p1);
  EXPECT_FALSE(*stopped);
  lose(*p2);
  EXPECT_TRUE(*stopped);
  EXPECT_FALSE(svc->running());
  EXPECT_EQ(svc->connectionCount(), 0u);
  EXPECT_TRUE(clock.getDelayedCalls().empty());  // the deadline was cancelled
}

TEST_F(Drain, ConnectionsGoneBeforeStopAreForgotten) {
  auto svc = service(Factory::forProtocol<Idle>());
  StringTransport t;
  auto p = accept(t);
  lose(*p);
  EXPECT_EQ(svc->connectionCount(), 0u);
  EXPECT_TRUE(svc->stopService().called());
}

TEST_F(Drain, DrainableProtocolsAreAskedToFinish) {
  auto factory = std::make_shared<Factory>();
  Drainable* built = nullptr;
  factory->protocol = [&built]() -> std::unique_ptr<Protocol> {
    auto p = std::make_unique<Drainable>();
    built = p.get();
    return p;
  };
  auto svc = service(factory);
  StringTransport t;
  auto p = accept(t);
  ASSERT_NE(built, nullptr);
  auto stopped = firedFlag(svc->stopService());
  EXPECT_EQ(built->drains, 1);
  EXPECT_TRUE(t.disconnecting());
  EXPECT_FALSE(*stopped);
  lose(*p);
  EXPECT_TRUE(*stopped);
}

TEST_F(Drain, AtTheDeadlineTheRestAreClosedThenAbortedAfterTheGrace) {
  auto svc = service(Factory::forProtocol<Idle>());
  StringTransport t;
  auto p = accept(t);
  auto stopped = firedFlag(svc->stopService());
  clock.advance(9.5);
  EXPECT_FALSE(t.disconnecting());
  clock.advance(0.5);
  EXPECT_TRUE(t.disconnecting());
  EXPECT_FALSE(t.disconnected);  // closed, not aborted
  clock.advance(1.9);
  EXPECT_FALSE(t.disconnected);
  clock.advance(0.1);
  EXPECT_TRUE(t.disconnected);  // aborted
  EXPECT_FALSE(*stopped);
  lose(*p);
  EXPECT_TRUE(*stopped);
}

TEST_F(Drain, ARefusedConnectionIsNotTracked) {
  auto factory = std::make_shared<Factory>();
  factory->protocol = []() -> std::unique_ptr<Protocol> { return nullptr; };
  auto svc = service(factory);
  StringTransport t;
  EXPECT_EQ(accept(t), nullptr);
  EXPECT_EQ(svc->connectionCount(), 0u);
  EXPECT_TRUE(svc->stopService().called());
}

TEST_F(Drain, TheWrappedFactoryIsStartedAndStopped) {
  auto factory = Factory::forProtocol<Idle>();
  factory->noisy = false;
  auto svc = service(factory);
  endpoint->factory->doStart();
  EXPECT_EQ(factory->numPorts, 1);
  endpoint->factory->doStop();
  EXPECT_EQ(factory->numPorts, 0);
}

TEST_F(Drain, ABadTimeoutOrGraceThrows) {
  ai::StreamServerEndpointService svc(endpoint, Factory::forProtocol<Idle>());
  EXPECT_THROW(svc.setDrainTimeout(clock, -1), std::invalid_argument);
  EXPECT_THROW(svc.setDrainTimeout(clock, std::nan("")), std::invalid_argument);
  EXPECT_THROW(svc.setDrainTimeout(clock, 1, -1), std::invalid_argument);
  EXPECT_THROW(svc.setDrainTimeout(clock, std::numeric_limits<double>::infinity()),
               std::invalid_argument);
  EXPECT_FALSE(svc.drainTimeout());
}

// Over loopback: a server that answers one request a moment after it came,
// and drains by finishing the answer, then closing.
class LateAnswer : public Protocol, public ai::IDrainableProtocol {
 public:
  LateAnswer(twisted::internet::IReactorTime* clock, std::shared_ptr<int> received)
      : clock_(clock), received_(std::move(received)) {}
  void dataReceived(std::string_view data) override {
    request_ += data;
    ++*received_;
  }
  void drain() override {
    // Answer on a later iteration (the drain has begun by then).
    clock_->callLater(0, [this] {
      transport->write("answer to " + request_);
      transport->loseConnection();
    });
  }

 private:
  twisted::internet::IReactorTime* clock_;
  std::shared_ptr<int> received_;
  std::string request_;
};

// Sends a request, never reads what comes back (when `read` is false).
class Requester : public Protocol {
 public:
  Requester(std::shared_ptr<std::optional<std::string>> got, bool read,
            std::shared_ptr<twisted::internet::ITransport*> mine)
      : got_(std::move(got)), read_(read), mine_(std::move(mine)) {}
  void connectionMade() override {
    *mine_ = transport;
    transport->write("ping");
    if (!read_) transport->pauseProducing();
  }
  void dataReceived(std::string_view data) override { received_ += data; }
  void connectionLost(const Failure&) override {
    *mine_ = nullptr;
    *got_ = received_;
  }

 private:
  std::shared_ptr<std::optional<std::string>> got_;
  bool read_;
  std::shared_ptr<twisted::internet::ITransport*> mine_;
  std::string received_;
};

// Writes more than the peer will ever read, so a close cannot flush.
class Flood : public Protocol {
 public:
  explicit Flood(std::shared_ptr<int> received) : received_(std::move(received)) {}
  void dataReceived(std::string_view) override {
    ++*received_;
    transport->write(std::string(16 << 20, 'x'));
  }

 private:
  std::shared_ptr<int> received_;
};

class DrainOverLoopback : public testing_internal::RealReactorTest {
 protected:
  std::shared_ptr<std::optional<std::string>> connect(int port, bool read) {
    auto got = std::make_shared<std::optional<std::string>>();
    auto cf = std::make_shared<ClientFactory>();
    cf->noisy = false;
    cf->setProtocol<Requester>(got, read, client);
    r->connectTCP("127.0.0.1", port, cf);
    return got;
  }
  // The transport of the last client connected, while it is connected.
  std::shared_ptr<twisted::internet::ITransport*> client =
      std::make_shared<twisted::internet::ITransport*>(nullptr);
};

TEST_P(DrainOverLoopback, InFlightRequestsAreAnsweredThenClosed) {
  auto received = std::make_shared<int>(0);
  auto factory = std::make_shared<Factory>();
  factory->noisy = false;
  twisted::internet::IReactorTime* clock = r.get();
  factory->protocol = [clock, received]() -> std::unique_ptr<Protocol> {
    return std::make_unique<LateAnswer>(clock, received);
  };
  auto svc = twisted::application::strports::service("tcp:0:interface=127.0.0.1", factory, *r);
  svc->setDrainTimeout(*r, 20);
  svc->startService();
  const int port = portOf(svc->port()->getHost());
  constexpr int kClients = 20;
  std::vector<std::shared_ptr<std::optional<std::string>>> got;
  for (int i = 0; i < kClients; ++i)
    got.push_back(connect(port, true));
  spinUntil([&] { return *received == kClients; });
  bool stopped = false;
  svc->stopService().addCallback([&] { stopped = true; });
  spinUntil([&] {
    for (auto& g : got)
      if (!*g) return false;
    return stopped;
  });
  for (auto& g : got)
    EXPECT_EQ(g->value_or("(open)"), "answer to ping");
  EXPECT_EQ(svc->connectionCount(), 0u);
}

TEST_P(DrainOverLoopback, APeerThatNeverReadsIsAbortedAfterTheDeadline) {
  auto received = std::make_shared<int>(0);
  auto factory = std::make_shared<Factory>();
  factory->noisy = false;
  factory->setProtocol<Flood>(received);
  auto svc = twisted::application::strports::service("tcp:0:interface=127.0.0.1", factory, *r);
  svc->setDrainTimeout(*r, 0, 0);
  svc->startService();
  auto got = connect(portOf(svc->port()->getHost()), false);
  spinUntil([&] { return *received == 1; });
  ASSERT_EQ(*received, 1);
  bool stopped = false;
  svc->stopService().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  ASSERT_TRUE(stopped);
  EXPECT_EQ(svc->connectionCount(), 0u);
  // The client reads again: it finds the connection reset.
  ASSERT_NE(*client, nullptr);
  (*client)->resumeProducing();
  spinUntil([&] { return got->has_value(); });
}

TWISTED_INSTANTIATE_BACKENDS(DrainOverLoopback);

}  // namespace
