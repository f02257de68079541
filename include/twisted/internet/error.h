// Exceptions of twisted.internet.error that the reactor core raises or passes
// as reasons. Each mirrors the Twisted class of the same name, and the class
// hierarchy follows Twisted's (ReactorNotRunning is-a RuntimeError, etc.) so
// Failure::check/trap on a base class works as in Python.
#pragma once

#include <twisted/export.h>

#include <optional>
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

/// Mirrors twisted.internet.error.ProcessDone: the child exited with status
/// 0 (processExited/processEnded's reason). Its message is Twisted's,
/// "process finished with exit code 0".
class TWISTED_API ProcessDone : public ConnectionDone {
 public:
  /// `status` is the raw wait status (as waitpid's).
  explicit ProcessDone(int waitStatus = 0)
      : ConnectionDone("process finished with exit code 0"), status(waitStatus) {}
  /// Always 0. Mirrors ProcessDone.exitCode.
  int exitCode = 0;
  /// Always empty. Mirrors ProcessDone.signal.
  std::optional<int> signal;
  /// The raw wait status. Mirrors ProcessDone.status.
  int status;
};

/// Mirrors twisted.internet.error.ProcessTerminated: the child exited with a
/// non-zero status or was killed by a signal. Its message is Twisted's:
/// "process ended with exit code 1", "process ended by signal 15".
class TWISTED_API ProcessTerminated : public ConnectionLost {
 public:
  /// Mirrors ProcessTerminated(exitCode, signal, status).
  explicit ProcessTerminated(std::optional<int> code = std::nullopt,
                             std::optional<int> signalNumber = std::nullopt,
                             std::optional<int> waitStatus = std::nullopt)
      : ConnectionLost(message(code, signalNumber)),
        exitCode(code),
        signal(signalNumber),
        status(waitStatus) {}
  /// The exit code, if the child exited. Mirrors ProcessTerminated.exitCode.
  std::optional<int> exitCode;
  /// The signal that killed it, if any. Mirrors ProcessTerminated.signal.
  std::optional<int> signal;
  /// The raw wait status. Mirrors ProcessTerminated.status.
  std::optional<int> status;

 private:
  static std::string message(std::optional<int> code, std::optional<int> signalNumber) {
    std::string s = "process ended";
    if (code) s += " with exit code " + std::to_string(*code);
    if (signalNumber) s += " by signal " + std::to_string(*signalNumber);
    return s;
  }
};

/// Mirrors twisted.internet.error.ProcessExitedAlready: signalProcess after the
/// child was reaped.
class TWISTED_API ProcessExitedAlready : public std::runtime_error {
 public:
  /// Constructs it with the message `what`.
  explicit ProcessExitedAlready(const std::string& what =
                                    "The process has already exited and the operation requested "
                                    "can no longer be performed.")
      : std::runtime_error(what) {}
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
  /// A Unix socket `path` that could not be bound: "Couldn't listen on
  /// any:\<path\>: \<reason\>." (Twisted's CannotListenError(None, path,
  /// reason)); port() is 0 and path() names it.
  static CannotListenError forPath(const std::string& path, const std::string& reason) {
    CannotListenError e("", path, reason);
    return e;
  }
  /// The interface asked for; empty means any (Twisted's "").
  const std::string& interface() const noexcept { return interface_; }
  /// The port asked for (0 for a Unix socket).
  int port() const noexcept { return port_; }
  /// The Unix socket path asked for; empty for TCP.
  const std::string& path() const noexcept { return path_; }

