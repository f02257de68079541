// Name resolution: IResolverSimple, the reactor's pluggable resolver
// (IReactorPluggableResolver, ReactorBase::resolve), ThreadedResolver,
// BlockingResolver, testing::FakeResolver, and connectTCP going through the
// installed resolver. The cases of Twisted's ThreadedResolver tests
// (src/twisted/test/test_internet.py) and the FakeResolver uses of
// src/twisted/internet/test/test_tcp.py that apply.
//
// No test depends on network DNS: "localhost" comes from /etc/hosts and
// ".invalid" names never resolve (RFC 6761). Timeouts run on task::Clock.
#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/internet/interfaces.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include <twisted/internet/threaded_resolver.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/fake_resolver.h>

#include "reactor_fixture.h"

namespace {

using namespace twisted::internet;
using defer::Deferred;
using testing_internal::RealReactorTest;
using twisted::python::Failure;
using twisted::testing::assertNoResult;
using twisted::testing::failureResultOf;
using twisted::testing::FakeResolver;
using twisted::testing::successResultOf;

bool isIPLiteral(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// IReactorThreads that runs nothing until the test says so: the "worker"
// and the "reactor thread" are both the test thread, so a lookup's timing
// against its timeout is under the test's control.
class ManualThreads : public IReactorThreads {
 public:
  void suggestThreadPoolSize(int) override {}
  twisted::python::ThreadPool& getThreadPool() override { throw std::logic_error("no pool"); }

  // Runs the queued pool work (getaddrinfo here), which queues thread calls.
  void runWorkers() {
    while (!work.empty()) {
      auto f = std::move(work.front());
      work.pop_front();
      f();
    }
  }
  // Runs the queued callFromThread calls.
  void runThreadCalls() {
    while (!calls.empty()) {
      auto f = std::move(calls.front());
      calls.pop_front();
      f();
    }
  }

  std::deque<twisted::python::detail::UniqueFunction> work;
  std::deque<twisted::python::detail::UniqueFunction> calls;
  bool refuseWork = false;

 protected:
  void queueThreadCall(twisted::python::detail::UniqueFunction f) override {
    calls.push_back(std::move(f));
  }
  void queueInThreadPool(twisted::python::detail::UniqueFunction f) override {
    if (refuseWork) throw std::logic_error("ThreadPool is stopped");
    work.push_back(std::move(f));
  }
};

// ---------------------------------------------------------------------------
// ThreadedResolver, driven by hand

TEST(ThreadedResolver, AnswerArrivesThroughCallFromThread) {
  ManualThreads threads;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("localhost", 5);
  assertNoResult(d);
  EXPECT_EQ(clock.getDelayedCalls().size(), 1u) << "the timeout is scheduled";
  threads.runWorkers();
  assertNoResult(d);  // the answer is only queued for the reactor thread
  ASSERT_EQ(threads.calls.size(), 1u);
  threads.runThreadCalls();
  std::string address = successResultOf(d);
  EXPECT_TRUE(isIPLiteral(address)) << address;
  EXPECT_TRUE(clock.getDelayedCalls().empty()) << "the answer cancels the timeout";
}

TEST(ThreadedResolver, UnknownNameFailsWithDNSLookupErrorNamingTheHost) {
  ManualThreads threads;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("nonexistent.invalid");
  threads.runWorkers();
  threads.runThreadCalls();
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_EQ(
      f.getErrorMessage().rfind("DNS lookup failed: address 'nonexistent.invalid' not found: ", 0),
      0u)
      << f.getErrorMessage();
}

TEST(ThreadedResolver, TimeoutFailsAndTheLateAnswerIsIgnored) {
  ManualThreads threads;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("localhost", 2);
  clock.advance(1.9);
  assertNoResult(d);
  clock.advance(0.1);
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_EQ(f.getErrorMessage(),
            "DNS lookup failed: address 'localhost' not found: timeout error.");
  threads.runWorkers();
  threads.runThreadCalls();  // no AlreadyCalledError: the answer is dropped
}

TEST(ThreadedResolver, NonPositiveTimeoutMeansTheDefault) {
  ManualThreads threads;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("localhost", 0);
  clock.advance(kDefaultResolveTimeout - 1);
  assertNoResult(d);
  clock.advance(1);
  failureResultOf<error::DNSLookupError>(d);
}

TEST(ThreadedResolver, CancelAbandonsTheLookup) {
  ManualThreads threads;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("localhost");
  d.cancel();
  failureResultOf<defer::CancelledError>(d);
  EXPECT_TRUE(clock.getDelayedCalls().empty()) << "cancel drops the timeout";
  threads.runWorkers();
  threads.runThreadCalls();
}

TEST(ThreadedResolver, LookupOutlivesTheResolverAndItsConsumer) {
  ManualThreads threads;
  task::Clock clock;
  std::optional<Deferred<std::string>> kept;
  {
    ThreadedResolver resolver(threads, clock);
    kept = resolver.getHostByName("localhost");
    resolver.getHostByName("localhost");  // nobody keeps this one
  }
  threads.runWorkers();
  threads.runThreadCalls();
  EXPECT_TRUE(isIPLiteral(successResultOf(*kept)));
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(ThreadedResolver, StoppedPoolFailsAtOnce) {
  ManualThreads threads;
  threads.refuseWork = true;
  task::Clock clock;
  ThreadedResolver resolver(threads, clock);
  Deferred<std::string> d = resolver.getHostByName("localhost");
  Failure f = failureResultOf<error::DNSLookupError>(d);
  EXPECT_NE(f.getErrorMessage().find("'localhost'"), std::string::npos) << f.getErrorMessage();
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

// ---------------------------------------------------------------------------
// BlockingResolver

TEST(BlockingResolver, AnswersAtOnce) {
  BlockingResolver resolver;
  EXPECT_TRUE(isIPLiteral(successResultOf(resolver.getHostByName("localhost"))));
  Failure f = failureResultOf<error::DNSLookupError>(resolver.getHostByName("nonexistent.invalid"));
  EXPECT_NE(f.getErrorMessage().find("'nonexistent.invalid'"), std::string::npos)
      << f.getErrorMessage();
}

// ---------------------------------------------------------------------------
// FakeResolver

TEST(FakeResolver, AnswersFromItsTable) {
  FakeResolver resolver({{"example.test", "127.0.0.1"}});
  resolver.failures.emplace("broken.test", Failure(std::runtime_error("broken")));
  EXPECT_EQ(successResultOf(resolver.getHostByName("example.test", 3)), "127.0.0.1");
  failureResultOf<std::runtime_error>(resolver.getHostByName("broken.test"));
  Failure f = failureResultOf<error::DNSLookupError>(resolver.getHostByName("other.test"));
  EXPECT_EQ(f.getErrorMessage(), "DNS lookup failed: FakeResolver couldn't find other.test.");
  ASSERT_EQ(resolver.queries.size(), 3u);
  EXPECT_EQ(resolver.queries[0].name, "example.test");
  EXPECT_EQ(resolver.queries[0].timeout, 3);
}

TEST(FakeResolver, HeldAnswersWaitForFlush) {
  FakeResolver resolver({{"a.test", "10.0.0.1"}});
  resolver.holdAnswers = true;
  auto a = resolver.getHostByName("a.test");
  auto b = resolver.getHostByName("b.test");
  auto c = resolver.getHostByName("a.test");
  c.cancel();
  failureResultOf<defer::CancelledError>(c);
  assertNoResult(a);
  EXPECT_EQ(resolver.pendingCount(), 2u);
  EXPECT_EQ(resolver.flush(), 2u);
  EXPECT_EQ(successResultOf(a), "10.0.0.1");
  failureResultOf<error::DNSLookupError>(b);
  EXPECT_EQ(resolver.pendingCount(), 0u);
}

// ---------------------------------------------------------------------------
// The reactor's pluggable resolver

class ResolverTest : public RealReactorTest {};

TEST_P(ResolverTest, DefaultResolverIsAThreadedResolverResolvingLocalhost) {
  std::shared_ptr<IResolverSimple> resolver = r->resolver();
  ASSERT_TRUE(std::dynamic_pointer_cast<ThreadedResolver>(resolver));
  EXPECT_EQ(r->resolver(), resolver) << "made once";
  std::optional<std::string> address;
  resolver->getHostByName("localhost").addCallback([&](std::string a) {
    address = a;
    r->stop();
  });
  runBounded();
  ASSERT_TRUE(address);
  EXPECT_TRUE(isIPLiteral(*address)) << *address;
}

TEST_P(ResolverTest, UnknownNameFailsThroughTheReactor) {
  std::optional<Failure> failure;
  r->resolve("nonexistent.invalid").addErrback([&](Failure f) {
    failure = f;
    r->stop();
    return std::string();
  });
  runBounded();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::DNSLookupError>()) << failure->getErrorMessage();
  EXPECT_NE(failure->getErrorMessage().find("nonexistent.invalid"), std::string::npos);
}

TEST_P(ResolverTest, ResolveReturnsLiteralsAtOnce) {
  auto fake = std::make_shared<FakeResolver>();
  r->installResolver(fake);
  EXPECT_EQ(successResultOf(r->resolve("127.0.0.1")), "127.0.0.1");
  EXPECT_EQ(successResultOf(r->resolve("::1")), "::1");
  EXPECT_EQ(successResultOf(r->resolve("")), "0.0.0.0");
  EXPECT_TRUE(fake->queries.empty()) << "literals never reach the resolver";
  fake->names["example.test"] = "10.1.2.3";
  EXPECT_EQ(successResultOf(r->resolve("example.test", 7)), "10.1.2.3");
  ASSERT_EQ(fake->queries.size(), 1u);
  EXPECT_EQ(fake->queries[0].timeout, 7);
}

TEST_P(ResolverTest, InstallResolverSwapsAndReturnsTheOldOne) {
  auto first = std::make_shared<FakeResolver>();
  auto second = std::make_shared<FakeResolver>();
  std::shared_ptr<IResolverSimple> old = r->installResolver(first);
  EXPECT_TRUE(std::dynamic_pointer_cast<ThreadedResolver>(old)) << "the default";
  EXPECT_EQ(r->resolver(), first);
  EXPECT_EQ(r->installResolver(second), first);
  EXPECT_EQ(r->resolver(), second);
  EXPECT_THROW(r->installResolver(nullptr), std::invalid_argument);
  EXPECT_EQ(r->resolver(), second);
}

TEST_P(ResolverTest, PendingLookupWhenTheReactorIsDestroyed) {
  // The reactor never runs: the lookup waits in the pool's queue and its
  // timeout in the timer queue; destroying the reactor frees both (LeakSanitizer).
  Deferred<std::string> d = r->resolver()->getHostByName("localhost");
  r.reset();
  assertNoResult(d);
}

// ---------------------------------------------------------------------------
// connectTCP through the installed resolver

struct Outcome {
  int failed = 0;
  int made = 0;
  std::optional<Failure> reason;
  std::string received;
};

class Client : public Protocol {
 public:
  explicit Client(std::shared_ptr<Outcome> o) : o_(std::move(o)) {}
  void connectionMade() override {
    ++o_->made;
    transport->write("ping");
  }
  void dataReceived(std::string_view data) override {
    o_->received.append(data);
    transport->loseConnection();
  }

 private:
  std::shared_ptr<Outcome> o_;
};

class Echo : public Protocol {
  void dataReceived(std::string_view data) override { transport->write(data); }
};

class RecordingFactory : public ClientFactory {
 public:
  explicit RecordingFactory(std::shared_ptr<Outcome> o) : o_(std::move(o)) {
    setProtocol<Client>(o_);
  }
  void clientConnectionFailed(IConnector& c, const Failure& reason) override {
    ++o_->failed;
    o_->reason = reason;
    if (onFailed) onFailed(c);
  }
  void clientConnectionLost(IConnector&, const Failure&) override {
    if (onLost) onLost();
  }
  std::function<void(IConnector&)> onFailed;
  std::function<void()> onLost;

 private:
  std::shared_ptr<Outcome> o_;
};

TEST_P(ResolverTest, ConnectTCPUsesTheInstalledResolver) {
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  auto fake = std::make_shared<FakeResolver>();
  fake->names["example.test"] = "127.0.0.1";
  r->installResolver(fake);
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  cf->onLost = [&] { r->stop(); };
  r->connectTCP("example.test", portOf(port->getHost()), cf);
  runBounded();
  EXPECT_EQ(outcome->made, 1);
  EXPECT_EQ(outcome->received, "ping");
  ASSERT_EQ(fake->queries.size(), 1u);
  EXPECT_EQ(fake->queries[0].name, "example.test");
  EXPECT_EQ(fake->queries[0].timeout, 30) << "the connect timeout bounds the lookup";
}

TEST_P(ResolverTest, ConnectTCPToAnIPv6Answer) {
  std::shared_ptr<IListeningPort> port;
  try {
    port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "::1");
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  auto fake = std::make_shared<FakeResolver>();
  fake->names["v6.test"] = "::1";
  r->installResolver(fake);
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  cf->onLost = [&] { r->stop(); };
  r->connectTCP("v6.test", portOf(port->getHost()), cf);
  runBounded();
  EXPECT_EQ(outcome->made, 1);
  EXPECT_EQ(outcome->received, "ping");
}

TEST_P(ResolverTest, ResolverFailureReachesClientConnectionFailed) {
  r->installResolver(std::make_shared<FakeResolver>());
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  r->connectTCP("nowhere.test", 80, cf);  // a synchronous answer: fails inside connectTCP
  EXPECT_EQ(outcome->failed, 1);
  ASSERT_TRUE(outcome->reason);
  EXPECT_TRUE(outcome->reason->check<error::DNSLookupError>());
  EXPECT_NE(outcome->reason->getErrorMessage().find("nowhere.test"), std::string::npos);
  EXPECT_EQ(cf->numPorts, 0) << "doStop ran";
}

TEST_P(ResolverTest, AnswerThatIsNotAnAddressFailsWithDNSLookupError) {
  auto fake = std::make_shared<FakeResolver>();
  fake->names["odd.test"] = "not-an-address";
  r->installResolver(fake);
  auto outcome = std::make_shared<Outcome>();
  r->connectTCP("odd.test", 80, std::make_shared<RecordingFactory>(outcome));
  ASSERT_TRUE(outcome->reason);
  EXPECT_TRUE(outcome->reason->check<error::DNSLookupError>());
  EXPECT_NE(outcome->reason->getErrorMessage().find("odd.test"), std::string::npos)
      << outcome->reason->getErrorMessage();
}

TEST_P(ResolverTest, RetryFromClientConnectionFailedResolvesAgain) {
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  auto fake = std::make_shared<FakeResolver>();
  r->installResolver(fake);
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  cf->onFailed = [&](IConnector& c) {
    fake->names["late.test"] = "127.0.0.1";
    c.connect();  // re-entered from inside the first lookup's errback
  };
  cf->onLost = [&] { r->stop(); };
  r->connectTCP("late.test", portOf(port->getHost()), cf);
  runBounded();
  EXPECT_EQ(outcome->failed, 1);
  EXPECT_EQ(outcome->made, 1);
  EXPECT_EQ(outcome->received, "ping");
  EXPECT_EQ(fake->queries.size(), 2u);
}

TEST_P(ResolverTest, ResolverThatNeverAnswersTimesOut) {
  auto fake = std::make_shared<FakeResolver>();
  fake->holdAnswers = true;
  r->installResolver(fake);
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  cf->onFailed = [&](IConnector&) { r->stop(); };
  r->connectTCP("slow.test", 80, cf, 0.05);
  runBounded();
  EXPECT_EQ(outcome->failed, 1);
  ASSERT_TRUE(outcome->reason);
  EXPECT_TRUE(outcome->reason->check<error::TimeoutError>()) << outcome->reason->getErrorMessage();
  EXPECT_EQ(fake->pendingCount(), 0u) << "the connector cancelled its lookup";
  fake->names["slow.test"] = "127.0.0.1";
  EXPECT_EQ(fake->flush(), 0u);
  EXPECT_EQ(outcome->made, 0);
}

TEST_P(ResolverTest, StopConnectingDuringResolution) {
  auto fake = std::make_shared<FakeResolver>();
  fake->holdAnswers = true;
  fake->names["held.test"] = "127.0.0.1";
  r->installResolver(fake);
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  auto connector = r->connectTCP("held.test", portOf(port->getHost()), cf);
  EXPECT_EQ(fake->pendingCount(), 1u);
  connector->stopConnecting();
  EXPECT_EQ(outcome->failed, 1);
  ASSERT_TRUE(outcome->reason);
  EXPECT_TRUE(outcome->reason->check<error::UserError>()) << outcome->reason->getErrorMessage();
  EXPECT_FALSE(outcome->reason->check<error::TimeoutError>());
  EXPECT_EQ(fake->pendingCount(), 0u) << "the lookup was cancelled";
  fake->flush();
  r->callLater(0.05, [&] { r->stop(); });
  runBounded();
  EXPECT_EQ(outcome->failed, 1) << "no second clientConnectionFailed";
  EXPECT_EQ(outcome->made, 0) << "no connection after stopConnecting";
}

TEST_P(ResolverTest, StopConnectingDuringThreadedResolution) {
  // The default resolver: the answer arrives from the pool after the stop
  // and is ignored; the connect timeout's timer and the lookup's are gone.
  auto outcome = std::make_shared<Outcome>();
  auto cf = std::make_shared<RecordingFactory>(outcome);
  auto connector = r->connectTCP("localhost", 1, cf);
  connector->stopConnecting();
  EXPECT_EQ(outcome->failed, 1);
  EXPECT_TRUE(outcome->reason->check<error::UserError>());
  EXPECT_TRUE(r->getDelayedCalls().empty()) << "no timer left behind";
  r->callLater(0.2, [&] { r->stop(); });  // time for the late answer to arrive
  runBounded();
  EXPECT_EQ(outcome->failed, 1);
  EXPECT_EQ(outcome->made, 0);
}

TWISTED_INSTANTIATE_BACKENDS(ResolverTest);

}  // namespace
