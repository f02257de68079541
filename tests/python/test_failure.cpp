// twisted.python.failure.Failure. Mirrors the cases of Twisted's
// test_failure.py that apply to C++: capture of the current exception,
// check/trap (and trap passing the same Failure on), raiseException,
// getErrorMessage, the traceback renderings, str/repr.
#include <twisted/python/failure.h>  // first: the header is self-contained

#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace twisted::python {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace errors {
class BaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class DerivedError : public BaseError {
 public:
  using BaseError::BaseError;
};
class OtherError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};
// Not derived from std::exception at all.
struct PlainError {
  int code;
};
// A tag class reached by a cross-cast from std::exception.
struct Retryable {
  virtual ~Retryable() = default;
};
class RetryableError : public std::runtime_error, public Retryable {
 public:
  using std::runtime_error::runtime_error;
};
}  // namespace errors

Failure failureOf(const std::function<void()>& f) {
  try {
    f();
  } catch (...) {
    return Failure();
  }
  throw std::logic_error("did not throw");
}

// Construction is explicit, copying cheap and never throwing, and strings
// are rejected at compile time (Twisted raises TypeError for a str value).
static_assert(!std::is_convertible_v<std::runtime_error, Failure>);
static_assert(std::is_nothrow_copy_constructible_v<Failure>);
static_assert(std::is_nothrow_copy_assignable_v<Failure>);
static_assert(!std::is_constructible_v<Failure, const char*>);
static_assert(!std::is_constructible_v<Failure, std::string>);
static_assert(!std::is_constructible_v<Failure, const errors::BaseError*>);

// Failure() inside a catch block captures the exception being handled.
TEST(Failure, CapturesCurrentException) {
  Failure f = failureOf([] { throw std::runtime_error("boom"); });
  EXPECT_EQ(f.typeName(), "std::runtime_error");
  EXPECT_EQ(f.getErrorMessage(), "boom");
  EXPECT_TRUE(f.value() != nullptr);
}

// Failure() with no exception being handled raises NoCurrentExceptionError,
// and so does a null exception_ptr.
TEST(Failure, NoCurrentException) {
  EXPECT_THROW(Failure(), NoCurrentExceptionError);
  EXPECT_THROW(Failure(std::exception_ptr()), NoCurrentExceptionError);
  // It is a logic_error, like Twisted's (an Exception subclass).
  EXPECT_THROW(Failure(), std::logic_error);
}

// Failure(exception) wraps an exception object with its static type.
TEST(Failure, WrapsExceptionObject) {
  Failure f(errors::DerivedError("derived"));
  EXPECT_EQ(f.typeName(), "twisted::python::(anonymous namespace)::errors::DerivedError");
  EXPECT_EQ(f.getErrorMessage(), "derived");
}

// The type name is the dynamic type, even when caught through a base.
TEST(Failure, TypeNameIsDynamicType) {
  Failure f = failureOf([] { throw errors::DerivedError("x"); });
  EXPECT_THAT(f.typeName(), EndsWith("errors::DerivedError"));
  std::exception_ptr p;
  try {
    throw std::system_error(std::make_error_code(std::errc::connection_refused), "connect");
  } catch (const std::exception&) {
    p = std::current_exception();
  }
  Failure sys(p);
  EXPECT_EQ(sys.typeName(), "std::system_error");
  EXPECT_THAT(sys.getErrorMessage(), StartsWith("connect: "));
}

// check() follows catch semantics: the type itself, any base, several
// candidates; false for unrelated types.
TEST(Failure, CheckUsesCatchSemantics) {
  Failure f(errors::DerivedError("x"));
  EXPECT_TRUE(f.check<errors::DerivedError>());
  EXPECT_TRUE(f.check<errors::BaseError>());
  EXPECT_TRUE(f.check<std::runtime_error>());
  EXPECT_TRUE(f.check<std::exception>());
  EXPECT_FALSE(f.check<errors::OtherError>());
  EXPECT_FALSE(f.check<std::logic_error>());
  EXPECT_FALSE(f.check<int>());
  EXPECT_TRUE((f.check<errors::OtherError, errors::BaseError>()));
  EXPECT_FALSE((f.check<errors::OtherError, std::logic_error>()));
  EXPECT_FALSE(f.check<>());
}

// check() reaches a second base class (a cross-cast), as catch does.
TEST(Failure, CheckFindsMixinBase) {
  Failure f(errors::RetryableError("again"));
  EXPECT_TRUE(f.check<errors::Retryable>());
  EXPECT_TRUE(f.check<std::runtime_error>());
  Failure plain(std::runtime_error("no"));
  EXPECT_FALSE(plain.check<errors::Retryable>());
}

