// `twist echo`: BoundedEcho over a StringTransport.
#include <gtest/gtest.h>

#include <memory>

#include <twisted/internet/address.h>
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

}  // namespace
