// Service: the base class of services.
#pragma once

#include <twisted/export.h>

#include <memory>
#include <string>

#include <twisted/application/service/iservice.h>

namespace twisted::application::service {

/// A base service: keeps the name, parent and running flag; start and stop
/// only flip `running`. Subclasses override the three start/stop methods
/// and call these. Make services with std::make_shared (see iservice.h).
///
///     auto svc = std::make_shared<MyService>();
///     svc->setServiceParent(application);
///
/// Mirrors: twisted.application.service.Service.
class TWISTED_API Service : public IService {
 public:
  /// Unnamed, without parent, not running. Mirrors Service().
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Mirrors Service.name.
  const std::string& name() const override { return name_; }
  /// Mirrors Service.setName.
  void setName(std::string name) override;
  /// Mirrors Service.parent.
  std::shared_ptr<IServiceCollection> parent() const override { return parent_.lock(); }
  /// Mirrors Service.running.
  bool running() const override { return running_; }
  /// Mirrors Service.setServiceParent.
  void setServiceParent(const std::shared_ptr<IServiceCollection>& parent) override;
  /// Mirrors Service.disownServiceParent.
  twisted::internet::defer::Deferred<void> disownServiceParent() override;
  /// Does nothing. Mirrors Service.privilegedStartService.
  void privilegedStartService() override {}
  /// Sets running. Mirrors Service.startService.
  void startService() override { running_ = true; }
  /// Clears running; the Deferred has fired. Mirrors Service.stopService.
  twisted::internet::defer::Deferred<void> stopService() override;

 protected:
  /// Sets `running` (for subclasses that stop asynchronously).
  void setRunning(bool running) noexcept { running_ = running; }

 private:
  std::string name_;
  std::weak_ptr<IServiceCollection> parent_;
  bool running_ = false;
};

}  // namespace twisted::application::service
