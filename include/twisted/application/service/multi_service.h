// MultiService: a service that starts and stops its children.
#pragma once

#include <twisted/export.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <twisted/application/service/errors.h>
#include <twisted/application/service/service.h>

namespace twisted::application::service {

/// A service holding children (it owns them): started in the order they
/// were added, stopped in the reverse order. stopService calls every
/// child's stopService at once (a slow one does not delay the next) and
/// its Deferred fires when all of theirs have; a child's failure is logged
/// and does not fail it (Twisted's DeferredList without consumeErrors).
/// Names are unique among the children.
///
/// Mirrors: twisted.application.service.MultiService.
class TWISTED_API MultiService : public Service, public IServiceCollection {
 public:
  /// No children. Mirrors MultiService().
  MultiService() = default;

  /// Itself, then each child in order. Mirrors MultiService.privilegedStartService.
  void privilegedStartService() override;
  /// Itself, then each child in order. Mirrors MultiService.startService.
  void startService() override;
  /// Itself, then every child in reverse order, concurrently.
  /// Mirrors MultiService.stopService.
  twisted::internet::defer::Deferred<void> stopService() override;

  /// Mirrors MultiService.getServiceNamed.
  std::shared_ptr<IService> getServiceNamed(const std::string& name) const override;
  /// Mirrors MultiService.__iter__.
  std::vector<std::shared_ptr<IService>> services() const override { return services_; }
  /// Mirrors MultiService.addService.
  void addService(std::shared_ptr<IService> service) override;
  /// Mirrors MultiService.removeService.
  twisted::internet::defer::Deferred<void> removeService(
      const std::shared_ptr<IService>& service) override;

 private:
  std::vector<std::shared_ptr<IService>> services_;
  std::map<std::string, std::shared_ptr<IService>, std::less<>> named_;
};

}  // namespace twisted::application::service
