// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/adopted_stream_server_endpoint.h>

#include <unistd.h>

#include <twisted/internet/error.h>

#include "internet/endpoints/listen.h"

namespace twisted::internet::endpoints {

AdoptedStreamServerEndpoint::AdoptedStreamServerEndpoint(IReactorSocket& reactor, int fileno,
                                                         int addressFamily)
    : reactor_(reactor), fileno_(fileno), addressFamily_(addressFamily) {}

defer::Deferred<std::shared_ptr<IListeningPort>> AdoptedStreamServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  if (used_)
    return defer::fail<std::shared_ptr<IListeningPort>>(python::Failure(error::AlreadyListened()));
  return detail::listenWith([&] {
    std::shared_ptr<IListeningPort> port =
        reactor_.adoptStreamPort(fileno_, addressFamily_, std::move(factory));
    // Adopted: the reactor works on its own duplicate. Twisted closes the
    // original too.
    used_ = true;
    ::close(fileno_);
    return port;
  });
}

}  // namespace twisted::internet::endpoints
