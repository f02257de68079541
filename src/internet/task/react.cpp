// task::react. Test: tests/internet/task/test_react.cpp
#include <twisted/internet/task/react.h>

#include <memory>

#include <twisted/internet/error.h>
#include <twisted/python/log.h>

namespace twisted::internet::detail {

using task::SystemExit;

namespace {

// Shared with the callbacks, which may outlive react() (main's Deferred can
// fire after the reactor was stopped by someone else).
struct ReactState {
  int code = 0;
  bool stopping = false;  // the reactor's shutdown has begun
  bool done = false;      // react() has returned: the reactor may be gone
};

void recordResult(ReactState& st, defer::Outcome<int>& outcome) {
  if (!outcome.isFailure()) {
    st.code = std::move(outcome).value();
  } else if (const auto* exit = outcome.failure().valueAs<SystemExit>()) {
    st.code = exit->code();
  } else {
    python::log::err(outcome.failure(), "main function encountered error");
    st.code = 1;
  }
}

}  // namespace

int runReact(ReactorBase& reactor, defer::Deferred<int> finished) {
  auto st = std::make_shared<ReactState>();
  reactor.addSystemEventTrigger("before", "shutdown", [st] { st->stopping = true; });

  ReactorBase* r = &reactor;
  finished.addBoth([st, r](defer::Outcome<int> outcome) {
    if (st->done) {
      // Too late to be the exit code; do not lose a failure.
      if (outcome.isFailure())
        python::log::err(outcome.failure(), "main function encountered error");
      return;
    }
    if (st->stopping) {
      // Fired during shutdown: someone else stopped the reactor.
      recordResult(*st, outcome);
      return;
    }
    // Stop from inside the running loop (main's Deferred may have fired
    // before run()): callWhenRunning runs it at startup, or now if running.
    r->callWhenRunning([st, r, o = std::move(outcome)]() mutable {
      if (st->done) return;
      try {
        r->stop();
      } catch (const error::ReactorNotRunning&) {
        // Already stopping (e.g. stop() was called just before the Deferred fired).
      }
      recordResult(*st, o);
    });
  });

  reactor.run();
  st->done = true;
  return st->code;
}

}  // namespace twisted::internet::detail
