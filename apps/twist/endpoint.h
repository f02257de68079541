// `portforward --connect`: the destination of a client endpoint description
// (the library's clientFromString grammar), for ProxyFactory, which
// connects with connectTCP / connectSSL itself. Server descriptions
// (`--listen`) go straight to internet::endpoints::serverFromString.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <twisted/internet/endpoints/endpoint_parse_error.h>
#include <twisted/internet/ssl.h>

namespace twisted::twist {

using internet::endpoints::EndpointParseError;

/// The files of a `tls:` client endpoint (paths as given).
struct TLSClientFiles {
  std::string trustRoots;   ///< a PEM file or a directory of them ("" = the platform's)
  std::string certificate;  ///< our PEM certificate, sent if the server asks ("" = none)
  std::string privateKey;   ///< its PEM key ("" = in the certificate file)
  friend bool operator==(const TLSClientFiles&, const TLSClientFiles&) = default;
};

/// Where a `tcp:` or `tls:` client description connects.
struct ClientEndpoint {
  std::string host;
  int port = 0;
  double timeout = 30;                ///< seconds
  std::optional<TLSClientFiles> tls;  ///< set for `tls:`
  friend bool operator==(const ClientEndpoint&, const ClientEndpoint&) = default;
};

/// Parses `tcp:HOST:PORT[:timeout=S]` or `tls:HOST:PORT[:timeout=S]
/// [:trustRoots=PATH][:certificate=PEM][:privateKey=PEM]` with the library's
/// checks (internet::endpoints::checkClientString).
/// @throws EndpointParseError, also for the other client types (unix:,
///         bindAddress=, a nested tls endpoint=), which portforward cannot use.
ClientEndpoint parseClientEndpoint(std::string_view description);

/// The client TLS options of a `tls:` endpoint (the library's file handling).
/// @throws internet::ssl::CertificateError for a file that cannot be read.
internet::ssl::CertificateOptions clientTLSOptions(const ClientEndpoint& endpoint);

}  // namespace twisted::twist
