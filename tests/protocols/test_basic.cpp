// twisted.protocols.basic: LineReceiver, LineOnlyReceiver, Int8/16/32StringReceiver,
// NetstringReceiver. Cases follow Twisted's src/twisted/test/test_protocols.py
// (LineReceiverTests, LineOnlyReceiverTests, IntNTestCaseMixin,
// NetstringReceiverTests); every input is also fed one byte at a time, in
// one chunk, and in random chunkings.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/error.h>
#include <twisted/internet/task/clock.h>
#include <twisted/protocols/basic.h>
#include <twisted/testing/string_transport.h>

namespace {

using namespace twisted;
using namespace twisted::protocols::basic;
using twisted::testing::StringTransport;
using twisted::testing::StringTransportWithDisconnection;

// Splits `input` into chunks: every size in 1..9 (as Twisted's tests do), the
// whole input, and a few random chunkings.
std::vector<std::vector<std::string>> chunkings(std::string_view input) {
  std::vector<std::vector<std::string>> all;
  for (std::size_t size = 1; size < 10; ++size) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < input.size(); i += size) {
      chunks.emplace_back(input.substr(i, size));
    }
    all.push_back(std::move(chunks));
  }
  all.push_back({std::string(input)});
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < input.size();) {
      std::size_t size = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
      chunks.emplace_back(input.substr(i, size));
      i += size;
    }
    all.push_back(std::move(chunks));
  }
  return all;
}

// ---------------------------------------------------------------------------
// LineReceiver

// Twisted's LineTester: raw mode after an empty line, "len N" sets how many
// raw bytes to take, and pause/stop/produce commands.
class LineTester : public LineReceiver {
 public:
  explicit LineTester(internet::task::Clock* clock = nullptr) : clock_(clock) {
    delimiter = "\n";
    MAX_LENGTH = 64;
  }
  void lineReceived(std::string_view line) override {
    received.emplace_back(line);
    if (line.empty()) {
      setRawMode();
    } else if (line == "pause") {
      pauseProducing();
      clock_->callLater(0, [this] { resumeProducing(); });
    } else if (line == "rawpause") {
      pauseProducing();
      setRawMode();
      received.emplace_back();
      clock_->callLater(0, [this] { resumeProducing(); });
    } else if (line == "stop") {
      stopProducing();
    } else if (line.substr(0, 4) == "len ") {
      length = std::stoul(std::string(line.substr(4)));
    } else if (line.starts_with("produce")) {
      transport->registerProducer(this, false);
    } else if (line.starts_with("unproduce")) {
      transport->unregisterProducer();
    }
  }
  void rawDataReceived(std::string_view data) override {
    std::string_view mine = data.substr(0, length), rest = data.substr(mine.size());
    length -= mine.size();
    received.back().append(mine);
    if (length == 0) setLineMode(rest);
  }
  void lineLengthExceeded(std::string_view line) override {
    if (line.size() > MAX_LENGTH + 1) setLineMode(line.substr(MAX_LENGTH + 1));
  }

  std::vector<std::string> received;
  std::size_t length = 0;

 private:
  internet::task::Clock* clock_;
};

TEST(LineReceiverTest, BufferWithRawModeInAnyChunking) {
  const std::string buffer =
      "len 10\n"
      "\n"
      "0123456789len 5\n"
      "\n"
      "1234\n"
      "len 20\n"
      "foo 123\n"
      "\n"
      "0123456789\n"
      "012345678len 0\n"
      "foo 5\n"
      "\n"
      "1234567890123456789012345678901234567890123456789012345678901234567890\n"
      "len 1\n"
      "\n"
      "a";
  const std::vector<std::string> output = {
      "len 10", "0123456789", "len 5", "1234\n", "len 20", "foo 123", "0123456789\n012345678",
      "len 0",  "foo 5",      "",      "67890",  "len 1",  "a"};
  for (const auto& chunks : chunkings(buffer)) {
    StringTransport t;
    LineTester a;
    a.makeConnection(&t);
    for (const auto& c : chunks)
      a.dataReceived(c);
    // Data handed back from lineLengthExceeded waits for the next call (as in
    // Twisted); an empty call delivers it whatever the chunking was.
    a.dataReceived("");
    EXPECT_EQ(a.received, output);
  }
}

TEST(LineReceiverTest, PausingDeliversNothingUntilResumed) {
  const std::string buffer = "twiddle1\ntwiddle2\npause\ntwiddle3\n";
  const std::vector<std::string> output = {"twiddle1", "twiddle2", "pause", "twiddle3"};
  for (const auto& chunks : chunkings(buffer)) {
    internet::task::Clock clock;
    StringTransport t;
    LineTester a(&clock);
    a.makeConnection(&t);
    for (const auto& c : chunks)
      a.dataReceived(c);
    EXPECT_EQ(a.received, std::vector<std::string>(output.begin(), output.begin() + 3));
    EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
    clock.advance(0);
    EXPECT_EQ(a.received, output);
    EXPECT_EQ(t.producerState, StringTransport::ProducerState::producing);
  }
}

