// LogPublisher. Test: tests/logger/test_logger.cpp
#include <twisted/logger/log_publisher.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace twisted::logger {

struct LogPublisher::Entry {
  std::uint64_t id;
  LogObserver observer;
  // Cleared by removeObserver; a publish that raced with the removal sees it
  // before calling, and removeObserver waits for calls already under way.
  std::atomic<bool> active{true};
  std::atomic<int> inflight{0};
};

namespace {

// The observers this thread is currently inside, innermost last: lets an
// observer remove itself without removeObserver waiting for its own call.
thread_local std::vector<const void*> tCalling;

// Set while this thread delivers "Temporarily disabling observer" reports;
// an observer that throws during one is ignored instead of reported, so a
// broken observer cannot make the reports recurse.
thread_local bool tReporting = false;

constexpr std::string_view kObserverDisabled =
    "Temporarily disabling observer {observer} due to exception: {log_failure}";

}  // namespace

LogPublisher::LogPublisher() : observers_(std::make_shared<const EntryList>()) {}

LogPublisher::~LogPublisher() = default;

ObserverHandle LogPublisher::addObserver(LogObserver observer) {
  if (!observer) throw std::invalid_argument("Observer is not callable");
  std::lock_guard<std::mutex> lock(mutex_);
  auto entry = std::make_shared<Entry>();
  entry->id = nextId_++;
  entry->observer = std::move(observer);
  auto next = std::make_shared<EntryList>(*observers_);
  next->push_back(entry);
  observers_ = std::move(next);
  return ObserverHandle{entry->id};
}

void LogPublisher::removeObserver(ObserverHandle handle) {
  std::unique_lock<std::mutex> lock(mutex_);
  const EntryList& current = *observers_;
  auto it = std::find_if(current.begin(), current.end(),
                         [&](const std::shared_ptr<Entry>& e) { return e->id == handle.id; });
  if (it == current.end()) return;
  std::shared_ptr<Entry> victim = *it;
  auto next = std::make_shared<EntryList>();
  next->reserve(current.size() - 1);
  for (const auto& e : current)
    if (e != victim) next->push_back(e);
  observers_ = std::move(next);
  victim->active.store(false);
  const int own = static_cast<int>(std::count(tCalling.begin(), tCalling.end(), victim.get()));
  drained_.wait(lock, [&] { return victim->inflight.load() <= own; });
}

std::size_t LogPublisher::observerCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return observers_->size();
}

std::shared_ptr<const LogPublisher::EntryList> LogPublisher::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return observers_;
}

void LogPublisher::finishCall(Entry& entry) const {
  // Sequentially consistent: either this load sees active == false and we
  // notify, or removeObserver's later load of inflight sees our decrement.
  if (entry.inflight.fetch_sub(1) == 1 && !entry.active.load()) {
    std::lock_guard<std::mutex> lock(mutex_);
    drained_.notify_all();
  }
}

namespace {

// Calls one observer with the in-flight bookkeeping; returns the failure if
// it threw.
template <class EntryT, class Finish>
std::optional<python::Failure> callObserver(EntryT& entry, const LogEvent& event, Finish&& finish) {
  entry.inflight.fetch_add(1);
  if (!entry.active.load()) {
    finish(entry);
    return std::nullopt;
  }
  struct Guard {
    EntryT& entry;
    Finish& finish;
    ~Guard() {
      tCalling.pop_back();
      finish(entry);
    }
  };
  tCalling.push_back(&entry);
  Guard guard{entry, finish};
  try {
    entry.observer(event);
  } catch (...) {
    return python::Failure(std::current_exception());
  }
  return std::nullopt;
}

}  // namespace

void LogPublisher::operator()(const LogEvent& event) const {
  std::shared_ptr<const EntryList> entries = snapshot();
  auto finish = [this](Entry& e) { finishCall(e); };
  std::vector<std::pair<const Entry*, python::Failure>> broken;
  for (const auto& entry : *entries) {
    std::optional<python::Failure> failure = callObserver(*entry, event, finish);
    if (failure && !tReporting) broken.emplace_back(entry.get(), std::move(*failure));
  }
  if (!broken.empty()) reportBrokenObservers(*entries, broken, event);
}

void LogPublisher::reportBrokenObservers(
    const EntryList& entries, const std::vector<std::pair<const Entry*, python::Failure>>& broken,
    const LogEvent& event) const {
  struct ReportingScope {
    bool previous = tReporting;
    ReportingScope() { tReporting = true; }
    ~ReportingScope() { tReporting = previous; }
  } scope;
  auto finish = [this](Entry& e) { finishCall(e); };
  for (const auto& [brokenEntry, failure] : broken) {
    LogEvent report;
    report.time = detail::currentTime();
    report.level = LogLevel::critical;
    report.logNamespace = "twisted.logger._observer";
    report.format = std::string(kObserverDisabled);
    report.isError = true;
    report.failure = failure;
    report.fields.push_back(
        LogField{"observer", "<observer #" + std::to_string(brokenEntry->id) + ">"});
    // The namespace of the event that broke it helps find the culprit.
    report.fields.push_back(LogField{"event_namespace", event.logNamespace});
    for (const auto& entry : entries) {
      bool isBroken = std::any_of(broken.begin(), broken.end(),
                                  [&](const auto& b) { return b.first == entry.get(); });
      if (!isBroken) (void)callObserver(*entry, report, finish);
    }
  }
}

}  // namespace twisted::logger
