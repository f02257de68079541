// TCP transports on real loopback sockets, on every reactor backend: the
// cases of Twisted's src/twisted/internet/test/test_tcp.py that matter for
// the transport (connect, write ordering and buffering, close/abort/half
// close, refusal, failures) and the ownership rules (a protocol may close
// its own connection or stop its port from its callbacks).
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/tcp.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::python::Failure;

class TCPTest : public testing_internal::RealReactorTest {
 protected:
  std::shared_ptr<IListeningPort> listen(std::shared_ptr<Factory> f,
                                         std::string_view iface = "127.0.0.1", int backlog = 50) {
    return r->listenTCP(0, std::move(f), backlog, iface);
  }
  static int portOfListener(const std::shared_ptr<IListeningPort>& p) {
    return portOf(p->getHost());
  }
};

// Records everything that happens to a connection.
struct Record {
  std::string received;
  bool made = false;
  int lostCount = 0;
  std::optional<Failure> lostReason;
};

class Recorder : public Protocol {
 public:
  explicit Recorder(std::shared_ptr<Record> rec) : rec_(std::move(rec)) {}
  void connectionMade() override { rec_->made = true; }
  void dataReceived(std::string_view data) override { rec_->received.append(data); }
  void connectionLost(const Failure& reason) override {
    ++rec_->lostCount;
    rec_->lostReason = reason;
  }

 protected:
  std::shared_ptr<Record> rec_;
};

class Echo : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport->write(data); }
};

// A client that sends `message` on connect, closes after `expect` bytes
// came back, and stops the reactor when it is gone.
class Sender : public Recorder {
 public:
  Sender(std::shared_ptr<Record> rec, std::string message, std::size_t expect, ReactorBase* r)
      : Recorder(std::move(rec)), message_(std::move(message)), expect_(expect), r_(r) {}
  void connectionMade() override {
    Recorder::connectionMade();
    transport->write(message_);
  }
  void dataReceived(std::string_view data) override {
    Recorder::dataReceived(data);
    if (rec_->received.size() >= expect_) transport->loseConnection();
  }
  void connectionLost(const Failure& reason) override {
    Recorder::connectionLost(reason);
    r_->stop();
  }

 private:
  std::string message_;
  std::size_t expect_;
  ReactorBase* r_;
};

class CallbackClientFactory : public ClientFactory {
 public:
  std::function<void(IConnector&, const Failure&)> onFailed;
  std::function<void(IConnector&, const Failure&)> onLost;
  int started = 0;
  void startedConnecting(IConnector&) override { ++started; }
  void clientConnectionFailed(IConnector& c, const Failure& f) override {
    if (onFailed) onFailed(c, f);
  }
  void clientConnectionLost(IConnector& c, const Failure& f) override {
    if (onLost) onLost(c, f);
  }
};

TEST_P(TCPTest, EchoRoundTripAndCleanClose) {
  auto port = listen(Factory::forProtocol<Echo>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("hello, world"), 12u, r.get());
  auto connector = r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_TRUE(rec->made);
  EXPECT_EQ(rec->received, "hello, world");
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>())
      << rec->lostReason->getErrorMessage();
  EXPECT_EQ(cf->started, 1);
}

TEST_P(TCPTest, IPv6Loopback) {
  std::shared_ptr<IListeningPort> port;
  try {
    port = listen(Factory::forProtocol<Echo>(), "::1");
  } catch (const error::CannotListenError& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  auto host = port->getHost();
  ASSERT_TRUE(std::holds_alternative<IPv6Address>(host));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("six"), 3u, r.get());
  r->connectTCP("::1", portOf(host), cf);
  runBounded();
  EXPECT_EQ(rec->received, "six");
}

TEST_P(TCPTest, PortZeroPicksAFreePortAndCannotListenNamesTheAddress) {
  auto port = listen(Factory::forProtocol<Echo>());
  int n = portOfListener(port);
  EXPECT_GT(n, 0);
  try {
    r->listenTCP(n, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
    FAIL() << "expected CannotListenError";
  } catch (const error::CannotListenError& e) {
    EXPECT_EQ(e.port(), n);
    EXPECT_NE(std::string(e.what()).find("Couldn't listen on 127.0.0.1:" + std::to_string(n)),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Address already in use"), std::string::npos);
  }
}

TEST_P(TCPTest, ConnectionRefused) {
  // Find a port nobody listens on: listen, learn it, stop.
  int n;
  {
    auto port = listen(Factory::forProtocol<Echo>());
    n = portOfListener(port);
    port->stopListening();
    r->iterate(0);
  }
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  cf->onFailed = [&](IConnector&, const Failure& f) {
    failure = f;
    r->stop();
  };
  r->connectTCP("127.0.0.1", n, cf);
  runBounded();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::ConnectionRefusedError>()) << failure->getErrorMessage();
  EXPECT_NE(failure->getErrorMessage().find("Connection was refused by other side: 111:"),
            std::string::npos)
      << failure->getErrorMessage();
  EXPECT_EQ(cf->numPorts, 0) << "doStop ran after the failure";
}

TEST_P(TCPTest, StopConnectingGivesUserError) {
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  cf->onFailed = [&](IConnector&, const Failure& f) { failure = f; };
  // A name: the connector waits for the resolver, so it is still connecting.
  auto c = r->connectTCP("localhost", 1, cf);
  c->stopConnecting();
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::UserError>());
  EXPECT_THROW(c->stopConnecting(), error::NotConnectingError);
  r->callLater(0.2, [&] { r->stop(); });  // let the late DNS answer arrive and be ignored
  runBounded();
}

