// Deferred<T>: a result that is not there yet, with a chain of callbacks and
// errbacks that transform it. Mirrors twisted.internet.defer.Deferred.
//
// A Deferred<T> is a handle: copies refer to the same Deferred (as Python
// names refer to one object). Each addCallback returns a handle typed with
// the chain's new result type; the old handle can still fire the Deferred
// (callback() takes the type the Deferred was created with) but adding
// callbacks through it throws DeferredTypeError once the chain's type
// changed. See docs/deferred.md for the Twisted-to-C++ mapping.
#pragma once

#include <concepts>
#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <twisted/internet/defer/detail/state.h>
#include <twisted/internet/defer/errors.h>
#include <twisted/internet/defer/outcome.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/python/failure.h>

namespace twisted::internet::defer {

using python::Failure;

template <class T>
class Deferred;

namespace detail {

template <class R>
struct Unwrap {
  using type = R;
  static constexpr bool isDeferred = false;
};
template <class V>
struct Unwrap<Deferred<V>> {
  using type = V;
  static constexpr bool isDeferred = true;
};
template <class R>
inline constexpr bool kIsDeferred = Unwrap<std::remove_cvref_t<R>>::isDeferred;
/// The chain type after a callable returning R: R, or V for a Deferred<V>.
template <class R>
using Unwrapped = typename Unwrap<std::remove_cvref_t<R>>::type;

template <class R>
inline constexpr bool kIsOutcome = false;
template <class U>
inline constexpr bool kIsOutcome<Outcome<U>> = true;

/// The chain type after a callable on a Deferred<T> returning R: a
/// Deferred<V> or an Outcome<V> continue with V; a Failure (Twisted's
/// "return a Failure to switch to the errback chain") leaves it at T.
template <class T, class R>
struct ChainAfter {
  using type = Unwrapped<R>;
};
template <class T>
struct ChainAfter<T, Failure> {
  using type = T;
};
template <class T, class U>
struct ChainAfter<T, Outcome<U>> {
  using type = U;
};
template <class T, class R>
using ChainType = typename ChainAfter<T, std::remove_cvref_t<R>>::type;

/// Stands for "no callable on this side" (Twisted's passthru).
struct Passthru {};

/// What a callback on a Deferred<T> returns: it takes the T, or nothing.
template <class T, class F>
auto callbackReturn() {
  if constexpr (std::is_void_v<T>) {
    static_assert(std::is_invocable_v<F&>,
                  "a callback on Deferred<void> must be callable with no argument");
    return std::type_identity<std::invoke_result_t<F&>>{};
  } else if constexpr (std::is_invocable_v<F&, T&&>) {
    return std::type_identity<std::invoke_result_t<F&, T&&>>{};
  } else {
    static_assert(std::is_invocable_v<F&>,
                  "a callback on Deferred<T> must be callable with a T (or with nothing)");
    return std::type_identity<std::invoke_result_t<F&>>{};
  }
}
template <class T, class F>
using CallbackReturn = std::decay_t<typename decltype(callbackReturn<T, F>())::type>;

template <class F>
using ErrbackReturn = std::decay_t<std::invoke_result_t<F&, Failure&&>>;

template <class T, class F>
auto bothReturn() {
  if constexpr (std::is_invocable_v<F&, Outcome<T>&&>) {
    return std::type_identity<std::invoke_result_t<F&, Outcome<T>&&>>{};
  } else {
    static_assert(std::is_invocable_v<F&>,
                  "an addBoth callable must take an Outcome<T> (or nothing)");
    return std::type_identity<std::invoke_result_t<F&>>{};
  }
}
template <class T, class F>
using BothReturn = std::decay_t<typename decltype(bothReturn<T, F>())::type>;

/// Binds Twisted's extra callback arguments: f(result, args...).
template <class F, class... A>
struct Bound {
  F f;
  std::tuple<A...> args;
  template <class... V>
  requires std::is_invocable_v<F&, V..., A&...>
  decltype(auto) operator()(V&&... v) {
    return std::apply(
        [&](A&... a) -> decltype(auto) { return std::invoke(f, std::forward<V>(v)..., a...); },
        args);
  }
};
template <class F, class... A>
auto bind(F&& f, A&&... a) {
  if constexpr (sizeof...(A) == 0)
    return std::decay_t<F>(std::forward<F>(f));
  else
    return Bound<std::decay_t<F>, std::decay_t<A>...>{std::forward<F>(f), {std::forward<A>(a)...}};
}

/// Stores what `thunk` returns (or throws) as the state's new result.
template <class R, class Thunk>
void deliver(DeferredState& st, Thunk&& thunk) noexcept;

template <class T, class F>
decltype(auto) invokeCallback(F& f, Result& r) {
  if constexpr (std::is_void_v<T>) {
    r.reset();
    return std::invoke(f);
  } else if constexpr (std::is_invocable_v<F&, T&&>) {
    T v = r.take<T>();
    return std::invoke(f, std::move(v));
  } else {
    r.reset();
    return std::invoke(f);
  }
}

/// addCallbacks' step: CB on a value, EB on a Failure; either may be Passthru.
template <class T, class CB, class EB>
struct CallbacksStep {
  [[no_unique_address]] CB cb;
  [[no_unique_address]] EB eb;

