// The `linereceiver` scenario of ../shared/bench/micro for twistedcpp: N
// messages pre-split into 64 KiB chunks fed to dataReceived of a protocol
// with a no-op handler on a StringTransport, as the Twisted peer does
// (twisted_micro.py: linereceiver). Metrics per repetition: ns per message
// and MB/s of wire bytes for linereceiver, lineonlyreceiver (52-byte lines:
// 50 x 'a' + CRLF) and int32stringreceiver (52-byte strings, 56 on the wire).
//
// Kept apart from micro_twistedcpp.cpp so it can be built and reviewed on its
// own; micro_twistedcpp's dispatch calls runLineReceiverScenario().
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/protocols/basic.h>
#include <twisted/testing/string_transport.h>

namespace twisted_micro {

namespace {

using namespace twisted::protocols::basic;

constexpr std::size_t kChunk = 64 * 1024;

std::uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

void fail(const char* what) {
  std::fprintf(stderr, "check failed: %s\n", what);
  std::exit(3);
}

// No-op handlers that count (one increment: the Twisted peer's handlers do
// nothing, and the count lets us check every message arrived).
struct NullLine : LineReceiver {
  void lineReceived(std::string_view) override { ++seen; }
  void lineLengthExceeded(std::string_view) override { fail("LineReceiver: line length exceeded"); }
  long seen = 0;
};
struct NullLineOnly : LineOnlyReceiver {
  void lineReceived(std::string_view) override { ++seen; }
  void lineLengthExceeded(std::string_view) override {
    fail("LineOnlyReceiver: line length exceeded");
  }
  long seen = 0;
};
struct NullInt32 : Int32StringReceiver {
  void stringReceived(std::string_view) override { ++seen; }
  void lengthLimitExceeded(std::size_t) override {
    fail("Int32StringReceiver: length limit exceeded");
  }
  long seen = 0;
};

std::vector<std::string> chunked(const std::string& message, long n) {
  std::string all;
  all.reserve(message.size() * std::size_t(n));
  for (long i = 0; i < n; ++i)
    all += message;
  std::vector<std::string> chunks;
  for (std::size_t i = 0; i < all.size(); i += kChunk)
    chunks.push_back(all.substr(i, kChunk));
  return chunks;
}

// Feeds the chunks to a fresh protocol; returns the elapsed ns.
template <class P>
std::uint64_t feed(const std::vector<std::string>& chunks, long n, const char* what) {
  twisted::testing::StringTransport transport;
  P proto;
  proto.makeConnection(&transport);
  std::uint64_t t0 = nowNs();
  for (const std::string& c : chunks)
    proto.dataReceived(c);
  std::uint64_t t1 = nowNs();
  if (proto.seen != n) fail(what);
  return t1 - t0;
}

}  // namespace

/// Runs the scenario: `reps` repetitions of `n` messages per parser; prints
/// through `emit(scenario, metric, value)`.
void runLineReceiverScenario(long n, long reps,
                             void (*emit)(const char* scenario, const char* metric, double)) {
  const std::string line = std::string(50, 'a') + "\r\n";
  const std::string payload(52, 'a');
  const std::string frame = std::string("\0\0\0\x34", 4) + payload;
  const auto lineChunks = chunked(line, n);
  const auto frameChunks = chunked(frame, n);
  const double lineBytes = double(line.size()) * double(n);
  const double frameBytes = double(frame.size()) * double(n);
  for (long r = 0; r < reps; ++r) {
    struct Row {
      const char* metric;
      const char* mbMetric;
      std::uint64_t ns;
      double bytes;
    };
    const Row rows[] = {
        {"linereceiver", "linereceiver_mb_s",
         feed<NullLine>(lineChunks, n, "LineReceiver line count"), lineBytes},
        {"lineonlyreceiver", "lineonlyreceiver_mb_s",
         feed<NullLineOnly>(lineChunks, n, "LineOnlyReceiver line count"), lineBytes},
        {"int32stringreceiver", "int32stringreceiver_mb_s",
         feed<NullInt32>(frameChunks, n, "Int32StringReceiver count"), frameBytes},
    };
    for (const Row& row : rows) {
      emit("linereceiver", row.metric, double(row.ns) / double(n));
      emit("linereceiver", row.mbMetric, row.bytes / (double(row.ns) / 1e9) / 1e6);
    }
  }
}

}  // namespace twisted_micro

#if defined(TWISTED_MICRO_LINERECEIVER_MAIN)
// Standalone: `micro_linereceiver linereceiver`, same contract as the peers.
namespace {
long envLong(const char* name, long dflt) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : dflt;
}
void emitLine(const char* scenario, const char* metric, double value) {
  std::printf("%s\t%s\t%.1f\n", scenario, metric, value);
  std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SCENARIO\n", argv[0]);
    return 2;
  }
  if (std::string_view(argv[1]) == "linereceiver") {
    twisted_micro::runLineReceiverScenario(envLong("MICRO_N", 1000000), envLong("MICRO_REPS", 5),
                                           emitLine);
  }
  return 0;
}
#endif