// connectTCP's timeout: a listener whose accept queue is full drops our SYN,
// so the attempt hangs until the timeout fails it with TimeoutError.
TEST_P(TCPTest, ConnectTimeout) {
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  // Fill the accept queue (never accepted).
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  ::usleep(50000);
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  bool connected = false;
  cf->onFailed = [&](IConnector&, const Failure& f) {
    failure = f;
    r->stop();
  };
  struct Made : Protocol {
    explicit Made(bool* c) : c_(c) {}
    void connectionMade() override { *c_ = true; }
    bool* c_;
  };
  cf->setProtocol<Made>(&connected);
  r->connectTCP("127.0.0.1", ntohs(a.sin_port), cf, 0.3);
  r->callLater(3, [&] { r->stop(); });
  runBounded();
  for (int c : fillers)
    ::close(c);
  ::close(lfd);
  if (connected) GTEST_SKIP() << "this kernel completed the connection despite the full queue";
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::TimeoutError>()) << failure->getErrorMessage();
  EXPECT_EQ(failure->getErrorMessage(), "User timeout caused connection failure.");
}

// Out of file descriptors on accept: the port sheds the waiting connections
// (closing them), logs it, and keeps serving once descriptors free up.
TEST_P(TCPTest, AcceptSurvivesEMFILE) {
  twisted::testing::EventLoggingObserver logs;
  auto port = listen(Factory::forProtocol<Echo>());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(portOfListener(port)));
  // Warm up the paths that run while descriptors are exhausted: UBSan's
  // first dynamic-type check of a class needs a pipe, which would fail then.
  r->callLater(0, [] {});
  for (int i = 0; i < 3; ++i)
    r->iterate(0);
  std::vector<int> clients;
  for (int i = 0; i < 4; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    clients.push_back(c);
  }
  // No descriptor left for accept().
  int probe = ::dup(0);
  ::close(probe);
  rlimit old{};
  ::getrlimit(RLIMIT_NOFILE, &old);
  rlimit tight = old;
  tight.rlim_cur = static_cast<rlim_t>(probe);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  for (int i = 0; i < 5; ++i)
    r->iterate(0.01);
  ::setrlimit(RLIMIT_NOFILE, &old);
  // Every waiting client was closed by the server, not left hanging.
  for (int c : clients) {
    timeval tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char b;
    EXPECT_LE(::recv(c, &b, 1, 0), 0);
    ::close(c);
  }
  bool logged = false;
  for (auto& e : logs.events())
    for (auto& m : e.message)
      if (m.find("EMFILE") != std::string::npos) logged = true;
  EXPECT_TRUE(logged);
  // And it still serves.
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("still here"), 10u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received, "still here");
}

// Twisted's Port.startListening logs "G starting on N" before doStart logs
// "Starting factory <G ...>"; a throwing startFactory() makes listenTCP throw
// and leaves nothing listening and the factory unstarted.
TEST_P(TCPTest, ListeningLogsStartingOnBeforeStartingFactory) {
  twisted::testing::EventLoggingObserver logs;
  struct G : Factory {
    void startFactory() override {
      if (fail) throw std::runtime_error("no start");
    }
    bool fail = false;
  };
  auto f = std::make_shared<G>();
  f->protocol = [] { return std::make_unique<Echo>(); };
  auto port = listen(f);
  std::vector<std::string> messages;
  for (auto& e : logs.events())
    for (auto& m : e.message)
      messages.push_back(m);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], "G starting on " + std::to_string(portOfListener(port)));
  EXPECT_EQ(messages[1].rfind("Starting factory <G object at ", 0), 0u) << messages[1];

  auto failing = std::make_shared<G>();
  failing->fail = true;
  EXPECT_THROW(listen(failing), std::runtime_error);
  EXPECT_EQ(failing->numPorts, 0);
  EXPECT_EQ(r->getReaders().size(), 1u) << "only the first port is watched";
}

TEST_P(TCPTest, DNSLookupFailure) {
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Echo>();
  std::optional<Failure> failure;
  cf->onFailed = [&](IConnector&, const Failure& f) {
    failure = f;
    r->stop();
  };
  r->connectTCP("no-such-host.invalid", 80, cf);
  runBounded(20);
  ASSERT_TRUE(failure);
  EXPECT_TRUE(failure->check<error::DNSLookupError>()) << failure->getErrorMessage();
  EXPECT_NE(failure->getErrorMessage().find("no-such-host.invalid"), std::string::npos);
}

TEST_P(TCPTest, ConnectByName) {
  auto port = listen(Factory::forProtocol<Echo>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("by name"), 7u, r.get());
  r->connectTCP("localhost", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received, "by name");
}

TEST_P(TCPTest, RefusingFactoryClosesAtOnce) {
  auto sf = std::make_shared<Factory>();
  sf->protocol = [] { return std::unique_ptr<Protocol>(); };
  auto port = listen(sf);
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("x"), 100u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_TRUE(rec->made);
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionClosed>());
}

// The server writes `size` bytes at once and closes; the client must get all
// of them, in order, before ConnectionDone (loseConnection flushes first).
class BigWriter : public Protocol {
 public:
  explicit BigWriter(std::size_t size) : size_(size) {}
  void connectionMade() override {
    std::string data(size_, '\0');
    for (std::size_t i = 0; i < size_; ++i)
      data[i] = static_cast<char>('a' + i % 26);
    transport->write(data.substr(0, size_ / 2));
    std::string_view parts[] = {std::string_view(data).substr(size_ / 2, 10),
                                std::string_view(data).substr(size_ / 2 + 10)};
    transport->writeSequence(parts);
    transport->loseConnection();
    transport->write("");  // still fine while disconnecting
  }

