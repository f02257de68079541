// DeferredSemaphore: at most `tokens` holders at once; acquiring gives a Deferred.
#pragma once

#include <twisted/export.h>

#include <deque>
#include <memory>
#include <stdexcept>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/detail/concurrency_primitive.h>

namespace twisted::internet::defer {

/// A semaphore whose acquire() returns a Deferred that fires once one of
/// its tokens is ours; waiters get tokens in FIFO order. Limits how many
/// operations run at once (e.g. `sem.run(fetch, url)` for each url).
/// Single-threaded, like Deferred.
///
/// Destroying the semaphore drops its waiters (their Deferreds never fire);
/// cancelling one of them afterwards is still safe.
///
/// Mirrors: twisted.internet.defer.DeferredSemaphore.
class TWISTED_API DeferredSemaphore {
 public:
  /// A semaphore with `tokens` tokens (its limit).
  /// @throws std::invalid_argument if tokens < 1 (Twisted's ValueError).
  /// Mirrors DeferredSemaphore(tokens).
  explicit DeferredSemaphore(int tokens) : pool_(makePool(tokens)) {}
  DeferredSemaphore(const DeferredSemaphore&) = delete;
  DeferredSemaphore& operator=(const DeferredSemaphore&) = delete;

  /// A Deferred that fires when a token is ours: at once if one is free,
  /// otherwise after the waiters before us. Cancelling it before it fires
  /// takes us off the waiting list (it fails with CancelledError); after it
  /// fired, cancel() does nothing and the token stays ours. Twisted fires it
  /// with the semaphore itself; here it carries nothing.
  /// Mirrors DeferredSemaphore.acquire.
  Deferred<void> acquire() { return pool_->acquire(); }

  /// Gives a token back, or hands it to the first waiter (whose callbacks
  /// run now). @throws std::logic_error if no token is taken.
  /// Mirrors DeferredSemaphore.release.
  void release() { pool_->release(); }

  /// Free tokens: limit() minus the current holders.
  /// Mirrors DeferredSemaphore.tokens.
  int tokens() const noexcept { return pool_->tokens(); }
  /// How many may hold the semaphore at once. Mirrors DeferredSemaphore.limit.
  int limit() const noexcept { return pool_->limit(); }

  /// The acquire() Deferreds still waiting, first in line first.
  /// Mirrors DeferredSemaphore.waiting.
  const std::deque<Deferred<void>>& waiting() const noexcept { return pool_->waiting(); }

  /// Acquires a token, calls f(args...) (which may return a Deferred or be a
  /// coroutine), releases the token when f's result is ready and fires with
  /// that result (or failure). Mirrors DeferredSemaphore.run.
  template <class F, class... A>
  auto run(F&& f, A&&... args) {
    return detail::runWithToken(pool_, std::forward<F>(f), std::forward<A>(args)...);
  }

 private:
  static std::shared_ptr<detail::TokenPool> makePool(int tokens) {
    if (tokens < 1) throw std::invalid_argument("DeferredSemaphore requires tokens >= 1");
    return std::make_shared<detail::TokenPool>(
        tokens, "Someone released me too many times: too many tokens!");
  }

  std::shared_ptr<detail::TokenPool> pool_;
};

}  // namespace twisted::internet::defer
