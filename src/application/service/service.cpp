#include <twisted/application/service/service.h>

#include <stdexcept>

namespace twisted::application::service {

namespace defer = twisted::internet::defer;

void Service::setName(std::string name) {
  if (parent_.lock()) throw std::logic_error("cannot change name when parent exists");
  name_ = std::move(name);
}

void Service::setServiceParent(const std::shared_ptr<IServiceCollection>& parent) {
  if (!parent) throw std::invalid_argument("setServiceParent: null parent");
  std::shared_ptr<IService> self = weak_from_this().lock();
  if (!self)
    throw std::logic_error(
        "setServiceParent: the service must be held by a std::shared_ptr (std::make_shared)");
  if (parent_.lock()) (void)disownServiceParent();
  parent_ = parent;
  try {
    parent->addService(std::move(self));
  } catch (...) {
    parent_.reset();  // Twisted keeps the parent set here; a half-joined child helps no one
    throw;
  }
}

defer::Deferred<void> Service::disownServiceParent() {
  std::shared_ptr<IServiceCollection> parent = parent_.lock();
  if (!parent) throw std::logic_error("disownServiceParent: the service has no parent");
  std::shared_ptr<IService> self = shared_from_this();  // the parent may hold the last reference
  defer::Deferred<void> d = parent->removeService(self);
  parent_.reset();
  return d;
}

defer::Deferred<void> Service::stopService() {
  running_ = false;
  return defer::succeed();
}

}  // namespace twisted::application::service
