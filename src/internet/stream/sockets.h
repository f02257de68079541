// Socket helpers shared by the stream (TCP and Unix) ports, connections and
// connectors.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/address.h>
#include <twisted/python/failure.h>

namespace twisted::internet::stream::detail {

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

/// `path` as a Unix socket address (a leading NUL: Linux's abstract
/// namespace); nullopt, with the reason in `why`, if it is empty or too long
/// for sun_path.
std::optional<SockAddr> unixAddress(std::string_view path, std::string* why);

/// The typed address of `sa` ("TCP"), `length` bytes long (it matters only
/// for AF_UNIX: an abstract name may hold NULs).
Address toAddress(const sockaddr* sa, socklen_t length = sizeof(sockaddr_storage));

/// getsockname / getpeername of `fd` as an Address (an empty IPv4Address on
/// error; an empty UNIXAddress for an unnamed Unix socket).
Address localAddress(int fd);
Address peerAddress(int fd);

/// Why `fd` cannot be adopted as a socket of `family` (AF_INET, AF_INET6 or
/// AF_UNIX) and `type` (SOCK_STREAM, SOCK_DGRAM); empty if it can
/// (IReactorSocket's checks).
std::string checkAdoptable(int fd, int family, int type);

/// A close-on-exec, non-blocking duplicate of `fd`; -1 with the reason in
/// `why` if it cannot be made.
int duplicateForAdoption(int fd, std::string* why);

/// Owns a descriptor until released (closes it otherwise).
struct AdoptedFd {
  int fd = -1;
  explicit AdoptedFd(int f) noexcept : fd(f) {}
  AdoptedFd(const AdoptedFd&) = delete;
  AdoptedFd& operator=(const AdoptedFd&) = delete;
  ~AdoptedFd();
  int release() noexcept {
    int f = fd;
    fd = -1;
    return f;
  }
};

/// The Failure for a failed connect() with errno `err`, typed as Twisted's
/// ConnectError subclasses (ConnectionRefusedError, NoRouteError, ...).
python::Failure connectFailure(int err);

}  // namespace twisted::internet::stream::detail
