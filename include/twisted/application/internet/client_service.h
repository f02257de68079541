// ClientService: a service that keeps one client connection up.
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <optional>

#include <twisted/application/internet/backoff_policy.h>
#include <twisted/application/service/service.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/interfaces/istream_client_endpoint.h>
#include <twisted/internet/protocol.h>

namespace twisted::application::internet {

namespace detail {
class ClientMachine;
}

/// Called with each new connection's protocol before whenConnected
/// callers see it (a login, say); the connection counts as made once the
/// Deferred fires, and as failed if it fails (the connection is then closed).
/// Mirrors ClientService's prepareConnection callable.
using PrepareConnection =
    std::function<twisted::internet::defer::Deferred<void>(twisted::internet::Protocol*)>;

/// Keeps a connection to `endpoint` up while running: connects when
/// started, and after a failed attempt or a lost connection waits
/// retryPolicy(failedAttempts) seconds and connects again. The factory
/// builds a protocol per connection. stopService cancels an attempt in
/// progress, a pending retry, or closes the connection, and fires once the
/// connection is gone.
///
///     auto client = std::make_shared<ClientService>(endpoint, factory);
///     client->setServiceParent(app);
///     client->whenConnected().addCallback([](Protocol* p) { ... });
///
/// The modern replacement for ReconnectingClientFactory: it works with any
/// IStreamClientEndpoint and tells its users when a connection is there.
///
/// Mirrors: twisted.application.internet.ClientService (Twisted 22.4,
/// states and transitions of its _ClientMachine).
class TWISTED_API ClientService : public service::Service {
 public:
  /// `clock` (not owned; null: the global reactor) must outlive the
  /// service. Mirrors ClientService(endpoint, factory, retryPolicy, clock,
  /// prepareConnection).
  ClientService(std::shared_ptr<twisted::internet::IStreamClientEndpoint> endpoint,
                std::shared_ptr<twisted::internet::Factory> factory,
                RetryPolicy retryPolicy = backoffPolicy(),
                twisted::internet::IReactorTime* clock = nullptr,
                PrepareConnection prepareConnection = {});
  /// Late events of attempts and connections are ignored from now on;
  /// stop the service first to close its connection.
  ~ClientService() override;

  /// The current connection's protocol (the one the factory built), now
  /// if connected, else once connected. With `failAfterFailures` = n it
  /// errbacks with the n-th connection failure from now instead; it
  /// errbacks with defer::CancelledError if the service stops first (or
  /// is stopped). The pointer is valid until that protocol's connectionLost
  /// returns. Mirrors ClientService.whenConnected(failAfterFailures).
  twisted::internet::defer::Deferred<twisted::internet::Protocol*> whenConnected(
      std::optional<int> failAfterFailures = std::nullopt);

  /// Starts connecting (a second call only logs). Mirrors ClientService.startService.
  void startService() override;
  /// Stops retrying and disconnects. Mirrors ClientService.stopService.
  twisted::internet::defer::Deferred<void> stopService() override;

 private:
  std::shared_ptr<detail::ClientMachine> machine_;
};

}  // namespace twisted::application::internet
