// GAIResolver: the system's getaddrinfo, on the reactor's thread pool, as an
// IHostnameResolver (every address, IPv6 and IPv4). HostnameEndpoint's
// default resolver.
// Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/interfaces/ihostname_resolver.h>
#include <twisted/internet/interfaces/ireactor_threads.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/iresolver_simple.h>

namespace twisted::internet {

/// Resolves names with getaddrinfo in the reactor's thread pool, so the
/// reactor thread never blocks, and delivers every address on the reactor
/// thread (callFromThread), in getaddrinfo's order. The same machinery as
/// ThreadedResolver: a lookup with no answer after `timeout` seconds fails
/// with DNSLookupError("... not found: timeout error") and its late answer
/// is ignored; cancelling abandons it. `threads` and `clock` (normally one
/// reactor) must outlive every lookup.
///
/// Mirrors: twisted.internet._resolver.GAIResolver. Twisted's reports a
/// failed getaddrinfo as an empty resolution; this one fails with
/// error::DNSLookupError("address 'name' not found: <gai_strerror>"), so the
/// reason is not lost. Twisted's has no timeout.
class TWISTED_API GAIResolver final : public IHostnameResolver {
 public:
  /// `threads` runs the lookups and carries the answers back; `clock` times
  /// them out after `timeout` seconds (kDefaultResolveTimeout if not
  /// positive). Mirrors GAIResolver(reactor).
  GAIResolver(IReactorThreads& threads, IReactorTime& clock,
              double timeout = kDefaultResolveTimeout)
      : threads_(threads), clock_(clock), timeout_(timeout) {}
  /// A reactor is both.
  template <class R>
  requires std::derived_from<R, IReactorThreads> && std::derived_from<R, IReactorTime>
  explicit GAIResolver(R& reactor, double timeout = kDefaultResolveTimeout)
      : GAIResolver(reactor, reactor, timeout) {}

  /// Starts a getaddrinfo lookup of `hostName` (SOCK_STREAM for "TCP",
  /// SOCK_DGRAM for "UDP"; AF_INET or AF_INET6 when `addressTypes` names one
  /// family); on the reactor thread. If the pool cannot take it (stopped at
  /// shutdown), the Deferred fails at once with DNSLookupError.
  /// Mirrors GAIResolver.resolveHostName.
  /// @throws std::invalid_argument for a `transportSemantics` other than
  /// "TCP" or "UDP".
  defer::Deferred<std::vector<Address>> resolveHostName(
      const std::string& hostName, int portNumber = 0,
      std::optional<std::vector<AddressType>> addressTypes = std::nullopt,
      std::string_view transportSemantics = "TCP") override;

 private:
  IReactorThreads& threads_;
  IReactorTime& clock_;
  double timeout_;
};

}  // namespace twisted::internet
