// TCP server and client endpoints. Mirrors the TCP classes of
// twisted.internet.endpoints. Guide: docs/endpoints.md.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <twisted/internet/gai_resolver.h>
#include <twisted/internet/interfaces/ihostname_resolver.h>
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
  /// connect() to `host` instead of host(), with the other arguments given.
  defer::Deferred<Protocol*> connectTo(const std::string& host, std::shared_ptr<Factory> factory);

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

/// Connects with IReactorTCP::connectTCP to an IPv6 address: `host` is an
/// IPv6 literal, or a name resolved to its first IPv6 address (as Twisted,
/// with getaddrinfo on the reactor's thread pool). For every address of a
/// name, IPv4 included, in a race, use HostnameEndpoint.
/// Mirrors: twisted.internet.endpoints.TCP6ClientEndpoint(reactor, host,
/// port, timeout, bindAddress).
class TWISTED_API TCP6ClientEndpoint final : public detail::TCPClientEndpoint {
 public:
  /// Names are resolved with `resolver` (IPv6 only); without one, a name
  /// errbacks with error::InvalidAddressError. `reactor` (and `resolver`)
  /// must outlive every connect.
  /// Mirrors TCP6ClientEndpoint(reactor, host, port, timeout=30, bindAddress=None).
  TCP6ClientEndpoint(IReactorTCP& reactor, std::string host, int port, double timeout = 30,
                     std::optional<std::pair<std::string, int>> bindAddress = {},
                     std::shared_ptr<IHostnameResolver> resolver = nullptr)
      : TCPClientEndpoint(reactor, std::move(host), port, timeout, std::move(bindAddress)),
        resolver_(std::move(resolver)) {}
  /// A reactor with a thread pool: names are resolved by a GAIResolver on it.
  template <class R>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorThreads> &&
      std::derived_from<R, IReactorTime>
      TCP6ClientEndpoint(R& reactor, std::string host, int port, double timeout = 30,
                         std::optional<std::pair<std::string, int>> bindAddress = {})
      : TCP6ClientEndpoint(static_cast<IReactorTCP&>(reactor), std::move(host), port, timeout,
                           std::move(bindAddress), std::make_shared<GAIResolver>(reactor)) {}

  /// Connects to the literal, or resolves the name and connects to its first
  /// IPv6 address. A name with none fails with error::DNSLookupError;
  /// cancelling during the lookup cancels it. Mirrors TCP6ClientEndpoint.connect.
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

 private:
  std::shared_ptr<IHostnameResolver> resolver_;
};

}  // namespace twisted::internet::endpoints
