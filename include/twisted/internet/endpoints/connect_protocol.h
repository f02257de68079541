// Connecting one protocol instance through an endpoint. Mirrors
// twisted.internet.endpoints.connectProtocol.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <type_traits>

#include <twisted/internet/interfaces/istream_client_endpoint.h>

namespace twisted::internet::endpoints {

namespace detail {
/// connectProtocol, untyped.
TWISTED_API defer::Deferred<Protocol*> connectProtocol(IStreamClientEndpoint& endpoint,
                                                       std::unique_ptr<Protocol> protocol);
}  // namespace detail

/// Connects `protocol` (one instance, no factory to write) through
/// `endpoint`. The Deferred fires with it once its connectionMade has run
/// (the connection owns it from then on: the pointer is valid until its
/// connectionLost returns), or errbacks as endpoint.connect() does; if the
/// attempt fails, the protocol is destroyed.
/// Mirrors: twisted.internet.endpoints.connectProtocol(endpoint, protocol).
template <class P>
defer::Deferred<P*> connectProtocol(IStreamClientEndpoint& endpoint, std::unique_ptr<P> protocol) {
  static_assert(std::is_base_of_v<Protocol, P>, "P must derive from Protocol");
  return detail::connectProtocol(endpoint, std::unique_ptr<Protocol>(std::move(protocol)))
      .addCallback([](Protocol* p) { return static_cast<P*>(p); });
}

}  // namespace twisted::internet::endpoints
