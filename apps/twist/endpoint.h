// The `--listen` argument of `twist`: a subset of Twisted's server endpoint
// description syntax (twisted.internet.endpoints.serverFromString).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace twisted::twist {

/// A description that does not parse; what() says why, for the user.
/// Mirrors: the ValueError/TypeError serverFromString raises.
class EndpointParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Where a TCP server listens: the arguments of IReactorTCP::listenTCP.
/// Mirrors: twisted.internet.endpoints.TCP4ServerEndpoint / TCP6ServerEndpoint.
struct TCPServerEndpoint {
  int port = 0;           ///< 0: any free port
  std::string interface;  ///< "" = all IPv4 interfaces, "::" = all IPv6
  int backlog = 50;
  friend bool operator==(const TCPServerEndpoint&, const TCPServerEndpoint&) = default;
};

/// Parses `tcp:PORT[:interface=ADDR][:backlog=N]` (also `tcp:port=PORT`, and
/// `tcp6:` whose interface defaults to "::"). As in Twisted, fields are
/// separated by ':' and a backslash escapes the next character, so an IPv6
/// interface is written `interface=\:\:1`.
/// Mirrors: twisted.internet.endpoints.serverFromString for the "tcp" and
/// "tcp6" endpoint types.
/// @throws EndpointParseError naming the problem and the accepted syntax.
TCPServerEndpoint parseServerEndpoint(std::string_view description);

/// The address to bind for `interface`: "" and IP literals as they are, a
/// host name resolved (blocking getaddrinfo) to its first IPv4 address, as
/// Twisted's listenTCP does (its socket.bind resolves the name, AF_INET
/// even for tcp6). The reactor's listenTCP takes literals only.
/// Mirrors: the name resolution in twisted.internet.tcp.Port.startListening.
/// @throws internet::error::CannotListenError if the name does not resolve.
std::string resolveInterface(const std::string& interface, int port);

/// The description back in canonical form, e.g. "tcp:8123:interface=127.0.0.1".
std::string toString(const TCPServerEndpoint& endpoint);

}  // namespace twisted::twist
