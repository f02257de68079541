// What is io_uring's own in IOUringReactor: the fallback to epoll, level-
// triggered polls, closing a watched socket (an armed poll holds the file),
// and the completion model of TCP connections (multishot receives into a
// buffer ring, send requests): held bytes of a paused connection, an abort
// with a send in flight, the switch back to readiness. Everything else runs
// on it through tests/internet/reactor_fixture.h.
// CI's kernel has io_uring, so these tests expect the real backend.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <twisted/internet.h>
#include <twisted/internet/iouring_reactor.h>
#include <twisted/python/log.h>
#include <twisted/testing/event_logging_observer.h>

#include "internet/fd_helpers.h"

namespace twisted::internet {
namespace {

using ::testing::HasSubstr;
using testing_internal::Pipe;
using testing_internal::Reader;

TEST(IOUringReactor, MakeReactorGivesIt) {
  EXPECT_EQ(makeReactor("iouring")->backendName(), "iouring");
}

// Where io_uring is refused (here: TWISTED_IOURING_DISABLE, which behaves
// as a kernel without it), the constructor throws and makeReactor says why
// in one log line and gives an epoll reactor.
TEST(IOUringReactor, RefusedIoUringFallsBackToEpollWithALogLine) {
  ::setenv("TWISTED_IOURING_DISABLE", "1", 1);
  EXPECT_THROW(IOUringReactor{}, std::system_error);
  twisted::testing::EventLoggingObserver logs;
  auto r = makeReactor("iouring");
  ::unsetenv("TWISTED_IOURING_DISABLE");
  EXPECT_EQ(r->backendName(), "epoll");
  bool said = false;
  for (const auto& event : logs.events())
    if (python::log::textFromEventDict(event).find("io_uring is not available") !=
        std::string::npos)
      said = true;
  EXPECT_TRUE(said);
  EXPECT_EQ(makeReactor("iouring")->backendName(), "iouring");
}

// Level-triggered: a reader that leaves bytes unread is told again on the
// next iteration (a re-armed single-shot poll sees them at once).
TEST(IOUringReactor, UnreadBytesAreReportedAgain) {
  auto r = makeReactor("iouring");
  Pipe p;
  struct Lazy : IReadDescriptor {
    int fd;
    int reads = 0;
    explicit Lazy(int f) : fd(f) {}
    int fileno() const override { return fd; }
    DescriptorResult doRead() override {
      ++reads;
      char c;
      if (::read(fd, &c, 1) != 1) return main::CONNECTION_DONE();
      return std::nullopt;
    }
    void connectionLost(const python::Failure&) override {}
    std::string logPrefix() const override { return "Lazy"; }
  } lazy(p.r);
  r->addReader(&lazy);
  p.send("abc");
  for (int i = 0; i < 10 && lazy.reads < 3; ++i)
    r->iterate(1);
  EXPECT_EQ(lazy.reads, 3);
  // Drained: the next wait times out instead of reporting it.
  r->iterate(0.02);
  EXPECT_EQ(lazy.reads, 3);
  r->removeReader(&lazy);
}

// A server that drops a connection closes the socket at once: the peer, a
// plain blocking socket the reactor never runs again for, sees the end.
// An armed poll holds the file, so without its removal reaching the kernel
// before close() the socket would stay open until the next submission.
TEST(IOUringReactor, ClosedSocketsReachThePeerWithoutAnotherIteration) {
  auto r = makeReactor("iouring");
  struct Idle : Protocol {
    Protocol** self;
    explicit Idle(Protocol** s) : self(s) {}
    void connectionMade() override { *self = this; }
  };
  Protocol* server = nullptr;
  auto factory = Factory::forProtocol<Idle>(&server);
  auto port = r->listenTCP(0, factory, 50, "127.0.0.1");
  int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(portOf(port->getHost())));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  for (int i = 0; i < 500 && server == nullptr; ++i)
    r->iterate(0.01);
  ASSERT_NE(server, nullptr);
  r->iterate(0);  // the connection's read poll is armed and idle now
  server->transport->abortConnection();
  timeval bound{5, 0};  // a safety bound, not a timing assertion
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  char c;
  errno = 0;
  ssize_t n = ::recv(client, &c, 1, 0);
  EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << "recv " << n << ", errno " << errno;
  ::close(client);