 private:
  std::size_t size_;
};

TEST_P(TCPTest, LargeWritesAreBufferedAndFlushedBeforeClose) {
  constexpr std::size_t kSize = 8 * 1024 * 1024;
  auto port = listen(Factory::forProtocol<BigWriter>(kSize));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string(), kSize + 1, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded(30);
  ASSERT_EQ(rec->received.size(), kSize);
  bool ordered = true;
  for (std::size_t i = 0; i < kSize && ordered; ++i)
    ordered = rec->received[i] == static_cast<char>('a' + i % 26);
  EXPECT_TRUE(ordered);
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
}

// Closes or aborts its own connection from inside dataReceived.
class SelfCloser : public Recorder {
 public:
  SelfCloser(std::shared_ptr<Record> rec, bool abort) : Recorder(std::move(rec)), abort_(abort) {}
  void dataReceived(std::string_view data) override {
    Recorder::dataReceived(data);
    transport->write("bye");
    if (abort_) {
      transport->abortConnection();
      transport->loseConnection();  // after an abort: a no-op
      transport->abortConnection();
    } else {
      transport->loseConnection();
      transport->loseConnection();  // twice: a no-op
    }
  }

 private:
  bool abort_;
};

TEST_P(TCPTest, ProtocolLosesItsOwnConnectionInsideDataReceived) {
  auto serverRec = std::make_shared<Record>();
  auto port = listen(Factory::forProtocol<SelfCloser>(serverRec, false));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("hi"), 1000u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received, "bye");
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
  r->iterate(0);
  EXPECT_EQ(serverRec->lostCount, 1);
}

// A transport registered as its own streaming producer (the idiom for "stop
// reading while the peer does not read") does not hold loseConnection():
// once the buffer is empty the connection closes, as Twisted's doWrite does
// for a streaming producer that is not paused. It used to wait for an
// unregisterProducer that never came.
class SelfProducingCloser : public Recorder {
 public:
  using Recorder::Recorder;
  void connectionMade() override {
    Recorder::connectionMade();
    transport->registerProducer(transport, true);
  }
  void dataReceived(std::string_view data) override {
    Recorder::dataReceived(data);
    transport->write("bye");
    transport->loseConnection();
  }
};

TEST_P(TCPTest, AStreamingProducerDoesNotHoldLoseConnection) {
  auto serverRec = std::make_shared<Record>();
  auto port = listen(Factory::forProtocol<SelfProducingCloser>(serverRec));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("hi"), 1000u, r.get());  // waits for the server
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded(5);
  EXPECT_EQ(rec->received, "bye");
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
  for (int i = 0; i < 3 && serverRec->lostCount == 0; ++i)
    r->iterate(0);
  EXPECT_EQ(serverRec->lostCount, 1);
}

TEST_P(TCPTest, AbortConnectionResetsThePeer) {
  auto serverRec = std::make_shared<Record>();
  auto port = listen(Factory::forProtocol<SelfCloser>(serverRec, true));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string("hi"), 1000u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionLost>())
      << rec->lostReason->getErrorMessage();
  for (int i = 0; i < 3 && serverRec->lostCount == 0; ++i)
    r->iterate(0);
  EXPECT_EQ(serverRec->lostCount, 1);
  ASSERT_TRUE(serverRec->lostReason);
  EXPECT_TRUE(serverRec->lostReason->check<error::ConnectionAborted>());
}

// Stops its own listening port, and the reactor, from inside a callback.
class PortStopper : public Protocol {
 public:
  PortStopper(std::shared_ptr<std::shared_ptr<IListeningPort>> port, ReactorBase* r,
              std::shared_ptr<bool> stopped)
      : port_(std::move(port)), r_(r), stopped_(std::move(stopped)) {}
  void dataReceived(std::string_view) override {
    auto stopped = stopped_;
    (*port_)->stopListening().addCallback([stopped, r = r_] {
      *stopped = true;
      r->stop();
    });
    port_->reset();  // drop our reference: the port stays alive until closed
  }

 private:
  std::shared_ptr<std::shared_ptr<IListeningPort>> port_;
  ReactorBase* r_;
  std::shared_ptr<bool> stopped_;
};

TEST_P(TCPTest, ProtocolStopsItsPortFromACallback) {
  twisted::testing::EventLoggingObserver logs;
  auto holder = std::make_shared<std::shared_ptr<IListeningPort>>();
  auto stopped = std::make_shared<bool>(false);
  auto sf = Factory::forProtocol<PortStopper>(holder, r.get(), stopped);
  *holder = listen(sf);
  int n = portOfListener(*holder);
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Recorder>(rec);
  cf->onLost = [](IConnector&, const Failure&) {};
  auto c = r->connectTCP("127.0.0.1", n, cf);
  r->callLater(0.05, [&] { c->disconnect(); });
  struct Poke : Protocol {
    void connectionMade() override { transport->write("x"); }
  };
  cf->setProtocol<Poke>();
  runBounded();
  EXPECT_TRUE(*stopped);
  EXPECT_EQ(sf->numPorts, 0);
  bool sawClosed = false;
  for (auto& e : logs.events())
    for (auto& m : e.message)
      if (m == "(TCP Port " + std::to_string(n) + " Closed)") sawClosed = true;
  EXPECT_TRUE(sawClosed);
}

