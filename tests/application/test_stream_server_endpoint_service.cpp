#include <gtest/gtest.h>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/internet/defer.h>
#include <twisted/internet/error.h>

namespace ai = twisted::application::internet;
namespace defer = twisted::internet::defer;
using twisted::internet::Address;
using twisted::internet::Factory;
using twisted::internet::IListeningPort;
using twisted::internet::IStreamServerEndpoint;

namespace {

class FakePort final : public IListeningPort {
 public:
  void startListening() override {}
  defer::Deferred<void> stopListening() override {
    ++stops;
    return stopped;
  }
  Address getHost() const override { return Address{}; }
  int stops = 0;
  defer::Deferred<void> stopped = defer::succeed();
};

// listen() returns `next` (set by the test); cancelling it errbacks with CancelledError.
class FakeEndpoint final : public IStreamServerEndpoint {
 public:
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(std::shared_ptr<Factory> f) override {
    ++listens;
    factory = f;
    return next;
  }
  int listens = 0;
  std::shared_ptr<Factory> factory;
  defer::Deferred<std::shared_ptr<IListeningPort>> next;
};

struct Fixture : ::testing::Test {
  std::shared_ptr<FakeEndpoint> endpoint = std::make_shared<FakeEndpoint>();
  std::shared_ptr<Factory> factory = std::make_shared<Factory>();
  std::shared_ptr<ai::StreamServerEndpointService> svc =
      std::make_shared<ai::StreamServerEndpointService>(endpoint, factory);
};

using StreamServerEndpointService = Fixture;

TEST_F(StreamServerEndpointService, PrivilegedStartListensOnce) {
  svc->privilegedStartService();
  EXPECT_EQ(endpoint->listens, 1);
  EXPECT_EQ(endpoint->factory, factory);
  svc->startService();
  EXPECT_EQ(endpoint->listens, 1);
  EXPECT_TRUE(svc->running());
}

TEST_F(StreamServerEndpointService, StartServiceListensWhenNotPrivilegedStarted) {
  svc->startService();
  EXPECT_EQ(endpoint->listens, 1);
}

TEST_F(StreamServerEndpointService, AnImmediateFailureIsRaised) {
  endpoint->next = defer::fail<std::shared_ptr<IListeningPort>>(
      twisted::internet::error::CannotListenError("", 80, "Permission denied"));
  EXPECT_THROW(svc->privilegedStartService(), twisted::internet::error::CannotListenError);
}

TEST_F(StreamServerEndpointService, AnImmediateFailureIsRaisedFromStartService) {
  endpoint->next = defer::fail<std::shared_ptr<IListeningPort>>(
      twisted::internet::error::CannotListenError("", 80, "Permission denied"));
  EXPECT_THROW(svc->startService(), twisted::internet::error::CannotListenError);
}

TEST_F(StreamServerEndpointService, ALaterFailureIsLoggedNotRaised) {
  svc->privilegedStartService();
  endpoint->next.errback(twisted::python::Failure(std::runtime_error("late")));
  EXPECT_EQ(svc->port(), nullptr);
  EXPECT_TRUE(svc->stopService().called());
}

TEST_F(StreamServerEndpointService, WithoutRaiseSynchronouslyAnImmediateFailureIsLogged) {
  svc->setRaiseSynchronously(false);
  endpoint->next = defer::fail<std::shared_ptr<IListeningPort>>(std::runtime_error("no"));
  EXPECT_NO_THROW(svc->privilegedStartService());
}

TEST_F(StreamServerEndpointService, StopCancelsAPendingListen) {
  svc->startService();
  auto d = svc->stopService();
  EXPECT_TRUE(d.called());  // CancelledError swallowed, nothing to stop
  EXPECT_FALSE(svc->running());
}

TEST_F(StreamServerEndpointService, StopStopsThePortAndWaitsForIt) {
  svc->startService();
  auto port = std::make_shared<FakePort>();
  port->stopped = defer::Deferred<void>();
  endpoint->next.callback(port);
  EXPECT_EQ(svc->port(), port);
  bool stopped = false;
  svc->stopService().addCallback([&] { stopped = true; });
  EXPECT_EQ(port->stops, 1);
  EXPECT_FALSE(stopped);
  EXPECT_TRUE(svc->running());
  port->stopped.callback();
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(svc->running());
}

}  // namespace
