#include <twisted/application/internet/stream_server_endpoint_service.h>

#include <cmath>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/error.h>
#include <twisted/python/log.h>

#include "../../internet/endpoints/wrapping.h"

namespace twisted::application::internet {

namespace defer = twisted::internet::defer;
using twisted::internet::IListeningPort;
using twisted::internet::Protocol;

namespace {

// Builds the user's protocols wrapped (as endpoints wrap client protocols) so
// the service learns when each connection is up and when it is gone.
class TrackingFactory final : public twisted::internet::ServerFactory {
 public:
  using Track = std::function<void(std::uint64_t, Protocol*)>;
  TrackingFactory(std::shared_ptr<twisted::internet::Factory> wrapped, Track made,
                  std::function<void(std::uint64_t)> lost)
      : wrapped_(std::move(wrapped)), made_(std::move(made)), lost_(std::move(lost)) {
    noisy = false;  // the wrapped factory says it
  }
  std::unique_ptr<Protocol> buildProtocol(const twisted::internet::Address& addr) override {
    std::unique_ptr<Protocol> p = wrapped_->buildProtocol(addr);
    if (!p) return nullptr;
    std::uint64_t id = nextId_++;
    defer::Deferred<Protocol*> connected;
    connected.addCallback([made = made_, id](Protocol* built) { made(id, built); });
    return twisted::internet::endpoints::detail::wrapProtocol(std::move(p), connected,
                                                              [lost = lost_, id] { lost(id); });
  }
  void doStart() override { wrapped_->doStart(); }
  void doStop() override { wrapped_->doStop(); }
  std::string logPrefix() const override { return wrapped_->logPrefix(); }

 private:
  std::shared_ptr<twisted::internet::Factory> wrapped_;
  Track made_;
  std::function<void(std::uint64_t)> lost_;
  std::uint64_t nextId_ = 0;
};

// Calls `f` on every connection still open; `f` may close one (and so
// erase it) at once. A throw is logged as `what` and the rest go on.
template <class F>
void forEachConnection(std::map<std::uint64_t, Protocol*>& connections, const char* what, F f) {
  std::vector<std::uint64_t> ids;
  for (auto& [id, p] : connections)
    ids.push_back(id);
  for (std::uint64_t id : ids) {
    auto it = connections.find(id);
    if (it == connections.end()) continue;
    try {
      f(*it->second);
    } catch (...) {
      python::log::err(std::current_exception(), what);
    }
  }
}

// forEachConnection on the transports.
template <class F>
void forEachTransport(std::map<std::uint64_t, Protocol*>& connections, F f) {
  forEachConnection(connections, "Error closing a connection while draining", [&f](Protocol& p) {
    if (p.transport) f(*p.transport);
  });
}

}  // namespace

void StreamServerEndpointService::setDrainTimeout(twisted::internet::IReactorTime& clock,
                                                  double timeout, double grace) {
  if (!(timeout >= 0) || !(grace >= 0) || std::isinf(timeout) || std::isinf(grace))
    throw std::invalid_argument("drain timeout and grace must be finite and >= 0");
  clock_ = &clock;
  drainTimeout_ = timeout;
  drainGrace_ = grace;
}

defer::Deferred<void> StreamServerEndpointService::drainConnections(
    const std::shared_ptr<State>& state, twisted::internet::IReactorTime& clock, double timeout,
    double grace) {
  if (state->connections.empty()) return defer::succeed();
  defer::Deferred<void> done;
  state->drained = done;
  forEachConnection(state->connections, "Error draining a connection", [](Protocol& p) {
    if (auto* d = dynamic_cast<IDrainableProtocol*>(&p)) d->drain();
  });
  if (!state->drained) return done;  // they all closed at once
  twisted::internet::IReactorTime* c = &clock;
  state->deadline = clock.callLater(timeout, [state, c, grace, timeout] {
    python::log::msg("Drain timeout (" + std::to_string(timeout) + " s): closing " +
                     std::to_string(state->connections.size()) + " connection(s)");
    forEachTransport(state->connections,
                     [](twisted::internet::ITransport& t) { t.loseConnection(); });
    if (state->connections.empty()) return;
    state->abortAt = c->callLater(grace, [state] {
      forEachTransport(state->connections,
                       [](twisted::internet::ITransport& t) { t.abortConnection(); });
    });
  });
  return done;
}

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
  std::shared_ptr<twisted::internet::Factory> factory = factory_;
  if (drainTimeout_) {
    std::weak_ptr<State> weak = state_;
    factory = std::make_shared<TrackingFactory>(
        factory_,
        [weak](std::uint64_t id, Protocol* p) {
          if (auto s = weak.lock()) s->connections.emplace(id, p);
        },
        [weak](std::uint64_t id) {
          auto s = weak.lock();
          if (!s || !s->connections.erase(id) || !s->connections.empty() || !s->drained) return;
          if (s->deadline.active()) s->deadline.cancel();
          if (s->abortAt.active()) s->abortAt.cancel();
          defer::Deferred<void> drained = std::move(*s->drained);
          s->drained.reset();
          drained.callback();
        });
  }
  waitingForPort_ = endpoint_->listen(factory).addCallbacks(
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
  if (drainTimeout_) {
    twisted::internet::IReactorTime* clock = clock_;
    double timeout = *drainTimeout_, grace = drainGrace_;
    waitingForPort_ = waitingForPort_->addCallback(
        [state, clock, timeout, grace] { return drainConnections(state, *clock, timeout, grace); });
  }
  return waitingForPort_->addBoth([self](defer::Outcome<void> o) {
    if (auto s = self.lock()) static_cast<StreamServerEndpointService&>(*s).setRunning(false);
    o.value();  // passes a stopListening failure on
  });
}

}  // namespace twisted::application::internet
