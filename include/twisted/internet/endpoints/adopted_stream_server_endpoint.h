// A listening socket handed over by someone else (systemd, a parent
// process) as a server endpoint. Mirrors
// twisted.internet.endpoints.AdoptedStreamServerEndpoint.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/internet/interfaces/ireactor_socket.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>

namespace twisted::internet::endpoints {

/// Listens on the listening SOCK_STREAM socket `fileno` of `addressFamily`
/// (AF_INET, AF_INET6, AF_UNIX) with IReactorSocket::adoptStreamPort. As
/// in Twisted, the endpoint listens once: the reactor works on a duplicate
/// and `fileno` itself is closed after it was adopted; listening again
/// errbacks with error::AlreadyListened.
/// Mirrors: twisted.internet.endpoints.AdoptedStreamServerEndpoint(reactor,
/// fileno, addressFamily).
class TWISTED_API AdoptedStreamServerEndpoint final : public IStreamServerEndpoint {
 public:
  /// Mirrors AdoptedStreamServerEndpoint(reactor, fileno, addressFamily).
  AdoptedStreamServerEndpoint(IReactorSocket& reactor, int fileno, int addressFamily);
  /// Mirrors AdoptedStreamServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

  /// The descriptor it adopts. Mirrors AdoptedStreamServerEndpoint.fileno.
  int fileno() const noexcept { return fileno_; }
  /// Mirrors AdoptedStreamServerEndpoint.addressFamily.
  int addressFamily() const noexcept { return addressFamily_; }

 private:
  IReactorSocket& reactor_;
  int fileno_;
  int addressFamily_;
  bool used_ = false;
};

}  // namespace twisted::internet::endpoints
