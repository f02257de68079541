#include <twisted/application/service/multi_service.h>

#include <algorithm>
#include <stdexcept>

#include <twisted/internet/defer/deferred_list.h>
#include <twisted/python/log.h>

namespace twisted::application::service {

namespace defer = twisted::internet::defer;

void MultiService::privilegedStartService() {
  Service::privilegedStartService();
  for (const auto& s : services())
    s->privilegedStartService();
}

void MultiService::startService() {
  Service::startService();
  for (const auto& s : services())
    s->startService();
}

defer::Deferred<void> MultiService::stopService() {
  Service::stopService();
  std::vector<std::shared_ptr<IService>> order = services();
  std::reverse(order.begin(), order.end());
  // Every child's stopService is called before any result is looked at, so
  // they stop concurrently; the DeferredList fires once each has.
  std::vector<defer::Deferred<void>> stops;
  stops.reserve(order.size());
  for (const auto& s : order) {
    try {
      stops.push_back(s->stopService());
    } catch (...) {
      stops.push_back(defer::fail(python::Failure(std::current_exception())));
    }
  }
  for (auto& d : stops)
    d.addErrback([](const python::Failure& f) { python::log::err(f, "Error stopping a service"); });
  return defer::DeferredList<void>(std::move(stops))
      .addCallback([](const defer::DeferredListResult<void>&) {});
}

std::shared_ptr<IService> MultiService::getServiceNamed(const std::string& name) const {
  auto it = named_.find(name);
  if (it == named_.end()) throw std::out_of_range("no service named '" + name + "'");
  return it->second;
}

void MultiService::addService(std::shared_ptr<IService> service) {
  if (!service) throw std::invalid_argument("addService: null service");
  if (service.get() == static_cast<IService*>(this))
    throw std::invalid_argument("addService: a service cannot contain itself");
  const std::string& name = service->name();
  if (!name.empty()) {
    if (named_.contains(name)) throw DuplicateServiceNameError(name);
    named_.emplace(name, service);
  }
  services_.push_back(service);
  if (running()) {
    // Late, but Twisted does its best too: a child added to a running
    // parent is started at once.
    service->privilegedStartService();
    service->startService();
  }
}

defer::Deferred<void> MultiService::removeService(const std::shared_ptr<IService>& service) {
  auto it = std::find(services_.begin(), services_.end(), service);
  if (it == services_.end()) throw std::invalid_argument("removeService: not a child service");
  std::shared_ptr<IService> keep = *it;
  if (!keep->name().empty()) named_.erase(keep->name());
  services_.erase(it);
  if (running()) return keep->stopService();
  return defer::succeed();
}

}  // namespace twisted::application::service
