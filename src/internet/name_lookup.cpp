// getaddrinfo for the resolvers. See name_lookup.h.
#include "internet/name_lookup.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace twisted::internet::detail {

AddressInfo getAddressInfo(const std::string& host, int port, int family, int socktype,
                           bool numericOnly, std::string_view type) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = socktype;
  hints.ai_flags = numericOnly ? AI_NUMERICHOST : 0;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  int savedErrno = errno;
  if (rc != 0 || !res) {
    if (res) ::freeaddrinfo(res);
    if (rc == EAI_SYSTEM) return {false, std::system_category().message(savedErrno), {}};
    return {false, rc ? ::gai_strerror(rc) : "no address", {}};
  }
  AddressInfo info{true, {}, {}};
  std::string why = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    // getnameinfo keeps an IPv6 scope ("fe80::1%eth0") that inet_ntop drops.
    char text[NI_MAXHOST];
    rc = ::getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
    if (rc != 0) {
      why = ::gai_strerror(rc);
      continue;
    }
    if (ai->ai_family == AF_INET) {
      info.addresses.emplace_back(IPv4Address{std::string(type), text, port});
    } else {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      info.addresses.emplace_back(IPv6Address{std::string(type), text, port,
                                              ntohl(sin6->sin6_flowinfo), sin6->sin6_scope_id});
    }
  }
  ::freeaddrinfo(res);
  if (info.addresses.empty()) return {false, why, {}};
  return info;
}

}  // namespace twisted::internet::detail
