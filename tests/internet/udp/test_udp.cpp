// UDP ports on real loopback sockets, on every reactor backend: the cases of
// Twisted's src/twisted/test/test_udp.py that matter for the port (echo,
// getHost, start/stop of the protocol, connected mode, errors raised by
// write) plus bad input (oversize and truncated datagrams, a peer that is
// not the connected one) and the ownership rules (a protocol may stop its
// port from datagramReceived; the reactor keeps a listening port alive).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <twisted/internet/datagram_protocol.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/udp.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

struct Datagram {
  std::string data;
  Address from;
};

// Records everything that happens to a datagram protocol.
class Recorder : public DatagramProtocol {
 public:
  void startProtocol() override { ++started; }
  void stopProtocol() override { ++stopped; }
  void datagramReceived(std::string_view data, const Address& addr) override {
    received.push_back({std::string(data), addr});
    if (onDatagram) onDatagram(data, addr);
  }
  void connectionRefused() override { ++refused; }

  int started = 0;
  int stopped = 0;
  int refused = 0;
  std::vector<Datagram> received;
  std::function<void(std::string_view, const Address&)> onDatagram;
};

// Seed 001 §4.1: sends back what it receives.
class Echo : public DatagramProtocol {
 public:
  void datagramReceived(std::string_view data, const Address& addr) override {
    transport->write(data, addr);
  }
};

class UDPTest : public testing_internal::RealReactorTest {
 protected:
  std::shared_ptr<IUDPPort> listen(std::shared_ptr<DatagramProtocol> p,
                                   std::string_view iface = "127.0.0.1", int maxPacketSize = 8192) {
    return r->listenUDP(0, std::move(p), iface, maxPacketSize);
  }
  static int portNumber(const std::shared_ptr<IUDPPort>& p) { return portOf(p->getHost()); }
};

TEST_P(UDPTest, EchoRoundTrip) {
  auto server = listen(std::make_shared<Echo>());
  auto client = std::make_shared<Recorder>();
  auto clientPort = listen(client);
  clientPort->write("hello", "127.0.0.1", portNumber(server));
  spinUntil([&] { return !client->received.empty(); });
  ASSERT_EQ(client->received.size(), 1u);
  EXPECT_EQ(client->received[0].data, "hello");
  EXPECT_EQ(client->received[0].from, Address(IPv4Address{"UDP", "127.0.0.1", portNumber(server)}));
}

TEST_P(UDPTest, GetHostIsAUDPAddressWithTheRealPort) {
  auto port = listen(std::make_shared<Recorder>());
  Address host = port->getHost();
  ASSERT_TRUE(std::holds_alternative<IPv4Address>(host));
  EXPECT_EQ(std::get<IPv4Address>(host).type, "UDP");
  EXPECT_EQ(std::get<IPv4Address>(host).host, "127.0.0.1");
  EXPECT_GT(portOf(host), 0);
  auto any = r->listenUDP(0, std::make_shared<Recorder>());
  EXPECT_EQ(hostOf(any->getHost()), "0.0.0.0");
}

TEST_P(UDPTest, TransportIsThePortAndLogPrefixNamesTheProtocol) {
  auto p = std::make_shared<Recorder>();
  auto port = listen(p);
  EXPECT_EQ(p->transport, static_cast<IUDPTransport*>(port.get()));
  EXPECT_EQ(port->logPrefix(), "Recorder (UDP)");
  EXPECT_EQ(port->multicast(), nullptr);
}

