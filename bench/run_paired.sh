#!/usr/bin/env bash
# run_paired.sh - paired runs of one echo scenario, for a noisy machine.
# A whole harness run (run_echo.sh) runs each server once per scenario, and
# on a shared virtual machine epoll_raw itself can move by ±20% from one run
# to the next, so its ratios move with it. Here epoll_raw and each of our
# backends run back to back, REPS times, each on a fresh server with the
# harness's load generator and settings (pinned, same warm-up); each of our
# runs is divided by the epoll_raw run just before it, and the median of
# those ratios is printed. Metric: work per server CPU-second, as the
# harness reports it. docs/reactor-iouring.md used it for the io_uring figures.
#
# Knobs (defaults in brackets):
#   SCENARIO         [b]             the harness's scenario id, a-f
#   REACTORS         [epoll iouring] bench_echo_server --reactor values
#   REPS             [5]             pairs per reactor
#   SECONDS_PER_RUN  [3]   WARMUP [0.5]
#   SERVER_CPU       [0]   LOADGEN_CPU [1]
#   PORT_BASE        [19100]
#   BUILD_DIR        [build/release]  BUILD_JOBS [2]
# Never benchmark while anything else runs on the machine (check `uptime`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/bench/echo_harness.sh"
echo_harness_setup run_paired bench_echo_server
"$HARNESS/build.sh" >/dev/null

SCENARIO=${SCENARIO:-b}
REACTORS=${REACTORS:-epoll iouring}
REPS=${REPS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-3}
WARMUP=${WARMUP:-0.5}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
port=${PORT_BASE:-19100}

# The harness's scenarios (../shared/bench/run.sh).
case $SCENARIO in
  a) args=(pingpong --conns 1 --size 64) ;;
  b) args=(pingpong --conns 100 --size 64) ;;
  c) args=(pingpong --conns 1000 --size 64) ;;
  d) args=(pingpong --conns 10 --size 16384) ;;
  e) args=(stream --conns 10 --size 65536 --window "${STREAM_WINDOW:-131072}") ;;
  f) args=(connrate --conns 50 --size 64) ;;
  *) echo "run_paired: unknown scenario '$SCENARIO' (a-f)" >&2; exit 2 ;;
esac

LOADGEN=$HARNESS/build/loadgen
RAW=$HARNESS/build/epoll_raw
OURS=$BUILD_DIR/bench/bench_echo_server

# One run: prints work per server CPU-second (or nothing if it failed).
run_one() {  # run_one COMMAND...
  port=$((port + 1))
  taskset -c "$SERVER_CPU" "$@" "$port" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 50); do
    ss -ltn "sport = :$port" 2>/dev/null | grep -q LISTEN && break
    sleep 0.05
  done
  local out
  out=$(taskset -c "$LOADGEN_CPU" "$LOADGEN" --port "$port" --server-pid "$pid" --mode "${args[@]}" \
    --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" 2>/dev/null) || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  python3 - "$out" <<'EOF'
import re, sys
d = dict(re.findall(r'(\w+)=([0-9.]+|nan)', sys.argv[1]))
metric = next((k for k in ('msgs_per_s', 'conns_per_s', 'mib_per_s') if k in d), None)
cpu = float(d.get('server_cpu_pct', 'nan'))
if metric and cpu == cpu and cpu > 0:
    print(f"{float(d[metric]) * 100 / cpu:.1f}")
EOF
}

echo "scenario ($SCENARIO): ${args[*]}; work per server CPU-second; $REPS pairs per reactor"
declare -A ratios
for ((i = 1; i <= REPS; i++)); do
  line="pair $i:"
  for reactor in $REACTORS; do
    raw=$(run_one "$RAW")
    ours=$(run_one "$OURS" --reactor "$reactor")
    if [[ -z $raw || -z $ours ]]; then
      line+=" $reactor (failed)"
      continue
    fi
    ratio=$(python3 -c "print(f'{$ours / $raw:.2f}')")
    ratios[$reactor]+="$ratio "
    line+=" epoll_raw $raw, $reactor $ours (${ratio}x);"
  done
  echo "$line"
done
for reactor in $REACTORS; do
  python3 - "$reactor" ${ratios[$reactor]:-} <<'EOF'
import statistics, sys
name, values = sys.argv[1], [float(v) for v in sys.argv[2:]]
if values:
    print(f"{name}: median {statistics.median(values):.2f}x epoll_raw [{', '.join(f'{v:.2f}' for v in values)}]")
else:
    print(f"{name}: no successful pair")
EOF
done
