#include <twisted/application/internet/stream_server_endpoint_service.h>

#include <exception>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/python/log.h>

namespace twisted::application::internet {

namespace defer = twisted::internet::defer;
using twisted::internet::IListeningPort;

StreamServerEndpointService::StreamServerEndpointService(
    std::shared_ptr<twisted::internet::IStreamServerEndpoint> endpoint,
    std::shared_ptr<twisted::internet::Factory> factory)
    : endpoint_(std::move(endpoint)), factory_(std::move(factory)) {}

void StreamServerEndpointService::privilegedStartService() {
  Service::privilegedStartService();
  // Whether a failure is raised or logged is decided when it arrives: during
  // listen() (then raiseNow still holds raiseSynchronously_) or later.
  auto raiseNow = std::make_shared<bool>(raiseSynchronously_);
  auto raised = std::make_shared<std::optional<python::Failure>>();
  auto state = state_;
  waitingForPort_ = endpoint_->listen(factory_).addCallbacks(
      [state](std::shared_ptr<IListeningPort> port) { state->port = std::move(port); },
      [raiseNow, raised](const python::Failure& f) {
        if (*raiseNow)
          *raised = f;
        else if (!f.check<defer::CancelledError>())
          python::log::err(f, "StreamServerEndpointService failed to listen");
      });
  *raiseNow = false;
  raiseSynchronously_ = false;
  if (*raised) std::rethrow_exception((*raised)->value());
}

void StreamServerEndpointService::startService() {
  Service::startService();
  if (!waitingForPort_) privilegedStartService();
}

defer::Deferred<void> StreamServerEndpointService::stopService() {
  if (!waitingForPort_) {  // never started (Twisted raises AttributeError)
    setRunning(false);
    return defer::succeed();
  }
  try {
    waitingForPort_->cancel();  // a listen still pending gives up; a fired one ignores this
  } catch (...) {
    python::log::err(std::current_exception(), "Error cancelling a pending listen");
  }
  auto state = state_;
  std::weak_ptr<IService> self = weak_from_this();
  waitingForPort_ = waitingForPort_->addCallback([state]() -> defer::Deferred<void> {
    if (auto port = std::exchange(state->port, nullptr)) return port->stopListening();
    return defer::succeed();
  });
  return waitingForPort_->addBoth([self](defer::Outcome<void> o) {
    if (auto s = self.lock()) static_cast<StreamServerEndpointService&>(*s).setRunning(false);
    o.value();  // passes a stopListening failure on
  });
}

}  // namespace twisted::application::internet