// AbstractDatagramProtocol.doStart/doStop: startProtocol once for the first
// port, stopProtocol once after the last, after the socket closed and before
// stopListening's Deferred fires.
TEST_P(UDPTest, ProtocolIsStartedOnceAndStoppedAfterItsLastPort) {
  auto p = std::make_shared<Recorder>();
  auto a = listen(p);
  auto b = listen(p);
  EXPECT_EQ(p->started, 1);
  EXPECT_EQ(p->numPorts, 2);
  bool aStopped = false;
  a->stopListening().addCallback([&] {
    aStopped = true;
    EXPECT_EQ(p->stopped, 0);
  });
  EXPECT_FALSE(aStopped);  // closes on the next iteration, as Twisted
  spinUntil([&] { return aStopped; });
  bool bStopped = false;
  b->stopListening().addCallback([&] {
    bStopped = true;
    EXPECT_EQ(p->stopped, 1);
    EXPECT_EQ(p->transport, nullptr);
  });
  spinUntil([&] { return bStopped; });
  EXPECT_EQ(p->started, 1);
  // Stopping again is harmless; the port number is free again.
  bool again = false;
  b->stopListening().addCallback([&] { again = true; });
  EXPECT_TRUE(again);
  int number = portNumber(b);
  EXPECT_NO_THROW(r->listenUDP(number, std::make_shared<Recorder>(), "127.0.0.1"));
}

// IListeningPort.startListening after stopListening: a new socket (the
// close still pending closes only the old one).
TEST_P(UDPTest, StartListeningAgainAfterStopListening) {
  auto p = std::make_shared<Recorder>();
  auto port = listen(p);
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  port->startListening();  // before the close has run
  spinUntil([&] { return stopped; });
  // Counted as Twisted counts: the new socket's doStart came before the old
  // one's doStop, so the protocol never stopped.
  EXPECT_EQ(p->started, 1);
  EXPECT_EQ(p->stopped, 0);
  EXPECT_EQ(p->numPorts, 1);
  auto sender = listen(std::make_shared<Recorder>());
  sender->write("again", "127.0.0.1", portNumber(port));
  spinUntil([&] { return !p->received.empty(); });
  EXPECT_EQ(p->received[0].data, "again");
}

TEST_P(UDPTest, StopListeningStopsDelivery) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server);
  auto sender = listen(std::make_shared<Recorder>());
  int number = portNumber(port);
  bool stopped = false;
  port->stopListening().addCallback([&] { stopped = true; });
  sender->write("late", "127.0.0.1", number);
  spinUntil([&] { return stopped; });
  spinFor(0.05);
  EXPECT_TRUE(server->received.empty());
  EXPECT_NO_THROW(port->write("after close", "127.0.0.1", number));  // dropped
}

TEST_P(UDPTest, WriteSequenceSendsOneDatagram) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server);
  auto sender = listen(std::make_shared<Recorder>());
  std::vector<std::string_view> parts{"ab", "", "cd", "e"};
  sender->writeSequence(parts, Address(IPv4Address{"UDP", "127.0.0.1", portNumber(port)}));
  spinUntil([&] { return !server->received.empty(); });
  EXPECT_EQ(server->received[0].data, "abcde");
}

TEST_P(UDPTest, ManyDatagramsArriveWholeAndInOrder) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server);
  auto sender = listen(std::make_shared<Recorder>());
  for (int i = 0; i < 100; ++i)
    sender->write("datagram " + std::to_string(i), "127.0.0.1", portNumber(port));
  spinUntil([&] { return server->received.size() == 100; });
  for (int i = 0; i < 100 && i < static_cast<int>(server->received.size()); ++i)
    EXPECT_EQ(server->received[i].data, "datagram " + std::to_string(i));
}

// One readiness delivers at most Twisted's maxThroughput (256 KiB, checked
// before each recvmmsg batch of 64): a flooded port does not starve the
// other descriptors; the rest comes on the next readiness.
TEST_P(UDPTest, OneReadinessDeliversAtMostTheReadBudget) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server, "127.0.0.1", 4096);
  int fd = dynamic_cast<IFileDescriptor&>(*port).fileno();
  int size = 8 * 1024 * 1024;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    GTEST_SKIP() << "SO_RCVBUFFORCE refused (needs CAP_NET_ADMIN): " << std::strerror(errno);
  auto sender = listen(std::make_shared<Recorder>());
  const std::string datagram(4000, 'x');
  for (int i = 0; i < 300; ++i)  // 1.2 MB, all queued before the reactor looks
    sender->write(datagram, "127.0.0.1", portNumber(port));
  r->iterate(0);
  // Two batches: 64 x 4000 bytes is under the budget, 128 x 4000 over it.
  EXPECT_EQ(server->received.size(), 128u);
  spinUntil([&] { return server->received.size() == 300; });
}

