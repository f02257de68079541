// Failure: an exception captured as a value, so it can travel down errback
// chains, be logged and be re-raised later.
//
// C++ has no traceback objects; a Failure records the exception (as a
// std::exception_ptr), its demangled dynamic type, its message and the source
// location where the Failure was created. getTraceback() renders these in
// Twisted's layout so log output reads the same as Twisted's.
#pragma once

#include <twisted/export.h>

#include <concepts>
#include <exception>
#include <iosfwd>
#include <memory>
#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace twisted::python {

/// Raised when a Failure is created from "the current exception" but no
/// exception is being handled (or from a null std::exception_ptr).
///
/// Mirrors: twisted.python.failure.NoCurrentExceptionError.
class TWISTED_API NoCurrentExceptionError : public std::logic_error {
 public:
  /// Mirrors NoCurrentExceptionError(): the message says why it was raised.
  explicit NoCurrentExceptionError(
      const std::string& what = "Failure created without an exception being handled")
      : std::logic_error(what) {}
};

/// Stands for an exception that cannot be recreated as its original type,
/// e.g. one read back from a JSON log: it carries the original type name and
/// message, and a Failure of it reports that type name.
///
/// Mirrors: the stand-in type that twisted.logger's failureFromJSON
/// synthesizes for a deserialized Failure.
class TWISTED_API RecordedException : public std::runtime_error {
 public:
  /// An exception that was a `typeName` with message `message`.
  RecordedException(std::string typeName, const std::string& message)
      : std::runtime_error(message), typeName_(std::move(typeName)) {}
  /// The original exception's type name, e.g. "std::runtime_error".
  const std::string& typeName() const noexcept { return typeName_; }

 private:
  std::string typeName_;
};

/// An exception together with where it was captured. Cheap to copy: copies
/// share one immutable state, and `a == b` tells whether two Failures are the
/// same one (Python's `is`).
///
/// A Failure is itself throwable (it derives from std::exception): trap()
/// throws the Failure, and constructing a Failure from a thrown Failure gives
/// back that same Failure, so an errback chain passes it on unchanged.
///
/// Mirrors: twisted.python.failure.Failure.
class TWISTED_API Failure : public std::exception {
 public:
  /// Captures the exception currently being handled (call inside a catch
  /// block). If that exception is a Failure, this is a copy of it.
  /// @throws NoCurrentExceptionError if no exception is being handled.
  /// Mirrors: Failure() with no arguments.
  explicit Failure(std::source_location where = std::source_location::current());

  /// Wraps an exception_ptr. If it holds a Failure, this is a copy of it.
  /// @throws NoCurrentExceptionError if `e` is null.
  /// Mirrors: Failure(exc_value).
  explicit Failure(std::exception_ptr e,
                   std::source_location where = std::source_location::current());

  /// Wraps an exception object, e.g. `Failure(std::runtime_error("boom"))`.
  /// Strings are rejected at compile time (Twisted raises TypeError for a
  /// string value); throw a real exception type instead.
  /// Mirrors: Failure(exc_value).
  template <class E>
  requires(
      !std::derived_from<std::remove_cvref_t<E>, Failure> &&
      !std::same_as<std::remove_cvref_t<E>, std::exception_ptr> &&
      !std::same_as<std::remove_cvref_t<E>, std::source_location> &&
      !std::is_convertible_v<E, std::string_view> &&
      !std::is_pointer_v<std::decay_t<E>>) explicit Failure(E&& error,
                                                            std::source_location where =
                                                                std::source_location::current())
      : Failure(Uninit{}) {
    using D = std::decay_t<E>;
    std::exception_ptr e = std::make_exception_ptr<D>(std::forward<E>(error));
    if constexpr (std::is_base_of_v<std::exception, D>) {
      // The type is known here, so no rethrow is needed to learn it: the
      // cheap path of an errback that returns a new Failure.
      initKnown(std::move(e), typeid(D), where);
    } else {
      *this = Failure(std::move(e), where);
    }
  }

  /// The exception being handled, as caught by `catch (const std::exception& e)`:
  /// the same as Failure() there, without rethrowing it to find its type.
  static Failure caught(const std::exception& e,
                        std::source_location where = std::source_location::current());

