// ReconnectingClientFactory: Twisted's ReconnectingFactoryTests
// (src/twisted/test/test_factories.py) plus the back-off arithmetic of
// twisted-api.md §5, with a task::Clock; then real reconnects on loopback.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/reconnecting_client_factory.h>
#include <twisted/internet/task/clock.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>
#include <twisted/testing/memory_reactor.h>

namespace {

using namespace twisted::internet;
using twisted::python::Failure;
using twisted::testing::FakeConnector;
using twisted::testing::MemoryReactorClock;

constexpr double kE = 2.7182818284590451;

struct Fixture {
  MemoryReactorClock r;
  std::shared_ptr<ReconnectingClientFactory> f = std::make_shared<ReconnectingClientFactory>();
  std::shared_ptr<IConnector> c;
  Fixture() {
    f->clock = &r;
    f->jitter = 0;
    f->noisy = false;
    f->setProtocol<Protocol>();
    c = r.connectTCP("h", 1, f);
  }
  FakeConnector& fake() { return *r.connectors.at(0); }
  void fail() { f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError())); }
};

TEST(ReconnectingClientFactory, Defaults) {
  ReconnectingClientFactory f;
  EXPECT_EQ(f.initialDelay, 1.0);
  EXPECT_EQ(f.maxDelay, 3600);
  EXPECT_DOUBLE_EQ(f.factor, kE);
  EXPECT_DOUBLE_EQ(f.jitter, 0.119626565582);
  EXPECT_EQ(f.delay, 1.0);
  EXPECT_EQ(f.retries, 0);
  EXPECT_FALSE(f.maxRetries);
  EXPECT_TRUE(f.continueTrying);
  EXPECT_FALSE(f.connector());
}

TEST(ReconnectingClientFactory, FirstRetryWaitsInitialDelayTimesFactor) {
  Fixture x;
  x.fail();
  EXPECT_EQ(x.f->retries, 1);
  EXPECT_DOUBLE_EQ(x.f->delay, kE) << "not initialDelay: the delay grows before the first retry";
  ASSERT_EQ(x.r.getDelayedCalls().size(), 1u);
  EXPECT_DOUBLE_EQ(x.r.getDelayedCalls()[0].getTime(), kE);
  EXPECT_EQ(x.f->connector(), x.c);
  x.r.advance(kE - 0.001);
  EXPECT_EQ(x.fake().connectCalls, 0);
  x.r.advance(0.001);
  EXPECT_EQ(x.fake().connectCalls, 1);
  EXPECT_FALSE(x.f->callID().active());
}

TEST(ReconnectingClientFactory, DelayGrowsGeometricallyUpToMaxDelay) {
  Fixture x;
  x.f->maxDelay = 10;
  std::vector<double> delays;
  for (int i = 0; i < 4; ++i) {
    x.f->clientConnectionLost(*x.c, Failure(error::ConnectionLost()));
    delays.push_back(x.f->delay);
    x.r.advance(x.f->delay);
  }
  EXPECT_DOUBLE_EQ(delays[0], kE);
  EXPECT_DOUBLE_EQ(delays[1], kE * kE);
  EXPECT_DOUBLE_EQ(delays[2], 10);
  EXPECT_DOUBLE_EQ(delays[3], 10);
  EXPECT_EQ(x.f->retries, 4);
  EXPECT_EQ(x.fake().connectCalls, 4);
}

TEST(ReconnectingClientFactory, JitterDrawsFromANormalAroundTheDelayAndMayExceedMaxDelay) {
  Fixture x;
  x.f->jitter = 0.5;
  x.f->maxDelay = 2;
  std::vector<std::pair<double, double>> asked;
  x.f->normalVariate = [&](double mean, double sd) {
    asked.emplace_back(mean, sd);
    return mean + sd;  // one standard deviation up
  };
  x.fail();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_DOUBLE_EQ(asked[0].first, 2);  // min(1 * e, 2)
  EXPECT_DOUBLE_EQ(asked[0].second, 1);
  EXPECT_DOUBLE_EQ(x.f->delay, 3) << "jitter applies after the cap";
}