TEST_P(UDPTest, EmptyDatagramIsDelivered) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server);
  auto sender = listen(std::make_shared<Recorder>());
  sender->write("", "127.0.0.1", portNumber(port));
  spinUntil([&] { return !server->received.empty(); });
  EXPECT_EQ(server->received[0].data, "");
}

// --- write's errors -------------------------------------------------------------

TEST_P(UDPTest, WriteToAHostNameIsAnInvalidAddressError) {
  auto port = listen(std::make_shared<Recorder>());
  try {
    port->write("x", "localhost", 9);
    FAIL() << "no exception";
  } catch (const error::InvalidAddressError& e) {
    EXPECT_EQ(e.address(), "localhost");
    EXPECT_EQ(e.message(), "write() only accepts IP addresses, not hostnames");
  }
  EXPECT_THROW(port->write("x", Address(UNIXAddress{"/tmp/x"})), error::InvalidAddressError);
  EXPECT_THROW(port->write("x", "127.0.0.1", 70000), error::InvalidAddressError);
}

TEST_P(UDPTest, WriteToTheOtherFamilyIsAnInvalidAddressError) {
  auto v4 = listen(std::make_shared<Recorder>());
  EXPECT_THROW(v4->write("x", "::1", 9), error::InvalidAddressError);
  std::shared_ptr<IUDPPort> v6;
  try {
    v6 = r->listenUDP(0, std::make_shared<Recorder>(), "::1");
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  EXPECT_THROW(v6->write("x", "127.0.0.1", 9), error::InvalidAddressError);
  EXPECT_THROW(v6->write("x", "<broadcast>", 9), error::InvalidAddressError);
}

TEST_P(UDPTest, OversizeDatagramIsAMessageLengthError) {
  auto port = listen(std::make_shared<Recorder>());
  std::string big(70000, 'x');
  try {
    port->write(big, "127.0.0.1", portNumber(port));
    FAIL() << "no exception";
  } catch (const error::MessageLengthError& e) {
    EXPECT_STREQ(e.what(), "Message is too long to send: message too long.");
  }
  // The port goes on working.
  auto p = std::make_shared<Recorder>();
  auto other = listen(p);
  port->write("small", "127.0.0.1", portNumber(other));
  spinUntil([&] { return !p->received.empty(); });
}

// Twisted's recvfrom(maxPacketSize) delivers the first maxPacketSize bytes
// of a longer datagram, the rest is lost.
TEST_P(UDPTest, DatagramLongerThanMaxPacketSizeIsDeliveredTruncated) {
  auto server = std::make_shared<Recorder>();
  auto port = listen(server, "127.0.0.1", 16);
  auto sender = listen(std::make_shared<Recorder>());
  sender->write(std::string(16, 'a') + std::string(84, 'b'), "127.0.0.1", portNumber(port));
  sender->write("next", "127.0.0.1", portNumber(port));
  spinUntil([&] { return server->received.size() == 2; });
  EXPECT_EQ(server->received[0].data, std::string(16, 'a'));
  EXPECT_EQ(server->received[1].data, "next");
}

// A full socket buffer drops datagrams as the kernel would: write never
// blocks and never throws for it.
TEST_P(UDPTest, WritingToAPeerThatNeverReadsNeverBlocks) {
  int sink = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(sink, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(sink, reinterpret_cast<sockaddr*>(&a), &len);
  auto port = listen(std::make_shared<Recorder>());
  std::string datagram(8000, 'x');
  for (int i = 0; i < 2000; ++i)
    port->write(datagram, "127.0.0.1", ntohs(a.sin_port));
  ::close(sink);
}

TEST_P(UDPTest, ExceptionInDatagramReceivedIsLoggedAndThePortKeepsServing) {
  twisted::testing::EventLoggingObserver logs;
  auto server = std::make_shared<Recorder>();
  server->onDatagram = [](std::string_view data, const Address&) {
    if (data == "boom") throw std::runtime_error("boom");
  };
  auto port = listen(server);
  auto sender = listen(std::make_shared<Recorder>());
  sender->write("boom", "127.0.0.1", portNumber(port));
  sender->write("after", "127.0.0.1", portNumber(port));
  spinUntil([&] { return server->received.size() == 2; });
  auto errors = logs.flushLoggedErrors<std::runtime_error>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(server->received[1].data, "after");
}

// --- writes made inside datagramReceived (coalesced into one sendmmsg) -----------

TEST_P(UDPTest, EchoAnswersABurstWholeAndInOrder) {
  auto server = listen(std::make_shared<Echo>());
  auto client = std::make_shared<Recorder>();
  auto clientPort = listen(client);
  for (int i = 0; i < 150; ++i)
    clientPort->write("datagram " + std::to_string(i), "127.0.0.1", portNumber(server));
  spinUntil([&] { return client->received.size() == 150; });
  for (int i = 0; i < 150 && i < static_cast<int>(client->received.size()); ++i)
    EXPECT_EQ(client->received[i].data, "datagram " + std::to_string(i));
}

// Twisted raises these from write() itself: still so inside a batch.
TEST_P(UDPTest, WriteErrorsInsideDatagramReceivedAreRaisedThere) {
  auto server = std::make_shared<Recorder>();
  std::vector<std::string> caught;
  server->onDatagram = [&](std::string_view, const Address& addr) {
    try {
      server->transport->write(std::string(70000, 'x'), addr);
    } catch (const error::MessageLengthError& e) {
      caught.push_back(e.what());
    }
    try {
      server->transport->write("x", "localhost", 9);
    } catch (const error::InvalidAddressError& e) {
      caught.push_back(e.message());
    }
    // Not from the read buffer (a temporary), and many: all arrive intact.
    for (int i = 0; i < 100; ++i)
      server->transport->write("re " + std::to_string(i) + ": " + std::string(40, 'y'), addr);
  };
  auto port = listen(server);
  auto client = std::make_shared<Recorder>();
  auto clientPort = listen(client);
  clientPort->write("go", "127.0.0.1", portNumber(port));
  spinUntil([&] { return client->received.size() == 100; });
  ASSERT_EQ(caught.size(), 2u);
  EXPECT_EQ(caught[0], "Message is too long to send: message too long.");
  EXPECT_EQ(caught[1], "write() only accepts IP addresses, not hostnames");
  for (int i = 0; i < 100 && i < static_cast<int>(client->received.size()); ++i)
    EXPECT_EQ(client->received[i].data, "re " + std::to_string(i) + ": " + std::string(40, 'y'));
}

// What the kernel reports only when the batch is sent is logged, not
// raised: here EACCES for a broadcast without SO_BROADCAST.
TEST_P(UDPTest, KernelErrorsOfABatchedWriteAreLogged) {
  twisted::testing::EventLoggingObserver logs;
  auto server = std::make_shared<Recorder>();
  server->onDatagram = [&](std::string_view, const Address& addr) {
    server->transport->write("to all", "<broadcast>", 9);
    server->transport->write("answer", addr);  // the batch goes on after it
  };
  auto port = listen(server, "");
  auto client = std::make_shared<Recorder>();
  auto clientPort = listen(client);
  clientPort->write("go", "127.0.0.1", portNumber(port));
  spinUntil([&] { return client->received.size() == 1; });
  EXPECT_EQ(client->received[0].data, "answer");
  auto errors = logs.flushLoggedErrors<std::system_error>();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].failure->getErrorMessage().find("sendmmsg"), std::string::npos);
}

