// Length-prefixed strings: IntNStringReceiver and its 8/16/32-bit variants.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>

namespace twisted::protocols::basic {

/// Receives strings each preceded by its length as a big-endian unsigned
/// integer of prefixLength() bytes. Pausable like LineReceiver. A chunk costs
/// O(chunk); at most MAX_LENGTH + prefixLength() bytes are buffered.
///
/// Differences from Twisted: no legacy `recvd` attribute. After a prefix over
/// MAX_LENGTH only that prefix is kept (later data is dropped), so a peer
/// that keeps sending costs no memory; as in Twisted, every later
/// dataReceived() calls lengthLimitExceeded() again and nothing more is
/// delivered.
///
/// Mirrors: twisted.protocols.basic.IntNStringReceiver.
class TWISTED_API IntNStringReceiver : public internet::Protocol, public internet::IPushProducer {
 public:
  /// `prefixLength`: 1, 2 or 4 (Twisted's prefixLength / structFormat).
  /// @throws std::invalid_argument for another size.
  explicit IntNStringReceiver(std::size_t prefixLength);

  /// Delivers each complete string; stops when paused and right after
  /// lengthLimitExceeded(). Mirrors IntNStringReceiver.dataReceived.
  void dataReceived(std::string_view data) override;
  /// One complete string (the view is valid during the call). The default
  /// throws std::logic_error. Mirrors IntNStringReceiver.stringReceived.
  virtual void stringReceived(std::string_view string);
  /// A prefix announced `length` > MAX_LENGTH (called before the payload
  /// arrives; the payload is never delivered). The default loses the
  /// connection. Mirrors IntNStringReceiver.lengthLimitExceeded.
  virtual void lengthLimitExceeded(std::size_t length);
  /// Writes the prefix and `string` in one write().
  /// Mirrors IntNStringReceiver.sendString.
  /// @throws StringTooLongError if string.size() >= 2^(8 * prefixLength()).
  void sendString(std::string_view string);

  /// Mirrors _PauseableMixin.pauseProducing (no strings delivered while paused).
  void pauseProducing() override;
  /// Mirrors _PauseableMixin.resumeProducing (delivers what was buffered).
  void resumeProducing() override;
  /// Mirrors _PauseableMixin.stopProducing.
  void stopProducing() override;

  /// The prefix size in bytes. Mirrors IntNStringReceiver.prefixLength.
  std::size_t prefixLength() const noexcept { return prefixLength_; }

  /// The longest string accepted. Mirrors IntNStringReceiver.MAX_LENGTH.
  std::size_t MAX_LENGTH = 99999;
  /// Mirrors _PauseableMixin.paused.
  bool paused = false;

 private:
  detail::ReceiveBuffer buffer_;
  std::size_t prefixLength_;
};

/// 32-bit prefix ("!I"). Mirrors: twisted.protocols.basic.Int32StringReceiver.
class TWISTED_API Int32StringReceiver : public IntNStringReceiver {
 public:
  Int32StringReceiver() : IntNStringReceiver(4) {}
};

/// 16-bit prefix ("!H"). Mirrors: twisted.protocols.basic.Int16StringReceiver.
class TWISTED_API Int16StringReceiver : public IntNStringReceiver {
 public:
  Int16StringReceiver() : IntNStringReceiver(2) {}
};

/// 8-bit prefix ("!B"). Mirrors: twisted.protocols.basic.Int8StringReceiver.
class TWISTED_API Int8StringReceiver : public IntNStringReceiver {
 public:
  Int8StringReceiver() : IntNStringReceiver(1) {}
};

}  // namespace twisted::protocols::basic
