// FilteringLogObserver and LogLevelFilterPredicate: per-namespace levels.
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <twisted/logger/log_event.h>
#include <twisted/logger/log_level.h>
#include <twisted/logger/log_publisher.h>

namespace twisted::logger {

/// A filter predicate's verdict. Mirrors: twisted.logger.PredicateResult.
enum class PredicateResult {
  yes,    ///< Send the event on; consult no further predicate.
  no,     ///< Drop the event; consult no further predicate.
  maybe,  ///< No opinion; ask the next predicate (all "maybe" means yes).
};

/// A filter predicate. Mirrors: twisted.logger.ILogFilterPredicate.
using LogFilterPredicate = std::function<PredicateResult(const LogEvent&)>;

/// Forwards the events its predicates accept to `observer` and the others to
/// `negativeObserver` (if any). Copyable; the predicates are shared.
///
/// Mirrors: twisted.logger.FilteringLogObserver.
class TWISTED_API FilteringLogObserver {
 public:
  /// Mirrors: FilteringLogObserver(observer, predicates, negativeObserver).
  FilteringLogObserver(LogObserver observer, std::vector<LogFilterPredicate> predicates,
                       LogObserver negativeObserver = {});

  /// Filters and forwards one event. Mirrors: FilteringLogObserver.__call__.
  void operator()(const LogEvent& event) const;

 private:
  LogObserver observer_;
  std::shared_ptr<const std::vector<LogFilterPredicate>> predicates_;
  LogObserver negativeObserver_;
};

/// Says "no" to events below the level set for their namespace. Levels are
/// looked up hierarchically: "a.b.c" falls back to "a.b", then "a", then the
/// default. Copies share their settings, so a copy installed in a
/// FilteringLogObserver can still be reconfigured; thread-safe.
///
/// Mirrors: twisted.logger.LogLevelFilterPredicate.
class TWISTED_API LogLevelFilterPredicate {
 public:
  /// Mirrors: LogLevelFilterPredicate(defaultLogLevel=LogLevel.info).
  explicit LogLevelFilterPredicate(LogLevel defaultLogLevel = LogLevel::info);

  /// The minimum level for `logNamespace`.
  /// Mirrors: LogLevelFilterPredicate.logLevelForNamespace.
  LogLevel logLevelForNamespace(std::string_view logNamespace) const;

  /// Sets the minimum level for `logNamespace` and its children; the empty
  /// namespace sets the default. Mirrors: LogLevelFilterPredicate.setLogLevelForNamespace.
  void setLogLevelForNamespace(std::string logNamespace, LogLevel level);

  /// Forgets every per-namespace level and restores the constructor's
  /// default. Mirrors: LogLevelFilterPredicate.clearLogLevels.
  void clearLogLevels();

  /// no if the event's level is below its namespace's level, else maybe.
  /// Mirrors: LogLevelFilterPredicate.__call__.
  PredicateResult operator()(const LogEvent& event) const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace twisted::logger
