// TCP server and client endpoints. Mirrors the TCP classes of
// twisted.internet.endpoints. Guide: docs/endpoints.md.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>

namespace twisted::internet::endpoints {

/// Listens with IReactorTCP::listenTCP on an IPv4 interface ("" = all).
/// The reactor must outlive the endpoint and its ports.
/// Mirrors: twisted.internet.endpoints.TCP4ServerEndpoint(reactor, port,
/// backlog, interface).
class TWISTED_API TCP4ServerEndpoint final : public IStreamServerEndpoint {
 public:
  /// Mirrors TCP4ServerEndpoint(reactor, port, backlog=50, interface='').
  TCP4ServerEndpoint(IReactorTCP& reactor, int port, int backlog = 50, std::string interface = "");
  /// listenTCP; a failure (error::CannotListenError ...) is the errback.
  /// Mirrors TCP4ServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  IReactorTCP& reactor_;
  int port_;
  int backlog_;
  std::string interface_;
};

/// Listens with IReactorTCP::listenTCP on an IPv6 interface ("::" = all).
/// Mirrors: twisted.internet.endpoints.TCP6ServerEndpoint(reactor, port,
/// backlog, interface='::').
class TWISTED_API TCP6ServerEndpoint final : public IStreamServerEndpoint {
 public:
  /// Mirrors TCP6ServerEndpoint(reactor, port, backlog=50, interface='::').
  TCP6ServerEndpoint(IReactorTCP& reactor, int port, int backlog = 50,
                     std::string interface = "::");
  /// Mirrors TCP6ServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 private:
  IReactorTCP& reactor_;
  int port_;
  int backlog_;
  std::string interface_;
};

/// Connects with IReactorTCP::connectTCP (a host name is resolved by the
/// reactor's resolver, to IPv4). For every address of a name, IPv6
/// included, use HostnameEndpoint.
/// Mirrors: twisted.internet.endpoints.TCP4ClientEndpoint(reactor, host,
/// port, timeout, bindAddress).
class TWISTED_API TCP4ClientEndpoint final : public IStreamClientEndpoint {
 public:
  /// Mirrors TCP4ClientEndpoint(reactor, host, port, timeout=30, bindAddress=None).
  TCP4ClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {});
  /// Mirrors TCP4ClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 private:
  IReactorTCP& reactor_;
  std::string host_;
  int port_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
};

/// Connects with IReactorTCP::connectTCP to an IPv6 address. Unlike
/// Twisted's, which resolves a name to its first IPv6 address, `host` must
/// be an IPv6 literal (a name errbacks with error::InvalidAddressError):
/// HostnameEndpoint is the endpoint for names.
/// Mirrors: twisted.internet.endpoints.TCP6ClientEndpoint(reactor, host,
/// port, timeout, bindAddress).
class TWISTED_API TCP6ClientEndpoint final : public IStreamClientEndpoint {
 public:
  /// Mirrors TCP6ClientEndpoint(reactor, host, port, timeout=30, bindAddress=None).
  TCP6ClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {});
  /// Mirrors TCP6ClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 private:
  IReactorTCP& reactor_;
  std::string host_;
  int port_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
};

}  // namespace twisted::internet::endpoints