  void operator()(DeferredState& st) {
    Result& r = st.mutableResult();
    if (r.isFailure()) {
      if constexpr (!std::is_same_v<EB, Passthru>) {
        deliver<ErrbackReturn<EB>>(st, [&]() -> decltype(auto) {
          Failure f = r.takeFailure();
          return std::invoke(eb, std::move(f));
        });
      }
    } else if constexpr (!std::is_same_v<CB, Passthru>) {
      deliver<CallbackReturn<T, CB>>(st,
                                     [&]() -> decltype(auto) { return invokeCallback<T>(cb, r); });
    }
  }
};

/// addBoth's step: F sees an Outcome<T> (or nothing) either way.
template <class T, class F>
struct BothStep {
  F f;
  void operator()(DeferredState& st) {
    Result& r = st.mutableResult();
    deliver<BothReturn<T, F>>(st, [&]() -> decltype(auto) {
      if constexpr (std::is_invocable_v<F&, Outcome<T>&&>) {
        if (r.isFailure()) return std::invoke(f, Outcome<T>(r.takeFailure()));
        if constexpr (std::is_void_v<T>) {
          r.reset();
          return std::invoke(f, Outcome<T>(std::in_place));
        } else {
          T v = r.take<T>();
          return std::invoke(f, Outcome<T>(std::in_place, std::move(v)));
        }
      } else {
        r.reset();
        return std::invoke(f);
      }
    });
  }
};

template <class T>
struct Promise;
template <class T>
class Awaiter;

}  // namespace detail

/// A Deferred whose result is a T (nothing for T = void).
///
/// Mirrors: twisted.internet.defer.Deferred. Single-threaded, as Twisted's:
/// use it on the reactor thread.
template <class T = void>
class Deferred {
  static_assert(!detail::kIsDeferred<T>,
                "Deferred<Deferred<T>> is not a thing: a callback that returns a Deferred<V> "
                "makes the chain wait for it and continue with its V");
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>,
                "a Deferred holds a value: use Deferred<std::decay_t<T>>");
  static_assert(!std::is_same_v<T, Failure>, "a Failure goes down the errback chain");
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

 public:
  /// The type of the result (void: none).
  using value_type = T;
  /// Lets a coroutine return a Deferred<T> (Twisted's `async def` +
  /// Deferred.fromCoroutine / inlineCallbacks).
  using promise_type = detail::Promise<T>;

  /// A new, unfired Deferred. Mirrors Deferred().
  Deferred() : state_(detail::StatePtr::adopt(new detail::DeferredState(detail::typeTag<T>()))) {}

  /// A new Deferred whose cancel() calls `canceller(d)` first; if that does
  /// not fire d, cancel() errbacks it with CancelledError.
  /// Mirrors Deferred(canceller).
  template <class C>
  requires std::is_invocable_v < std::decay_t<C>
  &, Deferred<T>& > explicit Deferred(C&& canceller) : Deferred() {
    detail::DeferredState* raw = state_.get();  // the state owns the canceller: no cycle
    state_->setCanceller([raw, c = std::decay_t<C>(std::forward<C>(canceller))]() mutable {
      Deferred<T> self{detail::StatePtr(raw)};
      c(self);
    });
  }

  /// Adopts a state (library internals).
  explicit Deferred(detail::StatePtr s) noexcept : state_(std::move(s)) {}

