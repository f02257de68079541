#!/usr/bin/env bash
# run_workers.sh - one reactor per core: `twist echo --workers N` (N threads,
# each with its own reactor and its own SO_REUSEPORT socket on the port)
# through the shared echo harness (../shared/bench/run.sh, as run_echo.sh
# runs it), for each N in WORKERS, on scenarios (b) 100 and (c) 1000
# ping-pong connections and (f) the connection rate. Prints where each
# report is; each report has raw throughput and the server's CPU time, so
# work per server CPU-second can be read beside it.
#
# Knobs (defaults in brackets); the harness's own knobs pass through
# (SECONDS_PER_RUN [5], WARMUP, PORT_BASE, ...):
#   WORKERS      [1 2]        worker counts to run, e.g. "1 2 4 8 16" on 16 cores
#   SCENARIOS    [b c f]
#   SERVER_CPUS  [0-(N-1)]    CPUs the server may use for N workers (taskset list);
#                             e.g. SERVER_CPUS=0-7 keeps it fixed
#   LOADGEN_CPU  [the CPUs after the server's; all CPUs when none are left]
#   PIN_WORKERS  []           set to pass --pin-workers (worker i on the i-th allowed CPU)
#   BASELINE     [1]          also run bench_echo_server (single reactor) as "twistedcpp"
#   BUILD_DIR    [build/release]   BUILD_JOBS [2]
#   OUT_DIR      [$BUILD_DIR/bench/workers-out/<timestamp>]  one subdirectory per N
#
# On a machine with fewer cores than N + 1 the load generator competes with
# the workers: compare per server CPU-second as well as raw throughput.
# Never benchmark while anything else runs on the machine (check `uptime`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/bench/echo_harness.sh"
echo_harness_setup run_workers twist bench_echo_server
TWIST=$BUILD_DIR/apps/twist/twist
BIN=$BUILD_DIR/bench/bench_echo_server
WRAP=$ROOT/bench/twist_echo_workers.sh

OUT_ROOT=${OUT_DIR:-$BUILD_DIR/bench/workers-out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_ROOT"
OUT_ROOT=$(cd "$OUT_ROOT" && pwd)
export SCENARIOS=${SCENARIOS:-b c f} IDLE=${IDLE:-0}
ncpu=$(nproc)
rc=0
for n in ${WORKERS:-1 2}; do
  server_cpus=${SERVER_CPUS:-0-$((n > ncpu ? ncpu - 1 : n - 1))}
  last=${server_cpus##*[-,]}
  if [[ -n ${LOADGEN_CPU:-} ]]; then
    loadgen_cpus=$LOADGEN_CPU
  elif ((last + 1 < ncpu)); then
    loadgen_cpus=$((last + 1))-$((ncpu - 1))
  else
    loadgen_cpus=0-$((ncpu - 1))
  fi
  servers="twist-w$n"
  extra="twist-w$n:$WRAP $TWIST $n"
  if [[ ${BASELINE:-1} == 1 && $n == 1 ]]; then
    servers="twistedcpp $servers"
    extra="twistedcpp:$BIN,$extra"
  fi
  echo "== $n worker(s): server on CPUs $server_cpus, load generator on $loadgen_cpus" >&2
  OUT_DIR=$OUT_ROOT/w$n SERVER_CPU=$server_cpus LOADGEN_CPU=$loadgen_cpus SERVERS="$servers" \
    EXTRA_SERVER="$extra" "$HARNESS/run.sh" || rc=$?
  echo "report: $OUT_ROOT/w$n/report.md" >&2
done
exit $rc
