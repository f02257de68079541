// strports::service on real reactors: a real TCP listen through serverFromString.
#include <gtest/gtest.h>

#include <twisted/application/strports.h>
#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>

#include "internet/reactor_fixture.h"

namespace defer = twisted::internet::defer;
using twisted::internet::Factory;
using twisted::internet::portOf;
using twisted::internet::Protocol;

namespace {

class Greeter : public Protocol {
 public:
  void connectionMade() override {
    transport->write("hello\n");
    transport->loseConnection();
  }
};

class Strports : public testing_internal::RealReactorTest {};

TEST_P(Strports, ListensOnTcpAndStops) {
  auto svc = twisted::application::strports::service("tcp:0:interface=127.0.0.1",
                                                     Factory::forProtocol<Greeter>(), *r);
  svc->startService();
  auto port = svc->port();
  ASSERT_NE(port, nullptr);
  EXPECT_GT(portOf(port->getHost()), 0);
  bool stopped = false;
  svc->stopService().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  EXPECT_EQ(svc->port(), nullptr);
  EXPECT_FALSE(svc->running());
}

TEST_P(Strports, APortInUseRaisesFromStartService) {
  auto first = twisted::application::strports::service("tcp:0:interface=127.0.0.1",
                                                       Factory::forProtocol<Greeter>(), *r);
  first->startService();
  const int taken = portOf(first->port()->getHost());
  auto second = twisted::application::strports::service(
      "tcp:" + std::to_string(taken) + ":interface=127.0.0.1", Factory::forProtocol<Greeter>(), *r);
  EXPECT_THROW(second->startService(), twisted::internet::error::CannotListenError);
  bool stopped = false;
  first->stopService().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
}

TEST_P(Strports, ABadDescriptionThrows) {
  EXPECT_THROW(
      twisted::application::strports::service("nope:1", Factory::forProtocol<Greeter>(), *r),
      twisted::internet::endpoints::EndpointParseError);
}

TWISTED_INSTANTIATE_BACKENDS(Strports);

}  // namespace
