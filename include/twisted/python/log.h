// twisted.python.log: the legacy logging API (msg, err, observers,
// startLogging), publishing on the same bus as twisted::logger.
#pragma once

#include <twisted/export.h>

#include <exception>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>

#include <twisted/logger/log_event.h>
#include <twisted/logger/log_publisher.h>
#include <twisted/python/failure.h>

namespace twisted::python {

class LogFile;

namespace log {

/// An object that names the "system" of the log lines written on its
/// behalf, e.g. a connection's "MyProtocol,3,127.0.0.1".
///
/// Mirrors: twisted.internet.interfaces.ILoggingContext (and
/// twisted.python.log.Logger.logPrefix, whose default is "-").
class TWISTED_API ILoggingContext {
 public:
  virtual ~ILoggingContext() = default;
  /// The system text for events logged while this context is current.
  /// Mirrors: ILoggingContext.logPrefix.
  virtual std::string logPrefix() const { return "-"; }
};

namespace detail {
// The innermost LoggingContextScope's context on this thread. constinit
// keeps the access a plain TLS load (no initialization wrapper); TWISTED_API
// makes a shared libtwisted and its users share the one variable.
TWISTED_API constinit inline thread_local const ILoggingContext* tCurrentContext = nullptr;
}  // namespace detail

/// RAII: makes `ctx` the logging context of this thread (nullptr: none, so
/// the system is "-"); scopes nest and the previous context is restored on
/// destruction. Costs two thread-local pointer stores: logPrefix() is only
/// called when something is logged.
///
/// Mirrors: the context that twisted.python.log.callWithLogger sets up
/// (callWithContext({"system": ctx.logPrefix()}, ...)).
class TWISTED_API LoggingContextScope {
 public:
  /// Makes `ctx` current until destruction.
  explicit LoggingContextScope(const ILoggingContext* ctx) noexcept
      : previous_(detail::tCurrentContext) {
    detail::tCurrentContext = ctx;
  }
  /// Restores the previous context.
  ~LoggingContextScope() { detail::tCurrentContext = previous_; }
  LoggingContextScope(const LoggingContextScope&) = delete;
  LoggingContextScope& operator=(const LoggingContextScope&) = delete;