TEST(ReconnectingClientFactory, DefaultJitterStaysNearTheDelay) {
  Fixture x;
  x.f->jitter = 0.119626565582;
  x.fail();
  EXPECT_GT(x.f->delay, kE * 0.4);
  EXPECT_LT(x.f->delay, kE * 1.6);
}

TEST(ReconnectingClientFactory, MaxRetriesGivesUp) {
  Fixture x;
  x.f->maxRetries = 2;
  x.fail();
  x.r.advance(x.f->delay);
  x.fail();
  x.r.advance(x.f->delay);
  EXPECT_EQ(x.fake().connectCalls, 2);
  x.fail();
  EXPECT_EQ(x.f->retries, 3);
  EXPECT_TRUE(x.r.getDelayedCalls().empty()) << "abandoned after maxRetries";
}

TEST(ReconnectingClientFactory, StopTryingCancelsTheRetryAndStopsConnecting) {
  Fixture x;
  x.fail();
  ASSERT_TRUE(x.f->callID().active());
  x.f->stopTrying();
  EXPECT_FALSE(x.f->continueTrying);
  EXPECT_TRUE(x.r.getDelayedCalls().empty());
  EXPECT_TRUE(x.fake().stoppedConnecting);
  x.r.advance(100);
  EXPECT_EQ(x.fake().connectCalls, 0);
}

TEST(ReconnectingClientFactory, StopTryingWhenConnectedDoesNotReconnect) {
  // Mirrors test_stopTryingWhenConnected / test_stopTryingDoesNotReconnect.
  Fixture x;
  x.f->stopTrying();
  x.f->clientConnectionLost(*x.c, Failure(error::ConnectionDone()));
  x.f->clientConnectionFailed(*x.c, Failure(error::ConnectionRefusedError()));
  EXPECT_TRUE(x.r.getDelayedCalls().empty());
  EXPECT_EQ(x.f->retries, 0);
}

TEST(ReconnectingClientFactory, RetryAfterStopTryingIsAbandoned) {
  Fixture x;
  x.fail();
  x.r.advance(x.f->delay);
  x.f->stopTrying();
  x.f->retry();  // explicit retry with the remembered connector: logged, abandoned
  EXPECT_TRUE(x.r.getDelayedCalls().empty());
}

TEST(ReconnectingClientFactory, ResetDelayRestoresInitialDelayAndRetries) {
  Fixture x;
  x.f->initialDelay = 0.5;
  x.fail();
  x.r.advance(x.f->delay);
  x.fail();
  x.f->stopTrying();
  x.f->resetDelay();
  EXPECT_EQ(x.f->delay, 0.5);
  EXPECT_EQ(x.f->retries, 0);
  EXPECT_TRUE(x.f->continueTrying);
  x.fail();
  EXPECT_DOUBLE_EQ(x.f->delay, 0.5 * kE);
}

TEST(ReconnectingClientFactory, RetryWithoutConnectorThrows) {
  ReconnectingClientFactory f;
  EXPECT_THROW(f.retry(), std::invalid_argument);
}

// Twisted checks continueTrying before looking for a connector: with none,
// retry() after stopTrying() logs "Abandoning None on explicit request"
// (checked with Twisted 22.4) instead of raising.
TEST(ReconnectingClientFactory, RetryAfterStopTryingWithoutConnectorIsAbandoned) {
  twisted::testing::EventLoggingObserver logs;
  ReconnectingClientFactory f;
  f.stopTrying();
  EXPECT_NO_THROW(f.retry());
  ASSERT_EQ(logs.size(), 1u);
  ASSERT_EQ(logs.events()[0].message.size(), 1u);
  EXPECT_EQ(logs.events()[0].message[0], "Abandoning None on explicit request");
}

