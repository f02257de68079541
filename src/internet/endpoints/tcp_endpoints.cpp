// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/tcp_endpoints.h>

#include <arpa/inet.h>

#include <twisted/internet/endpoints/detail/happy_eyeballs.h>
#include <twisted/internet/error.h>

#include "internet/endpoints/listen.h"
#include "internet/endpoints/wrapping.h"

namespace twisted::internet::endpoints {

namespace detail {

defer::Deferred<std::shared_ptr<IListeningPort>> TCPServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return listenWith(
      [&] { return reactor_.listenTCP(port_, std::move(factory), backlog_, interface_); });
}

defer::Deferred<Protocol*> TCPClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  return wrapConnect(
      std::move(factory),
      [this](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectTCP(host_, port_, std::move(f), timeout_, bindAddress_);
      },
      describeTarget({host_, port_}));
}

}  // namespace detail

defer::Deferred<Protocol*> TCP6ClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  in6_addr literal{};
  if (::inet_pton(AF_INET6, host().c_str(), &literal) != 1)
    return defer::fail<Protocol*>(python::Failure(error::InvalidAddressError(
        host(), "TCP6ClientEndpoint takes an IPv6 address; use HostnameEndpoint for a name")));
  return TCPClientEndpoint::connect(std::move(factory));
}

}  // namespace twisted::internet::endpoints
