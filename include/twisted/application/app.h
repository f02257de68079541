// startApplication: run a service tree on a reactor.
#pragma once

#include <twisted/export.h>

#include <memory>

#include <twisted/application/service/iservice.h>
#include <twisted/internet/interfaces/ireactor_core.h>
#include <twisted/internet/reactor_base.h>

namespace twisted::application::app {

/// Starts `root` (privilegedStartService, then startService) and adds a
/// "before" "shutdown" trigger that stops it and holds the reactor's
/// shutdown until stopService's Deferred fires, for at most
/// `shutdownTimeout` seconds (then it logs and shutdown goes on). So
/// reactor.stop() or SIGTERM drains the services cleanly. The trigger
/// keeps `root` alive. Returns the trigger's id.
///
/// Mirrors: twisted.application.app.startApplication(application, save)
/// (plus the privilegedStartService the runner calls first; without
/// persistence; the timeout is new: Twisted waits forever).
/// @throws whatever privilegedStartService or startService throws (no
///         trigger is added then).
TWISTED_API twisted::internet::TriggerId startApplication(std::shared_ptr<service::IService> root,
                                                          twisted::internet::ReactorBase& reactor,
                                                          double shutdownTimeout = 30.0);

}  // namespace twisted::application::app