TEST(LineReceiverTest, RawPausing) {
  const std::string buffer = "twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n";
  const std::vector<std::string> output = {"twiddle1", "twiddle2", "len 5",
                                           "rawpause", "12345",    "twiddle3"};
  for (const auto& chunks : chunkings(buffer)) {
    internet::task::Clock clock;
    StringTransport t;
    LineTester a(&clock);
    a.makeConnection(&t);
    for (const auto& c : chunks)
      a.dataReceived(c);
    clock.advance(0);
    EXPECT_EQ(a.received, output);
  }
}

TEST(LineReceiverTest, StopProducingDeliversNothingMore) {
  const std::string buffer = "twiddle1\ntwiddle2\nstop\nmore\nstuff\n";
  const std::vector<std::string> output = {"twiddle1", "twiddle2", "stop"};
  for (const auto& chunks : chunkings(buffer)) {
    StringTransport t;
    LineTester a;
    a.makeConnection(&t);
    for (const auto& c : chunks)
      a.dataReceived(c);
    EXPECT_EQ(a.received, output);
    EXPECT_EQ(t.producerState, StringTransport::ProducerState::stopped);
  }
}

TEST(LineReceiverTest, AsProducer) {
  StringTransport t;
  LineTester a;
  a.makeConnection(&t);
  a.dataReceived("produce\nhello world\nunproduce\ngoodbye\n");
  EXPECT_EQ(a.received,
            (std::vector<std::string>{"produce", "hello world", "unproduce", "goodbye"}));
  EXPECT_EQ(t.producer, nullptr);
}

class ClearLineBuffer : public LineReceiver {
 public:
  void lineReceived(std::string_view l) override {
    line = l;  // copy before clearLineBuffer: the view would stay valid, but be explicit
    rest = clearLineBuffer();
  }
  std::string line, rest;
};

TEST(LineReceiverTest, ClearLineBufferInsideLineReceived) {
  StringTransport t;
  ClearLineBuffer a;
  a.makeConnection(&t);
  a.dataReceived("foo\r\nbar\r\nbaz");
  EXPECT_EQ(a.line, "foo");
  EXPECT_EQ(a.rest, "bar\r\nbaz");
  a.dataReceived("quux\r\n");
  EXPECT_EQ(a.line, "quux");
  EXPECT_EQ(a.rest, "");
}

TEST(LineReceiverTest, ClearLineBufferOutsideCallbacks) {
  class Lines : public LineReceiver {
    void lineReceived(std::string_view) override {}
  } a;
  a.dataReceived("partial");
  EXPECT_EQ(a.clearLineBuffer(), "partial");
  EXPECT_EQ(a.clearLineBuffer(), "");
}

class Recorder : public LineReceiver {
 public:
  void lineReceived(std::string_view line) override { lines.emplace_back(line); }
  void rawDataReceived(std::string_view data) override { raw += data; }
  void lineLengthExceeded(std::string_view line) override { longLines.emplace_back(line); }
  std::vector<std::string> lines;
  std::vector<std::string> longLines;
  std::string raw;
};

TEST(LineReceiverTest, DelimiterIsMatchedLiterally) {
  Recorder a;
  a.delimiter = "\n";
  a.dataReceived("a\r\nb\n");
  EXPECT_EQ(a.lines, (std::vector<std::string>{"a\r", "b"}));
}

TEST(LineReceiverTest, LongDelimiterSplitAcrossChunks) {
  const std::string input = "one<END>two<E<END>three<END><END>";
  for (const auto& chunks : chunkings(input)) {
    Recorder a;
    a.delimiter = "<END>";
    for (const auto& c : chunks)
      a.dataReceived(c);
    EXPECT_EQ(a.lines, (std::vector<std::string>{"one", "two<E", "three", ""}));
  }
}

TEST(LineReceiverTest, SetRawModeInsideLineReceivedGetsTheRestOfTheChunk) {
  class Switcher : public Recorder {
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      if (line == "RAW") setRawMode();
    }
  };
  const std::string input = "a\r\nRAW\r\nb\r\nc";
  for (const auto& chunks : chunkings(input)) {
    Switcher a;
    for (const auto& c : chunks)
      a.dataReceived(c);
    EXPECT_EQ(a.lines, (std::vector<std::string>{"a", "RAW"}));
    EXPECT_EQ(a.raw, "b\r\nc");
  }
}

TEST(LineReceiverTest, ModeFlipsThousandsOfTimesWithoutRecursion) {
  // Twisted's test_stackRecursion: each raw byte flips back to line mode with
  // the rest of the data, which must not nest a call per flip. (Re-feeding
  // the rest on every flip makes this protocol quadratic by its own design:
  // 20000 flips keep the test quick.)
  class Flipper : public LineReceiver {
    void lineReceived(std::string_view line) override {
      out += line;
      setRawMode();
    }
    void rawDataReceived(std::string_view data) override {
      out += data.substr(0, 1);
      setLineMode(data.substr(1));
    }

   public:
    std::string out;
  };
  std::string input;
  for (int i = 0; i < 20000; ++i)
    input += "x\nx";
  Flipper a;
  a.delimiter = "\n";
  a.dataReceived(input);
  EXPECT_EQ(a.out, std::string(40000, 'x'));
}

