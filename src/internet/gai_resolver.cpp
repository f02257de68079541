// GAIResolver. Test: tests/internet/endpoints/test_hostname_endpoint.cpp
#include <twisted/internet/gai_resolver.h>

#include <sys/socket.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "internet/name_lookup.h"

namespace twisted::internet {

defer::Deferred<std::vector<Address>> GAIResolver::resolveHostName(
    const std::string& hostName, int portNumber,
    std::optional<std::vector<AddressType>> addressTypes, std::string_view transportSemantics) {
  int socktype = 0;
  if (transportSemantics == "TCP")
    socktype = SOCK_STREAM;
  else if (transportSemantics == "UDP")
    socktype = SOCK_DGRAM;
  else
    throw std::invalid_argument("GAIResolver: unknown transport semantics '" +
                                std::string(transportSemantics) + "' (TCP or UDP)");
  int family = AF_UNSPEC;
  if (addressTypes) {
    auto has = [&](AddressType t) {
      return std::find(addressTypes->begin(), addressTypes->end(), t) != addressTypes->end();
    };
    const bool v4 = has(AddressType::IPv4), v6 = has(AddressType::IPv6);
    if (!v4 && !v6) return defer::succeed(std::vector<Address>{});  // no family asked for
    if (v4 != v6) family = v4 ? AF_INET : AF_INET6;
  }
  return detail::lookUpInPool<std::vector<Address>>(
      threads_, clock_, hostName, timeout_,
      [hostName, portNumber, family, socktype, type = std::string(transportSemantics)] {
        return detail::getAddressInfo(hostName, portNumber, family, socktype, false, type);
      },
      [](detail::AddressInfo info) { return std::move(info.addresses); });
}

}  // namespace twisted::internet