  // The listening socket, too, is closed when stopListening closes it.
  auto stopped = port->stopListening();
  for (int i = 0; i < 100 && !stopped.called(); ++i)
    r->iterate(0.01);
  int again = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_NE(::connect(again, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  ::close(again);
}

// --- the completion model (TCP) ---------------------------------------------

// A plain blocking client socket connected to `port` on 127.0.0.1.
int connectTo(const std::shared_ptr<IListeningPort>& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(portOf(port->getHost())));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval bound{5, 0};  // a safety bound, not a timing assertion
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &bound, sizeof bound);
  return fd;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

// Records what it receives; may pause its transport after the first chunk.
struct Recorder : Protocol {
  struct State {
    Protocol* server = nullptr;
    std::string received;
    int chunks = 0;
    bool pauseOnFirst = false;
    bool lost = false;
  };
  State* state;
  explicit Recorder(State* s) : state(s) {}
  void connectionMade() override { state->server = this; }
  void dataReceived(std::string_view data) override {
    state->received.append(data);
    if (++state->chunks == 1 && state->pauseOnFirst)
      static_cast<ITCPTransport*>(transport)->pauseProducing();
  }
  void connectionLost(const python::Failure&) override { state->lost = true; }
};

TEST(IOUringReactor, TcpConnectionsReadAndSendThroughCompletions) {
  auto r = makeReactor("iouring");
  ASSERT_NE(r->completionIO(), nullptr) << "this kernel has buffer rings (Linux >= 5.19)";
  struct Echo : Protocol {
    void dataReceived(std::string_view data) override { transport->write(data); }
  };
  auto port = r->listenTCP(0, Factory::forProtocol<Echo>(), 50, "127.0.0.1");
  int client = connectTo(port);
  ASSERT_GE(client, 0);
  // More than one receive buffer's worth and more than one send's.
  const std::string sent = pattern(300 * 1024);
  ASSERT_EQ(::send(client, sent.data(), sent.size(), 0), static_cast<ssize_t>(sent.size()));
  std::string echoed;
  char buf[65536];
  for (int i = 0; i < 2000 && echoed.size() < sent.size(); ++i) {
    r->iterate(0.005);
    ssize_t n;
    while ((n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
      echoed.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(echoed.size(), sent.size());
  EXPECT_TRUE(echoed == sent) << "the echo differs from what was sent";
  ::close(client);
}

// Writes made while a send request is in flight wait in the write buffer
// and go as one sendmsg request over its chunks; a large write among them
// waits its turn (only a write with nothing queued goes straight to the
// socket); loseConnection waits for the request in flight. The peer gets
// every byte, in order, then the end.
TEST(IOUringReactor, WritesQueuedBehindASendRequestArriveInOrderBeforeTheClose) {
  auto r = makeReactor("iouring");
  static const std::string expected = [] {
    std::string all;
    for (int i = 0; i < 2000; ++i)
      all += "write " + std::to_string(i) + ";";
    all += pattern(100 * 1024);
    for (int i = 0; i < 50; ++i)
      all += "tail " + std::to_string(i) + ";";
    return all;
  }();
  struct Burst : Protocol {
    void connectionMade() override {
      for (int i = 0; i < 2000; ++i)
        transport->write("write " + std::to_string(i) + ";");
      transport->write(pattern(100 * 1024));
      std::vector<std::string> tail;
      for (int i = 0; i < 50; ++i)
        tail.push_back("tail " + std::to_string(i) + ";");
      std::vector<std::string_view> views(tail.begin(), tail.end());
      transport->writeSequence(views);
      transport->loseConnection();
    }
  };
  auto port = r->listenTCP(0, Factory::forProtocol<Burst>(), 50, "127.0.0.1");
  int client = connectTo(port);
  ASSERT_GE(client, 0);
  std::string got;
  char buf[65536];
  bool ended = false;
  for (int i = 0; i < 2000 && !ended; ++i) {
    r->iterate(0.005);
    ssize_t n;
    while ((n = ::recv(client, buf, sizeof buf, MSG_DONTWAIT)) > 0)
      got.append(buf, static_cast<std::size_t>(n));
    if (n == 0) ended = true;
  }
  EXPECT_TRUE(ended) << "no EOF after " << got.size() << " bytes";
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected) << "bytes lost or out of order";
  ::close(client);
}

// A protocol that pauses with bytes already received into the ring keeps
// them (copied out of the ring, so paused connections cannot starve the
// others of buffers) and gets them, in order, when it resumes.
TEST(IOUringReactor, PausedConnectionGetsItsQueuedBytesInOrderOnResume) {
  auto r = makeReactor("iouring");
  Recorder::State state;
  state.pauseOnFirst = true;
  auto port = r->listenTCP(0, Factory::forProtocol<Recorder>(&state), 50, "127.0.0.1");
  int client = connectTo(port);
  ASSERT_GE(client, 0);
  for (int i = 0; i < 500 && state.server == nullptr; ++i)
    r->iterate(0.01);
  ASSERT_NE(state.server, nullptr);
  // Sent before the server's next wait: one multishot receive takes it in
  // several buffers, and the first dataReceived pauses.
  const std::string sent = pattern(200 * 1024);
  ASSERT_EQ(::send(client, sent.data(), sent.size(), 0), static_cast<ssize_t>(sent.size()));
  for (int i = 0; i < 500 && state.chunks == 0; ++i)
    r->iterate(0.01);
  for (int i = 0; i < 5; ++i)
    r->iterate(0.01);
  EXPECT_EQ(state.chunks, 1) << "nothing is delivered while paused";
  EXPECT_LT(state.received.size(), sent.size());
  static_cast<ITCPTransport*>(state.server->transport)->resumeProducing();
  for (int i = 0; i < 1000 && state.received.size() < sent.size(); ++i)
    r->iterate(0.005);
  EXPECT_EQ(state.received.size(), sent.size());
  EXPECT_TRUE(state.received == sent) << "bytes lost or out of order across the pause";
  ::close(client);
  for (int i = 0; i < 500 && !state.lost; ++i)
    r->iterate(0.01);
  EXPECT_TRUE(state.lost);
}

// A send in flight holds the socket's file, as an armed poll does: an abort
// cancels it at once, so the peer that never read sees the connection end
// without the reactor running again.
TEST(IOUringReactor, AbortWithASendInFlightReachesThePeerAtOnce) {
  auto r = makeReactor("iouring");
  Recorder::State state;
  auto port = r->listenTCP(0, Factory::forProtocol<Recorder>(&state), 50, "127.0.0.1");
  int client = connectTo(port);
  ASSERT_GE(client, 0);
  int small = 4096;
  ::setsockopt(client, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  for (int i = 0; i < 500 && state.server == nullptr; ++i)
    r->iterate(0.01);
  ASSERT_NE(state.server, nullptr);
  const std::string big(16 * 1024 * 1024, 'x');  // far more than the kernel buffers
  state.server->transport->write(big);
  for (int i = 0; i < 5; ++i)
    r->iterate(0.01);  // the send request waits in the kernel
  state.server->transport->abortConnection();
  char buf[65536];
  ssize_t n;
  std::size_t total = 0;
  errno = 0;
  while ((n = ::recv(client, buf, sizeof buf, 0)) > 0)
    total += static_cast<std::size_t>(n);
  EXPECT_TRUE(n == 0 || errno == ECONNRESET)
      << "recv " << n << ", errno " << errno << " after " << total << " bytes";
  EXPECT_LT(total, big.size());
  ::close(client);
  for (int i = 0; i < 100 && !state.lost; ++i)
    r->iterate(0.01);
  EXPECT_TRUE(state.lost);
}

// TWISTED_IOURING_READINESS=1 keeps TCP on poll requests (for comparison).
TEST(IOUringReactor, ReadinessSwitchKeepsTcpOnPolls) {
  ::setenv("TWISTED_IOURING_READINESS", "1", 1);
  auto r = makeReactor("iouring");
  ::unsetenv("TWISTED_IOURING_READINESS");
  EXPECT_EQ(r->backendName(), "iouring");
  EXPECT_EQ(r->completionIO(), nullptr);
  Recorder::State state;
  auto port = r->listenTCP(0, Factory::forProtocol<Recorder>(&state), 50, "127.0.0.1");
  int client = connectTo(port);
  ASSERT_GE(client, 0);
  ASSERT_EQ(::send(client, "hello", 5, 0), 5);
  for (int i = 0; i < 500 && state.received.size() < 5; ++i)
    r->iterate(0.01);
  EXPECT_EQ(state.received, "hello");
  ::close(client);
}

}  // namespace
}  // namespace twisted::internet
