// What is io_uring's own in IOUringReactor: the fallback to epoll, level-
// triggered polls, and closing a watched socket (an armed poll holds the
// file). Everything else runs on it through tests/internet/reactor_fixture.h.
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

}  // namespace
}  // namespace twisted::internet
