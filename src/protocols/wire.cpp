// twisted.protocols.wire. Test: tests/protocols/test_wire.cpp
#include <twisted/protocols/wire.h>

#include <array>

#include <twisted/internet/reactor.h>

namespace twisted::protocols::wire {

namespace {
std::time_t systemNow() {
  return std::time(nullptr);
}

// About 16 KiB of whole noise lines: one write per burst.
const std::string& noiseBlock() {
  static const std::string block = [] {
    std::string s;
    for (int i = 0; i < 231; ++i)
      s.append(Chargen::noise);
    return s;
  }();
  return block;
}
// Up to ~256 KiB per turn: the transport pauses us long before that when
// the kernel does not take it all (its high-water mark is 64 KiB).
constexpr int kBlocksPerTurn = 16;
}  // namespace

void Echo::dataReceived(std::string_view data) {
  transport->write(data);
}

void Discard::dataReceived(std::string_view) {}

// --- Chargen ------------------------------------------------------------------

Chargen::~Chargen() {
  if (next_.active()) next_.cancel();
}

void Chargen::connectionMade() {
  transport->registerProducer(this, true);
  if (!stopped_) produce();
}

void Chargen::connectionLost(const python::Failure&) {
  stopProducing();
}

void Chargen::produce() {
  if (producing_) return;
  producing_ = true;
  for (int i = 0; i < kBlocksPerTurn && !paused_ && !stopped_; ++i) {
    // The transport may pause (or stop) us from inside write().
    written_ += noiseBlock().size();
    transport->write(noiseBlock());
  }
  producing_ = false;
  schedule();
}

void Chargen::schedule() {
  if (paused_ || stopped_ || next_.active()) return;
  internet::IReactorTime& clock =
      clock_ ? *clock_ : static_cast<internet::IReactorTime&>(internet::reactor());
  next_ = clock.callLater(Chargen::kTurnDelay, [this] { produce(); });
}

void Chargen::resumeProducing() {
  if (stopped_) return;
  paused_ = false;
  // Usually the transport, whose buffer just drained: write at once.
  produce();
}

void Chargen::pauseProducing() {
  paused_ = true;
  if (next_.active()) next_.cancel();
}

void Chargen::stopProducing() {
  stopped_ = true;
  if (next_.active()) next_.cancel();
}

// --- one-shot services ------------------------------------------------------------

void QOTD::connectionMade() {
  transport->write(getQuote());
  transport->loseConnection();
}

std::string QOTD::getQuote() {
  return "An apple a day keeps the doctor away.\r\n";
}

void Who::connectionMade() {
  transport->write(getUsers());
  transport->loseConnection();
}

std::string Who::getUsers() {
  return "root\r\n";
}

void Daytime::connectionMade() {
  std::time_t t = now_ ? now_() : systemNow();
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  // asctime's layout: the day of the month is space-padded ("Jun  2").
  std::size_t n = std::strftime(buf.data(), buf.size(), "%a %b %e %H:%M:%S %Y\r\n", &tm);
  transport->write(std::string_view(buf.data(), n));
  transport->loseConnection();
}

void Time::connectionMade() {
  std::time_t t = now_ ? now_() : systemNow();
  // Modulo 2**32: the RFC 868 counter wraps in 2036.
  auto v = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t) + kEpochOffset);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  transport->write(std::string_view(bytes, 4));
  transport->loseConnection();
}

}  // namespace twisted::protocols::wire
