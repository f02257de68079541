// Flow control between producers of data and the consumers they write to
// (a transport is both: it consumes what protocols write and produces what
// it reads).
#pragma once

#include <twisted/export.h>

#include <string_view>

namespace twisted::internet {

/// Something that writes data to a consumer and can be told to stop for good.
/// Mirrors: twisted.internet.interfaces.IProducer (plus resumeProducing,
/// which both kinds of producer have).
class TWISTED_API IProducer {
 public:
  virtual ~IProducer() = default;
  /// Stop producing for good (the consumer is going away).
  /// Mirrors IProducer.stopProducing.
  virtual void stopProducing() = 0;
  /// Push producer: go on writing; pull producer: write one chunk now.
  /// Mirrors IPushProducer.resumeProducing / IPullProducer.resumeProducing.
  virtual void resumeProducing() = 0;
};

/// A producer that writes on its own until paused (streaming).
/// Mirrors: twisted.internet.interfaces.IPushProducer.
class TWISTED_API IPushProducer : public IProducer {
 public:
  /// Stop writing until resumeProducing(). Mirrors IPushProducer.pauseProducing.
  virtual void pauseProducing() = 0;
};

/// A producer that writes one chunk each time it is asked (non-streaming).
/// Mirrors: twisted.internet.interfaces.IPullProducer.
class IPullProducer : public IProducer {};

/// Where a producer writes. A consumer with a registered push producer pauses
/// it when its buffer passes a high-water mark and resumes it once the buffer
/// drains; a pull producer is asked for the next chunk each time the buffer
/// drains. Mirrors: twisted.internet.interfaces.IConsumer.
class TWISTED_API IConsumer {
 public:
  virtual ~IConsumer() = default;
  /// Registers `producer` (not owned: it must unregister, or outlive the
  /// consumer). `streaming` = push producer (it must be an IPushProducer).
  /// Mirrors IConsumer.registerProducer.
  /// @throws std::runtime_error if a producer is already registered;
  ///         std::invalid_argument if `streaming` and not an IPushProducer.
  virtual void registerProducer(IProducer* producer, bool streaming) = 0;
  /// Mirrors IConsumer.unregisterProducer.
  virtual void unregisterProducer() = 0;
  /// Takes `data` (a transport sends it). Mirrors IConsumer.write.
  virtual void write(std::string_view data) = 0;
};

}  // namespace twisted::internet
