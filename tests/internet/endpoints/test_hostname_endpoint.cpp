// HostnameEndpoint and its parts: the happy-eyeballs race (RFC 8305) with a
// task::Clock, fake per-address endpoints and FakeHostnameResolver; the
// endpoint on MemoryReactorClock (the cases of Twisted's
// HostnameEndpoint*Tests in src/twisted/internet/test/test_endpoints.py);
// GAIResolver and real loopback connections to "localhost" on every backend.
//
// No test depends on network DNS: "localhost" comes from /etc/hosts and
// ".invalid" names never resolve (RFC 6761).
#include <netdb.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/endpoints/detail/happy_eyeballs.h>
#include <twisted/internet/endpoints/hostname_endpoint.h>
#include <twisted/internet/error.h>
#include <twisted/internet/gai_resolver.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/fake_hostname_resolver.h>
#include <twisted/testing/memory_reactor.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using defer::Deferred;
using endpoints::HostnameEndpoint;
using endpoints::detail::happyEyeballs;
using endpoints::detail::interleaveFamilies;
using endpoints::detail::RaceTarget;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::FakeHostnameResolver;
using twisted::testing::StringTransport;
using twisted::testing::successResultOf;

Address v4(std::string host, int port = 80) {
  return IPv4Address{"TCP", std::move(host), port};
}
Address v6(std::string host, int port = 80) {
  return IPv6Address{"TCP", std::move(host), port};
}

// ---------------------------------------------------------------------------
// The race, with fake per-address endpoints.

// One connect() of a fake endpoint: the test fires `deferred` (via succeed /
// fail) when it likes.
struct FakeAttempt {
  Address address;
  Deferred<Protocol*> deferred;
  bool cancelled = false;
  std::unique_ptr<Protocol> protocol;
  std::unique_ptr<StringTransport> transport;
};

// Makes the fake endpoints and records every attempt, in order.
class FakeAttempts {
 public:
  endpoints::detail::AttemptEndpointFactory factory() {
    return [this](const Address& address) -> std::shared_ptr<IStreamClientEndpoint> {
      if (refuseToMake.count(hostOf(address)))
        throw std::runtime_error("no endpoint for " + hostOf(address));
      return std::make_shared<Endpoint>(*this, address);
    };
  }

  // Connects attempt `i` (builds its protocol as a connection would).
  Protocol* succeed(std::size_t i) {
    FakeAttempt& a = *attempts.at(i);
    a.protocol = factory_->buildProtocol(a.address);
    a.transport = std::make_unique<StringTransport>();
    a.protocol->makeConnection(a.transport.get());
    Protocol* p = a.protocol.get();
    if (late.count(i)) {
      late[i].callback(p);  // a stubborn attempt's late connection
    } else {
      a.deferred.callback(p);
    }
    return p;
  }
  void fail(std::size_t i, const std::string& why = "refused") {
    attempts.at(i)->deferred.errback(Failure(error::ConnectionRefusedError(why)));
  }
  std::vector<std::string> hosts() const {
    std::vector<std::string> out;
    for (const auto& a : attempts)
      out.push_back(hostOf(a->address));
    return out;
  }

  std::vector<std::shared_ptr<FakeAttempt>> attempts;
  std::map<std::string, std::string> failAtOnce;  // host -> reason
  std::map<std::string, bool> refuseToMake;
  // Attempts (by index) that survive cancellation: their connect() is a
  // coroutine that, cancelled, waits for late[i] instead.
  std::map<std::size_t, Deferred<Protocol*>> late;
  std::map<std::string, bool> stubborn;  // host -> connect survives cancel()
  std::shared_ptr<Factory> factory_;

 private:
  class Endpoint : public IStreamClientEndpoint {
   public:
    Endpoint(FakeAttempts& owner, Address address) : owner_(owner), address_(std::move(address)) {}
    Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override {
      owner_.factory_ = factory;
      auto a = std::make_shared<FakeAttempt>();
      a->address = address_;
      FakeAttempt* raw = a.get();
      a->deferred = Deferred<Protocol*>([raw](Deferred<Protocol*>& d) {
        raw->cancelled = true;
        d.errback(Failure(error::ConnectingCancelledError(hostOf(raw->address))));
      });
      const std::size_t index = owner_.attempts.size();
      owner_.attempts.push_back(a);
      if (auto it = owner_.failAtOnce.find(hostOf(address_)); it != owner_.failAtOnce.end())
        a->deferred.errback(Failure(error::ConnectionRefusedError(it->second)));
      if (owner_.stubborn.count(hostOf(address_))) {
        owner_.late[index] = Deferred<Protocol*>();
        return stubbornly(a->deferred, owner_.late[index]);
      }
      return a->deferred;
    }

