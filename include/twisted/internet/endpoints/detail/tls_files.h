// The file handling of the "ssl" server and "tls" client description
// types, shared by serverFromString/clientFromString and twist.
#pragma once

#include <twisted/export.h>

#include <string>

#include <twisted/internet/ssl.h>

namespace twisted::internet::endpoints::detail {

/// Server TLS options from PEM files: the key in `privateKey`, the
/// certificate (then the rest of that file, then `extraCertChain` if not
/// empty, as the chain) in `certKey` (empty: `privateKey`).
/// Mirrors: the file reading of twisted.internet.endpoints._parseSSL.
/// @throws ssl::CertificateError naming the file that cannot be read or
///         parsed, or the key and certificate that do not match.
TWISTED_API ssl::CertificateOptions serverTLSOptions(const std::string& privateKey,
                                                     const std::string& certKey,
                                                     const std::string& extraCertChain);

/// Client TLS options verifying `host`: trust `trustRoots` (a PEM file or a
/// directory; empty: the platform's store), present `certificate` with
/// `privateKey` (empty: the key is in the certificate file; no certificate:
/// none). Mirrors: _parseClientTLS's optionsForClientTLS(host,
/// _parseTrustRootPath(trustRoots), _privateCertFromPaths(...)).
/// @throws ssl::CertificateError for a file that cannot be read or parsed.
TWISTED_API ssl::CertificateOptions clientTLSOptions(const std::string& host,
                                                     const std::string& trustRoots,
                                                     const std::string& certificate,
                                                     const std::string& privateKey);

/// The address to bind for `interface`: "" and IP literals as they are, a
/// host name resolved (blocking getaddrinfo) to its first IPv4 address, as
/// Twisted's listenTCP does through socket.bind (AF_INET even for tcp6).
/// Mirrors: the name resolution in twisted.internet.tcp.Port.startListening.
/// @throws error::CannotListenError if the name does not resolve.
TWISTED_API std::string resolveInterface(const std::string& interface, int port);

}  // namespace twisted::internet::endpoints::detail