TEST(LineReceiverTest, MaximumLineLengthLosesTheConnection) {
  class Plain : public LineReceiver {
    void lineReceived(std::string_view) override {}
  };
  StringTransport t;
  Plain a;
  a.makeConnection(&t);
  a.dataReceived(std::string(a.MAX_LENGTH + 1, 'x') + "\r\nr");
  EXPECT_TRUE(t.disconnecting());
}

TEST(LineReceiverTest, LineOfExactlyMaxLengthIsFine) {
  Recorder a;
  a.MAX_LENGTH = 4;
  a.dataReceived("xxxx\r\n");
  EXPECT_EQ(a.lines, (std::vector<std::string>{"xxxx"}));
  EXPECT_TRUE(a.longLines.empty());
}

TEST(LineReceiverTest, NotQuiteMaximumLineLengthUnfinished) {
  // MAX_LENGTH bytes plus the first byte of the delimiter is not too long.
  class Plain : public LineReceiver {
    void lineReceived(std::string_view) override {}
  };
  StringTransport t;
  Plain a;
  a.makeConnection(&t);
  a.dataReceived(std::string(a.MAX_LENGTH, 'x') + "\r");
  EXPECT_FALSE(t.disconnecting());
}

TEST(LineReceiverTest, MaximumLineLengthPartialDelimiter) {
  Recorder a;
  a.MAX_LENGTH = 4;
  std::string line(a.MAX_LENGTH - 1, 'x');
  a.dataReceived(line);
  a.dataReceived("\r");
  a.dataReceived("\n" + line);
  EXPECT_TRUE(a.longLines.empty());
  EXPECT_EQ(a.lines, (std::vector<std::string>{line}));
}

TEST(LineReceiverTest, LongUnendedLine) {
  Recorder a;
  a.MAX_LENGTH = 3;
  std::string excessive(a.MAX_LENGTH * 2 + 2, 'x');
  a.dataReceived(excessive);
  EXPECT_EQ(a.longLines, std::vector<std::string>{excessive});
}

TEST(LineReceiverTest, LongLineAfterShortLine) {
  Recorder a;
  a.MAX_LENGTH = 3;
  std::string excessive(a.MAX_LENGTH * 2 + 2, 'x');
  a.dataReceived("x" + a.delimiter + excessive);
  EXPECT_EQ(a.lines, std::vector<std::string>{"x"});
  EXPECT_EQ(a.longLines, std::vector<std::string>{excessive});
}

TEST(LineReceiverTest, LongLineWithDelimiterGetsEverythingAfter) {
  Recorder a;
  a.MAX_LENGTH = 3;
  std::string x(a.MAX_LENGTH * 2 + 2, 'x');
  std::string excessive = x + a.delimiter + x;
  a.dataReceived(excessive);
  EXPECT_EQ(a.longLines, std::vector<std::string>{excessive});
  EXPECT_EQ(a.clearLineBuffer(), "");  // the buffer was cleared
}

TEST(LineReceiverTest, MultipleLongLines) {
  Recorder a;
  a.MAX_LENGTH = 3;
  std::string x(a.MAX_LENGTH * 2 + 2, 'x');
  std::string excessive = x + a.delimiter + x + a.delimiter;
  a.dataReceived(excessive);
  EXPECT_EQ(a.longLines, std::vector<std::string>{excessive});
}

TEST(LineReceiverTest, NeverEndingLineUsesBoundedMemory) {
  // A peer that never sends the delimiter: every MAX_LENGTH + 2 bytes give one
  // lineLengthExceeded, and at most that much is ever buffered.
  Recorder a;
  a.MAX_LENGTH = 100;
  std::size_t total = 0;
  for (int i = 0; i < 10000; ++i) {
    a.dataReceived(std::string(7, 'x'));
    total += 7;
    std::string buffered = a.clearLineBuffer();
    EXPECT_LT(buffered.size(), a.MAX_LENGTH + a.delimiter.size());
    a.dataReceived(buffered);  // put it back
  }
  std::size_t delivered = 0;
  for (const auto& l : a.longLines) {
    EXPECT_EQ(l.size(), (a.MAX_LENGTH + 2 + 6) / 7 * 7);  // first multiple of 7 >= MAX+2
    delivered += l.size();
  }
  EXPECT_EQ(delivered + a.clearLineBuffer().size(), total);
}

TEST(LineReceiverTest, LinesStopWhenTheTransportIsDisconnecting) {
  class Closer : public Recorder {
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      if (line == "quit") transport->loseConnection();
    }
  };
  // As in Twisted, the check is made after each line of one dataReceived
  // call (a real transport delivers nothing after loseConnection); the rest
  // stays buffered.
  StringTransport t;
  Closer a;
  a.makeConnection(&t);
  a.dataReceived("a\r\nquit\r\nb\r\nc\r\n");
  EXPECT_EQ(a.lines, (std::vector<std::string>{"a", "quit"}));
  EXPECT_EQ(a.clearLineBuffer(), "b\r\nc\r\n");
}

