// Socket helpers shared by the TCP port, connections and connectors.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/python/failure.h>

namespace twisted::internet::tcp::detail {

/// A socket address with its length.
struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const noexcept { return storage.ss_family; }
};

/// "98: Address already in use" (Twisted's socket.error text without brackets).
std::string errnoText(int err);

/// An IPv4/IPv6 literal and port as a socket address; nullopt for a name.
std::optional<SockAddr> parseLiteral(std::string_view host, int port);

/// The typed address of `sa` ("TCP").
Address toAddress(const sockaddr* sa);

/// getsockname / getpeername of `fd` as an Address (an empty IPv4Address on error).
Address localAddress(int fd);
Address peerAddress(int fd);

/// The Failure for a failed connect() with errno `err`, typed as Twisted's
/// ConnectError subclasses (ConnectionRefusedError, NoRouteError, ...).
python::Failure connectFailure(int err);

}  // namespace twisted::internet::tcp::detail
