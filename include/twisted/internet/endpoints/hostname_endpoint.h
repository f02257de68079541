// HostnameEndpoint: a client endpoint for a host name that resolves every
// address and races connections to them (happy eyeballs, RFC 8305).
// Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/gai_resolver.h>
#include <twisted/internet/interfaces/ihostname_resolver.h>
#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet::endpoints {

/// Connects to a host name: resolves all of its addresses (IPv6 and IPv4)
/// and races TCP connections to them, the first to connect winning.
///
/// connect() asks the resolver for every address (an IPv4 or IPv6 literal
/// host skips it), orders them families alternating, starting with the
/// resolver's first (RFC 8305 section 4), and starts one attempt (a
/// connectTCP to that address with `timeout` and `bindAddress`; through
/// TCP6ClientEndpoint / TCP4ClientEndpoint once those exist) every
/// `attemptDelay` seconds, or at once when the latest
/// attempt fails. The first to connect wins: the others are cancelled
/// before the Deferred fires with the winner's protocol, and a connection
/// that completes anyway is closed. If all fail, the Deferred fails with the
/// last failure; a failed lookup with error::DNSLookupError, as does a name
/// without addresses ("no results for hostname lookup: <host>");
/// cancelling it stops the lookup or every attempt and fails it with
/// error::ConnectingCancelledError("<host>:<port>").
///
/// Mirrors: twisted.internet.endpoints.HostnameEndpoint. Deliberate
/// differences: Twisted tries the addresses in the resolver's order and
/// starts the next only when its LoopingCall ticks; this one interleaves the
/// families and does not wait after a failure (both RFC 8305). The resolver
/// is a constructor argument (default: a GAIResolver on the reactor's thread
/// pool) instead of the reactor's nameResolver, and host names are not
/// IDNA-encoded (pass the ASCII form).
class TWISTED_API HostnameEndpoint final : public IStreamClientEndpoint {
 public:
  /// Twisted's _DEFAULT_ATTEMPT_DELAY, in seconds.
  static constexpr double kDefaultAttemptDelay = 0.3;

  /// Connects through `tcp`, times the attempts on `clock`, and resolves
  /// `host` with `resolver` (may be null only when `host` is an IP literal).
  /// `tcp` and `clock` must outlive every attempt; the endpoint itself may
  /// go once connect() has returned.
  /// Mirrors HostnameEndpoint(reactor, host, port, timeout, bindAddress,
  /// attemptDelay), the interfaces split.
  /// @throws std::invalid_argument for a null resolver and a host that is
  /// not an IP literal.
  HostnameEndpoint(IReactorTCP& tcp, IReactorTime& clock,
                   std::shared_ptr<IHostnameResolver> resolver, std::string host, int port,
                   double timeout = 30, std::optional<std::pair<std::string, int>> bindAddress = {},
                   double attemptDelay = kDefaultAttemptDelay);

  /// A reactor providing IReactorTCP and IReactorTime; without `resolver`,
  /// a GAIResolver on its thread pool (the reactor must provide
  /// IReactorThreads then, unless `host` is an IP literal).
  /// Mirrors HostnameEndpoint(reactor, host, port, timeout=30,
  /// bindAddress=None, attemptDelay=0.3).
  template <class R>
  requires std::derived_from<R, IReactorTCP> && std::derived_from<R, IReactorTime> HostnameEndpoint(
      R& reactor, std::string host, int port, double timeout = 30,
      std::optional<std::pair<std::string, int>> bindAddress = {},
      double attemptDelay = kDefaultAttemptDelay,
      std::shared_ptr<IHostnameResolver> resolver = nullptr)
      : HostnameEndpoint(reactor, reactor,
                         resolver ? std::move(resolver) : defaultResolver(reactor), std::move(host),
                         port, timeout, std::move(bindAddress), attemptDelay) {}

  /// Resolves and races as the class describes. Never throws.
  /// Mirrors HostnameEndpoint.connect(protocolFactory).
  defer::Deferred<Protocol*> connect(std::shared_ptr<Factory> factory) override;

  /// "<HostnameEndpoint host:port>" (an IPv6 literal in brackets).
  /// Mirrors HostnameEndpoint.__repr__.
  std::string repr() const;

 private:
  template <class R>
  static std::shared_ptr<IHostnameResolver> defaultResolver(R& reactor) {
    if constexpr (std::derived_from<R, IReactorThreads>)
      return std::make_shared<GAIResolver>(reactor);
    else
      return nullptr;
  }

  IReactorTCP& tcp_;
  IReactorTime& clock_;
  std::shared_ptr<IHostnameResolver> resolver_;
  std::string host_;
  int port_;
  double timeout_;
  std::optional<std::pair<std::string, int>> bindAddress_;
  double attemptDelay_;
};

}  // namespace twisted::internet::endpoints