TEST(LineReceiverTest, ConnectionLostFromInsideLineReceivedIsSafe) {
  // loseConnection() runs connectionLost synchronously here; then the
  // protocol keeps going (StringTransportWithDisconnection leaves
  // disconnecting() false, as Twisted's does).
  class Closer : public Recorder {
   public:
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      if (line == "quit") {
        transport->loseConnection();
        clearLineBuffer();
        dataReceived("after\r\n");
      }
    }
    void connectionLost(const python::Failure& reason) override {
      lost = reason.check<internet::error::ConnectionDone>();
    }
    bool lost = false;
  };
  StringTransportWithDisconnection t;
  Closer a;
  t.protocol = &a;
  a.makeConnection(&t);
  a.dataReceived("a\r\nquit\r\nb\r\n");
  EXPECT_TRUE(a.lost);
  EXPECT_EQ(a.lines, (std::vector<std::string>{"a", "quit", "after"}));
}

TEST(LineReceiverTest, AbortInsideLineReceivedStops) {
  class Aborter : public Recorder {
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      transport->abortConnection();
    }
  };
  StringTransport t;
  Aborter a;
  a.makeConnection(&t);
  a.dataReceived("a\r\nb\r\n");
  EXPECT_EQ(a.lines, std::vector<std::string>{"a"});
  EXPECT_TRUE(t.disconnected);
}

TEST(LineReceiverTest, NestedDataReceivedKeepsOrder) {
  class Nester : public Recorder {
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      if (line == "a") dataReceived("inner1\r\ninner");
    }
  };
  Nester a;
  a.dataReceived("a\r\nb\r\n");
  a.dataReceived("2\r\n");
  // Queued data goes behind what was already buffered, as in Twisted.
  EXPECT_EQ(a.lines, (std::vector<std::string>{"a", "b", "inner1", "inner2"}));
}

TEST(LineReceiverTest, SendLineWritesOnce) {
  StringTransport t;
  Recorder a;
  a.makeConnection(&t);
  a.sendLine("hello");
  a.delimiter = "\n";
  a.sendLine("");
  EXPECT_EQ(t.value(), "hello\r\n\n");
}

TEST(LineReceiverTest, DefaultCallbacksThrow) {
  LineReceiver a;
  EXPECT_THROW(a.dataReceived("x\r\n"), std::logic_error);
  a.setRawMode();
  EXPECT_THROW(a.dataReceived("x"), std::logic_error);
}

TEST(LineReceiverTest, ExceptionInCallbackKeepsTheRestBuffered) {
  class Thrower : public Recorder {
    void lineReceived(std::string_view line) override {
      if (line == "boom") throw std::runtime_error("boom");
      Recorder::lineReceived(line);
    }
  };
  Thrower a;
  EXPECT_THROW(a.dataReceived("boom\r\nok\r\npart"), std::runtime_error);
  EXPECT_EQ(a.clearLineBuffer(), "ok\r\npart");
}

// ---------------------------------------------------------------------------
// LineOnlyReceiver

class LineOnlyTester : public LineOnlyReceiver {
 public:
  void lineReceived(std::string_view line) override { received.emplace_back(line); }
  std::vector<std::string> received;
};

TEST(LineOnlyReceiverTest, BufferInAnyChunking) {
  const std::string buffer = "foo\r\n    bleakness\r\n    desolation\r\n    plastic forks\r\n";
  for (const auto& chunks : chunkings(buffer)) {
    StringTransport t;
    LineOnlyTester a;
    a.makeConnection(&t);
    for (const auto& c : chunks)
      a.dataReceived(c);
    EXPECT_EQ(a.received, (std::vector<std::string>{"foo", "    bleakness", "    desolation",
                                                    "    plastic forks"}));
  }
}

TEST(LineOnlyReceiverTest, GreaterThanMaximumLineLength) {
  StringTransport t;
  LineOnlyTester a;
  a.makeConnection(&t);
  a.dataReceived(std::string(a.MAX_LENGTH + 1, 'x') + "\r\nr");
  EXPECT_TRUE(t.disconnecting());
  EXPECT_TRUE(a.received.empty());
}

TEST(LineOnlyReceiverTest, PartialLongerThanMaxLength) {
  StringTransport t;
  LineOnlyTester a;
  a.MAX_LENGTH = 4;
  a.makeConnection(&t);
  a.dataReceived("xxxx");
  EXPECT_FALSE(t.disconnecting());
  a.dataReceived("x");  // plain >, not + delimiter size
  EXPECT_TRUE(t.disconnecting());
}

TEST(LineOnlyReceiverTest, StopsWhenDisconnectingAndDropsTheChunksLines) {
  class Closer : public LineOnlyTester {
    void lineReceived(std::string_view line) override {
      LineOnlyTester::lineReceived(line);
      if (line == "quit") transport->loseConnection();
    }
  };
  StringTransport t;
  Closer a;
  a.makeConnection(&t);
  a.dataReceived("a\r\nquit\r\nb\r\nc\r\npartial");
  EXPECT_EQ(a.received, (std::vector<std::string>{"a", "quit"}));
}

