// FirstError: what a DeferredList with fireOnOneErrback (and gatherResults)
// fails with: the first input's Failure and that input's index.
#pragma once

#include <twisted/export.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include <twisted/python/failure.h>

namespace twisted::internet::defer {

/// The first failure among the inputs of a DeferredList built with
/// fireOnOneErrback (and of gatherResults): the input's Failure and its
/// index in the list.
///
/// Mirrors: twisted.internet.defer.FirstError.
class TWISTED_API FirstError : public std::runtime_error {
 public:
  /// Mirrors FirstError(failure, index).
  FirstError(python::Failure subFailure, std::size_t index)
      : std::runtime_error(describe(subFailure, index)),
        subFailure_(std::move(subFailure)),
        index_(index) {}

  /// The input's failure, unchanged (the same Failure the input failed
  /// with). Mirrors FirstError.subFailure.
  const python::Failure& subFailure() const noexcept { return subFailure_; }
  /// Where the failed input sits in the list. Mirrors FirstError.index.
  std::size_t index() const noexcept { return index_; }

  /// "FirstError[#<index>, <str of the sub-failure>]" (also what()).
  /// Mirrors FirstError.__str__.
  std::string str() const { return what(); }
  /// "FirstError[#<index>, <type>('<message>')]": the sub-failure's
  /// exception written the way Python's repr writes an exception.
  /// Mirrors FirstError.__repr__.
  std::string repr() const {
    return "FirstError[#" + std::to_string(index_) + ", " + subFailure_.typeName() + "('" +
           subFailure_.getErrorMessage() + "')]";
  }

  /// Equal when both the index and the sub-failure (by identity) are.
  /// Mirrors FirstError.__cmp__.
  friend bool operator==(const FirstError& a, const FirstError& b) noexcept {
    return a.index_ == b.index_ && a.subFailure_ == b.subFailure_;
  }

 private:
  static std::string describe(const python::Failure& f, std::size_t index) {
    return "FirstError[#" + std::to_string(index) + ", " + f.str() + "]";
  }

  python::Failure subFailure_;
  std::size_t index_;
};

}  // namespace twisted::internet::defer
