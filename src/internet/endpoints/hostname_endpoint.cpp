// HostnameEndpoint. Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#include <twisted/internet/endpoints/hostname_endpoint.h>

#include <sys/socket.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include <twisted/internet/endpoints/detail/happy_eyeballs.h>
#include <twisted/internet/endpoints/tcp_endpoints.h>
#include <twisted/internet/error.h>

#include "internet/name_lookup.h"

namespace twisted::internet::endpoints {

namespace {

// The address `host` spells, if it is an IPv4 or IPv6 literal (no DNS asked).
std::optional<Address> literalAddress(const std::string& host, int port) {
  twisted::internet::detail::AddressInfo info =
      twisted::internet::detail::getAddressInfo(host, port, AF_UNSPEC, SOCK_STREAM, true, "TCP");
  if (!info.found) return std::nullopt;
  return info.addresses.front();
}

// The endpoint one resolved address is tried through: the TCP endpoint of
// its family (the one wrapping implementation every client endpoint uses).
std::shared_ptr<IStreamClientEndpoint> makeAttemptEndpoint(
    IReactorTCP& tcp, const Address& address, double timeout,
    const std::optional<std::pair<std::string, int>>& bindAddress) {
  if (std::holds_alternative<IPv6Address>(address))
    return std::make_shared<TCP6ClientEndpoint>(tcp, hostOf(address), portOf(address), timeout,
                                                bindAddress);
  return std::make_shared<TCP4ClientEndpoint>(tcp, hostOf(address), portOf(address), timeout,
                                              bindAddress);
}

}  // namespace

HostnameEndpoint::HostnameEndpoint(IReactorTCP& tcp, IReactorTime& clock,
                                   std::shared_ptr<IHostnameResolver> resolver, std::string host,
                                   int port, double timeout,
                                   std::optional<std::pair<std::string, int>> bindAddress,
                                   double attemptDelay)
    : tcp_(tcp),
      clock_(clock),
      resolver_(std::move(resolver)),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)),
      attemptDelay_(attemptDelay) {
  if (!resolver_ && !literalAddress(host_, port_))
    throw std::invalid_argument("HostnameEndpoint: no resolver for '" + host_ +
                                "' (the reactor runs no thread pool: pass one)");
}

defer::Deferred<Protocol*> HostnameEndpoint::connect(std::shared_ptr<Factory> factory) {
  defer::Deferred<std::vector<Address>> resolution;
  if (std::optional<Address> literal = literalAddress(host_, port_)) {
    resolution = defer::succeed(std::vector<Address>{*literal});
  } else {
    try {
      resolution = resolver_->resolveHostName(host_, port_);
    } catch (...) {
      resolution = defer::fail<std::vector<Address>>(python::Failure());
    }
  }
  // The attempts refer to the reactor, not to this endpoint.
  IReactorTCP* tcp = &tcp_;
  auto makeEndpoint = [tcp, timeout = timeout_, bindAddress = bindAddress_](
                          const Address& address) -> std::shared_ptr<IStreamClientEndpoint> {
    return makeAttemptEndpoint(*tcp, address, timeout, bindAddress);
  };
  return detail::happyEyeballs(clock_, std::move(resolution), std::move(makeEndpoint),
                               std::move(factory), attemptDelay_, detail::RaceTarget{host_, port_});
}

std::string HostnameEndpoint::repr() const {
  return "<HostnameEndpoint " + detail::describeTarget({host_, port_}) + ">";
}

}  // namespace twisted::internet::endpoints
