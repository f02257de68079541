// Outcome<T>: what addBoth's callable receives, a value or a Failure.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include <twisted/python/failure.h>

namespace twisted::internet::defer {

/// The result a Deferred<T> had when an addBoth() callable ran: a T (nothing
/// for T = void) or a Failure. Python passes either as the one argument of a
/// callback added with addBoth; C++ needs a sum type. A callback, errback or
/// addBoth callable may also return an `Outcome<U>`: the chain continues with
/// U, on the callback chain for a value and on the errback chain for a
/// Failure, without a throw.
template <class T>
class Outcome {
  using Stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

 public:
  /// The type of the value (void: none).
  using value_type = T;

  /// A successful outcome (T = void: no argument).
  template <class... A>
  requires std::is_constructible_v<Stored, A...>
  explicit Outcome(std::in_place_t, A&&... a) : v_(std::in_place_index<0>, std::forward<A>(a)...) {}
  /// A successful Outcome<void>, so a callable returning Outcome<void> can
  /// `return {};`.
  Outcome() requires std::is_void_v<T> : v_(std::in_place_index<0>) {}
  /// A successful outcome holding `value`, so a callable returning
  /// Outcome<T> can `return value;`.
  template <class U = Stored>
  requires(!std::is_void_v<T> && std::is_convertible_v<U, Stored> &&
           !std::is_same_v<std::remove_cvref_t<U>, python::Failure> &&
           !std::is_same_v<std::remove_cvref_t<U>, Outcome>) Outcome(U&& value)
      : v_(std::in_place_index<0>, std::forward<U>(value)) {}
  /// A failed outcome; implicit, so a callable returning Outcome<T> can
  /// `return failure;` (the chain switches to its errbacks without a throw).
  Outcome(python::Failure f) : v_(std::in_place_index<1>, std::move(f)) {}

  /// True if this holds a value (not a Failure).
  bool succeeded() const noexcept { return v_.index() == 0; }
  /// True if this holds a Failure.
  bool isFailure() const noexcept { return v_.index() == 1; }

  /// The value. If this is a failure, throws the Failure itself, so a
  /// callable that returns `o.value()` passes the failure on unchanged.
  decltype(auto) value() & {
    if (isFailure()) throw std::get<1>(v_);
    if constexpr (!std::is_void_v<T>) return std::get<0>(v_);
  }
  /// As value() &, moving the value out.
  decltype(auto) value() && {
    if (isFailure()) throw std::get<1>(v_);
    if constexpr (!std::is_void_v<T>) return T(std::move(std::get<0>(v_)));
  }

  /// The failure (precondition: isFailure()).
  const python::Failure& failure() const { return std::get<1>(v_); }

 private:
  std::variant<Stored, python::Failure> v_;
};

}  // namespace twisted::internet::defer
