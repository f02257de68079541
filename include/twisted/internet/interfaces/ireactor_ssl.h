// IReactorSSL: TLS servers and clients over TCP.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/ssl.h>

namespace twisted::internet {

/// listenTCP/connectTCP with every connection wrapped in TLS (one
/// TLSMemoryBIOProtocol per connection around the factory's protocol).
/// Mirrors: twisted.internet.interfaces.IReactorSSL.
class TWISTED_API IReactorSSL {
 public:
  virtual ~IReactorSSL() = default;
  /// Mirrors IReactorSSL.listenSSL(port, factory, contextFactory, backlog, interface).
  /// @throws error::CannotListenError
  virtual std::shared_ptr<IListeningPort> listenSSL(int port, std::shared_ptr<Factory> factory,
                                                    const ssl::CertificateOptions& contextFactory,
                                                    int backlog = 50,
                                                    std::string_view interface = "") = 0;
  /// The client side: connectionMade when TCP is up, handshakeCompleted
  /// (IHandshakeListener) when the server is verified; a failed handshake
  /// reaches connectionLost and clientConnectionLost as an ssl::TLSError.
  /// Mirrors IReactorSSL.connectSSL(host, port, factory, contextFactory,
  /// timeout, bindAddress).
  virtual std::shared_ptr<IConnector> connectSSL(
      std::string_view host, int port, std::shared_ptr<ClientFactory> factory,
      const ssl::CertificateOptions& contextFactory, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {}) = 0;
};

}  // namespace twisted::internet
