// IStreamServerEndpoint: where a stream server listens, as one object.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// A place a stream server can listen: TCP, Unix, TLS, standard I/O, an
/// inherited socket ... (twisted::internet::endpoints). Code written against
/// it serves on any of them; serverFromString makes one from a string.
///
/// Mirrors: twisted.internet.interfaces.IStreamServerEndpoint.
class TWISTED_API IStreamServerEndpoint {
 public:
  virtual ~IStreamServerEndpoint() = default;
  /// Listens with `factory`. The Deferred fires with the listening port
  /// (stopListening() stops it), or errbacks with why it cannot listen
  /// (error::CannotListenError, ssl::CertificateError ...); it never throws.
  /// Mirrors IStreamServerEndpoint.listen(protocolFactory).
  virtual defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) = 0;
};

}  // namespace twisted::internet
