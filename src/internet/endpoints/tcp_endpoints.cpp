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
  return connectTo(host_, std::move(factory));
}

defer::Deferred<Protocol*> TCPClientEndpoint::connectTo(const std::string& host,
                                                        std::shared_ptr<Factory> factory) {
  return wrapConnect(
      std::move(factory),
      [&](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectTCP(host, port_, std::move(f), timeout_, bindAddress_);
      },
      describeTarget({host, port_}));
}

}  // namespace detail

defer::Deferred<Protocol*> TCP6ClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  in6_addr literal{};
  if (::inet_pton(AF_INET6, host().c_str(), &literal) == 1)
    return TCPClientEndpoint::connect(std::move(factory));
  if (!resolver_)
    return defer::fail<Protocol*>(python::Failure(error::InvalidAddressError(
        host(),
        "TCP6ClientEndpoint has no resolver for a name (its reactor runs no thread "
        "pool): pass one, or an IPv6 address")));
  defer::Deferred<std::vector<Address>> lookup;
  try {
    lookup = resolver_->resolveHostName(host(), 0, std::vector<AddressType>{AddressType::IPv6});
  } catch (...) {
    return defer::fail<Protocol*>(python::Failure());
  }
  // The endpoint may be gone when the answer comes: the attempt keeps a copy.
  return lookup.addCallback([self = *this, factory = std::move(factory)](
                                std::vector<Address> found) mutable -> defer::Deferred<Protocol*> {
    if (found.empty())
      return defer::fail<Protocol*>(
          python::Failure(error::DNSLookupError("no IPv6 address for '" + self.host() + "'")));
    return self.connectTo(hostOf(found.front()), std::move(factory));
  });
}

}  // namespace twisted::internet::endpoints
