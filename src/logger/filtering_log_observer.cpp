// FilteringLogObserver and LogLevelFilterPredicate. Test: tests/logger/test_logger.cpp
#include <twisted/logger/filtering_log_observer.h>

#include <map>
#include <mutex>
#include <stdexcept>

namespace twisted::logger {

FilteringLogObserver::FilteringLogObserver(LogObserver observer,
                                           std::vector<LogFilterPredicate> predicates,
                                           LogObserver negativeObserver)
    : observer_(std::move(observer)),
      predicates_(std::make_shared<const std::vector<LogFilterPredicate>>(std::move(predicates))),
      negativeObserver_(std::move(negativeObserver)) {
  if (!observer_) throw std::invalid_argument("FilteringLogObserver needs an observer");
}

void FilteringLogObserver::operator()(const LogEvent& event) const {
  for (const LogFilterPredicate& predicate : *predicates_) {
    const PredicateResult result = predicate(event);
    if (result == PredicateResult::yes) break;
    if (result == PredicateResult::no) {
      if (negativeObserver_) negativeObserver_(event);
      return;
    }
  }
  observer_(event);
}

struct LogLevelFilterPredicate::State {
  mutable std::mutex mutex;
  LogLevel initialDefault;  // what clearLogLevels() goes back to
  LogLevel defaultLevel;
  std::map<std::string, LogLevel, std::less<>> levels;
};

LogLevelFilterPredicate::LogLevelFilterPredicate(LogLevel defaultLogLevel)
    : state_(std::make_shared<State>()) {
  state_->initialDefault = defaultLogLevel;
  state_->defaultLevel = defaultLogLevel;
}

LogLevel LogLevelFilterPredicate::logLevelForNamespace(std::string_view logNamespace) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  // "a.b.c", then "a.b", then "a", then the default.
  std::string_view name = logNamespace;
  while (!name.empty()) {
    if (auto it = state_->levels.find(name); it != state_->levels.end()) return it->second;
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) break;
    name = name.substr(0, dot);
  }
  return state_->defaultLevel;
}

void LogLevelFilterPredicate::setLogLevelForNamespace(std::string logNamespace, LogLevel level) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (logNamespace.empty())
    state_->defaultLevel = level;
  else
    state_->levels[std::move(logNamespace)] = level;
}

void LogLevelFilterPredicate::clearLogLevels() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->levels.clear();
  state_->defaultLevel = state_->initialDefault;
}

PredicateResult LogLevelFilterPredicate::operator()(const LogEvent& event) const {
  return event.level < logLevelForNamespace(event.logNamespace) ? PredicateResult::no
                                                                : PredicateResult::maybe;
}

}  // namespace twisted::logger
