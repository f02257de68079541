// LimitedHistoryLogObserver: remembers the last N events.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include <twisted/logger/log_event.h>
#include <twisted/logger/log_publisher.h>

namespace twisted::logger {

/// An observer that keeps the most recent `size` events so they can be
/// replayed later (the global log buffers the first events of a process this
/// way until logging begins). Thread-safe.
///
/// Mirrors: twisted.logger.LimitedHistoryLogObserver.
class TWISTED_API LimitedHistoryLogObserver {
 public:
  /// Keeps at most `size` events. Mirrors: LimitedHistoryLogObserver(size=100).
  explicit LimitedHistoryLogObserver(std::size_t size = 100);

  /// Records `event`, dropping the oldest one when full.
  /// Mirrors: LimitedHistoryLogObserver.__call__.
  void operator()(const LogEvent& event);

  /// Sends the remembered events, oldest first, to `observer`. The history is
  /// kept. Mirrors: LimitedHistoryLogObserver.replayTo.
  void replayTo(const LogObserver& observer) const;

  /// A copy of the remembered events, oldest first.
  std::vector<LogEvent> events() const;

  /// Forgets every remembered event.
  void clear();

 private:
  mutable std::mutex mutex_;
  std::size_t size_;
  std::deque<LogEvent> events_;
};

}  // namespace twisted::logger
