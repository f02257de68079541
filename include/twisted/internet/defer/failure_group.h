// FailureGroup: several failures reported as one.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <twisted/python/failure.h>

namespace twisted::internet::defer {

/// More than one failure occurred, and none of the inputs succeeded: a
/// DeferredList built with fireOnOneCallback whose inputs all failed fails
/// with this (Twisted fires that DeferredList's callback with the list of
/// failures instead, which a typed (value, index) result cannot hold).
///
/// Mirrors: twisted.internet.defer.FailureGroup.
class TWISTED_API FailureGroup : public std::runtime_error {
 public:
  /// Mirrors FailureGroup(failures).
  explicit FailureGroup(std::vector<python::Failure> failures)
      : std::runtime_error(describe(failures)), failures_(std::move(failures)) {}

  /// The failures, in input order. Mirrors FailureGroup.failures.
  const std::vector<python::Failure>& failures() const noexcept { return failures_; }

 private:
  static std::string describe(const std::vector<python::Failure>& failures) {
    std::string s = "FailureGroup of " + std::to_string(failures.size()) + " failure(s)";
    for (const auto& f : failures)
      s += "\n  " + f.typeName() + ": " + f.getErrorMessage();
    return s;
  }

  std::vector<python::Failure> failures_;
};

}  // namespace twisted::internet::defer
