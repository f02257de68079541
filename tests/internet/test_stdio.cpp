// StandardIO (twisted.internet.stdio) on every reactor backend, with stdin
// and stdout as pipes, regular files and a terminal: echo, end of input
// (half-close or a flushed close), loseConnection/loseWriteConnection, a
// reader that went away (EPIPE, never SIGPIPE), flow control, and the fds
// left behind (flags restored, /dev/null in place).
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <twisted/internet/error.h>
#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/stdio.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using twisted::internet::stdio::StandardIO;
using twisted::python::Failure;

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category());
    read = fds[0];
    write = fds[1];
  }
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  void closeRead() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void closeWrite() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

// Everything readable on `fd` now (non-blocking), appended to `out`; false at EOF.
bool drain(int fd, std::string& out) {
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  char buf[65536];
  bool open = true;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) open = false;
    break;
  }
  ::fcntl(fd, F_SETFL, flags);
  return open;
}

bool isDevNull(int fd) {
  struct stat a {
  }, b{};
  return ::fstat(fd, &a) == 0 && ::stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev &&
         S_ISCHR(a.st_mode);
}

struct Record {
  std::string received;
  std::optional<Failure> lost;
  int readLost = 0;
  int writeLost = 0;
};

class Echo : public Protocol {
 public:
  explicit Echo(Record& r) : r_(r) {}
  void dataReceived(std::string_view data) override {
    r_.received += data;
    transport->write(data);
  }
  void connectionLost(const Failure& reason) override { r_.lost = reason; }

 protected:
  Record& r_;
};

class HalfCloseEcho : public Echo, public IHalfCloseableProtocol {
 public:
  using Echo::Echo;
  void readConnectionLost() override {
    ++r_.readLost;
    transport->write("bye\n");
    transport->loseConnection();
  }
  void writeConnectionLost() override { ++r_.writeLost; }
};

class StdioTest : public testing_internal::RealReactorTest {};

TEST_P(StdioTest, EchoesOverPipesAndEndsCleanlyAtEndOfInput) {
  Pipe in, out;
  Record rec;
  StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
  ASSERT_EQ(::write(in.write, "hello\n", 6), 6);
  std::string got;
  spinUntil([&] {
    drain(out.read, got);
    return got == "hello\n";
  });
  EXPECT_TRUE(std::holds_alternative<PipeAddress>(io.getPeer()));
  EXPECT_TRUE(std::holds_alternative<PipeAddress>(io.getHost()));
  EXPECT_EQ(toString(io.getPeer()), "PipeAddress()");
  in.closeWrite();
  spinUntil([&] { return rec.lost.has_value(); });
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>()) << rec.lost->getErrorMessage();
  // The reader of stdout sees EOF; the fds hold /dev/null, blocking again.
  EXPECT_FALSE(drain(out.read, got));
  EXPECT_TRUE(isDevNull(in.read));
  EXPECT_TRUE(isDevNull(out.write));
}

TEST_P(StdioTest, FlagsOfTheFdsAreRestoredWhenDone) {
  Pipe in, out;
  Record rec;
  int inFlags = ::fcntl(in.read, F_GETFL), outFlags = ::fcntl(out.write, F_GETFL);
  // Another holder of the same open file (a shell's terminal, say).
  int inDup = ::dup(in.read), outDup = ::dup(out.write);
  {
    StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
    EXPECT_TRUE(::fcntl(inDup, F_GETFL) & O_NONBLOCK);
    EXPECT_TRUE(::fcntl(outDup, F_GETFL) & O_NONBLOCK);
    io.loseConnection();
    EXPECT_TRUE(io.disconnecting());
  }
  spinUntil([&] { return rec.lost.has_value(); });
  EXPECT_EQ(::fcntl(inDup, F_GETFL), inFlags);
  EXPECT_EQ(::fcntl(outDup, F_GETFL), outFlags);
  ::close(inDup);
  ::close(outDup);
}

TEST_P(StdioTest, HalfCloseableProtocolKeepsWritingAfterEndOfInput) {
  Pipe in, out;
  Record rec;
  StandardIO io(std::make_unique<HalfCloseEcho>(rec), in.read, out.write, *r);
  ASSERT_EQ(::write(in.write, "a", 1), 1);
  in.closeWrite();
  std::string got;
  spinUntil([&] { return rec.lost.has_value(); });
  drain(out.read, got);
  EXPECT_EQ(got, "abye\n");
  EXPECT_EQ(rec.readLost, 1);
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>());
}

// Twisted's StandardIO drops what is still buffered for stdout when stdin
// ends; ours flushes it first.
TEST_P(StdioTest, OutputStillBufferedWhenInputEndsIsFlushed) {
  Pipe in, out;
  Record rec;
  const std::string big(1 << 20, 'x');
  class Writer : public Echo {
   public:
    Writer(Record& r, const std::string& big) : Echo(r), big_(big) {}
    void connectionMade() override { transport->write(big_); }
    const std::string& big_;
  };
  StandardIO io(std::make_unique<Writer>(rec, big), in.read, out.write, *r);
  in.closeWrite();  // input ends while the pipe (64 KiB) is full
  std::string got;
  spinUntil([&] {
    drain(out.read, got);
    return rec.lost.has_value() && got.size() == big.size();
  });
  EXPECT_EQ(got, big);
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>());
}

