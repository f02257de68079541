// The producer a consumer (a transport) has registered, and the flow control
// every transport applies to it: Twisted's abstract.FileDescriptor keeps this
// in registerProducer/unregisterProducer, _maybePauseProducer and doWrite.
// One copy, shared by the TCP transport and the in-memory test transports, so
// each new transport gets the same rules. Internal: not part of the API.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <stdexcept>
#include <utility>

#include <twisted/internet/interfaces/iproducer.h>

namespace twisted::internet::detail {

class TWISTED_API ProducerRegistration {
 public:
  /// Validates and records `producer` (not owned). `self` is the consumer's
  /// own push-producer face, so a transport registering itself (Twisted's
  /// idiom for "stop reading while the peer does not read") needs no
  /// cross-cast. A pull producer is asked for its first chunk at once; a
  /// streaming one registered over a full buffer is paused at once. If the
  /// consumer is already disconnected, the producer is stopped instead and
  /// nothing is recorded.
  /// @throws std::runtime_error if a producer is registered already;
  ///         std::invalid_argument if `streaming` but not an IPushProducer.
  void add(IProducer* producer, bool streaming, bool disconnected, std::size_t buffered,
           std::size_t highWater, IPushProducer* self = nullptr) {
    if (this->producer())
      throw std::runtime_error(
          "Cannot register producer, because a producer was never unregistered.");
    IPushProducer* push = nullptr;
    if (streaming) {
      push = self && producer == static_cast<IProducer*>(self)
                 ? self
                 : dynamic_cast<IPushProducer*>(producer);
      if (!push)
        throw std::invalid_argument(
            "registerProducer: a streaming producer must be an IPushProducer");
    }
    if (disconnected) {
      producer->stopProducing();
      return;
    }
    if (streaming)
      push_ = push;
    else
      pull_ = producer;
    streaming_ = streaming;
    paused_ = false;
    if (!streaming)
      producer->resumeProducing();
    else
      bufferGrew(buffered, highWater);
  }

  /// Forgets the producer. Mirrors the state change of unregisterProducer.
  void remove() noexcept {
    pull_ = nullptr;
    streaming_ = false;
    paused_ = false;
  }

  /// After bytes were buffered: pauses a streaming producer once more than
  /// `highWater` bytes wait. Mirrors FileDescriptor._maybePauseProducer.
  void bufferGrew(std::size_t buffered, std::size_t highWater) {
    if (streaming_ && !paused_ && buffered > highWater) {
      paused_ = true;
      push_->pauseProducing();
    }
  }

  /// The buffer is empty: a pull producer is asked for more, a streaming one
  /// paused for a full buffer resumes. Mirrors FileDescriptor.doWrite's
  /// producer handling once the buffer is flushed.
  void bufferDrained() {
    if (IProducer* p = producer(); p && (!streaming_ || paused_)) {
      paused_ = false;
      p->resumeProducing();
    }
  }

  /// The connection ended: returns the producer to stop (or null) and forgets
  /// it, so it is stopped once. The caller calls stopProducing(), which may
  /// throw or re-enter.
  IProducer* release() noexcept {
    IProducer* p = producer();
    remove();
    return p;
  }

  IProducer* producer() const noexcept {
    return streaming_ ? static_cast<IProducer*>(push_) : pull_;
  }
  bool streaming() const noexcept { return streaming_; }
  /// True while a streaming producer is paused for a full buffer.
  bool paused() const noexcept { return paused_; }

 private:
  // One pointer (a transport holds one of these per connection): the push
  // producer when streaming, else the pull producer.
  union {
    IProducer* pull_ = nullptr;
    IPushProducer* push_;
  };
  bool streaming_ = false;
  bool paused_ = false;
};

}  // namespace twisted::internet::detail