// After a too-long line the kept remainder follows the last delimiter of a
// left-to-right split, as Twisted's split() has it: with the self-overlapping
// delimiter "aa", "aaab" is a delimiter and "ab" (found by
// fuzz_line_only_receiver: the 'a' was dropped).
TEST(LineOnlyReceiverTest, RemainderAfterTooLongLineWithOverlappingDelimiter) {
  class Keeper : public LineOnlyTester {
    void lineLengthExceeded(std::string_view line) override {
      received.push_back("X" + std::string(line));
    }
  };
  StringTransport t;
  Keeper a;
  a.delimiter = "aa";
  a.MAX_LENGTH = 3;
  a.makeConnection(&t);
  a.dataReceived("toolongaaxaaab");
  a.dataReceived("aa");
  EXPECT_EQ(a.received, (std::vector<std::string>{"Xtoolong", "ab"}));
}

TEST(LineOnlyReceiverTest, SendLineUsesWriteSequence) {
  StringTransport t;
  LineOnlyTester a;
  a.makeConnection(&t);
  a.sendLine("hi");
  EXPECT_EQ(t.value(), "hi\r\n");
}

TEST(LineOnlyReceiverTest, LineReceivedNotImplemented) {
  LineOnlyReceiver a;
  EXPECT_THROW(a.dataReceived("foo\r\n"), std::logic_error);
}

// ---------------------------------------------------------------------------
// Int8/16/32StringReceiver

template <class Base>
class IntNTester : public Base {
 public:
  void stringReceived(std::string_view s) override { received.emplace_back(s); }
  void lengthLimitExceeded(std::size_t length) override {
    lengths.push_back(length);
    Base::lengthLimitExceeded(length);
  }
  std::vector<std::string> received;
  std::vector<std::size_t> lengths;
};

std::string prefix(std::size_t n, std::size_t length) {
  std::string out(n, '\0');
  for (std::size_t i = n; i-- > 0; length >>= 8)
    out[i] = static_cast<char>(length & 0xff);
  return out;
}

template <class T>
class IntNTest : public ::testing::Test {};
using IntNTypes = ::testing::Types<Int8StringReceiver, Int16StringReceiver, Int32StringReceiver>;
TYPED_TEST_SUITE(IntNTest, IntNTypes);

TYPED_TEST(IntNTest, ReceiveInAnyChunking) {
  IntNTester<TypeParam> probe;
  const std::size_t n = probe.prefixLength();
  std::vector<std::string> strings = {"hello", "world", "how", "are", "you123", ":today", ""};
  strings.push_back(std::string(n == 1 ? 255 : 515, 'a'));
  std::string stream;
  for (const auto& s : strings)
    stream += prefix(n, s.size()) + s;
  for (const auto& chunks : chunkings(stream)) {
    StringTransport t;
    IntNTester<TypeParam> r;
    r.makeConnection(&t);
    for (const auto& c : chunks)
      r.dataReceived(c);
    EXPECT_EQ(r.received, strings);
  }
}

TYPED_TEST(IntNTest, PartialDeliversNothing) {
  IntNTester<TypeParam> probe;
  const std::size_t n = probe.prefixLength();
  for (std::string partial : {prefix(n, 5).substr(0, n - 1), prefix(n, 5) + "hell"}) {
    StringTransport t;
    IntNTester<TypeParam> r;
    r.makeConnection(&t);
    for (char c : partial)
      r.dataReceived(std::string_view(&c, 1));
    EXPECT_TRUE(r.received.empty());
  }
}

TYPED_TEST(IntNTest, SendIsBigEndianPrefixThenPayload) {
  StringTransport t;
  IntNTester<TypeParam> r;
  r.makeConnection(&t);
  r.sendString(std::string(16, 'b'));
  EXPECT_EQ(t.value(), prefix(r.prefixLength(), 16) + std::string(16, 'b'));
}

TYPED_TEST(IntNTest, LengthLimitExceededBeforeThePayload) {
  StringTransport t;
  IntNTester<TypeParam> r;
  r.MAX_LENGTH = 10;
  r.makeConnection(&t);
  r.dataReceived(prefix(r.prefixLength(), 11));
  EXPECT_EQ(r.lengths, std::vector<std::size_t>{11});
  EXPECT_TRUE(t.disconnecting());
}

TYPED_TEST(IntNTest, LongStringNotDelivered) {
  StringTransport t;
  IntNTester<TypeParam> r;
  r.MAX_LENGTH = 10;
  r.makeConnection(&t);
  r.dataReceived(prefix(r.prefixLength(), 11) + std::string(11, 'x'));
  EXPECT_TRUE(r.received.empty());
  // Every later call fails on the same prefix; nothing piles up.
  r.dataReceived(std::string(100000, 'x'));
  EXPECT_EQ(r.lengths, (std::vector<std::size_t>{11, 11}));
  EXPECT_TRUE(r.received.empty());
}

