#!/usr/bin/env bash
# examples/unix/unix_echo_server, driven from outside with Python sockets:
# echo over a Unix socket, the socket file's removal on SIGTERM, a stale
# socket file (left by SIGKILL) replaced on restart, the abstract namespace.
# Usage: unix.sh EXAMPLES_DIR
set -euo pipefail
ex=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.out; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}

# serve NAME PATH: starts the server and waits for its "listening" line.
serve() {
  "$ex/unix_echo_server" "$2" >"$tmp/$1.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    grep -q "^Echo server listening on" "$tmp/$1.out" && return 0
    sleep 0.05
  done
  fail "unix_echo_server $2 did not start"
}

# client ADDRESS: echoes a line and 1 MiB through the server.
client() {
  timeout 20 "$py" - "$1" <<'PY' || fail "client of $1"
import socket, sys, threading
address = sys.argv[1]
if address.startswith("@"):
    address = "\0" + address[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(address)
s.sendall(b"hello over unix\n")
assert s.recv(100) == b"hello over unix\n"
blob = bytes(range(256)) * 4096
# Send from a thread: the server stops reading while we do not read.
sender = threading.Thread(target=s.sendall, args=(blob,))
sender.start()
got = b""
while len(got) < len(blob):
    chunk = s.recv(65536)
    assert chunk
    got += chunk
sender.join()
assert got == blob
s.close()
PY
}

sock=$tmp/echo.sock
serve first "$sock"
client "$sock"
grep -q "^connection from pid [0-9]*, uid $(id -u)$" "$tmp/first.out" || fail "no peer credentials line"
[[ -S $sock ]] || fail "no socket file"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
grep -q "^Echo server stopped.$" "$tmp/first.out" || fail "did not stop cleanly"
[[ ! -e $sock ]] || fail "socket file left after SIGTERM"

# SIGKILL leaves the file; the next server replaces it.
serve second "$sock"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[[ -S $sock ]] || fail "SIGKILL removed the socket file?"
serve third "$sock"
client "$sock"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"

# The abstract namespace: no file at all.
name="@twistedcpp-example-$$"
serve abstract "$name"
client "$name"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? after SIGTERM"
echo "unix example ok"
