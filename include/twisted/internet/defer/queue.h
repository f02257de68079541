// DeferredQueue: a queue whose get() returns a Deferred, fired when an
// object is there.
#pragma once

#include <twisted/export.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>

namespace twisted::internet::defer {

/// put() on a DeferredQueue that already holds `size` objects.
/// Mirrors: twisted.internet.defer.QueueOverflow.
class TWISTED_API QueueOverflow : public std::runtime_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit QueueOverflow(const std::string& what = "DeferredQueue is full")
      : std::runtime_error(what) {}
};

/// get() on a DeferredQueue that already has `backlog` gets waiting.
/// Mirrors: twisted.internet.defer.QueueUnderflow.
class TWISTED_API QueueUnderflow : public std::runtime_error {
 public:
  /// Constructs it with the default message, or `what`.
  explicit QueueUnderflow(const std::string& what = "DeferredQueue has too many waiting gets")
      : std::runtime_error(what) {}
};

/// An event-driven FIFO queue: get() returns a Deferred that fires with the
/// next object, at once if one is pending, otherwise when put() brings one
/// (waiting gets are served in order). Single-threaded, like Deferred.
///
/// Destroying the queue drops its waiting gets (their Deferreds never fire);
/// cancelling one of them afterwards is still safe.
///
/// Mirrors: twisted.internet.defer.DeferredQueue.
template <class T>
class DeferredQueue {
  static_assert(!std::is_void_v<T>, "a DeferredQueue carries objects");

 public:
  /// At most `size` pending objects and `backlog` waiting gets; nullopt
  /// (Twisted's None) for no limit. Mirrors DeferredQueue(size, backlog).
  explicit DeferredQueue(std::optional<std::size_t> size = std::nullopt,
                         std::optional<std::size_t> backlog = std::nullopt)
      : core_(std::make_shared<Core>(size, backlog)) {}
  DeferredQueue(const DeferredQueue&) = delete;
  DeferredQueue& operator=(const DeferredQueue&) = delete;

  /// Gives `obj` to the first waiting get (its callbacks run now), or keeps
  /// it pending. @throws QueueOverflow if `size` objects are already
  /// pending. Mirrors DeferredQueue.put.
  void put(T obj) { core_->put(std::move(obj)); }

  /// A Deferred firing with the next object: already fired if one is
  /// pending. Cancelling it while it waits removes it from the waiting gets
  /// (it fails with CancelledError, and the next put() goes elsewhere).
  /// @throws QueueUnderflow if `backlog` gets are already waiting.
  /// Mirrors DeferredQueue.get.
  Deferred<T> get() { return core_->get(); }

  /// Objects put and not yet got, oldest first. Mirrors DeferredQueue.pending.
  const std::deque<T>& pending() const noexcept { return core_->pending; }
  /// Gets waiting for an object, oldest first. Mirrors DeferredQueue.waiting.
  const std::deque<Deferred<T>>& waiting() const noexcept { return core_->waiting; }
  /// The most pending objects allowed (nullopt: no limit); a limit, not a
  /// count. Mirrors DeferredQueue.size.
  std::optional<std::size_t> size() const noexcept { return core_->size; }
  /// The most waiting gets allowed (nullopt: no limit).
  /// Mirrors DeferredQueue.backlog.
  std::optional<std::size_t> backlog() const noexcept { return core_->backlog; }

 private:
  // Shared so that a waiting get's canceller stays safe after the queue dies.
  struct Core : std::enable_shared_from_this<Core> {
    Core(std::optional<std::size_t> s, std::optional<std::size_t> b) : size(s), backlog(b) {}

    void put(T obj) {
      if (!waiting.empty()) {
        // Off the list before it fires: its callbacks may put or get again.
        Deferred<T> d = std::move(waiting.front());
        waiting.pop_front();
        d.callback(std::move(obj));
      } else if (!size || pending.size() < *size) {
        pending.push_back(std::move(obj));
      } else {
        throw QueueOverflow();
      }
    }

    Deferred<T> get() {
      if (!pending.empty()) {
        Deferred<T> d;
        T obj = std::move(pending.front());
        pending.pop_front();
        d.callback(std::move(obj));
        return d;
      }
      if (backlog && waiting.size() >= *backlog) throw QueueUnderflow();
      Deferred<T> d([weak = this->weak_from_this()](Deferred<T>& self) {
        if (auto core = weak.lock()) core->cancelGet(self);
      });
      waiting.push_back(d);
      return d;
    }

    // Only called for a get that has not fired: put() removes it first.
    // Mirrors DeferredQueue._cancelGet.
    void cancelGet(const Deferred<T>& d) {
      auto it = std::find_if(waiting.begin(), waiting.end(), [&](const Deferred<T>& w) {
        return w.state().get() == d.state().get();
      });
      if (it != waiting.end()) waiting.erase(it);
    }

    std::deque<Deferred<T>> waiting;
    std::deque<T> pending;
    std::optional<std::size_t> size;
    std::optional<std::size_t> backlog;
  };

  std::shared_ptr<Core> core_;
};

}  // namespace twisted::internet::defer