   private:
    static Deferred<Protocol*> stubbornly(Deferred<Protocol*> first, Deferred<Protocol*> later) {
      try {
        co_return co_await first;
      } catch (const error::ConnectingCancelledError&) {
      }
      co_return co_await later;
    }
    FakeAttempts& owner_;
    Address address_;
  };
};

class Proto : public Protocol {};

class HappyEyeballsTest : public ::testing::Test {
 protected:
  HappyEyeballsTest() { resolver->names["example.test"] = {"::1", "127.0.0.1"}; }

  Deferred<Protocol*> race(const std::string& host = "example.test", double delay = 0.3) {
    return happyEyeballs(clock, resolver->resolveHostName(host, 80), fakes.factory(), factory,
                         delay, RaceTarget{host, 80});
  }

  task::Clock clock;
  std::shared_ptr<FakeHostnameResolver> resolver = std::make_shared<FakeHostnameResolver>();
  FakeAttempts fakes;
  std::shared_ptr<Factory> factory = Factory::forProtocol<Proto>();
};

TEST(InterleaveFamilies, AlternatesStartingWithTheResolversFirstFamily) {
  std::vector<Address> in{v6("::1"), v6("::2"), v6("::3"), v4("1.0.0.1"), v4("1.0.0.2")};
  std::vector<Address> want{v6("::1"), v4("1.0.0.1"), v6("::2"), v4("1.0.0.2"), v6("::3")};
  EXPECT_EQ(interleaveFamilies(in), want);
  std::vector<Address> in4{v4("1.0.0.1"), v6("::1"), v4("1.0.0.2"), v4("1.0.0.3")};
  std::vector<Address> want4{v4("1.0.0.1"), v6("::1"), v4("1.0.0.2"), v4("1.0.0.3")};
  EXPECT_EQ(interleaveFamilies(in4), want4);
}

TEST(InterleaveFamilies, IgnoresAddressesThatAreNotIP) {
  // Twisted's test_ignoreUnknownAddressTypes.
  std::vector<Address> in{v4("1.2.3.4"), UNIXAddress{"/tmp/x"}, v6("1:2::3:4")};
  std::vector<Address> want{v4("1.2.3.4"), v6("1:2::3:4")};
  EXPECT_EQ(interleaveFamilies(in), want);
}

