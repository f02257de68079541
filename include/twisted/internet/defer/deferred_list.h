// DeferredList: one Deferred that fires when a list of Deferreds has fired
// (or, on request, when the first of them succeeds or fails).
// Mirrors twisted.internet.defer.DeferredList.
//
// Like Twisted's, it watches each input by adding one (callback, errback)
// pair at the end of the input's chain, so callbacks added to an input
// before the DeferredList change what it sees, and what the DeferredList
// leaves in the input is what callbacks added after it see:
//
//   - without consumeErrors, a value is copied into the list and passes on
//     unchanged, and a failure passes on unchanged (still reported as
//     "Unhandled error in Deferred" if nothing handles it);
//   - with consumeErrors (or for a T that cannot be copied), the list takes
//     the input's outcome: the value is moved into the list, a failure is
//     handled, and the input is left holding void (Twisted's None), as an
//     awaited Deferred is. Add further callbacks to such an input through a
//     Deferred<void> handle, not the old Deferred<T> one.
//
// Ownership: each input's watch keeps the list's bookkeeping (and through it
// the DeferredList) alive until that input fires or is destroyed; the
// DeferredList refers to its inputs only weakly (to cancel them), so no
// cycle outlives the inputs.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/detail/copyable.h>
#include <twisted/internet/defer/failure_group.h>
#include <twisted/internet/defer/first_error.h>
#include <twisted/internet/defer/outcome.h>
#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet::defer {

/// One input's outcome in a DeferredList's result: `success` (Twisted's
/// SUCCESS/FAILURE flag) and the value or Failure. Structured bindings read
/// it as Twisted's (success, result) pair:
///
///     for (auto& [ok, outcome] : results) if (ok) use(outcome.value());
template <class T>
struct DeferredListItem {
  /// Whether that Deferred succeeded.
  bool success;
  /// Its result or failure.
  Outcome<T> result;
};

/// What a DeferredList fires with: one item per input, in input order.
template <class T>
using DeferredListResult = std::vector<DeferredListItem<T>>;

/// What a DeferredList built with fireOnOneCallback fires with: the first
/// successful input's value and its index (Twisted's (result, index) pair).
template <class T>
struct DeferredListFirst {
  /// The first result.
  T result;
  /// The position, in the list, of the Deferred that fired it.
  std::size_t index;
};
/// For Deferred<void> inputs there is no value: only the index.
template <>
struct DeferredListFirst<void> {
  /// The position, in the list, of the Deferred that fired first.
  std::size_t index;
};

/// DeferredList's keyword options, for designated initializers:
/// `DeferredList(ds, {.fireOnOneErrback = true, .consumeErrors = true})`.
struct TWISTED_API DeferredListOptions {
  /// Fail with FirstError(failure, index) as soon as one input fails.
  /// Mirrors the fireOnOneErrback argument.
  bool fireOnOneErrback = false;
  /// Take the inputs' outcomes, so their failures are handled (see the top
  /// of this file). Mirrors the consumeErrors argument.
  bool consumeErrors = false;
};

/// Selects fireOnOneCallback: `DeferredList(ds, fireOnOneCallback)` fires
/// with DeferredListFirst<T> as soon as one input succeeds. The result type
/// differs, so this is a compile-time choice rather than a bool.
struct TWISTED_API FireOnOneCallback {
  explicit FireOnOneCallback() = default;
};
/// Mirrors the fireOnOneCallback=True argument of DeferredList.
inline constexpr FireOnOneCallback fireOnOneCallback{};

namespace detail {
template <class T, bool FireOnOne>
using DeferredListValue =
    std::conditional_t<FireOnOne, DeferredListFirst<T>, DeferredListResult<T>>;
}  // namespace detail

