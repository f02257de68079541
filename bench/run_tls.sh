#!/usr/bin/env bash
# run_tls.sh - the TLS benchmarks of issue 13: echo servers over TLS 1.3 and
# full-handshake rates, driven by bench/tls/tls_loadgen (one thread, OpenSSL,
# epoll, every echoed byte verified). Servers:
#   ours       bench/tls/tls_echo_server.cpp: reactor.listenSSL + Echo
#   openssl    bench/tls/tls_echo_openssl.cpp: hand-written OpenSSL + epoll
#   plain      bench/echo_server.cpp: our cleartext echo server (listenTCP)
#   s_server   `openssl s_server -www` (handshakes only: a sequential server)
# Cells (scenario letters as in ../shared/bench):
#   b     pingpong, 100 connections x 64 B            ours openssl plain
#   e     stream, 10 connections x 64 KiB writes      ours openssl plain
#         (window 128 KiB per connection)
#   hs1   full handshakes, 1 at a time                ours openssl s_server
#   hs8   full handshakes, 8 concurrent               ours openssl
# TLS 1.3, TLS_AES_128_GCM_SHA256, X25519 key exchange, ECDSA P-256
# certificate (self-signed, made here), no session tickets or resumption.
# Each cell runs RUNS times, the cells interleaved within each run; each
# run gets a fresh server pinned to SERVER_CPU and the load generator pinned
# to LOADGEN_CPU. Work per server CPU-second = work / (server utime+stime
# over the measured window, from /proc/PID/stat).
#
# Usage: bench/run_tls.sh [LABEL]   (default: a timestamp)
# Knobs: RUNS [3] SECONDS_PER_RUN [5] WARMUP [0.5] CELLS [all, e.g.
# "ours:b openssl:b"] SERVER_CPU [0] LOADGEN_CPU [1] PORT_BASE [24100]
# BUILD_DIR [build/release, via the release preset] BUILD_JOBS [1]
# Writes bench/tls-results/LABEL/: results.tsv (one loadgen line per run),
# machine.txt, <server>.log, report.md (printed too). Each measurement holds
# /tmp/twistedcpp-bench.lock exclusively (the build holds it shared); the
# report marks runs where other processes used >= 15% of a CPU with "!".
# Docs: docs/benchmarks-tls.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LABEL=${1:-$(date +%Y%m%d-%H%M%S)}
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
WARMUP=${WARMUP:-0.5}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
PORT_BASE=${PORT_BASE:-24100}
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
LOCK=/tmp/twistedcpp-bench.lock
CELLS=${CELLS:-"ours:b openssl:b plain:b ours:e openssl:e plain:e ours:hs1 openssl:hs1 s_server:hs1 ours:hs8 openssl:hs8"}

exec 9>"$LOCK"
flock -s 9
if [[ $BUILD_DIR == "$ROOT/build/release" ]]; then
  cmake --preset release >/dev/null
else
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DTWISTED_BUILD_BENCH=ON -DTWISTED_BUILD_TESTS=OFF -DTWISTED_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${BUILD_JOBS:-1}" --target bench_echo_server bench_tls_echo_server \
  bench_tls_echo_openssl bench_tls_loadgen
flock -u 9
B=$BUILD_DIR/bench
LOADGEN=$B/bench_tls_loadgen

OUT=$ROOT/bench/tls-results/$LABEL
mkdir -p "$OUT"
PKI=$BUILD_DIR/bench/tls-pki  # throwaway key: not committed
mkdir -p "$PKI"
if [[ ! -s $PKI/key.pem ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/key.pem" \
    -out "$PKI/cert.pem" -days 3650 -subj /CN=localhost 2>/dev/null
fi
KEY=$PKI/key.pem
CERT=$PKI/cert.pem

server_cmd() {  # server_cmd NAME PORT
  case $1 in
    ours) echo "$B/bench_tls_echo_server $KEY $CERT $2" ;;
    openssl) echo "$B/bench_tls_echo_openssl $KEY $CERT $2" ;;
    plain) echo "$B/bench_echo_server $2" ;;
    s_server) echo "openssl s_server -quiet -www -no_cache -num_tickets 0 -accept 127.0.0.1:$2 -cert $CERT -key $KEY" ;;
  esac
}
scenario_args() {
  case $1 in
    b) echo "--mode pingpong --conns 100 --size 64" ;;
    e) echo "--mode stream --conns 10 --size 65536 --window 131072" ;;
    hs1) echo "--mode handshake --conns 1" ;;
    hs8) echo "--mode handshake --conns 8" ;;
  esac
}

alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [[ -n $state && $state != Z ]]
}
SPID=
stop_server() {  # by PID only: TERM, then KILL after 5 s
  kill "$SPID" 2>/dev/null || true
  for _ in $(seq 50); do alive "$SPID" || break; sleep 0.1; done
  alive "$SPID" && kill -9 "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null || true
  SPID=
}
trap '[[ -n $SPID ]] && stop_server' EXIT
trap 'exit 130' INT TERM

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src include bench/tls || echo '+dirty')"
  echo "nproc: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "openssl: $(openssl version)"
  echo "tls: TLSv1.3 TLS_AES_128_GCM_SHA256, X25519, ECDSA P-256 certificate, no tickets/resumption"
  echo "runs: $RUNS seconds_per_run: $SECONDS_PER_RUN warmup: $WARMUP server_cpu: $SERVER_CPU loadgen_cpu: $LOADGEN_CPU"
  echo "uptime at start: $(uptime)"
} >"$OUT/machine.txt"
: >"$OUT/results.tsv"

port=$PORT_BASE
for run in $(seq "$RUNS"); do
  for cell in $CELLS; do
    srv=${cell%%:*} scen=${cell#*:}
    port=$((port + 1))
    plain=()
    [[ $srv == plain ]] && plain=(--plain)
    read -ra argv <<<"$(server_cmd "$srv" "$port")"
    taskset -c "$SERVER_CPU" "${argv[@]}" </dev/null >>"$OUT/$srv.log" 2>&1 &
    SPID=$!
    for _ in $(seq 100); do
      ss -Hltn "sport = :$port" | grep -q . && break
      alive "$SPID" || break
      sleep 0.05
    done
    read -ra sargs <<<"$(scenario_args "$scen")"
    rc=0
    line=$(flock "$LOCK" taskset -c "$LOADGEN_CPU" "$LOADGEN" --port "$port" --server-pid "$SPID" \
      --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" "${plain[@]}" "${sargs[@]}" 2>>"$OUT/loadgen.log") || rc=$?
    stop_server
    status=ok
    [[ $rc != 0 ]] && status="fail(rc=$rc)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$run" "$srv" "$scen" "$status" "$line" >>"$OUT/results.tsv"
    printf 'run %s %-8s %-3s %s %s\n' "$run" "$srv" "$scen" "$status" "$line" >&2
  done
done
python3 "$ROOT/bench/tls/report.py" "$OUT" | tee "$OUT/report.md"
