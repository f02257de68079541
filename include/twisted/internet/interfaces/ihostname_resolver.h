// IHostnameResolver: a host name to every address it has, IPv6 and IPv4, as
// one Deferred. What HostnameEndpoint races with happy eyeballs; unlike
// IResolverSimple (one address), nothing is dropped.
#pragma once

#include <twisted/export.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/address.h>
#include <twisted/internet/defer/deferred.h>

namespace twisted::internet {

/// An address family a lookup may be limited to. Twisted passes the address
/// classes themselves (IPv4Address, IPv6Address).
enum class AddressType { IPv4, IPv6 };

/// Resolves a host name to all of its addresses.
///
/// Mirrors: twisted.internet.interfaces.IHostnameResolver. Twisted reports
/// the addresses one by one to an IResolutionReceiver; here they come
/// together, in the resolver's order, as the Deferred's value.
class TWISTED_API IHostnameResolver {
 public:
  virtual ~IHostnameResolver() = default;

  /// Resolves `hostName`. The Deferred fires with every address found, in
  /// the order the resolver gives (getaddrinfo's: RFC 6724 / /etc/gai.conf),
  /// each an IPv4Address or IPv6Address carrying `portNumber` and a `type`
  /// of `transportSemantics` ("TCP" or "UDP"); only the families in
  /// `addressTypes` if given (all when nullopt). A name the resolver cannot
  /// find fails with error::DNSLookupError naming it; an empty list is
  /// possible (no address of the families asked for).
  ///
  /// Called on the reactor thread; the Deferred fires there too (at once or
  /// later). Cancelling it abandons the lookup: a late answer is ignored.
  /// Mirrors IHostnameResolver.resolveHostName(resolutionReceiver, hostName,
  /// portNumber, addressTypes, transportSemantics).
  virtual defer::Deferred<std::vector<Address>> resolveHostName(
      const std::string& hostName, int portNumber = 0,
      std::optional<std::vector<AddressType>> addressTypes = std::nullopt,
      std::string_view transportSemantics = "TCP") = 0;
};

}  // namespace twisted::internet
