// NetstringReceiver: djb's netstrings, `<length>:<payload>,`.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include <twisted/internet/protocol.h>
#include <twisted/protocols/basic/detail/receive_buffer.h>
#include <twisted/protocols/basic/errors.h>

namespace twisted::protocols::basic {

/// Receives netstrings (`5:hello,`; see http://cr.yp.to/proto/netstrings.txt).
/// The length is `0` or digits without a leading zero; a length with more
/// digits than MAX_LENGTH can have (plus one), or above MAX_LENGTH, is
/// refused as soon as it is seen. On any malformed input the connection is
/// lost, `brokenPeer` is set, `parseError` says why, and nothing more is
/// ever delivered. A chunk costs O(chunk); at most MAX_LENGTH plus a few
/// bytes are buffered.
///
/// Mirrors: twisted.protocols.basic.NetstringReceiver.
class TWISTED_API NetstringReceiver : public internet::Protocol {
 public:
  /// Delivers each complete netstring's payload.
  /// Mirrors NetstringReceiver.dataReceived.
  void dataReceived(std::string_view data) override;
  /// One payload (valid during the call). The default throws std::logic_error.
  /// Mirrors NetstringReceiver.stringReceived.
  virtual void stringReceived(std::string_view string);
  /// Writes `<size>:<string>,` in one write(). Mirrors NetstringReceiver.sendString.
  void sendString(std::string_view string);

  /// Mirrors NetstringReceiver.MAX_LENGTH.
  std::size_t MAX_LENGTH = 99999;
  /// Set once the peer sent a malformed netstring. Mirrors NetstringReceiver.brokenPeer.
  bool brokenPeer = false;
  /// Why the peer is broken (Twisted raises NetstringParseError internally and
  /// only sets brokenPeer; here the error is kept for tests and logs).
  std::optional<NetstringParseError> parseError;

 private:
  void handleParseError(const char* message);

  detail::ReceiveBuffer buffer_;
  std::size_t expected_ = 0;  // payload size + 1 for the comma, when parsingPayload_
  bool parsingPayload_ = false;
};

}  // namespace twisted::protocols::basic
