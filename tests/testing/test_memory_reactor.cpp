// MemoryReactor, MemoryReactorClock and RaisingMemoryReactor: the cases of
// Twisted's src/twisted/internet/test/test_testing.py (MemoryReactorTests,
// RaisingMemoryReactorTests).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/ssl.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/memory_reactor.h>

namespace {

using namespace twisted::internet;
using twisted::testing::FakeConnector;
using twisted::testing::MemoryReactor;
using twisted::testing::MemoryReactorClock;
using twisted::testing::RaisingMemoryReactor;

class RecordingClientFactory : public ClientFactory {
 public:
  std::vector<IConnector*> started;
  void startedConnecting(IConnector& c) override { started.push_back(&c); }
};

TEST(MemoryReactor, ListenTCPRecordsAndReturnsAFakePort) {
  MemoryReactor r;
  auto f = Factory::forProtocol<Protocol>();
  auto port = r.listenTCP(1234, f, 7, "127.0.0.1");
  ASSERT_EQ(r.tcpServers.size(), 1u);
  auto& [p, factory, backlog, interface] = r.tcpServers[0];
  EXPECT_EQ(p, 1234);
  EXPECT_EQ(factory, f);
  EXPECT_EQ(backlog, 7);
  EXPECT_EQ(interface, "127.0.0.1");
  // Twisted's fake reports 0.0.0.0 for any IPv4 interface.
  EXPECT_EQ(port->getHost(), Address(IPv4Address{"TCP", "0.0.0.0", 1234}));
  EXPECT_EQ(f->numPorts, 0) << "the fake does not start the factory";
  twisted::testing::successResultOf(port->stopListening());
}

TEST(MemoryReactor, ListenTCPOnIPv6InterfaceGivesIPv6Address) {
  MemoryReactor r;
  auto port = r.listenTCP(80, Factory::forProtocol<Protocol>(), 50, "::1");
  EXPECT_EQ(port->getHost(), Address(IPv6Address{"TCP", "::1", 80}));
}

TEST(MemoryReactor, ConnectTCPRecordsCallsStartedConnectingAndReturnsConnector) {
  MemoryReactor r;
  auto f = std::make_shared<RecordingClientFactory>();
  auto c = r.connectTCP("example.com", 80, f, 5, std::make_pair(std::string("10.0.0.1"), 0));
  ASSERT_EQ(r.tcpClients.size(), 1u);
  auto& [host, port, factory, timeout, bindAddress] = r.tcpClients[0];
  EXPECT_EQ(host, "example.com");
  EXPECT_EQ(port, 80);
  EXPECT_EQ(factory, f);
  EXPECT_EQ(timeout, 5);
  ASSERT_TRUE(bindAddress);
  EXPECT_EQ(bindAddress->first, "10.0.0.1");
  ASSERT_EQ(f->started.size(), 1u);
  EXPECT_EQ(f->started[0], c.get());
  ASSERT_EQ(r.connectors.size(), 1u);
  EXPECT_EQ(r.connectors[0], c);
  EXPECT_EQ(c->getDestination(), Address(IPv4Address{"TCP", "example.com", 80}));
  EXPECT_EQ(f->numPorts, 0);
}

TEST(MemoryReactor, ListenSSLAndConnectSSLAreRecordedApartFromTCP) {
  MemoryReactor r;
  auto options = twisted::internet::ssl::optionsForClientTLS("example.com");
  auto p = r.listenSSL(8443, std::make_shared<Factory>(), options, 7, "::1");
  ASSERT_EQ(r.sslServers.size(), 1u);
  EXPECT_TRUE(r.tcpServers.empty());
  auto& [port, factory, contextFactory, backlog, interface] = r.sslServers[0];
  EXPECT_EQ(port, 8443);
  EXPECT_EQ(contextFactory.data(), options.data());
  EXPECT_EQ(backlog, 7);
  EXPECT_EQ(interface, "::1");
  EXPECT_EQ(p->getHost(), Address(IPv6Address{"TCP", "::1", 8443}));

  auto f = std::make_shared<RecordingClientFactory>();
  auto c = r.connectSSL("example.com", 443, f, options, 5);
  ASSERT_EQ(r.sslClients.size(), 1u);
  EXPECT_TRUE(r.tcpClients.empty());
  EXPECT_EQ(r.sslClients[0].factory, f);
  EXPECT_EQ(r.sslClients[0].timeout, 5);
  ASSERT_EQ(f->started.size(), 1u);
  EXPECT_EQ(r.connectors.back(), c);
}

TEST(MemoryReactor, ConnectTCPToIPv6Literal) {
  MemoryReactor r;
  auto c = r.connectTCP("::1", 80, std::make_shared<RecordingClientFactory>());
  EXPECT_EQ(c->getDestination(), Address(IPv6Address{"TCP", "::1", 80}));
}

TEST(MemoryReactor, FakeConnectorRecordsStopAndDisconnect) {
  MemoryReactor r;
  r.connectTCP("h", 1, std::make_shared<RecordingClientFactory>());
  FakeConnector& c = *r.connectors.at(0);
  EXPECT_FALSE(c.stoppedConnecting);
  c.stopConnecting();
  EXPECT_TRUE(c.stoppedConnecting);
  c.disconnect();
  EXPECT_TRUE(c.disconnected);
  c.connect();
  c.connect();
  EXPECT_EQ(c.connectCalls, 2);
}

TEST(MemoryReactor, RunRunsWhenRunningHooksThenStops) {
  MemoryReactor r;
  std::vector<int> order;
  r.callWhenRunning([&] {
    order.push_back(1);
    EXPECT_TRUE(r.running());
  });
  r.callWhenRunning([&](int x) { order.push_back(x); }, 2);
  EXPECT_EQ(r.whenRunningHooks.size(), 2u);
  EXPECT_FALSE(r.hasRun);
  r.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(r.hasRun);
  EXPECT_TRUE(r.hasStopped);
  EXPECT_FALSE(r.running());
}

TEST(MemoryReactor, StopAndCrashSetFlags) {
  MemoryReactor r;
  r.stop();
  EXPECT_TRUE(r.hasStopped);
  r.crash();
  EXPECT_TRUE(r.hasCrashed);
  EXPECT_FALSE(r.running());
  r.install();
  EXPECT_TRUE(r.hasInstalled);
  EXPECT_THROW(r.iterate(), std::logic_error);
}

TEST(MemoryReactor, TriggersAreRecordedByPhaseAndEvent) {
  MemoryReactor r;
  std::vector<std::string> ran;
  r.addSystemEventTrigger("before", "shutdown", [&] { ran.push_back("before"); });
  auto id = r.addSystemEventTrigger("during", "shutdown", [&] { ran.push_back("during"); });
  r.addSystemEventTrigger("after", "shutdown", [&] { ran.push_back("after"); });
  r.addSystemEventTrigger("during", "startup", [&] { ran.push_back("startup"); });
  EXPECT_EQ(r.triggers["before"]["shutdown"].size(), 1u);
  EXPECT_EQ(r.triggers["during"]["shutdown"].size(), 1u);
  EXPECT_TRUE(ran.empty()) << "recorded only";
  r.fireSystemEvent("shutdown");
  EXPECT_EQ(ran, (std::vector<std::string>{"before", "during", "after"}));
  EXPECT_THROW(r.removeSystemEventTrigger(id), std::invalid_argument) << "already consumed";
  auto startup = r.triggers["during"]["startup"].at(0).id;
  r.removeSystemEventTrigger(startup);
  r.fireSystemEvent("startup");
  EXPECT_EQ(ran.size(), 3u);
}

class FakeDescriptor : public IReadWriteDescriptor {
 public:
  int fileno() const override { return 42; }
  DescriptorResult doRead() override { return std::nullopt; }
  DescriptorResult doWrite() override { return std::nullopt; }
  void connectionLost(const twisted::python::Failure&) override {}
};

TEST(MemoryReactor, ReadersAndWritersAreRecorded) {
  MemoryReactor r;
  FakeDescriptor d;
  r.addReader(&d);
  r.addReader(&d);
  r.addWriter(&d);
  EXPECT_EQ(r.getReaders().size(), 1u);
  EXPECT_EQ(r.getWriters().size(), 1u);
  r.removeWriter(&d);
  EXPECT_TRUE(r.getWriters().empty());
  r.addWriter(&d);
  auto all = r.removeAll();
  EXPECT_EQ(all.size(), 1u);
  EXPECT_TRUE(r.getReaders().empty());
  EXPECT_TRUE(r.getWriters().empty());
}

TEST(MemoryReactorClock, IsAClockToo) {
  MemoryReactorClock r;
  bool called = false;
  r.callLater(2, [&] { called = true; });
  r.advance(1);
  EXPECT_FALSE(called);
  r.advance(1);
  EXPECT_TRUE(called);
  EXPECT_EQ(r.seconds(), 2);
  // and still a MemoryReactor
  r.connectTCP("h", 1, std::make_shared<RecordingClientFactory>());
  EXPECT_EQ(r.tcpClients.size(), 1u);
}

TEST(RaisingMemoryReactor, ListenAndConnectThrow) {
  RaisingMemoryReactor r(std::make_exception_ptr(error::CannotListenError("", 80, "nope")),
                         std::make_exception_ptr(error::ConnectionRefusedError()));
  EXPECT_THROW(r.listenTCP(80, Factory::forProtocol<Protocol>()), error::CannotListenError);
  EXPECT_THROW(r.connectTCP("h", 80, std::make_shared<ClientFactory>()),
               error::ConnectionRefusedError);
}

}  // namespace
