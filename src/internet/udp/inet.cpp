#include "internet/udp/inet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>
#include <variant>

#include <twisted/internet/error.h>

namespace twisted::internet::udp::detail {

namespace {
constexpr std::string_view kBroadcast = "<broadcast>";

void checkPort(const std::string& host, int port) {
  if (port < 0 || port > 65535)
    throw error::InvalidAddressError(host + ":" + std::to_string(port),
                                     "port out of range 0-65535");
}
}  // namespace

int familyOfInterface(std::string_view interface) {
  if (interface.empty()) return AF_INET;
  std::optional<SockAddr> a = stream::detail::parseLiteral(interface, 0);
  if (!a) throw error::InvalidAddressError(std::string(interface), "not an IPv4 or IPv6 address.");
  return a->family();
}

SockAddr bindAddress(std::string_view interface, int port) {
  std::optional<SockAddr> a = stream::detail::parseLiteral(
      interface.empty() ? std::string_view("0.0.0.0") : interface, port);
  if (!a) throw error::InvalidAddressError(std::string(interface), "not an IPv4 or IPv6 address.");
  return *a;
}

Address toUDPAddress(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    // Every datagram pays for this: the four numbers by hand, not
    // inet_ntop's sprintf (as stream::detail::toAddress does).
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    const auto* b = reinterpret_cast<const unsigned char*>(&v4->sin_addr.s_addr);
    char text[INET_ADDRSTRLEN];
    char* out = text;
    for (int i = 0; i < 4; ++i) {
      if (i) *out++ = '.';
      out = std::to_chars(out, text + sizeof text, b[i]).ptr;
    }
    return IPv4Address{"UDP", std::string(text, out), ntohs(v4->sin_port)};
  }
  Address a = stream::detail::toAddress(sa);
  if (auto* v6 = std::get_if<IPv6Address>(&a)) v6->type = "UDP";
  return a;
}

SockAddr destination(const Address& addr, int family) {
  std::string host;
  int port = 0;
  std::uint32_t scope = 0;
  if (const auto* v4 = std::get_if<IPv4Address>(&addr)) {
    host = v4->host;
    port = v4->port;
  } else if (const auto* v6 = std::get_if<IPv6Address>(&addr)) {
    host = v6->host;
    port = v6->port;
    scope = v6->scopeID;
  } else {
    throw error::InvalidAddressError(std::get<UNIXAddress>(addr).name,
                                     "write() only accepts IP addresses, not UNIX addresses");
  }
  checkPort(host, port);
  const bool broadcast = host == kBroadcast;
  std::optional<SockAddr> a = broadcast ? stream::detail::parseLiteral("255.255.255.255", port)
                                        : stream::detail::parseLiteral(host, port);
  if (!a)
    throw error::InvalidAddressError(host, "write() only accepts IP addresses, not hostnames");
  if (a->family() == AF_INET && family == AF_INET6)
    throw error::InvalidAddressError(host,
                                     "IPv6 port write() called with IPv4 or broadcast address");
  if (a->family() == AF_INET6 && family == AF_INET)
    throw error::InvalidAddressError(host, "IPv4 port write() called with IPv6 address");
  if (a->family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&a->storage)->sin6_scope_id = scope;
  return *a;
}

SockAddr connectAddress(std::string_view host, int port, int family) {
  std::string h(host);
  checkPort(h, port);
  std::optional<SockAddr> a = stream::detail::parseLiteral(h, port);
  if (!a) throw error::InvalidAddressError(h, "not an IPv4 or IPv6 address.");
  if (a->family() != family) {
    throw error::InvalidAddressError(h, family == AF_INET
                                            ? "IPv4 port connect() called with IPv6 address"
                                            : "IPv6 port connect() called with IPv4 address");
  }
  return *a;
}

bool sameEndpoint(const sockaddr* a, const sockaddr* b) noexcept {
  if (a->sa_family != b->sa_family) return false;
  if (a->sa_family == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(a);
    const auto* y = reinterpret_cast<const sockaddr_in*>(b);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->sa_family == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(a);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(b);
    return x->sin6_port == y->sin6_port &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  if (a->sa_family == AF_UNIX) {
    const auto* x = reinterpret_cast<const sockaddr_un*>(a);
    const auto* y = reinterpret_cast<const sockaddr_un*>(b);
    return std::memcmp(x->sun_path, y->sun_path, sizeof x->sun_path) == 0;
  }
  return false;
}

}  // namespace twisted::internet::udp::detail