// --- connected mode ---------------------------------------------------------------

TEST_P(UDPTest, ConnectedModeWritesToThePeerAndHearsOnlyFromIt) {
  auto server = listen(std::make_shared<Echo>());
  auto stranger = listen(std::make_shared<Recorder>());
  auto client = std::make_shared<Recorder>();
  auto clientPort = listen(client);
  // Queued before connect(): a stranger's datagram, never delivered.
  stranger->write("from a stranger", "127.0.0.1", portNumber(clientPort));
  clientPort->connect("127.0.0.1", portNumber(server));
  EXPECT_TRUE(clientPort->isConnected());
  // Sent after connect(): the kernel drops it.
  stranger->write("from a stranger again", "127.0.0.1", portNumber(clientPort));
  clientPort->write("ping");
  clientPort->write("ping2", "127.0.0.1", portNumber(server));  // the peer itself is allowed
  spinUntil([&] { return client->received.size() >= 2; });
  spinFor(0.05);
  ASSERT_EQ(client->received.size(), 2u);
  EXPECT_EQ(client->received[0].data, "ping");
  EXPECT_EQ(client->received[1].data, "ping2");
  EXPECT_THROW(clientPort->write("x", "127.0.0.1", portNumber(stranger)),
               error::InvalidAddressError);
}

