// SystemEventTriggers: a reactor's system event triggers, Twisted's
// _ThreePhaseEvent per event type ("startup", "shutdown", any other name).
// Internal to src/internet (ReactorBase owns one). Test:
// tests/internet/test_reactor.cpp (system event triggers).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <twisted/internet/interfaces/ireactor_core.h>
#include <twisted/python/detail/unique_function.h>

namespace twisted::internet::detail {

class SystemEventTriggers {
 public:
  /// Adds `f` to `phase` ("before", "during" or "after") of `eventType`;
  /// triggers of a phase run in the order added.
  /// @throws std::invalid_argument for an unknown phase.
  TriggerId add(std::string_view phase, std::string_view eventType,
                python::detail::UniqueFunction f);
  /// @throws std::invalid_argument if `id` already ran or was removed.
  void remove(TriggerId id);
  /// Runs the before phase, then (once every delay() token taken during it
  /// has been called) the during and after phases. A trigger that throws is
  /// logged and the others still run.
  void fire(std::string_view eventType);
  /// From a "before" trigger only: delays the rest of the event until the
  /// returned function is called (once; later calls do nothing).
  /// @throws std::logic_error outside a "before" trigger.
  std::function<void()> delay();

 private:
  struct Trigger {
    std::uint64_t id;
    python::detail::UniqueFunction f;
  };
  struct Event {
    std::deque<Trigger> phases[3];  // before, during, after
    int waiting = 0;                // delay() tokens outstanding
    bool inBefore = false;
    python::detail::UniqueFunction finisher;  // during + after, once `waiting` drops to 0
  };

  Event& get(std::string_view name);

  std::map<std::string, Event, std::less<>> events_;
  std::uint64_t nextId_ = 1;
  Event* currentBefore_ = nullptr;  // the event whose before phase is running
};

}  // namespace twisted::internet::detail
