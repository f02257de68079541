#include "internet/stream/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>

#include <twisted/internet/error.h>

namespace twisted::internet::stream::detail {

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

std::optional<SockAddr> unixAddress(std::string_view path, std::string* why) {
  SockAddr a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage);
  const bool abstract = !path.empty() && path.front() == '\0';
  // A filesystem path needs room for its terminating NUL; an abstract name
  // is counted by the address length instead.
  const std::size_t room = sizeof un->sun_path - (abstract ? 0 : 1);
  if (path.empty()) {
    *why = "empty Unix socket path";
    return std::nullopt;
  }
  if (path.size() > room) {
    *why = "Unix socket path too long (" + std::to_string(path.size()) + " bytes; sun_path holds " +
           std::to_string(room) + ")";
    return std::nullopt;
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return a;
}

Address toAddress(const sockaddr* sa, socklen_t length) {
  if (sa->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(sa);
    const std::size_t offset = offsetof(sockaddr_un, sun_path);
    std::size_t n =
        length > offset ? std::min<std::size_t>(length - offset, sizeof un->sun_path) : 0;
    if (n > 0 && un->sun_path[0] != '\0') n = ::strnlen(un->sun_path, n);  // a path: up to its NUL
    return UNIXAddress{std::string(un->sun_path, n)};
  }
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
  return toAddress(a.get(), a.length);
}

Address peerAddress(int fd) {
  SockAddr a;
  a.length = sizeof a.storage;
  if (fd < 0 || ::getpeername(fd, a.get(), &a.length) != 0) return IPv4Address{"TCP", "", 0};
  return toAddress(a.get(), a.length);
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

std::string checkAdoptable(int fd, int family, int type) {
  if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
    return "address family " + std::to_string(family) + " is not AF_INET, AF_INET6 or AF_UNIX";
  int actualType = 0, domain = 0;
  socklen_t len = sizeof actualType;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &actualType, &len) != 0)
    return "fd " + std::to_string(fd) + " is not a socket (" + errnoText(errno) + ")";
  len = sizeof domain;
  if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != family)
    return "fd " + std::to_string(fd) + " is not a socket of address family " +
           std::to_string(family);
  if (actualType != type)
    return "fd " + std::to_string(fd) + " is not a " +
           (type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM") + " socket";
  return {};
}

int duplicateForAdoption(int fd, std::string* why) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    *why = "cannot duplicate fd " + std::to_string(fd) + " (" + errnoText(errno) + ")";
    return -1;
  }
  int flags = ::fcntl(copy, F_GETFL);
  ::fcntl(copy, F_SETFL, flags | O_NONBLOCK);  // the duplicate shares the file status
  return copy;
}

AdoptedFd::~AdoptedFd() {
  if (fd >= 0) ::close(fd);
}

}  // namespace twisted::internet::stream::detail
