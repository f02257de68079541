#!/usr/bin/env bash
# run_process.sh - the process benchmarks of issue 12, every peer in one run:
# spawn + reap of /bin/true with INFLIGHT children at once (processes per
# second and parent CPU per process), and /bin/cat piping BYTES through
# stdin -> stdout (MiB/s and MiB per parent CPU-second). Peers:
#   raw         bench/process/process_raw.cpp: posix_spawn + pidfd_open +
#               epoll + waitid(P_PIDFD), hand-written
#   twistedcpp  bench/process/process_twistedcpp.cpp: reactor().spawnProcess
#   libuv       bench/process/process_libuv.cpp: uv_spawn (libuv1-dev)
#   twisted     bench/process/process_twisted.py: Python Twisted's
#               reactor.spawnProcess, epoll reactor (/usr/bin/python3)
# Each (test, peer) runs REPS times, the peers alternating within each
# repetition; every run checks its children's exit status and the exact
# byte count and exits non-zero otherwise (this script then stops). Prints
# Markdown tables: medians [min-max] and ratios of medians.
#
# Knobs (defaults in brackets):
#   REPS [3]  N [5000] processes per spawn run  TWISTED_N [1000] (Python
#   Twisted needs ~10 ms of parent CPU per process)  INFLIGHT [16]
#   VARIANTS [pipes devnull]: "pipes" = Twisted's default childFDs (stdin,
#   stdout, stderr pipes read to EOF), "devnull" = /dev/null as 0, 1, 2
#   BYTES [1073741824]  PEERS [raw twistedcpp libuv twisted]
#   TESTS [spawn cat]  BUILD_DIR [build/release, via the release preset]
#   OUT_DIR [$BUILD_DIR/bench/process-out/<timestamp>]: results.txt (one
#   result line per run), machine.txt, report.md
# Holds /tmp/twistedcpp-bench.lock (shared while building, exclusive while
# measuring). Nothing is pinned: a child runs wherever the kernel puts it.
# Never run it while anything else runs (check `uptime`).
# Docs: docs/benchmarks-process.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
REPS=${REPS:-3}
N=${N:-5000}
TWISTED_N=${TWISTED_N:-1000}
INFLIGHT=${INFLIGHT:-16}
VARIANTS=${VARIANTS:-pipes devnull}
BYTES=${BYTES:-1073741824}
PEERS=${PEERS:-raw twistedcpp libuv twisted}
TESTS=${TESTS:-spawn cat}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}

# libuv1-dev (and the other peers' packages) if missing.
TWISTED_BENCH_DEPS=1 scripts/deps.sh

exec 9>/tmp/twistedcpp-bench.lock
flock -s 9
if [[ $BUILD_DIR == "$ROOT/build/release" ]]; then
  cmake --preset release >/dev/null
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTWISTED_BUILD_BENCH=ON -DTWISTED_BUILD_TESTS=OFF -DTWISTED_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target process_raw process_twistedcpp process_libuv -j "${BUILD_JOBS:-2}"
flock -u 9

OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench/process-out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
: >"$OUT_DIR/results.txt"

cmd_of() {  # cmd_of PEER -> the command (an array in CMD)
  case $1 in
    twisted) CMD=(/usr/bin/python3 "$ROOT/bench/process/process_twisted.py") ;;
    *) CMD=("$BUILD_DIR/bench/process_$1") ;;
  esac
}

run_one() {  # run_one PEER ARGS... -> appends the result line
  cmd_of "$1"
  shift
  local line
  if ! line=$("${CMD[@]}" "$@" 2>>"$OUT_DIR/stderr.log"); then
    echo "run_process: ${CMD[*]} $* failed (see $OUT_DIR/stderr.log)" >&2
    tail -3 "$OUT_DIR/stderr.log" >&2
    exit 1
  fi
  echo "$line" | tee -a "$OUT_DIR/results.txt" >&2
}

flock -x 9
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  kernel: $(uname -r)  nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include bench || echo ' (modified)')"
  echo "libuv: $(dpkg-query -W -f='${Version}' libuv1-dev 2>/dev/null)  python3-twisted: $(dpkg-query -W -f='${Version}' python3-twisted 2>/dev/null)  glibc: $(ldd --version | head -1 | awk '{print $NF}')"
  echo "knobs: REPS=$REPS N=$N TWISTED_N=$TWISTED_N INFLIGHT=$INFLIGHT VARIANTS='$VARIANTS' BYTES=$BYTES PEERS='$PEERS'"
  echo "uptime before: $(uptime)"
} >"$OUT_DIR/machine.txt"
for rep in $(seq "$REPS"); do
  for test in $TESTS; do
    if [[ $test == spawn ]]; then
      for v in $VARIANTS; do
        for p in $PEERS; do
          n=$N
          [[ $p == twisted ]] && n=$TWISTED_N
          run_one "$p" spawn "$n" "$INFLIGHT" "$v"
        done
      done
    else
      for p in $PEERS; do run_one "$p" cat "$BYTES"; done
    fi
  done
done
echo "uptime after: $(uptime)" >>"$OUT_DIR/machine.txt"
flock -u 9

python3 "$ROOT/bench/process/report.py" "$OUT_DIR/results.txt" $PEERS | tee "$OUT_DIR/report.md"
echo "raw: $OUT_DIR (results.txt, machine.txt, report.md, stderr.log)" >&2
