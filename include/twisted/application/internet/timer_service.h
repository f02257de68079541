// TimerService: a service that calls a function periodically.
#pragma once

#include <twisted/export.h>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <twisted/application/service/service.h>
#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/interfaces/ireactor_time.h>
#include <twisted/internet/task/looping_call.h>

namespace twisted::application::internet {

/// Calls `f` every `step` seconds (at once when started) with a
/// task::LoopingCall while running. `f` may return a Deferred: the next
/// call waits for it, and stopService's Deferred fires only once a call in
/// progress has finished. A failure stops the loop and is logged.
///
///     auto t = std::make_shared<TimerService>(60, [] { purgeCache(); });
///     t->setServiceParent(app);
///
/// Mirrors: twisted.application.internet.TimerService(step, callable).
class TWISTED_API TimerService : public service::Service {
 public:
  /// `f()` may return void, a value (ignored) or a Deferred<T>.
  /// Mirrors TimerService(step, callable, *args).
  template <class F>
  requires std::is_invocable_v < std::decay_t<F>
  & > TimerService(double step, F&& f) : step_(step), call_(wrap(std::forward<F>(f))) {}
  /// Stops the loop if running (nothing is waited for).
  ~TimerService() override;

  /// Starts the LoopingCall. Mirrors TimerService.startService.
  void startService() override;
  /// Stops the loop; fires when the call in progress (if any) has finished.
  /// Mirrors TimerService.stopService.
  twisted::internet::defer::Deferred<void> stopService() override;

  /// The clock used from the next startService on (default: the global
  /// reactor); it must outlive the running service. Mirrors TimerService.clock.
  void setClock(twisted::internet::IReactorTime& clock) noexcept { clock_ = &clock; }
  /// Seconds between calls. Mirrors TimerService.step.
  double step() const noexcept { return step_; }

 private:
  template <class F>
  static std::function<twisted::internet::defer::Deferred<void>()> wrap(F&& f) {
    return [g = std::decay_t<F>(std::forward<F>(f))]() mutable {
      using R = std::invoke_result_t<std::decay_t<F>&>;
      if constexpr (twisted::internet::defer::detail::kIsDeferred<R>) {
        return twisted::internet::detail::asVoid(g());
      } else {
        g();
        return twisted::internet::defer::succeed();
      }
    };
  }

  double step_;
  std::function<twisted::internet::defer::Deferred<void>()> call_;
  twisted::internet::IReactorTime* clock_ = nullptr;  // not owned; null: the global reactor
  std::optional<twisted::internet::task::LoopingCall> loop_;
  std::optional<twisted::internet::defer::Deferred<void>> loopFinished_;
};

}  // namespace twisted::application::internet