// Exceptions that are not std::exception: type, message and check().
TEST(Failure, NonStandardExceptions) {
  Failure text = failureOf([] { throw "c string"; });
  EXPECT_EQ(text.typeName(), "const char*");
  EXPECT_EQ(text.getErrorMessage(), "c string");
  EXPECT_TRUE(text.check<const char*>());
  EXPECT_FALSE(text.check<std::exception>());

  Failure number = failureOf([] { throw 42; });
  EXPECT_EQ(number.typeName(), "int");
  EXPECT_EQ(number.getErrorMessage(), "42");
  EXPECT_TRUE(number.check<int>());
  EXPECT_FALSE(number.check<long>());

  Failure str = failureOf([] { throw std::string("std string"); });
  EXPECT_EQ(str.getErrorMessage(), "std string");

  Failure plain = failureOf([] { throw errors::PlainError{7}; });
  EXPECT_THAT(plain.typeName(), EndsWith("errors::PlainError"));
  EXPECT_THAT(plain.getErrorMessage(), HasSubstr("errors::PlainError"));
  ASSERT_NE(plain.valueAs<errors::PlainError>(), nullptr);
  EXPECT_EQ(plain.valueAs<errors::PlainError>()->code, 7);
  EXPECT_FALSE(plain.check<std::exception>());
}

// valueAs() gives typed access to the very exception object, or nullptr.
TEST(Failure, ValueAs) {
  Failure f(errors::DerivedError("typed"));
  const auto* base = f.valueAs<errors::BaseError>();
  ASSERT_NE(base, nullptr);
  EXPECT_STREQ(base->what(), "typed");
  EXPECT_EQ(f.valueAs<errors::OtherError>(), nullptr);
  EXPECT_EQ(f.valueAs<int>(), nullptr);
  // Same object every time, and the one raiseException() throws.
  EXPECT_EQ(static_cast<const void*>(f.valueAs<errors::DerivedError>()),
            static_cast<const void*>(base));
  try {
    f.raiseException();
  } catch (const errors::BaseError& e) {
    EXPECT_EQ(&e, base);
  }
}

// trap() returns when a type matches.
TEST(Failure, TrapMatching) {
  Failure f(errors::DerivedError("x"));
  EXPECT_NO_THROW(f.trap<errors::BaseError>());
  EXPECT_NO_THROW((f.trap<errors::OtherError, errors::DerivedError>()));
}

// trap() with no match throws the same Failure, so an errback chain that
// catches it passes it on unchanged (test_trapRaisesWrappedException /
// test_failureValueFromFoundFailure).
TEST(Failure, TrapRethrowsTheSameFailure) {
  Failure f(errors::OtherError("not mine"));
  try {
    f.trap<errors::BaseError>();
    FAIL() << "trap did not throw";
  } catch (...) {
    Failure again;  // as an errback runner would capture it
    EXPECT_TRUE(again == f);
    EXPECT_EQ(again.typeName(), f.typeName());
    EXPECT_EQ(again.value(), f.value());
  }
  // Also when caught explicitly as a Failure.
  try {
    f.trap<int>();
  } catch (const Failure& thrown) {
    EXPECT_TRUE(thrown == f);
  }
}

// A Failure made from an exception_ptr holding a Failure is that Failure.
TEST(Failure, FailureOfFailureIsSame) {
  Failure inner(std::runtime_error("inner"));
  Failure outer(std::make_exception_ptr(inner));
  EXPECT_TRUE(outer == inner);
  EXPECT_EQ(outer.where().line(), inner.where().line());
}

// raiseException() rethrows the original exception, not the Failure.
TEST(Failure, RaiseExceptionRethrowsOriginal) {
  Failure f = failureOf([] { throw errors::DerivedError("again"); });
  EXPECT_THROW(f.raiseException(), errors::DerivedError);
  try {
    f.raiseException();
  } catch (const Failure&) {
    FAIL() << "raised the Failure instead of the original exception";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "again");
  }
}

// Copies share the same state; distinct Failures of equal exceptions differ.
TEST(Failure, CopiesAreTheSameFailure) {
  Failure a(std::runtime_error("x"));
  Failure b = a;
  Failure c(std::runtime_error("x"));
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  c = a;
  EXPECT_TRUE(a == c);
}

// getTraceback(): Twisted's frameless layout, then where it was captured.
TEST(Failure, GetTraceback) {
  const unsigned line = __LINE__ + 1;
  Failure f(std::runtime_error("boom"));
  std::string tb = f.getTraceback();
  EXPECT_THAT(tb, StartsWith("Traceback (most recent call last):\n"
                             "Failure: std::runtime_error: boom\n"));
  EXPECT_THAT(tb, HasSubstr("  captured at "));
  EXPECT_THAT(tb, HasSubstr("test_failure.cpp:" + std::to_string(line) + " in "));
  EXPECT_THAT(tb, EndsWith("\n"));
  EXPECT_EQ(f.where().line(), line);
}

// Without a capture location the traceback is exactly Twisted's frameless
// one, and the brief traceback says "failure with no frames".
TEST(Failure, TracebacksWithoutLocation) {
  Failure f(std::runtime_error("boom"), std::source_location());
  EXPECT_EQ(f.getTraceback(),
            "Traceback (most recent call last):\nFailure: std::runtime_error: boom\n");
  EXPECT_EQ(f.getBriefTraceback(),
            "Traceback (failure with no frames): std::runtime_error: boom\n");
  EXPECT_EQ(f.str(),
            "[Failure instance: Traceback (failure with no frames): std::runtime_error: boom\n]");
}

