// Failure. Test: tests/python/test_failure.cpp
#include <twisted/python/failure.h>

#include <cxxabi.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>

#include <fmt/format.h>

namespace twisted::python {

struct Failure::State {
  std::exception_ptr value;
  // Interned (see internedName) for a C++ type, else points at ownTypeName.
  const std::string* typeName = nullptr;
  std::string ownTypeName;  // a RecordedException's recorded name
  std::string message;
  std::source_location where;
  // Points into the exception object owned by `value` (rethrow_exception does
  // not copy with libstdc++), so it is valid for the lifetime of the state.
  const std::exception* stdException = nullptr;
  // "<type>: <message>" for what(), built on first use: most Failures are
  // trapped or handled and never asked.
  mutable std::once_flag whatOnce;
  mutable std::string what;
};

namespace {

std::string demangle(const std::type_info* type) {
  if (type == nullptr) return "<unknown exception type>";
  int status = 0;
  char* name = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  if (status != 0 || name == nullptr) return type->name();
  std::string result(name);
  std::free(name);
  return result;
}

// The demangled name of `type`, made once per type for the process: an
// errback chain creates Failures of the same few types over and over, and
// demangling costs more than the rest of a Failure. The set is bounded by
// the program's exception types; the names live until exit.
const std::string* internedName(const std::type_info* type) {
  // One-entry cache per thread in front of the shared table.
  thread_local const std::type_info* lastType = nullptr;
  thread_local const std::string* lastName = nullptr;
  if (type != nullptr && type == lastType) return lastName;
  static std::mutex lock;
  static auto* names = new std::unordered_map<std::type_index, std::unique_ptr<std::string>>();
  static const std::string unknown = demangle(nullptr);
  if (type == nullptr) return &unknown;
  std::lock_guard<std::mutex> guard(lock);
  auto& slot = (*names)[std::type_index(*type)];
  if (!slot) slot = std::make_unique<std::string>(demangle(type));
  lastType = type;
  lastName = slot.get();
  return lastName;
}

// Twisted-style names for the non-class exceptions Failure understands
// (typeid's demangled spelling would be "char const*").
const std::string* literalName(const char* name) {
  static const auto* names =
      new std::unordered_map<std::string_view, std::string>{{"const char*", "const char*"},
                                                            {"std::string", "std::string"},
                                                            {"long long", "long long"},
                                                            {"long", "long"},
                                                            {"int", "int"}};
  return &names->at(name);
}

bool locationKnown(const std::source_location& where) {
  return where.line() != 0 && where.file_name() != nullptr && *where.file_name() != '\0';
}

// The object an exception_ptr holds, without rethrowing it. libstdc++'s
// exception_ptr is one pointer to the thrown object (its ABI, which cannot
// change); folly's exception_ptr_get_object reads it the same way.
const void* objectOf(const std::exception_ptr& e) noexcept {
#if defined(__GLIBCXX__)
  static_assert(sizeof(std::exception_ptr) == sizeof(void*));
  const void* object = nullptr;
  std::memcpy(&object, &e, sizeof object);
  return object;
#else
  static_cast<void>(e);
  return nullptr;
#endif
}

}  // namespace

Failure::Failure(std::source_location where) : Failure(std::current_exception(), where) {}

Failure::Failure(std::exception_ptr e, std::source_location where) {
  if (!e) throw NoCurrentExceptionError();
  auto state = std::make_shared<State>();
  state->value = e;
  state->where = where;
  // One rethrow, here, computes everything the accessors need so they stay
  // cheap and noexcept. The handlers are ordered most specific first: a
  // Failure is also a std::exception.
  try {
    std::rethrow_exception(e);
  } catch (const Failure& inner) {
    state_ = inner.state_;
    return;
  } catch (const RecordedException& recorded) {
    state->ownTypeName = recorded.typeName();
    state->typeName = &state->ownTypeName;
    state->message = recorded.what();
    state->stdException = &recorded;
  } catch (const std::exception& ex) {
    state->typeName = internedName(abi::__cxa_current_exception_type());
    state->message = ex.what();
    state->stdException = &ex;
  } catch (const char* text) {
    state->typeName = literalName("const char*");
    state->message = text != nullptr ? text : "(null)";
  } catch (const std::string& text) {
    state->typeName = literalName("std::string");
    state->message = text;
  } catch (long long number) {
    state->typeName = literalName("long long");
    state->message = std::to_string(number);
  } catch (long number) {
    state->typeName = literalName("long");
    state->message = std::to_string(number);
  } catch (int number) {
    state->typeName = literalName("int");
    state->message = std::to_string(number);
  } catch (...) {
    state->typeName = internedName(abi::__cxa_current_exception_type());
    state->message = "exception of type " + *state->typeName;
  }
  state_ = std::move(state);
}

void Failure::initKnown(std::exception_ptr e, const std::type_info& type,
                        std::source_location where) {
  const auto* object = static_cast<const std::exception*>(objectOf(e));
  if (object == nullptr || dynamic_cast<const RecordedException*>(object) != nullptr) {
    *this = Failure(std::move(e), where);  // the general path
    return;
  }
  auto state = std::make_shared<State>();
  state->value = std::move(e);
  state->where = where;
  state->typeName = internedName(&type);
  state->message = object->what();
  state->stdException = object;
  state_ = std::move(state);
}

Failure Failure::caught(const std::exception& e, std::source_location where) {
  if (const auto* f = dynamic_cast<const Failure*>(&e)) return *f;
  auto state = std::make_shared<State>();
  state->value = std::current_exception();
  state->where = where;
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (const auto* recorded = dynamic_cast<const RecordedException*>(&e)) {
    state->ownTypeName = recorded->typeName();
    state->typeName = &state->ownTypeName;
  } else {
    state->typeName = internedName(type);
  }
  state->message = e.what();
  state->stdException = &e;
  Failure out{Uninit{}};
  out.state_ = std::move(state);
  return out;
}

Failure::~Failure() = default;

const std::exception_ptr& Failure::value() const noexcept {
  return state_->value;
}

const std::string& Failure::typeName() const noexcept {
  return *state_->typeName;
}

const std::string& Failure::getErrorMessage() const noexcept {
  return state_->message;
}

const std::exception* Failure::stdException() const noexcept {
  return state_->stdException;
}

void Failure::raiseException() const {
  std::rethrow_exception(state_->value);
}

std::string Failure::getTraceback() const {
  std::string out = fmt::format("Traceback (most recent call last):\nFailure: {}: {}\n",
                                *state_->typeName, state_->message);
  const std::source_location& w = state_->where;
  if (locationKnown(w))
    out += fmt::format("  captured at {}:{} in {}\n", w.file_name(), w.line(), w.function_name());
  return out;
}

std::string Failure::getBriefTraceback() const {
  const std::source_location& w = state_->where;
  if (!locationKnown(w))
    return fmt::format("Traceback (failure with no frames): {}: {}\n", *state_->typeName,
                       state_->message);
  return fmt::format("Traceback: {}: {}\n{}:{}:{}\n", *state_->typeName, state_->message,
                     w.file_name(), w.line(), w.function_name());
}

void Failure::printTraceback(std::ostream& out) const {
  out << getTraceback();
}

void Failure::printBriefTraceback(std::ostream& out) const {
  out << getBriefTraceback();
}

std::string Failure::str() const {
  return "[Failure instance: " + getBriefTraceback() + "]";
}

std::string Failure::repr() const {
  return fmt::format("<twisted.python.failure.Failure {}: {}>", *state_->typeName, state_->message);
}

std::source_location Failure::where() const noexcept {
  return state_->where;
}

const char* Failure::what() const noexcept {
  const State& s = *state_;
  try {
    std::call_once(s.whatOnce, [&s] { s.what = *s.typeName + ": " + s.message; });
  } catch (...) {
    return "twisted::python::Failure (out of memory describing it)";
  }
  return s.what.c_str();
}

std::ostream& operator<<(std::ostream& out, const Failure& failure) {
  return out << failure.str();
}

}  // namespace twisted::python
