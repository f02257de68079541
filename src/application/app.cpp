#include <twisted/application/app.h>

#include <string>

#include <twisted/python/log.h>

namespace twisted::application::app {

namespace defer = twisted::internet::defer;

twisted::internet::TriggerId startApplication(std::shared_ptr<service::IService> root,
                                              twisted::internet::ReactorBase& reactor,
                                              double shutdownTimeout) {
  root->privilegedStartService();
  root->startService();
  twisted::internet::ReactorBase* r =
      &reactor;  // the reactor runs its own triggers: it outlives them
  return reactor.addSystemEventTrigger(
      "before", "shutdown", [root, r, shutdownTimeout]() -> defer::Deferred<void> {
        defer::Deferred<void> stopped;
        try {
          stopped = root->stopService();
        } catch (...) {
          python::log::err(std::current_exception(), "Error stopping the application");
          return defer::succeed();
        }
        defer::Deferred<void> done;
        auto settled = std::make_shared<bool>(false);
        twisted::internet::DelayedCall timer =
            r->callLater(shutdownTimeout, [done, settled, shutdownTimeout]() mutable {
              if (std::exchange(*settled, true)) return;
              python::log::msg("The application did not stop within " +
                               std::to_string(shutdownTimeout) + " seconds; shutting down anyway");
              done.callback();
            });
        // The reactor drops this trigger once it has run: the chain keeps
        // the services alive until they have stopped.
        stopped.addBoth([root, done, settled, timer](defer::Outcome<void> o) mutable {
          if (o.isFailure()) python::log::err(o.failure(), "Error stopping the application");
          if (std::exchange(*settled, true)) return;
          if (timer.active()) timer.cancel();
          done.callback();
        });
        return done;
      });
}

}  // namespace twisted::application::app