  /// Adds `cb` to the callback chain and a pass-through to the errback chain.
  /// `cb` takes the T (or nothing), plus `args...` after it; what it returns
  /// is the next result (a returned Deferred<V> is waited for: the chain
  /// continues with its V). A throw or a returned Failure switches to the
  /// errback chain (a Failure keeps the chain's type); a returned `Outcome<U>`
  /// continues with U, on whichever chain it says.
  /// Mirrors Deferred.addCallback(callback, *args).
  template <class CB, class... A>
  auto addCallback(CB&& cb, A&&... args) {
    using F = decltype(detail::bind(std::forward<CB>(cb), std::forward<A>(args)...));
    using R = detail::CallbackReturn<T, F>;
    return add<detail::ChainType<T, R>>(
        detail::CallbacksStep<T, F, detail::Passthru>{
            detail::bind(std::forward<CB>(cb), std::forward<A>(args)...), {}},
        detail::kIsDeferred<R>);
  }

  /// Adds `eb` to the errback chain and a pass-through to the callback chain.
  /// `eb` takes the Failure (plus `args...`) and either throws or returns a
  /// Failure (the chain stays on errbacks; `f.trap<E>()` throws for other
  /// types, `if (!f.check<E>()) return f;` is the same without a throw), or
  /// returns a T, Deferred<T> or successful Outcome<T> (back to callbacks).
  /// Mirrors Deferred.addErrback(errback, *args).
  template <class EB, class... A>
  Deferred<T> addErrback(EB&& eb, A&&... args) {
    using F = decltype(detail::bind(std::forward<EB>(eb), std::forward<A>(args)...));
    using R = detail::ErrbackReturn<F>;
    static_assert(std::is_same_v<detail::ChainType<T, R>, T>,
                  "an errback on Deferred<T> must return T, Deferred<T> or Outcome<T> (recover), "
                  "or return a Failure or throw (stay on the errback chain)");
    return add<T>(
        detail::CallbacksStep<T, detail::Passthru, F>{
            {}, detail::bind(std::forward<EB>(eb), std::forward<A>(args)...)},
        detail::kIsDeferred<R>);
  }

  /// Adds `cb` and `eb` at the same level: exactly one of them runs, and
  /// `eb` does not see a failure raised by `cb`. Both must produce the same
  /// type. Mirrors Deferred.addCallbacks(callback, errback).
  template <class CB, class EB>
  auto addCallbacks(CB&& cb, EB&& eb) {
    using F = std::decay_t<CB>;
    using G = std::decay_t<EB>;
    using R = detail::CallbackReturn<T, F>;
    using RE = detail::ErrbackReturn<G>;
    // A side that returns a Failure produces no value: the other side's type wins.
    using U = std::conditional_t<std::is_same_v<R, Failure>, detail::ChainType<T, RE>,
                                 detail::ChainType<T, R>>;
    static_assert(std::is_same_v<RE, Failure> || std::is_same_v<detail::ChainType<T, RE>, U>,
                  "addCallbacks: the callback and the errback must produce the same type");
    return add<U>(detail::CallbacksStep<T, F, G>{std::forward<CB>(cb), std::forward<EB>(eb)},
                  detail::kIsDeferred<R> || detail::kIsDeferred<RE>);
  }

  /// Adds `f` to both chains: it receives an Outcome<T> (or nothing) and its
  /// return value (or throw) is the next result, so returning a value turns
  /// a failure into a success, as in Twisted; returning a Failure or an
  /// Outcome works as for addCallback.
  /// Mirrors Deferred.addBoth(callback, *args).
  template <class F0, class... A>
  auto addBoth(F0&& f, A&&... args) {
    using F = decltype(detail::bind(std::forward<F0>(f), std::forward<A>(args)...));
    using R = detail::BothReturn<T, F>;
    return add<detail::ChainType<T, R>>(
        detail::BothStep<T, F>{detail::bind(std::forward<F0>(f), std::forward<A>(args)...)},
        detail::kIsDeferred<R>);
  }

  /// Fires the Deferred with `value`: the callbacks run now.
  /// @throws AlreadyCalledError if it has already fired.
  /// Mirrors Deferred.callback(result).
  void callback(Stored value) requires(!std::is_void_v<T>) {
    state_->checkInitialType(detail::typeTag<T>(), "callback()");
    state_->template fireValue<T>(std::move(value));
  }
  /// Fires a Deferred<void>. Mirrors Deferred.callback(None).
  void callback() requires std::is_void_v<T> {
    state_->checkInitialType(detail::typeTag<T>(), "callback()");
    state_->template fireValue<void>();
  }