// A reactor destroyed while a port, a connection and a connection attempt
// are still active (crash() skips the shutdown that would close them)
// destroys them: both protocols' destructors run, without connectionLost,
// and each factory goes with its last user (LeakSanitizer flags anything
// left).
TEST_P(TCPTest, DestroyingTheReactorDestroysWhatIsStillActive) {
  struct Life {
    int made = 0, lost = 0, destroyed = 0;
  };
  struct Tracked : Protocol {
    Tracked(std::shared_ptr<Life> life, ReactorBase* r) : life_(std::move(life)), r_(r) {}
    ~Tracked() override { ++life_->destroyed; }
    void connectionMade() override {
      if (++life_->made == 2) r_->crash();  // both ends are up
    }
    void connectionLost(const Failure&) override { ++life_->lost; }
    std::shared_ptr<Life> life_;
    ReactorBase* r_;
  };
  auto life = std::make_shared<Life>();
  std::weak_ptr<Factory> serverFactory, clientFactory, attemptFactory;
  int n = 0;
  {
    auto sf = Factory::forProtocol<Tracked>(life, r.get());
    sf->noisy = false;
    serverFactory = sf;
    auto port = listen(sf);
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->noisy = false;
    cf->setProtocol<Tracked>(life, r.get());
    clientFactory = cf;
    n = portOfListener(port);
    r->connectTCP("127.0.0.1", n, cf);
  }
  runBounded();
  ASSERT_EQ(life->made, 2);
  {
    auto af = std::make_shared<CallbackClientFactory>();
    af->noisy = false;
    af->setProtocol<Tracked>(life, r.get());
    attemptFactory = af;
    r->connectTCP("127.0.0.1", n, af);  // never runs: still connecting
  }
  EXPECT_FALSE(serverFactory.expired());
  EXPECT_FALSE(attemptFactory.expired());
  r.reset();
  EXPECT_EQ(life->destroyed, 2);
  EXPECT_EQ(life->lost, 0);
  EXPECT_TRUE(serverFactory.expired());
  EXPECT_TRUE(clientFactory.expired());
  EXPECT_TRUE(attemptFactory.expired());
}

// Every connection a factory built holds the factory: with the port closed and
// no other reference left, protocol->factory is still valid in connectionLost
// and in the protocol's destructor (ASan flags a freed factory).
TEST_P(TCPTest, ConnectionsKeepTheirFactoryAfterThePortIsGone) {
  struct Named : Factory {
    std::string name = std::string(64, 'F');  // on the heap
  };
  struct Seen {
    bool portClosed = false;
    std::string inLost, inDestructor;
  };
  struct Server : Protocol {
    Server(std::shared_ptr<std::shared_ptr<IListeningPort>> port, std::shared_ptr<Seen> seen,
           ReactorBase* r)
        : port_(std::move(port)), seen_(std::move(seen)), r_(r) {}
    ~Server() override { seen_->inDestructor = factoryName(); }
    void connectionMade() override {
      (*port_)->stopListening().addCallback([seen = seen_, t = transport] {
        seen->portClosed = true;
        t->loseConnection();  // only after the port is gone
      });
      port_->reset();
    }
    void connectionLost(const Failure&) override {
      seen_->inLost = factoryName();
      r_->stop();
    }
    std::string factoryName() const { return static_cast<const Named*>(factory)->name; }
    std::shared_ptr<std::shared_ptr<IListeningPort>> port_;
    std::shared_ptr<Seen> seen_;
    ReactorBase* r_;
  };
  auto seen = std::make_shared<Seen>();
  {
    auto holder = std::make_shared<std::shared_ptr<IListeningPort>>();
    auto sf = std::make_shared<Named>();
    sf->noisy = false;
    sf->protocol = [holder, seen, r = r.get()] {
      return std::make_unique<Server>(holder, seen, r);
    };
    *holder = listen(sf);
    const int n = portOfListener(*holder);
    sf.reset();  // the port (and, soon, its connections) alone hold it
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->noisy = false;
    cf->setProtocol<Recorder>(std::make_shared<Record>());
    cf->onLost = [](IConnector&, const Failure&) {};
    r->connectTCP("127.0.0.1", n, cf);
    runBounded();
  }
  EXPECT_TRUE(seen->portClosed);
  EXPECT_EQ(seen->inLost, std::string(64, 'F'));
  EXPECT_EQ(seen->inDestructor, std::string(64, 'F'));
}

// doStart/doStop count the ports and connectors using a factory: one factory
// behind two ports and a connector is started by the first user and stopped
// only after the last one is done with it.
TEST_P(TCPTest, FactoryIsStartedOnceAndStoppedAfterItsLastUser) {
  struct Counting : CallbackClientFactory {
    int starts = 0, stops = 0;
    void startFactory() override { ++starts; }
    void stopFactory() override { ++stops; }
  };
  struct Closer : Protocol {
    void connectionMade() override { transport->loseConnection(); }
  };
  using Counts = std::vector<int>;  // starts, stops, numPorts
  auto f = std::make_shared<Counting>();
  f->noisy = false;
  f->setProtocol<Closer>();
  auto counts = [&] { return Counts{f->starts, f->stops, f->numPorts}; };
  auto a = listen(f);
  auto b = listen(f);
  const Counts afterListening = counts();
  Counts afterFirstPort, afterConnector, afterLast;
  r->callWhenRunning([&] {
    a->stopListening().addCallback([&] {
      afterFirstPort = counts();
      r->connectTCP("127.0.0.1", portOfListener(b), f);
    });
  });
  f->onLost = [&](IConnector&, const Failure&) {
    r->callLater(0, [&] {  // the connector is done with the factory by then
      afterConnector = counts();
      b->stopListening().addCallback([&] {
        afterLast = counts();
        r->stop();
      });
    });
  };
  runBounded();
  EXPECT_EQ(afterListening, (Counts{1, 0, 2}));
  EXPECT_EQ(afterFirstPort, (Counts{1, 0, 1}));
  EXPECT_EQ(afterConnector, (Counts{1, 0, 1}));
  EXPECT_EQ(afterLast, (Counts{1, 1, 0}));
}

