// Rendering events as text.
#pragma once

#include <twisted/export.h>

#include <string>
#include <string_view>

#include <twisted/logger/log_event.h>

namespace twisted::logger {

/// The RFC 3339-like timestamp layout of text logs: "%Y-%m-%dT%H:%M:%S%z",
/// e.g. "2013-11-11T17:22:06-0800". Mirrors: twisted.logger.timeFormatRFC3339.
inline constexpr std::string_view timeFormatRFC3339 = "%Y-%m-%dT%H:%M:%S%z";

/// The event's own text, without failure, timestamp or system: a legacy
/// event's message parts joined with " ", else its format rendered with its
/// fields ("" without a format). The fields `log_namespace`, `log_level`,
/// `log_system`, `log_failure` (the failure's str()) and `why` may be named in
/// the format too. An event that cannot be rendered (unknown field, bad
/// format spec) gives "Unable to format event {...}: <error>".
///
/// Mirrors: twisted.logger.formatEvent.
TWISTED_API std::string formatEvent(const LogEvent& event);

/// Renders `format` with the fields of `event` (the same rules as
/// formatEvent(), but with a format of the caller's choice).
/// @throws std::runtime_error (fmt's format_error) if it cannot be rendered.
TWISTED_API std::string formatWithFields(std::string_view format, const LogEvent& event);

/// `when` (seconds since the epoch) as local time in `timeFormat` (strftime
/// syntax); "-" if `timeFormat` is empty. Mirrors: twisted.logger.formatTime.
TWISTED_API std::string formatTime(double when, std::string_view timeFormat = timeFormatRFC3339);

/// The event's system: LogEvent::system if set, else "{namespace}#{level}"
/// (each "-" if unknown). Mirrors: twisted.logger._format._formatSystem.
TWISTED_API std::string formatSystem(const LogEvent& event);

/// The text of a log line without timestamp and system. For an event with a
/// failure it is `(why, else the formatted text, else "Unhandled Error")`,
/// then "\n" and the traceback if `includeTraceback`. Otherwise it is
/// formatEvent(). "" means the event has nothing to say.
///
/// Mirrors: twisted.python.log.textFromEventDict.
TWISTED_API std::string eventText(const LogEvent& event, bool includeTraceback = true);

/// "<timestamp> [<system>] <text>" with embedded newlines turned into "\n\t",
/// or "" if the event has no text. Mirrors: twisted.logger.eventAsText.
TWISTED_API std::string eventAsText(const LogEvent& event, bool includeTraceback = true,
                                    bool includeTimestamp = true, bool includeSystem = true,
                                    std::string_view timeFormat = timeFormatRFC3339);

/// eventAsText() plus "\n": one line of a classic Twisted text log, e.g.
/// "2013-11-11T17:22:06-0800 [ns#info] text\n"; "" for an event with no text.
/// Mirrors: twisted.logger.formatEventAsClassicLogText.
TWISTED_API std::string formatEventAsClassicLogText(
    const LogEvent& event, std::string_view timeFormat = timeFormatRFC3339);

/// A Python-repr-like rendering of the whole event, e.g.
/// "{log_format: 'x {n}', log_level: info, n: 5}", used in error messages.
TWISTED_API std::string eventRepr(const LogEvent& event);

/// A LogValue as text (no quotes): what `{name}` renders to.
TWISTED_API std::string valueText(const LogValue& value);

}  // namespace twisted::logger