TEST_F(HappyEyeballsTest, StalledIPv6LetsIPv4StartAfterTheDelayAndWin) {
  Deferred<Protocol*> d = race();
  ASSERT_EQ(fakes.hosts(), (std::vector<std::string>{"::1"}));
  clock.advance(0.25);
  EXPECT_EQ(fakes.attempts.size(), 1u);  // the IPv6 attempt stalls
  clock.advance(0.05);
  ASSERT_EQ(fakes.hosts(), (std::vector<std::string>{"::1", "127.0.0.1"}));
  assertNoResult(d);
  Protocol* p = fakes.succeed(1);
  EXPECT_EQ(successResultOf(d), p);
  EXPECT_TRUE(fakes.attempts[0]->cancelled);  // the loser
  EXPECT_FALSE(fakes.attempts[1]->cancelled);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(HappyEyeballsTest, TheFirstAttemptMayWinAlone) {
  Deferred<Protocol*> d = race();
  Protocol* p = fakes.succeed(0);
  EXPECT_EQ(successResultOf(d), p);
  EXPECT_EQ(fakes.attempts.size(), 1u);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(1);
  EXPECT_EQ(fakes.attempts.size(), 1u);  // nothing more is tried
}

TEST_F(HappyEyeballsTest, AnImmediateFailureStartsTheNextAttemptAtOnce) {
  fakes.failAtOnce["::1"] = "no route";
  Deferred<Protocol*> d = race();
  ASSERT_EQ(fakes.hosts(), (std::vector<std::string>{"::1", "127.0.0.1"}));
  EXPECT_EQ(clock.seconds(), 0);
  Protocol* p = fakes.succeed(1);
  EXPECT_EQ(successResultOf(d), p);
}

TEST_F(HappyEyeballsTest, AFailureBeforeTheDelayStartsTheNextAttemptThen) {
  resolver->names["example.test"] = {"::1", "127.0.0.1", "::2"};
  Deferred<Protocol*> d = race();
  clock.advance(0.1);
  fakes.fail(0);
  ASSERT_EQ(fakes.attempts.size(), 2u);  // at 0.1 s, not 0.3 s
  // The next one is again attemptDelay after this one started.
  clock.advance(0.29);
  EXPECT_EQ(fakes.attempts.size(), 2u);
  clock.advance(0.01);
  ASSERT_EQ(fakes.hosts(), (std::vector<std::string>{"::1", "127.0.0.1", "::2"}));
  fakes.succeed(2);
  successResultOf(d);
  EXPECT_TRUE(fakes.attempts[1]->cancelled);
}

TEST_F(HappyEyeballsTest, AnOlderAttemptFailingDoesNotHurryTheNext) {
  resolver->names["example.test"] = {"::1", "127.0.0.1", "::2"};
  Deferred<Protocol*> d = race();
  clock.advance(0.3);
  ASSERT_EQ(fakes.attempts.size(), 2u);
  fakes.fail(0);  // attempt 2 is still going: attempt 3 keeps its time
  EXPECT_EQ(fakes.attempts.size(), 2u);
  clock.advance(0.3);
  EXPECT_EQ(fakes.attempts.size(), 3u);
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
}

TEST_F(HappyEyeballsTest, AllFailingGivesTheLastFailure) {
  Deferred<Protocol*> d = race();
  clock.advance(0.3);
  fakes.fail(1, "second");
  assertNoResult(d);  // the first is still pending
  fakes.fail(0, "first");
  Failure f = failureResultOf<error::ConnectionRefusedError>(d);
  EXPECT_NE(f.getErrorMessage().find("first"), std::string::npos) << f.getErrorMessage();
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(HappyEyeballsTest, AllFailingAtOnce) {
  fakes.failAtOnce["::1"] = "one";
  fakes.failAtOnce["127.0.0.1"] = "two";
  Deferred<Protocol*> d = race();
  Failure f = failureResultOf<error::ConnectionRefusedError>(d);
  EXPECT_NE(f.getErrorMessage().find("two"), std::string::npos);
  EXPECT_EQ(fakes.attempts.size(), 2u);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(HappyEyeballsTest, AnEndpointThatCannotBeMadeCountsAsAFailedAttempt) {
  fakes.refuseToMake["::1"] = true;
  Deferred<Protocol*> d = race();
  ASSERT_EQ(fakes.hosts(), (std::vector<std::string>{"127.0.0.1"}));
  fakes.fail(0);
  failureResultOf<error::ConnectionRefusedError>(d);
}

TEST_F(HappyEyeballsTest, ADNSErrorIsPassedOn) {
  Deferred<Protocol*> d = race("nowhere.invalid");
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_NE(f.getErrorMessage().find("nowhere.invalid"), std::string::npos);
  EXPECT_TRUE(fakes.attempts.empty());
}

TEST_F(HappyEyeballsTest, AnotherResolutionFailureBecomesADNSLookupError) {
  resolver->failures.emplace("odd.test", Failure(std::runtime_error("resolver broke")));
  Deferred<Protocol*> d = race("odd.test");
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_EQ(f.getErrorMessage(),
            "DNS lookup failed: Couldn't find the hostname 'odd.test' (resolver broke).");
}

TEST_F(HappyEyeballsTest, NoAddressesIsADNSLookupError) {
  // Twisted's HostnameEndpointsGAIFailureTests.test_failure.
  resolver->names["empty.test"] = {};
  Deferred<Protocol*> d = race("empty.test");
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_EQ(f.getErrorMessage(), "DNS lookup failed: no results for hostname lookup: empty.test.");
}

TEST_F(HappyEyeballsTest, CancellingDuringResolution) {
  resolver->holdAnswers = true;
  Deferred<Protocol*> d = race();
  EXPECT_EQ(resolver->pendingCount(), 1u);
  d.cancel();
  Failure f = failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(f.valueAs<error::ConnectingCancelledError>()->address(), "example.test:80");
  EXPECT_EQ(resolver->pendingCount(), 0u);  // the lookup was cancelled
  EXPECT_EQ(resolver->flush(), 0u);
  EXPECT_TRUE(fakes.attempts.empty());
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(HappyEyeballsTest, CancellingDuringAttempts) {
  // Twisted's test_endpointConnectingCancelledAfterAllAttemptsStarted.
  Deferred<Protocol*> d = race();
  clock.advance(0.45);
  ASSERT_EQ(fakes.attempts.size(), 2u);
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_TRUE(fakes.attempts[0]->cancelled);
  EXPECT_TRUE(fakes.attempts[1]->cancelled);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST_F(HappyEyeballsTest, CancellingBetweenAttemptsStopsTheTimer) {
  Deferred<Protocol*> d = race();
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_TRUE(fakes.attempts[0]->cancelled);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  clock.advance(1);
  EXPECT_EQ(fakes.attempts.size(), 1u);
}

TEST_F(HappyEyeballsTest, ALateSecondSuccessIsClosed) {
  fakes.stubborn["::1"] = true;  // its endpoint cannot stop once started
  Deferred<Protocol*> d = race();
  clock.advance(0.3);
  Protocol* winner = fakes.succeed(1);
  EXPECT_EQ(successResultOf(d), winner);
  EXPECT_TRUE(fakes.attempts[0]->cancelled);
  fakes.succeed(0);  // connects after all
  EXPECT_TRUE(fakes.attempts[0]->transport->disconnecting());
  EXPECT_FALSE(fakes.attempts[1]->transport->disconnecting());
}

TEST_F(HappyEyeballsTest, ACancelledStubbornAttemptThatConnectsIsClosedToo) {
  fakes.stubborn["::1"] = true;
  Deferred<Protocol*> d = race();
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
  fakes.succeed(0);
  EXPECT_TRUE(fakes.attempts[0]->transport->disconnecting());
}

TEST_F(HappyEyeballsTest, IPv6LiteralIsBracketedInTheCancelError) {
  resolver->names["::1"] = {"::1"};
  Deferred<Protocol*> d = race("::1");
  d.cancel();
  Failure f = failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(f.valueAs<error::ConnectingCancelledError>()->address(), "[::1]:80");
}

// ---------------------------------------------------------------------------
// HostnameEndpoint on MemoryReactorClock: attempts are connectTCP calls made
// by TCP4ClientEndpoint / TCP6ClientEndpoint.

class HostnameEndpointTest : public ::testing::Test {
 protected:
  HostnameEndpointTest() {
    resolver->names["example.test"] = {"1:2::3:4", "1.2.3.4"};
    resolver->names["one4.test"] = {"1.2.3.4"};
  }

  HostnameEndpoint endpoint(const std::string& host, double timeout = 30,
                            std::optional<std::pair<std::string, int>> bindAddress = {}) {
    return HostnameEndpoint(reactor, host, 80, timeout, std::move(bindAddress), 0.3, resolver);
  }

  // Connects attempt `i` as the reactor would: its factory builds a
  // protocol that gets a transport.
  void connectAttempt(std::size_t i) {
    auto& client = reactor.tcpClients.at(i);
    Address peer = client.host.find(':') != std::string::npos ? v6(client.host) : v4(client.host);
    protocols.push_back(client.factory->buildProtocol(peer));
    ASSERT_TRUE(protocols.back());
    transports.push_back(std::make_unique<StringTransport>());
    protocols.back()->makeConnection(transports.back().get());
  }
  void failAttempt(std::size_t i, const Failure& reason) {
    reactor.tcpClients.at(i).factory->clientConnectionFailed(*reactor.connectors.at(i), reason);
  }

  twisted::testing::MemoryReactorClock reactor;
  std::shared_ptr<FakeHostnameResolver> resolver = std::make_shared<FakeHostnameResolver>();
  std::shared_ptr<Factory> factory = Factory::forProtocol<Proto>();
  std::vector<std::unique_ptr<Protocol>> protocols;
  std::vector<std::unique_ptr<StringTransport>> transports;
};

TEST_F(HostnameEndpointTest, StalledIPv6LetsIPv4WinAfter300ms) {
  HostnameEndpoint ep = endpoint("example.test");
  Deferred<Protocol*> d = ep.connect(factory);
  ASSERT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_EQ(reactor.tcpClients[0].host, "1:2::3:4");
  EXPECT_EQ(reactor.tcpClients[0].port, 80);
  reactor.advance(0.2);
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
  reactor.advance(0.1);
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  EXPECT_EQ(reactor.tcpClients[1].host, "1.2.3.4");
  connectAttempt(1);
  Protocol* p = successResultOf(d);
  EXPECT_TRUE(dynamic_cast<Proto*>(p));  // the caller's protocol
  EXPECT_EQ(p->transport, transports[0].get());
  EXPECT_TRUE(reactor.connectors[0]->stoppedConnecting);  // the loser
  EXPECT_FALSE(reactor.connectors[1]->stoppedConnecting);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, IPv6IsFaster) {
  // Twisted's HostnameEndpointsFasterConnectionTests.test_IPv6IsFaster and
  // test_otherConnectionsCancelled, families swapped (we start with the
  // resolver's first, IPv6 here).
  HostnameEndpoint ep = endpoint("example.test");
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.3);
  connectAttempt(0);
  EXPECT_EQ(successResultOf(d)->transport, transports[0].get());
  EXPECT_TRUE(reactor.connectors[1]->stoppedConnecting);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, TimeoutAndBindAddressGoToEachAttempt) {
  HostnameEndpoint ep =
      endpoint("example.test", 10, std::pair<std::string, int>{"localhost", 49595});
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.3);
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  for (const auto& client : reactor.tcpClients) {
    EXPECT_EQ(client.timeout, 10);
    EXPECT_EQ(client.bindAddress, (std::pair<std::string, int>{"localhost", 49595}));
  }
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
}

TEST_F(HostnameEndpointTest, ATimedOutAttemptStartsTheNextAtOnce) {
  // The attempt's own timeout (the connector reports TimeoutError) counts
  // as a failure like any other.
  resolver->names["example.test"] = {"1:2::3:4", "1.2.3.4", "1:2::3:5"};
  HostnameEndpoint ep = endpoint("example.test", 0.1);
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.1);
  failAttempt(0, Failure(error::TimeoutError()));
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  reactor.advance(0.1);
  failAttempt(1, Failure(error::TimeoutError()));
  ASSERT_EQ(reactor.tcpClients.size(), 3u);
  failAttempt(2, Failure(error::TimeoutError()));
  failureResultOf<error::TimeoutError>(d);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, OneAddressFailing) {
  // Twisted's HostnameEndpointsOneIPv4Tests.test_endpointConnectFailureAfterIteration.
  HostnameEndpoint ep = endpoint("one4.test");
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.3);
  failAttempt(0, Failure(error::ConnectionRefusedError()));
  failureResultOf<error::ConnectionRefusedError>(d);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, OneAddressSucceedingAfterTheDelay) {
  // Twisted's test_endpointConnectSuccessAfterIteration.
  HostnameEndpoint ep = endpoint("one4.test");
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.3);
  connectAttempt(0);
  EXPECT_EQ(successResultOf(d)->transport, transports[0].get());
  EXPECT_EQ(reactor.tcpClients.size(), 1u);
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

class Refusing : public Factory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address&) override { return nullptr; }
};

