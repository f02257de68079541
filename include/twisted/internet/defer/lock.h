// DeferredLock: a lock for event-driven code; acquiring it gives a Deferred.
#pragma once

#include <twisted/export.h>

#include <deque>
#include <memory>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/detail/concurrency_primitive.h>

namespace twisted::internet::defer {

/// A lock whose acquire() returns a Deferred that fires once the lock is
/// ours; waiters get it in FIFO order. Single-threaded, like Deferred: it
/// orders callbacks on the reactor thread, it does not guard data across
/// threads.
///
///     co_await lock.acquire();
///     ... critical section (may co_await) ...
///     lock.release();
///
/// or `lock.run(f, args...)`, which releases for you.
///
/// Destroying the lock drops its waiters (their Deferreds never fire);
/// cancelling one of them afterwards is still safe.
///
/// Mirrors: twisted.internet.defer.DeferredLock.
class TWISTED_API DeferredLock {
 public:
  DeferredLock()
      : pool_(std::make_shared<detail::TokenPool>(1, "Tried to release an unlocked lock")) {}
  DeferredLock(const DeferredLock&) = delete;
  DeferredLock& operator=(const DeferredLock&) = delete;

  /// A Deferred that fires when the lock is ours: at once if it is free,
  /// otherwise after the waiters before us. Cancelling it before it fires
  /// takes us off the waiting list (it fails with CancelledError); after it
  /// fired, cancel() does nothing and the lock stays ours. Twisted fires it
  /// with the lock itself; here the caller already has the lock, so it
  /// carries nothing. Mirrors DeferredLock.acquire.
  Deferred<void> acquire() { return pool_->acquire(); }

  /// Unlocks, or hands the lock to the first waiter (whose callbacks run
  /// now). @throws std::logic_error if the lock is not locked.
  /// Mirrors DeferredLock.release.
  void release() { pool_->release(); }

  /// True while someone holds the lock. Mirrors DeferredLock.locked.
  bool locked() const noexcept { return pool_->tokens() == 0; }

  /// The acquire() Deferreds still waiting, first in line first.
  /// Mirrors DeferredLock.waiting.
  const std::deque<Deferred<void>>& waiting() const noexcept { return pool_->waiting(); }

  /// Acquires the lock, calls f(args...) (which may return a Deferred or be
  /// a coroutine), releases the lock when f's result is ready and fires with
  /// that result (or failure). Returns `Deferred<U>` for an f returning U or
  /// `Deferred<U>`. Mirrors DeferredLock.run (_ConcurrencyPrimitive.run).
  template <class F, class... A>
  auto run(F&& f, A&&... args) {
    return detail::runWithToken(pool_, std::forward<F>(f), std::forward<A>(args)...);
  }

 private:
  std::shared_ptr<detail::TokenPool> pool_;
};

}  // namespace twisted::internet::defer
