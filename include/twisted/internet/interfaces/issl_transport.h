// ISSLTransport: what a TLS connection tells its protocol about the session.
#pragma once

#include <twisted/export.h>

#include <optional>
#include <string>

#include <twisted/internet/ssl.h>

namespace twisted::internet {

/// The TLS face of a transport: the peer's certificate, the ALPN protocol
/// and the SNI name, once the handshake is done (nullopt before).
/// A protocol reaches it with dynamic_cast<ISSLTransport*>(transport); a
/// connection that went through startTLS provides it too.
/// Mirrors: twisted.internet.interfaces.ISSLTransport (+ the
/// negotiatedProtocol attribute of INegotiated).
class TWISTED_API ISSLTransport {
 public:
  virtual ~ISSLTransport() = default;
  /// The peer's certificate (a server sees one only if it asked for it).
  /// Mirrors ISSLTransport.getPeerCertificate.
  virtual std::optional<ssl::Certificate> getPeerCertificate() const = 0;
  /// The ALPN protocol both sides chose ("h2", "http/1.1"), nullopt if none.
  /// Mirrors INegotiated.negotiatedProtocol.
  virtual std::optional<std::string> negotiatedProtocol() const = 0;
  /// The server name the client asked for (SNI), nullopt if it sent none.
  /// Twisted reads it from the OpenSSL connection (get_servername).
  virtual std::optional<std::string> serverName() const = 0;
  /// "TLSv1.3", "TLSv1.2" (empty before the handshake).
  virtual std::string tlsVersion() const = 0;
  /// True once the handshake completed (IHandshakeListener was told).
  virtual bool handshakeDone() const = 0;
  /// True if the handshake resumed an earlier session (enableSessions).
  virtual bool sessionReused() const = 0;
};

}  // namespace twisted::internet
