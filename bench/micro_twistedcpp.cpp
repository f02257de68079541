// micro_twistedcpp.cpp - twistedcpp's peer for the event-loop micro-benchmarks
// in ../shared/bench/micro (plug-in contract: that directory's README.md).
//
// Usage: micro_twistedcpp SCENARIO
//   timers        callLater x N (delays in [0, 1) s) on a fresh EPollReactor
//                 with a fake clock, cancel every other one, move the clock to
//                 1 s and run() until the last remaining call has fired
//   timers_clock  the same on task::Clock, fired with Clock::advance(1);
//                 N = min(MICRO_N, MICRO_CLOCK_N) as for the Twisted peer
//   post          N callFromThread calls from a second thread
//   call_soon     a chain of N callLater(0), each scheduling the next
//   none, deferred, linereceiver and any other name: prints nothing
//
// Prints 'scenario<TAB>metric<TAB>value' lines (ns per operation), one set
// per repetition (MICRO_REPS, default 5; MICRO_N operations, default
// 1000000). Every repetition uses a fresh, unstarted reactor. Each repetition
// counts the calls that ran and exits 3 if a count is wrong.
//
// Mirrors, scenario for scenario, what peers/asio_micro.cpp and
// peers/twisted_micro.py in ../shared/bench/micro measure. Docs:
// docs/benchmarks.md.

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>

#if defined(TWISTED_HAVE_MICRO_COMMON)
// The shared peers' helpers (delay sequence, knobs, output line); the
// include path is set by bench/CMakeLists.txt when ../shared exists.
#include "micro_common.h"
#endif

namespace {

using twisted::internet::DelayedCall;
using twisted::internet::ReactorBase;
using twisted::internet::ReactorOptions;
using twisted::internet::makeReactor;

// ---- helpers (same semantics as micro_common.h) ----------------------------------

std::uint64_t nowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// The delay sequence of micro_common.h: a 64-bit LCG (Knuth's MMIX constants)
// seeded with 12345, top 53 bits as a fraction of 1 s. Used when ../shared is
// absent; when it is present, main() checks that this copy agrees with it.
constexpr std::uint64_t kSeed = 12345u;
double nextDelay(std::uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<double>(*state >> 11) * (1.0 / 9007199254740992.0);
}

long envLong(const char* name, long dflt) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return dflt;
  char* end;
  long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x <= 0) {
    std::fprintf(stderr, "%s=%s is not a positive integer\n", name, v);
    std::exit(2);
  }
  return x;
}

void emit(const char* scenario, const char* metric, double value) {
  std::printf("%s\t%s\t%.1f\n", scenario, metric, value);
  std::fflush(stdout);
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "check failed: %s\n", what);
    std::exit(3);
  }
}

long g_n;

std::vector<double> makeDelays(long n) {
  std::vector<double> d(static_cast<std::size_t>(n));
#if defined(TWISTED_HAVE_MICRO_COMMON)
  uint64_t state = MICRO_SEED;
  for (double& x : d) x = micro_next_delay(&state);
#else
  std::uint64_t state = kSeed;
  for (double& x : d) x = nextDelay(&state);
#endif
  return d;
}

// ---- timers -----------------------------------------------------------------------

struct TimerCtx {
  ReactorBase* reactor = nullptr;
  long remaining = 0;  // calls that must fire
  long fired = 0;
  std::uint64_t tEnd = 0;
};

void emitTimers(const char* scenario, long n, std::uint64_t t0, std::uint64_t t1,
                std::uint64_t t2, std::uint64_t t3) {
  const double cancelled = double(n / 2), fired = double(n - n / 2);
  emit(scenario, "schedule", double(t1 - t0) / double(n));
  emit(scenario, "cancel", double(t2 - t1) / cancelled);
  emit(scenario, "fire", double(t3 - t2) / fired);
  emit(scenario, "total", double(t3 - t0) / double(n));
}

