// IHandshakeListener: a protocol told when its TLS handshake is done.
#pragma once

#include <twisted/export.h>

namespace twisted::internet {

/// Implement it beside Protocol to hear that the TLS handshake completed
/// (the peer is verified; negotiatedProtocol() and getPeerCertificate()
/// answer from now on). connectionMade comes earlier, when the underlying
/// connection is up, as in Twisted; a failed handshake ends in
/// connectionLost with an ssl::TLSError instead.
/// Mirrors: twisted.internet.interfaces.IHandshakeListener.
class TWISTED_API IHandshakeListener {
 public:
  virtual ~IHandshakeListener() = default;
  /// Mirrors IHandshakeListener.handshakeCompleted.
  virtual void handshakeCompleted() = 0;
};

}  // namespace twisted::internet