TEST_F(HostnameEndpointTest, AFactoryThatBuildsNothingIsNoProtocol) {
  HostnameEndpoint ep = endpoint("one4.test");
  Deferred<Protocol*> d = ep.connect(std::make_shared<Refusing>());
  EXPECT_FALSE(reactor.tcpClients.at(0).factory->buildProtocol(v4("1.2.3.4")));
  failureResultOf<error::NoProtocol>(d);
}

TEST_F(HostnameEndpointTest, CancellingDuringResolution) {
  resolver->holdAnswers = true;
  HostnameEndpoint ep = endpoint("example.test");
  Deferred<Protocol*> d = ep.connect(factory);
  d.cancel();
  Failure f = failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_EQ(f.valueAs<error::ConnectingCancelledError>()->address(), "example.test:80");
  EXPECT_EQ(resolver->flush(), 0u);
  EXPECT_TRUE(reactor.tcpClients.empty());
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, CancellingDuringAttempts) {
  // Twisted's test_endpointConnectingCancelledAfterAllAttemptsStarted.
  HostnameEndpoint ep = endpoint("example.test");
  Deferred<Protocol*> d = ep.connect(factory);
  reactor.advance(0.45);
  d.cancel();
  failureResultOf<error::ConnectingCancelledError>(d);
  EXPECT_TRUE(reactor.connectors[0]->stoppedConnecting);
  EXPECT_TRUE(reactor.connectors[1]->stoppedConnecting);
  // MemoryReactor does not report the stopped attempts; a real connector would.
  failAttempt(0, Failure(error::UserError()));
  failAttempt(1, Failure(error::UserError()));
  EXPECT_TRUE(reactor.getDelayedCalls().empty());
}

