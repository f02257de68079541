// The `--listen` argument of `twist`: a subset of Twisted's server endpoint
// description syntax (twisted.internet.endpoints.serverFromString): the
// "tcp", "tcp6" and "ssl" types.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>
#include <twisted/internet/ssl.h>

namespace twisted::twist {

/// A description that does not parse; what() says why, for the user.
/// Mirrors: the ValueError/TypeError serverFromString raises.
class EndpointParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The files of an `ssl:` endpoint (paths as given, read when listening).
/// Mirrors: the privateKey=, certKey= and extraCertChain= parameters of
/// Twisted's "ssl" endpoint parser.
struct TLSServerFiles {
  std::string privateKey;      ///< PEM private key
  std::string certKey;         ///< PEM certificate (chain); defaults to privateKey
  std::string extraCertChain;  ///< PEM intermediates sent after it ("" = none)
  friend bool operator==(const TLSServerFiles&, const TLSServerFiles&) = default;
};

/// Where a server listens: the arguments of IReactorTCP::listenTCP, plus
/// the TLS files for IReactorSSL::listenSSL when it is an `ssl:` endpoint.
/// Mirrors: twisted.internet.endpoints.TCP4ServerEndpoint /
/// TCP6ServerEndpoint / SSL4ServerEndpoint.
struct ServerEndpoint {
  int port = 0;           ///< 0: any free port
  std::string interface;  ///< "" = all IPv4 interfaces, "::" = all IPv6
  int backlog = 50;
  std::optional<TLSServerFiles> tls;  ///< set for `ssl:`
  friend bool operator==(const ServerEndpoint&, const ServerEndpoint&) = default;
};

/// The name the endpoint had when it could only be TCP.
using TCPServerEndpoint = ServerEndpoint;

/// Parses `tcp:PORT[:interface=ADDR][:backlog=N]` (also `tcp:port=PORT`, and
/// `tcp6:` whose interface defaults to "::") and
/// `ssl:PORT:privateKey=KEY.pem[:certKey=CERT.pem][:extraCertChain=CHAIN.pem]
/// [:interface=ADDR][:backlog=N]` (certKey defaults to privateKey: one PEM
/// file holding both). As in Twisted, fields are separated by ':' and a
/// backslash escapes the next character, so an IPv6 interface is written
/// `interface=\:\:1`. Unlike Twisted, whose privateKey defaults to
/// "server.pem" in the working directory, `ssl:` requires privateKey; its
/// sslmethod= and dhParameters= are refused (TLS 1.2+ and ECDHE only).
/// Mirrors: twisted.internet.endpoints.serverFromString for the "tcp",
/// "tcp6" and "ssl" endpoint types.
/// @throws EndpointParseError naming the problem and the accepted syntax.
ServerEndpoint parseServerEndpoint(std::string_view description);

/// The server TLS options of an `ssl:` endpoint's files: the key, the
/// certificate (the rest of that file, then extraCertChain, as the chain).
/// Mirrors: what _parseSSL builds (ssl.CertificateOptions from the files).
/// @throws internet::ssl::CertificateError naming the file that cannot be
///         read or parsed, or the key and certificate that do not match.
internet::ssl::CertificateOptions serverTLSOptions(const TLSServerFiles& files);

/// Listens on `endpoint` with `factory`: listenTCP, or listenSSL with
/// serverTLSOptions. The interface is resolved first (resolveInterface).
/// @throws internet::error::CannotListenError,
///         internet::ssl::CertificateError (before any socket is opened).
std::shared_ptr<internet::IListeningPort> listen(internet::ReactorBase& reactor,
                                                 const ServerEndpoint& endpoint,
                                                 std::shared_ptr<internet::Factory> factory);

/// The files of a `tls:` client endpoint (paths as given).
/// Mirrors: the trustRoots=, certificate= and privateKey= parameters of
/// Twisted's "tls" client endpoint parser.
struct TLSClientFiles {
  std::string trustRoots;   ///< a PEM file or a directory of them ("" = the platform's)
  std::string certificate;  ///< our PEM certificate, sent if the server asks ("" = none)
  std::string privateKey;   ///< its PEM key ("" = in the certificate file)
  friend bool operator==(const TLSClientFiles&, const TLSClientFiles&) = default;
};

/// Where a client connects: the arguments of IReactorTCP::connectTCP, plus
/// the TLS files for IReactorSSL::connectSSL when it is a `tls:` endpoint.
/// Mirrors: twisted.internet.endpoints.TCP4ClientEndpoint and the endpoint
/// wrapClientTLS makes.
struct ClientEndpoint {
  std::string host;
  int port = 0;
  double timeout = 30;                ///< seconds
  std::optional<TLSClientFiles> tls;  ///< set for `tls:`
  friend bool operator==(const ClientEndpoint&, const ClientEndpoint&) = default;
};

/// Parses `tcp:HOST:PORT[:timeout=S]` (also `tcp:host=HOST:port=PORT`) and
/// `tls:HOST:PORT[:timeout=S][:trustRoots=PATH][:certificate=PEM]
/// [:privateKey=PEM]`, with the escapes of parseServerEndpoint (an IPv6
/// host is `tcp:\:\:1:8080`). A `tls:` endpoint verifies HOST against
/// trustRoots (or the platform's store).
/// Mirrors: twisted.internet.endpoints.clientFromString for the "tcp" and
/// "tls" endpoint types (not bindAddress= or a nested endpoint=).
/// @throws EndpointParseError naming the problem and the accepted syntax.
ClientEndpoint parseClientEndpoint(std::string_view description);

/// The client TLS options of a `tls:` endpoint: optionsForClientTLS(host,
/// trustRoots, certificate + key). Mirrors: what Twisted's "tls" parser
/// builds. @throws internet::ssl::CertificateError for a file that cannot
/// be read or parsed.
internet::ssl::CertificateOptions clientTLSOptions(const ClientEndpoint& endpoint);

/// The description back in canonical form, e.g. "tls:example.com:443".
std::string toString(const ClientEndpoint& endpoint);

/// The address to bind for `interface`: "" and IP literals as they are, a
/// host name resolved (blocking getaddrinfo) to its first IPv4 address, as
/// Twisted's listenTCP does (its socket.bind resolves the name, AF_INET
/// even for tcp6). The reactor's listenTCP takes literals only.
/// Mirrors: the name resolution in twisted.internet.tcp.Port.startListening.
/// @throws internet::error::CannotListenError if the name does not resolve.
std::string resolveInterface(const std::string& interface, int port);

/// The description back in canonical form, e.g. "tcp:8123:interface=127.0.0.1"
/// or "ssl:8443:privateKey=server.pem".
std::string toString(const ServerEndpoint& endpoint);

}  // namespace twisted::twist
