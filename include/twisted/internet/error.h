// Exceptions of twisted.internet.error that the reactor core raises or passes
// as reasons. Each mirrors the Twisted class of the same name, and the class
// hierarchy follows Twisted's (ReactorNotRunning is-a RuntimeError, etc.) so
// Failure::check/trap on a base class works as in Python.
#pragma once

#include <stdexcept>
#include <string>

namespace twisted::internet::error {

/// Mirrors twisted.internet.error.ReactorNotRunning: stop() on a reactor that is not running.
class ReactorNotRunning : public std::runtime_error {
 public:
  explicit ReactorNotRunning(const std::string& what = "Can't stop reactor that isn't running.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorNotRestartable: run() after the reactor was stopped.
class ReactorNotRestartable : public std::runtime_error {
 public:
  explicit ReactorNotRestartable(const std::string& what = "Can't restart a stopped reactor.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorAlreadyRunning: run() while running.
class ReactorAlreadyRunning : public std::runtime_error {
 public:
  explicit ReactorAlreadyRunning(const std::string& what = "Reactor is already running.")
      : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ReactorAlreadyInstalledError (an AssertionError in Twisted).
class ReactorAlreadyInstalledError : public std::logic_error {
 public:
  explicit ReactorAlreadyInstalledError(const std::string& what = "reactor already installed")
      : std::logic_error(what) {}
};

/// Mirrors twisted.internet.error.AlreadyCalled (a ValueError): the DelayedCall already ran.
class AlreadyCalled : public std::invalid_argument {
 public:
  explicit AlreadyCalled(const std::string& what = "Tried to cancel an already-called event.")
      : std::invalid_argument(what) {}
};

/// Mirrors twisted.internet.error.AlreadyCancelled (a ValueError): the DelayedCall was cancelled.
class AlreadyCancelled : public std::invalid_argument {
 public:
  explicit AlreadyCancelled(const std::string& what = "Tried to cancel an already-cancelled event.")
      : std::invalid_argument(what) {}
};

/// Mirrors twisted.internet.error.ConnectionClosed: base of the connection-end reasons.
class ConnectionClosed : public std::runtime_error {
 public:
  explicit ConnectionClosed(const std::string& what) : std::runtime_error(what) {}
};

/// Mirrors twisted.internet.error.ConnectionLost: the connection ended in a non-clean fashion.
class ConnectionLost : public ConnectionClosed {
 public:
  explicit ConnectionLost(
      const std::string& what = "Connection to the other side was lost in a non-clean fashion.")
      : ConnectionClosed(what) {}
};

/// Mirrors twisted.internet.error.ConnectionDone: the connection was closed cleanly.
class ConnectionDone : public ConnectionClosed {
 public:
  explicit ConnectionDone(const std::string& what = "Connection was closed cleanly.")
      : ConnectionClosed(what) {}
};

/// Mirrors twisted.internet.error.ConnectionFdescWentAway: the descriptor's fileno() became -1
/// while it was still registered with the reactor.
class ConnectionFdescWentAway : public ConnectionLost {
 public:
  explicit ConnectionFdescWentAway(const std::string& what = "File descriptor went away.")
      : ConnectionLost(what) {}
};

}  // namespace twisted::internet::error
