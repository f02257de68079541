#include "endpoint.h"

#include <stdexcept>
#include <variant>

#include <twisted/internet/endpoints/detail/from_string_specs.h>
#include <twisted/internet/endpoints/detail/tls_files.h>

namespace twisted::twist {

namespace spec = internet::endpoints::detail;

ClientEndpoint parseClientEndpoint(std::string_view description) {
  spec::ClientSpec parsed = spec::clientSpec(description);
  auto refuse = [&](const std::string& why) -> void {
    throw EndpointParseError(description, 0,
                             why + " (portforward connects to tcp:HOST:PORT or tls:HOST:PORT)");
  };
  ClientEndpoint out;
  if (auto* tcp = std::get_if<spec::TCPClientSpec>(&parsed)) {
    if (tcp->bindAddress) refuse("bindAddress= is not supported here");
    out.host = tcp->host;
    out.port = tcp->port;
    out.timeout = tcp->timeout;
  } else if (auto* tls = std::get_if<spec::TLSClientSpec>(&parsed)) {
    if (tls->bindAddress) refuse("bindAddress= is not supported here");
    if (tls->endpoint) refuse("endpoint= is not supported here");
    out.host = tls->host;
    out.port = tls->port;
    out.timeout = tls->timeout;
    out.tls = TLSClientFiles{tls->trustRoots, tls->certificate, tls->privateKey};
  } else {
    refuse("this endpoint type is not supported here");
  }
  return out;
}

internet::ssl::CertificateOptions clientTLSOptions(const ClientEndpoint& endpoint) {
  if (!endpoint.tls) throw std::logic_error("clientTLSOptions: not a tls: endpoint");
  return internet::endpoints::detail::clientTLSOptions(
      endpoint.host, endpoint.tls->trustRoots, endpoint.tls->certificate, endpoint.tls->privateKey);
}

}  // namespace twisted::twist