// A producer is not owned: when the connection ends, the transport stops and
// forgets it before connectionLost, so a protocol may own its producer and
// destroy it with itself; nothing calls it afterwards (ASan).
TEST_P(TCPTest, ProducerOwnedByItsProtocolIsStoppedBeforeConnectionLost) {
  using Log = std::vector<std::string>;
  struct Producer : IPushProducer {
    explicit Producer(std::shared_ptr<Log> log) : log_(std::move(log)) {}
    ~Producer() override { log_->push_back("producer destroyed"); }
    void pauseProducing() override {}
    void resumeProducing() override {}
    void stopProducing() override { log_->push_back("stopProducing"); }
    std::shared_ptr<Log> log_;
  };
  struct Owner : Protocol {
    Owner(std::shared_ptr<Log> log, ReactorBase* r) : log_(std::move(log)), r_(r) {}
    void connectionMade() override {
      producer_ = std::make_unique<Producer>(log_);
      transport->registerProducer(producer_.get(), true);  // never unregistered
    }
    void connectionLost(const Failure&) override {
      log_->push_back("connectionLost");
      r_->stop();
    }
    std::shared_ptr<Log> log_;
    ReactorBase* r_;
    std::unique_ptr<Producer> producer_;
  };
  struct Closer : Protocol {
    void connectionMade() override { transport->loseConnection(); }
  };
  auto log = std::make_shared<Log>();
  auto port = listen(Factory::forProtocol<Owner>(log, r.get()));
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Closer>();
  cf->onLost = [](IConnector&, const Failure&) {};
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(*log, (Log{"stopProducing", "connectionLost", "producer destroyed"}));
}

// Half-close: the client shuts its write side; the server, a half-closeable
// protocol, answers after the EOF and then closes.
class HalfCloseServer : public Protocol, public IHalfCloseableProtocol {
 public:
  void dataReceived(std::string_view data) override { got_.append(data); }
  void readConnectionLost() override {
    transport->write("got " + got_);
    transport->loseConnection();
  }
  void writeConnectionLost() override {}

 private:
  std::string got_;
};

class HalfCloseClient : public Sender, public IHalfCloseableProtocol {
 public:
  using Sender::Sender;
  void connectionMade() override {
    Sender::connectionMade();
    static_cast<ITCPTransport*>(transport)->loseWriteConnection();
  }
  void readConnectionLost() override { transport->loseConnection(); }
  void writeConnectionLost() override { ++writeLost; }
  int writeLost = 0;
};

TEST_P(TCPTest, HalfClose) {
  auto port = listen(Factory::forProtocol<HalfCloseServer>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<HalfCloseClient>(rec, std::string("question"), 1000u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received, "got question");
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
}

// A server echoing to a client that never reads: with the transport
// registered as its own streaming producer, reading pauses when the write
// buffer passes the high-water mark, so memory stays bounded.
struct EchoStats {
  std::size_t maxBuffered = 0;
  std::size_t echoed = 0;
  int pauses = 0;
};

class BoundedEcho : public Protocol {
 public:
  explicit BoundedEcho(std::shared_ptr<EchoStats> s) : stats_(std::move(s)) {}
  void connectionMade() override { transport->registerProducer(transport, true); }
  void dataReceived(std::string_view data) override {
    transport->write(data);
    stats_->echoed += data.size();
  }

 private:
  std::shared_ptr<EchoStats> stats_;
};

class Flooder : public Protocol {
 public:
  explicit Flooder(ReactorBase* r) : r_(r) {}
  void connectionMade() override {
    // Never read: pause our own reading, then write until the kernel and
    // the server are both full.
    transport->pauseProducing();
    chunk_.assign(64 * 1024, 'x');
    pump();
  }
  void pump() {
    for (int i = 0; i < 16; ++i)
      transport->write(chunk_);
    if (++rounds_ < 64) r_->callLater(0.005, [this] { pump(); });
  }

 private:
  ReactorBase* r_;
  std::string chunk_;
  int rounds_ = 0;
};

TEST_P(TCPTest, EchoToAClientThatNeverReadsKeepsBoundedMemory) {
  auto stats = std::make_shared<EchoStats>();
  auto port = listen(Factory::forProtocol<BoundedEcho>(stats));
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Flooder>(r.get());
  auto c = r->connectTCP("127.0.0.1", portOfListener(port), cf);
  r->callLater(1.0, [&] { r->stop(); });
  runBounded(10);
  // 64 MiB were offered; the server echoed only what the client's socket
  // buffers plus one high-water mark of ours can hold.
  EXPECT_LT(stats->echoed, 32u * 1024 * 1024) << "reading was never paused";
  EXPECT_GT(stats->echoed, 0u);
}

// A pull producer is asked for the next chunk each time the buffer empties,
// also when every chunk went straight to the socket.
class PullSender : public Protocol, public IPullProducer {
 public:
  void connectionMade() override { transport->registerProducer(this, false); }
  void resumeProducing() override {
    if (sent_ == 100) {
      transport->unregisterProducer();
      transport->loseConnection();
      return;
    }
    transport->write("0123456789");
    ++sent_;
  }
  void stopProducing() override {}

 private:
  int sent_ = 0;
};

TEST_P(TCPTest, PullProducerIsAskedAgainAfterDirectSends) {
  auto port = listen(Factory::forProtocol<PullSender>());
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string(), 100000u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received.size(), 1000u);
  ASSERT_TRUE(rec->lostReason);
  EXPECT_TRUE(rec->lostReason->check<error::ConnectionDone>());
}

