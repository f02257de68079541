// System event triggers. Test: tests/internet/test_reactor.cpp
#include "system_event_triggers.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

#include <twisted/python/failure.h>
#include <twisted/python/log.h>

namespace twisted::internet::detail {

using python::detail::UniqueFunction;

namespace {

int phaseIndex(std::string_view phase) {
  if (phase == "before") return 0;
  if (phase == "during") return 1;
  if (phase == "after") return 2;
  throw std::invalid_argument("Unknown system event phase '" + std::string(phase) +
                              "' (expected before, during or after)");
}

// A failing trigger is logged; the others still run.
void runTrigger(UniqueFunction& f) noexcept {
  try {
    f();
  } catch (...) {
    python::log::err(python::Failure(std::current_exception()),
                     "Unhandled error in a system event trigger");
  }
}

}  // namespace

SystemEventTriggers::Event& SystemEventTriggers::get(std::string_view name) {
  auto it = events_.find(name);
  if (it == events_.end()) it = events_.emplace(std::string(name), Event{}).first;
  return it->second;
}

TriggerId SystemEventTriggers::add(std::string_view phase, std::string_view eventType,
                                   UniqueFunction f) {
  int index = phaseIndex(phase);
  std::uint64_t id = nextId_++;
  get(eventType).phases[index].push_back({id, std::move(f)});
  return TriggerId{id};
}

void SystemEventTriggers::remove(TriggerId id) {
  for (auto& [name, event] : events_) {
    for (auto& phase : event.phases) {
      auto it = std::find_if(phase.begin(), phase.end(),
                             [&](const Trigger& t) { return t.id == id.value; });
      if (it != phase.end()) {
        phase.erase(it);
        return;
      }
    }
  }
  throw std::invalid_argument("No such system event trigger (already run or removed)");
}

void SystemEventTriggers::fire(std::string_view eventType) {
  Event& event = get(eventType);
  std::string name(eventType);
  // Before phase: each trigger is popped before it runs, so triggers added
  // meanwhile run too and each runs once.
  Event* outer = currentBefore_;
  currentBefore_ = &event;
  event.inBefore = true;
  ++event.waiting;  // held by this function until the before phase is done
  while (!event.phases[0].empty()) {
    UniqueFunction f = std::move(event.phases[0].front().f);
    event.phases[0].pop_front();
    runTrigger(f);
  }
  event.inBefore = false;
  currentBefore_ = outer;
  auto finish = [this, name] {
    Event& ev = get(name);
    for (int phase : {1, 2}) {
      while (!ev.phases[phase].empty()) {
        UniqueFunction f = std::move(ev.phases[phase].front().f);
        ev.phases[phase].pop_front();
        runTrigger(f);
      }
    }
  };
  if (--event.waiting == 0) {
    finish();
  } else {
    event.finisher = std::move(finish);  // the last token to complete runs it
  }
}

std::function<void()> SystemEventTriggers::delay() {
  Event* event = currentBefore_;
  if (!event || !event->inBefore)
    throw std::logic_error("delaySystemEvent() called outside a \"before\" system event trigger");
  ++event->waiting;
  auto done = std::make_shared<bool>(false);
  return [event, done] {
    if (*done) return;
    *done = true;
    // std::map nodes are stable: `event` stays valid as long as the reactor.
    if (--event->waiting == 0 && event->finisher) {
      UniqueFunction finish = std::move(event->finisher);
      finish();
    }
  };
}

}  // namespace twisted::internet::detail
