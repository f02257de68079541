#!/usr/bin/env bash
# run_unix_echo.sh - our echo server over a Unix socket beside the same server
# over TCP, in the echo harness's scenarios (b) 100 connections x 64 B
# ping-pong and (e) 10 connections streaming 64 KiB writes, each run REPS
# times, alternating; prints the medians and the Unix/TCP ratios.
#
# The load generator is ../shared/bench's, made to speak Unix sockets by
# bench/unix_loadgen.py (a copy with `--unix PATH`; ../shared is read-only);
# the TCP runs use the very same binary without --unix. The server is
# bench/echo_server.cpp (release), with --unix PATH for the Unix runs.
# Server pinned to SERVER_CPU [0], load generator to LOADGEN_CPU [1].
# Knobs: REPS [3], SECONDS_PER_RUN [5], WARMUP [0.5], SCENARIOS [b e],
# BUILD_DIR [build/release], EXTRA_TCP_SERVER (another TCP echo binary, e.g.
# main's, measured as "tcp-base"). Holds /tmp/twistedcpp-bench.lock while
# measuring. Never run it while anything else runs (check `uptime`).
# Docs: docs/benchmarks-echo.md, "Unix sockets".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=${SHARED_BENCH_DIR:-$ROOT/../shared/bench}
REPS=${REPS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
WARMUP=${WARMUP:-0.5}
SCENARIOS=${SCENARIOS:-b e}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}

# The lock first: even the builds below would disturb someone else's run.
exec 9>/tmp/twistedcpp-bench.lock
flock 9
if [[ $BUILD_DIR == $ROOT/build/release ]]; then
  cmake --preset release >/dev/null
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTWISTED_BUILD_BENCH=ON -DTWISTED_BUILD_TESTS=OFF -DTWISTED_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target bench_echo_server -j "${BUILD_JOBS:-2}"
SERVER=$BUILD_DIR/bench/bench_echo_server
work=$BUILD_DIR/bench/unix-echo
mkdir -p "$work"
python3 "$ROOT/bench/unix_loadgen.py" "$SHARED/loadgen/loadgen.cpp" "$work/loadgen.cpp"
g++ -O2 -DNDEBUG -std=c++17 -Wall -Wextra -o "$work/loadgen" "$work/loadgen.cpp"
LOADGEN=$work/loadgen
out=$work/out-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
sock=$out/echo.sock

declare -A SCEN=(
  [b]="pingpong --conns 100 --size 64"
  [e]="stream --conns 10 --size 65536 --window 131072"
)
SPID=
stop_server() {
  [[ -n $SPID ]] || return 0
  kill "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=
}
trap stop_server EXIT

# run_one KIND SCENARIO -> appends "KIND SCENARIO rate server_cpu_pct" to results
port=23000
run_one() {
  local kind=$1 id=$2 target
  port=$((port + 1))
  rm -f "$sock"
  case $kind in
    unix) taskset -c "$SERVER_CPU" "$SERVER" --unix "$sock" 1 >>"$out/server.log" 2>&1 & target=(--unix "$sock" --port 1) ;;
    tcp) taskset -c "$SERVER_CPU" "$SERVER" "$port" >>"$out/server.log" 2>&1 & target=(--port "$port") ;;
    tcp-base) taskset -c "$SERVER_CPU" "$EXTRA_TCP_SERVER" "$port" >>"$out/server.log" 2>&1 & target=(--port "$port") ;;
  esac
  SPID=$!
  for _ in $(seq 100); do
    "$LOADGEN" "${target[@]}" --mode idle --conns 1 --seconds 0 --setup-timeout 2 >/dev/null 2>&1 && break
    sleep 0.1
  done
  read -ra sargs <<<"${SCEN[$id]}"
  local line
  line=$(taskset -c "$LOADGEN_CPU" "$LOADGEN" "${target[@]}" --server-pid "$SPID" --mode "${sargs[@]}" \
    --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" 2>>"$out/loadgen.log")
  stop_server
  echo "$kind/$id: $line" >&2
  local rate cpu
  if [[ $id == e ]]; then rate=$(sed -n 's/.* mib_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
  else rate=$(sed -n 's/.* msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$line"); fi
  cpu=$(sed -n 's/.* server_cpu_pct=\([0-9.]*\).*/\1/p' <<<"$line")
  echo "$kind $id $rate $cpu" >>"$out/results.txt"
}

kinds=(tcp unix)
[[ -n ${EXTRA_TCP_SERVER:-} ]] && kinds=(tcp-base tcp unix)
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  kernel: $(uname -r)  nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "uptime before: $(uptime)"
} >"$out/machine.txt"
for rep in $(seq "$REPS"); do
  for id in $SCENARIOS; do
    for kind in "${kinds[@]}"; do run_one "$kind" "$id"; done
  done
done
flock -u 9
echo "uptime after: $(uptime)" >>"$out/machine.txt"

python3 - "$out/results.txt" "${kinds[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
kinds = sys.argv[2:]
unit = {"b": "msgs/s", "e": "MiB/s"}
def med(kind, sid, per_cpu):
    vals = [float(r[2]) / (float(r[3]) / 100 if per_cpu else 1) for r in rows if r[0] == kind and r[1] == sid]
    return statistics.median(vals) if vals else float("nan")
print("| scenario | measure | " + " | ".join(kinds) + " | unix / tcp |")
print("|---|---|" + "---|" * len(kinds) + "---|")
for sid in sorted({r[1] for r in rows}):
    for per_cpu in (False, True):
        m = {k: med(k, sid, per_cpu) for k in kinds}
        name = unit[sid] + (" per server CPU-second" if per_cpu else "")
        cells = " | ".join("%.0f" % m[k] if m[k] >= 100 else "%.1f" % m[k] for k in kinds)
        print("| (%s) | %s | %s | %.2f |" % (sid, name, cells, m["unix"] / m["tcp"]))
PY
echo "raw: $out" >&2
