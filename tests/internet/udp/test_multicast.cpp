// Multicast ports (listenMulticast, IMulticastTransport) on every backend,
// really sending and receiving IPv4 multicast over loopback. Before any
// test, the process moves to a private network namespace (unshare, as root)
// whose lo carries 224.0.0.0/4, so the machine's own network is untouched.
// Where the kernel refuses that namespace, the tests that need delivery
// skip, saying why.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/udp.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

constexpr const char* kGroup = "228.0.0.5";

// Runs at load time, before main and any thread: a private network
// namespace, lo up with MULTICAST, 224.0.0.0/4 routed to it from 127.0.0.1
// (what tests/internet/udp/netns.sh does for the example scripts).
// If the set-up fails (no `ip`), the process goes back to the machine's
// namespace, where the tests that need no delivery still run.
const bool kLoopbackMulticast = [] {
  int original = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) return false;
  bool ok = ::unshare(CLONE_NEWNET) == 0;
  if (ok) {
    ok = std::system(
             "ip link set lo up multicast on && "
             "ip route add 224.0.0.0/4 dev lo src 127.0.0.1") == 0;
    if (!ok) ::setns(original, CLONE_NEWNET);
  }
  ::close(original);
  return ok;
}();

struct Datagram {
  std::string data;
  Address from;
};

class Recorder : public DatagramProtocol {
 public:
  void datagramReceived(std::string_view data, const Address& addr) override {
    received.push_back({std::string(data), addr});
  }
  std::vector<Datagram> received;
};

// Seed 001 §4.1.2: joins the group when started, answers pings by unicast.
class MulticastPingPong : public DatagramProtocol {
 public:
  void startProtocol() override {
    IMulticastTransport* m = transport->multicast();
    m->setTTL(5);
    m->joinGroup(kGroup, "127.0.0.1").addBoth([this](defer::Outcome<void> o) {
      if (o.isFailure()) joinFailure = o.failure();
      joined = true;
    });
  }
  void datagramReceived(std::string_view data, const Address& addr) override {
    received.push_back({std::string(data), addr});
    if (data == "Client: Ping") transport->write("Server: Pong", addr);
  }
  bool joined = false;
  std::optional<Failure> joinFailure;
  std::vector<Datagram> received;
};

class MulticastTest : public testing_internal::RealReactorTest {
 protected:
  // Joins kGroup on lo; a refusal fails the test and sets *failed.
  void joinOnLoopback(IMulticastTransport* m, bool* failed) {
    std::optional<Failure> failure;
    bool done = false;
    m->joinGroup(kGroup, "127.0.0.1").addBoth([&](defer::Outcome<void> o) {
      if (o.isFailure()) failure = o.failure();
      done = true;
    });
    spinUntil([&] { return done; });
    if (failure) {
      *failed = true;
      ADD_FAILURE() << "the kernel refuses to join " << kGroup
                    << " on lo: " << failure->getErrorMessage();
    }
  }
  static int portNumber(const std::shared_ptr<IMulticastPort>& p) { return portOf(p->getHost()); }
};

#define SKIP_WITHOUT_LOOPBACK_MULTICAST()                                                   \
  if (!kLoopbackMulticast)                                                                  \
  GTEST_SKIP() << "needs a private network namespace whose lo carries multicast; the "      \
                  "kernel refused to make one (unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN, " \
                  "then `ip link`/`ip route` from iproute2)"

TEST_P(MulticastTest, PingPongThroughTheGroup) {
  SKIP_WITHOUT_LOOPBACK_MULTICAST();
  auto server = std::make_shared<MulticastPingPong>();
  auto serverPort = r->listenMulticast(0, server, "", 8192, /*listenMultiple=*/true);
  spinUntil([&] { return server->joined; });
  ASSERT_FALSE(server->joinFailure) << server->joinFailure->getErrorMessage();
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->listenMulticast(0, client);
  clientPort->setOutgoingInterface("127.0.0.1");
  clientPort->write("Client: Ping", kGroup, portNumber(serverPort));
  spinUntil([&] { return !client->received.empty(); });
  ASSERT_EQ(server->received.size(), 1u);
  EXPECT_EQ(server->received[0].data, "Client: Ping");
  EXPECT_EQ(server->received[0].from,
            Address(IPv4Address{"UDP", "127.0.0.1", portNumber(clientPort)}));
  ASSERT_EQ(client->received.size(), 1u);
  EXPECT_EQ(client->received[0].data, "Server: Pong");
}