// getBriefTraceback() with a location: "Traceback: type: msg" then
// "file:line:function".
TEST(Failure, BriefTraceback) {
  const unsigned line = __LINE__ + 1;
  Failure f(std::logic_error("brief"));
  std::string brief = f.getBriefTraceback();
  EXPECT_THAT(brief, StartsWith("Traceback: std::logic_error: brief\n"));
  EXPECT_THAT(brief, HasSubstr("test_failure.cpp:" + std::to_string(line) + ":"));
  EXPECT_EQ(f.str(), "[Failure instance: " + brief + "]");
}

// repr() and what().
TEST(Failure, ReprAndWhat) {
  Failure f(std::invalid_argument("bad arg"));
  EXPECT_EQ(f.repr(), "<twisted.python.failure.Failure std::invalid_argument: bad arg>");
  EXPECT_STREQ(f.what(), "std::invalid_argument: bad arg");
}

// printTraceback / printBriefTraceback / operator<< write the renderings.
TEST(Failure, PrintToStreams) {
  Failure f(std::runtime_error("printed"));
  std::ostringstream full, brief, str;
  f.printTraceback(full);
  f.printBriefTraceback(brief);
  str << f;
  EXPECT_EQ(full.str(), f.getTraceback());
  EXPECT_EQ(brief.str(), f.getBriefTraceback());
  EXPECT_EQ(str.str(), f.str());
}

// A RecordedException (e.g. a failure read back from a JSON log) reports the
// original type name and message.
TEST(Failure, RecordedExceptionKeepsOriginalType) {
  Failure f(RecordedException("my::ParseError", "bad token"));
  EXPECT_EQ(f.typeName(), "my::ParseError");
  EXPECT_EQ(f.getErrorMessage(), "bad token");
  EXPECT_TRUE(f.check<RecordedException>());
  EXPECT_TRUE(f.check<std::runtime_error>());
  EXPECT_EQ(f.repr(), "<twisted.python.failure.Failure my::ParseError: bad token>");
}

// Failure(E) for a std::exception type learns the type without a rethrow:
// the same type name, message, value and rethrow as the general path.
TEST(Failure, FromAKnownExceptionTypeMatchesTheGeneralPath) {
  Failure known(errors::DerivedError("known"));
  Failure general(std::make_exception_ptr(errors::DerivedError("known")));
  EXPECT_EQ(known.typeName(), general.typeName());
  EXPECT_EQ(known.getErrorMessage(), "known");
  EXPECT_STREQ(known.what(), general.what());
  EXPECT_TRUE(known.check<errors::BaseError>());
  ASSERT_NE(known.valueAs<errors::DerivedError>(), nullptr);
  EXPECT_STREQ(known.valueAs<errors::DerivedError>()->what(), "known");
  // The object valueAs sees is the one value() holds and rethrows.
  try {
    known.raiseException();
    FAIL() << "raiseException returned";
  } catch (const errors::DerivedError& e) {
    EXPECT_EQ(&e, known.valueAs<errors::DerivedError>());
  }
  // A RecordedException made this way keeps its recorded name.
  Failure recorded(RecordedException("my::Err", "text"));
  EXPECT_EQ(recorded.typeName(), "my::Err");
  EXPECT_STREQ(recorded.what(), "my::Err: text");
}

// Type names are demangled once per type and shared: two Failures of one
// type give the same string object, and non-class exceptions keep their
// C++ spelling.
TEST(Failure, TypeNamesAreSharedPerType) {
  Failure a(std::runtime_error("a"));
  Failure b(std::runtime_error("b"));
  EXPECT_EQ(&a.typeName(), &b.typeName());
  EXPECT_EQ(a.typeName(), "std::runtime_error");
  try {
    throw "text";
  } catch (...) {
    EXPECT_EQ(Failure().typeName(), "const char*");
  }
  try {
    throw 7L;
  } catch (...) {
    EXPECT_EQ(Failure().typeName(), "long");
  }
  try {
    throw std::logic_error("caught");
  } catch (const std::exception& e) {
    Failure f = Failure::caught(e);
    EXPECT_EQ(f.typeName(), "std::logic_error");
    EXPECT_STREQ(f.what(), "std::logic_error: caught");
  }
}

// A Failure may be copied and inspected from several threads at once.
TEST(Failure, SharedAcrossThreads) {
  Failure f(errors::DerivedError("shared"));
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Failure copy = f;
        // what() is built on first use, by whichever thread asks first.
        if (copy.check<errors::BaseError>() && copy.getErrorMessage() == "shared" &&
            std::string(copy.what()) == copy.typeName() + ": shared")
          ++ok[t];
      }
    });
  for (auto& t : threads)
    t.join();
  for (int n : ok)
    EXPECT_EQ(n, 200);
}

}  // namespace
}  // namespace twisted::python