TEST_F(HostnameEndpointTest, DNSFailure) {
  HostnameEndpoint ep = endpoint("nowhere.invalid");
  Failure f = failureResultOf<error::DNSLookupError>(ep.connect(factory));
  EXPECT_NE(f.getErrorMessage().find("nowhere.invalid"), std::string::npos);
  EXPECT_TRUE(reactor.tcpClients.empty());
}

TEST_F(HostnameEndpointTest, AnIPLiteralSkipsTheResolver) {
  HostnameEndpoint ep4(reactor, "10.0.0.1", 80);  // no resolver needed
  HostnameEndpoint ep6(reactor, "::1", 81, 30, {}, 0.3, resolver);
  Deferred<Protocol*> d4 = ep4.connect(factory);
  Deferred<Protocol*> d6 = ep6.connect(factory);
  EXPECT_TRUE(resolver->queries.empty());
  ASSERT_EQ(reactor.tcpClients.size(), 2u);
  EXPECT_EQ(reactor.tcpClients[0].host, "10.0.0.1");
  EXPECT_EQ(reactor.tcpClients[1].host, "::1");
  EXPECT_EQ(reactor.tcpClients[1].port, 81);
  d4.cancel();
  d6.cancel();
  failureResultOf<error::ConnectingCancelledError>(d4);
  failureResultOf<error::ConnectingCancelledError>(d6);
}

