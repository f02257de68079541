// alloc_counter.h - counting replacements of the global operator new and
// delete, linked into the benchmarks that report heap allocations
// (micro_twistedcpp's `deferred` scenario, bench_deferred). Counting is off
// (one predictable branch per call) until a benchmark turns it on around a
// single-threaded section; the counters are plain integers, so nothing may
// allocate on another thread meanwhile. C++ exception objects come from the
// runtime's own allocator and are not counted.
#pragma once

#include <cstdint>

namespace twisted_bench {

struct AllocCounters {
  std::uint64_t news = 0;     // operator new calls (every form)
  std::uint64_t bytes = 0;    // bytes requested from them
  std::uint64_t deletes = 0;  // operator delete calls on non-null pointers
};

/// Counting on/off (off at start).
extern bool g_countAllocs;
/// What was counted while it was on.
extern AllocCounters g_allocs;

}  // namespace twisted_bench