  /// Copies share the exception (cheap).
  Failure(const Failure&) noexcept = default;
  /// Copies share the exception (cheap).
  Failure& operator=(const Failure&) noexcept = default;
  ~Failure() override;

  /// The wrapped exception. Mirrors: Failure.value.
  const std::exception_ptr& value() const noexcept;

  /// The demangled dynamic type of the exception, e.g. "std::runtime_error".
  /// Mirrors: reflect.qual(Failure.type).
  const std::string& typeName() const noexcept;

  /// what() for a std::exception; the text of a thrown string; otherwise a
  /// short description of the thrown object. Mirrors: Failure.getErrorMessage.
  const std::string& getErrorMessage() const noexcept;

  /// True if the exception is-a (catch semantics) any of `E...`.
  /// Mirrors: Failure.check (returns bool instead of the matching type).
  template <class... E>
  bool check() const {
    return (matches<E>() || ...);
  }

  /// The exception as an `E`, or nullptr if it is not one (catch semantics).
  /// The pointer stays valid as long as a copy of this Failure is alive.
  /// Mirrors: isinstance(f.value, E) and f.value.
  template <class E>
  const E* valueAs() const noexcept {
    using T = std::remove_cvref_t<E>;
    if constexpr (std::is_class_v<T>) {
      // Fast path: no rethrow when the exception is a std::exception.
      if (const std::exception* base = stdException()) return dynamic_cast<const T*>(base);
    }
    try {
      std::rethrow_exception(value());
    } catch (const T& matched) {
      // rethrow_exception throws the stored object itself (no copy with
      // libstdc++), so the address outlives this handler.
      return &matched;
    } catch (...) {
    }
    return nullptr;
  }

  /// If the exception is none of `E...`, throws this same Failure (so an
  /// errback chain passes it on unchanged); otherwise returns.
  /// Mirrors: Failure.trap.
  template <class... E>
  void trap() const {
    if (!check<E...>()) throw *this;
  }

  /// Rethrows the original exception. Mirrors: Failure.raiseException.
  [[noreturn]] void raiseException() const;

  /// "Traceback (most recent call last):\nFailure: <type>: <message>\n",
  /// followed by the line "  captured at <file>:<line> in <function>\n" when
  /// the capture location is known. Mirrors: Failure.getTraceback.
  std::string getTraceback() const;

  /// "Traceback: <type>: <message>\n<file>:<line>:<function>\n", or
  /// "Traceback (failure with no frames): <type>: <message>\n" when the
  /// capture location is unknown. Mirrors: Failure.getBriefTraceback.
  std::string getBriefTraceback() const;

  /// Writes getTraceback() to `out`. Mirrors: Failure.printTraceback.
  void printTraceback(std::ostream& out) const;

  /// Writes getBriefTraceback() to `out`. Mirrors: Failure.printBriefTraceback.
  void printBriefTraceback(std::ostream& out) const;

  /// "[Failure instance: <brief traceback>]". Mirrors: Failure.__str__.
  std::string str() const;

  /// "<twisted.python.failure.Failure <type>: <message>>". Mirrors: Failure.__repr__.
  std::string repr() const;

  /// Where this Failure was created (the closest thing C++ has to its
  /// traceback). Mirrors: Failure.frames (one frame).
  std::source_location where() const noexcept;

  /// "<type>: <message>", so an escaped Failure still says what went wrong.
  const char* what() const noexcept override;

  /// Identity: true if both are copies of the same Failure. Mirrors: `is`.
  friend bool operator==(const Failure& a, const Failure& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  struct State;
  struct Uninit {};
  explicit Failure(Uninit) noexcept {}
  // `e` holds a std::exception whose dynamic type is exactly `type`.
  void initKnown(std::exception_ptr e, const std::type_info& type, std::source_location where);

  // The exception as a std::exception, or nullptr if it is not one. Lets
  // check()/valueAs() use dynamic_cast instead of a rethrow.
  const std::exception* stdException() const noexcept;

  template <class E>
  bool matches() const {
    return valueAs<E>() != nullptr;
  }

  std::shared_ptr<const State> state_;
};

/// Writes Failure::str(). Mirrors: str(failure).
TWISTED_API std::ostream& operator<<(std::ostream& out, const Failure& failure);

}  // namespace twisted::python
