// race(): the first of several Deferreds to succeed; the others are cancelled.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/failure_group.h>
#include <twisted/python/failure.h>

namespace twisted::internet::defer {

/// What race() fires with: the index of the input that succeeded first and
/// its value. Mirrors the (index, result) tuple of twisted.internet.defer.race.
template <class T>
struct RaceResult {
  /// The position of the Deferred that fired first.
  std::size_t index;
  /// Its result.
  T value;
};
/// For Deferred<void> inputs: the index alone.
template <>
struct RaceResult<void> {
  /// The position of the Deferred that fired first.
  std::size_t index;
};

namespace detail {

// The bookkeeping of one race, shared by the steps on its inputs. Inputs are
// referred to weakly (cleared when an input's step goes away), so an input
// that never fires does not keep the race alive, nor the race its inputs.
template <class T>
struct RaceState {
  explicit RaceState(std::size_t n) : inputs(n, nullptr), failures(n) {}

  void cancelOthers(std::size_t winner) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (i == winner || inputs[i] == nullptr) continue;
      StatePtr input(inputs[i]);  // its canceller may drop the last handle
      input->cancel();
    }
  }
  void cancelAll() { cancelOthers(inputs.size()); }

  void succeeded(std::size_t i, Outcome<T>&& outcome) {
    inputs[i] = nullptr;
    // Only the first success counts: a later one comes from an input whose
    // canceller fired it with a value.
    if (won) return;
    won = true;
    cancelOthers(i);
    if constexpr (std::is_void_v<T>)
      result.callback(RaceResult<void>{i});
    else
      result.callback(RaceResult<T>{i, std::move(outcome).value()});
  }

  void failed(std::size_t i, python::Failure f) {
    inputs[i] = nullptr;
    failures[i] = std::move(f);
    if (++failedCount == failures.size()) {
      std::vector<python::Failure> all;
      all.reserve(failures.size());
      for (auto& failure : failures)
        all.push_back(std::move(*failure));
      result.errback(python::Failure(FailureGroup(std::move(all))));
    }
  }

  Deferred<RaceResult<T>> result{StatePtr()};
  std::vector<DeferredState*> inputs;
  std::vector<std::optional<python::Failure>> failures;
  std::size_t failedCount = 0;
  bool won = false;
};

// Owned by the step on input i: keeps the race's state alive while the input
// may fire, and forgets the input when the step goes (run or destroyed).
template <class T>
struct RaceWatch {
  std::shared_ptr<RaceState<T>> s;
  std::size_t i;
  RaceWatch(std::shared_ptr<RaceState<T>> state, std::size_t index) noexcept
      : s(std::move(state)), i(index) {}
  RaceWatch(RaceWatch&&) noexcept = default;
  RaceWatch& operator=(RaceWatch&&) = delete;
  ~RaceWatch() {
    if (s) s->inputs[i] = nullptr;
  }
  void operator()(Outcome<T> outcome) {
    if (outcome.isFailure())
      s->failed(i, outcome.failure());
    else
      s->succeeded(i, std::move(outcome));
  }
};

}  // namespace detail

/// Fires with the index and value of the first input to succeed, and
/// cancels the others; fails with a FailureGroup of every input's failure
/// (in input order) if all of them fail. Cancelling it cancels every input
/// that has not fired. The inputs' results are consumed (each is left
/// holding void), so no input's failure is logged as unhandled. With no
/// inputs it never fires, as in Twisted.
///
/// Mirrors: twisted.internet.defer.race (Twisted 22.8+).
template <class T>
Deferred<RaceResult<T>> race(std::vector<Deferred<T>> deferreds) {
  auto state = std::make_shared<detail::RaceState<T>>(deferreds.size());
  Deferred<RaceResult<T>> result([weak = std::weak_ptr<detail::RaceState<T>>(state)](auto&) {
    if (auto s = weak.lock()) s->cancelAll();
  });
  state->result = result;
  for (std::size_t i = 0; i < deferreds.size(); ++i)
    state->inputs[i] = deferreds[i].state().get();
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    deferreds[i].state()->checkChainType(detail::typeTag<T>(), "race()");
    deferreds[i].addBoth(detail::RaceWatch<T>(state, i));
  }
  return result;
}

/// race({d1, d2}).
template <class T>
Deferred<RaceResult<T>> race(std::initializer_list<Deferred<T>> deferreds) {
  return race(std::vector<Deferred<T>>(deferreds));
}

}  // namespace twisted::internet::defer
