// `twist chat`: the seeds' chat protocol, driven over StringTransports.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include <twisted/internet/address.h>
#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/testing/string_transport.h>

#include "services/chat.h"

namespace {

using twisted::internet::IPv4Address;
using twisted::internet::Protocol;
using twisted::python::Failure;
using twisted::testing::StringTransport;
using twisted::twist::ChatFactory;

// One connected user of a shared ChatFactory.
struct User {
  User(ChatFactory& factory) : protocol(factory.buildProtocol(IPv4Address{"TCP", "127.0.0.1", 1})) {
    protocol->makeConnection(&transport);
  }
  // Everything written to the user since the last call.
  std::string take() {
    std::string out = transport.value();
    transport.clear();
    return out;
  }
  StringTransport transport;
  std::unique_ptr<Protocol> protocol;
};

TEST(ChatTest, AsksForANameAndWelcomes) {
  ChatFactory factory;
  User alice(factory);
  EXPECT_EQ(alice.take(), "What's your name?\r\n");
  alice.protocol->dataReceived("alice\r\n");
  EXPECT_EQ(alice.take(), "Welcome, alice!\r\n");
  EXPECT_EQ(factory.users.size(), 1u);
  EXPECT_EQ(alice.protocol->factory, &factory);
}

TEST(ChatTest, AcceptsBareNewlinesAndSplitLines) {
  ChatFactory factory;
  User alice(factory);
  alice.take();
  alice.protocol->dataReceived("al");
  alice.protocol->dataReceived("ice\n");
  EXPECT_EQ(alice.take(), "Welcome, alice!\r\n");
}

TEST(ChatTest, RefusesTakenAndEmptyNames) {
  ChatFactory factory;
  User alice(factory), other(factory);
  alice.protocol->dataReceived("alice\r\n");
  other.take();
  other.protocol->dataReceived("alice\r\n\r\n");
  EXPECT_EQ(other.take(),
            "Name taken, please choose another.\r\nPlease choose a non-empty name.\r\n");
  other.protocol->dataReceived("bob\n");
  EXPECT_EQ(other.take(), "Welcome, bob!\r\n");
}

TEST(ChatTest, BroadcastsToEveryoneElse) {
  ChatFactory factory;
  User alice(factory), bob(factory), carol(factory);
  alice.protocol->dataReceived("alice\n");
  bob.protocol->dataReceived("bob\n");
  carol.protocol->dataReceived("carol\n");
  alice.take(), bob.take(), carol.take();
  bob.protocol->dataReceived("hi all\r\n");
  EXPECT_EQ(alice.take(), "<bob> hi all\r\n");
  EXPECT_EQ(carol.take(), "<bob> hi all\r\n");
  EXPECT_EQ(bob.take(), "");
}

TEST(ChatTest, AnnouncesJoinsAndDepartures) {
  ChatFactory factory;
  User alice(factory), bob(factory);
  alice.protocol->dataReceived("alice\n");
  alice.take();
  bob.protocol->dataReceived("bob\n");
  EXPECT_EQ(alice.take(), "* bob joined\r\n");
  bob.protocol->connectionLost(Failure(twisted::internet::error::ConnectionDone()));
  EXPECT_EQ(alice.take(), "* bob left\r\n");
  EXPECT_EQ(factory.users.count("bob"), 0u);
  // A user lost before choosing a name leaves no trace.
  User carol(factory);
  carol.protocol->connectionLost(Failure(twisted::internet::error::ConnectionLost()));
  EXPECT_EQ(factory.users.size(), 1u);
  EXPECT_EQ(alice.take(), "");
}

// Lines of exactly MAX_LENGTH (16384) bytes pass whether they end with
// "\r\n" or "\n" (the "\n" delimiter must not count the "\r"); one byte
// more closes the connection, as LineReceiver.lineLengthExceeded does.
TEST(ChatTest, AcceptsLinesOfMaxLengthFromCRLFAndLFClients) {
  const std::string longest(twisted::twist::Chat::kMaxLineLength, 'x');
  ASSERT_EQ(longest.size(), 16384u);
  for (const char* end : {"\r\n", "\n"}) {
    ChatFactory factory;
    User alice(factory), bob(factory);
    alice.protocol->dataReceived("alice\n");
    bob.protocol->dataReceived("bob\n");
    alice.take(), bob.take();
    bob.protocol->dataReceived(longest + end);
    // (EXPECT_TRUE: a failure would print 16 KiB.)
    EXPECT_TRUE(alice.take() == "<bob> " + longest + "\r\n") << "end " << end;
    EXPECT_FALSE(bob.transport.disconnecting());
    bob.protocol->dataReceived(longest + "y" + end);
    EXPECT_EQ(alice.take(), "") << "end " << end;
    EXPECT_TRUE(bob.transport.disconnecting()) << "end " << end;
  }
}

// The chat registers a streaming producer on each user's transport to learn
// when the user's buffer is above the high-water mark. A user who does not
// read while more than kSendQLimit bytes pile up is disconnected; one whose
// buffer drains in time is not.
TEST(ChatTest, StalledReaderIsDisconnectedWhenSendQIsExceeded) {
  using twisted::internet::IPushProducer;
  using twisted::twist::Chat;
  ChatFactory factory;
  User alice(factory), bob(factory);
  alice.protocol->dataReceived("alice\n");
  bob.protocol->dataReceived("bob\n");
  alice.take(), bob.take();
  ASSERT_NE(bob.transport.producer, nullptr);
  ASSERT_EQ(bob.transport.streaming, true);
  auto* full = dynamic_cast<IPushProducer*>(bob.transport.producer);
  ASSERT_NE(full, nullptr);
  const std::string line(1000, 'x');
  const std::size_t perLine = line.size() + 10;  // "<alice> " + line + "\r\n"
  const std::size_t fits = Chat::kSendQLimit / perLine;

  full->pauseProducing();  // bob's buffer is above the high-water mark
  for (std::size_t i = 0; i < fits; ++i)
    alice.protocol->dataReceived(line + "\n");
  full->resumeProducing();  // drained: the count starts again
  full->pauseProducing();
  for (std::size_t i = 0; i < fits; ++i)
    alice.protocol->dataReceived(line + "\n");
  EXPECT_FALSE(bob.transport.disconnecting());
  EXPECT_EQ(bob.take().size(), 2 * fits * perLine);

  alice.protocol->dataReceived(line + "\n");  // one line too many
  EXPECT_TRUE(bob.transport.disconnecting());
  EXPECT_EQ(bob.transport.producer, nullptr);  // unregistered: nothing holds the close
  alice.protocol->dataReceived(line + "\n");
  EXPECT_EQ(bob.take(), "");
}

// A line too long closes the connection without leaving the send queue's
// producer registered (the TCP transport holds a close for a producer).
TEST(ChatTest, LineTooLongUnregistersTheSendQueue) {
  ChatFactory factory;
  User alice(factory);
  ASSERT_NE(alice.transport.producer, nullptr);
  alice.protocol->dataReceived(std::string(20000, 'x') + "\n");
  EXPECT_TRUE(alice.transport.disconnecting());
  EXPECT_EQ(alice.transport.producer, nullptr);
}

// Two workers' factories joined by a ChatHub: names are unique across
// them, and a line said on one reaches the other's users through
// callFromThread on the other's reactor (iterated here in this thread).
TEST(ChatHubTest, JoinsTheWorkersRooms) {
  auto r1 = twisted::internet::makeReactor("epoll");
  auto r2 = twisted::internet::makeReactor("epoll");
  auto hub = std::make_shared<twisted::twist::ChatHub>();
  ChatFactory f1, f2;
  f1.hub = f2.hub = hub;
  hub->join(*r1, f1);
  hub->join(*r2, f2);
  User alice(f1), bob(f2), other(f2);
  alice.protocol->dataReceived("alice\r\n");
  bob.protocol->dataReceived("bob\r\n");
  other.take();
  other.protocol->dataReceived("alice\r\n");
  EXPECT_EQ(other.take(), "Name taken, please choose another.\r\n");
  r1->iterate(0);
  r2->iterate(0);
  EXPECT_EQ(alice.take(), "What's your name?\r\nWelcome, alice!\r\n* bob joined\r\n");
  EXPECT_EQ(bob.take(), "What's your name?\r\nWelcome, bob!\r\n* alice joined\r\n");
  alice.protocol->dataReceived("hi\r\n");
  EXPECT_EQ(bob.take(), "");  // not yet: it runs in bob's reactor
  r2->iterate(0);
  EXPECT_EQ(bob.take(), "<alice> hi\r\n");
  r1->iterate(0);
  EXPECT_EQ(alice.take(), "");  // nothing comes back to the speaker
  // A user who leaves gives the name back to every worker.
  alice.protocol->connectionLost(Failure(twisted::internet::error::ConnectionDone()));
  r2->iterate(0);
  EXPECT_EQ(bob.take(), "* alice left\r\n");
  other.protocol->dataReceived("alice\r\n");
  EXPECT_EQ(other.take(), "Welcome, alice!\r\n");
}

// A blocking client of 127.0.0.1:port, with a bound on every read.
struct LineClient {
  explicit LineClient(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval bound{10, 0};  // a safety bound, not a timing assertion
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  }
  ~LineClient() { ::close(fd); }
  void send(const std::string& s) const {
    ASSERT_EQ(::send(fd, s.data(), s.size(), 0), static_cast<ssize_t>(s.size()));
  }
  // Reads until `text` has arrived (true) or the bound passed (false).
  bool waitFor(const std::string& text) {
    char buf[4096];
    while (received.find(text) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      received.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  int fd;
  bool connected = false;
  std::string received;
};

// twist --workers 2 chat, as it runs: two reactors, each on its own thread
// with its own port, joined by a ChatHub; users on different workers talk
// to each other through callFromThread. Also run under ThreadSanitizer. On
// epoll and on io_uring (its ring made on this thread, run on the worker's).
class ChatWorkersTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ChatWorkersTest, WorkersOnTheirOwnThreadsTalkToEachOther) {
  auto r1 = twisted::internet::makeReactor(GetParam());
  auto r2 = twisted::internet::makeReactor(GetParam());
  auto hub = std::make_shared<twisted::twist::ChatHub>();
  auto f1 = std::make_shared<ChatFactory>();
  auto f2 = std::make_shared<ChatFactory>();
  f1->hub = f2->hub = hub;
  f1->noisy = f2->noisy = false;
  hub->join(*r1, *f1);
  hub->join(*r2, *f2);
  auto p1 = r1->listenTCP(0, f1, 50, "127.0.0.1");
  auto p2 = r2->listenTCP(0, f2, 50, "127.0.0.1");
  const int port1 = twisted::internet::portOf(p1->getHost());
  const int port2 = twisted::internet::portOf(p2->getHost());
  std::thread t1([&] { r1->run(false); });
  std::thread t2([&] { r2->run(false); });
  {
    LineClient alice(port1), bob(port2);
    ASSERT_TRUE(alice.connected && bob.connected);
    EXPECT_TRUE(alice.waitFor("What's your name?\r\n"));
    alice.send("alice\r\n");
    EXPECT_TRUE(alice.waitFor("Welcome, alice!\r\n"));
    EXPECT_TRUE(bob.waitFor("What's your name?\r\n"));
    bob.send("alice\r\n");  // taken on the other worker
    EXPECT_TRUE(bob.waitFor("Name taken, please choose another.\r\n"));
    bob.send("bob\r\n");
    EXPECT_TRUE(bob.waitFor("Welcome, bob!\r\n"));
    EXPECT_TRUE(alice.waitFor("* bob joined\r\n"));
    alice.send("hi\r\n");
    EXPECT_TRUE(bob.waitFor("<alice> hi\r\n")) << bob.received;
    bob.send("yo\r\n");
    EXPECT_TRUE(alice.waitFor("<bob> yo\r\n")) << alice.received;
  }
  r1->callFromThread([&] { r1->stop(); });
  r2->callFromThread([&] { r2->stop(); });
  t1.join();
  t2.join();
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatWorkersTest, ::testing::Values("epoll", "iouring"));

}  // namespace
