// FileLogObserver: writes formatted events to a stream or any text sink.
#pragma once

#include <twisted/export.h>

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include <twisted/logger/format.h>
#include <twisted/logger/log_event.h>

namespace twisted::logger {

/// An observer that formats each event with `formatEvent` and writes the
/// result, skipping events that format to "". Writes are serialized (events
/// from several threads never interleave) and flushed after each event.
/// Copies share the same sink, so it can be stored as a LogObserver.
///
/// If a write fails (the stream goes bad, e.g. EPIPE once the reader of a
/// pipe has gone, or the writer throws), the observer prints one line on
/// stderr and drops every later event instead of failing each time.
/// Twisted's observer raises on every event and the publisher reports it.
///
/// Mirrors: twisted.logger.FileLogObserver.
class TWISTED_API FileLogObserver {
 public:
  /// How an event becomes text ("" to skip it).
  using Formatter = std::function<std::string(const LogEvent&)>;
  /// Where text goes.
  using Writer = std::function<void(std::string_view)>;

  /// Writes to `out`, which must outlive every copy of the observer.
  /// Mirrors: FileLogObserver(outFile, formatEvent).
  FileLogObserver(std::ostream& out, Formatter formatEvent);

  /// Writes through `write`, then calls `flush` (if any) after each event;
  /// e.g. a python::LogFile. Mirrors: FileLogObserver(outFile, formatEvent)
  /// with a file-like object.
  FileLogObserver(Writer write, std::function<void()> flush, Formatter formatEvent);

  /// Formats and writes one event. Mirrors: FileLogObserver.__call__.
  void operator()(const LogEvent& event) const;

 private:
  struct Sink;
  std::shared_ptr<Sink> sink_;
  Formatter format_;
};

/// A FileLogObserver writing formatEventAsClassicLogText() lines to `out`.
/// Mirrors: twisted.logger.textFileLogObserver(outFile, timeFormat).
TWISTED_API FileLogObserver textFileLogObserver(std::ostream& out,
                                                std::string_view timeFormat = timeFormatRFC3339);

}  // namespace twisted::logger
