#include <twisted/internet/tcp.h>

#include "internet/stream/connector.h"
#include "internet/stream/port.h"

namespace twisted::internet::tcp {

std::shared_ptr<IListeningPort> listenTCP(ReactorBase& reactor, int port,
                                          std::shared_ptr<Factory> factory, int backlog,
                                          std::string_view interface) {
  auto p = std::make_shared<stream::detail::Port>(reactor, port, std::move(factory), backlog,
                                                  std::string(interface));
  p->startListening();
  return p;
}

std::shared_ptr<IConnector> connectTCP(ReactorBase& reactor, std::string_view host, int port,
                                       std::shared_ptr<ClientFactory> factory, double timeout,
                                       std::optional<std::pair<std::string, int>> bindAddress) {
  auto c = std::make_shared<stream::detail::Connector>(
      reactor, std::string(host), port, std::move(factory), timeout, std::move(bindAddress));
  c->connect();
  return c;
}

}  // namespace twisted::internet::tcp

namespace twisted::internet {

std::shared_ptr<IListeningPort> ReactorBase::listenTCP(int port, std::shared_ptr<Factory> factory,
                                                       int backlog, std::string_view interface) {
  return tcp::listenTCP(*this, port, std::move(factory), backlog, interface);
}

std::shared_ptr<IConnector> ReactorBase::connectTCP(
    std::string_view host, int port, std::shared_ptr<ClientFactory> factory, double timeout,
    std::optional<std::pair<std::string, int>> bindAddress) {
  return tcp::connectTCP(*this, host, port, std::move(factory), timeout, std::move(bindAddress));
}

}  // namespace twisted::internet
