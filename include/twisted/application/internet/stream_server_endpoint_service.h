// StreamServerEndpointService: a service listening on a server endpoint.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <optional>

#include <twisted/application/service/service.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/istream_server_endpoint.h>
#include <twisted/internet/protocol.h>

namespace twisted::application::internet {

/// Listens on `endpoint` with `factory` from privilegedStartService (or
/// startService, if that was not called) until stopService.
///
/// Errors: if the endpoint's listen fails at once (its Deferred has already
/// errbacked when listen returns), privilegedStartService / startService
/// throws that error while raiseSynchronously() is true; a later failure is
/// logged. stopService cancels a listen still pending, or stops the port,
/// and its Deferred fires once the port has stopped.
///
///     auto svc = std::make_shared<StreamServerEndpointService>(
///         std::make_shared<endpoints::TCP4ServerEndpoint>(reactor, 8080), factory);
///
/// Mirrors: twisted.application.internet.StreamServerEndpointService.
/// Difference: raiseSynchronously defaults to true (Twisted's private
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

 private:
  struct State {
    std::shared_ptr<twisted::internet::IListeningPort> port;
  };
  std::shared_ptr<twisted::internet::IStreamServerEndpoint> endpoint_;
  std::shared_ptr<twisted::internet::Factory> factory_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::optional<twisted::internet::defer::Deferred<void>> waitingForPort_;
  bool raiseSynchronously_ = true;
};

}  // namespace twisted::application::internet
