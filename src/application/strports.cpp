#include <twisted/application/strports.h>

#include <twisted/internet/endpoints/from_string.h>
#include <twisted/internet/reactor.h>

namespace twisted::application::strports {

std::shared_ptr<internet::StreamServerEndpointService> service(
    std::string_view description, std::shared_ptr<twisted::internet::Factory> factory,
    twisted::internet::ReactorBase& reactor) {
  auto svc = std::make_shared<internet::StreamServerEndpointService>(
      twisted::internet::endpoints::serverFromString(reactor, description), std::move(factory));
  svc->setRaiseSynchronously(true);  // as Twisted's strports.service sets _raiseSynchronously
  return svc;
}

std::shared_ptr<internet::StreamServerEndpointService> service(
    std::string_view description, std::shared_ptr<twisted::internet::Factory> factory) {
  return service(description, std::move(factory), twisted::internet::reactor());
}

}  // namespace twisted::application::strports
