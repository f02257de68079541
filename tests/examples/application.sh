#!/usr/bin/env bash
# examples/application: the chat Application (serverFromString, drained by
# SIGTERM) and the ClientService reconnecting to an echo server that goes
# away and comes back.
# Usage: application.sh MODE EXAMPLES_DIR
set -euo pipefail
mode=$1 ex=$2
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
  for f in "$tmp"/*; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}
# wait_for FILE REGEX: until FILE has a line matching REGEX (bounded).
wait_for() {
  for _ in $(seq 400); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "no '$2' in $1"
}

case $mode in
  chat)
    "$ex/chat_application" "tcp:0:interface=127.0.0.1" >"$tmp/server" 2>&1 &
    server=$!
    pids+=($server)
    wait_for "$tmp/server" "listening on port"
    port=$(sed -n 's/.*port \([0-9]*\)\.$/\1/p' "$tmp/server" | head -1)
    "$py" - "$port" >"$tmp/client" 2>&1 <<'PY' || fail "chat client"
import socket, sys
port = int(sys.argv[1])
def user():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s, s.makefile("rwb")
def expect(f, line):
    got = f.readline()
    assert got == line + b"\r\n", (got, line)
def say(f, line):
    f.write(line + b"\r\n"); f.flush()
a, fa = user(); expect(fa, b"What's your name?"); say(fa, b"alice"); expect(fa, b"Welcome, alice!")
b, fb = user(); expect(fb, b"What's your name?"); say(fb, b"alice")
expect(fb, b"Name taken, please choose another."); say(fb, b"bob"); expect(fb, b"Welcome, bob!")
say(fa, b"hello bob"); expect(fb, b"<alice> hello bob")
PY
    kill -TERM "$server"
    status=0
    wait "$server" || status=$?
    [[ $status == 0 ]] || fail "chat_application exited with $status after SIGTERM"
    grep -q "Chat service stopping." "$tmp/server" || fail "the service was not stopped"
    grep -q "Chat application stopped (running: no)." "$tmp/server" || fail "no clean stop"
    echo "chat application OK"
    ;;
  reconnect)
    port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$tmp/echo.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
print("echo up", flush=True)
c, _ = s.accept()
f = c.makefile("rwb")
line = f.readline()
f.write(line); f.flush()
print("echoed", line.strip().decode(), flush=True)
# One echo per run: then the server goes away.
f.close(); c.close(); s.close()
PY
    "$ex/reconnecting_client" "$port" 2 >"$tmp/client" 2>&1 &
    client=$!
    pids+=($client)
    # The client starts before any server: it must retry until one is up.
    wait_for "$tmp/client" "first attempt failed"
    "$py" "$tmp/echo.py" "$port" >"$tmp/echo1" 2>&1 || fail "first echo server"
    wait_for "$tmp/client" "echo: hello 1"
    wait_for "$tmp/client" "connection lost"
    "$py" "$tmp/echo.py" "$port" >"$tmp/echo2" 2>&1 || fail "second echo server"
    status=0
    wait "$client" || status=$?
    [[ $status == 0 ]] || fail "reconnecting_client exited with $status"
    grep -q "echo: hello 2" "$tmp/client" || fail "no second echo"
    grep -q "stopped after 2 echoes" "$tmp/client" || fail "no clean stop"
    echo "reconnecting client OK"
    ;;
  *) fail "unknown mode $mode" ;;
esac
