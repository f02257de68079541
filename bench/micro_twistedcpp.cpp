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
//   call_soon     a chain of N callLater(0), each scheduling the next (per_call:
//                 nothing watched but the waker; per_call_idle_fd: an idle
//                 pipe watched too, on epoll and on io_uring)
//   deferred      Deferred shapes (a)-(e) of the README, plus heap allocations
//                 per shape (this file replaces the global operator new/delete
//                 with counting ones; they count only inside that scenario)
//   linereceiver  LineReceiver, LineOnlyReceiver and Int32StringReceiver
//                 parsing N 52-byte messages pre-split into 64 KiB chunks
//                 (micro_linereceiver.cpp)
//   none and any other name: prints nothing
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

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/outcome.h>
#include <twisted/internet/reactor.h>
#include <twisted/internet/task/clock.h>
#include "alloc_counter.h"

#if defined(TWISTED_HAVE_MICRO_COMMON)
// The shared peers' helpers (delay sequence, knobs, output line); the
// include path is set by bench/CMakeLists.txt when ../shared exists.
#include "micro_common.h"
#endif

namespace twisted_micro {
// The `linereceiver` scenario (micro_linereceiver.cpp): `reps` repetitions of
// `n` messages per parser, printed through `emit`.
void runLineReceiverScenario(long n, long reps,
                             void (*emit)(const char* scenario, const char* metric, double));
}  // namespace twisted_micro

// ---- allocation counting (alloc_counter.h) -------------------------------------------
//
// The `deferred` scenario reports heap allocations and bytes per Deferred; the
// threaded `post` scenario never turns counting on.

namespace {
using twisted_bench::g_allocs;
using twisted_bench::g_countAllocs;
}  // namespace

namespace {

using twisted::internet::DelayedCall;
using twisted::internet::makeReactor;
using twisted::internet::ReactorBase;
using twisted::internet::ReactorOptions;
using twisted::internet::defer::detail::Result;

// ---- helpers (same semantics as micro_common.h) ----------------------------------

std::uint64_t nowNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
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
  for (double& x : d)
    x = micro_next_delay(&state);
#else
  std::uint64_t state = kSeed;
  for (double& x : d)
    x = nextDelay(&state);
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

void emitTimers(const char* scenario, long n, std::uint64_t t0, std::uint64_t t1, std::uint64_t t2,
                std::uint64_t t3) {
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
  for (long i = 1; i < n; i += 2)
    calls[static_cast<std::size_t>(i)].cancel();
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
  for (long i = 1; i < n; i += 2)
    calls[static_cast<std::size_t>(i)].cancel();
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
double callSoon(bool idleFd, const char* backend = "epoll") {
  auto r = makeReactor(backend);
  if (r->backendName() != backend) return -1;  // io_uring refused: makeReactor fell back
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

// ---- deferred ---------------------------------------------------------------------

using twisted::internet::defer::Deferred;
using twisted::internet::defer::Outcome;
using twisted::internet::defer::succeed;
using twisted::python::Failure;

// Python's `d.result` after the chain ran: the value, or null if d has not
// fired, still has callbacks to run, waits on another Deferred, or holds a
// Failure. Reads the state through the library's internals accessor.
template <class T>
const T* finalValue(const Deferred<T>& d) {
  auto& st = *d.state();
  if (!st.hasFinalResult() || st.result().kind() != Result::Kind::Value) return nullptr;
  return &st.mutableResult().template value<T>();
}
bool finalVoid(const Deferred<void>& d) {
  auto& st = *d.state();
  return st.hasFinalResult() && st.result().kind() == Result::Kind::Value;
}

// (a) Deferred(), 3 x addCallback(x + 1), callback(0), result 3.
double deferredA(long n) {
  const auto addOne = [](int x) { return x + 1; };
  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    Deferred<int> d;
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.callback(0);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 3) check(false, "twistedcpp deferred (a): result");
  }
  return double(nowNs() - t0) / double(n);
}

// (b) One Deferred, 10 callbacks each returning an already fired succeed(x + 1):
// the chain adopts 10 inner Deferreds; result 10.
double deferredB(long n) {
  const auto firedPlusOne = [](int x) { return succeed(x + 1); };
  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    Deferred<int> d;
    for (int k = 0; k < 10; ++k)
      d.addCallback(firedPlusOne);
    d.callback(0);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 10) check(false, "twistedcpp deferred (b): result");
  }
  return double(nowNs() - t0) / double(n);
}

// (c) twisted-benchmarks' deferred_callback_chains: succeed("result"), a
// callback that throws, an errback that traps and throws again, and addBoth
// that returns nothing (Python's None), so the chain ends on a success.
double deferredC(long n) {
  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    Deferred<std::string> d = succeed(std::string("result"));
    Deferred<void> d2 =
        d.addCallback([](const std::string&) { throw std::runtime_error("boom!"); });
    d2.addErrback([](const Failure& f) {
      f.trap<std::exception>();
      throw std::runtime_error("lesser boom!");
    });
    Deferred<void> d3 = d2.addBoth([](Outcome<void>) {});
    if (!finalVoid(d3)) check(false, "twistedcpp deferred (c): result");
  }
  return double(nowNs() - t0) / double(n);
}

// (c) written without throws: the callback returns a Failure, the errback
// traps with check() and returns a new Failure (docs/deferred.md, "Errors
// without exceptions"). Same chain, same outcome as deferredC.
double deferredCNoThrow(long n) {
  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    Deferred<std::string> d = succeed(std::string("result"));
    d.addCallback([](const std::string&) { return Failure(std::runtime_error("boom!")); });
    d.addErrback([](Failure f) {
      if (!f.check<std::exception>()) return f;
      return Failure(std::runtime_error("lesser boom!"));
    });
    Deferred<void> d3 = d.addBoth([](Outcome<std::string>) {});
    if (!finalVoid(d3)) check(false, "twistedcpp deferred (c, no throw): result");
  }
  return double(nowNs() - t0) / double(n);
}

