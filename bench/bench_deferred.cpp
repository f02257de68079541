// bench_deferred.cpp - Google Benchmark cases for Deferred<T>: the shapes of
// the shared micro-benchmark's `deferred` scenario (micro_twistedcpp deferred,
// ../shared/bench/micro/README.md), plus the fixed costs they are made of.
// Not the comparison with Python Twisted: that is micro_twistedcpp
// (bench/run_micro.sh, docs/benchmarks.md, docs/deferred.md).
//
//   build/release/bench/bench_deferred [--benchmark_filter=...]
//
// Every case reports `allocs` and `bytes`: operator new calls and bytes
// requested per iteration (alloc_counter.cpp replaces the global operator
// new/delete with counting ones). C++ exception objects are allocated with malloc by the
// runtime and are not counted.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <twisted/internet/defer/deferred.h>
#include <twisted/internet/defer/outcome.h>
#include "alloc_counter.h"

namespace {

using twisted::internet::defer::Deferred;
using twisted::internet::defer::Outcome;
using twisted::internet::defer::succeed;
using twisted::python::Failure;

// Counts the allocations made while a case's loop runs, per iteration (or
// per `unitsPerIteration`th of one).
class AllocScope {
 public:
  explicit AllocScope(benchmark::State& state, double unitsPerIteration = 1)
      : state_(state),
        units_(unitsPerIteration),
        news_(twisted_bench::g_allocs.news),
        bytes_(twisted_bench::g_allocs.bytes) {
    twisted_bench::g_countAllocs = true;
  }
  ~AllocScope() {
    twisted_bench::g_countAllocs = false;
    const auto avg = benchmark::Counter::kAvgIterations;
    const auto& a = twisted_bench::g_allocs;
    state_.counters["allocs"] = benchmark::Counter(double(a.news - news_) / units_, avg);
    state_.counters["bytes"] = benchmark::Counter(double(a.bytes - bytes_) / units_, avg);
  }
  AllocScope(const AllocScope&) = delete;
  AllocScope& operator=(const AllocScope&) = delete;

 private:
  benchmark::State& state_;
  double units_;
  std::uint64_t news_, bytes_;
};

// The final result of a fired Deferred (Python's d.result), or null.
template <class T>
const T* finalValue(const Deferred<T>& d) {
  auto& st = *d.state();
  if (!st.hasFinalResult() ||
      st.result().kind() != twisted::internet::defer::detail::Result::Kind::Value)
    return nullptr;
  return &st.mutableResult().template value<T>();
}

// Fixed cost: a Deferred<int> made, fired with no callbacks, dropped.
void BM_NewFireDrop(benchmark::State& state) {
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d;
    d.callback(1);
    benchmark::DoNotOptimize(finalValue(d));
  }
}
BENCHMARK(BM_NewFireDrop);

// (a) Deferred(), 3 x addCallback(x + 1), callback(0): result 3.
void BM_ThreeCallbacks(benchmark::State& state) {
  const auto addOne = [](int x) { return x + 1; };
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d;
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.callback(0);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 3) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_ThreeCallbacks);

// (a) on an already fired Deferred: each addCallback runs at once.
void BM_ThreeCallbacksOnFired(benchmark::State& state) {
  const auto addOne = [](int x) { return x + 1; };
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d = succeed(0);
    d.addCallback(addOne);
    d.addCallback(addOne);
    d.addCallback(addOne);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 3) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_ThreeCallbacksOnFired);

// (b) One Deferred, 10 callbacks each returning an already fired succeed(x + 1).
void BM_NestedTen(benchmark::State& state) {
  const auto firedPlusOne = [](int x) { return succeed(x + 1); };
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d;
    for (int k = 0; k < 10; ++k)
      d.addCallback(firedPlusOne);
    d.callback(0);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 10) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_NestedTen);

// (b) without the inner Deferreds: 10 callbacks returning x + 1 (the queue
// grows past its three inline entries).
void BM_TenPlainCallbacks(benchmark::State& state) {
  const auto addOne = [](int x) { return x + 1; };
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d;
    for (int k = 0; k < 10; ++k)
      d.addCallback(addOne);
    d.callback(0);
    const int* r = finalValue(d);
    if (r == nullptr || *r != 10) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_TenPlainCallbacks);

// (c) succeed("result"), a callback that throws, an errback that traps and
// throws again, addBoth returning nothing.
void BM_ErrbackChain(benchmark::State& state) {
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<std::string> d = succeed(std::string("result"));
    Deferred<void> d2 =
        d.addCallback([](const std::string&) { throw std::runtime_error("boom!"); });
    d2.addErrback([](const Failure& f) {
      f.trap<std::exception>();
      throw std::runtime_error("lesser boom!");
    });
    Deferred<void> d3 = d2.addBoth([](Outcome<void>) {});
    if (!d3.state()->hasFinalResult() || d3.state()->result().isFailure())
      state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_ErrbackChain);

// What (c) costs without exceptions: an errback that recovers with a value.
void BM_ErrbackRecover(benchmark::State& state) {
  const Failure boom{std::runtime_error("boom!")};
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d;
    Deferred<int> d2 = d.addErrback([](const Failure&) { return 0; });
    d.errback(boom);
    const int* r = finalValue(d2);
    if (r == nullptr || *r != 0) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_ErrbackRecover);

// (d) A coroutine returning Deferred<int> awaiting 10 already fired
// Deferreds; items = awaits.
Deferred<int> tenAwaits() {
  int x = -1;
  for (int i = 0; i < 10; ++i)
    x = co_await succeed(i);
  co_return x;
}

void BM_CoroutineTenAwaits(benchmark::State& state) {
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> d = tenAwaits();
    const int* r = finalValue(d);
    if (r == nullptr || *r != 9) state.SkipWithError("wrong result");
  }
  state.SetItemsProcessed(10 * state.iterations());
}
BENCHMARK(BM_CoroutineTenAwaits);

// A coroutine awaiting one unfired Deferred that is fired afterwards: the
// suspend/resume path.
Deferred<int> awaitOne(Deferred<int> d) {
  co_return co_await d + 1;
}

void BM_CoroutineSuspendResume(benchmark::State& state) {
  AllocScope allocs(state);
  for (auto _ : state) {
    Deferred<int> source;
    Deferred<int> r = awaitOne(source);
    source.callback(1);
    const int* v = finalValue(r);
    if (v == nullptr || *v != 2) state.SkipWithError("wrong result");
  }
}
BENCHMARK(BM_CoroutineSuspendResume);

// (e) Unfired Deferreds holding 3 callbacks, range(0) of them kept alive;
// `allocs` and `bytes` are per pending Deferred.
void BM_PendingThreeCallbacks(benchmark::State& state) {
  const auto addOne = [](int x) { return x + 1; };
  const auto k = static_cast<std::size_t>(state.range(0));
  std::vector<Deferred<int>> held;
  held.reserve(k);
  AllocScope allocs(state, double(k));
  for (auto _ : state) {
    for (std::size_t i = 0; i < k; ++i) {
      Deferred<int> d;
      d.addCallback(addOne);
      d.addCallback(addOne);
      d.addCallback(addOne);
      held.push_back(std::move(d));
    }
    state.PauseTiming();
    held.clear();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(k) * state.iterations());
}
BENCHMARK(BM_PendingThreeCallbacks)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
