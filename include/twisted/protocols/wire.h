// The small standard services inetd used to provide: echo, discard,
// chargen, quote of the day, who, daytime and time. Mirrors
// twisted.protocols.wire.
//
//     reactor().listenTCP(8007, Factory::forProtocol<protocols::wire::Echo>());
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/protocol.h>

namespace twisted::protocols::wire {

/// Writes back every byte it receives (RFC 862).
/// Mirrors: twisted.protocols.wire.Echo.
class TWISTED_API Echo : public internet::Protocol {
 public:
  /// Mirrors Echo.dataReceived.
  void dataReceived(std::string_view data) override;
};

/// Ignores what it receives (RFC 863). Mirrors: twisted.protocols.wire.Discard.
class TWISTED_API Discard : public internet::Protocol {
 public:
  /// Mirrors Discard.dataReceived.
  void dataReceived(std::string_view data) override;
};

/// Streams the 71-character noise line, repeated, until the connection ends
/// (RFC 864).
///
/// Mirrors: twisted.protocols.wire.Chargen. Twisted registers a pull
/// producer writing one 71-byte line per resumeProducing(); this one
/// registers itself as a push (streaming) producer that writes whole noise
/// lines (so the pattern is unbroken), 16 KiB at a time, until the
/// transport pauses it (its buffer passed the high-water mark: the server's
/// memory stays bounded when the client reads slowly) or 256 KiB were
/// written in this turn; it goes on kTurnDelay seconds later (on `clock`),
/// or when the transport resumes it after draining, and stops for good on
/// stopProducing() or connectionLost(). (The turn delay is not 0 so that a
/// task::Clock test, which runs calls scheduled during advance() in the
/// same advance(), is not an endless loop; it caps an unpaused stream at
/// about 256 MB/s.)
class TWISTED_API Chargen : public internet::Protocol, public internet::IPushProducer {
 public:
  /// The noise line. Mirrors Chargen.noise.
  static constexpr std::string_view noise =
      "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~ !\"#$%&?";

  /// `clock` schedules the next burst (not owned); null means the global reactor().
  explicit Chargen(internet::IReactorTime* clock = nullptr) : clock_(clock) {}
  /// Seconds between two turns when the transport did not pause it.
  static constexpr double kTurnDelay = 0.001;
  ~Chargen() override;

  /// Registers itself as a streaming producer and starts writing.
  /// Mirrors Chargen.connectionMade.
  void connectionMade() override;
  /// Stops producing. Mirrors Protocol.connectionLost.
  void connectionLost(const python::Failure& reason) override;

  /// Starts writing again. Mirrors Chargen.resumeProducing.
  void resumeProducing() override;
  /// Stops writing until resumeProducing(). Mirrors Chargen.pauseProducing.
  void pauseProducing() override;
  /// Stops writing for good. Mirrors Chargen.stopProducing.
  void stopProducing() override;

  /// Bytes written so far (not in Twisted: for tests and statistics).
  std::uint64_t bytesWritten() const noexcept { return written_; }
  /// True while paused by the consumer.
  bool paused() const noexcept { return paused_; }

 private:
  void produce();
  void schedule();

  internet::IReactorTime* clock_;
  internet::DelayedCall next_;
  std::uint64_t written_ = 0;
  bool paused_ = false;
  bool stopped_ = false;
  bool producing_ = false;  // inside produce(): no re-entrant bursts
};

/// Writes a quote, then closes (RFC 865). Mirrors: twisted.protocols.wire.QOTD.
class TWISTED_API QOTD : public internet::Protocol {
 public:
  /// Mirrors QOTD.connectionMade.
  void connectionMade() override;
  /// The quote; override it. Mirrors QOTD.getQuote.
  virtual std::string getQuote();
};

/// Writes the list of active users, then closes (RFC 866).
/// Mirrors: twisted.protocols.wire.Who.
class TWISTED_API Who : public internet::Protocol {
 public:
  /// Mirrors Who.connectionMade.
  void connectionMade() override;
  /// The users, "root\r\n" by default; override it. Mirrors Who.getUsers.
  virtual std::string getUsers();
};

/// The current Unix time; Daytime and Time take one to be testable.
using WallClock = std::function<std::time_t()>;

/// Writes the UTC time in asctime form, "Sun Jun  2 23:21:05 1993\r\n",
/// then closes (RFC 867). Mirrors: twisted.protocols.wire.Daytime (which is
/// broken on Python 3: str + bytes; this writes what it meant to).
class TWISTED_API Daytime : public internet::Protocol {
 public:
  /// `now` defaults to std::time.
  explicit Daytime(WallClock now = {}) : now_(std::move(now)) {}
  /// Mirrors Daytime.connectionMade.
  void connectionMade() override;

 private:
  WallClock now_;
};

/// Writes the time as 4 bytes, then closes (RFC 868): seconds since
/// 1900-01-01T00:00Z, unsigned 32-bit, network byte order.
/// Mirrors: twisted.protocols.wire.Time, which sends Unix-epoch seconds
/// ("!i"), contrary to the RFC; this follows the RFC, so rdate and other
/// RFC 868 clients read the right time.
class TWISTED_API Time : public internet::Protocol {
 public:
  /// Seconds from 1900-01-01 to 1970-01-01 (RFC 868).
  static constexpr std::uint32_t kEpochOffset = 2208988800u;
  /// `now` defaults to std::time.
  explicit Time(WallClock now = {}) : now_(std::move(now)) {}
  /// Mirrors Time.connectionMade.
  void connectionMade() override;

 private:
  WallClock now_;
};

}  // namespace twisted::protocols::wire
