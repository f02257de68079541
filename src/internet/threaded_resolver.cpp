// ThreadedResolver and BlockingResolver. Test: tests/internet/test_resolver.cpp
#include <twisted/internet/threaded_resolver.h>

#include <sys/socket.h>

#include <utility>

#include "internet/name_lookup.h"

namespace twisted::internet {

namespace {

// The first address getaddrinfo gives (AF_UNSPEC: the system's preferred
// family first), formatted numerically. Any thread.
detail::AddressInfo firstAddress(const std::string& name) {
  return detail::getAddressInfo(name, 0, AF_UNSPEC, SOCK_STREAM, false, "TCP");
}

std::string firstHost(detail::AddressInfo info) {
  return hostOf(info.addresses.front());
}

}  // namespace

defer::Deferred<std::string> ThreadedResolver::getHostByName(const std::string& name,
                                                             double timeout) {
  return detail::lookUpInPool<std::string>(
      threads_, clock_, name, timeout, [name] { return firstAddress(name); }, firstHost);
}

defer::Deferred<std::string> BlockingResolver::getHostByName(const std::string& name,
                                                             double /*timeout*/) {
  detail::AddressInfo info = firstAddress(name);
  if (info.found) return defer::succeed(firstHost(std::move(info)));
  return defer::fail<std::string>(detail::notFound(name, info.why));
}

}  // namespace twisted::internet