 private:
  const ILoggingContext* previous_;
};

/// The current logging context of this thread, or nullptr.
inline const ILoggingContext* currentLoggingContext() noexcept {
  return detail::tCurrentContext;
}

/// The system text of the current context: its logPrefix(), "-" without a
/// context, "(buggy logPrefix method)" if logPrefix() throws.
TWISTED_API std::string currentSystem();

/// Observers of the legacy API are the same as twisted::logger's.
/// Mirrors: twisted.python.log.ILogObserver.
using ILogObserver = logger::LogObserver;
/// Names a registered observer. Mirrors: the observer passed to addObserver.
using ObserverHandle = logger::ObserverHandle;

/// Logs an informational message (level info, namespace "log_legacy",
/// system from the current context).
/// Mirrors: twisted.python.log.msg(message).
TWISTED_API void msg(std::string_view message);

/// As msg(message), with extra named fields (Twisted's msg(message, **kw)).
TWISTED_API void msg(std::string_view message, std::initializer_list<logger::LogField> fields);

/// Logs `failure` as an error (isError, level critical), explaining `why`.
/// Text observers print `why` (or "Unhandled Error") and the traceback.
/// Mirrors: twisted.python.log.err(failure, why).
TWISTED_API void err(const Failure& failure, std::string_view why = {});

/// Logs the exception `e` as a Failure (see err(const Failure&, ...)),
/// captured at the caller's location.
/// @throws NoCurrentExceptionError if `e` is null.
/// Mirrors: twisted.python.log.err(exception, why).
TWISTED_API void err(std::exception_ptr e, std::string_view why = {},
                     std::source_location where = std::source_location::current());

/// Inside a catch block, logs the exception being handled, explaining `why`.
/// Outside one, logs `why` itself as an error event (isError, no failure).
/// Mirrors: twisted.python.log.err(None, why) / err(non-exception).
TWISTED_API void err(std::string_view why,
                     std::source_location where = std::source_location::current());

/// Runs `f(a...)` with `ctx` as the logging context; an exception it throws is
/// logged with err() (system = ctx's logPrefix) and not propagated.
/// Mirrors: twisted.python.log.callWithLogger.
template <class F, class... A>
void callWithLogger(const ILoggingContext& ctx, F&& f, A&&... a) {
  LoggingContextScope scope(&ctx);
  try {
    std::invoke(std::forward<F>(f), std::forward<A>(a)...);
  } catch (...) {
    err(std::current_exception());
  }
}

/// Registers `observer` on the global bus; it receives every event (legacy
/// and structured). Mirrors: twisted.python.log.addObserver.
TWISTED_API ObserverHandle addObserver(ILogObserver observer);

/// Unregisters an observer; an unknown handle is ignored. After it returns
/// the observer is not running and will not be called again.
/// Mirrors: twisted.python.log.removeObserver.
TWISTED_API void removeObserver(ObserverHandle handle);

/// Begins logging to `observer` (replaying what was logged before; see
/// logger::LogBeginner) and logs "Log opened.". Returns the observer's
/// handle, to remove it later. Mirrors: twisted.python.log.startLoggingWithObserver.
TWISTED_API ObserverHandle startLoggingWithObserver(ILogObserver observer);

/// Begins logging text lines ("2026-11-22T10:00:00+0000 [system] text") to
/// `out`, which must stay alive until the returned observer is removed.
/// Standard I/O is not redirected (setStdout is not supported).
/// Mirrors: twisted.python.log.startLogging(file).
TWISTED_API ObserverHandle startLogging(std::ostream& out);

/// As startLogging(out), writing through a (rotating) LogFile, which must
/// stay alive until the returned observer is removed.
/// Mirrors: twisted.python.log.startLogging(LogFile(...)).
TWISTED_API ObserverHandle startLogging(LogFile& file);

/// The text of a log line for `event` without timestamp and system: the
/// joined message parts; for an event with a failure, `why` (or
/// "Unhandled Error") + "\n" + traceback; else the formatted format string.
/// "" means the event has no text and text observers skip it.
/// Mirrors: twisted.python.log.textFromEventDict (None becomes "").
TWISTED_API std::string textFromEventDict(const logger::LogEvent& event);

/// A text observer to subclass: emit() writes each event as one log line;
/// override it to customize (the seed's "subclass FileLogObserver and
/// override emit"). start()/stop() register and unregister it globally.
///
/// A subclass that overrides emit() must call stop() in its own destructor
/// (the base destructor runs after the subclass is gone).
///
/// Mirrors: twisted.python.log.FileLogObserver.
class TWISTED_API FileLogObserver {
 public:
  /// Writes to `out`, which must outlive the observer.
  /// Mirrors: FileLogObserver(f).
  explicit FileLogObserver(std::ostream& out);
  /// Writes through a LogFile, which must outlive the observer.
  explicit FileLogObserver(LogFile& file);
  /// Stops the observer if it is started.
  virtual ~FileLogObserver();
  FileLogObserver(const FileLogObserver&) = delete;
  FileLogObserver& operator=(const FileLogObserver&) = delete;

  /// Writes "<formatTime(time)> [<system>] <text>\n" (newlines in the text
  /// become "\n\t"); events without text are skipped. Mirrors: FileLogObserver.emit.
  virtual void emit(const logger::LogEvent& event);

  /// Registers emit() as a global observer (no-op if started).
  /// Mirrors: FileLogObserver.start.
  void start();
  /// Unregisters it (no-op if not started). Mirrors: FileLogObserver.stop.
  void stop();

  /// `when` formatted with timeFormat(). Mirrors: FileLogObserver.formatTime.
  std::string formatTime(double when) const;
  /// The strftime format of timestamps, "%Y-%m-%dT%H:%M:%S%z" by default.
  /// Mirrors: FileLogObserver.timeFormat.
  const std::string& timeFormat() const noexcept { return timeFormat_; }
  /// Sets the timestamp format ("" prints "-"). Not thread-safe against emit().
  void setTimeFormat(std::string timeFormat) { timeFormat_ = std::move(timeFormat); }

 protected:
  /// Writes `text` whole (serialized against other threads) and flushes.
  /// If that fails, prints one line on stderr and ignores every later
  /// write (Twisted raises each time). Mirrors: FileLogObserver.write + flush.
  void write(std::string_view text);

 private:
  struct Sink;
  std::unique_ptr<Sink> sink_;
  std::string timeFormat_;
  ObserverHandle handle_;
};

}  // namespace log
}  // namespace twisted::python