TEST_F(HostnameEndpointTest, ANameNeedsAResolverWhenTheReactorHasNoThreads) {
  EXPECT_THROW(HostnameEndpoint(reactor, "example.test", 80), std::invalid_argument);
}

TEST_F(HostnameEndpointTest, TheEndpointMayGoOnceConnectReturned) {
  Deferred<Protocol*> d;
  {
    HostnameEndpoint ep = endpoint("example.test");
    d = ep.connect(factory);
  }
  reactor.advance(0.3);
  connectAttempt(1);
  EXPECT_EQ(successResultOf(d)->transport, transports[0].get());
}

TEST(HostnameEndpointRepr, NamesHostAndPort) {
  twisted::testing::MemoryReactorClock reactor;
  auto resolver = std::make_shared<FakeHostnameResolver>();
  EXPECT_EQ(HostnameEndpoint(reactor, "example.com", 80, 30, {}, 0.3, resolver).repr(),
            "<HostnameEndpoint example.com:80>");
  EXPECT_EQ(HostnameEndpoint(reactor, "::1", 8080).repr(), "<HostnameEndpoint [::1]:8080>");
}

// ---------------------------------------------------------------------------
// FakeHostnameResolver

TEST(FakeHostnameResolverTest, AnswersWithPortTypeAndFamilies) {
  FakeHostnameResolver resolver{{"h.test", {"::1", "10.0.0.1"}}};
  auto all = successResultOf(resolver.resolveHostName("h.test", 443));
  EXPECT_EQ(all, (std::vector<Address>{v6("::1", 443), v4("10.0.0.1", 443)}));
  auto only4 =
      successResultOf(resolver.resolveHostName("h.test", 1, std::vector{AddressType::IPv4}, "UDP"));
  EXPECT_EQ(only4, (std::vector<Address>{IPv4Address{"UDP", "10.0.0.1", 1}}));
  ASSERT_EQ(resolver.queries.size(), 2u);
  EXPECT_EQ(resolver.queries[0].name, "h.test");
  EXPECT_EQ(resolver.queries[0].port, 443);
  failureResultOf<error::DNSLookupError>(resolver.resolveHostName("other.test"));
}

