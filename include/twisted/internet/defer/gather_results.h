// gatherResults: the values of a list of Deferreds, or the first failure.
#pragma once

#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/deferred_list.h>

namespace twisted::internet::defer {

/// What gatherResults of Deferred<T>s fires with: std::vector<T> (nothing
/// for T = void).
template <class T>
using GatheredResults = std::conditional_t<std::is_void_v<T>, void, std::vector<T>>;

/// A Deferred that fires with the inputs' values in input order once all of
/// them have succeeded (a Deferred<void> for Deferred<void> inputs), or fails
/// with FirstError(failure, index) as soon as one of them fails. Cancelling
/// it cancels the inputs that have not fired. `consumeErrors` has
/// DeferredList's meaning: the inputs' outcomes are taken (their failures
/// are handled, they are left holding void). Without it a value is copied
/// and passes on in its input (moved, leaving void, for a T that cannot be
/// copied).
///
/// Mirrors: twisted.internet.defer.gatherResults.
template <class T>
Deferred<GatheredResults<T>> gatherResults(std::vector<Deferred<T>> deferreds,
                                           bool consumeErrors = false) {
  DeferredList<T> list(std::move(deferreds),
                       {.fireOnOneErrback = true, .consumeErrors = consumeErrors});
  if constexpr (std::is_void_v<T>) {
    return list.addCallback([](DeferredListResult<void>) {});
  } else {
    return list.addCallback([](DeferredListResult<T> results) {
      std::vector<T> values;
      values.reserve(results.size());
      for (auto& item : results)
        values.push_back(std::move(item.result).value());
      return values;
    });
  }
}

/// gatherResults({d1, d2}).
template <class T>
Deferred<GatheredResults<T>> gatherResults(std::initializer_list<Deferred<T>> deferreds,
                                           bool consumeErrors = false) {
  return gatherResults(std::vector<Deferred<T>>(deferreds), consumeErrors);
}

}  // namespace twisted::internet::defer
