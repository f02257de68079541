// IStreamClientEndpoint: where a stream client connects, as one object.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// A place a stream client can connect to: TCP, a host name (happy
/// eyeballs), Unix, TLS ... (twisted::internet::endpoints). clientFromString
/// makes one from a string.
///
/// Mirrors: twisted.internet.interfaces.IStreamClientEndpoint.
class TWISTED_API IStreamClientEndpoint {
 public:
  virtual ~IStreamClientEndpoint() = default;
  /// Connects, building one protocol with `factory` (any Factory: a
  /// ClientFactory's client callbacks are not called). The Deferred fires
  /// with that protocol once its connectionMade has run; the pointer is
  /// valid until its connectionLost returns (the connection owns it). It
  /// errbacks with the connect error (ConnectionRefusedError,
  /// DNSLookupError, TimeoutError ...), with error::NoProtocol if
  /// buildProtocol returned null, and with error::ConnectingCancelledError
  /// if cancel() stopped the attempt. It never throws.
  /// Mirrors IStreamClientEndpoint.connect(protocolFactory).
  virtual defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) = 0;
};

}  // namespace twisted::internet
