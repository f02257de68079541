// Application: the root service of a program.
#pragma once

#include <twisted/export.h>

#include <optional>
#include <string>

#include <sys/types.h>

#include <twisted/application/service/multi_service.h>

namespace twisted::application::service {

/// The root of a program's services: a MultiService named `name` that
/// also records the uid and gid to run as (a launcher such as twist
/// switches to them after privilegedStartService).
///
///     auto app = std::make_shared<Application>("chat");
///     svc->setServiceParent(app);
///
/// Mirrors: twisted.application.service.Application(name, uid, gid) (in
/// Twisted a Componentized adapting to IService, IProcess and IPersistable;
/// here one class, without persistence).
class TWISTED_API Application : public MultiService {
 public:
  /// Mirrors Application(name, uid=None, gid=None).
  explicit Application(std::string name, std::optional<uid_t> uid = std::nullopt,
                       std::optional<gid_t> gid = std::nullopt);
  /// The uid to run as, if any. Mirrors IProcess(application).uid.
  std::optional<uid_t> uid() const noexcept { return uid_; }
  /// The gid to run as, if any. Mirrors IProcess(application).gid.
  std::optional<gid_t> gid() const noexcept { return gid_; }

 private:
  std::optional<uid_t> uid_;
  std::optional<gid_t> gid_;
};

}  // namespace twisted::application::service
