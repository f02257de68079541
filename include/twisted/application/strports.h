// strports::service: a server service from an endpoint description.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string_view>

#include <twisted/application/internet/stream_server_endpoint_service.h>
#include <twisted/internet/protocol.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::application::strports {

/// A StreamServerEndpointService listening with `factory` on
/// serverFromString(reactor, description), raising a listen error that
/// happens at once from privilegedStartService / startService.
///
///     auto svc = strports::service("tcp:8080:interface=127.0.0.1", factory, reactor());
///     svc->setServiceParent(app);
///
/// Mirrors: twisted.application.strports.service(description, factory, reactor).
/// @throws endpoints::EndpointParseError for a bad description (and what
///         serverFromString throws).
TWISTED_API std::shared_ptr<internet::StreamServerEndpointService> service(
    std::string_view description, std::shared_ptr<twisted::internet::Factory> factory,
    twisted::internet::ReactorBase& reactor);

/// As above on the global reactor (Twisted's reactor=None).
TWISTED_API std::shared_ptr<internet::StreamServerEndpointService> service(
    std::string_view description, std::shared_ptr<twisted::internet::Factory> factory);

}  // namespace twisted::application::strports
