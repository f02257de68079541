// LineOnlyReceiver: lines only, no raw mode, no pausing.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>

namespace twisted::protocols::basic {

/// A protocol that receives only lines: the lean sibling of LineReceiver.
/// O(chunk) per chunk. Between chunks at most MAX_LENGTH + delimiter bytes
/// stay buffered, except after a call that stopped early (a line over
/// MAX_LENGTH, a lost connection): as in Twisted, that chunk's unterminated
/// remainder is kept unchecked until the next chunk, so the bound is then
/// the size of the chunk.
///
/// Mirrors: twisted.protocols.basic.LineOnlyReceiver.
class TWISTED_API LineOnlyReceiver : public internet::Protocol {
 public:
  /// Delivers each complete line. Stops (discarding the complete lines left
  /// in this chunk, as Twisted does) when the transport is disconnecting
  /// before a line, or after lineLengthExceeded(). Mirrors LineOnlyReceiver.dataReceived.
  void dataReceived(std::string_view data) override;
  /// One line, without the delimiter. The default throws std::logic_error.
  /// Mirrors LineOnlyReceiver.lineReceived.
  virtual void lineReceived(std::string_view line);
  /// A line longer than MAX_LENGTH, or an unterminated remainder longer than
  /// MAX_LENGTH. The default loses the connection. Unlike Twisted, an
  /// oversized remainder is dropped after this call, so memory stays bounded
  /// even if the override keeps the connection. Mirrors LineOnlyReceiver.lineLengthExceeded.
  virtual void lineLengthExceeded(std::string_view line);
  /// Writes line and delimiter with one writeSequence(). Mirrors LineOnlyReceiver.sendLine.
  void sendLine(std::string_view line);

  /// Mirrors LineOnlyReceiver.delimiter.
  std::string delimiter = "\r\n";
  /// Mirrors LineOnlyReceiver.MAX_LENGTH.
  std::size_t MAX_LENGTH = 16384;

 private:
  detail::ReceiveBuffer buffer_;
  std::size_t scanned_ = 0;

  // A line over MAX_LENGTH, or any line once disconnecting: drops the
  // complete lines, keeps the rest.
  void refuseLines(std::size_t length, bool closing);
};

}  // namespace twisted::protocols::basic
