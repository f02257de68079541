// JSON log files: one event per record, readable back into LogEvents.
#pragma once

#include <twisted/export.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/logger/file_log_observer.h>
#include <twisted/logger/log_event.h>

namespace twisted::logger {

/// The event as one line of JSON (no newline). Keys follow Twisted:
/// "log_time", "log_level" ({"name": ..., "__class_uuid__": ...}),
/// "log_namespace", "log_format", "log_system", "log_failure" ({"type":
/// {"__name__": ...}, "value": message, "traceback": ..., "__class_uuid__"}),
/// the legacy "message", "isError" and "why" when set, and each field as a
/// plain key. A field named like one of those keys is left out.
///
/// Mirrors: twisted.logger.eventAsJSON.
TWISTED_API std::string eventAsJSON(const LogEvent& event);

/// The event encoded by eventAsJSON(). A failure comes back as a Failure of a
/// python::RecordedException with the original type name and message;
/// nested objects or arrays in fields come back as their JSON text.
/// @throws std::invalid_argument if `json` is not a JSON object.
///
/// Mirrors: twisted.logger.eventFromJSON.
TWISTED_API LogEvent eventFromJSON(std::string_view json);

/// A FileLogObserver writing `recordSeparator + eventAsJSON(event) + "\n"`
/// per event (RFC 7464 JSON text sequences with the default separator).
///
/// Mirrors: twisted.logger.jsonFileLogObserver(outFile, recordSeparator="\x1e").
TWISTED_API FileLogObserver jsonFileLogObserver(std::ostream& out,
                                                std::string_view recordSeparator = "\x1e");

/// Reads the events of a JSON log. Without `recordSeparator` it is detected:
/// "\x1e" if the input starts with it, else one record per line. Records that
/// cannot be read, or (with a separator) lack their final newline, are
/// skipped and reported as error events ("Unable to read JSON record: ..."
/// / "Unable to read truncated JSON record: ...").
///
/// Mirrors: twisted.logger.eventsFromJSONLogFile (returns all events at once).
TWISTED_API std::vector<LogEvent> eventsFromJSONLogFile(
    std::istream& in, std::optional<std::string> recordSeparator = std::nullopt);

}  // namespace twisted::logger