TEST(ReconnectingClientFactory, DestroyingTheFactoryCancelsThePendingRetry) {
  MemoryReactorClock r;
  {
    auto f = std::make_shared<ReconnectingClientFactory>();
    f->clock = &r;
    f->noisy = false;
    auto c = r.connectTCP("h", 1, f);
    f->clientConnectionFailed(*c, Failure(error::ConnectionRefusedError()));
    EXPECT_EQ(r.getDelayedCalls().size(), 1u);
    r.tcpClients.clear();  // the only other owner of the factory
  }
  EXPECT_TRUE(r.getDelayedCalls().empty());
  r.advance(100);
}

TEST(ReconnectingClientFactory, NoisyLogsTheRetry) {
  Fixture x;
  x.f->noisy = true;
  std::vector<std::string> lines;
  auto handle = twisted::python::log::addObserver([&](const twisted::logger::LogEvent& e) {
    lines.push_back(twisted::python::log::textFromEventDict(e));
  });
  x.fail();
  twisted::python::log::removeObserver(handle);
  bool found = false;
  for (auto& l : lines)
    found = found || l.find("will retry in 2 seconds") != std::string::npos;
  EXPECT_TRUE(found);
}

// --- real reconnects ------------------------------------------------------------

class Closer : public Protocol {
 public:
  void connectionMade() override { transport->loseConnection(); }
};

class CountingFactory : public ReconnectingClientFactory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    resetDelay();
    ++built;
    return ReconnectingClientFactory::buildProtocol(addr);
  }
  void clientConnectionLost(IConnector& c, const Failure& reason) override {
    ++lost;
    if (lost == 3) {
      stopTrying();
      onDone();
    }
    ReconnectingClientFactory::clientConnectionLost(c, reason);
  }
  void clientConnectionFailed(IConnector& c, const Failure& reason) override {
    ++failed;
    ReconnectingClientFactory::clientConnectionFailed(c, reason);
    if (maxRetries && retries > *maxRetries) onDone();
  }
  int built = 0, lost = 0, failed = 0;
  std::function<void()> onDone;
};

TEST(ReconnectingClientFactoryTCP, ReconnectsAfterEachLossUntilStopTrying) {
  auto r = makeReactor("epoll");
  auto port = r->listenTCP(0, Factory::forProtocol<Closer>(), 50, "127.0.0.1");
  auto f = std::make_shared<CountingFactory>();
  f->setProtocol<Protocol>();
  f->clock = r.get();
  f->initialDelay = f->delay = 0.001;
  f->noisy = false;
  f->onDone = [&] { r->stop(); };
  r->connectTCP("127.0.0.1", portOf(port->getHost()), f);  // connector dropped: retained by retries
  auto guard = r->callLater(10, [&] { r->stop(); });
  r->run(false);
  EXPECT_TRUE(guard.active()) << "timed out";
  if (guard.active()) guard.cancel();
  EXPECT_EQ(f->built, 3);
  EXPECT_EQ(f->lost, 3);
  EXPECT_FALSE(f->continueTrying);
}

TEST(ReconnectingClientFactoryTCP, RetriesRefusedConnectionsUpToMaxRetries) {
  auto r = makeReactor("epoll");
  int n;
  {
    auto port = r->listenTCP(0, Factory::forProtocol<Closer>(), 50, "127.0.0.1");
    n = portOf(port->getHost());
    port->stopListening();
    r->iterate(0);
  }
  auto f = std::make_shared<CountingFactory>();
  f->setProtocol<Protocol>();
  f->clock = r.get();
  f->initialDelay = f->delay = 0.001;
  f->maxRetries = 2;
  f->noisy = false;
  f->onDone = [&] { r->stop(); };
  r->connectTCP("127.0.0.1", n, f);
  auto guard = r->callLater(10, [&] { r->stop(); });
  r->run(false);
  EXPECT_TRUE(guard.active()) << "timed out";
  if (guard.active()) guard.cancel();
  EXPECT_EQ(f->failed, 3) << "the first attempt and two retries";
  EXPECT_EQ(f->built, 0);
  EXPECT_EQ(f->numPorts, 0) << "doStop ran after the last failure";
}

}  // namespace
