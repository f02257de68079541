// The Internet-family part of a datagram port: which family an interface
// names, IPv4/IPv6 socket addresses to and from Address values of type
// "UDP", and validating a write's destination as Twisted's udp.Port does.
// Kept apart from the port logic (port.cpp) so a datagram port of another
// family (Unix datagrams) can bring its own.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

#include <twisted/internet/address.h>

#include "internet/stream/sockets.h"

namespace twisted::internet::udp::detail {

using stream::detail::SockAddr;

/// AF_INET for "" or an IPv4 literal, AF_INET6 for an IPv6 literal.
/// @throws error::InvalidAddressError for anything else (a host name).
int familyOfInterface(std::string_view interface);

/// The bind address of `interface` ("" = INADDR_ANY) and `port`.
SockAddr bindAddress(std::string_view interface, int port);

/// The address of a datagram's sender, type "UDP".
Address toUDPAddress(const sockaddr* sa);

/// Where write(datagram, addr) sends on a socket of `family`: an IP literal
/// of that family, or "<broadcast>" (IPv4). Twisted's checks and messages.
/// @throws error::InvalidAddressError
SockAddr destination(const Address& addr, int family);

/// connect()'s peer: `host` must be an IP literal of `family`.
/// @throws error::InvalidAddressError
SockAddr connectAddress(std::string_view host, int port, int family);

/// True if `a` and `b` are the same IPv4/IPv6 address and port.
bool sameEndpoint(const sockaddr* a, const sockaddr* b) noexcept;

}  // namespace twisted::internet::udp::detail
