// StreamServerEndpointService: a service listening on a server endpoint.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include <twisted/application/service/service.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>
#include <twisted/internet/protocol.h>

namespace twisted::application::internet {

/// A protocol that can finish what it is doing and close its connection
/// when the server it runs under drains (see
/// StreamServerEndpointService::setDrainTimeout): drain() asks it to send
/// the responses still owed and then loseConnection(), instead of waiting
/// for the peer to close. A protocol without it is simply waited for.
///
/// No Twisted equivalent (Twisted's services do not wait for connections).
class TWISTED_API IDrainableProtocol {
 public:
  virtual ~IDrainableProtocol() = default;
  /// The server stopped accepting: finish the requests in flight, then
  /// close. Called at most once, in the reactor thread.
  virtual void drain() = 0;
};

/// Listens on `endpoint` with `factory` from privilegedStartService (or
/// startService, if that was not called) until stopService.
///
/// Errors: if the endpoint's listen fails at once (its Deferred has already
/// errbacked when listen returns), privilegedStartService / startService
/// throws that error while raiseSynchronously() is true; a later failure is
/// logged. stopService cancels a listen still pending, or stops the port,
/// and its Deferred fires once the port has stopped.
///
/// Draining (a C++ addition, off by default): after setDrainTimeout(clock,
/// timeout), the service tracks the connections its port accepted (through
/// a wrapping factory, as endpoints wrap client protocols), and stopService
/// stops listening, calls IDrainableProtocol::drain() on the connections
/// whose protocol has it, and waits for them all to close. At `timeout`
/// seconds it calls loseConnection() on those still open, and `grace`
/// seconds later abortConnection(); its Deferred fires once the port has
/// stopped *and* every connection is gone.
///
///     auto svc = std::make_shared<StreamServerEndpointService>(
///         std::make_shared<endpoints::TCP4ServerEndpoint>(reactor, 8080), factory);
///
/// Mirrors: twisted.application.internet.StreamServerEndpointService.
/// Differences: Twisted's stopService only stops the port (connections
/// live on until the reactor stops), as this one does unless draining;
/// raiseSynchronously defaults to true (Twisted's private
/// `_raiseSynchronously` defaults to False and strports.service sets it).
class TWISTED_API StreamServerEndpointService : public service::Service {
 public:
  /// Mirrors StreamServerEndpointService(endpoint, factory).
  StreamServerEndpointService(std::shared_ptr<twisted::internet::IStreamServerEndpoint> endpoint,
                              std::shared_ptr<twisted::internet::Factory> factory);

  /// Starts listening. Mirrors StreamServerEndpointService.privilegedStartService.
  /// @throws the endpoint's error if it failed at once (see above).
  void privilegedStartService() override;
  /// Listens unless privilegedStartService did. Mirrors StreamServerEndpointService.startService.
  void startService() override;
  /// Cancels a pending listen or stops the port. Mirrors StreamServerEndpointService.stopService.
  twisted::internet::defer::Deferred<void> stopService() override;

  /// Mirrors StreamServerEndpointService.endpoint.
  const std::shared_ptr<twisted::internet::IStreamServerEndpoint>& endpoint() const noexcept {
    return endpoint_;
  }
  /// Mirrors StreamServerEndpointService.factory.
  const std::shared_ptr<twisted::internet::Factory>& factory() const noexcept { return factory_; }
  /// The listening port once listen has succeeded, until stopService.
  /// No Twisted equivalent (it keeps it in _waitingForPort's result).
  std::shared_ptr<twisted::internet::IListeningPort> port() const { return state_->port; }
  /// Whether an immediate listen failure is thrown (true) or logged.
  /// Mirrors StreamServerEndpointService._raiseSynchronously; like it, it
  /// is cleared once privilegedStartService has run.
  void setRaiseSynchronously(bool raise) noexcept { raiseSynchronously_ = raise; }
  /// See setRaiseSynchronously.
  bool raiseSynchronously() const noexcept { return raiseSynchronously_; }

  /// Makes stopService drain the connections (see the class comment):
  /// close the ones still open `timeout` seconds after it began (on
  /// `clock`), abort those still there `grace` seconds later. Call before
  /// startService: only connections accepted afterwards are tracked.
  /// No Twisted equivalent.
  /// @throws std::invalid_argument for a negative or NaN timeout or grace.
  void setDrainTimeout(twisted::internet::IReactorTime& clock, double timeout, double grace = 1);
  /// The drain timeout, or nullopt when stopService does not drain.
  /// No Twisted equivalent.
  std::optional<double> drainTimeout() const noexcept { return drainTimeout_; }
  /// How many accepted connections are open now (0 when not draining:
  /// they are tracked only with a drain timeout). No Twisted equivalent.
  std::size_t connectionCount() const noexcept { return state_->connections.size(); }

 private:
  struct State {
    std::shared_ptr<twisted::internet::IListeningPort> port;
    // Connections accepted while draining is on, by accept order: the
    // protocol the wrapped factory built (its transport closes it).
    std::map<std::uint64_t, twisted::internet::Protocol*> connections;
    // Fired (and cleared) when the last connection goes while draining.
    std::optional<twisted::internet::defer::Deferred<void>> drained;
    twisted::internet::DelayedCall deadline, abortAt;
  };
  static twisted::internet::defer::Deferred<void> drainConnections(
      const std::shared_ptr<State>& state, twisted::internet::IReactorTime& clock, double timeout,
      double grace);
  twisted::internet::IReactorTime* clock_ = nullptr;
  std::optional<double> drainTimeout_;
  double drainGrace_ = 1;
  std::shared_ptr<twisted::internet::IStreamServerEndpoint> endpoint_;
  std::shared_ptr<twisted::internet::Factory> factory_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::optional<twisted::internet::defer::Deferred<void>> waitingForPort_;
  bool raiseSynchronously_ = true;
};

}  // namespace twisted::application::internet
