#include "internet/tcp/sockets.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <twisted/internet/error.h>

namespace twisted::internet::tcp::detail {

std::string errnoText(int err) {
  return std::to_string(err) + ": " + std::strerror(err);
}

std::optional<SockAddr> parseLiteral(std::string_view host, int port) {
  std::string h(host);
  SockAddr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  if (inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

namespace {
// inet_ntop formats IPv4 with sprintf (~0.3 us); every accepted connection
// pays for it, so the four numbers are written by hand.
void formatIPv4(const in_addr& a, char* out) {
  const auto* b = reinterpret_cast<const unsigned char*>(&a.s_addr);
  for (int i = 0; i < 4; ++i) {
    if (i) *out++ = '.';
    out = std::to_chars(out, out + 3, b[i]).ptr;
  }
  *out = '\0';
}
}  // namespace

Address toAddress(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return IPv6Address{"TCP", text, ntohs(v6->sin6_port), ntohl(v6->sin6_flowinfo),
                       v6->sin6_scope_id};
  }
  if (sa->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(sa);
    formatIPv4(v4->sin_addr, text);
    return IPv4Address{"TCP", text, ntohs(v4->sin_port)};
  }
  return IPv4Address{"TCP", "", 0};
}

Address localAddress(int fd) {
  SockAddr a;
  a.length = sizeof a.storage;
  if (fd < 0 || ::getsockname(fd, a.get(), &a.length) != 0) return IPv4Address{"TCP", "", 0};
  return toAddress(a.get());
}

Address peerAddress(int fd) {
  SockAddr a;
  a.length = sizeof a.storage;
  if (fd < 0 || ::getpeername(fd, a.get(), &a.length) != 0) return IPv4Address{"TCP", "", 0};
  return toAddress(a.get());
}

python::Failure connectFailure(int err) {
  std::string text = errnoText(err);
  switch (err) {
    case ECONNREFUSED:
      return python::Failure(error::ConnectionRefusedError(text));
    case ETIMEDOUT:
      return python::Failure(error::TCPTimedOutError(text));
    case ENETUNREACH:
    case EHOSTUNREACH:
      return python::Failure(error::NoRouteError(text));
    default:
      return python::Failure(error::ConnectError(text));
  }
}

}  // namespace twisted::internet::tcp::detail
