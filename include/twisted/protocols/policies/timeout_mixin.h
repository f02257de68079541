// TimeoutMixin: one idle timeout per protocol. Mirrors
// twisted.protocols.policies.TimeoutMixin.
//
//     class Session : public LineReceiver, public TimeoutMixin {
//       void connectionMade() override { setTimeout(60); }
//       void lineReceived(std::string_view line) override { resetTimeout(); ... }
//       void connectionLost(const Failure&) override { setTimeout(std::nullopt); }
//     };
#pragma once

#include <twisted/export.h>

#include <optional>

#include <twisted/internet/delayed_call.h>
#include <twisted/internet/interfaces/ireactor_time.h>

namespace twisted::protocols::policies {

/// Mix into a protocol to give it a timeout: after `timeOut` seconds
/// without resetTimeout(), timeoutConnection() runs (by default it closes
/// the connection).
///
/// Mirrors: twisted.protocols.policies.TimeoutMixin. The clock is the
/// `clock` member (Twisted's tests override callLater instead). Destroying
/// the object cancels a pending timeout.
class TWISTED_API TimeoutMixin {
 public:
  TimeoutMixin() = default;
  TimeoutMixin(const TimeoutMixin&) = delete;
  TimeoutMixin& operator=(const TimeoutMixin&) = delete;
  virtual ~TimeoutMixin();

  /// Restarts the countdown from `timeOut`, if a timeout is pending (not
  /// after it fired or was cancelled). Call it on meaningful traffic.
  /// Mirrors TimeoutMixin.resetTimeout.
  void resetTimeout();
  /// Sets the period (none: cancel the timeout) and returns the previous
  /// one. A pending timeout is rescheduled `period` from now (or
  /// cancelled); otherwise one is started. Mirrors TimeoutMixin.setTimeout.
  std::optional<double> setTimeout(std::optional<double> period);
  /// The timeout expired. The default calls transport->loseConnection() on
  /// this object as a protocol (it must then derive from BaseProtocol).
  /// Mirrors TimeoutMixin.timeoutConnection.
  /// @throws std::logic_error if this is not a BaseProtocol.
  virtual void timeoutConnection();

  /// The period in seconds, or none. Mirrors TimeoutMixin.timeOut.
  std::optional<double> timeOut;
  /// Where the timeout is scheduled (not owned); null means the global
  /// reactor(). Mirrors overriding TimeoutMixin.callLater.
  internet::IReactorTime* clock = nullptr;

 private:
  void timedOut();
  internet::DelayedCall timeoutCall_;
};

}  // namespace twisted::protocols::policies