// Schedule n calls (delays in [0, 1) s) at fake time 0, cancel the odd
// indices, then set the fake clock to 1 s and time run() until the last
// remaining call (which stops the reactor). Nothing sleeps: run() reads the
// clock once, finds every call due, and runs them all in one runDelayedCalls
// pass. Cancelling removes the call from the heap at once (O(log n)); there is
// no aborted handler to run (asio's cancel phase runs those).
void timers(const std::vector<double>& delays) {
  const long n = g_n;
  double fakeNow = 0;
  auto r = makeReactor("epoll", ReactorOptions{.clock = [&fakeNow] { return fakeNow; }});
  TimerCtx c;
  c.reactor = r.get();
  c.remaining = n - n / 2;
  std::vector<DelayedCall> calls;
  calls.reserve(static_cast<std::size_t>(n));  // like asio's timers.reserve(n)

  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    calls.push_back(r->callLater(delays[static_cast<std::size_t>(i)], [cp = &c] {
      if (++cp->fired == cp->remaining) {
        cp->tEnd = nowNs();
        cp->reactor->stop();
      }
    }));
  }
  const std::uint64_t t1 = nowNs();
  for (long i = 1; i < n; i += 2) calls[static_cast<std::size_t>(i)].cancel();
  const std::uint64_t t2 = nowNs();
  check(c.fired == 0, "twistedcpp timers: nothing fired before run()");
  check(r->getDelayedCalls().size() == static_cast<std::size_t>(c.remaining),
        "twistedcpp timers: cancelled calls left the heap");

  fakeNow = 1.0;
  r->run(false);
  const std::uint64_t t3 = c.tEnd;
  check(c.fired == c.remaining, "twistedcpp timers: all remaining timers fired");
  for (long i = 0; i < n; ++i) {
    const DelayedCall& dc = calls[static_cast<std::size_t>(i)];
    check(i % 2 ? dc.cancelled() : dc.called(), "twistedcpp timers: call states");
  }
  check(r->getDelayedCalls().empty(), "twistedcpp timers: heap empty after run");
  emitTimers("timers", n, t0, t1, t2, t3);
}

// The same on task::Clock (Twisted's task.Clock has O(n) operations, so the
// harness runs this at MICRO_CLOCK_N; ours shares the reactor's heap).
void timersClock(const std::vector<double>& delays, long n) {
  twisted::internet::task::Clock clock;
  long fired = 0;
  std::vector<DelayedCall> calls;
  calls.reserve(static_cast<std::size_t>(n));

  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i)
    calls.push_back(clock.callLater(delays[static_cast<std::size_t>(i)], [&fired] { ++fired; }));
  const std::uint64_t t1 = nowNs();
  for (long i = 1; i < n; i += 2) calls[static_cast<std::size_t>(i)].cancel();
  const std::uint64_t t2 = nowNs();
  clock.advance(1.0);
  const std::uint64_t t3 = nowNs();
  check(fired == n - n / 2 && clock.getDelayedCalls().empty(),
        "twistedcpp timers_clock: all remaining timers fired");
  emitTimers("timers_clock", n, t0, t1, t2, t3);
  emit("timers_clock", "n", double(n));
}

// ---- post -------------------------------------------------------------------------

struct PostCtx {
  ReactorBase* reactor = nullptr;
  long n = 0;
  long executed = 0;  // loop thread only
  std::uint64_t tFirst = 0, tLast = 0;
};

// A second thread, started from inside the running loop, posts n
// callFromThread calls; per_call = first post (producer thread) to the end of
// the last call (loop thread) / n. The loop has its waker eventfd registered
// with epoll (every reactor does), so this is asio's "with reactor" variant:
// the loop thread sleeps in epoll_wait and is woken through the eventfd.
double post() {
  auto r = makeReactor("epoll");
  PostCtx c;
  c.reactor = r.get();
  c.n = g_n;
  std::thread producer;
  r->callWhenRunning([&c, &producer] {
    producer = std::thread([cp = &c] {
      cp->tFirst = nowNs();
      for (long i = 0; i < cp->n; ++i) {
        cp->reactor->callFromThread([cp] {
          if (++cp->executed == cp->n) {
            cp->tLast = nowNs();
            cp->reactor->stop();
          }
        });
      }
    });
  });
  r->run(false);
  producer.join();
  check(c.executed == c.n, "twistedcpp post: all calls ran");
  // Diagnostics (stderr, ignored by the harness): loop iterations = batches.
  std::fprintf(stderr, "post: %ld calls in %llu loop iterations\n", c.n,
               static_cast<unsigned long long>(r->iterations()));
  return double(c.tLast - c.tFirst) / double(c.n);
}

