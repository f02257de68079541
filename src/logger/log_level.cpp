// LogLevel names. Test: tests/logger/test_logger.cpp
#include <twisted/logger/log_level.h>

#include <array>

namespace twisted::logger {

namespace {
constexpr std::array<std::string_view, 5> kNames{"debug", "info", "warn", "error", "critical"};
}  // namespace

bool isValidLevel(LogLevel level) noexcept {
  auto index = static_cast<int>(level);
  return index >= 0 && index < static_cast<int>(kNames.size());
}

std::string_view levelName(LogLevel level) noexcept {
  return isValidLevel(level) ? kNames[static_cast<std::size_t>(level)] : std::string_view("-");
}

LogLevel levelWithName(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<LogLevel>(i);
  throw InvalidLogLevelError(std::string(name));
}

}  // namespace twisted::logger
