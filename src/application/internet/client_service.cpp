#include <twisted/application/internet/client_service.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <twisted/internet/defer/errors.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/reactor.h>
#include <twisted/python/log.h>

#include "internet/endpoints/wrapping.h"

namespace twisted::application::internet {

namespace defer = twisted::internet::defer;
using twisted::internet::Address;
using twisted::internet::Factory;
using twisted::internet::Protocol;

namespace {

/// The user's factory, with each protocol wrapped.
/// Mirrors twisted.application.internet._DisconnectFactory.
class DisconnectFactory final : public Factory {
 public:
  DisconnectFactory(std::shared_ptr<Factory> inner, std::function<void()> lost)
      : inner_(std::move(inner)), lost_(std::move(lost)) {}
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    std::unique_ptr<Protocol> p = inner_->buildProtocol(addr);
    if (!p) return nullptr;
    // The wrapper tells `lost_` when the connection ends (Twisted's
    // _ReconnectingProtocolProxy); the endpoints' one wrapping protocol.
    // It keeps the factory alive: the protocol's `factory` stays valid.
    return twisted::internet::endpoints::detail::wrapProtocol(
        std::move(p), defer::Deferred<Protocol*>(), [keep = inner_, lost = lost_] { lost(); });
  }
  void doStart() override { inner_->doStart(); }
  void doStop() override { inner_->doStop(); }
  std::string logPrefix() const override { return inner_->logPrefix(); }

 private:
  std::shared_ptr<Factory> inner_;
  std::function<void()> lost_;
};

}  // namespace

namespace detail {

/// ClientService's state machine; callbacks reach it through weak
/// references, so a destroyed service ignores late events.
/// Mirrors twisted.application.internet._ClientMachine.
class ClientMachine : public std::enable_shared_from_this<ClientMachine> {
 public:
  enum class State {
    kInit,
    kConnecting,
    kWaiting,
    kConnected,
    kDisconnecting,
    kRestarting,
    kStopped
  };

  ClientMachine(std::shared_ptr<twisted::internet::IStreamClientEndpoint> endpoint,
                std::shared_ptr<Factory> factory, RetryPolicy policy,
                twisted::internet::IReactorTime& clock, PrepareConnection prepare)
      : endpoint_(std::move(endpoint)),
        factory_(std::move(factory)),
        policy_(std::move(policy)),
        clock_(clock),
        prepare_(std::move(prepare)) {}

  ~ClientMachine() {
    if (retryCall_.active()) retryCall_.cancel();
  }

  // ---- inputs ----
  void start() {
    switch (state_) {
      case State::kInit:
      case State::kStopped:
        state_ = State::kConnecting;
        connect();
        break;
      case State::kDisconnecting:
        state_ = State::kRestarting;
        failedAttempts_ = 0;
        break;
      default:
        break;
    }
  }

  defer::Deferred<void> stop() {
    switch (state_) {
      case State::kInit:
      case State::kStopped:
        state_ = State::kStopped;
        return defer::succeed();
      case State::kConnecting: {
        state_ = State::kDisconnecting;
        auto w = waitForStop();
        if (inProgress_) inProgress_->cancel();
        return w;
      }
      case State::kWaiting: {
        state_ = State::kStopped;
        auto w = waitForStop();
        cancelConnectWaiters();
        if (retryCall_.active()) retryCall_.cancel();
        finishStopping();
        return w;
      }
      case State::kConnected: {
        state_ = State::kDisconnecting;
        auto w = waitForStop();
        if (current_ && current_->transport) current_->transport->loseConnection();
        return w;
      }
      case State::kDisconnecting:
      case State::kRestarting:
        state_ = State::kDisconnecting;
        return waitForStop();
    }
    return defer::succeed();
  }

  defer::Deferred<Protocol*> whenConnected(std::optional<int> failAfterFailures) {
    switch (state_) {
      case State::kConnected:
        return defer::succeed(current_);
      case State::kStopped:
        return defer::fail<Protocol*>(defer::CancelledError());
      default: {
        defer::Deferred<Protocol*> d;
        awaiting_.emplace_back(d, failAfterFailures);
        return d;
      }
    }
  }

 private:
  void connectionMade(std::uint64_t attempt, Protocol* inner) {
    if (attempt != attempt_) return;
    inProgress_.reset();
    current_ = inner;
    switch (state_) {
      case State::kConnecting:
        state_ = State::kConnected;
        failedAttempts_ = 0;
        unawait(inner);
        break;
      default:
        // Stopped while connecting but the connection won the race with
        // cancel() (Twisted's machine has no transition for this): close
        // it; its loss finishes the stop (or the restart).
        if (inner->transport) inner->transport->loseConnection();
        break;
    }
  }

  void connectionFailed(std::uint64_t attempt, const python::Failure& f) {
    if (attempt != attempt_) return;
    inProgress_.reset();
    switch (state_) {
      case State::kConnecting:
        state_ = State::kWaiting;
        doWait();
        deliverConnectionFailure(f);
        break;
      case State::kDisconnecting:
      case State::kRestarting:  // not in Twisted's machine: as for a lost connection
        endedWhileStopping();
        break;
      default:
        break;
    }
  }

  void reconnect() {
    if (state_ != State::kWaiting) return;
    state_ = State::kConnecting;
    connect();
  }

  void clientDisconnected(std::uint64_t attempt) {
    if (attempt != attempt_ || current_ == nullptr) return;
    current_ = nullptr;  // forgetConnection
    switch (state_) {
      case State::kConnected:
        state_ = State::kWaiting;
        doWait();
        break;
      case State::kDisconnecting:
      case State::kRestarting:
        endedWhileStopping();
        break;
      default:
        break;
    }
  }

