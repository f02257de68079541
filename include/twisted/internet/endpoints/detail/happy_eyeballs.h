// Internal to HostnameEndpoint (exposed for its tests): the happy-eyeballs
// race (RFC 8305) over resolved addresses, written against
// IStreamClientEndpoint so each attempt is whatever endpoint the caller makes
// for an address (TCP4ClientEndpoint/TCP6ClientEndpoint in HostnameEndpoint,
// fakes in tests).
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/address.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet::endpoints::detail {

/// Makes the endpoint through which one resolved address (an IPv4Address or
/// IPv6Address) is tried. It may throw: that attempt then counts as failed.
using AttemptEndpointFactory =
    std::function<std::shared_ptr<IStreamClientEndpoint>(const Address& address)>;

/// The order in which addresses are tried (RFC 8305 section 4): the IPv4 and
/// IPv6 addresses only, families alternating one by one, starting with the
/// family of the resolver's first answer; within a family the resolver's
/// order is kept.
TWISTED_API std::vector<Address> interleaveFamilies(const std::vector<Address>& addresses);

/// What the race reports in its errors: the host as given and the port.
struct RaceTarget {
  /// The host name (or literal) the caller asked for.
  std::string host;
  /// The port connected to.
  int port = 0;
};

/// Races connection attempts to the addresses `resolution` fires with.
///
/// Attempt 1 starts when the addresses are known; attempt k+1 starts
/// `attemptDelay` seconds (on `clock`) after attempt k started, or at once
/// if attempt k fails first. The first attempt to succeed wins: the timer
/// stops, every other pending attempt is cancelled, and then the returned
/// Deferred fires with the winner's protocol; an attempt that succeeds all
/// the same (its endpoint could not stop it) has its connection closed
/// (loseConnection). If every attempt fails, the Deferred fails with the
/// last failure. A resolution failure becomes error::DNSLookupError (passed
/// on as is when it is one); no usable address is DNSLookupError("no
/// results for hostname lookup: <host>"). Cancelling the returned Deferred
/// cancels the resolution or every pending attempt and fails it with
/// error::ConnectingCancelledError.
///
/// The race holds itself through the callbacks it added (to `resolution`,
/// to each attempt, to its timer) and ends when they have fired; `clock`
/// must outlive it.
TWISTED_API defer::Deferred<Protocol*> happyEyeballs(
    IReactorTime& clock, defer::Deferred<std::vector<Address>> resolution,
    AttemptEndpointFactory makeEndpoint, std::shared_ptr<Factory> factory, double attemptDelay,
    RaceTarget target);

/// "host:port", with an IPv6 literal in brackets ("[::1]:80"): how the race
/// names its target in ConnectingCancelledError.
TWISTED_API std::string describeTarget(const RaceTarget& target);

}  // namespace twisted::internet::endpoints::detail
