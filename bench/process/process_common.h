// process_common.h - what the C++ process benchmarks (process_twistedcpp,
// process_raw, process_libuv) share: the command line, the clocks and the
// one result line each prints. bench/run_process.sh parses that line; the
// Python Twisted peer (process_twisted.py) prints the same one.
//
// Command lines (every program):
//   PROG spawn N INFLIGHT pipes|devnull   spawn /bin/true N times, INFLIGHT at
//                                         once; "pipes": Twisted's default
//                                         childFDs (stdin, stdout, stderr
//                                         pipes, read to EOF); "devnull": the
//                                         child's 0, 1, 2 are /dev/null
//   PROG cat BYTES                        pipe BYTES through one /bin/cat
//
// Result lines (key=value, one line on stdout):
//   impl=NAME test=spawn variant=V n=N inflight=K wall_s=.. procs_per_s=..
//     parent_cpu_us_per_proc=.. user_s=.. sys_s=..
//   impl=NAME test=cat bytes=B wall_s=.. mib_per_s=.. parent_cpu_s=..
//     mib_per_cpu_s=.. user_s=.. sys_s=..
// Parent CPU is getrusage(RUSAGE_SELF) user + system, over the measured
// interval only (the children's CPU is not in it). A failed check (a child
// that did not exit 0, a byte count that is not exact) prints the reason on
// stderr and exits 3, so no result line comes from a broken run.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace process_bench {

struct Args {
  enum class Test { Spawn, Cat } test;
  long n = 0;           // spawn: processes
  int inflight = 0;     // spawn: at once
  bool pipes = true;    // spawn: pipes (true) or /dev/null
  long long bytes = 0;  // cat
};

inline void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s spawn N INFLIGHT pipes|devnull\n       %s cat BYTES\n", argv0,
               argv0);
  std::exit(2);
}

inline Args parseArgs(int argc, char** argv) {
  Args a{};
  if (argc == 5 && std::string_view(argv[1]) == "spawn") {
    a.test = Args::Test::Spawn;
    a.n = std::atol(argv[2]);
    a.inflight = std::atoi(argv[3]);
    std::string_view v(argv[4]);
    if (v != "pipes" && v != "devnull") usage(argv[0]);
    a.pipes = v == "pipes";
    if (a.n <= 0 || a.inflight <= 0) usage(argv[0]);
  } else if (argc == 3 && std::string_view(argv[1]) == "cat") {
    a.test = Args::Test::Cat;
    a.bytes = std::atoll(argv[2]);
    if (a.bytes <= 0) usage(argv[0]);
  } else {
    usage(argv[0]);
  }
  return a;
}

// Wall clock and this process's CPU (user, system), seconds.
struct Sample {
  double wall, user, sys;
};

inline Sample sample() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return {ts.tv_sec + ts.tv_nsec * 1e-9, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6,
          ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6};
}

[[noreturn]] inline void fail(const char* impl, const char* what) {
  std::fprintf(stderr, "%s: CHECK FAILED: %s\n", impl, what);
  std::exit(3);
}

inline void reportSpawn(const char* impl, const Args& a, Sample t0, Sample t1) {
  double wall = t1.wall - t0.wall, user = t1.user - t0.user, sys = t1.sys - t0.sys;
  std::printf(
      "impl=%s test=spawn variant=%s n=%ld inflight=%d wall_s=%.4f procs_per_s=%.1f "
      "parent_cpu_us_per_proc=%.2f user_s=%.4f sys_s=%.4f\n",
      impl, a.pipes ? "pipes" : "devnull", a.n, a.inflight, wall, a.n / wall,
      (user + sys) * 1e6 / a.n, user, sys);
}

inline void reportCat(const char* impl, const Args& a, Sample t0, Sample t1) {
  double wall = t1.wall - t0.wall, user = t1.user - t0.user, sys = t1.sys - t0.sys;
  double mib = a.bytes / 1048576.0;
  std::printf(
      "impl=%s test=cat bytes=%lld wall_s=%.4f mib_per_s=%.1f parent_cpu_s=%.4f "
      "mib_per_cpu_s=%.1f user_s=%.4f sys_s=%.4f\n",
      impl, a.bytes, wall, mib / wall, user + sys, mib / (user + sys), user, sys);
}

// The data written to cat: a fixed 64 KiB chunk (the last one shorter).
constexpr std::size_t kChunk = 64 * 1024;
inline const char* chunk() {
  static char buf[kChunk];
  static bool init = [] {
    for (std::size_t i = 0; i < kChunk; ++i)
      buf[i] = static_cast<char>('a' + i % 26);
    return true;
  }();
  (void)init;
  return buf;
}

}  // namespace process_bench
