// Exceptions of twisted.internet.error that the reactor core raises or passes
// as reasons. Each mirrors the Twisted class of the same name, and the class
// hierarchy follows Twisted's (ReactorNotRunning is-a RuntimeError, etc.) so
// Failure::check/trap on a base class works as in Python.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace twisted::internet::error {

/// Mirrors twisted.internet.error.ReactorNotRunning: stop() on a reactor that is not running.
class TWISTED_API ReactorNotRunning : public std::runtime_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ReactorNotRunning(const std::string& what = "Can't stop reactor that isn't running.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorNotRestartable: run() after the reactor was stopped.
class TWISTED_API ReactorNotRestartable : public std::runtime_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ReactorNotRestartable(const std::string& what = "Can't restart a stopped reactor.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorAlreadyRunning: run() while running.
class TWISTED_API ReactorAlreadyRunning : public std::runtime_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ReactorAlreadyRunning(const std::string& what = "Reactor is already running.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorAlreadyInstalledError (an AssertionError in Twisted).
class TWISTED_API ReactorAlreadyInstalledError : public std::logic_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ReactorAlreadyInstalledError(const std::string& what = "reactor already installed")
      : std::logic_error(what) {}
};

/// Mirrors twisted.internet.error.AlreadyCalled (a ValueError): the DelayedCall already ran.
class TWISTED_API AlreadyCalled : public std::invalid_argument {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit AlreadyCalled(const std::string& what = "Tried to cancel an already-called event.")
      : std::invalid_argument(what) {}
};

/// Mirrors twisted.internet.error.AlreadyCancelled (a ValueError): the DelayedCall was cancelled.
class TWISTED_API AlreadyCancelled : public std::invalid_argument {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit AlreadyCancelled(const std::string& what = "Tried to cancel an already-cancelled event.")
      : std::invalid_argument(what) {}
};

/// Mirrors twisted.internet.error.ConnectionClosed: base of the connection-end reasons.
class TWISTED_API ConnectionClosed : public std::runtime_error {
 public:
  /// Constructs it with the message `what`.
  explicit ConnectionClosed(const std::string& what) : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ConnectionLost: the connection ended in a non-clean fashion.
class TWISTED_API ConnectionLost : public ConnectionClosed {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ConnectionLost(
      const std::string& what = "Connection to the other side was lost in a non-clean fashion.")
      : ConnectionClosed(what) {}
};

/// Mirrors twisted.internet.error.ConnectionDone: the connection was closed cleanly.
class TWISTED_API ConnectionDone : public ConnectionClosed {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ConnectionDone(const std::string& what = "Connection was closed cleanly.")
      : ConnectionClosed(what) {}
};

/// Mirrors twisted.internet.error.ConnectionFdescWentAway: the descriptor's fileno() became -1
/// while it was still registered with the reactor.
class TWISTED_API ConnectionFdescWentAway : public ConnectionLost {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ConnectionFdescWentAway(const std::string& what = "File descriptor went away.")
      : ConnectionLost(what) {}
};

/// Mirrors twisted.internet.error.ConnectionAborted: abortConnection() closed it.
class TWISTED_API ConnectionAborted : public ConnectionLost {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit ConnectionAborted(
      const std::string& what =
          "Connection was aborted locally using ITCPTransport.abortConnection.")
      : ConnectionLost(what) {}
};

/// Mirrors twisted.internet.error.BindError: binding to an interface failed.
class TWISTED_API BindError : public std::runtime_error {
 public:
  /// Constructs it with the message `what`.
  explicit BindError(const std::string& what) : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.CannotListenError: "Couldn't listen on
/// \<interface or any\>:\<port\>: \<OS reason\>.". The fields say which.
class TWISTED_API CannotListenError : public BindError {
 public:
  /// The address that could not be bound (`interface` empty: any) and the OS's `reason`.
  CannotListenError(std::string interface, int port, const std::string& reason)
      : BindError("Couldn't listen on " + (interface.empty() ? std::string("any") : interface) +
                  ":" + std::to_string(port) + ": " + reason + "."),
        interface_(std::move(interface)),
        port_(port) {}
  /// The interface asked for; empty means any (Twisted's "").
  const std::string& interface() const noexcept { return interface_; }
  /// The port asked for.
  int port() const noexcept { return port_; }

 private:
  std::string interface_;
  int port_;
};

/// Mirrors twisted.internet.error.ConnectError: a connection attempt failed.
/// The message is Twisted's: "\<what failed\>: \<OS error\> \<detail\>.".
class TWISTED_API ConnectError : public std::runtime_error {
 public:
  /// `osError` (e.g. strerror) and `detail` complete Twisted's message.
  explicit ConnectError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("An error occurred while connecting", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part (what failed).
  ConnectError(const std::string& doc, const std::string& osError, const std::string& detail)
      : std::runtime_error(compose(doc, osError, detail)) {}

 private:
  static std::string compose(const std::string& doc, const std::string& osError,
                             const std::string& detail) {
    std::string s = doc;
    if (!osError.empty()) s += ": " + osError;
    if (!detail.empty()) s += (osError.empty() ? ": " : " ") + detail;
    return s + ".";
  }
};

/// Mirrors twisted.internet.error.ConnectBindError.
class TWISTED_API ConnectBindError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit ConnectBindError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("Couldn't bind", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  ConnectBindError(const std::string& doc, const std::string& osError, const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.UnknownHostError.
class TWISTED_API UnknownHostError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit UnknownHostError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("Hostname couldn't be looked up", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  UnknownHostError(const std::string& doc, const std::string& osError, const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.NoRouteError.
class TWISTED_API NoRouteError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit NoRouteError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("No route to host", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  NoRouteError(const std::string& doc, const std::string& osError, const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.ConnectionRefusedError.
class TWISTED_API ConnectionRefusedError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit ConnectionRefusedError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("Connection was refused by other side", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  ConnectionRefusedError(const std::string& doc, const std::string& osError,
                         const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.TCPTimedOutError.
class TWISTED_API TCPTimedOutError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit TCPTimedOutError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("TCP connection timed out", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  TCPTimedOutError(const std::string& doc, const std::string& osError, const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.UserError: stopConnecting() ended the attempt.
class TWISTED_API UserError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit UserError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("User aborted connection", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  UserError(const std::string& doc, const std::string& osError, const std::string& detail)
      : ConnectError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.TimeoutError: connectTCP's timeout ran out.
class TWISTED_API TimeoutError : public UserError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit TimeoutError(const std::string& osError = {}, const std::string& detail = {})
      : UserError("User timeout caused connection failure", osError, detail) {}

 protected:
  /// For subclasses: `doc` is the message's first part.
  TimeoutError(const std::string& doc, const std::string& osError, const std::string& detail)
      : UserError(doc, osError, detail) {}
};

/// Mirrors twisted.internet.error.DNSLookupError (an IOError): "DNS lookup
/// failed: \<detail\>.".
class TWISTED_API DNSLookupError : public std::runtime_error {
 public:
  /// `detail` says which name and why.
  explicit DNSLookupError(const std::string& detail)
      : std::runtime_error("DNS lookup failed: " + detail + ".") {}
};

/// Mirrors twisted.internet.error.NotConnectingError: stopConnecting() while not connecting.
class TWISTED_API NotConnectingError : public std::runtime_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit NotConnectingError(
      const std::string& what =
          "The Connector was not connecting when it was asked to stop connecting")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.NotListeningError.
class TWISTED_API NotListeningError : public std::runtime_error {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit NotListeningError(
      const std::string& what = "The Port was not listening when it was asked to stop listening")
      : std::runtime_error(what) {}
};

}  // namespace twisted::internet::error