  /// Fires the Deferred with a failure: the errbacks run now.
  /// @throws AlreadyCalledError if it has already fired.
  /// Mirrors Deferred.errback(fail).
  void errback(Failure f) {
    detail::Result r;
    r.setFailure(std::move(f));
    state_->fire(std::move(r));
  }
  /// errback() with the exception being handled (call inside a catch block).
  /// Mirrors Deferred.errback() with no argument.
  void errback(std::source_location where = std::source_location::current()) {
    errback(Failure(where));
  }
  /// errback(Failure(e)) for an exception object, e.g.
  /// errback(std::runtime_error("x")); the Failure names the caller's line.
  template <class E>
  requires std::derived_from<std::decay_t<E>, std::exception> &&
      (!std::derived_from<std::decay_t<E>, Failure>)void errback(
          E&& e, std::source_location where = std::source_location::current()) {
    errback(Failure(std::forward<E>(e), where));
  }
  /// errback with a captured exception.
  void errback(std::exception_ptr e, std::source_location where = std::source_location::current()) {
    errback(Failure(std::move(e), where));
  }

  /// Mirrors Deferred.cancel: calls the canceller if unfired (then errbacks
  /// with CancelledError unless the canceller fired it, and ignores the one
  /// late callback of a Deferred without canceller); if the Deferred is
  /// waiting on another Deferred, cancels that one.
  void cancel() { state_->cancel(); }
  /// Stops the callbacks from running until unpause(). Mirrors Deferred.pause.
  void pause() noexcept { state_->pause(); }
  /// Mirrors Deferred.unpause.
  void unpause() { state_->unpause(); }
  /// True once callback() or errback() ran. Mirrors Deferred.called.
  bool called() const noexcept { return state_->called(); }
  /// The pause count. Mirrors Deferred.paused.
  int paused() const noexcept { return state_->paused(); }

  /// Cancels the Deferred if it has not fired `timeout` seconds from now on
  /// `clock`; a CancelledError from that becomes a TimeoutError.
  /// Mirrors Deferred.addTimeout(timeout, clock).
  Deferred<T> addTimeout(double timeout, IReactorTime& clock) {
    return addTimeout(timeout, clock, [timeout](Outcome<T> o, double) -> T {
      if (o.isFailure()) {
        o.failure().template trap<CancelledError>();
        throw TimeoutError("Deferred timed out after " + std::to_string(timeout) + " seconds");
      }
      return std::move(o).value();
    });
  }
  /// As addTimeout(timeout, clock), with `onTimeoutCancel(outcome, timeout)`
  /// deciding the result when the timeout fired (it must return a T or
  /// throw). Mirrors Deferred.addTimeout(timeout, clock, onTimeoutCancel).
  template <class F>
  requires std::is_invocable_v<F&, Outcome<T> &&, double> Deferred<T> addTimeout(
      double timeout, IReactorTime& clock, F onTimeoutCancel) {
    auto timedOut = std::make_shared<bool>(false);
    DelayedCall call = clock.callLater(timeout, [timedOut, self = *this]() mutable {
      *timedOut = true;
      self.cancel();
    });
    addBoth([timedOut, timeout, f = std::move(onTimeoutCancel)](Outcome<T> o) mutable -> T {
      if (*timedOut) return f(std::move(o), timeout);
      return std::move(o).value();
    });
    return addBoth([call](Outcome<T> o) mutable -> T {
      if (call.active()) call.cancel();
      return std::move(o).value();
    });
  }

  /// Fires `d` with this Deferred's result when it comes; this chain's
  /// result becomes void. Mirrors Deferred.chainDeferred.
  Deferred<void> chainDeferred(Deferred<T> d) {
    if constexpr (std::is_void_v<T>) {
      return addCallbacks([d]() mutable { d.callback(); },
                          [d](Failure f) mutable { d.errback(std::move(f)); });
    } else {
      return addCallbacks([d](T v) mutable { d.callback(std::move(v)); },
                          [d](Failure f) mutable { d.errback(std::move(f)); });
    }
  }

  /// `co_await d` in a coroutine: the T, or the failure's exception thrown.
  /// A fired Deferred resumes at once. Afterwards d's result is void, as an
  /// awaited Deferred holds None in Twisted.
  detail::Awaiter<T> operator co_await() const;

  /// This Deferred seen as a Deferred<void>: the same Deferred (a handle,
  /// not a copy). Use it once the chain produces void: after a callback
  /// returning nothing, or after this Deferred was chained into another
  /// (a callback of another Deferred returned it) or awaited, when it holds
  /// void as Twisted's holds None. It can also errback, cancel, pause and be
  /// tested with called() whatever the type. Adding a callback through it
  /// while the chain produces another type throws DeferredTypeError.
  Deferred<void> asVoid() const noexcept { return Deferred<void>(state_); }

