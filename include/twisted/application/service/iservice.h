// IService and IServiceCollection: the interfaces of the service hierarchy.
//
// Ownership: a parent (IServiceCollection) owns its children through
// std::shared_ptr; a child knows its parent through a std::weak_ptr, so the
// tree has no cycles and dropping the root releases every service nobody
// else holds. Services are therefore made with std::make_shared: a service
// joins a parent through shared_from_this().
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string>
#include <vector>

#include <twisted/internet/defer/deferred.h>

namespace twisted::application::service {

class IServiceCollection;

/// A service: something started when the application starts and stopped
/// (possibly asynchronously) when it stops.
///
/// Mirrors: twisted.application.service.IService.
class TWISTED_API IService : public std::enable_shared_from_this<IService> {
 public:
  virtual ~IService() = default;

  /// The name, "" for none (Twisted's None). Mirrors IService.name.
  virtual const std::string& name() const = 0;
  /// Sets the name. Mirrors IService.setName.
  /// @throws std::logic_error if the service has a parent (RuntimeError in Twisted).
  virtual void setName(std::string name) = 0;
  /// The parent, or null. Mirrors IService.parent.
  virtual std::shared_ptr<IServiceCollection> parent() const = 0;
  /// True between startService and stopService. Mirrors IService.running.
  virtual bool running() const = 0;

  /// Leaves the current parent (if any), then joins `parent`, which then
  /// owns this service. The service must be held by a std::shared_ptr.
  /// Mirrors IService.setServiceParent.
  /// @throws DuplicateServiceNameError if `parent` has a child of this name
  ///         (this service then has no parent), std::logic_error if the
  ///         service is not held by a std::shared_ptr, std::invalid_argument
  ///         for a null parent.
  virtual void setServiceParent(const std::shared_ptr<IServiceCollection>& parent) = 0;
  /// Leaves the parent; if the parent was running, this service is stopped
  /// and the Deferred is stopService's (else it has already fired).
  /// Mirrors IService.disownServiceParent.
  /// @throws std::logic_error if the service has no parent.
  virtual twisted::internet::defer::Deferred<void> disownServiceParent() = 0;

  /// Work that needs privileges (binding low ports), done before they are
  /// dropped. Mirrors IService.privilegedStartService.
  virtual void privilegedStartService() = 0;
  /// Starts the service. Mirrors IService.startService.
  virtual void startService() = 0;
  /// Stops the service; the Deferred fires once it has stopped (already
  /// fired when stopping is synchronous; Twisted returns None then).
  /// Mirrors IService.stopService.
  virtual twisted::internet::defer::Deferred<void> stopService() = 0;
};

/// A service that holds other services.
///
/// Mirrors: twisted.application.service.IServiceCollection.
class TWISTED_API IServiceCollection {
 public:
  virtual ~IServiceCollection() = default;
  /// The child named `name`. Mirrors IServiceCollection.getServiceNamed.
  /// @throws std::out_of_range if there is none (KeyError in Twisted).
  virtual std::shared_ptr<IService> getServiceNamed(const std::string& name) const = 0;
  /// The children, in the order they were added. Mirrors iterating an IServiceCollection.
  virtual std::vector<std::shared_ptr<IService>> services() const = 0;
  /// Adds (and owns) `service`; if this collection is running, the service
  /// is started (privilegedStartService, then startService). It does not
  /// set the child's parent: IService::setServiceParent does both.
  /// Mirrors IServiceCollection.addService.
  /// @throws DuplicateServiceNameError, std::invalid_argument for null or itself.
  virtual void addService(std::shared_ptr<IService> service) = 0;
  /// Removes `service`; if this collection is running, stops it and returns
  /// its stopService Deferred (else an already-fired one).
  /// Mirrors IServiceCollection.removeService.
  /// @throws std::invalid_argument if `service` is not a child (ValueError in Twisted).
  virtual twisted::internet::defer::Deferred<void> removeService(
      const std::shared_ptr<IService>& service) = 0;
};

}  // namespace twisted::application::service
