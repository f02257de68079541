// Exceptions of twisted.internet.defer.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>

namespace twisted::internet::defer {

/// callback()/errback() on a Deferred that has already been fired.
///
/// Mirrors: twisted.internet.defer.AlreadyCalledError.
class TWISTED_API AlreadyCalledError : public std::logic_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit AlreadyCalledError(const std::string& what = "Deferred has already been called")
      : std::logic_error(what) {}
};

/// The reason a Deferred fails when it is cancelled and its canceller did not
/// fire it. Mirrors: twisted.internet.defer.CancelledError.
class TWISTED_API CancelledError : public std::runtime_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit CancelledError(const std::string& what = "Deferred was cancelled")
      : std::runtime_error(what) {}
};

/// The reason a Deferred fails when Deferred::addTimeout() ran out.
///
/// Mirrors: twisted.internet.defer.TimeoutError.
class TWISTED_API TimeoutError : public std::runtime_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit TimeoutError(const std::string& what = "Deferred timed out")
      : std::runtime_error(what) {}
};

/// A Deferred was used in a way its type does not allow at run time: a
/// handle whose type no longer matches the chain (the chain was extended
/// through another handle with a callback returning another type), or a
/// callback returning the Deferred it is attached to.
///
/// Twisted has no such error (Python is untyped); the message says what the
/// chain's type is and what the handle expected.
class TWISTED_API DeferredTypeError : public std::logic_error {
 public:
  /// Constructs it with the message `what`.
  explicit DeferredTypeError(const std::string& what) : std::logic_error(what) {}
};

}  // namespace twisted::internet::defer
