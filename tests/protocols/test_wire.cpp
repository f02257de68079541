// twisted.protocols.wire: each service with a StringTransport and a Clock,
// then Chargen's backpressure on real loopback sockets (a client that does
// not read keeps the server's memory bounded), on every reactor backend.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <twisted/internet/error.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/wire.h>
#include <twisted/testing/string_transport.h>

#include "internet/reactor_fixture.h"

namespace {

using namespace twisted::internet;
using namespace twisted::protocols::wire;
using twisted::python::Failure;
using twisted::testing::StringTransport;

bool isNoise(std::string_view data, std::size_t offset = 0) {
  for (std::size_t i = 0; i < data.size(); ++i)
    if (data[i] != Chargen::noise[(offset + i) % Chargen::noise.size()]) return false;
  return true;
}

TEST(Wire, EchoWritesBackEachChunk) {
  Echo p;
  StringTransport t;
  p.makeConnection(&t);
  p.dataReceived("hello");
  p.dataReceived(std::string_view("\0x", 2));
  EXPECT_EQ(t.value(), std::string("hello\0x", 7));
}

TEST(Wire, DiscardWritesNothing) {
  Discard p;
  StringTransport t;
  p.makeConnection(&t);
  p.dataReceived("hello");
  EXPECT_EQ(t.value(), "");
  EXPECT_FALSE(t.disconnecting());
}

TEST(Wire, ChargenNoiseIsTwistedsLine) {
  EXPECT_EQ(Chargen::noise.size(), 71u);
  EXPECT_EQ(Chargen::noise.front(), '@');
  EXPECT_EQ(Chargen::noise.substr(63), std::string_view(" !\"#$%&?"));
}

TEST(Wire, ChargenRegistersAsStreamingProducerAndStreamsEachTurn) {
  task::Clock clock;
  Chargen p(&clock);
  StringTransport t;
  p.makeConnection(&t);
  EXPECT_EQ(t.producer, &p);
  EXPECT_EQ(t.streaming, true);
  std::size_t first = t.value().size();
  EXPECT_GT(first, 0u);
  EXPECT_EQ(first % 71, 0u) << "whole noise lines";
  EXPECT_TRUE(isNoise(t.value()));
  EXPECT_EQ(p.bytesWritten(), first);
  clock.advance(0);
  EXPECT_EQ(t.value().size(), first) << "not within the same instant";
  clock.advance(Chargen::kTurnDelay);
  EXPECT_EQ(t.value().size(), 2 * first) << "goes on by itself, one burst per turn";
  EXPECT_TRUE(isNoise(t.value()));
}

TEST(Wire, ChargenPausesResumesAndStops) {
  task::Clock clock;
  Chargen p(&clock);
  StringTransport t;
  p.makeConnection(&t);
  p.pauseProducing();
  EXPECT_TRUE(p.paused());
  std::size_t n = t.value().size();
  clock.advance(0);
  clock.advance(1);
  EXPECT_EQ(t.value().size(), n);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
  p.resumeProducing();
  clock.advance(Chargen::kTurnDelay);
  EXPECT_GT(t.value().size(), n);
  p.stopProducing();
  n = t.value().size();
  clock.advance(1);
  p.resumeProducing();  // stopped for good
  clock.advance(1);
  EXPECT_EQ(t.value().size(), n);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

// A transport that pauses its producer from inside write(), as a real one
// does past its high-water mark.
class PausingTransport : public StringTransport {
 public:
  void write(std::string_view data) override {
    StringTransport::write(data);
    if (value().size() > 40000 && producer)
      dynamic_cast<IPushProducer*>(producer)->pauseProducing();
  }
};

TEST(Wire, ChargenStopsWritingAsSoonAsTheTransportPausesIt) {
  task::Clock clock;
  Chargen p(&clock);
  PausingTransport t;
  p.makeConnection(&t);
  EXPECT_TRUE(p.paused());
  EXPECT_LT(t.value().size(), 40000u + 17000u);
  EXPECT_TRUE(clock.getDelayedCalls().empty());
}

TEST(Wire, ChargenConnectionLostCancelsTheNextBurst) {
  task::Clock clock;
  {
    Chargen p(&clock);
    StringTransport t;
    p.makeConnection(&t);
    EXPECT_EQ(clock.getDelayedCalls().size(), 1u);
    p.connectionLost(Failure(error::ConnectionDone()));
    EXPECT_TRUE(clock.getDelayedCalls().empty());
  }
  {
    auto p = std::make_unique<Chargen>(&clock);
    StringTransport t;
    p->makeConnection(&t);
    p.reset();  // destroyed without connectionLost
    EXPECT_TRUE(clock.getDelayedCalls().empty());
  }
}

TEST(Wire, QOTDWritesTheQuoteAndCloses) {
  QOTD p;
  StringTransport t;
  p.makeConnection(&t);
  EXPECT_EQ(t.value(), "An apple a day keeps the doctor away.\r\n");
  EXPECT_TRUE(t.disconnecting());
}

TEST(Wire, QOTDQuoteCanBeOverridden) {
  struct Mine : QOTD {
    std::string getQuote() override { return "Carpe diem.\r\n"; }
  } p;
  StringTransport t;
  p.makeConnection(&t);
  EXPECT_EQ(t.value(), "Carpe diem.\r\n");
}

TEST(Wire, WhoWritesRootAndCloses) {
  Who p;
  StringTransport t;
  p.makeConnection(&t);
  EXPECT_EQ(t.value(), "root\r\n");
  EXPECT_TRUE(t.disconnecting());
}

TEST(Wire, DaytimeWritesAsctimeInUTCAndCloses) {
  {
    Daytime p([] { return std::time_t(0); });
    StringTransport t;
    p.makeConnection(&t);
    EXPECT_EQ(t.value(), "Thu Jan  1 00:00:00 1970\r\n");
    EXPECT_TRUE(t.disconnecting());
  }
  {
    Daytime p([] { return std::time_t(739149665); });
    StringTransport t;
    p.makeConnection(&t);
    EXPECT_EQ(t.value(), "Thu Jun  3 23:21:05 1993\r\n");
  }
  {
    Daytime p;  // the real clock: just the shape
    StringTransport t;
    p.makeConnection(&t);
    EXPECT_EQ(t.value().size(), 26u);
  }
}

TEST(Wire, TimeWritesRFC868SecondsSince1900InNetworkOrder) {
  {
    Time p([] { return std::time_t(0); });
    StringTransport t;
    p.makeConnection(&t);
    // 2208988800 = 0x83AA7E80
    EXPECT_EQ(t.value(), std::string("\x83\xAA\x7E\x80", 4));
    EXPECT_TRUE(t.disconnecting());
  }
  {
    Time p([] { return std::time_t(1); });
    StringTransport t;
    p.makeConnection(&t);
    EXPECT_EQ(t.value(), std::string("\x83\xAA\x7E\x81", 4));
  }
  {
    Time p;
    StringTransport t;
    p.makeConnection(&t);
    ASSERT_EQ(t.value().size(), 4u);
    auto b = [&](int i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(t.value()[i]));
    };
    std::uint32_t v = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    std::uint32_t expected = static_cast<std::uint32_t>(std::time(nullptr) + Time::kEpochOffset);
    EXPECT_LE(expected - v, 2u);
  }
}

// --- Chargen on real sockets ------------------------------------------------------

struct ChargenStats {
  Chargen* live = nullptr;
  bool lost = false;
};

class TrackedChargen : public Chargen {
 public:
  TrackedChargen(IReactorTime* clock, std::shared_ptr<ChargenStats> s)
      : Chargen(clock), stats_(std::move(s)) {}
  void connectionMade() override {
    stats_->live = this;
    Chargen::connectionMade();
  }
  void connectionLost(const Failure& reason) override {
    Chargen::connectionLost(reason);
    stats_->live = nullptr;
    stats_->lost = true;
  }

