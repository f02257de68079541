// Failure. Test: tests/python/test_failure.cpp
#include <twisted/python/failure.h>

#include <cxxabi.h>

#include <cstdlib>
#include <ostream>
#include <typeinfo>

#include <fmt/format.h>

namespace twisted::python {

struct Failure::State {
  std::exception_ptr value;
  std::string typeName;
  std::string message;
  std::string what;  // "<type>: <message>", kept for what()'s lifetime rules
  std::source_location where;
  // Points into the exception object owned by `value` (rethrow_exception does
  // not copy with libstdc++), so it is valid for the lifetime of the state.
  const std::exception* stdException = nullptr;
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

bool locationKnown(const std::source_location& where) {
  return where.line() != 0 && where.file_name() != nullptr && *where.file_name() != '\0';
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
    state->typeName = recorded.typeName();
    state->message = recorded.what();
    state->stdException = &recorded;
  } catch (const std::exception& ex) {
    state->typeName = demangle(abi::__cxa_current_exception_type());
    state->message = ex.what();
    state->stdException = &ex;
  } catch (const char* text) {
    state->typeName = "const char*";
    state->message = text != nullptr ? text : "(null)";
  } catch (const std::string& text) {
    state->typeName = "std::string";
    state->message = text;
  } catch (long long number) {
    state->typeName = "long long";
    state->message = std::to_string(number);
  } catch (long number) {
    state->typeName = "long";
    state->message = std::to_string(number);
  } catch (int number) {
    state->typeName = "int";
    state->message = std::to_string(number);
  } catch (...) {
    state->typeName = demangle(abi::__cxa_current_exception_type());
    state->message = "exception of type " + state->typeName;
  }
  state->what = state->typeName + ": " + state->message;
  state_ = std::move(state);
}

Failure Failure::caught(const std::exception& e, std::source_location where) {
  if (const auto* f = dynamic_cast<const Failure*>(&e)) return *f;
  auto state = std::make_shared<State>();
  state->value = std::current_exception();
  state->where = where;
  state->typeName = demangle(abi::__cxa_current_exception_type());
  state->message = e.what();
  state->stdException = &e;
  state->what = state->typeName + ": " + state->message;
  Failure out{Uninit{}};
  out.state_ = std::move(state);
  return out;
}

Failure::~Failure() = default;

const std::exception_ptr& Failure::value() const noexcept {
  return state_->value;
}

const std::string& Failure::typeName() const noexcept {
  return state_->typeName;
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
                                state_->typeName, state_->message);
  const std::source_location& w = state_->where;
  if (locationKnown(w))
    out += fmt::format("  captured at {}:{} in {}\n", w.file_name(), w.line(), w.function_name());
  return out;
}

std::string Failure::getBriefTraceback() const {
  const std::source_location& w = state_->where;
  if (!locationKnown(w))
    return fmt::format("Traceback (failure with no frames): {}: {}\n", state_->typeName,
                       state_->message);
  return fmt::format("Traceback: {}: {}\n{}:{}:{}\n", state_->typeName, state_->message,
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
  return fmt::format("<twisted.python.failure.Failure {}: {}>", state_->typeName, state_->message);
}

std::source_location Failure::where() const noexcept {
  return state_->where;
}

const char* Failure::what() const noexcept {
  return state_->what.c_str();
}

std::ostream& operator<<(std::ostream& out, const Failure& failure) {
  return out << failure.str();
}

}  // namespace twisted::python