TEST_P(UDPTest, ConnectIsOnceAndTakesOnlyIPLiterals) {
  auto port = listen(std::make_shared<Recorder>());
  EXPECT_THROW(port->write("no address"), std::logic_error);
  EXPECT_THROW(port->connect("localhost", 9), error::InvalidAddressError);
  EXPECT_THROW(port->connect("::1", 9), error::InvalidAddressError);
  EXPECT_FALSE(port->isConnected());
  port->connect("127.0.0.1", 9);
  EXPECT_THROW(port->connect("127.0.0.1", 10), std::runtime_error);
}

// The ICMP port unreachable for a datagram sent in connected mode reaches
// the protocol as connectionRefused() (from a later read or write).
TEST_P(UDPTest, ConnectedModeRefusalCallsConnectionRefused) {
  auto gone = listen(std::make_shared<Recorder>());
  int closedPort = portNumber(gone);
  bool stopped = false;
  gone->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  auto client = std::make_shared<Recorder>();
  auto port = listen(client);
  port->connect("127.0.0.1", closedPort);
  // Usually reported by the next read: the backend's error readiness
  // (EPOLLERR, POLLERR) goes to doRead and the port stays open (Twisted's
  // epoll and poll reactors would drop it: stopProtocol). Written again
  // while nothing came: the kernel's global ICMP rate limit may drop one.
  int writes = 0;
  spinUntil([&] {
    if (client->refused == 0 && writes++ % 10 == 0) port->write("anyone?");
    return client->refused > 0;
  });
  EXPECT_TRUE(client->received.empty());
  EXPECT_EQ(client->stopped, 0);
  writes = 0;
  spinUntil([&] {
    if (client->refused == 1 && writes++ % 10 == 0) port->write("anyone?");
    return client->refused > 1;
  });
  EXPECT_EQ(client->stopped, 0);
}

// Not connected: ECONNREFUSED means nothing (Twisted ignores it).
TEST_P(UDPTest, UnconnectedWriteToAClosedPortIsIgnored) {
  auto gone = listen(std::make_shared<Recorder>());
  int closedPort = portNumber(gone);
  bool stopped = false;
  gone->stopListening().addCallback([&] { stopped = true; });
  spinUntil([&] { return stopped; });
  auto client = std::make_shared<Recorder>();
  auto port = listen(client);
  for (int i = 0; i < 5; ++i) {
    EXPECT_NO_THROW(port->write("anyone?", "127.0.0.1", closedPort));
    spinFor(0.01);
  }
  EXPECT_EQ(client->refused, 0);
}

// --- broadcast, IPv6, listening errors --------------------------------------------

TEST_P(UDPTest, BroadcastNeedsPermission) {
  auto port = listen(std::make_shared<Recorder>(), "");
  EXPECT_FALSE(port->getBroadcastAllowed());
  try {
    port->write("x", "<broadcast>", 9);
    ADD_FAILURE() << "broadcast allowed without SO_BROADCAST";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EACCES);
  }
  port->setBroadcastAllowed(true);
  EXPECT_TRUE(port->getBroadcastAllowed());
  port->setBroadcastAllowed(false);
  EXPECT_FALSE(port->getBroadcastAllowed());
}