 private:
  std::shared_ptr<ChargenStats> stats_;
};

class ChargenTCP : public testing_internal::RealReactorTest {
 protected:
  void spin(double seconds) { spinFor(seconds); }
};

TEST_P(ChargenTCP, ClientThatDoesNotReadBoundsTheServerThenDrainingResumesIt) {
  auto stats = std::make_shared<ChargenStats>();
  auto port =
      r->listenTCP(0, Factory::forProtocol<TrackedChargen>(r.get(), stats), 50, "127.0.0.1");
  // A raw client with a small receive buffer that reads only when told.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(portOf(port->getHost())));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);

  // Wait until the kernel buffers are full and the producer stays paused
  // (bounded: a loaded machine takes longer, never forever).
  std::uint64_t written = 0;
  for (int i = 0; i < 100; ++i) {
    spin(0.1);
    ASSERT_NE(stats->live, nullptr);
    if (stats->live->paused() && stats->live->bytesWritten() == written) break;
    written = stats->live->bytesWritten();
  }
  EXPECT_TRUE(stats->live->paused()) << "the transport paused the producer";
  spin(0.2);
  EXPECT_EQ(stats->live->bytesWritten(), written) << "nothing more while the client does not read";
  // Kernel buffers (send up to tcp_wmem max, 4 MiB here) + 64 KiB + a burst.
  EXPECT_LT(written, 8u << 20) << "server memory is bounded";

  // Drain: the producer is resumed and the stream is unbroken noise.
  std::string received;
  char buf[65536];
  double deadline = r->seconds() + 10;
  while (received.size() < written + (1u << 20) && r->seconds() < deadline) {
    r->iterate(0.001);
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
      received.append(buf, static_cast<std::size_t>(n));
  }
  ASSERT_GE(received.size(), written + (1u << 20)) << "timed out draining";
  EXPECT_GT(stats->live->bytesWritten(), written) << "resumed";
  EXPECT_TRUE(isNoise(received));

  ::close(fd);
  deadline = r->seconds() + 10;
  while (!stats->lost && r->seconds() < deadline)
    r->iterate(0.01);
  EXPECT_TRUE(stats->lost);
}

TWISTED_INSTANTIATE_BACKENDS(ChargenTCP);

}  // namespace