  /// The shared state (library internals and test helpers).
  const detail::StatePtr& state() const noexcept { return state_; }

 private:
  template <class U, class S>
  Deferred<U> add(S&& step, bool returnsDeferred) {
    state_->checkChainType(detail::typeTag<T>(), "Adding a callback");
    // A step whose callable returns a Deferred is kept until that Deferred
    // fires; a coroutine lambda's captures must not move meanwhile.
    bool heap = returnsDeferred && !std::is_empty_v<std::decay_t<S>>;
    state_->addEntry(detail::Entry::step(std::forward<S>(step), heap), detail::typeTag<U>());
    return Deferred<U>(state_);
  }

  detail::StatePtr state_;
};

/// A Deferred that has already fired with `value`. Mirrors defer.succeed.
template <class T>
Deferred<std::decay_t<T>> succeed(T&& value) {
  Deferred<std::decay_t<T>> d;
  d.callback(std::forward<T>(value));
  return d;
}
/// A Deferred<void> that has already fired. Mirrors defer.succeed(None).
inline Deferred<void> succeed() {
  Deferred<void> d;
  d.callback();
  return d;
}
/// A Deferred that has already failed. Mirrors defer.fail.
template <class T = void>
Deferred<T> fail(Failure f) {
  Deferred<T> d;
  d.errback(std::move(f));
  return d;
}
/// fail() with an exception object, e.g. fail<int>(std::runtime_error("x")).
template <class T = void, class E>
requires std::derived_from<std::decay_t<E>, std::exception> Deferred<T> fail(
    E&& e, std::source_location where = std::source_location::current()) {
  return fail<T>(Failure(std::forward<E>(e), where));
}

/// Calls f(args...) and wraps the outcome in a Deferred: its returned
/// Deferred as is, a value in succeed(), an exception in fail().
/// Mirrors defer.maybeDeferred.
template <class F, class... A>
auto maybeDeferred(F&& f, A&&... args) {
  using R = std::decay_t<std::invoke_result_t<F, A...>>;
  using U = detail::Unwrapped<R>;
  try {
    if constexpr (detail::kIsDeferred<R>) {
      return std::invoke(std::forward<F>(f), std::forward<A>(args)...);
    } else if constexpr (std::is_void_v<R>) {
      std::invoke(std::forward<F>(f), std::forward<A>(args)...);
      return succeed();
    } else {
      return succeed(std::invoke(std::forward<F>(f), std::forward<A>(args)...));
    }
  } catch (...) {
    return fail<U>(Failure(std::current_exception()));
  }
}

namespace detail {

template <class R, class Thunk>
void deliver(DeferredState& st, Thunk&& thunk) noexcept {
  Result& res = st.mutableResult();
  try {
    if constexpr (std::is_void_v<R>) {
      thunk();
      res.setVoid();
    } else if constexpr (kIsDeferred<R>) {
      R d = thunk();
      DeferredState* inner = d.state().get();
      if (inner == &st) {
        throw DeferredTypeError(
            "Callback returned the Deferred it was attached to; this breaks the callback chain "
            "and will always be an error");
      }
      inner->checkChainType(typeTag<Unwrapped<R>>(), "A callback returned a Deferred");
      res.setDeferred(d.state());
    } else if constexpr (std::is_same_v<R, Failure>) {
      // A returned Failure switches to the errback chain without a throw.
      Failure f = thunk();
      res.setFailure(std::move(f));
    } else if constexpr (kIsOutcome<R>) {
      R outcome = thunk();
      if (outcome.isFailure()) {
        res.setFailure(outcome.failure());
      } else if constexpr (std::is_void_v<typename R::value_type>) {
        res.setVoid();
      } else {
        using V = typename R::value_type;
        V value = std::move(outcome).value();
        res.template emplace<V>(std::move(value));
      }
    } else {
      // Build the value before touching the slot the callable read from.
      R value = thunk();
      res.template emplace<R>(std::move(value));
    }
  } catch (const Failure& f) {
    res.setFailure(f);  // trap() or a rethrown Failure: the same one goes on
  } catch (const std::exception& e) {
    res.setFailure(Failure::caught(e));  // no rethrow to find out what it is
  } catch (...) {
    res.setFailure(Failure(std::current_exception()));
  }
}

}  // namespace detail
}  // namespace twisted::internet::defer

#include <twisted/internet/defer/detail/coroutine.h>
