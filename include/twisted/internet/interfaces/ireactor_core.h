// IReactorCore: running and stopping the reactor, system event triggers.
#pragma once

#include <twisted/export.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include <twisted/internet/defer/deferred.h>
#include <twisted/python/detail/unique_function.h>
#include <twisted/python/log.h>

namespace twisted::internet {

/// Identifies a system event trigger, for removeSystemEventTrigger.
struct TWISTED_API TriggerId {
  /// The trigger's number, unique within its reactor.
  std::uint64_t value = 0;
  /// Equal ids name the same trigger.
  friend bool operator==(TriggerId, TriggerId) = default;
};

/// Core reactor methods: run, stop, system event triggers.
///
/// Mirrors: twisted.internet.interfaces.IReactorCore. Thread safety: every
/// method must be called from the reactor's thread; use
/// IReactorThreads::callFromThread to reach it from another thread.
class TWISTED_API IReactorCore {
 public:
  virtual ~IReactorCore() = default;

  /// Fires the "startup" event, then runs the event loop until stop() or
  /// crash(). With `installSignalHandlers`, SIGINT (if at its default
  /// disposition) and SIGTERM stop the reactor cleanly, shutdown triggers
  /// included; the previous handlers are restored when run() returns. These
  /// are IReactorSignals handlers: a signal another reactor owns is left to
  /// it, and a SIGINT handler added before run() replaces the shutdown.
  /// Mirrors IReactorCore.run.
  /// @throws error::ReactorAlreadyRunning if running, error::ReactorNotRestartable
  ///         if it was stopped before (a crash() does not prevent a later run()).
  virtual void run(bool installSignalHandlers = true) = 0;

  /// Asks the reactor to stop: the "shutdown" event fires after the current
  /// iteration, then run() returns. `running()` is still true when stop()
  /// returns. Mirrors IReactorCore.stop.
  /// @throws error::ReactorNotRunning if not running or already stopping.
  virtual void stop() = 0;

  /// Stops the loop at once without firing shutdown triggers. Mirrors IReactorCore.crash.
  virtual void crash() = 0;

  /// Runs one iteration: due calls, then one poll for I/O waiting at most
  /// `delay` seconds. Mirrors IReactorCore.iterate.
  virtual void iterate(double delay = 0) = 0;

  /// True from the "during startup" phase until the loop stops. Mirrors IReactorCore.running.
  virtual bool running() const = 0;

  /// Calls `f(args...)` when the reactor starts, or now if it is already
  /// running (then returns nullopt). Mirrors IReactorCore.callWhenRunning.
  template <class F, class... A>
  std::optional<TriggerId> callWhenRunning(F&& f, A&&... args) {
    return callWhenRunningImpl(
        python::detail::bindCall(std::forward<F>(f), std::forward<A>(args)...));
  }

  /// Adds `f(args...)` to `phase` ("before", "during" or "after") of
  /// `eventType` ("startup", "shutdown" or any name used with fireSystemEvent).
  /// "before" triggers run first; the during and after phases wait for every
  /// delaySystemEvent() token taken by a before trigger, and for every
  /// Deferred a before trigger returns (its failure is logged, then the event
  /// goes on, as Twisted's DeferredList of before-results). A trigger that
  /// throws is logged and the others still run.
  /// Mirrors IReactorCore.addSystemEventTrigger.
  /// @throws std::invalid_argument for an unknown phase (KeyError in Twisted).
  template <class F, class... A>
  TriggerId addSystemEventTrigger(std::string_view phase, std::string_view eventType, F&& f,
                                  A&&... args) {
    using R = std::decay_t<std::invoke_result_t<std::decay_t<F>&, std::decay_t<A>&...>>;
    if constexpr (defer::detail::kIsDeferred<R>) {
      using V = defer::detail::Unwrapped<R>;
      const bool before = phase == "before";
      return addTriggerImpl(
          phase, eventType,
          [this, before, fn = std::forward<F>(f), ... a = std::forward<A>(args)]() mutable {
            R d = std::invoke(fn, a...);
            if (!before) return;  // only "before" results hold the event
            auto done = delaySystemEvent();
            d.addBoth([done](defer::Outcome<V> o) {
              if (o.isFailure())
                python::log::err(o.failure(), "Error in a before-trigger Deferred");
              done();
            });
          });
    } else {
      return addTriggerImpl(phase, eventType,
                            python::detail::bindCall(std::forward<F>(f), std::forward<A>(args)...));
    }
  }

  /// Removes a trigger that has not run yet. Mirrors IReactorCore.removeSystemEventTrigger.
  /// @throws std::invalid_argument for an unknown or already-removed id (ValueError).
  virtual void removeSystemEventTrigger(TriggerId id) = 0;

  /// Fires the three phases of `eventType`. Mirrors IReactorCore.fireSystemEvent.
  virtual void fireSystemEvent(std::string_view eventType) = 0;

  /// Called from inside a "before" trigger: the event's during and after
  /// phases wait until the returned function has been called (once; later
  /// calls do nothing). This is how a before-shutdown trigger holds shutdown
  /// until its work finishes (Twisted does it by returning a Deferred; the
  /// Deferred overload builds on this). Safe to call the returned function
  /// from the reactor thread only.
  /// @throws std::logic_error outside a before trigger.
  virtual std::function<void()> delaySystemEvent() = 0;

 protected:
  /// What callWhenRunning does once `f` is type-erased; reactors implement this.
  virtual std::optional<TriggerId> callWhenRunningImpl(python::detail::UniqueFunction f) = 0;
  /// What addSystemEventTrigger does once `f` is type-erased; reactors implement this.
  virtual TriggerId addTriggerImpl(std::string_view phase, std::string_view eventType,
                                   python::detail::UniqueFunction f) = 0;
};

}  // namespace twisted::internet
