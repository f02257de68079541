// EndpointParseError: an endpoint description that does not parse.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace twisted::internet::endpoints {

/// A description serverFromString / clientFromString cannot use: unknown
/// type, missing, extra or unknown arguments, a value that is not a number
/// (or out of range), a trailing backslash. what() reads
/// `invalid endpoint 'DESCRIPTION': REASON (at column N)`, N the 1-based
/// column of the field at fault.
///
/// Mirrors: the ValueError / TypeError Twisted's serverFromString and
/// clientFromString raise (one type here, with the position).
class TWISTED_API EndpointParseError : public std::invalid_argument {
 public:
  /// `position` is the 0-based offset in `description` of the offending field.
  EndpointParseError(std::string_view description, std::size_t position, std::string reason);

  /// The description that failed.
  const std::string& description() const noexcept { return description_; }
  /// The 0-based offset of the field at fault.
  std::size_t position() const noexcept { return position_; }
  /// Why, without the description (e.g. "Unknown endpoint type: 'x'").
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string description_;
  std::size_t position_;
  std::string reason_;
};

}  // namespace twisted::internet::endpoints