// listenMultiple: several sockets on one port each get the group's datagrams.
TEST_P(MulticastTest, ListenMultipleSharesThePortAndEachReceives) {
  SKIP_WITHOUT_LOOPBACK_MULTICAST();
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  auto portA = r->listenMulticast(0, a, "", 8192, true);
  auto portB = r->listenMulticast(portNumber(portA), b, "", 8192, true);
  EXPECT_EQ(portNumber(portA), portNumber(portB));
  bool failed = false;
  joinOnLoopback(portA.get(), &failed);
  joinOnLoopback(portB.get(), &failed);
  if (failed) return;
  auto sender = r->listenMulticast(0, std::make_shared<Recorder>());
  sender->setOutgoingInterface("127.0.0.1");
  sender->write("to all", kGroup, portNumber(portA));
  spinUntil([&] { return a->received.size() == 1 && b->received.size() == 1; });
  EXPECT_EQ(a->received[0].data, "to all");
  EXPECT_EQ(b->received[0].data, "to all");
}

TEST_P(MulticastTest, WithoutListenMultipleThePortIsTaken) {
  auto a = r->listenMulticast(0, std::make_shared<Recorder>());
  EXPECT_THROW(r->listenMulticast(portNumber(a), std::make_shared<Recorder>()),
               error::CannotListenError);
}

TEST_P(MulticastTest, LeaveGroupStopsDelivery) {
  SKIP_WITHOUT_LOOPBACK_MULTICAST();
  auto member = std::make_shared<Recorder>();
  auto port = r->listenMulticast(0, member);
  bool failed = false;
  joinOnLoopback(port.get(), &failed);
  if (failed) return;
  auto sender = r->listenMulticast(0, std::make_shared<Recorder>());
  sender->setOutgoingInterface("127.0.0.1");
  sender->write("one", kGroup, portNumber(port));
  spinUntil([&] { return member->received.size() == 1; });
  bool left = false;
  port->leaveGroup(kGroup, "127.0.0.1").addCallback([&] { left = true; });
  spinUntil([&] { return left; });
  sender->write("two", kGroup, portNumber(port));
  spinFor(0.1);
  EXPECT_EQ(member->received.size(), 1u);
}

TEST_P(MulticastTest, JoinErrorsFailTheDeferredWithMulticastJoinError) {
  auto port = r->listenMulticast(0, std::make_shared<Recorder>());
  std::vector<Failure> failures;
  auto record = [&](defer::Outcome<void> o) {
    if (o.isFailure()) failures.push_back(o.failure());
  };
  port->joinGroup("127.0.0.1").addBoth(record);   // not a multicast address
  port->leaveGroup("239.1.2.3").addBoth(record);  // never joined
  spinUntil([&] { return failures.size() == 2; });
  for (const Failure& f : failures)
    EXPECT_TRUE(f.check<error::MulticastJoinError>()) << f.getErrorMessage();
}

TEST_P(MulticastTest, OptionsReadBackWhatWasSet) {
  auto port = r->listenMulticast(0, std::make_shared<Recorder>());
  ASSERT_NE(port->multicast(), nullptr);
  EXPECT_EQ(port->getTTL(), 1);
  port->setTTL(5);
  EXPECT_EQ(port->getTTL(), 5);
  EXPECT_TRUE(port->getLoopbackMode());
  port->setLoopbackMode(false);
  EXPECT_FALSE(port->getLoopbackMode());
  port->setLoopbackMode(true);
  EXPECT_TRUE(port->getLoopbackMode());
  EXPECT_EQ(port->getOutgoingInterface(), "0.0.0.0");
  bool set = false;
  port->setOutgoingInterface("127.0.0.1").addCallback([&] { set = true; });
  EXPECT_TRUE(set);  // a literal needs no lookup
  EXPECT_EQ(port->getOutgoingInterface(), "127.0.0.1");
  EXPECT_THROW(port->setTTL(300), std::system_error);
}

TEST_P(MulticastTest, IPv6GroupsAndOptions) {
  std::shared_ptr<IMulticastPort> port;
  try {
    port = r->listenMulticast(0, std::make_shared<Recorder>(), "::");
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "no IPv6 here: " << e.what();
  }
  port->setTTL(3);
  EXPECT_EQ(port->getTTL(), 3);
  EXPECT_TRUE(port->getLoopbackMode());
  bool joined = false;
  std::optional<Failure> failure;
  port->joinGroup("ff12::5", "lo").addBoth([&](defer::Outcome<void> o) {
    if (o.isFailure()) failure = o.failure();
    joined = true;
  });
  ASSERT_TRUE(joined);
  if (failure)
    GTEST_SKIP() << "the kernel refuses IPv6 multicast on lo: " << failure->getErrorMessage();
  bool left = false;
  port->leaveGroup("ff12::5", "lo").addCallback([&] { left = true; });
  EXPECT_TRUE(left);
  std::optional<Failure> bad;
  port->joinGroup("228.0.0.5").addErrback([&](Failure f) { bad = f; });
  ASSERT_TRUE(bad);
  EXPECT_TRUE(bad->check<error::MulticastJoinError>());
  bool outgoing = false;
  port->setOutgoingInterface("lo").addCallback([&] { outgoing = true; });
  EXPECT_TRUE(outgoing);
  EXPECT_EQ(port->getOutgoingInterface(), "lo");
}

}  // namespace

TWISTED_INSTANTIATE_BACKENDS(MulticastTest);