 private:
  CannotListenError(std::string interface, const std::string& path, const std::string& reason)
      : BindError("Couldn't listen on any:" + path + ": " + reason + "."),
        interface_(std::move(interface)),
        port_(0),
        path_(path) {}
  std::string interface_;
  int port_;
  std::string path_;
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

/// Mirrors twisted.internet.error.BadFileError: connectUNIX(checkPID=true)
/// found no live server holding the socket's lock file.
class TWISTED_API BadFileError : public ConnectError {
 public:
  /// `osError` and `detail` complete Twisted's message.
  explicit BadFileError(const std::string& osError = {}, const std::string& detail = {})
      : ConnectError("File used for UNIX socket is no good", osError, detail) {}
};

/// Mirrors twisted.internet.error.FileDescriptorOverrun: more file
/// descriptors were queued with sendFileDescriptor than bytes written to
/// carry them (each descriptor travels with one byte of data).
class TWISTED_API FileDescriptorOverrun : public ConnectionLost {
 public:
  /// Constructs it with Twisted's message, or `what`.
  explicit FileDescriptorOverrun(
      const std::string& what =
          "A mis-use of IUNIXTransport.sendFileDescriptor caused the connection to be closed.")
      : ConnectionLost(what) {}
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

/// Mirrors twisted.internet.error.InvalidAddressError (a ValueError): an
/// address that is not an IP literal, or of the wrong family for the port.
class TWISTED_API InvalidAddressError : public std::invalid_argument {
 public:
  /// `address` was given; `message` says what is wrong with it.
  InvalidAddressError(std::string address, std::string message)
      : std::invalid_argument("Invalid address " + address + ": " + message),
        address_(std::move(address)),
        message_(std::move(message)) {}
  /// The address that was provided. Mirrors InvalidAddressError.address.
  const std::string& address() const noexcept { return address_; }
  /// What is wrong with it. Mirrors InvalidAddressError.message.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string address_;
  std::string message_;
};

/// Mirrors twisted.internet.error.MessageLengthError: a datagram too long to
/// send (EMSGSIZE). The message is Twisted's: "Message is too long to send:
/// \<detail\>.".
class TWISTED_API MessageLengthError : public std::runtime_error {
 public:
  /// `detail` (Twisted's write passes "message too long") completes the message.
  explicit MessageLengthError(const std::string& detail = {})
      : std::runtime_error("Message is too long to send" +
                           (detail.empty() ? std::string() : ": " + detail) + ".") {}
};

/// Mirrors twisted.internet.error.MulticastJoinError: joining (or leaving) a
/// multicast group failed.
class TWISTED_API MulticastJoinError : public std::runtime_error {
 public:
  /// The `group` and `interface` asked for and the OS's `reason`.
  MulticastJoinError(std::string group, std::string interface, const std::string& reason)
      : std::runtime_error("Couldn't join multicast group " + group + " on " +
                           (interface.empty() ? std::string("any interface") : interface) + ": " +
                           reason + "."),
        group_(std::move(group)),
        interface_(std::move(interface)) {}
  /// The group address.
  const std::string& group() const noexcept { return group_; }
  /// The interface ("" = the kernel's choice).
  const std::string& interface() const noexcept { return interface_; }

 private:
  std::string group_;
  std::string interface_;
};

/// Mirrors twisted.internet.error.ConnectingCancelledError: an endpoint's
/// connect() Deferred was cancelled before the connection was made.
class TWISTED_API ConnectingCancelledError : public std::runtime_error {
 public:
  /// `address` is the destination the attempt was for (Twisted's .address).
  explicit ConnectingCancelledError(std::string address)
      : std::runtime_error("Connecting to " + address + " was cancelled."),
        address_(std::move(address)) {}
  /// The destination. Mirrors ConnectingCancelledError.address.
  const std::string& address() const noexcept { return address_; }

 private:
  std::string address_;
};

/// Mirrors twisted.internet.error.NoProtocol: an endpoint's factory
/// returned no protocol (buildProtocol gave null), so the connection was
/// closed.
class TWISTED_API NoProtocol : public std::runtime_error {
 public:
  /// Constructs it with a message saying so, or `what`.
  explicit NoProtocol(const std::string& what = "The factory built no protocol for the connection.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.AlreadyListened: an endpoint that can
/// listen once (AdoptedStreamServerEndpoint) was asked to listen again.
class TWISTED_API AlreadyListened : public std::runtime_error {
 public:
  /// Constructs it with a message saying so, or `what`.
  explicit AlreadyListened(const std::string& what = "This endpoint has already listened once.")
      : std::runtime_error(what) {}
};

}  // namespace twisted::internet::error
