// StringTransport, StringTransportWithDisconnection and AccumulatingProtocol
// (twisted.internet.testing); cases follow twisted.internet.test.test_testing.
#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <string_view>

#include <twisted/internet/error.h>
#include <twisted/testing/string_transport.h>

namespace {

using namespace twisted;
using twisted::testing::AccumulatingProtocol;
using twisted::testing::StringTransport;
using twisted::testing::StringTransportWithDisconnection;
using State = StringTransport::ProducerState;

class NullProducer : public internet::IPushProducer {
 public:
  void pauseProducing() override {}
  void resumeProducing() override {}
  void stopProducing() override {}
};

TEST(StringTransportTest, WriteAndWriteSequenceAccumulateUntilClear) {
  StringTransport t;
  t.write("foo");
  std::array<std::string_view, 3> parts{"bar", "", "baz"};
  t.writeSequence(parts);
  EXPECT_EQ(t.value(), "foobarbaz");
  t.clear();
  EXPECT_EQ(t.value(), "");
  t.write(std::string_view("\0x", 2));
  EXPECT_EQ(t.value(), std::string("\0x", 2));
}

TEST(StringTransportTest, DefaultAddressesAreTwisteds) {
  StringTransport t;
  EXPECT_EQ(t.getHost(), internet::Address(internet::IPv4Address{"TCP", "10.0.0.1", 12345}));
  EXPECT_EQ(t.getPeer(), internet::Address(internet::IPv4Address{"TCP", "192.168.1.1", 54321}));
}

TEST(StringTransportTest, GivenAddressesAreReturned) {
  internet::Address host = internet::IPv6Address{"TCP", "::1", 1};
  internet::Address peer = internet::UNIXAddress{"/tmp/sock"};
  StringTransport t(host, peer);
  EXPECT_EQ(t.getHost(), host);
  EXPECT_EQ(t.getPeer(), peer);
}

TEST(StringTransportTest, LoseConnectionOnlySetsDisconnecting) {
  StringTransport t;
  EXPECT_FALSE(t.disconnecting());
  t.loseConnection();
  EXPECT_TRUE(t.disconnecting());
  EXPECT_FALSE(t.disconnected);
  t.write("still recorded");
  EXPECT_EQ(t.value(), "still recorded");
}

TEST(StringTransportTest, AbortConnectionSetsBothFlags) {
  StringTransport t;
  t.abortConnection();
  EXPECT_TRUE(t.disconnected);
  EXPECT_TRUE(t.disconnecting());
}

TEST(StringTransportTest, RegisterProducerRecordsItAndRefusesASecond) {
  StringTransport t;
  NullProducer p, q;
  EXPECT_EQ(t.producer, nullptr);
  EXPECT_FALSE(t.streaming.has_value());
  t.registerProducer(&p, true);
  EXPECT_EQ(t.producer, &p);
  EXPECT_EQ(t.streaming, true);
  EXPECT_THROW(t.registerProducer(&q, false), std::runtime_error);
  EXPECT_EQ(t.producer, &p);
  EXPECT_EQ(t.streaming, true);
  t.unregisterProducer();
  EXPECT_EQ(t.producer, nullptr);
  EXPECT_FALSE(t.streaming.has_value());
  t.registerProducer(&q, false);
  EXPECT_EQ(t.streaming, false);
}

TEST(StringTransportTest, UnregisterWithoutProducerThrows) {
  StringTransport t;
  EXPECT_THROW(t.unregisterProducer(), std::runtime_error);
}

TEST(StringTransportTest, ProducerStateFollowsPauseResumeStop) {
  StringTransport t;
  EXPECT_EQ(t.producerState, State::producing);
  t.pauseProducing();
  EXPECT_EQ(t.producerState, State::paused);
  t.resumeProducing();
  EXPECT_EQ(t.producerState, State::producing);
  t.stopProducing();
  EXPECT_EQ(t.producerState, State::stopped);
  EXPECT_THROW(t.resumeProducing(), std::runtime_error);
  EXPECT_THROW(t.pauseProducing(), std::runtime_error);
  t.stopProducing();  // stopping again is allowed
  EXPECT_EQ(t.producerState, State::stopped);
}

TEST(StringTransportTest, ResumeAfterLoseConnectionThrowsUnlessLenient) {
  StringTransport strict;
  strict.loseConnection();
  EXPECT_THROW(strict.resumeProducing(), std::runtime_error);
  EXPECT_THROW(strict.pauseProducing(), std::runtime_error);

  StringTransport lenient(std::nullopt, std::nullopt, /*lenient=*/true);
  lenient.loseConnection();
  lenient.pauseProducing();
  EXPECT_EQ(lenient.producerState, State::paused);
  lenient.resumeProducing();
  EXPECT_EQ(lenient.producerState, State::producing);
}

TEST(StringTransportTest, ProtocolSeesItAsItsTransport) {
  StringTransport t;
  AccumulatingProtocol p;
  p.makeConnection(&t);
  EXPECT_TRUE(p.made);
  EXPECT_TRUE(p.connected);
  EXPECT_EQ(p.transport, &t);
  p.transport->write("x");
  EXPECT_EQ(t.value(), "x");
}

TEST(StringTransportWithDisconnectionTest, LoseConnectionTellsTheProtocolOnce) {
  StringTransportWithDisconnection t;
  AccumulatingProtocol p;
  t.protocol = &p;
  p.makeConnection(&t);
  t.loseConnection();
  EXPECT_TRUE(p.closed);
  ASSERT_TRUE(p.closedReason.has_value());
  EXPECT_TRUE(p.closedReason->check<internet::error::ConnectionDone>());
  EXPECT_EQ(p.closedReason->getErrorMessage(), "Bye.");
  EXPECT_FALSE(t.connected);
  p.closed = false;
  t.loseConnection();
  EXPECT_FALSE(p.closed);
}

TEST(StringTransportWithDisconnectionTest, AbortAlsoTellsTheProtocol) {
  StringTransportWithDisconnection t;
  AccumulatingProtocol p;
  t.protocol = &p;
  t.abortConnection();
  EXPECT_TRUE(t.disconnected);
  EXPECT_TRUE(p.closed);
}

TEST(StringTransportWithDisconnectionTest, NoProtocolIsAClearError) {
  StringTransportWithDisconnection t;
  EXPECT_THROW(t.loseConnection(), std::logic_error);
}

TEST(AccumulatingProtocolTest, AccumulatesDataAndRecordsClose) {
  AccumulatingProtocol p;
  EXPECT_FALSE(p.made);
  p.dataReceived("ab");
  p.dataReceived("");
  p.dataReceived("c");
  EXPECT_EQ(p.data, "abc");
  EXPECT_FALSE(p.closed);
  p.connectionLost(python::Failure(internet::error::ConnectionLost()));
  EXPECT_TRUE(p.closed);
  EXPECT_TRUE(p.closedReason->check<internet::error::ConnectionLost>());
}

TEST(AccumulatingProtocolTest, DeferredsFireOnceWithTheProtocol) {
  StringTransport t;
  AccumulatingProtocol p;
  internet::defer::Deferred<AccumulatingProtocol*> made;
  internet::defer::Deferred<void> closed;
  AccumulatingProtocol* madeWith = nullptr;
  int closedCalls = 0;
  made.addCallback([&](AccumulatingProtocol* proto) { madeWith = proto; });
  closed.addCallback([&] { ++closedCalls; });
  p.madeDeferred = made;
  p.closedDeferred = closed;

  p.makeConnection(&t);
  EXPECT_EQ(madeWith, &p);
  EXPECT_FALSE(p.madeDeferred.has_value());
  p.connectionLost(python::Failure(internet::error::ConnectionDone()));
  p.connectionLost(python::Failure(internet::error::ConnectionDone()));
  EXPECT_EQ(closedCalls, 1);
  EXPECT_FALSE(p.closedDeferred.has_value());
}

}  // namespace
