// trial's Deferred assertions: successResultOf, failureResultOf,
// assertNoResult (synchronous) and assertFailure, for tests that drive Deferreds by hand
// (task::Clock, explicit callback()).
//
// Header-only and framework-neutral: a failed assertion throws FailTest,
// which GoogleTest (or any framework) reports as a failure of the running
// test with the message below; the library does not link a test framework.
//
// Inspecting a Deferred adds no callback to it: these read its current
// result in place. trial's successResultOf and failureResultOf add a
// callback that returns None, so they always leave None behind; these leave
// a success value where it is (unless it cannot be copied) and, like trial,
// handle a failure they find (it is taken out, `d` holds void), so a test's
// expected failure is not logged as "Unhandled error in Deferred".
// assertNoResult leaves a Deferred without a result unchanged, as trial's.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <cstdio>
#include <exception>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/detail/copyable.h>
#include <twisted/python/failure.h>

namespace twisted::testing {

/// A test assertion failed. Thrown by the helpers below; a test framework
/// reports it as the failure of the running test ("C++ exception with
/// description ... thrown in the test body" in GoogleTest).
///
/// Mirrors: twisted.trial.unittest.FailTest (trial's failureException).
class TWISTED_API FailTest : public std::logic_error {
 public:
  /// Constructs it with the message `what`.
  explicit FailTest(const std::string& what) : std::logic_error(what) {}
};

namespace detail {

template <class T>
concept Printable = requires(std::ostream& os, const T& v) {
  os << v;
};

/// "<Deferred<int> at 0x...>", and why it has no result if it has none.
inline std::string describeDeferred(const internet::defer::detail::StatePtr& st) {
  char address[32];
  std::snprintf(address, sizeof address, "%p", static_cast<const void*>(st.get()));
  std::string s =
      "<Deferred<" + internet::defer::detail::typeName(st->chainType()) + "> at " + address;
  if (!st->called())
    s += " (not fired)";
  else if (st->paused() > 0)
    s += " (paused, or waiting on another Deferred)";
  return s + ">";
}

template <class T>
std::string describeValue(internet::defer::detail::Result& r) {
  if constexpr (std::is_void_v<T>) {
    return "void";
  } else if constexpr (Printable<T>) {
    std::ostringstream os;
    os << r.value<T>();
    return os.str();
  } else {
    return "a " + internet::defer::detail::typeName(&typeid(T));
  }
}

template <class E>
std::string qualifiedName() {
  return internet::defer::detail::typeName(&typeid(E));
}

}  // namespace detail

/// The success result `d` has now. `d` keeps a value that can be copied;
/// one that cannot is moved out and `d` is left holding void (trial leaves
/// None in either case).
/// @throws FailTest if `d` has no result yet (not fired, paused or waiting
/// on another Deferred) or has a failure result (its traceback is in the
/// message; the failure is handled, as trial's is, so it is not logged
/// again). @throws DeferredTypeError if `d`'s chain no longer produces a T.
/// Mirrors: twisted.trial.unittest.SynchronousTestCase.successResultOf.
template <class T>
T successResultOf(const internet::defer::Deferred<T>& d) {
  const auto& st = d.state();
  if (!st->hasFinalResult()) {
    throw FailTest("Success result expected on " + detail::describeDeferred(st) +
                   ", found no result instead");
  }
  if (st->result().isFailure()) {
    std::string where = detail::describeDeferred(st);
    python::Failure f = st->consumeResult().takeFailure();  // trial swallows it too
    throw FailTest("Success result expected on " + where + ", found failure result instead:\n" +
                   f.getTraceback());
  }
  st->checkChainType(internet::defer::detail::typeTag<T>(), "successResultOf");
  if constexpr (std::is_void_v<T>) {
    return;
  } else if constexpr (internet::defer::detail::kCopyable<T>) {
    return T(st->mutableResult().template value<T>());
  } else {
    return st->consumeResult().template take<T>();
  }
}

/// The failure result `d` has now, which must be one of `E...` if any are
/// given. Like trial's, it handles the failure (whatever its type): `d` is
/// left holding void (Twisted's None), so it is not logged as "Unhandled
/// error in Deferred". A success result is left as it is.
/// @throws FailTest if `d` has no result, a success result, or a failure of
/// another type (its traceback is in the message).
/// Mirrors: twisted.trial.unittest.SynchronousTestCase.failureResultOf.
template <class... E, class T>
python::Failure failureResultOf(const internet::defer::Deferred<T>& d) {
  const auto& st = d.state();
  if (!st->hasFinalResult()) {
    throw FailTest("Failure result expected on " + detail::describeDeferred(st) +
                   ", found no result instead");
  }
  if (!st->result().isFailure()) {
    std::string value = *st->chainType() == typeid(T)
                            ? detail::describeValue<T>(st->mutableResult())
                            : "a " + internet::defer::detail::typeName(st->chainType());
    throw FailTest("Failure result expected on " + detail::describeDeferred(st) +
                   ", found success result (" + value + ") instead");
  }
  std::string where = detail::describeDeferred(st);
  python::Failure f = st->consumeResult().takeFailure();
  if constexpr (sizeof...(E) > 0) {
    if (!f.check<E...>()) {
      std::string expected;
      ((expected += (expected.empty() ? "" : " or ") + detail::qualifiedName<E>()), ...);
      throw FailTest("Failure of type (" + expected + ") expected on " + where + ", found type " +
                     f.typeName() + " instead: " + f.getTraceback());
    }
  }
  return f;
}

/// Checks that `d` has no result now (not fired, paused, or waiting on
/// another Deferred); if so `d` is unchanged. If it has one, a failure
/// result is handled (left as void, as trial swallows it) and FailTest says
/// what the result was.
/// Mirrors: twisted.trial.unittest.SynchronousTestCase.assertNoResult.
template <class T>
void assertNoResult(const internet::defer::Deferred<T>& d) {
  const auto& st = d.state();
  if (!st->hasFinalResult()) return;
  std::string found;
  if (st->result().isFailure()) {
    found = st->result().failure().str();
    st->consumeResult();
  } else if (*st->chainType() == typeid(T)) {
    found = detail::describeValue<T>(st->mutableResult());
  } else {
    found = "a " + internet::defer::detail::typeName(st->chainType());
  }
  throw FailTest("No result expected on " + detail::describeDeferred(st) + ", found " + found +
                 " instead");
}

/// A Deferred that fires with the exception `d` fails with, if it is one of
/// `E, More...` (an `E` copied out of the failure for a single type, the
/// std::exception_ptr for several), and fails with FailTest if `d`
/// succeeds ("did not catch an error, instead got ...") or fails with
/// another type ("Expected: ... Got: ..."). For tests that wait for the
/// Deferred (co_await it, or successResultOf once it fired).
/// Mirrors: twisted.trial.unittest.TestCase.assertFailure(deferred, *expectedFailures).
template <class E, class... More, class T>
auto assertFailure(internet::defer::Deferred<T> d) {
  using V = std::conditional_t<sizeof...(More) == 0, E, std::exception_ptr>;
  auto eb = [](python::Failure f) -> V {
    if (f.check<E, More...>()) {
      if constexpr (sizeof...(More) == 0)
        return *f.valueAs<E>();
      else
        return f.value();
    }
    std::string expected = detail::qualifiedName<E>();
    ((expected += ", " + detail::qualifiedName<More>()), ...);
    throw FailTest("\nExpected: (" + expected + ")\nGot:\n" + f.str());
  };
  if constexpr (std::is_void_v<T>) {
    return d.addCallbacks(
        []() -> V { throw FailTest("did not catch an error, instead got a void result"); }, eb);
  } else {
    return d.addCallbacks(
        [](T value) -> V {
          std::string got;
          if constexpr (detail::Printable<T>) {
            std::ostringstream os;
            os << value;
            got = os.str();
          } else {
            got = "a " + detail::qualifiedName<T>();
          }
          throw FailTest("did not catch an error, instead got " + got);
        },
        eb);
  }
}

}  // namespace twisted::testing
