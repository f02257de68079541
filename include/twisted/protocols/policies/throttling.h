// ThrottlingFactory: caps the number of connections and the read and write
// bandwidth of all of them together. Mirrors
// twisted.protocols.policies.ThrottlingFactory / ThrottlingProtocol.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/protocols/policies/wrapping_factory.h>

namespace twisted::protocols::policies {

class ThrottlingFactory;

/// The wrapper ThrottlingFactory makes: counts the bytes read and written
/// and pauses reading (the transport) or writing (the registered producer).
/// Mirrors: twisted.protocols.policies.ThrottlingProtocol.
class TWISTED_API ThrottlingProtocol : public ProtocolWrapper {
 public:
  /// Wraps `wrapped` for `factory`, which counts its bytes (not owned).
  ThrottlingProtocol(ThrottlingFactory* factory, std::unique_ptr<internet::Protocol> wrapped);

  /// Counts the bytes, then writes. Mirrors ThrottlingProtocol.write.
  void write(std::string_view data) override;
  /// Counts the bytes, then writes. Mirrors ThrottlingProtocol.writeSequence.
  void writeSequence(std::span<const std::string_view> data) override;
  /// Counts the bytes, then delivers. Mirrors ThrottlingProtocol.dataReceived.
  void dataReceived(std::string_view data) override;
  /// Remembers the producer (write throttling pauses it).
  /// Mirrors ThrottlingProtocol.registerProducer.
  void registerProducer(internet::IProducer* producer, bool streaming) override;
  /// Mirrors ThrottlingProtocol.unregisterProducer.
  void unregisterProducer() override;

  /// transport->pauseProducing(). Mirrors ThrottlingProtocol.throttleReads.
  void throttleReads();
  /// transport->resumeProducing(). Mirrors ThrottlingProtocol.unthrottleReads.
  void unthrottleReads();
  /// Pauses the registered push producer, if any (write throttling works
  /// only with one). Mirrors ThrottlingProtocol.throttleWrites.
  void throttleWrites();
  /// Resumes the registered push producer, if any. Mirrors ThrottlingProtocol.unthrottleWrites.
  void unthrottleWrites();

  /// The registered producer (not owned), or null. Mirrors ThrottlingProtocol.producer.
  internet::IProducer* producer = nullptr;

 private:
  ThrottlingFactory* throttling_;
};

/// A WrappingFactory that refuses connections beyond maxConnectionCount and
/// throttles bandwidth: every second it compares the bytes read (written)
/// in the last second with readLimit (writeLimit) and, when over, pauses
/// reading (the producers) of every connection for (bytes / limit) - 1
/// seconds. The checks run while there is at least one connection.
///
/// Mirrors: twisted.protocols.policies.ThrottlingFactory. Differences: the
/// clock is injectable (`clock`; Twisted overrides callLater in tests); a
/// connection the wrapped factory refuses does not count.
class TWISTED_API ThrottlingFactory : public WrappingFactory {
 public:
  /// Limits are bytes per second; none means unlimited.
  /// Mirrors ThrottlingFactory(wrappedFactory, maxConnectionCount, readLimit, writeLimit).
  explicit ThrottlingFactory(
      std::shared_ptr<internet::Factory> wrappedFactory,
      std::int64_t maxConnectionCount = std::numeric_limits<std::int64_t>::max(),
      std::optional<double> readLimit = std::nullopt,
      std::optional<double> writeLimit = std::nullopt);
  /// Cancels the pending checks (they refer to this factory).
  ~ThrottlingFactory() override;

  /// Starts the bandwidth checks with the first connection, then builds a
  /// ThrottlingProtocol unless maxConnectionCount is reached (logged,
  /// null). Mirrors ThrottlingFactory.buildProtocol.
  std::unique_ptr<internet::Protocol> buildProtocol(const internet::Address& addr) override;
  /// Mirrors ThrottlingFactory.protocol (ThrottlingProtocol).
  std::unique_ptr<ProtocolWrapper> wrapProtocol(
      std::unique_ptr<internet::Protocol> wrapped) override;
  /// One connection fewer; the last one cancels the checks.
  /// Mirrors ThrottlingFactory.unregisterProtocol.
  void unregisterProtocol(ProtocolWrapper& p) override;

  /// Mirrors ThrottlingFactory.registerWritten.
  void registerWritten(std::size_t length) { writtenThisSecond += length; }
  /// Mirrors ThrottlingFactory.registerRead.
  void registerRead(std::size_t length) { readThisSecond += length; }
  /// Throttles reads if over readLimit, then schedules itself in 1 s.
  /// Mirrors ThrottlingFactory.checkReadBandwidth.
  void checkReadBandwidth();
  /// Throttles writes if over writeLimit, then schedules itself in 1 s.
  /// Mirrors ThrottlingFactory.checkWriteBandwidth.
  void checkWriteBandwidth();
  /// Mirrors ThrottlingFactory.throttleReads (every connection).
  void throttleReads();
  /// Mirrors ThrottlingFactory.unthrottleReads.
  void unthrottleReads();
  /// Mirrors ThrottlingFactory.throttleWrites.
  void throttleWrites();
  /// Mirrors ThrottlingFactory.unthrottleWrites.
  void unthrottleWrites();

  /// Current connections. Mirrors ThrottlingFactory.connectionCount.
  std::int64_t connectionCount = 0;
  /// Mirrors ThrottlingFactory.maxConnectionCount.
  std::int64_t maxConnectionCount;
  /// Bytes per second, or none. Mirrors ThrottlingFactory.readLimit / writeLimit.
  std::optional<double> readLimit;
  /// Bytes written per second, or none.
  std::optional<double> writeLimit;
  /// Bytes in the current one-second window. Mirrors readThisSecond / writtenThisSecond.
  std::uint64_t readThisSecond = 0;
  /// Bytes written in the current one-second window.
  std::uint64_t writtenThisSecond = 0;
  /// Where the checks are scheduled (not owned); null means the global
  /// reactor(). Mirrors overriding ThrottlingFactory.callLater.
  internet::IReactorTime* clock = nullptr;
  /// @{
  /// The pending calls. Mirrors unthrottleReadsID, checkReadBandwidthID, ...
  internet::DelayedCall unthrottleReadsID, checkReadBandwidthID, unthrottleWritesID,
      checkWriteBandwidthID;
  /// @}

 private:
  internet::IReactorTime& time();
  static void cancel(internet::DelayedCall& call);
};

}  // namespace twisted::protocols::policies
