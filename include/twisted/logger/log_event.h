// LogEvent: the event dictionary every observer receives, as a struct.
//
// Twisted's event is a dict with well-known keys (log_time, log_level,
// log_namespace, log_system, log_format, log_failure, and for legacy events
// message, isError, failure, why, system) plus the caller's keyword
// arguments. Here the well-known keys are members and the keyword arguments
// are `fields`, an ordered list of name -> LogValue.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <twisted/logger/log_level.h>
#include <twisted/python/failure.h>

namespace twisted::logger {

/// The value of a named field of an event.
///
/// Mirrors: the values of a twisted.logger event dict (restricted to the
/// types a C++ format string can render).
using LogValue = std::variant<bool, std::int64_t, std::uint64_t, double, std::string>;

/// One named field of an event, e.g. `field("peer", "10.0.0.1")`.
///
/// Mirrors: one keyword argument of Logger.info(format, **kwargs).
struct TWISTED_API LogField {
  std::string name;  ///< The key, as named in format strings: `{name}`.
  LogValue value;    ///< The value.
};

namespace detail {
// Renders an object through its operator<<. Out of line so that this header
// does not need <sstream>.
TWISTED_API std::string streamToString(const void* object,
                                       void (*write)(std::ostream&, const void*));

template <class T>
concept Streamable = requires(std::ostream& out, const T& value) {
  out << value;
};

template <class>
inline constexpr bool kAlwaysFalse = false;

// Wall-clock seconds since the epoch, as stored in LogEvent::time.
TWISTED_API double currentTime() noexcept;
}  // namespace detail

/// Converts a C++ value to a LogValue: bool stays bool, signed integers become
/// int64, unsigned ones uint64, floating point double, char and anything
/// string-like a string, a LogLevel its name, any other enum its underlying
/// integer, and any other type with an operator<< the text it prints.
///
/// Mirrors: passing an arbitrary object as a keyword argument to Logger.info.
template <class T>
LogValue toLogValue(T&& value) {
  using D = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<D, LogValue>) {
    return std::forward<T>(value);
  } else if constexpr (std::is_same_v<D, bool>) {
    return value;
  } else if constexpr (std::is_same_v<D, char>) {
    return std::string(1, value);
  } else if constexpr (std::is_integral_v<D> && std::is_signed_v<D>) {
    return static_cast<std::int64_t>(value);
  } else if constexpr (std::is_integral_v<D>) {
    return static_cast<std::uint64_t>(value);
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<double>(value);
  } else if constexpr (std::is_same_v<D, LogLevel>) {
    return std::string(levelName(value));
  } else if constexpr (std::is_enum_v<D>) {
    return toLogValue(static_cast<std::underlying_type_t<D>>(value));
  } else if constexpr (std::is_array_v<std::remove_cvref_t<T>> &&
                       std::is_same_v<
                           std::remove_cv_t<std::remove_extent_t<std::remove_cvref_t<T>>>, char>) {
    return std::string(value);  // a character array (a literal): never null
  } else if constexpr (std::is_same_v<std::decay_t<D>, const char*> ||
                       std::is_same_v<std::decay_t<D>, char*>) {
    return value != nullptr ? std::string(value) : std::string("(null)");
  } else if constexpr (std::is_constructible_v<std::string, T>) {
    return std::string(std::forward<T>(value));
  } else if constexpr (detail::Streamable<D>) {
    return detail::streamToString(&value, [](std::ostream& out, const void* object) {
      out << *static_cast<const D*>(object);
    });
  } else {
    static_assert(detail::kAlwaysFalse<D>, "a log field needs a number, a string or an operator<<");
  }
}

/// A named field for Logger's methods: `log.info("{n} from {peer}",
/// field("n", 5), field("peer", peer))`.
///
/// Mirrors: a keyword argument of Logger.info(format, **kwargs).
template <class T>
LogField field(std::string name, T&& value) {
  return LogField{std::move(name), toLogValue(std::forward<T>(value))};
}

/// One log event. Observers receive it by const reference; it is cheap enough
/// to copy (the failure is shared).
///
/// Mirrors: the event dict of twisted.logger (and of twisted.python.log).
struct TWISTED_API LogEvent {
  /// Wall-clock time in seconds since the epoch. Mirrors: log_time / time.
  double time = 0;
  /// Severity. Legacy msg() events are info, legacy err() events critical.
  /// Mirrors: log_level.
  LogLevel level = LogLevel::info;
  /// Who logged it, e.g. "twisted.internet.tcp". Mirrors: log_namespace.
  std::string logNamespace;
  /// The logging context (a descriptor's logPrefix()). Empty means unset: the
  /// text observers then show "{namespace}#{level}". Legacy events always
  /// carry one ("-" by default). Mirrors: log_system / system.
  std::string system;
  /// A `{field}` format string (fmt syntax, `{{`/`}}` escape braces); empty
  /// means the event has no format. Mirrors: log_format.
  std::string format;
  /// The positional parts of a legacy msg(), joined with " " when rendered.
  /// Mirrors: message.
  std::vector<std::string> message;
  /// True for legacy err() events and events carrying a failure.
  /// Mirrors: isError.
  bool isError = false;
  /// The exception being reported, if any. Mirrors: log_failure / failure.
  std::optional<python::Failure> failure;
  /// Why the failure is being logged (legacy err(failure, why)). Mirrors: why.
  std::string why;
  /// The named values the format string refers to, in the order given.
  /// Mirrors: the event's other keys.
  std::vector<LogField> fields;

  /// The field called `name`, or nullptr. Mirrors: event.get(name).
  const LogValue* find(std::string_view name) const noexcept;

  /// The field called `name` if it holds a `T`, else nullptr.
  template <class T>
  const T* get(std::string_view name) const noexcept {
    const LogValue* value = find(name);
    return value != nullptr ? std::get_if<T>(value) : nullptr;
  }

  /// Sets the field called `name`, replacing an existing one.
  /// Mirrors: event[name] = value.
  void set(std::string name, LogValue value);
};

/// True for events that report an error: isError, a failure, or a level of
/// error or above. These are what EventLoggingObserver::flushLoggedErrors()
/// returns and what is copied to stderr before logging has begun.
TWISTED_API bool isErrorEvent(const LogEvent& event) noexcept;

}  // namespace twisted::logger
