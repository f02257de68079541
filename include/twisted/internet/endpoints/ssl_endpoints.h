// TLS server and client endpoints, and TLS over any client endpoint.
// Mirrors the SSL classes and wrapClientTLS of twisted.internet.endpoints.
// Guide: docs/endpoints.md, docs/tls.md.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <twisted/internet/interfaces/ireactor_ssl.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>
#include <twisted/internet/ssl.h>

namespace twisted::internet::endpoints {

/// Listens with IReactorSSL::listenSSL.
/// Mirrors: twisted.internet.endpoints.SSL4ServerEndpoint(reactor, port,
/// sslContextFactory, backlog, interface).
class TWISTED_API SSL4ServerEndpoint final : public IStreamServerEndpoint {
 public:
  /// Mirrors SSL4ServerEndpoint(reactor, port, sslContextFactory, backlog=50, interface='').
  SSL4ServerEndpoint(IReactorSSL& reactor, int port, ssl::CertificateOptions sslContextFactory,
                     int backlog = 50, std::string interface = "");
  /// Mirrors SSL4ServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  IReactorSSL& reactor_;
  int port_;
  ssl::CertificateOptions options_;
  int backlog_;
  std::string interface_;
};

/// Connects with IReactorSSL::connectSSL. The Deferred fires when TCP is
/// up (before the handshake, as in Twisted; IHandshakeListener says when
/// it is done). Client options that would verify without a hostname
/// errback with std::invalid_argument.
/// Mirrors: twisted.internet.endpoints.SSL4ClientEndpoint(reactor, host,
/// port, sslContextFactory, timeout, bindAddress).
class TWISTED_API SSL4ClientEndpoint final : public IStreamClientEndpoint {
 public:
  /// Mirrors SSL4ClientEndpoint(reactor, host, port, sslContextFactory, timeout=30,
  /// bindAddress=None).
  SSL4ClientEndpoint(IReactorSSL& reactor, std::string host, int port,
                     ssl::CertificateOptions sslContextFactory, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {});
  /// Mirrors SSL4ClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 private:
  IReactorSSL& reactor_;
  std::string host_;
  int port_;
  ssl::CertificateOptions options_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
};

/// TLS (the client side, TLSMemoryBIOProtocol) over every connection
/// `wrappedEndpoint` makes: connect() fires with the application's
/// protocol, whose transport is the TLS layer. `connectionCreator` is
/// usually optionsForClientTLS(hostname); options without a hostname and
/// without insecurelySkipVerification errback with std::invalid_argument.
/// Mirrors: twisted.internet.endpoints.wrapClientTLS(connectionCreator,
/// wrappedEndpoint).
TWISTED_API std::shared_ptr<IStreamClientEndpoint> wrapClientTLS(
    ssl::CertificateOptions connectionCreator,
    std::shared_ptr<IStreamClientEndpoint> wrappedEndpoint);

}  // namespace twisted::internet::endpoints
