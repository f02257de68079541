// `twist echo`: BoundedEcho and DelayedEcho (--delay) over a StringTransport.
#include <gtest/gtest.h>

#include <memory>

#include <twisted/internet/address.h>
#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/string_transport.h>

#include "services/echo.h"

namespace {

// The transport is registered as its own streaming producer, so it stops
// reading from a client that does not read (Twisted's Echo does not).
TEST(BoundedEchoTest, TransportIsItsOwnStreamingProducer) {
  twisted::testing::StringTransport transport;
  twisted::twist::BoundedEcho echo;
  echo.makeConnection(&transport);
  EXPECT_EQ(transport.producer, static_cast<twisted::internet::IProducer*>(&transport));
  EXPECT_EQ(transport.streaming, true);
  echo.dataReceived("hello");
  EXPECT_EQ(transport.value(), "hello");
}

TEST(BoundedEchoTest, DrainClosesAtOnce) {
  twisted::testing::StringTransport transport;
  twisted::twist::BoundedEcho echo;
  echo.makeConnection(&transport);
  echo.drain();
  EXPECT_TRUE(transport.disconnecting());
}

using twisted::internet::task::Clock;
using twisted::testing::StringTransport;
using twisted::twist::DelayedEcho;

TEST(DelayedEchoTest, EchoesEachChunkAfterTheDelay) {
  Clock clock;
  StringTransport transport;
  DelayedEcho echo(clock, 2);
  echo.makeConnection(&transport);
  echo.dataReceived("one ");
  clock.advance(1);
  echo.dataReceived("two");
  EXPECT_EQ(transport.value(), "");
  clock.advance(1);
  EXPECT_EQ(transport.value(), "one ");
  clock.advance(1);
  EXPECT_EQ(transport.value(), "one two");
}

TEST(DelayedEchoTest, DrainEchoesWhatIsDueThenCloses) {
  Clock clock;
  StringTransport transport;
  DelayedEcho echo(clock, 2);
  echo.makeConnection(&transport);
  echo.dataReceived("request");
  echo.drain();
  EXPECT_FALSE(transport.disconnecting());
  clock.advance(2);
  EXPECT_EQ(transport.value(), "request");
  EXPECT_TRUE(transport.disconnecting());
}

TEST(DelayedEchoTest, DrainWithNothingDueClosesAtOnce) {
  Clock clock;
  StringTransport transport;
  DelayedEcho echo(clock, 2);
  echo.makeConnection(&transport);
  echo.drain();
  EXPECT_TRUE(transport.disconnecting());
}

TEST(DelayedEchoTest, ReadingPausesWhileTooMuchIsDue) {
  Clock clock;
  StringTransport transport;
  DelayedEcho echo(clock, 1);
  echo.makeConnection(&transport);
  echo.dataReceived(std::string(40 * 1024, 'a'));
  EXPECT_EQ(transport.producerState, StringTransport::ProducerState::producing);
  echo.dataReceived(std::string(40 * 1024, 'b'));
  EXPECT_EQ(transport.producerState, StringTransport::ProducerState::paused);
  clock.advance(1);
  EXPECT_EQ(transport.producerState, StringTransport::ProducerState::producing);
  EXPECT_EQ(transport.value().size(), 80u * 1024);
}

TEST(DelayedEchoTest, ALostConnectionCancelsWhatIsDue) {
  Clock clock;
  StringTransport transport;
  DelayedEcho echo(clock, 1);
  echo.makeConnection(&transport);
  echo.dataReceived("late");
  echo.connectionLost(twisted::python::Failure(twisted::internet::error::ConnectionDone()));
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

}  // namespace
