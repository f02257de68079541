// LogPublisher: fans each event out to a set of observers.
#pragma once

#include <twisted/export.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <twisted/logger/log_event.h>

namespace twisted::logger {

/// Something that receives log events. An observer may log, and may add or
/// remove observers (itself included), from inside the call.
///
/// Mirrors: twisted.logger.ILogObserver.
using LogObserver = std::function<void(const LogEvent&)>;

/// Names one registration of an observer, for removeObserver(). A
/// default-constructed handle names nothing.
///
/// Mirrors: the observer object passed to addObserver (std::function cannot
/// be compared, so registrations are named by handle instead).
struct TWISTED_API ObserverHandle {
  std::uint64_t id = 0;  ///< Unique per publisher; 0 names nothing.
  /// True if this handle names a registration.
  explicit operator bool() const noexcept { return id != 0; }
  /// Equal handles name the same registration.
  friend bool operator==(ObserverHandle, ObserverHandle) = default;
};

/// Publishes each event to every observer registered with it.
///
/// Thread-safe: events may be published from any thread. The observer list
/// is copy-on-write, so publishing holds no lock while observers run and an
/// observer may log or add/remove observers re-entrantly. An observer that
/// throws is not removed; the other observers receive a critical event
/// "Temporarily disabling observer <observer #N> due to exception: ..."
/// carrying the failure (at most one such report per broken observer and
/// event; an observer that throws while receiving that report is ignored).
///
/// Mirrors: twisted.logger.LogPublisher.
class TWISTED_API LogPublisher {
 public:
  /// An empty publisher. Mirrors: LogPublisher().
  LogPublisher();
  /// No observer may be running (on another thread) when it is destroyed.
  ~LogPublisher();
  LogPublisher(const LogPublisher&) = delete;
  LogPublisher& operator=(const LogPublisher&) = delete;

  /// Registers `observer`; it receives every event published from now on.
  /// @throws std::invalid_argument if `observer` is empty (Twisted: TypeError
  /// for a non-callable). Mirrors: LogPublisher.addObserver.
  ObserverHandle addObserver(LogObserver observer);

  /// Unregisters an observer; an unknown or already removed handle is ignored.
  /// When it returns, the observer is not running on any other thread and
  /// will not be called again, so its state may be destroyed. (A call on the
  /// current thread, i.e. an observer removing itself, is allowed and simply
  /// finishes.) Mirrors: LogPublisher.removeObserver.
  void removeObserver(ObserverHandle handle);

  /// Publishes `event` to every observer. Mirrors: LogPublisher.__call__.
  void operator()(const LogEvent& event) const;

  /// Same as operator(); handy as a LogObserver target: a publisher can observe
  /// another one via `[&p](const LogEvent& e) { p.publish(e); }`.
  void publish(const LogEvent& event) const { (*this)(event); }

  /// Number of registered observers.
  std::size_t observerCount() const;

 private:
  struct Entry;
  using EntryList = std::vector<std::shared_ptr<Entry>>;

  std::shared_ptr<const EntryList> snapshot() const;
  void reportBrokenObservers(const EntryList& entries,
                             const std::vector<std::pair<const Entry*, python::Failure>>& broken,
                             const LogEvent& event) const;
  void finishCall(Entry& entry) const;

  mutable std::mutex mutex_;
  mutable std::condition_variable drained_;
  std::shared_ptr<const EntryList> observers_;
  std::uint64_t nextId_ = 1;
};

}  // namespace twisted::logger