TYPED_TEST(IntNTest, StringOfMaxLengthIsDelivered) {
  StringTransport t;
  IntNTester<TypeParam> r;
  r.MAX_LENGTH = 10;
  r.makeConnection(&t);
  r.dataReceived(prefix(r.prefixLength(), 10) + std::string(10, 'x'));
  EXPECT_EQ(r.received, std::vector<std::string>{std::string(10, 'x')});
}

TYPED_TEST(IntNTest, PauseQueuesStrings) {
  class Pauser : public IntNTester<TypeParam> {
    void stringReceived(std::string_view s) override {
      IntNTester<TypeParam>::stringReceived(s);
      if (s == "pause") this->pauseProducing();
    }
  };
  StringTransport t;
  Pauser r;
  r.makeConnection(&t);
  const std::size_t n = r.prefixLength();
  r.dataReceived(prefix(n, 5) + "pause" + prefix(n, 2) + "ab" + prefix(n, 1) + "c");
  EXPECT_EQ(r.received, std::vector<std::string>{"pause"});
  EXPECT_EQ(t.producerState, StringTransport::ProducerState::paused);
  r.resumeProducing();
  EXPECT_EQ(r.received, (std::vector<std::string>{"pause", "ab", "c"}));
}

TYPED_TEST(IntNTest, LoseConnectionInsideStringReceivedIsSafe) {
  class Closer : public IntNTester<TypeParam> {
    void stringReceived(std::string_view s) override {
      IntNTester<TypeParam>::stringReceived(s);
      this->transport->loseConnection();
    }
  };
  StringTransportWithDisconnection t;
  Closer r;
  t.protocol = &r;
  r.makeConnection(&t);
  const std::size_t n = r.prefixLength();
  r.dataReceived(prefix(n, 1) + "a" + prefix(n, 1) + "b");
  // Twisted's IntNStringReceiver does not check disconnecting: both arrive.
  EXPECT_EQ(r.received, (std::vector<std::string>{"a", "b"}));
}

TEST(IntNStringReceiverTest, TooLongSendThrows) {
  StringTransport t;
  IntNTester<Int16StringReceiver> r16;
  r16.makeConnection(&t);
  r16.sendString(std::string(65535, 'a'));
  EXPECT_THROW(r16.sendString(std::string(65536, 'a')), StringTooLongError);
  IntNTester<Int8StringReceiver> r8;
  r8.makeConnection(&t);
  r8.sendString(std::string(255, 'a'));
  EXPECT_THROW(r8.sendString(std::string(256, 'a')), StringTooLongError);
}

TEST(IntNStringReceiverTest, Int32PrefixIsNetworkOrder) {
  IntNTester<Int32StringReceiver> r;
  r.dataReceived(std::string("\x00\x00\x01\x00", 4) + std::string(256, 'z'));
  ASSERT_EQ(r.received.size(), 1u);
  EXPECT_EQ(r.received[0].size(), 256u);
}

// ---------------------------------------------------------------------------
// NetstringReceiver

class NetstringTester : public NetstringReceiver {
 public:
  void stringReceived(std::string_view s) override { received.emplace_back(s); }
  std::vector<std::string> received;
};

struct Netstring {
  explicit Netstring(std::size_t maxLength = 99999) {
    proto.MAX_LENGTH = maxLength;
    proto.makeConnection(&transport);
  }
  void feed(std::string_view data) { proto.dataReceived(data); }
  StringTransport transport;
  NetstringTester proto;
};

TEST(NetstringReceiverTest, BufferInAnyChunking) {
  std::vector<std::string> strings = {"hello",  "world",  "how", "are",
                                      "you123", ":today", "",    std::string(515, 'a')};
  std::string stream;
  for (const auto& s : strings)
    stream += std::to_string(s.size()) + ":" + s + ",";
  for (const auto& chunks : chunkings(stream)) {
    Netstring n;
    for (const auto& c : chunks)
      n.feed(c);
    EXPECT_EQ(n.proto.received, strings);
    EXPECT_FALSE(n.proto.brokenPeer);
  }
}

TEST(NetstringReceiverTest, SmallCases) {
  struct Case {
    std::vector<std::string> chunks;
    std::vector<std::string> expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"0:,"}, {""}},
           {{"1:a,"}, {"a"}},
           {{"2:ab,"}, {"ab"}},
           {{"12:1:a,1:b,1:c,,"}, {"1:a,1:b,1:c,"}},
           {{"4:aa", "aa,"}, {"aaaa"}},
           {{"1", "0:01234", "56789", ","}, {"0123456789"}},
           {{"2", ":", "a", "b", ","}, {"ab"}},
           {{"1:a,1", ":b,"}, {"a", "b"}},
       }) {
    Netstring n;
    for (const auto& chunk : c.chunks)
      n.feed(chunk);
    EXPECT_EQ(n.proto.received, c.expected);
    EXPECT_FALSE(n.proto.brokenPeer);
    EXPECT_FALSE(n.transport.disconnecting());
  }
}