  // The attempt or the connection ended while stopping: the stop is done;
  // a restart asked for meanwhile connects again.
  void endedWhileStopping() {
    if (state_ == State::kRestarting) {
      state_ = State::kConnecting;
      finishStopping();
      connect();
      return;
    }
    state_ = State::kStopped;
    cancelConnectWaiters();
    finishStopping();
  }

  // ---- outputs ----
  void connect() {
    const std::uint64_t attempt = ++attempt_;
    std::weak_ptr<ClientMachine> weak = weak_from_this();
    auto proxy = std::make_shared<DisconnectFactory>(factory_, [weak, attempt] {
      if (auto m = weak.lock()) m->clientDisconnected(attempt);
    });
    defer::Deferred<Protocol*> d = endpoint_->connect(proxy);
    inProgress_ = d;
    PrepareConnection prepare = prepare_;
    d.addCallback([prepare](Protocol* p) -> defer::Deferred<Protocol*> {
       Protocol* inner = twisted::internet::endpoints::detail::unwrapProtocol(p);
       if (!prepare) return defer::succeed(inner);
       defer::Deferred<void> ready;
       try {
         ready = prepare(inner);
       } catch (...) {
         ready = defer::fail(python::Failure(std::current_exception()));
       }
       return ready.addCallbacks([inner] { return inner; },
                                 [inner](const python::Failure& f) -> Protocol* {
                                   // The connection is up but unusable: close it.
                                   if (inner->transport) inner->transport->loseConnection();
                                   throw f;
                                 });
     })
        .addCallbacks(
            [weak, attempt](Protocol* inner) {
              if (auto m = weak.lock()) m->connectionMade(attempt, inner);
            },
            [weak, attempt](const python::Failure& f) {
              if (auto m = weak.lock()) m->connectionFailed(attempt, f);
            });
  }

  void doWait() {
    ++failedAttempts_;
    const double delay = policy_(failedAttempts_);
    python::log::msg("Scheduling retry " + std::to_string(failedAttempts_) + " to connect in " +
                     std::to_string(delay) + " seconds.");
    std::weak_ptr<ClientMachine> weak = weak_from_this();
    retryCall_ = clock_.callLater(delay, [weak] {
      if (auto m = weak.lock()) m->reconnect();
    });
  }

  defer::Deferred<void> waitForStop() {
    stopWaiters_.emplace_back();
    return stopWaiters_.back();
  }

  void finishStopping() {
    auto waiting = std::exchange(stopWaiters_, {});
    for (auto& w : waiting)
      w.callback();
  }

  void unawait(Protocol* p) {
    auto waiting = std::exchange(awaiting_, {});
    for (auto& [d, n] : waiting)
      d.callback(p);
  }

  void cancelConnectWaiters() {
    auto waiting = std::exchange(awaiting_, {});
    for (auto& [d, n] : waiting)
      d.errback(python::Failure(defer::CancelledError()));
  }

  void deliverConnectionFailure(const python::Failure& f) {
    std::vector<std::pair<defer::Deferred<Protocol*>, std::optional<int>>> ready, notReady;
    for (auto& [d, n] : awaiting_) {
      if (!n)
        notReady.emplace_back(d, n);
      else if (*n <= 1)
        ready.emplace_back(d, n);
      else
        notReady.emplace_back(d, *n - 1);
    }
    awaiting_ = std::move(notReady);
    for (auto& [d, n] : ready)
      d.errback(f);
  }

  std::shared_ptr<twisted::internet::IStreamClientEndpoint> endpoint_;
  std::shared_ptr<Factory> factory_;
  RetryPolicy policy_;
  twisted::internet::IReactorTime& clock_;
  PrepareConnection prepare_;
  State state_ = State::kInit;
  int failedAttempts_ = 0;
  std::uint64_t attempt_ = 0;  // the current attempt; events of older ones are ignored
  std::optional<defer::Deferred<Protocol*>> inProgress_;
  Protocol* current_ = nullptr;  // the user's protocol while connected (owned by its connection)
  twisted::internet::DelayedCall retryCall_;
  std::vector<std::pair<defer::Deferred<Protocol*>, std::optional<int>>> awaiting_;
  std::vector<defer::Deferred<void>> stopWaiters_;
};

}  // namespace detail

ClientService::ClientService(std::shared_ptr<twisted::internet::IStreamClientEndpoint> endpoint,
                             std::shared_ptr<Factory> factory, RetryPolicy retryPolicy,
                             twisted::internet::IReactorTime* clock,
                             PrepareConnection prepareConnection)
    : machine_(std::make_shared<detail::ClientMachine>(
          std::move(endpoint), std::move(factory),
          retryPolicy ? std::move(retryPolicy) : backoffPolicy(),
          clock ? *clock
                : static_cast<twisted::internet::IReactorTime&>(twisted::internet::reactor()),
          std::move(prepareConnection))) {}

ClientService::~ClientService() = default;

defer::Deferred<Protocol*> ClientService::whenConnected(std::optional<int> failAfterFailures) {
  return machine_->whenConnected(failAfterFailures);
}

void ClientService::startService() {
  if (running()) {
    python::log::msg("Duplicate ClientService.startService");
    return;
  }
  Service::startService();
  machine_->start();
}

defer::Deferred<void> ClientService::stopService() {
  Service::stopService();
  return machine_->stop();
}

}  // namespace twisted::application::internet