TEST_P(TCPTest, ManyConnectionsAtOnce) {
  auto port = listen(Factory::forProtocol<Echo>(), "127.0.0.1", 256);
  constexpr int kClients = 100;
  int done = 0;
  std::vector<std::shared_ptr<Record>> recs;
  auto cf = std::make_shared<CallbackClientFactory>();
  struct Client : Recorder {
    Client(std::shared_ptr<Record> rec, int* done, ReactorBase* r)
        : Recorder(std::move(rec)), done_(done), r_(r) {}
    void connectionMade() override { transport->write("ping"); }
    void dataReceived(std::string_view d) override {
      Recorder::dataReceived(d);
      if (rec_->received.size() == 4) transport->loseConnection();
    }
    void connectionLost(const Failure& f) override {
      Recorder::connectionLost(f);
      if (++*done_ == kClients) r_->stop();
    }
    int* done_;
    ReactorBase* r_;
  };
  cf->protocol = [&]() -> std::unique_ptr<Protocol> {
    recs.push_back(std::make_shared<Record>());
    return std::make_unique<Client>(recs.back(), &done, r.get());
  };
  for (int i = 0; i < kClients; ++i)
    r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded(30);
  EXPECT_EQ(done, kClients);
  for (auto& rec : recs)
    EXPECT_EQ(rec->received, "ping");
}

TEST_P(TCPTest, ReconnectFromClientConnectionLost) {
  auto port = listen(Factory::forProtocol<Echo>());
  auto cf = std::make_shared<CallbackClientFactory>();
  int connections = 0;
  struct Once : Protocol {
    explicit Once(int* n) : n_(n) {}
    void connectionMade() override {
      ++*n_;
      transport->loseConnection();
    }
    int* n_;
  };
  cf->setProtocol<Once>(&connections);
  cf->onLost = [&](IConnector& c, const Failure&) {
    if (connections < 3)
      c.connect();
    else
      r->stop();
  };
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(connections, 3);
  EXPECT_EQ(cf->numPorts, 0) << "doStop once, at the end";
}

TEST_P(TCPTest, ShutdownClosesPortsAndConnections) {
  auto serverRec = std::make_shared<Record>();
  auto sf = Factory::forProtocol<Recorder>(serverRec);
  auto port = listen(sf);
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Recorder>(rec);
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  r->callLater(0.1, [&] { r->stop(); });
  runBounded();
  EXPECT_TRUE(serverRec->made);
  EXPECT_EQ(serverRec->lostCount, 1);
  EXPECT_EQ(rec->lostCount, 1);
  EXPECT_EQ(sf->numPorts, 0);
}

// getPeer() and the log prefix still name the peer after the socket is gone.
TEST_P(TCPTest, PeerIsKnownInsideConnectionLost) {
  std::string prefix;
  std::optional<Address> peer;
  struct Late : Protocol {
    Late(std::string* p, std::optional<Address>* a, ReactorBase* r) : p_(p), a_(a), r_(r) {}
    void connectionMade() override { transport->loseConnection(); }
    void connectionLost(const Failure&) override {
      *a_ = transport->getPeer();
      *p_ = transport->logPrefix();
      r_->stop();
    }
    std::string* p_;
    std::optional<Address>* a_;
    ReactorBase* r_;
  };
  auto port = listen(Factory::forProtocol<Late>(&prefix, &peer, r.get()));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Recorder>(rec);
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  ASSERT_TRUE(peer);
  EXPECT_EQ(hostOf(*peer), "127.0.0.1");
  EXPECT_EQ(prefix, "Late,0,127.0.0.1");
}

// After abortConnection the socket is closed before connectionLost runs:
// getPeer(), getHost() and the log prefix come from addresses kept earlier.
TEST_P(TCPTest, PeerAndHostAreKnownAfterAnAbort) {
  std::string prefix;
  std::optional<Address> peer, host;
  struct Aborter : Protocol {
    Aborter(std::string* p, std::optional<Address>* a, std::optional<Address>* h, ReactorBase* r)
        : p_(p), a_(a), h_(h), r_(r) {}
    void connectionMade() override { transport->abortConnection(); }
    void connectionLost(const Failure&) override {
      *a_ = transport->getPeer();
      *h_ = transport->getHost();
      *p_ = transport->logPrefix();
      r_->stop();
    }
    std::string* p_;
    std::optional<Address>*a_, *h_;
    ReactorBase* r_;
  };
  auto port = listen(Factory::forProtocol<Aborter>(&prefix, &peer, &host, r.get()));
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Recorder>(rec);
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  ASSERT_TRUE(peer && host);
  EXPECT_EQ(hostOf(*peer), "127.0.0.1");
  EXPECT_NE(portOf(*peer), 0);
  EXPECT_EQ(hostOf(*host), "127.0.0.1");
  EXPECT_EQ(portOf(*host), portOfListener(port));
  EXPECT_EQ(prefix, "Aborter,0,127.0.0.1");
}

