// `twist chat`: the seeds' chat protocol, driven over StringTransports.
#include <gtest/gtest.h>

#include <memory>
#include <string>

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

}  // namespace
