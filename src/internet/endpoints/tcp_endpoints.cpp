// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/tcp_endpoints.h>

#include <arpa/inet.h>

#include <twisted/internet/error.h>

#include "internet/endpoints/listen.h"
#include "internet/endpoints/wrapping.h"

namespace twisted::internet::endpoints {

TCP4ServerEndpoint::TCP4ServerEndpoint(IReactorTCP& reactor, int port, int backlog,
                                       std::string interface)
    : reactor_(reactor), port_(port), backlog_(backlog), interface_(std::move(interface)) {}

defer::Deferred<std::shared_ptr<IListeningPort>> TCP4ServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return detail::listenWith(
      [&] { return reactor_.listenTCP(port_, std::move(factory), backlog_, interface_); });
}

TCP6ServerEndpoint::TCP6ServerEndpoint(IReactorTCP& reactor, int port, int backlog,
                                       std::string interface)
    : reactor_(reactor), port_(port), backlog_(backlog), interface_(std::move(interface)) {}

defer::Deferred<std::shared_ptr<IListeningPort>> TCP6ServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return detail::listenWith(
      [&] { return reactor_.listenTCP(port_, std::move(factory), backlog_, interface_); });
}

TCP4ClientEndpoint::TCP4ClientEndpoint(IReactorTCP& reactor, std::string host, int port,
                                       double timeout,
                                       std::optional<std::pair<std::string, int>> bindAddress)
    : reactor_(reactor),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)) {}

defer::Deferred<Protocol*> TCP4ClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  return detail::wrapConnect(
      std::move(factory),
      [this](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectTCP(host_, port_, std::move(f), timeout_, bindAddress_);
      },
      host_ + ":" + std::to_string(port_));
}

TCP6ClientEndpoint::TCP6ClientEndpoint(IReactorTCP& reactor, std::string host, int port,
                                       double timeout,
                                       std::optional<std::pair<std::string, int>> bindAddress)
    : reactor_(reactor),
      host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)) {}

defer::Deferred<Protocol*> TCP6ClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  in6_addr literal{};
  if (::inet_pton(AF_INET6, host_.c_str(), &literal) != 1)
    return defer::fail<Protocol*>(python::Failure(error::InvalidAddressError(
        host_, "TCP6ClientEndpoint takes an IPv6 address; use HostnameEndpoint for a name")));
  return detail::wrapConnect(
      std::move(factory),
      [this](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectTCP(host_, port_, std::move(f), timeout_, bindAddress_);
      },
      "[" + host_ + "]:" + std::to_string(port_));
}

}  // namespace twisted::internet::endpoints
