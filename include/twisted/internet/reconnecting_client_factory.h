// ReconnectingClientFactory: a ClientFactory that reconnects with an
// exponential back-off. Mirrors twisted.internet.protocol.ReconnectingClientFactory.
//
//     class EchoClientFactory : public ReconnectingClientFactory {
//       std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
//         resetDelay();  // connected: start the back-off over
//         return ReconnectingClientFactory::buildProtocol(addr);
//       }
//     };
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <optional>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/protocol.h>

namespace twisted::internet {

/// A client factory that calls retry() whenever a connection attempt fails
/// or an established connection is lost, until stopTrying().
///
/// Mirrors: twisted.internet.protocol.ReconnectingClientFactory, with
/// Twisted's subtleties: each retry first multiplies `delay` by `factor`
/// (capped at `maxDelay`) and then draws it from a normal distribution of
/// standard deviation delay*jitter, so the first retry waits about
/// initialDelay*e seconds, not initialDelay, and a jittered delay can exceed
/// maxDelay; `retries` counts consecutive attempts and, with `maxRetries`
/// set, retrying stops once it exceeds it; resetDelay() (call it when
/// connected) restores initialDelay and retries = 0.
///
/// Ownership: the factory keeps a weak reference to the connector it last
/// retried; the pending retry holds it (TCP connectors and
/// testing::FakeConnector are retained that way; another IConnector must
/// derive from std::enable_shared_from_this<IConnector> or outlive the retry).
/// Destroying the factory cancels a pending retry.
class TWISTED_API ReconnectingClientFactory : public ClientFactory {
 public:
  ReconnectingClientFactory();
  ~ReconnectingClientFactory() override;
  ReconnectingClientFactory(const ReconnectingClientFactory&) = delete;
  ReconnectingClientFactory& operator=(const ReconnectingClientFactory&) = delete;

  /// If continueTrying, remembers the connector and calls retry().
  /// Mirrors ReconnectingClientFactory.clientConnectionFailed.
  void clientConnectionFailed(IConnector& connector, const python::Failure& reason) override;
  /// If continueTrying, remembers the connector and calls retry().
  /// Mirrors ReconnectingClientFactory.clientConnectionLost.
  void clientConnectionLost(IConnector& connector, const python::Failure& reason) override;

  /// Schedules `connector->connect()` (default: the remembered connector)
  /// after the next back-off delay on `clock`, unless stopTrying() was
  /// called or maxRetries is exceeded (both logged when noisy).
  /// Mirrors ReconnectingClientFactory.retry.
  /// @throws std::invalid_argument "no connector to retry" if there is none
  ///         (only while continueTrying: after stopTrying() it just logs).
  void retry(IConnector* connector = nullptr);
  /// Cancels a pending retry, clears continueTrying and stops a connection
  /// attempt in progress. Mirrors ReconnectingClientFactory.stopTrying.
  void stopTrying();
  /// delay = initialDelay, retries = 0, continueTrying = true; forgets (does
  /// not cancel) a pending retry's handle, as Twisted does.
  /// Mirrors ReconnectingClientFactory.resetDelay.
  void resetDelay();

  /// The connector retried last, if it still exists. Mirrors ReconnectingClientFactory.connector.
  std::shared_ptr<IConnector> connector() const;
  /// The pending retry (inactive when none). Mirrors ReconnectingClientFactory._callID.
  const DelayedCall& callID() const noexcept { return callID_; }

  /// Maximum seconds between attempts (before jitter). Mirrors maxDelay.
  double maxDelay = 3600;
  /// The delay before the back-off starts. Mirrors initialDelay.
  double initialDelay = 1.0;
  /// How much the delay grows per retry (e). Mirrors factor.
  double factor = 2.7182818284590451;
  /// Relative standard deviation of the random jitter (0: none). Mirrors jitter.
  double jitter = 0.119626565582;
  /// The current delay. Mirrors delay.
  double delay = 1.0;
  /// Consecutive retries so far. Mirrors retries.
  int retries = 0;
  /// Give up after this many consecutive retries (none: never). Mirrors maxRetries.
  std::optional<int> maxRetries;
  /// False after stopTrying(). Mirrors continueTrying.
  bool continueTrying = true;
  /// Where retries are scheduled (not owned); null means the global
  /// reactor(). Tests inject a task::Clock. Mirrors clock.
  IReactorTime* clock = nullptr;
  /// Draws the jittered delay: normalVariate(mean, stddev). Defaults to a
  /// std::normal_distribution; replace it for deterministic tests.
  /// Mirrors the random.normalvariate call.
  std::function<double(double, double)> normalVariate;

 private:
  void remember(IConnector& c);

  std::weak_ptr<IConnector> connector_;     // a shared-owned connector
  IConnector* unownedConnector_ = nullptr;  // or one its owner keeps alive
  DelayedCall callID_;
  DelayedCall scheduled_;  // the last retry, even once resetDelay() forgot callID_
};

}  // namespace twisted::internet
