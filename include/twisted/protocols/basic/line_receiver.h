// LineReceiver: a protocol that receives lines and/or raw data.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces/iproducer.h>
#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>

namespace twisted::protocols::basic {

/// Splits the incoming stream into lines ending with `delimiter` and calls
/// lineReceived() for each; in raw mode, hands the bytes to rawDataReceived()
/// as they come. Switch modes with setRawMode()/setLineMode() at any time,
/// from any callback, without losing or reordering bytes:
///
///     class Chat : public basic::LineReceiver {
///       void lineReceived(std::string_view line) override { sendLine(line); }
///     };
///
/// Parsing a chunk costs O(chunk), whatever the number of lines in it, and a
/// peer that never sends a delimiter costs at most MAX_LENGTH + delimiter
/// bytes before lineLengthExceeded() is called.
///
/// Differences from Twisted: lineReceived/rawDataReceived return nothing, so
/// Twisted's "a true return value stops processing" is not available; stop
/// with pauseProducing() or by closing the connection instead. The views
/// given to callbacks are valid during the call only.
///
/// Mirrors: twisted.protocols.basic.LineReceiver.
class TWISTED_API LineReceiver : public internet::Protocol, public internet::IPushProducer {
 public:
  /// Parses `data` into lines (or raw data). Processing stops when paused,
  /// after a line if the transport is disconnecting, and at once after
  /// lineLengthExceeded(). Called from inside one of the callbacks, it only
  /// queues `data` behind the buffered bytes. Mirrors LineReceiver.dataReceived.
  void dataReceived(std::string_view data) override;

  /// One complete line, without the delimiter. The default throws
  /// std::logic_error (Twisted: NotImplementedError). Mirrors LineReceiver.lineReceived.
  virtual void lineReceived(std::string_view line);
  /// Bytes received in raw mode. The default throws std::logic_error.
  /// Mirrors LineReceiver.rawDataReceived.
  virtual void rawDataReceived(std::string_view data);
  /// A line longer than MAX_LENGTH: `line` is that line, the delimiter and
  /// everything buffered after it (or the whole unterminated buffer once it
  /// reaches MAX_LENGTH + delimiter.size()); the buffer is cleared first.
  /// The default loses the connection. Mirrors LineReceiver.lineLengthExceeded.
  virtual void lineLengthExceeded(std::string_view line);

  /// Writes `line` + delimiter in one write(). Mirrors LineReceiver.sendLine.
  void sendLine(std::string_view line);
  /// Further data goes to rawDataReceived(); from inside lineReceived(), the
  /// rest of the current chunk too. Mirrors LineReceiver.setRawMode.
  void setRawMode() noexcept { lineMode_ = false; }
  /// Further data is split into lines; `extra` is parsed first (pass the
  /// unused tail of rawDataReceived's data here). Mirrors LineReceiver.setLineMode.
  void setLineMode(std::string_view extra = {});
  /// True in line mode (the default). Mirrors LineReceiver.line_mode.
  bool lineMode() const noexcept { return lineMode_; }
  /// Removes and returns the buffered, unparsed bytes. Mirrors LineReceiver.clearLineBuffer.
  std::string clearLineBuffer();

  /// Stops delivering lines and pauses the transport.
  /// Mirrors LineReceiver.pauseProducing (_PauseableMixin).
  void pauseProducing() override;
  /// Resumes the transport and delivers the lines buffered meanwhile.
  /// Mirrors LineReceiver.resumeProducing (_PauseableMixin).
  void resumeProducing() override;
  /// Stops delivering lines and stops the transport.
  /// Mirrors LineReceiver.stopProducing (_PauseableMixin).
  void stopProducing() override;

  /// The line terminator, matched literally. Mirrors LineReceiver.delimiter.
  std::string delimiter = "\r\n";
  /// The longest line accepted. Mirrors LineReceiver.MAX_LENGTH.
  std::size_t MAX_LENGTH = 16384;
  /// True while paused or stopped. Mirrors LineReceiver.paused.
  bool paused = false;

 private:
  detail::ReceiveBuffer buffer_;
  // How many unparsed bytes are known to hold no delimiter start, so a line
  // that arrives a byte at a time is scanned once, not once per byte.
  std::size_t scanned_ = 0;
  bool lineMode_ = true;

  // A line over MAX_LENGTH: hands it and the rest to lineLengthExceeded.
  void refuseLongLine();
};

}  // namespace twisted::protocols::basic