/// A Deferred that collects the outcomes of `deferreds`.
///
/// By default it fires, once every input has fired, with a
/// DeferredListResult<T> (an empty list fires at once). With
/// fireOnOneErrback it fails with FirstError as soon as an input fails. With
/// fireOnOneCallback (FireOnOne = true) it fires with DeferredListFirst<T>
/// as soon as an input succeeds; if every input fails it fails with a
/// FailureGroup of their failures, and an empty list never fires.
///
/// cancel() cancels every input that has not fired (an exception from an
/// input's canceller is logged, and the others are still cancelled) and does
/// nothing else: the list fires from its inputs' results as always (an input
/// cancelled without a canceller of its own fails with CancelledError). An
/// input that survives its cancellation (paused, or a coroutine that catches
/// CancelledError) keeps the list pending until it fires, as in Twisted.
/// A DeferredList is a Deferred handle:
/// add callbacks, co_await it, or pass it where a Deferred is expected.
///
/// Each input's chain must produce T when the list is built (else
/// DeferredTypeError); so an input listed twice works only when values pass
/// on (no consumeErrors, copyable T). g++ 12 rejects a braced list inside a
/// co_await expression ("array used as initializer"): write
/// `DeferredList list({a, b}); co_await list;`, not `co_await DeferredList({a, b})`.
///
/// Mirrors: twisted.internet.defer.DeferredList.
template <class T, bool FireOnOne = false>
class DeferredList : public Deferred<detail::DeferredListValue<T, FireOnOne>> {
 public:
  /// The Deferred type this derives from.
  using Base = Deferred<detail::DeferredListValue<T, FireOnOne>>;

  /// Mirrors DeferredList(deferredList, fireOnOneErrback=..., consumeErrors=...).
  explicit DeferredList(std::vector<Deferred<T>> deferreds,
                        DeferredListOptions options = {}) requires(!FireOnOne)
      : DeferredList(std::make_shared<Collector>(deferreds.size(), options), deferreds) {}
  /// DeferredList({d1, d2, d3}).
  explicit DeferredList(std::initializer_list<Deferred<T>> deferreds,
                        DeferredListOptions options = {}) requires(!FireOnOne)
      : DeferredList(std::vector<Deferred<T>>(deferreds), options) {}

  /// Mirrors DeferredList(deferredList, fireOnOneCallback=True, ...).
  DeferredList(std::vector<Deferred<T>> deferreds, FireOnOneCallback,
               DeferredListOptions options = {}) requires FireOnOne
      : DeferredList(std::make_shared<Collector>(deferreds.size(), options), deferreds) {}
  /// DeferredList({d1, d2}, fireOnOneCallback).
  DeferredList(std::initializer_list<Deferred<T>> deferreds, FireOnOneCallback tag,
               DeferredListOptions options = {}) requires FireOnOne
      : DeferredList(std::vector<Deferred<T>>(deferreds), tag, options) {}

 private:
  // The bookkeeping of one DeferredList (Twisted's resultList, finishedCount
  // and flags), shared by the watches on its inputs.
  struct Collector {
    Collector(std::size_t n, DeferredListOptions o)
        : list(defer::detail::StatePtr()), inputs(n, nullptr), slots(n), options(o) {}

    // An input fired: record it and fire the list if that completes it.
    // Mirrors DeferredList._cbDeferred.
    void record(std::size_t i, Outcome<T> outcome) {
      inputs[i] = nullptr;
      ++finished;
      if (list.called()) return;
      if constexpr (FireOnOne) {
        if (outcome.succeeded()) {
          if constexpr (std::is_void_v<T>)
            list.callback(DeferredListFirst<void>{i});
          else
            list.callback(DeferredListFirst<T>{std::move(outcome).value(), i});
          return;
        }
      }
      if (outcome.isFailure() && options.fireOnOneErrback) {
        list.errback(python::Failure(FirstError(outcome.failure(), i)));
        return;
      }
      slots[i].emplace(std::move(outcome));
      if (finished == slots.size()) finish();
    }

    void finish() {
      if constexpr (FireOnOne) {
        // Every input failed (a success would have fired the list).
        std::vector<python::Failure> failures;
        failures.reserve(slots.size());
        for (auto& s : slots)
          failures.push_back(s->failure());
        list.errback(python::Failure(FailureGroup(std::move(failures))));
      } else {
        DeferredListResult<T> results;
        results.reserve(slots.size());
        for (auto& s : slots) {
          bool ok = s->succeeded();
          results.push_back(DeferredListItem<T>{ok, std::move(*s)});
        }
        list.callback(std::move(results));
      }
    }

