// IResolverSimple: a host name to one address, as a Deferred. What connectTCP
// asks to turn a name into something it can connect to; a reactor's resolver
// is pluggable (IReactorPluggableResolver), so tests and programs can swap in
// their own (a table, c-ares, a caching resolver).
#pragma once

#include <twisted/export.h>

#include <string>

#include <twisted/internet/defer/deferred.h>

namespace twisted::internet {

/// The lookup timeout when none is given: Twisted's default retry schedule
/// (1, 3, 11, 45) summed, as its ThreadedResolver does.
inline constexpr double kDefaultResolveTimeout = 60;

/// Resolves a host name to one address.
///
/// Mirrors: twisted.internet.interfaces.IResolverSimple. Twisted's timeout is
/// a tuple of retry delays; ours is their sum, in seconds.
class TWISTED_API IResolverSimple {
 public:
  virtual ~IResolverSimple() = default;

  /// Resolves `name` to one address, given as text: an IPv4 ("127.0.0.1") or
  /// IPv6 ("::1", "fe80::1%eth0") literal that connect() can use as is.
  /// Fails with error::DNSLookupError, whose message names the host, when
  /// the name is unknown or no answer came within `timeout` seconds.
  ///
  /// Called on the reactor thread; the Deferred fires there too (at once or
  /// later). Cancelling it abandons the lookup: a late answer is ignored.
  /// Mirrors IResolverSimple.getHostByName(name, timeout).
  virtual defer::Deferred<std::string> getHostByName(const std::string& name,
                                                     double timeout = kDefaultResolveTimeout) = 0;
};

}  // namespace twisted::internet
