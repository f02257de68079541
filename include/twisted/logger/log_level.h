// LogLevel: the five severities of twisted.logger, ordered.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace twisted::logger {

/// The severity of a log event, ordered debug < info < warn < error < critical.
///
/// Mirrors: twisted.logger.LogLevel.
enum class LogLevel { debug, info, warn, error, critical };

/// Raised by levelWithName() for an unknown name and by Logger::emit() for an
/// out-of-range level.
///
/// Mirrors: twisted.logger.InvalidLogLevelError.
class TWISTED_API InvalidLogLevelError : public std::invalid_argument {
 public:
  /// Mirrors InvalidLogLevelError(level): the message names the bad level.
  explicit InvalidLogLevelError(const std::string& level)
      : std::invalid_argument("Invalid log level: " + level) {}
};

/// The level's name: "debug", "info", "warn", "error" or "critical"
/// ("-" for a value outside the enumeration).
///
/// Mirrors: LogLevel.<level>.name.
TWISTED_API std::string_view levelName(LogLevel level) noexcept;

/// The level called `name` (exact, lower case).
/// @throws InvalidLogLevelError if there is none.
///
/// Mirrors: twisted.logger.LogLevel.levelWithName.
TWISTED_API LogLevel levelWithName(std::string_view name);

/// True if `level` is one of the five enumerators (a cast can make others).
TWISTED_API bool isValidLevel(LogLevel level) noexcept;

}  // namespace twisted::logger
