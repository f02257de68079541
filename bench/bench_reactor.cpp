// bench_reactor.cpp - quick Google Benchmark sanity checks of the reactor's hot
// paths. Not the comparison with other event loops: that is micro_twistedcpp
// (bench/run_micro.sh, docs/benchmarks.md).
//
//   build/release/bench/bench_reactor [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include <twisted/internet/reactor.h>

namespace {

using twisted::internet::DelayedCall;
using twisted::internet::ReactorBase;
using twisted::internet::ReactorOptions;

// A reactor on a fake clock (time moves only when the benchmark says so).
struct FakeClockReactor {
  double now = 0;
  std::unique_ptr<ReactorBase> r =
      twisted::internet::makeReactor("epoll", ReactorOptions{.clock = [this] { return now; }});
};

// The same LCG as ../shared/bench/micro/peers/micro_common.h: delays in [0, 1).
std::vector<double> delays(std::size_t n) {
  std::vector<double> d(n);
  std::uint64_t s = 12345u;
  for (double& x : d) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
  return d;
}

// callLater + cancel on a heap holding range(0) other pending calls.
void BM_CallLaterCancel(benchmark::State& state) {
  FakeClockReactor f;
  const auto background = static_cast<std::size_t>(state.range(0));
  std::vector<DelayedCall> keep;
  for (double d : delays(background))
    keep.push_back(f.r->callLater(1.0 + d, [] {}));
  const std::vector<double> ds = delays(1024);
  std::size_t i = 0;
  for (auto _ : state) {
    DelayedCall c = f.r->callLater(1.0 + ds[i++ & 1023], [] {});
    c.cancel();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CallLaterCancel)->Arg(0)->Arg(100000);

// Schedule range(0) calls with delays in [0, 1), advance the fake clock by 1 s
// and iterate(0) once: every call fires in one runDelayedCalls pass (plus one
// epoll_wait(0) per batch). Items = calls fired.
void BM_CallLaterFire(benchmark::State& state) {
  FakeClockReactor f;
  const auto batch = static_cast<std::size_t>(state.range(0));
  const std::vector<double> ds = delays(batch);
  std::int64_t fired = 0;
  for (auto _ : state) {
    for (double d : ds)
      f.r->callLater(d, [&fired] { ++fired; });
    f.now += 1.0;
    f.r->iterate(0);
  }
  if (fired != static_cast<std::int64_t>(batch) * state.iterations())
    state.SkipWithError("not every call fired");
  state.SetItemsProcessed(fired);
}
BENCHMARK(BM_CallLaterFire)->Arg(1000)->Arg(100000);

// callFromThread from the reactor's own thread (no wake-up needed), range(0)
// calls per iterate(0). Measures the queue (mutex, move-only function, swap),
// not the cross-thread hand-off: micro_twistedcpp's `post` does that.
void BM_CallFromThreadSameThread(benchmark::State& state) {
  auto r = twisted::internet::makeReactor("epoll");
  const auto batch = state.range(0);
  std::int64_t ran = 0;
  for (auto _ : state) {
    for (std::int64_t i = 0; i < batch; ++i)
      r->callFromThread([&ran] { ++ran; });
    r->iterate(0);
  }
  if (ran != batch * state.iterations()) state.SkipWithError("not every call ran");
  state.SetItemsProcessed(ran);
}
BENCHMARK(BM_CallFromThreadSameThread)->Arg(1)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