    // Mirrors DeferredList.cancel: cancel every input that has not fired.
    void cancelInputs() {
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] == nullptr) continue;
        defer::detail::StatePtr input(inputs[i]);  // its canceller may drop the last handle
        try {
          input->cancel();
        } catch (...) {
          python::log::err(python::Failure(std::current_exception()),
                           "Exception raised from user supplied canceller");
        }
      }
    }

    Base list;  // the DeferredList itself (set once it exists)
    std::vector<defer::detail::DeferredState*> inputs;  // unfired inputs, for cancel()
    std::vector<std::optional<Outcome<T>>> slots;       // outcomes so far
    std::size_t finished = 0;
    DeferredListOptions options;
  };

  // Owned by the step added to input i: keeps the Collector alive while the
  // input may still fire, and forgets the input when the step goes away
  // (it ran, or the input was destroyed unfired).
  struct Watch {
    std::shared_ptr<Collector> c;
    std::size_t i;
    Watch(std::shared_ptr<Collector> collector, std::size_t index) noexcept
        : c(std::move(collector)), i(index) {}
    Watch(Watch&&) noexcept = default;
    Watch& operator=(Watch&&) = delete;
    ~Watch() {
      if (c) c->inputs[i] = nullptr;
    }
  };

  DeferredList(std::shared_ptr<Collector> c, std::vector<Deferred<T>>& deferreds)
      : Base([weak = std::weak_ptr<Collector>(c)](Base&) {
          if (auto collector = weak.lock()) collector->cancelInputs();
        }) {
    this->state()->setCancellerOnly();
    c->list = *this;
    if (deferreds.empty()) {
      if constexpr (!FireOnOne) this->callback(DeferredListResult<T>{});
      return;
    }
    for (std::size_t i = 0; i < deferreds.size(); ++i)
      watch(deferreds[i], c, i);
  }

  // Adds the (callback, errback) pair that reports input i to the Collector.
  static void watch(Deferred<T>& d, const std::shared_ptr<Collector>& c, std::size_t i) {
    c->inputs[i] = d.state().get();
    Collector* raw = c.get();  // the errback runs while the callback's Watch owns c
    if constexpr (std::is_void_v<T>) {
      d.addCallbacks([w = Watch(c, i)] { w.c->record(w.i, Outcome<void>(std::in_place)); },
                     [raw, i](python::Failure f) {
                       raw->record(i, Outcome<void>(f));
                       if (!raw->options.consumeErrors) throw f;
                     });
    } else {
      if constexpr (defer::detail::kCopyable<T>) {
        if (!c->options.consumeErrors) {
          d.addCallbacks(
              [w = Watch(c, i)](T v) -> T {
                w.c->record(w.i, Outcome<T>(std::in_place, v));
                return v;
              },
              [raw, i](python::Failure f) -> T {
                raw->record(i, Outcome<T>(f));
                throw f;
              });
          return;
        }
      }
      d.addCallbacks(
          [w = Watch(c, i)](T v) { w.c->record(w.i, Outcome<T>(std::in_place, std::move(v))); },
          [raw, i](python::Failure f) {
            raw->record(i, Outcome<T>(f));
            if (!raw->options.consumeErrors) throw f;
          });
    }
  }
};

template <class T>
DeferredList(std::vector<Deferred<T>>) -> DeferredList<T, false>;
template <class T>
DeferredList(std::vector<Deferred<T>>, DeferredListOptions) -> DeferredList<T, false>;
template <class T>
DeferredList(std::initializer_list<Deferred<T>>) -> DeferredList<T, false>;
template <class T>
DeferredList(std::initializer_list<Deferred<T>>, DeferredListOptions) -> DeferredList<T, false>;
template <class T>
DeferredList(std::vector<Deferred<T>>, FireOnOneCallback) -> DeferredList<T, true>;
template <class T>
DeferredList(std::vector<Deferred<T>>, FireOnOneCallback, DeferredListOptions)
    -> DeferredList<T, true>;
template <class T>
DeferredList(std::initializer_list<Deferred<T>>, FireOnOneCallback) -> DeferredList<T, true>;
template <class T>
DeferredList(std::initializer_list<Deferred<T>>, FireOnOneCallback, DeferredListOptions)
    -> DeferredList<T, true>;

}  // namespace twisted::internet::defer