TEST(NetstringReceiverTest, ErrorsCloseTheConnection) {
  const std::string missingLength =
      "The received netstring does not start with a length specification.";
  const std::string missingComma = "The received netstring is not terminated by a comma.";
  const std::string tooLong =
      "The received netstring is longer than the maximum 99999 specified by self.MAX_LENGTH";
  struct Case {
    std::string input;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"2:aaa,", missingComma},       // more data than specified
           {"0:a,", missingComma},         // border case
           {"3:abc;", missingComma},       // wrong terminator
           {":aaa,", missingLength},       // missing number
           {"3aaa,", missingLength},       // missing colon
           {"aaa,", missingLength},        // missing number and colon
           {"aaa", missingLength},         // only data
           {"01:a,", missingLength},       // leading zero
           {"00:,", missingLength},        // leading zero
           {"100000:", tooLong},           // above MAX_LENGTH
           {"100000", tooLong},            // ... even without the colon
           {"1000000000000000", tooLong},  // too many digits
           {"99999999999999999999999999:", tooLong},
       }) {
    for (const auto& chunks : chunkings(c.input)) {
      Netstring n;
      for (const auto& chunk : chunks)
        n.feed(chunk);
      EXPECT_TRUE(n.proto.brokenPeer) << c.input;
      EXPECT_TRUE(n.transport.disconnecting()) << c.input;
      ASSERT_TRUE(n.proto.parseError.has_value()) << c.input;
      EXPECT_EQ(n.proto.parseError->what(), c.message) << c.input;
      EXPECT_TRUE(n.proto.received.empty()) << c.input;
    }
  }
}

TEST(NetstringReceiverTest, NothingIsDeliveredAfterAnError) {
  Netstring n;
  n.feed("1:a,x");
  EXPECT_EQ(n.proto.received, std::vector<std::string>{"a"});
  EXPECT_TRUE(n.proto.brokenPeer);
  n.feed("1:b,");
  EXPECT_EQ(n.proto.received, std::vector<std::string>{"a"});
}

TEST(NetstringReceiverTest, MaxReceiveLimit) {
  Netstring n(50);
  n.feed("51:" + std::string(51, 'a') + ",");
  EXPECT_TRUE(n.proto.brokenPeer);
}

TEST(NetstringReceiverTest, LengthBorderCases) {
  {
    Netstring n(12);
    n.feed("12:");
    EXPECT_FALSE(n.proto.brokenPeer);
  }
  {
    Netstring n(11);
    n.feed("12:");
    EXPECT_TRUE(n.proto.brokenPeer);
  }
  {
    Netstring n(11);
    n.feed("1000:");
    EXPECT_TRUE(n.proto.brokenPeer);
  }
}

TEST(NetstringReceiverTest, SendString) {
  Netstring n;
  n.proto.sendString("hello");
  n.proto.sendString("");
  EXPECT_EQ(n.transport.value(), "5:hello,0:,");
}

TEST(NetstringReceiverTest, CallbacksMayCloseOrFeed) {
  class Closer : public NetstringTester {
    void stringReceived(std::string_view s) override {
      NetstringTester::stringReceived(s);
      if (s == "feed") dataReceived("3:fed,");
      if (s == "close") transport->loseConnection();
    }
  };
  StringTransportWithDisconnection t;
  Closer p;
  t.protocol = &p;
  p.makeConnection(&t);
  p.dataReceived("4:feed,5:close,1:x,");
  EXPECT_EQ(p.received, (std::vector<std::string>{"feed", "close", "x", "fed"}));
  EXPECT_FALSE(t.connected);
}

}  // namespace

// ---------------------------------------------------------------------------
// Cost: these inputs take seconds or less when a chunk costs O(chunk), and
// hours if each message copied the rest of the buffer (Twisted's way) or each
// byte rescanned a partial line; the CTest timeout turns a regression into a
// failure.

namespace cost {

struct Lines : LineReceiver {
  void lineReceived(std::string_view) override { ++seen; }
  long seen = 0;
};
struct OnlyLines : LineOnlyReceiver {
  void lineReceived(std::string_view) override { ++seen; }
  long seen = 0;
};
struct Strings : Int32StringReceiver {
  void stringReceived(std::string_view) override { ++seen; }
  long seen = 0;
};
struct Netstrings : NetstringReceiver {
  void stringReceived(std::string_view) override { ++seen; }
  long seen = 0;
};

}  // namespace cost

TEST(BasicCostTest, OneHugeChunkOfTinyMessages) {
  constexpr long n = 1 << 20;
  cost::Lines lines;
  lines.delimiter = "\n";
  lines.dataReceived(std::string(n, '\n'));
  EXPECT_EQ(lines.seen, n);
  cost::OnlyLines only;
  only.delimiter = "\n";
  only.dataReceived(std::string(n, '\n'));
  EXPECT_EQ(only.seen, n);
  cost::Strings strings;
  strings.dataReceived(std::string(4 * n, '\0'));
  EXPECT_EQ(strings.seen, n);
  cost::Netstrings netstrings;
  std::string ns;
  for (long i = 0; i < n / 4; ++i)
    ns += "0:,";
  netstrings.dataReceived(ns);
  EXPECT_EQ(netstrings.seen, n / 4);
}

