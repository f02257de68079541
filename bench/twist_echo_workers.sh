#!/usr/bin/env bash
# twist_echo_workers.sh TWIST WORKERS PORT: `twist echo` with --workers
# WORKERS on 127.0.0.1:PORT, as the shared echo harness starts a server (it
# appends the port). Used by run_workers.sh.
set -euo pipefail
twist=$1 workers=$2 port=$3
exec "$twist" --log-level warn --log-format text --workers "$workers" ${PIN_WORKERS:+--pin-workers} \
  echo --listen "tcp:$port:interface=127.0.0.1:backlog=4096"
