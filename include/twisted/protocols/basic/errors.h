// Errors of twisted.protocols.basic.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>

namespace twisted::protocols::basic {

/// sendString() was given a string too long for the length prefix.
/// Mirrors: twisted.protocols.basic.StringTooLongError (an AssertionError,
/// hence a std::logic_error: it is the caller's bug).
class TWISTED_API StringTooLongError : public std::logic_error {
 public:
  /// Constructs it with the message `what`.
  explicit StringTooLongError(const std::string& what) : std::logic_error(what) {}
};

/// The peer sent something that is not a netstring.
/// Mirrors: twisted.protocols.basic.NetstringParseError (a ValueError).
class TWISTED_API NetstringParseError : public std::invalid_argument {
 public:
  /// Constructs it with the message `what`.
  explicit NetstringParseError(const std::string& what) : std::invalid_argument(what) {}
};

}  // namespace twisted::protocols::basic