TEST(BasicCostTest, LongMessagesOneByteAtATime) {
  constexpr std::size_t size = 1 << 19;
  std::string line(size, 'x');
  cost::Lines lines;
  lines.MAX_LENGTH = size;
  for (char c : line)
    lines.dataReceived(std::string_view(&c, 1));
  lines.dataReceived("\r\n");
  EXPECT_EQ(lines.seen, 1);
  cost::OnlyLines only;
  only.MAX_LENGTH = size;
  for (char c : line)
    only.dataReceived(std::string_view(&c, 1));
  only.dataReceived("\r\n");
  EXPECT_EQ(only.seen, 1);
  cost::Strings strings;
  strings.MAX_LENGTH = size;
  strings.dataReceived(std::string("\0\x08\0\0", 4));
  for (char c : line)
    strings.dataReceived(std::string_view(&c, 1));
  EXPECT_EQ(strings.seen, 1);
  cost::Netstrings netstrings;
  netstrings.MAX_LENGTH = size;
  netstrings.dataReceived(std::to_string(size) + ":");
  for (char c : line)
    netstrings.dataReceived(std::string_view(&c, 1));
  netstrings.dataReceived(",");
  EXPECT_EQ(netstrings.seen, 1);
}

// ---------------------------------------------------------------------------
// Big chunks with a buffered tail: the parsers copy only a window of the new
// chunk behind the tail and parse the rest in place; any chunking must give
// what one chunk gives.

std::vector<std::vector<std::string>> bigChunkings(std::string_view input) {
  std::vector<std::vector<std::string>> all;
  for (std::size_t size : {700u, 4096u, 65536u}) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < input.size(); i += size)
      chunks.emplace_back(input.substr(i, size));
    all.push_back(std::move(chunks));
  }
  std::mt19937 rng(777);
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < input.size();) {
      std::size_t size = std::uniform_int_distribution<std::size_t>(1, 10000)(rng);
      chunks.emplace_back(input.substr(i, size));
      i += size;
    }
    all.push_back(std::move(chunks));
  }
  return all;
}

std::vector<std::string> messageSizes() {
  std::mt19937 rng(4242);
  std::vector<std::string> messages;
  for (int i = 0; i < 3000; ++i) {
    std::size_t size = std::uniform_int_distribution<std::size_t>(0, i % 50 == 0 ? 3000 : 60)(rng);
    messages.push_back(std::string(size, static_cast<char>('a' + i % 26)));
  }
  return messages;
}

TEST(BigChunkTest, LineReceiverAndLineOnlyReceiver) {
  auto messages = messageSizes();
  std::string stream;
  for (const auto& m : messages)
    stream += m + "\r\n";
  for (const auto& chunks : bigChunkings(stream)) {
    Recorder a;
    LineOnlyTester b;
    for (const auto& c : chunks) {
      a.dataReceived(c);
      b.dataReceived(c);
    }
    EXPECT_EQ(a.lines, messages);
    EXPECT_EQ(b.received, messages);
  }
}

TEST(BigChunkTest, RawModeAfterATailGetsTheWholeRest) {
  class Switcher : public Recorder {
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      if (line == "RAW") setRawMode();
    }
  };
  std::string raw(5000, 'r');
  Switcher a;
  a.dataReceived("a\r\nRA");
  a.dataReceived("W\r\n" + raw);
  EXPECT_EQ(a.lines, (std::vector<std::string>{"a", "RAW"}));
  EXPECT_EQ(a.raw, raw);
}

TEST(BigChunkTest, LongLineAfterATailGetsEverything) {
  Recorder a;
  a.MAX_LENGTH = 3000;
  std::string longLine(4000, 'x');
  a.dataReceived("ok\r\nxx");
  a.dataReceived(longLine.substr(2) + "\r\n" + std::string(2000, 'y'));
  EXPECT_EQ(a.lines, std::vector<std::string>{"ok"});
  EXPECT_EQ(a.longLines, std::vector<std::string>{longLine + "\r\n" + std::string(2000, 'y')});
}

TEST(BigChunkTest, Int32AndNetstring) {
  auto messages = messageSizes();
  std::string frames, netstrings;
  for (const auto& m : messages) {
    frames += prefix(4, m.size()) + m;
    netstrings += std::to_string(m.size()) + ":" + m + ",";
  }
  for (const auto& chunks : bigChunkings(frames)) {
    IntNTester<Int32StringReceiver> r;
    for (const auto& c : chunks)
      r.dataReceived(c);
    EXPECT_EQ(r.received, messages);
  }
  for (const auto& chunks : bigChunkings(netstrings)) {
    Netstring n;
    for (const auto& c : chunks)
      n.feed(c);
    EXPECT_EQ(n.proto.received, messages);
    EXPECT_FALSE(n.proto.brokenPeer);
  }
}
