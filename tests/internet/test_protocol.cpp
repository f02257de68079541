// Protocol, Factory, ClientFactory and addresses (twisted.internet.protocol,
// twisted.internet.address); the transports that drive them are tested with
// their own suites.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/protocol.h>
#include <twisted/testing/event_logging_observer.h>

namespace {

using namespace twisted::internet;

class Echo : public Protocol {
 public:
  explicit Echo(int t = 0) : tag(t) {}
  int tag;
};

class CountingFactory : public Factory {
 public:
  void startFactory() override { ++starts; }
  void stopFactory() override { ++stops; }
  int starts = 0;
  int stops = 0;
};

TEST(AddressTest, ReprsMatchTwisted) {
  EXPECT_EQ(toString(IPv4Address{"TCP", "127.0.0.1", 8000}),
            "IPv4Address(type='TCP', host='127.0.0.1', port=8000)");
  EXPECT_EQ(toString(IPv6Address{"TCP", "::1", 80}),
            "IPv6Address(type='TCP', host='::1', port=80, flowInfo=0, scopeID=0)");
  EXPECT_EQ(toString(UNIXAddress{"/tmp/s"}), "UNIXAddress('/tmp/s')");
  EXPECT_EQ(hostOf(IPv6Address{"TCP", "::1", 80}), "::1");
  EXPECT_EQ(portOf(IPv4Address{"UDP", "10.0.0.1", 53}), 53);
}

TEST(FactoryTest, ForProtocolBuildsAndSetsTheFactory) {
  auto f = Factory::forProtocol<Echo>(7);
  auto p = f->buildProtocol(IPv4Address{"TCP", "127.0.0.1", 1});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->factory, f.get());
  EXPECT_EQ(static_cast<Echo&>(*p).tag, 7);
  EXPECT_EQ(p->logPrefix(), "Echo");
}

TEST(FactoryTest, NoProtocolIsAClearError) {
  Factory f;
  EXPECT_THROW(f.buildProtocol(IPv4Address{}), std::logic_error);
}

TEST(FactoryTest, NullProtocolRefuses) {
  Factory f;
  f.protocol = [] { return std::unique_ptr<Protocol>(); };
  EXPECT_EQ(f.buildProtocol(IPv4Address{}), nullptr);
}

TEST(FactoryTest, DoStartDoStopAreReferenceCounted) {
  twisted::testing::EventLoggingObserver logs;
  CountingFactory f;
  f.doStart();
  f.doStart();
  EXPECT_EQ(f.starts, 1);
  EXPECT_EQ(f.numPorts, 2);
  f.doStop();
  EXPECT_EQ(f.stops, 0);
  f.doStop();
  EXPECT_EQ(f.stops, 1);
  f.doStop();  // extra: ignored
  EXPECT_EQ(f.stops, 1);
  EXPECT_EQ(f.numPorts, 0);
  auto events = logs.events();
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(events[0].message.size(), 1u);
  EXPECT_EQ(events[0].message[0].rfind("Starting factory <CountingFactory object at 0x", 0), 0u)
      << events[0].message[0];
  ASSERT_EQ(events[1].message.size(), 1u);
  EXPECT_EQ(events[1].message[0].rfind("Stopping factory <CountingFactory", 0), 0u);
}

// Twisted's Factory.doStart counts the port after startFactory(): it sees
// numPorts == 0, and when it throws the factory stays unstarted (Python:
// "numPorts in startFactory 0", "after throwing doStart numPorts 0").
TEST(FactoryTest, DoStartCountsAfterStartFactory) {
  struct Failing : Factory {
    void startFactory() override {
      seen.push_back(numPorts);
      if (fail) throw std::runtime_error("boom");
    }
    std::vector<int> seen;
    bool fail = true;
  } f;
  f.noisy = false;
  EXPECT_THROW(f.doStart(), std::runtime_error);
  EXPECT_EQ(f.numPorts, 0);
  f.fail = false;
  f.doStart();  // tries again
  EXPECT_EQ(f.numPorts, 1);
  EXPECT_EQ(f.seen, (std::vector<int>{0, 0}));
}

TEST(FactoryTest, QuietFactoryDoesNotLog) {
  twisted::testing::EventLoggingObserver logs;
  CountingFactory f;
  f.noisy = false;
  f.doStart();
  f.doStop();
  EXPECT_EQ(logs.size(), 0u);
  EXPECT_EQ(f.starts, 1);
  EXPECT_EQ(f.stops, 1);
}

}  // namespace