// A protocol is destroyed with its connection, right after connectionLost.
// If its destructor logs, the log system must not come from the connection
// (whose members are being destroyed): here the protocol's logPrefix() reads
// a member already destroyed, so reaching it is a use-after-free under ASan.
// Both ends, on every backend, plus a factory destroyed with its port at
// shutdown.
TEST_P(TCPTest, DestructorsThatLogDoNotReachTheirDyingTransport) {
  twisted::testing::EventLoggingObserver logs;
  struct LogOnDestroy {
    const char* what;
    ~LogOnDestroy() { twisted::python::log::msg(what); }
  };
  struct Dying : Protocol {
    explicit Dying(bool closes) : closes_(closes) {}
    void connectionMade() override {
      if (closes_) transport->loseConnection();
    }
    std::string logPrefix() const override { return name_; }
    LogOnDestroy logger{"protocol destroyed"};  // destroyed after name_
    std::string name_ = std::string(64, 'P');   // on the heap
    bool closes_;
  };
  struct DyingFactory : Factory {
    std::string logPrefix() const override { return name_; }
    LogOnDestroy logger{"factory destroyed"};
    std::string name_ = std::string(64, 'F');
  };
  {
    auto sf = std::make_shared<DyingFactory>();
    sf->noisy = false;
    sf->protocol = [] { return std::make_unique<Dying>(true); };
    auto port = listen(sf);
    const int n = portOfListener(port);
    port.reset();  // from now on the reactor alone keeps the port, and the factory
    sf.reset();
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->noisy = false;
    cf->setProtocol<Dying>(false);
    cf->onLost = [&](IConnector&, const Failure&) { r->stop(); };
    r->connectTCP("127.0.0.1", n, cf);
    runBounded();  // the stop's shutdown closes the port, destroying the factory
  }
  int protocols = 0, factories = 0;
  for (auto& e : logs.events()) {
    for (auto& m : e.message) {
      if (m == "protocol destroyed") ++protocols;
      if (m == "factory destroyed") ++factories;
      if (m.find("destroyed") != std::string::npos) {
        EXPECT_EQ(e.system, "-") << m;
      }
    }
  }
  EXPECT_EQ(protocols, 2);
  EXPECT_EQ(factories, 1);
}

TEST_P(TCPTest, AddressesAndOptions) {
  auto port = listen(Factory::forProtocol<Echo>());
  std::optional<Address> peer, host;
  bool noDelay = false, keepAlive = false;
  struct Inspect : Protocol {
    Inspect(std::optional<Address>* p, std::optional<Address>* h, bool* nd, bool* ka,
            ReactorBase* r)
        : p_(p), h_(h), nd_(nd), ka_(ka), r_(r) {}
    void connectionMade() override {
      *p_ = transport->getPeer();
      *h_ = transport->getHost();
      auto* tcpT = static_cast<ITCPTransport*>(transport);
      tcpT->setTcpNoDelay(true);
      tcpT->setTcpKeepAlive(true);
      *nd_ = tcpT->getTcpNoDelay();
      *ka_ = tcpT->getTcpKeepAlive();
      EXPECT_EQ(logPrefix(), "Inspect");
      transport->loseConnection();
    }
    void connectionLost(const Failure&) override { r_->stop(); }
    std::optional<Address>*p_, *h_;
    bool *nd_, *ka_;
    ReactorBase* r_;
  };
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Inspect>(&peer, &host, &noDelay, &keepAlive, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  ASSERT_TRUE(peer && host);
  EXPECT_EQ(hostOf(*peer), "127.0.0.1");
  EXPECT_EQ(portOf(*peer), portOfListener(port));
  EXPECT_EQ(hostOf(*host), "127.0.0.1");
  EXPECT_TRUE(noDelay);
  EXPECT_TRUE(keepAlive);
}

// --- descriptors the reactor cannot watch ----------------------------------

// Greets each connection with "hi" and counts them.
struct Greeter : Protocol {
  Greeter(int* made, int* lost) : made_(made), lost_(lost) {}
  void connectionMade() override {
    ++*made_;
    transport->write("hi");
  }
  void connectionLost(const Failure&) override { ++*lost_; }
  int *made_, *lost_;
};

// A blocking client socket connected to 127.0.0.1:`port` (a loopback
// connect completes at once while the listen queue has room).
int rawConnect(int port) {
  int c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (c >= 0 && ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(c);
    return -1;
  }
  return c;
}

// Runs `r` until the server answered client `c`: "hi" if it was served, ""
// if it was closed (end of stream or reset), "?" if neither within the bound.
std::string awaitGreeting(ReactorBase& r, int c) {
  pollfd p{c, POLLIN, 0};
  for (int round = 0; round < 100 && ::poll(&p, 1, 0) == 0; ++round)
    r.iterate(0.1);
  char buf[8];
  ssize_t n = ::recv(c, buf, sizeof buf, MSG_DONTWAIT);
  if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
  if (n == 0 || errno == ECONNRESET) return "";
  return "?";
}

int countMessages(const twisted::testing::EventLoggingObserver& logs, std::string_view text) {
  int n = 0;
  for (auto& e : logs.events())
    for (auto& m : e.message)
      if (m.find(text) != std::string::npos) ++n;
  return n;
}

int openDescriptors() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d))
      ++n;
    ::closedir(d);
  }
  return n;
}

