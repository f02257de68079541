#!/usr/bin/env bash
# run_micro.sh - build micro_twistedcpp (release preset) and run it beside the
# peers of ../shared/bench/micro (asio, libuv, Python Twisted) in one run of
# that directory's run.sh. Prints the tables and where the report is.
#
# Knobs (defaults in brackets; the rest of run.sh's knobs pass through too,
# e.g. PEERS, CPU, TIMEOUT):
#   SCENARIOS   [timers post call_soon]
#   MICRO_N     [1000000]  operations per repetition
#   MICRO_REPS  [5]        repetitions
#   OUT_DIR     [build/release/bench/micro-out/<timestamp>]  results.tsv,
#               machine.txt, report.md, the peers' stderr
#   BUILD_JOBS  [2]        parallel compile jobs for our target
#
# shared/ is read-only for this project, and run.sh builds its peers into its
# own directory (build/) and writes its output beside itself (out/). So this
# script runs a private copy of the harness, refreshed from
# ../shared/bench/micro on every run (timestamps kept, so the peers are rebuilt
# only when their sources change), in build/release/bench/micro-harness.
# Docs: docs/benchmarks.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=${SHARED_MICRO_DIR:-$ROOT/../shared/bench/micro}
if [[ ! -x $SHARED/run.sh ]]; then
  echo "run_micro: $SHARED/run.sh not found (../shared must sit beside the project)" >&2
  exit 2
fi

# The peers' Debian packages (asio, libuv, Python Twisted) and ours.
TWISTED_BENCH_DEPS=1 scripts/deps.sh

cmake --preset release >/dev/null
cmake --build --preset release --target micro_twistedcpp -j "${BUILD_JOBS:-2}"
BIN=$ROOT/build/release/bench/micro_twistedcpp

HARNESS=$ROOT/build/release/bench/micro-harness
mkdir -p "$HARNESS"
chmod -R u+w "$HARNESS"
for f in run.sh build.sh measure.py report.py peakrss.c README.md peers; do
  cp -pR "$SHARED/$f" "$HARNESS/"
done
chmod -R u+w "$HARNESS"

export SCENARIOS=${SCENARIOS:-timers post call_soon}
export MICRO_N=${MICRO_N:-1000000}
export MICRO_REPS=${MICRO_REPS:-5}
export OUT_DIR=${OUT_DIR:-$ROOT/build/release/bench/micro-out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

rc=0
EXTRA_MICRO="twistedcpp:$BIN${EXTRA_MICRO:+,$EXTRA_MICRO}" "$HARNESS/run.sh" || rc=$?
echo >&2
echo "report: $OUT_DIR/report.md (raw rows: results.tsv; machine.txt; <peer>.log)" >&2
exit $rc
