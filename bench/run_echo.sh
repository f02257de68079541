#!/usr/bin/env bash
# run_echo.sh - build bench/echo_server (release) and run it beside the
# reference servers of ../shared/bench (epoll_raw, asio, libuv, libevent,
# Python Twisted, uvloop) in one run of that directory's run.sh: scenarios
# a-f plus the idle cost. Prints the Markdown tables and where the raw logs are.
#
# Knobs (defaults in brackets). Every knob of the harness's run.sh passes
# through: SECONDS_PER_RUN [5], WARMUP [0.5], SCENARIOS [a b c d e f],
# IDLE [1], IDLE_SECONDS [5], STREAM_WINDOW, SERVER_CPU [0], LOADGEN_CPU [1],
# PORT_BASE, PYTHON; SERVERS picks and orders the servers (our server's name
# is "twistedcpp": SERVERS="epoll_raw libuv twistedcpp"); EXTRA_SERVER adds
# more servers after ours. Own knobs:
#   BUILD_DIR   [build/release, via the release preset]  any other directory
#               is configured Release with TWISTED_BUILD_BENCH=ON, no tests
#   OUT_DIR     [$BUILD_DIR/bench/echo-out/<timestamp>]  results.tsv,
#               machine.txt, report.md, each server's and loadgen's log
#   BUILD_JOBS  [2]  parallel compile jobs for our target
#   ECHO_ARGS   []   extra arguments for echo_server (e.g. "--reactor poll")
#
# ../shared is read-only for this project and its run.sh builds the loadgen
# and the C/C++ peers beside itself (build/), so this script runs a private
# copy of the harness, refreshed from ../shared/bench on every run (timestamps
# kept, so build.sh rebuilds only what changed), in $BUILD_DIR/bench/echo-harness.
# Never benchmark while anything else runs on the machine (check `uptime`):
# the report flags disturbed cells with "!". Docs: docs/benchmarks-echo.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/bench/echo_harness.sh"
echo_harness_setup run_echo bench_echo_server
BIN=$BUILD_DIR/bench/bench_echo_server

export OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench/echo-out/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)

ours="twistedcpp:$BIN${ECHO_ARGS:+ $ECHO_ARGS}"
rc=0
EXTRA_SERVER="$ours${EXTRA_SERVER:+,$EXTRA_SERVER}" "$HARNESS/run.sh" || rc=$?
echo >&2
echo "report: $OUT_DIR/report.md (raw rows: results.tsv; machine.txt; <server>.<scenario>.log)" >&2
exit $rc
