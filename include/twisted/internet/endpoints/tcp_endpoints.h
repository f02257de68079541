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

namespace detail {

/// What TCP4ServerEndpoint and TCP6ServerEndpoint share (they differ in the
/// default interface). Mirrors Twisted's _TCPServerEndpoint.
class TWISTED_API TCPServerEndpoint : public IStreamServerEndpoint {
 public:
  /// listenTCP; a failure (error::CannotListenError ...) is the errback.
  /// Mirrors _TCPServerEndpoint.listen.
  defer::Deferred<std::shared_ptr<IListeningPort>> listen(
      std::shared_ptr<Factory> factory) override;

 protected:
  /// Mirrors _TCPServerEndpoint(reactor, port, backlog, interface).
  TCPServerEndpoint(IReactorTCP& reactor, int port, int backlog, std::string interface)
      : reactor_(reactor), port_(port), backlog_(backlog), interface_(std::move(interface)) {}

 private:
  IReactorTCP& reactor_;
  int port_;
  int backlog_;
  std::string interface_;
};

/// What TCP4ClientEndpoint and TCP6ClientEndpoint share.
class TWISTED_API TCPClientEndpoint : public IStreamClientEndpoint {
 public:
  /// connectTCP through the endpoints' wrapping factory.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 protected:
  /// The connectTCP arguments without the factory.
  TCPClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout,
                    std::optional<std::pair<std::string, int>> bindAddress)
      : reactor_(reactor),
        host_(std::move(host)),
        port_(port),
        timeout_(timeout),
        bindAddress_(std::move(bindAddress)) {}
  /// The host given.
  const std::string& host() const noexcept { return host_; }

 private:
  IReactorTCP& reactor_;
  std::string host_;
  int port_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
};

}  // namespace detail

/// Listens with IReactorTCP::listenTCP on an IPv4 interface ("" = all).
/// The reactor must outlive the endpoint and its ports.
/// Mirrors: twisted.internet.endpoints.TCP4ServerEndpoint(reactor, port,
/// backlog, interface).
class TWISTED_API TCP4ServerEndpoint final : public detail::TCPServerEndpoint {
 public:
  /// Mirrors TCP4ServerEndpoint(reactor, port, backlog=50, interface='').
  TCP4ServerEndpoint(IReactorTCP& reactor, int port, int backlog = 50, std::string interface = "")
      : TCPServerEndpoint(reactor, port, backlog, std::move(interface)) {}
};

/// Listens with IReactorTCP::listenTCP on an IPv6 interface ("::" = all).
/// Mirrors: twisted.internet.endpoints.TCP6ServerEndpoint(reactor, port,
/// backlog, interface='::').
class TWISTED_API TCP6ServerEndpoint final : public detail::TCPServerEndpoint {
 public:
  /// Mirrors TCP6ServerEndpoint(reactor, port, backlog=50, interface='::').
  TCP6ServerEndpoint(IReactorTCP& reactor, int port, int backlog = 50, std::string interface = "::")
      : TCPServerEndpoint(reactor, port, backlog, std::move(interface)) {}
};

/// Connects with IReactorTCP::connectTCP (a host name is resolved by the
/// reactor's resolver, to IPv4). For every address of a name, IPv6
/// included, use HostnameEndpoint.
/// Mirrors: twisted.internet.endpoints.TCP4ClientEndpoint(reactor, host,
/// port, timeout, bindAddress).
class TWISTED_API TCP4ClientEndpoint final : public detail::TCPClientEndpoint {
 public:
  /// Mirrors TCP4ClientEndpoint(reactor, host, port, timeout=30, bindAddress=None).
  TCP4ClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {})
      : TCPClientEndpoint(reactor, std::move(host), port, timeout, std::move(bindAddress)) {}
};

/// Connects with IReactorTCP::connectTCP to an IPv6 address. Unlike
/// Twisted's, which resolves a name to its first IPv6 address, `host` must
/// be an IPv6 literal (a name errbacks with error::InvalidAddressError):
/// HostnameEndpoint is the endpoint for names.
/// Mirrors: twisted.internet.endpoints.TCP6ClientEndpoint(reactor, host,
/// port, timeout, bindAddress).
class TWISTED_API TCP6ClientEndpoint final : public detail::TCPClientEndpoint {
 public:
  /// Mirrors TCP6ClientEndpoint(reactor, host, port, timeout=30, bindAddress=None).
  TCP6ClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {})
      : TCPClientEndpoint(reactor, std::move(host), port, timeout, std::move(bindAddress)) {}
  /// Mirrors TCP6ClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;
};

}  // namespace twisted::internet::endpoints
