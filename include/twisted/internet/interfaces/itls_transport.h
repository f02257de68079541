// ITLSTransport: switching a live connection to TLS (STARTTLS).
#pragma once

#include <twisted/export.h>

#include <twisted/internet/interfaces/itransport.h>
#include <twisted/internet/ssl.h>

namespace twisted::internet {

/// A plaintext stream connection (TCP or Unix) that can start TLS in place:
/// what was written before startTLS goes out in plaintext, what is written
/// after it is encrypted; the protocol keeps its transport pointer, which
/// provides ISSLTransport from then on. Reach it with
/// dynamic_cast<ITLSTransport*>(transport).
/// Mirrors: twisted.internet.interfaces.ITLSTransport (which, as here,
/// extends ITCPTransport).
class TWISTED_API ITLSTransport : public ITCPTransport {
 public:
  /// Starts the handshake with `options`: as the client on a connection we
  /// made, the server on one we accepted; `normal` = false swaps the roles.
  /// Mirrors ITLSTransport.startTLS(contextFactory, normal).
  /// @throws std::logic_error if TLS was already started or the connection
  ///         is closing.
  virtual void startTLS(const ssl::CertificateOptions& options, bool normal = true) = 0;
};

}  // namespace twisted::internet
