// serverFromString / clientFromString: endpoints from strings such as
// "tcp:8080:interface=127.0.0.1", plus the plug-in registry for new types.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>

namespace twisted::internet {
class ReactorBase;
}

namespace twisted::internet::endpoints {

/// A description split into fields, before any type gives them meaning:
/// "a:b:d=1:c" is prefix "a", args {"b", "c"}, kwargs {d: "1"}. Fields are
/// separated by ':'; the first '=' of a field makes it key=value; a
/// backslash takes the next character literally. The prefix is the first
/// positional field (wherever keyword fields are); a key given twice keeps
/// its last value, as Python's dict does. Positions are 0-based offsets of
/// each field in the description, for error messages.
/// Mirrors: twisted.internet.endpoints._parse (prefix = args[0]).
struct TWISTED_API EndpointDescription {
  std::string prefix;                                 ///< the endpoint type, e.g. "tcp"
  std::vector<std::string> args;                      ///< positional fields after the prefix
  std::map<std::string, std::string> kwargs;          ///< key=value fields
  std::size_t prefixPosition = 0;                     ///< where the prefix field starts
  std::vector<std::size_t> argPositions;              ///< one per args entry
  std::map<std::string, std::size_t> kwargPositions;  ///< one per kwargs entry
};

/// Splits `description` (Twisted's _tokenize + _parse).
/// @throws EndpointParseError if it ends with a lone backslash (Twisted:
///         RuntimeError from its tokenizer) or has no positional field to
///         name the type ("port=80").
TWISTED_API EndpointDescription parseDescription(std::string_view description);

/// `argument` with '\' and ':' escaped, to put a value (a path, an IPv6
/// address) into a description: parseDescription gives it back unchanged.
/// Mirrors: twisted.internet.endpoints.quoteStringArgument.
TWISTED_API std::string quoteStringArgument(std::string_view argument);

/// Makes a server endpoint from `description`:
///  - `tcp:PORT[:interface=ADDR][:backlog=N]` (positional: port, interface,
///    backlog) -> TCP4ServerEndpoint; a host name as interface is resolved
///    to its first IPv4 address when listening;
///  - `tcp6:PORT[:backlog=N][:interface=ADDR]` (positional: port, backlog,
///    interface; interface "::") -> TCP6ServerEndpoint;
///  - `unix:ADDRESS[:mode=OCTAL][:backlog=N][:lockfile=0|1]` (mode 666,
///    lockfile 1) -> UNIXServerEndpoint;
///  - `ssl:PORT:privateKey=KEY.pem[:certKey=CERT.pem][:extraCertChain=PEM]
///    [:interface=ADDR][:backlog=N]` (positional: port, privateKey,
///    certKey; certKey defaults to privateKey) -> SSL4ServerEndpoint; the
///    files are read now;
///  - `systemd:domain=INET|INET6|UNIX:index=N` -> AdoptedStreamServerEndpoint
///    of the N-th descriptor inherited through LISTEN_FDS / LISTEN_PID
///    (python::ListenFDs, read once per process);
///  - `stdio:` -> StandardIOEndpoint;
///  - a prefix registered with registerServerParser.
/// Prefixes are case-insensitive.
/// Mirrors: twisted.internet.endpoints.serverFromString.
/// @throws EndpointParseError for a description that does not parse (see
///         checkServerString), or a systemd index with no inherited socket;
///         ssl::CertificateError for TLS files that cannot be read or used;
///         whatever a registered parser throws.
TWISTED_API std::shared_ptr<IStreamServerEndpoint> serverFromString(ReactorBase& reactor,
                                                                    std::string_view description);

/// Makes a client endpoint from `description`:
///  - `tcp:HOST:PORT[:timeout=S][:bindAddress=ADDR]` (also host=, port=) ->
///    TCP4ClientEndpoint (as Twisted 22's "tcp" client);
///  - `unix:PATH[:timeout=S][:lockfile=0|1]` (also path=, checkPID=) ->
///    UNIXClientEndpoint;
///  - `tls:HOST:PORT[:timeout=S][:bindAddress=ADDR][:certificate=PEM]
///    [:privateKey=PEM][:trustRoots=PATH][:endpoint=DESCRIPTION]` ->
///    wrapClientTLS(optionsForClientTLS(HOST, ...), HostnameEndpoint (for
///    now a TCP4ClientEndpoint) or the client endpoint `endpoint=`
///    describes); the files are read now;
///  - a prefix registered with registerClientParser.
/// Prefixes are case-insensitive.
/// Mirrors: twisted.internet.endpoints.clientFromString.
/// @throws EndpointParseError (see checkClientString); ssl::CertificateError
///         for TLS files that cannot be read; whatever a registered parser throws.
TWISTED_API std::shared_ptr<IStreamClientEndpoint> clientFromString(ReactorBase& reactor,
                                                                    std::string_view description);

/// Checks what serverFromString would, without reading files, the
/// environment or the reactor: the syntax, the type, the arguments and the
/// numbers (port 0-65535, backlog 1-65535, mode octal, index >= 0, domain).
/// A registered prefix is only looked up (its parser runs at
/// serverFromString). C++ addition (for command-line validation).
/// @throws EndpointParseError.
TWISTED_API void checkServerString(std::string_view description);

/// checkServerString for clientFromString (port 1-65535, timeout 1-86400;
/// a nested tls endpoint= is checked too). C++ addition.
/// @throws EndpointParseError.
TWISTED_API void checkClientString(std::string_view description);

/// Makes a server endpoint from a description's positional and keyword
/// arguments (the prefix removed). Throw EndpointParseError (or anything)
/// to refuse them. Mirrors: IStreamServerEndpointStringParser.parseStreamServer.
using ServerParser = std::function<std::shared_ptr<IStreamServerEndpoint>(
    ReactorBase& reactor, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& kwargs)>;

/// Makes a client endpoint likewise.
/// Mirrors: IStreamClientEndpointStringParserWithReactor.parseStreamClient.
using ClientParser = std::function<std::shared_ptr<IStreamClientEndpoint>(
    ReactorBase& reactor, const std::vector<std::string>& args,
    const std::map<std::string, std::string>& kwargs)>;

/// Adds server endpoint type `prefix` (case-insensitive): serverFromString
/// calls `parser` for "PREFIX:...". Thread-safe.
/// Mirrors: installing an IStreamServerEndpointStringParser plug-in
/// (twisted/plugins/*.py) — a call instead of a plug-in module.
/// @throws std::invalid_argument if `prefix` is empty, contains ':', '=' or
///         '\', or is a built-in or already registered type.
TWISTED_API void registerServerParser(std::string_view prefix, ServerParser parser);

/// Adds client endpoint type `prefix` likewise.
/// Mirrors: installing an IStreamClientEndpointStringParserWithReactor plug-in.
/// @throws std::invalid_argument as registerServerParser.
TWISTED_API void registerClientParser(std::string_view prefix, ClientParser parser);

/// Removes a registered server type; false if there was none. C++ addition.
TWISTED_API bool unregisterServerParser(std::string_view prefix);

/// Removes a registered client type; false if there was none. C++ addition.
TWISTED_API bool unregisterClientParser(std::string_view prefix);

}  // namespace twisted::internet::endpoints