TEST_P(StdioTest, LoseWriteConnectionClosesStdoutOnly) {
  Pipe in, out;
  Record rec;
  StandardIO io(std::make_unique<HalfCloseEcho>(rec), in.read, out.write, *r);
  io.write("x");
  io.loseWriteConnection();
  std::string got;
  bool open = true;
  spinUntil([&] {
    open = drain(out.read, got);
    return !open;
  });
  EXPECT_EQ(got, "x");
  EXPECT_EQ(rec.writeLost, 1);
  EXPECT_FALSE(rec.lost);
  // Still reading stdin.
  ASSERT_EQ(::write(in.write, "more", 4), 4);
  spinUntil([&] { return rec.received == "more"; });
  // End of input: readConnectionLost, whose loseConnection has nothing left
  // to flush and ends the connection anyway.
  in.closeWrite();
  spinUntil([&] { return rec.lost.has_value(); });
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>());
}

TEST_P(StdioTest, ClosedReaderIsAConnectionLostNotASigpipe) {
  struct sigaction old {
  }, dfl{};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, &old);  // a SIGPIPE would kill the test
  {
    Pipe in, out;
    Record rec;
    StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
    out.closeRead();
    io.write("nobody reads this");
    spinUntil([&] { return rec.lost.has_value(); });
    EXPECT_TRUE(rec.lost->check<error::ConnectionLost>()) << rec.lost->getErrorMessage();
    sigset_t pending;
    ::sigpending(&pending);
    EXPECT_FALSE(::sigismember(&pending, SIGPIPE));
  }
  ::sigaction(SIGPIPE, &old, nullptr);
}

// As Twisted's StandardIO (its stdout is a ProcessWriter): the reader of a
// stdout pipe going away is noticed without writing anything, since that
// is the only thing that makes a pipe's write end readable (select) or in
// error (poll, epoll). Twisted reports it as ConnectionLost.
TEST_P(StdioTest, ClosedReaderIsNoticedWithoutAWrite) {
  Pipe in, out;
  Record rec;
  StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
  out.closeRead();
  spinUntil([&] { return rec.lost.has_value(); });
  ASSERT_TRUE(rec.lost.has_value());
  EXPECT_TRUE(rec.lost->check<error::ConnectionLost>()) << rec.lost->getErrorMessage();
  EXPECT_TRUE(isDevNull(out.write));
}

TEST_P(StdioTest, StreamingProducerIsPausedWhileStdoutIsFull) {
  Pipe in, out;
  Record rec;
  struct Producer : IPushProducer {
    int paused = 0, resumed = 0, stopped = 0;
    void pauseProducing() override { ++paused; }
    void resumeProducing() override { ++resumed; }
    void stopProducing() override { ++stopped; }
  } producer;
  StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
  io.registerProducer(&producer, true);
  io.write(std::string(512 * 1024, 'p'));  // more than the pipe and 64 KiB
  EXPECT_EQ(producer.paused, 1);
  std::string got;
  spinUntil([&] {
    drain(out.read, got);
    return producer.resumed == 1;
  });
  io.unregisterProducer();
  io.loseConnection();
  spinUntil([&] { return rec.lost.has_value(); });
  drain(out.read, got);
  EXPECT_EQ(got.size(), 512u * 1024);
  EXPECT_EQ(producer.stopped, 0);
}

TEST_P(StdioTest, RegularFilesAsStdinAndStdout) {
  char inName[] = "/tmp/twistedcpp-stdio-in-XXXXXX";
  char outName[] = "/tmp/twistedcpp-stdio-out-XXXXXX";
  int inFd = ::mkstemp(inName), outFd = ::mkstemp(outName);
  ASSERT_GE(inFd, 0);
  ASSERT_GE(outFd, 0);
  const std::string text = "line one\nline two\n" + std::string(200000, 'f');
  ASSERT_EQ(::write(inFd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::lseek(inFd, 0, SEEK_SET);
  Record rec;
  StandardIO io(std::make_unique<Echo>(rec), inFd, outFd, *r);
  spinUntil([&] { return rec.lost.has_value(); });
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>());
  EXPECT_EQ(rec.received, text);
  int check = ::open(outName, O_RDONLY);
  std::string written;
  drain(check, written);
  EXPECT_EQ(written, text);
  ::close(check);
  ::close(inFd);
  ::close(outFd);
  ::unlink(inName);
  ::unlink(outName);
}

TEST_P(StdioTest, TerminalAsStdinAndStdout) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
    GTEST_SKIP() << "no pseudo-terminal here: " << std::strerror(errno);
  termios raw{};
  ::tcgetattr(slave, &raw);
  ::cfmakeraw(&raw);
  ::tcsetattr(slave, TCSANOW, &raw);
  Record rec;
  {
    StandardIO io(std::make_unique<Echo>(rec), slave, slave, *r);
    ASSERT_EQ(::write(master, "typed", 5), 5);
    std::string got;
    spinUntil([&] {
      drain(master, got);
      return got == "typed";
    });
    io.loseConnection();
  }
  spinUntil([&] { return rec.lost.has_value(); });
  EXPECT_TRUE(rec.lost->check<error::ConnectionDone>());
  ::close(slave);
  ::close(master);
}

TEST_P(StdioTest, TcpOptionsAreRefused) {
  Pipe in, out;
  Record rec;
  StandardIO io(std::make_unique<Echo>(rec), in.read, out.write, *r);
  auto* tcp = dynamic_cast<ITCPTransport*>(&io.transport());
  ASSERT_NE(tcp, nullptr);
  EXPECT_THROW(tcp->setTcpNoDelay(true), std::system_error);
  EXPECT_FALSE(tcp->getTcpNoDelay());
  io.loseConnection();
  spinUntil([&] { return rec.lost.has_value(); });
}

TEST(StdioErrors, AClosedFdIsRefused) {
  auto r = makeReactor("poll");
  Record rec;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);
  EXPECT_THROW(StandardIO(std::make_unique<Echo>(rec), fds[0], fds[1], *r), std::system_error);
  ::close(fds[1]);
}

TWISTED_INSTANTIATE_BACKENDS(StdioTest);

}  // namespace