// (d) Python's `async def` + Deferred.fromCoroutine: a coroutine returning
// Deferred<int> that awaits 10 already fired Deferreds.
Deferred<int> tenAwaits() {
  int x = -1;
  for (int i = 0; i < 10; ++i)
    x = co_await succeed(i);
  co_return x;
}

// ns per co_await, including the call and the coroutine's own Deferred.
double deferredD(long n) {
  const std::uint64_t t0 = nowNs();
  for (long i = 0; i < n; ++i) {
    Deferred<int> d = tenAwaits();
    const int* r = finalValue(d);
    if (r == nullptr || *r != 9) check(false, "twistedcpp deferred (d): coroutine result");
  }
  return double(nowNs() - t0) / double(10 * n);
}

// (e) Bytes per unfired Deferred holding 3 callbacks, over k of them: what
// operator new handed out while they were made (nothing is freed meanwhile).
struct Pending {
  double bytes, allocs;
};
Pending deferredE(long k) {
  const auto addOne = [](int x) { return x + 1; };
  std::vector<Deferred<int>> held;
  held.reserve(static_cast<std::size_t>(k));
  g_allocs = {};
  g_countAllocs = true;
  for (long i = 0; i < k; ++i) {
    Deferred<int> d;
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.addCallback(addOne);
    held.push_back(std::move(d));
  }
  g_countAllocs = false;
  check(g_allocs.deletes == 0, "twistedcpp deferred (e): nothing freed while building");
  for (const auto& d : held)
    check(!d.called() && d.state()->pendingCallbacks() == 3, "twistedcpp deferred (e): pending");
  return {double(g_allocs.bytes) / double(k), double(g_allocs.news) / double(k)};
}

// Heap allocations per operation of `run(n)` (an untimed pass): operator new
// calls only. C++ exception objects come from __cxa_allocate_exception
// (malloc), which this does not count. Everything must be freed again, give
// or take what an allocation cache in the library (a per-thread free list)
// may keep: a leak of one block per operation exceeds that slack.
template <class F>
double allocsPer(F run, long n) {
  constexpr std::int64_t kCacheSlack = 1024;
  g_allocs = {};
  g_countAllocs = true;
  run(n);
  g_countAllocs = false;
  const auto outstanding =
      static_cast<std::int64_t>(g_allocs.news) - static_cast<std::int64_t>(g_allocs.deletes);
  check(outstanding <= kCacheSlack, "twistedcpp deferred: every allocation was freed");
  return double(g_allocs.news) / double(n);
}

void deferred(long reps) {
  const long n = g_n;
  const long small = std::max(1L, n / 10);
  const long countN = 10000;
  // Deterministic: counted once (also warms up), printed with every repetition.
  const double aAllocs = allocsPer(deferredA, countN);
  const double bAllocs = allocsPer(deferredB, countN);
  const double cAllocs = allocsPer(deferredC, countN);
  const double cNoThrowAllocs = allocsPer(deferredCNoThrow, countN);
  const double dAllocs = allocsPer(deferredD, countN);
  std::fprintf(stderr, "deferred: sizeof(DeferredState) = %zu bytes, sizeof(Entry) = %zu\n",
               sizeof(twisted::internet::defer::detail::DeferredState),
               sizeof(twisted::internet::defer::detail::Entry));
  for (long rep = 0; rep < reps; ++rep) {
    emit("deferred", "a_3_callbacks", deferredA(n));
    emit("deferred", "b_nested_10", deferredB(small));
    emit("deferred", "c_errback_chain", deferredC(small));
    emit("deferred", "c_errback_chain_nothrow", deferredCNoThrow(small));
    emit("deferred", "d_coroutine_per_await", deferredD(small));
    const Pending e = deferredE(100000);
    emit("deferred", "e_pending_bytes", e.bytes);
    emit("deferred", "e_pending_allocs_per_deferred", e.allocs);
    emit("deferred", "a_allocs_per_deferred", aAllocs);
    emit("deferred", "b_allocs_per_outer", bAllocs);
    emit("deferred", "c_allocs_per_chain", cAllocs);
    emit("deferred", "c_nothrow_allocs_per_chain", cNoThrowAllocs);
    emit("deferred", "d_allocs_per_call", dAllocs);
  }
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
    for (long rep = 0; rep < reps; ++rep)
      timers(delays);
  } else if (scenario == "timers_clock") {
    const long n = std::min(g_n, envLong("MICRO_CLOCK_N", 10000));
    const std::vector<double> delays = makeDelays(n);
    for (long rep = 0; rep < reps; ++rep)
      timersClock(delays, n);
  } else if (scenario == "post") {
    for (long rep = 0; rep < reps; ++rep)
      emit("post", "per_call", post());
  } else if (scenario == "call_soon") {
    for (long rep = 0; rep < reps; ++rep) {
      emit("call_soon", "per_call", callSoon(false));
      emit("call_soon", "per_call_idle_fd", callSoon(true));
      // io_uring: a zero-timeout iteration with nothing to submit reads the
      // completion ring without entering the kernel.
      // (Left out where io_uring is refused and makeReactor fell back.)
      if (double ns = callSoon(true, "iouring"); ns >= 0)
        emit("call_soon", "per_call_idle_fd_iouring", ns);
    }
  } else if (scenario == "deferred") {
    deferred(reps);
  } else if (scenario == "linereceiver") {
    twisted_micro::runLineReceiverScenario(g_n, reps, emit);
  }
  // "none" and anything else: not implemented, print nothing and exit 0 as
  // the contract asks.
  return 0;
}