// select() cannot watch fd >= FD_SETSIZE (1024). 1100 clients at once, both
// ends in this process, so the accepted sockets pass fd 1024 about halfway:
// with select each one beyond is refused and closed (logged once), the port
// keeps accepting and no descriptor leaks; poll and epoll serve them all.
TEST_P(TCPTest, AcceptsPastTheBackendsDescriptorLimit) {
  constexpr int kClients = 1100;
  const rlim_t need = 2 * kClients + 100;
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < need) {
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < need)
      GTEST_SKIP() << "needs " << need << " descriptors, but the hard RLIMIT_NOFILE is "
                   << old.rlim_max;
    rlimit raised = old;
    raised.rlim_cur = need;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &raised), 0);
  }
  struct Restore {
    rlimit old;
    ~Restore() { ::setrlimit(RLIMIT_NOFILE, &old); }
  } restore{old};
  twisted::testing::EventLoggingObserver logs;
  int made = 0, lost = 0;
  auto port = listen(Factory::forProtocol<Greeter>(&made, &lost), "127.0.0.1", kClients);
  const int n = portOfListener(port);
  const int baseline = openDescriptors();
  std::vector<int> clients;
  int served = 0, refused = 0;
  for (int i = 0; i < kClients; ++i) {
    int c = rawConnect(n);
    ASSERT_GE(c, 0) << "client " << i << ": " << std::strerror(errno);
    clients.push_back(c);
    std::string answer = awaitGreeting(*r, c);
    if (answer == "hi") {
      ++served;
    } else {
      ASSERT_EQ(answer, "") << "client " << i << " got no answer";
      ++refused;
    }
  }
  EXPECT_EQ(made, served);
  if (GetParam() == "select") {
    EXPECT_GT(refused, 0);
    EXPECT_EQ(countMessages(logs, "the reactor cannot watch its socket"), 1);
  } else {
    EXPECT_EQ(refused, 0);
  }
  for (int c : clients)
    ::close(c);
  for (int round = 0; round < 1000 && lost < made; ++round)
    r->iterate(0.1);
  EXPECT_EQ(lost, made);
  EXPECT_EQ(openDescriptors(), baseline) << "every accepted socket was closed";
  int c = rawConnect(n);
  ASSERT_GE(c, 0) << "the port still listens";
  EXPECT_EQ(awaitGreeting(*r, c), "hi");
  ::close(c);
}

// The same for a registration that fails on any backend (epoll_ctl's ENOMEM
// or ENOSPC, through the reactor's fault seam): that connection only is
// refused, once logged, and the port keeps serving.
TEST_P(TCPTest, UnwatchableAcceptedSocketIsRefusedAndThePortKeepsListening) {
  twisted::testing::EventLoggingObserver logs;
  int made = 0, lost = 0;
  auto port = listen(Factory::forProtocol<Greeter>(&made, &lost));
  int faults = 2;
  r->setRegistrationFaultForTesting([&](int, bool) { return faults-- > 0 ? ENOSPC : 0; });
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i)
    clients.push_back(rawConnect(portOfListener(port)));
  EXPECT_EQ(awaitGreeting(*r, clients[0]), "");
  EXPECT_EQ(awaitGreeting(*r, clients[1]), "");
  EXPECT_EQ(awaitGreeting(*r, clients[2]), "hi");
  EXPECT_EQ(made, 1);
  EXPECT_EQ(countMessages(logs, "the reactor cannot watch its socket"), 1);
  EXPECT_EQ(countMessages(logs, "No space left on device"), 1);
  for (int c : clients)
    ::close(c);
}

// A connection attempt whose socket the reactor cannot watch fails with
// clientConnectionFailed(ConnectError), whether the connecting socket
// (writing) or the connected one (reading) is refused; the reactor goes on.
TEST_P(TCPTest, UnwatchableClientSocketFailsTheAttempt) {
  int made = 0, lost = 0;
  auto port = listen(Factory::forProtocol<Greeter>(&made, &lost));
  for (bool onlyReading : {false, true}) {
    r->setRegistrationFaultForTesting(
        [onlyReading](int, bool reading) { return !onlyReading || reading ? ENOSPC : 0; });
    auto cf = std::make_shared<CallbackClientFactory>();
    cf->setProtocol<Echo>();
    std::optional<Failure> failure;
    cf->onFailed = [&](IConnector&, const Failure& f) {
      failure = f;
      r->callLater(0, [&] { r->crash(); });  // crash, not stop: run() again below
    };
    r->connectTCP("127.0.0.1", portOfListener(port), cf);
    runBounded();
    ASSERT_TRUE(failure) << "onlyReading=" << onlyReading;
    EXPECT_TRUE(failure->check<error::ConnectError>());
    EXPECT_NE(failure->getErrorMessage().find("the reactor cannot watch the socket"),
              std::string::npos)
        << failure->getErrorMessage();
    EXPECT_EQ(cf->numPorts, 0) << "doStop ran after the failure";
  }
  // Without the fault, connecting works.
  r->setRegistrationFaultForTesting({});
  auto rec = std::make_shared<Record>();
  auto cf = std::make_shared<CallbackClientFactory>();
  cf->setProtocol<Sender>(rec, std::string(), 2u, r.get());
  r->connectTCP("127.0.0.1", portOfListener(port), cf);
  runBounded();
  EXPECT_EQ(rec->received, "hi");
}

// A listening socket the reactor cannot watch: listenTCP throws
// CannotListenError and leaves the factory stopped and nothing registered.
TEST_P(TCPTest, UnwatchableListeningSocketCannotListen) {
  r->setRegistrationFaultForTesting([](int, bool) { return ENOMEM; });
  auto f = Factory::forProtocol<Echo>();
  EXPECT_THROW(listen(f), error::CannotListenError);
  EXPECT_EQ(f->numPorts, 0);
  EXPECT_TRUE(r->getReaders().empty());
}

TWISTED_INSTANTIATE_BACKENDS(TCPTest);

}  // namespace
