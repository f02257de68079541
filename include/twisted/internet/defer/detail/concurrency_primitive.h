// The machinery shared by DeferredLock and DeferredSemaphore: a count of free
// tokens and a FIFO of Deferreds waiting for one.
// Mirrors twisted.internet.defer._ConcurrencyPrimitive.
#pragma once

#include <twisted/export.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/outcome.h>

namespace twisted::internet::defer::detail {

/// Tokens and waiters. Held by a shared_ptr: the waiters' cancellers and
/// run()'s release step refer to it, and must stay safe if the lock or
/// semaphore object is destroyed first.
class TWISTED_API TokenPool : public std::enable_shared_from_this<TokenPool> {
 public:
  TokenPool(int tokens, const char* overReleaseMessage) noexcept
      : tokens_(tokens), limit_(tokens), overRelease_(overReleaseMessage) {}

  /// A Deferred that fires when a token is ours: now if one is free,
  /// otherwise when release() hands one over. Cancelling it while it waits
  /// removes it from the waiters (and it fails with CancelledError).
  Deferred<void> acquire() {
    Deferred<void> d([weak = weak_from_this()](Deferred<void>& self) {
      if (auto pool = weak.lock()) pool->cancelAcquire(self);
    });
    if (tokens_ == 0) {
      waiting_.push_back(d);
    } else {
      --tokens_;
      d.callback();
    }
    return d;
  }

  /// Gives a token back; the first waiter, if any, gets it at once.
  /// @throws std::logic_error if every token is already free.
  void release() {
    if (tokens_ >= limit_) throw std::logic_error(overRelease_);
    ++tokens_;
    if (!waiting_.empty()) {
      --tokens_;
      Deferred<void> d = std::move(waiting_.front());
      waiting_.pop_front();
      d.callback();
    }
  }

  int tokens() const noexcept { return tokens_; }
  int limit() const noexcept { return limit_; }
  const std::deque<Deferred<void>>& waiting() const noexcept { return waiting_; }

 private:
  // Only called for a waiter that has not fired: release() removes a waiter
  // before firing it. Mirrors _cancelAcquire.
  void cancelAcquire(const Deferred<void>& d) {
    auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Deferred<void>& w) {
      return w.state().get() == d.state().get();
    });
    if (it != waiting_.end()) waiting_.erase(it);
  }

  int tokens_;
  int limit_;
  const char* overRelease_;
  std::deque<Deferred<void>> waiting_;
};

/// Acquire, call f(args...), release when its result (a Deferred's, if it
/// returns one) is ready, and fire with that result.
/// Mirrors _ConcurrencyPrimitive.run.
template <class F, class... A>
auto runWithToken(const std::shared_ptr<TokenPool>& pool, F&& f, A&&... args) {
  auto call = detail::bind(std::forward<F>(f), std::forward<A>(args)...);
  using R = std::decay_t<std::invoke_result_t<decltype(call)&>>;
  using U = Unwrapped<R>;
  return pool->acquire().addCallback(
      [weak = std::weak_ptr<TokenPool>(pool), call = std::move(call)]() mutable -> Deferred<U> {
        // Strong from here on: the release must happen even if the lock
        // object is destroyed while f's Deferred is pending.
        return maybeDeferred(call).addBoth([held = weak.lock()](Outcome<U> o) -> U {
          if (held) held->release();
          return std::move(o).value();
        });
      });
}

}  // namespace twisted::internet::defer::detail
