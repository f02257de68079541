// Test: tests/internet/endpoints/test_endpoints.cpp
#include <twisted/internet/endpoints/unix_endpoints.h>

#include "internet/endpoints/listen.h"
#include "internet/endpoints/wrapping.h"

namespace twisted::internet::endpoints {

UNIXServerEndpoint::UNIXServerEndpoint(IReactorUNIX& reactor, std::string address, int backlog,
                                       int mode, bool wantPID)
    : reactor_(reactor),
      address_(std::move(address)),
      backlog_(backlog),
      mode_(mode),
      wantPID_(wantPID) {}

defer::Deferred<std::shared_ptr<IListeningPort>> UNIXServerEndpoint::listen(
    std::shared_ptr<Factory> factory) {
  return detail::listenWith(
      [&] { return reactor_.listenUNIX(address_, std::move(factory), backlog_, mode_, wantPID_); });
}

UNIXClientEndpoint::UNIXClientEndpoint(IReactorUNIX& reactor, std::string path, double timeout,
                                       bool checkPID)
    : reactor_(reactor), path_(std::move(path)), timeout_(timeout), checkPID_(checkPID) {}

defer::Deferred<Protocol*> UNIXClientEndpoint::connect(std::shared_ptr<Factory> factory) {
  return detail::wrapConnect(
      std::move(factory),
      [this](std::shared_ptr<ClientFactory> f) {
        return reactor_.connectUNIX(path_, std::move(f), timeout_, checkPID_);
      },
      path_);
}

}  // namespace twisted::internet::endpoints