TEST(FakeHostnameResolverTest, HeldAnswersWaitForFlush) {
  FakeHostnameResolver resolver{{"h.test", {"10.0.0.1"}}};
  resolver.holdAnswers = true;
  auto d1 = resolver.resolveHostName("h.test");
  auto d2 = resolver.resolveHostName("h.test");
  assertNoResult(d1);
  d2.cancel();
  failureResultOf<defer::CancelledError>(d2);
  EXPECT_EQ(resolver.pendingCount(), 1u);
  EXPECT_EQ(resolver.flush(), 1u);
  EXPECT_EQ(successResultOf(d1).size(), 1u);
}

// ---------------------------------------------------------------------------
// GAIResolver on a real reactor (its pool), every backend.

class GAIResolverTest : public testing_internal::RealReactorTest {
 protected:
  std::vector<Address> resolve(const std::string& name,
                               std::optional<std::vector<AddressType>> types = std::nullopt) {
    GAIResolver resolver(*r);
    std::optional<defer::Outcome<std::vector<Address>>> got;
    resolver.resolveHostName(name, 8080, std::move(types))
        .addBoth([&](defer::Outcome<std::vector<Address>> o) {
          got = std::move(o);
          r->stop();
        });
    runBounded();
    if (!got) return {};
    return std::move(*got).value();
  }
};

TEST_P(GAIResolverTest, LocalhostGivesLoopbackAddressesWithThePort) {
  std::vector<Address> addresses = resolve("localhost");
  ASSERT_FALSE(addresses.empty());
  for (const Address& a : addresses) {
    EXPECT_EQ(portOf(a), 8080);
    if (auto* a4 = std::get_if<IPv4Address>(&a))
      EXPECT_EQ(a4->host.rfind("127.", 0), 0u) << a4->host;
    else if (auto* a6 = std::get_if<IPv6Address>(&a))
      EXPECT_EQ(a6->host, "::1");
    else
      ADD_FAILURE() << toString(a);
  }
}

TEST_P(GAIResolverTest, FamiliesCanBeChosen) {
  GAIResolver resolver(*r);
  std::vector<Address> four, six;
  int answers = 0;
  auto keep = [&](std::vector<Address>& into) {
    return [&](std::vector<Address> got) {
      into = std::move(got);
      if (++answers == 2) r->stop();
    };
  };
  resolver.resolveHostName("127.0.0.1", 8080, std::vector{AddressType::IPv4})
      .addCallback(keep(four));
  resolver.resolveHostName("::1", 8080, std::vector{AddressType::IPv6}).addCallback(keep(six));
  runBounded();
  EXPECT_EQ(four, (std::vector<Address>{v4("127.0.0.1", 8080)}));
  EXPECT_EQ(six, (std::vector<Address>{v6("::1", 8080)}));
}

TEST_P(GAIResolverTest, AnUnknownNameIsADNSLookupError) {
  GAIResolver resolver(*r);
  std::optional<Failure> failure;
  resolver.resolveHostName("nowhere.invalid").addErrback([&](const Failure& f) {
    failure = f;
    r->stop();
    return std::vector<Address>{};
  });
  runBounded();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::DNSLookupError>());
  EXPECT_NE(failure->getErrorMessage().find("nowhere.invalid"), std::string::npos);
}

TWISTED_INSTANTIATE_BACKENDS(GAIResolverTest);

// ---------------------------------------------------------------------------
// Real connections on loopback, every backend.

class Accepting : public Protocol {
 public:
  explicit Accepting(std::shared_ptr<int> count) : count_(std::move(count)) {}
  void connectionMade() override { ++*count_; }

 private:
  std::shared_ptr<int> count_;
};

class HostnameEndpointLoopbackTest : public testing_internal::RealReactorTest {
 protected:
  // Listens on `interface` (port 0); null if it cannot (no IPv6 here).
  std::shared_ptr<IListeningPort> listenOn(const std::string& interface) {
    try {
      return r->listenTCP(0, Factory::forProtocol<Accepting>(accepted), 50, interface);
    } catch (const error::CannotListenError&) {
      return nullptr;
    }
  }

  // What one connect gave: the peer it reached, or the failure.
  struct Result {
    std::optional<Address> peer;
    std::optional<Failure> failure;
  };

