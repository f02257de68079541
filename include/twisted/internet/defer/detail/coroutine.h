// C++20 coroutine support for Deferred<T>: a coroutine returning Deferred<T>
// (Twisted's `async def` run by Deferred.fromCoroutine / ensureDeferred, or an
// inlineCallbacks generator) and `co_await` on any Deferred.
//
// Ownership: while suspended on a Deferred, our coroutine's frame is owned by
// the resume step queued on that Deferred. If that Deferred is destroyed
// without ever firing, the frame is destroyed with it (its Deferred stays
// unfired, as a Python generator collected in that state would leave it).
// A frame that itself holds the awaited Deferred (a named handle, or the
// temporary of `co_await f()`) forms a cycle with it, which only firing the
// Deferred breaks: like any Deferred, one that is awaited must eventually
// fire (or be cancelled) or its memory is never reclaimed.
// When the coroutine finishes, the frame is destroyed first and then its
// Deferred fires, so RAII locals are gone before callbacks run.
#pragma once

#include <twisted/export.h>

#include <coroutine>
#include <exception>
#include <utility>

// deferred.h includes this file at its end, once Deferred<T> is complete;
// included first, this includes deferred.h, which completes Deferred<T>
// before the code below (the include guard skips the nested inclusion).
#include <twisted/internet/defer/deferred.h>

namespace twisted::internet::defer::detail {

/// What every Deferred coroutine's promise has, whatever its T.
struct TWISTED_API PromiseBase {
  StatePtr state;  // the coroutine's Deferred; moved out at the end
  Result result;   // return value or exception, delivered after the frame dies

  PromiseBase() = default;
  PromiseBase(const PromiseBase&) = delete;
  PromiseBase& operator=(const PromiseBase&) = delete;
  ~PromiseBase() {
    // Destroyed before finishing (the awaited Deferred was dropped unfired):
    // the Deferred may be cancelled normally from now on.
    if (state) {
      state->setCoroutine(false);
      state->setAwaiting(nullptr);
    }
  }

  std::suspend_never initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      StatePtr st = std::move(p.state);
      Result r = std::move(p.result);
      h.destroy();
      st->setCoroutine(false);
      st->setAwaiting(nullptr);
      try {
        st->fire(std::move(r));
      } catch (const AlreadyCalledError&) {
        // Someone fired the coroutine's Deferred by hand (or cancel()
        // suppressed this result): the coroutine's result has nowhere to go.
      }
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { result.setFailure(Failure(std::current_exception())); }

 protected:
  template <class T>
  Deferred<T> start() {
    Deferred<T> d;
    state = d.state();
    state->setCoroutine(true);
    return d;
  }
};

template <class T>
struct Promise : PromiseBase {
  Deferred<T> get_return_object() { return start<T>(); }
  template <class U = T>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) { result.emplace<T>(std::forward<U>(v)); }
};

template <>
struct Promise<void> : PromiseBase {
  Deferred<void> get_return_object() { return start<void>(); }
  void return_void() noexcept { result.setVoid(); }
};

/// Queued on the awaited Deferred: takes its result, resumes the coroutine.
/// Destroyed unrun, it destroys our coroutine's frame (it owns it).
struct TWISTED_API ResumeStep {
  std::coroutine_handle<> h;
  Result* sink;
  DeferredState* outer;  // our coroutine's Deferred, or null for a foreign coroutine

  ResumeStep(std::coroutine_handle<> handle, Result* s, DeferredState* o) noexcept
      : h(handle), sink(s), outer(o) {}
  ResumeStep(ResumeStep&& o) noexcept
      : h(std::exchange(o.h, {})), sink(o.sink), outer(std::exchange(o.outer, nullptr)) {}
  ResumeStep& operator=(ResumeStep&&) = delete;
  ~ResumeStep() {
    if (h && outer) {
      outer->setAwaiting(nullptr);
      std::exchange(h, {}).destroy();
    }
  }
  void operator()(DeferredState& st) {
    *sink = st.consumeResult();
    if (outer) std::exchange(outer, nullptr)->setAwaiting(nullptr);
    std::exchange(h, {}).resume();
  }
};

template <class T>
class Awaiter {
 public:
  explicit Awaiter(StatePtr st) noexcept : st_(std::move(st)) {}

  bool await_ready() const noexcept { return st_->hasFinalResult(); }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    DeferredState* outer = nullptr;
    if constexpr (std::is_base_of_v<PromiseBase, P>) {
      outer = h.promise().state.get();
      outer->setAwaiting(st_.get());
    }
    // Queued, not run: the Deferred is not ready (await_ready said so), and
    // resuming from inside await_suspend is what we must not do.
    st_->queueEntry(Entry::step(ResumeStep(h, &result_, outer), false), typeTag<void>());
    return true;
  }

  T await_resume() {
    Result r = result_.empty() ? st_->consumeResult() : std::move(result_);
    if (r.isFailure()) r.failure().raiseException();
    return r.template take<T>();
  }

 private:
  StatePtr st_;
  Result result_;
};

}  // namespace twisted::internet::defer::detail

namespace twisted::internet::defer {

template <class T>
detail::Awaiter<T> Deferred<T>::operator co_await() const {
  state_->checkChainType(detail::typeTag<T>(), "co_await");
  return detail::Awaiter<T>(state_);
}

}  // namespace twisted::internet::defer
