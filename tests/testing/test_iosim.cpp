// twisted.test.iosim: the cases of Twisted's src/twisted/test/test_iosim.py
// (FakeTransportTests, IOPumpTests), and what a protocol test relies on:
// conversations, chunking, clean close and abort both ways, producers,
// closing from inside dataReceived.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/basic.h>
#include <twisted/testing/deferred.h>
#include <twisted/testing/iosim.h>

#include "protocols/recording_peer.h"

namespace {

using namespace twisted::internet;
using namespace twisted::testing::iosim;
using twisted::protocols::basic::FileSender;
using twisted::protocols::basic::LineReceiver;
using twisted::python::Failure;

using twisted::testing_internal::Peer;

ServerAndClient<Peer, Peer> peers(ConnectOptions options = {}) {
  return connectedServerAndClient<Peer, Peer>(std::move(options));
}

// --- FakeTransport -----------------------------------------------------------

TEST(FakeTransport, EachHasAUniqueSerial) {
  Protocol p;
  FakeTransport a(p, true), b(p, false);
  EXPECT_NE(a.serial, b.serial);
  EXPECT_TRUE(a.isServer);
  EXPECT_FALSE(b.isServer);
  EXPECT_EQ(a.logPrefix(), "iosim");
}

TEST(FakeTransport, WriteSequenceWritesEachBuffer) {
  Protocol p;
  FakeTransport a(p, false);
  a.write("a");
  std::string_view seq[] = {"b", "c", "d"};
  a.writeSequence(seq);
  EXPECT_EQ(a.stream, "abcd");
}

TEST(FakeTransport, WritesAfterCloseAreDropped) {
  Protocol p;
  FakeTransport a(p, false);
  a.write("before");
  a.loseConnection();
  EXPECT_TRUE(a.disconnecting());
  a.write("after");
  EXPECT_EQ(a.stream, "before");
}

TEST(FakeTransport, AddressesDefaultToLoopbackOrAreGiven) {
  Protocol p;
  FakeTransport a(p, true);
  EXPECT_EQ(a.getHost(), Address(IPv4Address{"TCP", "127.0.0.1", 0}));
  FakeTransport b(p, true, IPv4Address{"TCP", "10.0.0.1", 80},
                  IPv4Address{"TCP", "10.0.0.2", 4321});
  EXPECT_EQ(b.getHost(), Address(IPv4Address{"TCP", "10.0.0.1", 80}));
  EXPECT_EQ(b.getPeer(), Address(IPv4Address{"TCP", "10.0.0.2", 4321}));
}

TEST(FakeTransport, IsATCPTransport) {
  Protocol p;
  FakeTransport a(p, true);
  ITransport* t = &a;
  auto* tcp = dynamic_cast<ITCPTransport*>(t);
  ASSERT_NE(tcp, nullptr);
  tcp->setTcpNoDelay(true);
  EXPECT_TRUE(tcp->getTcpNoDelay());
  EXPECT_FALSE(tcp->getTcpKeepAlive());
}

// --- conversations -----------------------------------------------------------

class ChatServer : public LineReceiver {
 public:
  std::vector<std::string> lines;
  void connectionMade() override { sendLine("Welcome! What's your name?"); }
  void lineReceived(std::string_view line) override {
    lines.emplace_back(line);
    if (line == "bye") {
      sendLine("Goodbye.");
      transport->loseConnection();
    } else {
      sendLine("<echo> " + std::string(line));
    }
  }
  std::optional<Failure> lost;
  void connectionLost(const Failure& reason) override { lost = reason; }
};

class ChatClient : public LineReceiver {
 public:
  std::vector<std::string> lines;
  void lineReceived(std::string_view line) override {
    lines.emplace_back(line);
    if (line == "Welcome! What's your name?") sendLine("alice");
  }
  std::optional<Failure> lost;
  void connectionLost(const Failure& reason) override { lost = reason; }
};

TEST(IOPump, LineReceiverChat) {
  auto c = connectedServerAndClient<ChatServer, ChatClient>();
  // greet: the server's welcome, the client's answer and its echo are done.
  EXPECT_EQ(c.client->lines,
            (std::vector<std::string>{"Welcome! What's your name?", "<echo> alice"}));
  EXPECT_EQ(c.server->lines, (std::vector<std::string>{"alice"}));
  c.client->sendLine("how are you");
  EXPECT_EQ(c.server->lines.size(), 1u) << "nothing moves until pumped";
  EXPECT_TRUE(c.pump.pump());   // client -> server; the echo is written
  EXPECT_TRUE(c.pump.pump());   // server -> client
  EXPECT_FALSE(c.pump.pump());  // quiet
  EXPECT_EQ(c.client->lines.back(), "<echo> how are you");
  c.client->sendLine("bye");
  EXPECT_TRUE(c.pump.flush());
  EXPECT_EQ(c.client->lines.back(), "Goodbye.");
  ASSERT_TRUE(c.client->lost && c.server->lost);
  EXPECT_TRUE(c.client->lost->check<error::ConnectionDone>());
  EXPECT_TRUE(c.server->lost->check<error::ConnectionDone>());
  EXPECT_FALSE(c.client->connected);
  EXPECT_FALSE(c.server->connected);
  EXPECT_FALSE(c.pump.flush());
}

TEST(IOPump, WithoutGreetNothingIsDeliveredYet) {
  ConnectOptions options;
  options.greet = false;
  auto c = connectedServerAndClient<ChatServer, ChatClient>(options);
  EXPECT_TRUE(c.server->connected);
  EXPECT_TRUE(c.client->lines.empty());
  EXPECT_EQ(c.serverTransport->stream, "Welcome! What's your name?\r\n");
  c.pump.flush();
  EXPECT_EQ(c.client->lines.size(), 2u);
}

TEST(IOPump, OneByteWritesArriveJoinedInOnePump) {
  auto c = peers();
  for (char ch : std::string("hello world"))
    c.client->transport->write(std::string_view(&ch, 1));
  EXPECT_TRUE(c.pump.pump());
  EXPECT_EQ(c.server->chunks, (std::vector<std::string>{"hello world"}));
  EXPECT_FALSE(c.pump.pump());
}

TEST(IOPump, BigWritesArriveIntact) {
  auto c = peers();
  std::string big(3 * 1024 * 1024 + 7, '\0');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>(i * 131 % 251);
  c.server->transport->write(big);
  c.client->transport->write(big.substr(0, 1000));
  EXPECT_TRUE(c.pump.flush());
  EXPECT_TRUE(c.client->all() == big);
  EXPECT_EQ(c.server->all(), big.substr(0, 1000));
}

TEST(IOPump, EmptyWritesMoveNothing) {
  auto c = peers();
  c.client->transport->write("");
  EXPECT_FALSE(c.pump.pump());
  EXPECT_TRUE(c.server->chunks.empty());
}

// --- closing -------------------------------------------------------------------

TEST(IOPump, ServerLoseConnectionDeliversThenBothSidesGetConnectionDone) {
  auto c = peers();
  std::vector<std::string> order;
  c.server->name = "server";
  c.client->name = "client";
  c.server->order = c.client->order = &order;
  c.server->transport->write("last words");
  c.server->transport->loseConnection();
  EXPECT_TRUE(c.pump.pump());
  EXPECT_EQ(c.client->all(), "last words");
  EXPECT_EQ(c.client->lostCount, 0) << "the buffer is delivered first";
  EXPECT_TRUE(c.pump.pump());
  EXPECT_EQ(order, (std::vector<std::string>{"client", "server"})) << "the peer first";
  EXPECT_TRUE(c.client->lost->check<error::ConnectionDone>());
  EXPECT_TRUE(c.server->lost->check<error::ConnectionDone>());
  EXPECT_TRUE(c.serverTransport->disconnected);
  EXPECT_TRUE(c.clientTransport->disconnected);
  EXPECT_TRUE(c.clientTransport->disconnecting());
  EXPECT_FALSE(c.pump.pump());
  EXPECT_EQ(c.server->lostCount, 1);
  EXPECT_EQ(c.client->lostCount, 1);
}

TEST(IOPump, ClientLoseConnectionClosesBothSides) {
  auto c = peers();
  c.client->transport->write("q");
  c.client->transport->loseConnection();
  EXPECT_TRUE(c.pump.flush());
  EXPECT_EQ(c.server->all(), "q");
  EXPECT_EQ(c.server->lostCount, 1);
  EXPECT_EQ(c.client->lostCount, 1);
  EXPECT_TRUE(c.server->lost->check<error::ConnectionDone>());
}

TEST(IOPump, DataSentToAClosingSideIsDropped) {
  auto c = peers();
  c.server->transport->loseConnection();
  c.client->transport->write("too late");
  c.pump.flush();
  EXPECT_TRUE(c.server->chunks.empty());
  EXPECT_EQ(c.server->lostCount, 1);
}

TEST(IOPump, AbortDropsTheBufferAndReportsAbortedAndLost) {
  auto c = peers();
  c.client->transport->write("never sent");
  c.client->transport->abortConnection();
  EXPECT_TRUE(c.clientTransport->stream.empty());
  c.server->transport->write("not read either");
  c.pump.flush();
  EXPECT_TRUE(c.server->chunks.empty());
  EXPECT_TRUE(c.client->chunks.empty());
  ASSERT_TRUE(c.client->lost && c.server->lost);
  EXPECT_TRUE(c.client->lost->check<error::ConnectionAborted>()) << c.client->lost->str();
  EXPECT_TRUE(c.server->lost->check<error::ConnectionLost>());
  EXPECT_FALSE(c.server->lost->check<error::ConnectionAborted>()) << c.server->lost->str();
  EXPECT_EQ(c.server->lostCount, 1);
  EXPECT_EQ(c.client->lostCount, 1);
}

TEST(IOPump, ServerAbortConnection) {
  auto c = peers();
  c.server->transport->abortConnection();
  EXPECT_TRUE(c.pump.pump());
  EXPECT_TRUE(c.server->lost->check<error::ConnectionAborted>());
  EXPECT_FALSE(c.client->lost->check<error::ConnectionAborted>());
  EXPECT_TRUE(c.client->lost->check<error::ConnectionLost>());
}

TEST(IOPump, ProtocolMayCloseFromInsideDataReceived) {
  auto c = peers();
  c.server->onData = [](Peer& p, std::string_view data) {
    if (data.find("quit") != std::string_view::npos) {
      p.transport->write("bye");
      p.transport->loseConnection();
      p.transport->write("dropped");
    }
  };
  c.client->transport->write("hi, quit");
  c.pump.flush();
  EXPECT_EQ(c.client->all(), "bye");
  EXPECT_EQ(c.server->lostCount, 1);
  EXPECT_EQ(c.client->lostCount, 1);
}

TEST(IOPump, LineReceiverStopsAtTheLineThatClosed) {
  auto c = connectedServerAndClient<ChatServer, ChatClient>();
  c.client->transport->write("one\r\nbye\r\nnot delivered\r\n");
  c.pump.flush();
  EXPECT_EQ(c.server->lines, (std::vector<std::string>{"alice", "one", "bye"}));
  EXPECT_EQ(c.client->lines.back(), "Goodbye.");
  EXPECT_TRUE(c.client->lost);
}

TEST(IOPump, WritesFromConnectionLostAreDroppedAndFlushEnds) {
  auto c = peers();
  c.server->onLost = [](Peer& p) { p.transport->write("ghost"); };
  c.client->onLost = [](Peer& p) { p.transport->write("ghost"); };
  c.client->transport->loseConnection();
  EXPECT_TRUE(c.pump.flush());
  EXPECT_TRUE(c.server->chunks.empty());
  EXPECT_TRUE(c.client->chunks.empty());
}

TEST(IOPump, FlushGivesUpOnEndlessTalk) {
  auto c = peers();
  c.server->onData = [](Peer& p, std::string_view) { p.transport->write("ping"); };
  c.client->onData = [](Peer& p, std::string_view) { p.transport->write("pong"); };
  c.client->transport->write("start");
  EXPECT_THROW(c.pump.flush(), std::runtime_error);
}

// --- flow control and producers -------------------------------------------------

// Twisted's StrictPushProducer: enforces its state machine.
class StrictPushProducer : public IPushProducer {
 public:
  std::string state = "running";
  void stopProducing() override {
    if (state == "stopped") throw std::logic_error("Cannot stop already-stopped IPushProducer");
    state = "stopped";
  }
  void pauseProducing() override {
    if (state != "running") throw std::logic_error("Cannot pause " + state + " IPushProducer");
    state = "paused";
  }
  void resumeProducing() override {
    if (state != "paused") throw std::logic_error("Cannot resume " + state + " IPushProducer");
    state = "running";
  }
};

TEST(IOPump, StreamingProducerIsNotResumedByThePump) {
  for (bool onServer : {true, false}) {
    ConnectOptions options;
    options.greet = false;
    auto c = peers(options);
    StrictPushProducer producer;
    (onServer ? c.serverTransport : c.clientTransport)->registerProducer(&producer, true);
    c.pump.pump();
    EXPECT_EQ(producer.state, "running");
    (onServer ? c.serverTransport : c.clientTransport)->unregisterProducer();
  }
}

TEST(IOPump, StreamingProducerIsPausedWhenTheBufferIsFullAndResumedWhenDrained) {
  auto c = peers();
  StrictPushProducer producer;
  c.server->transport->registerProducer(&producer, true);
  EXPECT_TRUE(c.serverTransport->streamingProducer());
  c.server->transport->write(std::string(FakeTransport::bufferSize, 'x'));
  EXPECT_EQ(producer.state, "running");
  EXPECT_FALSE(c.serverTransport->producerPaused());
  c.server->transport->write("y");
  EXPECT_EQ(producer.state, "paused");
  EXPECT_TRUE(c.serverTransport->producerPaused());
  EXPECT_TRUE(c.pump.pump());
  EXPECT_EQ(producer.state, "running");
  EXPECT_FALSE(c.serverTransport->producerPaused());
  EXPECT_EQ(c.client->all().size(), FakeTransport::bufferSize + 1);
  c.server->transport->unregisterProducer();
}

TEST(IOPump, ProducerIsStoppedWhenTheConnectionEnds) {
  auto c = peers();
  StrictPushProducer producer;
  c.server->transport->registerProducer(&producer, true);
  c.client->transport->loseConnection();
  c.pump.flush();
  EXPECT_EQ(producer.state, "stopped");
  EXPECT_EQ(c.serverTransport->producer(), nullptr);
  // Registering after the end stops the producer at once.
  StrictPushProducer late;
  c.server->transport->registerProducer(&late, true);
  EXPECT_EQ(late.state, "stopped");
  EXPECT_EQ(c.serverTransport->producer(), nullptr);
}

TEST(IOPump, RegisteringTwoProducersThrows) {
  auto c = peers();
  StrictPushProducer a, b;
  c.server->transport->registerProducer(&a, true);
  EXPECT_THROW(c.server->transport->registerProducer(&b, true), std::runtime_error);
  c.server->transport->unregisterProducer();
  struct Pull : IPullProducer {
    void resumeProducing() override {}
    void stopProducing() override {}
  } pull;
  EXPECT_THROW(c.server->transport->registerProducer(&pull, true), std::invalid_argument);
}

// Writes `count` numbered chunks, one per resumeProducing, then unregisters.
class PullProducer : public IPullProducer {
 public:
  PullProducer(ITransport* t, int count) : t_(t), left_(count) {}
  int resumes = 0;
  bool stopped = false;
  void resumeProducing() override {
    ++resumes;
    if (left_ == 0) {
      t_->unregisterProducer();
      return;
    }
    t_->write("chunk" + std::to_string(left_--) + ";");
  }
  void stopProducing() override { stopped = true; }

