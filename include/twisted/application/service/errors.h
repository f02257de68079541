// Errors raised by the service hierarchy.
#pragma once

#include <twisted/export.h>

#include <stdexcept>
#include <string>

namespace twisted::application::service {

/// A MultiService already has a child with this name.
/// Mirrors the RuntimeError("cannot have two services with same name ...")
/// of twisted.application.service.MultiService.addService.
class TWISTED_API DuplicateServiceNameError : public std::runtime_error {
 public:
  /// `name` is the name both services have.
  explicit DuplicateServiceNameError(const std::string& name)
      : std::runtime_error("cannot have two services with same name '" + name + "'"), name_(name) {}
  /// The duplicated name.
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
};

}  // namespace twisted::application::service
