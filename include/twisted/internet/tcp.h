// TCP on any FD-set reactor. Mirrors twisted.internet.tcp; ReactorBase's
// listenTCP/connectTCP (IReactorTCP) call these.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/internet/interfaces/ireactor_tcp.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::internet::tcp {

/// IReactorTCP.listenTCP on `reactor`. @throws error::CannotListenError
TWISTED_API std::shared_ptr<IListeningPort> listenTCP(ReactorBase& reactor, int port,
                                                      std::shared_ptr<Factory> factory,
                                                      int backlog = 50,
                                                      std::string_view interface = "");

/// IReactorTCP.connectTCP on `reactor`.
TWISTED_API std::shared_ptr<IConnector> connectTCP(
    ReactorBase& reactor, std::string_view host, int port, std::shared_ptr<ClientFactory> factory,
    double timeout = 30, std::optional<std::pair<std::string, int>> bindAddress = {});

}  // namespace twisted::internet::tcp