 private:
  ITransport* t_;
  int left_;
};

TEST(IOPump, PullProducerIsAskedAtRegistrationAndOnEachPumpThatDrainedIt) {
  auto c = peers();
  PullProducer producer(c.server->transport, 3);
  c.server->transport->registerProducer(&producer, false);
  EXPECT_EQ(producer.resumes, 1);
  EXPECT_EQ(c.serverTransport->stream, "chunk3;");
  c.pump.flush();
  EXPECT_EQ(c.client->all(), "chunk3;chunk2;chunk1;");
  EXPECT_EQ(producer.resumes, 4);
  EXPECT_EQ(c.serverTransport->producer(), nullptr);
  EXPECT_FALSE(producer.stopped);
}

TEST(IOPump, PausedReadingKeepsDataInThePeersBufferAndDelaysTheClose) {
  auto c = peers();
  c.client->transport->pauseProducing();
  c.server->transport->write("held");
  c.server->transport->loseConnection();
  EXPECT_FALSE(c.pump.flush());
  EXPECT_TRUE(c.client->chunks.empty());
  EXPECT_EQ(c.serverTransport->stream, "held");
  EXPECT_EQ(c.client->lostCount, 0) << "the close waits for the data";
  c.client->transport->resumeProducing();
  EXPECT_TRUE(c.pump.flush());
  EXPECT_EQ(c.client->all(), "held");
  EXPECT_EQ(c.client->lostCount, 1);
}

TEST(IOPump, StopProducingOnTheTransportLosesTheConnection) {
  auto c = peers();
  c.client->transport->stopProducing();
  EXPECT_TRUE(c.client->transport->disconnecting());
  c.pump.flush();
  EXPECT_TRUE(c.client->lost->check<error::ConnectionDone>());
}

TEST(IOPump, FileSenderThroughThePump) {
  auto c = peers();
  std::string content(100000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i)
    content[i] = static_cast<char>('a' + i % 26);
  std::istringstream file(content);
  FileSender sender;
  std::optional<char> last;
  sender.beginFileTransfer(file, *c.server->transport).addCallback([&](std::optional<char> b) {
    last = b;
    c.server->transport->loseConnection();
  });
  c.pump.flush();
  EXPECT_TRUE(c.client->all() == content);
  EXPECT_EQ(last, std::optional<char>(content.back()));
  EXPECT_EQ(c.client->lostCount, 1);
}

TEST(IOPump, FileSenderStoppedWhenThePeerCloses) {
  auto c = peers();
  std::istringstream file(std::string(100000, 'z'));
  FileSender sender;
  auto d = sender.beginFileTransfer(file, *c.server->transport);
  c.client->transport->loseConnection();
  c.pump.flush();
  Failure f = twisted::testing::failureResultOf<std::runtime_error>(d);
  EXPECT_EQ(f.getErrorMessage(), "Consumer asked us to stop producing");
}

// --- set-up variants ---------------------------------------------------------------

TEST(IOPump, PumpAdvancesTheClock) {
  task::Clock clock;
  ConnectOptions options;
  options.clock = &clock;
  auto c = peers(options);
  bool ran = false;
  clock.callLater(0, [&] { ran = true; });
  EXPECT_FALSE(ran);
  c.pump.pump();
  EXPECT_TRUE(ran);
}

TEST(IOPump, FactoriesBuildTheProtocolsAndAreKept) {
  auto serverFactory = Factory::forProtocol<ChatServer>();
  auto clientFactory = Factory::forProtocol<ChatClient, ClientFactory>();
  std::weak_ptr<Factory> weak = serverFactory;
  auto c = connectedServerAndClient(std::move(serverFactory), std::move(clientFactory));
  EXPECT_EQ(c.server->factory, c.serverFactory.get());
  EXPECT_EQ(c.client->factory, c.clientFactory.get());
  auto* client = dynamic_cast<ChatClient*>(c.client.get());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->lines.size(), 2u);
  auto moved = std::move(c);  // the pump still works after a move
  client->sendLine("x");
  EXPECT_TRUE(moved.pump.flush());
  EXPECT_EQ(client->lines.back(), "<echo> x");
  EXPECT_FALSE(weak.expired());
}