  // Connects `endpoint`, running the reactor (its pool runs the system
  // resolver) until the attempt is over; a connection is closed at once
  // (stopping the reactor drops connections anyway).
  Result connectAndRun(HostnameEndpoint& endpoint) {
    Result result;
    bool done = false;
    endpoint.connect(Factory::forProtocol<Proto>()).addBoth([&](defer::Outcome<Protocol*> o) {
      if (o.succeeded()) {
        result.peer = o.value()->transport->getPeer();
        o.value()->transport->loseConnection();
      } else {
        result.failure = o.failure();
      }
      done = true;
      r->stop();
    });
    if (!done) runBounded();
    EXPECT_TRUE(done);
    return result;
  }

  static bool resolvesTo(const std::string& name, const std::string& address) {
    bool found = false;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return false;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      char text[NI_MAXHOST];
      if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, nullptr, 0,
                        NI_NUMERICHOST) == 0 &&
          address == text)
        found = true;
    }
    ::freeaddrinfo(res);
    return found;
  }

  std::shared_ptr<int> accepted = std::make_shared<int>(0);
};

TEST_P(HostnameEndpointLoopbackTest, LocalhostOverIPv4WithTheSystemResolver) {
  auto port = listenOn("127.0.0.1");
  ASSERT_TRUE(port);
  HostnameEndpoint endpoint(*r, "localhost", portOf(port->getHost()));  // a GAIResolver
  Result got = connectAndRun(endpoint);
  ASSERT_TRUE(got.peer) << (got.failure ? got.failure->getErrorMessage() : "");
  EXPECT_EQ(*got.peer, v4("127.0.0.1", portOf(port->getHost())));
}

TEST_P(HostnameEndpointLoopbackTest, LocalhostOverIPv6WithTheSystemResolver) {
  auto port = listenOn("::1");
  if (!port) GTEST_SKIP() << "no IPv6 loopback here";
  // "localhost" is ::1 as well on most systems; where /etc/hosts says only
  // 127.0.0.1, the literal is the name that reaches ::1.
  const std::string host = resolvesTo("localhost", "::1") ? "localhost" : "::1";
  HostnameEndpoint endpoint(*r, host, portOf(port->getHost()));
  Result got = connectAndRun(endpoint);
  ASSERT_TRUE(got.peer) << host << ": " << (got.failure ? got.failure->getErrorMessage() : "");
  EXPECT_EQ(hostOf(*got.peer), "::1");
}

// A dual-stack name whose server listens on one family only: the other
// family's attempt is refused and the race goes on to the one that works,
// whichever comes first.
TEST_P(HostnameEndpointLoopbackTest, DualStackNameReachesTheFamilyThatListens) {
  for (const std::string listenHost : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(listenHost);
    auto port = listenOn(listenHost);
    if (!port) continue;  // no IPv6 loopback here
    auto resolver = std::make_shared<FakeHostnameResolver>();
    resolver->names["dual.test"] = {"::1", "127.0.0.1"};
    HostnameEndpoint endpoint(*r, "dual.test", portOf(port->getHost()), 30, {}, 0.3, resolver);
    std::optional<defer::Outcome<Protocol*>> got;
    endpoint.connect(Factory::forProtocol<Proto>()).addBoth([&](defer::Outcome<Protocol*> o) {
      got = std::move(o);
    });
    spinUntil([&] { return got.has_value(); });
    ASSERT_TRUE(got && got->succeeded()) << (got ? got->failure().getErrorMessage() : "");
    Protocol* p = got->value();
    EXPECT_EQ(hostOf(p->transport->getPeer()), listenHost);
    p->transport->loseConnection();
    port->stopListening();
  }
}

TEST_P(HostnameEndpointLoopbackTest, NothingListeningIsRefused) {
  auto port = listenOn("127.0.0.1");
  ASSERT_TRUE(port);
  const int number = portOf(port->getHost());
  std::optional<bool> stopped;
  port->stopListening().addBoth([&] { stopped = true; });
  spinUntil([&] { return stopped.has_value(); });
  HostnameEndpoint endpoint(*r, "localhost", number);
  Result got = connectAndRun(endpoint);
  ASSERT_TRUE(got.failure);
  EXPECT_TRUE(got.failure->check<error::ConnectionRefusedError>())
      << got.failure->getErrorMessage();
}

TWISTED_INSTANTIATE_BACKENDS(HostnameEndpointLoopbackTest);

}  // namespace
