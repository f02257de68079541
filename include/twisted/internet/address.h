// Addresses of connection endpoints, as transports report them in getPeer()
// and getHost() and factories receive them in buildProtocol().
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>

namespace twisted::internet {

/// An IPv4 endpoint. Mirrors twisted.internet.address.IPv4Address.
struct TWISTED_API IPv4Address {
  std::string type = "TCP";  ///< "TCP" or "UDP"
  std::string host;          ///< dotted quad, e.g. "127.0.0.1"
  /// The port number.
  int port = 0;
  /// Memberwise equality.
  friend bool operator==(const IPv4Address&, const IPv4Address&) = default;
};

/// An IPv6 endpoint. Mirrors twisted.internet.address.IPv6Address.
struct TWISTED_API IPv6Address {
  std::string type = "TCP";  ///< "TCP" or "UDP"
  std::string host;          ///< e.g. "::1"
  /// The port number.
  int port = 0;
  /// The IPv6 flow label (sin6_flowinfo).
  std::uint32_t flowInfo = 0;
  /// The scope (interface) id, e.g. for link-local addresses (sin6_scope_id).
  std::uint32_t scopeID = 0;
  /// Memberwise equality.
  friend bool operator==(const IPv6Address&, const IPv6Address&) = default;
};

/// A Unix socket path ("" when unbound). Mirrors twisted.internet.address.UNIXAddress.
struct TWISTED_API UNIXAddress {
  /// The socket's path.
  std::string name;
  /// Equal paths.
  friend bool operator==(const UNIXAddress&, const UNIXAddress&) = default;
};

/// The address of standard I/O (stdio::StandardIO's getPeer/getHost): a pipe
/// has none. Mirrors twisted.internet._posixstdio.PipeAddress.
struct TWISTED_API PipeAddress {
  /// All pipe addresses are equal.
  friend bool operator==(const PipeAddress&, const PipeAddress&) = default;
};

/// Any endpoint address (Twisted's IAddress providers).
using Address = std::variant<IPv4Address, IPv6Address, UNIXAddress, PipeAddress>;

/// Twisted's repr: "IPv4Address(type='TCP', host='127.0.0.1', port=8000)".
TWISTED_API std::string toString(const Address& address);
TWISTED_API std::ostream& operator<<(std::ostream& out, const Address& address);

/// The host part (IPv4/IPv6 host, the UNIX path, "" for a pipe).
TWISTED_API std::string hostOf(const Address& address);
/// The port, or 0 for a UNIX or pipe address.
TWISTED_API int portOf(const Address& address);

}  // namespace twisted::internet