TEST_P(UDPTest, IPv6EchoRoundTrip) {
  std::shared_ptr<IUDPPort> server;
  try {
    server = r->listenUDP(0, std::make_shared<Echo>(), "::");
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "no IPv6 here: " << e.what();
  }
  ASSERT_TRUE(std::holds_alternative<IPv6Address>(server->getHost()));
  EXPECT_EQ(std::get<IPv6Address>(server->getHost()).type, "UDP");
  EXPECT_EQ(hostOf(server->getHost()), "::");
  auto client = std::make_shared<Recorder>();
  auto clientPort = r->listenUDP(0, client, "::1");
  clientPort->write("hello6", "::1", portNumber(server));
  spinUntil([&] { return !client->received.empty(); });
  ASSERT_EQ(client->received.size(), 1u);
  EXPECT_EQ(client->received[0].data, "hello6");
  EXPECT_EQ(client->received[0].from, Address(IPv6Address{"UDP", "::1", portNumber(server), 0, 0}));
}

TEST_P(UDPTest, ListeningErrors) {
  EXPECT_THROW(r->listenUDP(0, std::make_shared<Recorder>(), "localhost"),
               error::InvalidAddressError);
  auto port = listen(std::make_shared<Recorder>());
  auto p = std::make_shared<Recorder>();
  try {
    r->listenUDP(portNumber(port), p, "127.0.0.1");
    FAIL() << "no exception";
  } catch (const error::CannotListenError& e) {
    EXPECT_EQ(e.port(), portNumber(port));
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos);
  }
  EXPECT_EQ(p->started, 0);  // never started
  EXPECT_THROW(r->listenUDP(70000, p), error::CannotListenError);
}

TEST_P(UDPTest, ExceptionInStartProtocolPropagatesAndNothingStaysOpen) {
  class Failing : public DatagramProtocol {
    void startProtocol() override { throw std::runtime_error("no start"); }
  };
  auto p = std::make_shared<Failing>();
  EXPECT_THROW(listen(p), std::runtime_error);
  EXPECT_EQ(p->numPorts, 0);
  EXPECT_EQ(p->transport, nullptr);
  EXPECT_EQ(p.use_count(), 1);  // nothing holds it
}

// --- ownership ----------------------------------------------------------------------

// A protocol may stop its own port from datagramReceived: the rest of what
// was read is not delivered, stopProtocol follows, nothing is used after free.
TEST_P(UDPTest, ProtocolStopsItsPortFromDatagramReceived) {
  auto server = std::make_shared<Recorder>();
  bool stopped = false;
  server->onDatagram = [&](std::string_view, const Address&) {
    server->transport->stopListening().addCallback([&] { stopped = true; });
  };
  std::weak_ptr<IUDPPort> weak;
  int number;
  {
    auto port = listen(server);
    weak = port;
    number = portNumber(port);
  }  // only the reactor holds it now
  auto sender = listen(std::make_shared<Recorder>());
  for (int i = 0; i < 10; ++i)
    sender->write("x", "127.0.0.1", number);
  spinUntil([&] { return stopped; });
  EXPECT_EQ(server->received.size(), 1u);
  EXPECT_EQ(server->stopped, 1);
  EXPECT_TRUE(weak.expired());  // the reactor let it go once closed
}

TEST_P(UDPTest, TheReactorKeepsAListeningPortAliveAndDestroysItLast) {
  auto p = std::make_shared<Recorder>();
  std::weak_ptr<Recorder> weakProtocol = p;
  std::weak_ptr<IUDPPort> weakPort;
  {
    auto port = listen(std::move(p));
    weakPort = port;
  }
  EXPECT_FALSE(weakPort.expired());
  EXPECT_FALSE(weakProtocol.expired());
  r.reset();  // destroying the reactor destroys what it still holds
  EXPECT_TRUE(weakPort.expired());
  EXPECT_TRUE(weakProtocol.expired());
}

TEST_P(UDPTest, ReactorShutdownStopsThePortAndTheProtocol) {
  auto p = std::make_shared<Recorder>();
  auto port = listen(p);
  r->callLater(0, [this] { r->stop(); });
  runBounded();
  EXPECT_EQ(p->stopped, 1);
  EXPECT_EQ(p->transport, nullptr);
}

}  // namespace

TWISTED_INSTANTIATE_BACKENDS(UDPTest);