TEST(IOPump, RefusingFactoryThrows) {
  auto refusing = std::make_shared<Factory>();
  refusing->protocol = [] { return std::unique_ptr<Protocol>(); };
  EXPECT_THROW(connectedServerAndClient(refusing, Factory::forProtocol<Peer>()),
               std::runtime_error);
}

TEST(IOPump, CustomTransportFactoriesAndConnect) {
  ConnectOptions options;
  options.serverTransportFactory = [](Protocol& p) {
    return std::make_unique<FakeTransport>(p, true, IPv4Address{"TCP", "10.0.0.1", 80},
                                           IPv4Address{"TCP", "10.0.0.2", 5555});
  };
  auto c = peers(options);
  EXPECT_EQ(portOf(c.server->transport->getHost()), 80);
  EXPECT_EQ(portOf(c.server->transport->getPeer()), 5555);

  // connect() with pieces the test owns.
  Peer server, client;
  FakeTransport st(server, true), ct(client, false);
  IOPump pump = connect(server, st, client, ct);
  EXPECT_EQ(server.transport, &st);
  EXPECT_EQ(client.transport, &ct);
  client.transport->write("own");
  pump.flush();
  EXPECT_EQ(server.all(), "own");
}

TEST(IOPump, DebugPrintsTheTraffic) {
  auto c = peers();
  c.client->transport->write("hi\r\n\x01");
  testing::internal::CaptureStdout();
  c.pump.pump(true);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_NE(out.find("C: b'hi\\r\\n\\x01'"), std::string::npos) << out;
}

}  // namespace