// ---- call_soon --------------------------------------------------------------------

struct SoonCtx {
  ReactorBase* reactor = nullptr;
  long n = 0;
  long count = 0;
  std::uint64_t tEnd = 0;
};

void soonStep(SoonCtx* c) {
  if (++c->count < c->n) {
    c->reactor->callLater(0, soonStep, c);
  } else {
    c->tEnd = nowNs();
    c->reactor->stop();
  }
}

// An idle pipe registered for reading: it never becomes readable. Stands for
// "a program with sockets" (asio's idle steady_timer). Our reactor always has
// its waker eventfd registered with epoll anyway, so every iteration already
// makes one epoll_wait call with or without this; it only adds a second fd to
// the interest set.
class IdlePipe final : public twisted::internet::IReadDescriptor {
 public:
  IdlePipe() {
    if (::pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
      std::perror("pipe2");
      std::exit(2);
    }
  }
  ~IdlePipe() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fileno() const override { return fds_[0]; }
  twisted::internet::DescriptorResult doRead() override {
    ++reads;
    char buf[64];
    while (::read(fds_[0], buf, sizeof buf) > 0) {
    }
    return std::nullopt;
  }
  void connectionLost(const twisted::python::Failure&) override {}
  std::string logPrefix() const override { return "IdlePipe"; }

  long reads = 0;

 private:
  int fds_[2] = {-1, -1};
};

// A chain of n callLater(0) calls made from inside the loop, each scheduling
// the next; per_call = first schedule to last call / n. As in Twisted, a call
// scheduled from a running call waits for the next loop iteration, so each
// link costs one iteration: runUntilCurrent plus one epoll_wait(0) (the
// timeout is 0 because a call is due).
double callSoon(bool idleFd) {
  auto r = makeReactor("epoll");
  std::optional<IdlePipe> pipe;
  if (idleFd) {
    pipe.emplace();
    r->addReader(&*pipe);
  }
  SoonCtx c;
  c.reactor = r.get();
  c.n = g_n;
  std::uint64_t t0 = 0;
  r->callWhenRunning([&c, &t0] {
    t0 = nowNs();
    c.reactor->callLater(0, soonStep, &c);
  });
  r->run(false);
  check(c.count == c.n, "twistedcpp call_soon: chain completed");
  if (pipe) {
    check(pipe->reads == 0, "twistedcpp call_soon: idle pipe stayed idle");
    r->removeReader(&*pipe);  // shutdown's disconnectAll removed it already; harmless
  }
  r.reset();  // the reactor goes before the pipe it watched
  return double(c.tEnd - t0) / double(c.n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SCENARIO\n", argv[0]);
    return 2;
  }
  const std::string_view scenario = argv[1];
  g_n = envLong("MICRO_N", 1000000);
  const long reps = envLong("MICRO_REPS", 5);

#if defined(TWISTED_HAVE_MICRO_COMMON)
  {  // Keep the fallback copy of the delay sequence honest.
    std::uint64_t a = kSeed;
    uint64_t b = MICRO_SEED;
    for (int i = 0; i < 1000; ++i)
      check(nextDelay(&a) == micro_next_delay(&b), "delay sequence matches micro_common.h");
  }
#endif

  if (scenario == "timers") {
    const std::vector<double> delays = makeDelays(g_n);
    for (long rep = 0; rep < reps; ++rep) timers(delays);
  } else if (scenario == "timers_clock") {
    const long n = std::min(g_n, envLong("MICRO_CLOCK_N", 10000));
    const std::vector<double> delays = makeDelays(n);
    for (long rep = 0; rep < reps; ++rep) timersClock(delays, n);
  } else if (scenario == "post") {
    for (long rep = 0; rep < reps; ++rep) emit("post", "per_call", post());
  } else if (scenario == "call_soon") {
    for (long rep = 0; rep < reps; ++rep) {
      emit("call_soon", "per_call", callSoon(false));
      emit("call_soon", "per_call_idle_fd", callSoon(true));
    }
  }
  // "none", "deferred", "linereceiver" and anything else: not implemented
  // (yet), print nothing and exit 0 as the contract asks.
  return 0;
}
