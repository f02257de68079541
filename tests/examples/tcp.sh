#!/usr/bin/env bash
# The seeds' TCP examples, each server run with its client (or a Python
# socket client), checked by what both print.
# Usage: tcp.sh MODE EXAMPLES_DIR
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

# serve NAME CMD...: starts a server that prints "... port N." and sets $port.
serve() {
  local out=$tmp/$1.server
  shift
  "$@" >"$out" 2>&1 &
  pids+=($!)
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*port \([0-9]*\)\.$/\1/p' "$out" | head -1 || true)
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  fail "$* did not start"
}

# A port nobody listens on: bound by this script, never listened on.
closed_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case $mode in
  chat)
    serve chat "$ex/chat_server" 0
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
say(fb, b"hi alice"); expect(fa, b"<bob> hi alice")
fb.close(); b.close()
# bob's name is free again once he has gone.
c, fc = user(); expect(fc, b"What's your name?")
for _ in range(100):
    say(fc, b"bob")
    got = fc.readline()
    if got == b"Welcome, bob!\r\n":
        break
    assert got == b"Name taken, please choose another.\r\n", got
else:
    raise SystemExit("bob never left")
say(fc, b"back"); expect(fa, b"<bob> back")
print("chat ok")
PY
    grep -q '^chat ok$' "$tmp/client" || fail "chat"
    ;;

  qotd)
    # The QOTD server, read by the seed's ClientFactory client.
    serve qotd "$ex/qotd_server" 0
    timeout 20 "$ex/echo_client" 127.0.0.1 "$port" >"$tmp/client" 2>&1 || fail "echo_client"
    expected=$'Started to connect.\nConnected.\nAn apple a day keeps the doctor away\r\n\nLost connection.  Reason: [Failure instance: Traceback: twisted::internet::error::ConnectionDone: Connection was closed cleanly.'
    [[ $(head -c ${#expected} "$tmp/client") == "$expected" ]] || fail "qotd output"
    ;;

  echo)
    serve echo "$ex/echo_server" 0
    timeout 20 "$ex/echo_client" 127.0.0.1 "$port" "hello, echo" >"$tmp/client" 2>&1 ||
      fail "echo_client"
    expected=$'Started to connect.\nConnected.\nhello, echo\nLost connection.  Reason: [Failure instance: Traceback: twisted::internet::error::ConnectionDone'
    [[ $(head -c ${#expected} "$tmp/client") == "$expected" ]] || fail "echo output"
    # A server that is not there: clientConnectionFailed.
    timeout 20 "$ex/echo_client" 127.0.0.1 "$(closed_port)" >"$tmp/refused" 2>&1 ||
      fail "echo_client (refused)"
    grep -q '^Started to connect.$' "$tmp/refused" || fail "refused: no startedConnecting"
    grep -q '^Connection failed. Reason: \[Failure instance: .*ConnectionRefusedError' \
      "$tmp/refused" || fail "refused output"
    ! grep -q 'Connected.' "$tmp/refused" || fail "refused: built a protocol"
    ;;

  client_creator)
    serve echo "$ex/echo_server" 0
    timeout 20 "$ex/client_creator" 127.0.0.1 "$port" 0.05 >"$tmp/client" 2>&1 ||
      fail "client_creator"
    expected=$'Received: MESSAGE Hello\nReceived: MESSAGE This is sent in a second\nConnection lost: Connection was closed cleanly.'
    [[ $(cat "$tmp/client") == "$expected" ]] || fail "client_creator output"
    timeout 20 "$ex/client_creator" 127.0.0.1 "$(closed_port)" 0.05 >"$tmp/refused" 2>&1 ||
      fail "client_creator (refused)"
    grep -q '^Connection failed: Connection was refused' "$tmp/refused" || fail "refused output"
    ;;

  poetry)
    # The Twisted poetry client against the Twisted poetry server and the
    # seed's slow server, plus one address that refuses.
    serve fast "$ex/fast_poetry_server"
    fast=$port
    serve slow "$ex/slow_poetry_server" --num-bytes 50 --delay 0.005
    slow=$port
    timeout 30 "$ex/twisted_get_poetry" "127.0.0.1:$fast" "$slow" >"$tmp/client" 2>&1 ||
      fail "twisted_get_poetry"
    [[ $(grep -c "^Shall I compare thee to a summer's day?$" "$tmp/client") == 2 ]] || fail "poems"
    [[ $(grep -c '^So long lives this, and this gives life to thee.$' "$tmp/client") == 2 ]] ||
      fail "poems are cut"
    grep -q '^Got 2 poems in .* (0 failed)$' "$tmp/client" || fail "summary"
    rc=0
    timeout 30 "$ex/twisted_get_poetry" "$fast" "127.0.0.1:$(closed_port)" >"$tmp/partial" 2>&1 ||
      rc=$?
    [[ $rc == 1 ]] || fail "a failed poem exited with $rc"
    grep -q '^Poem failed: \[Failure instance: .*ConnectionRefusedError' "$tmp/partial" ||
      fail "no failure reported"
    grep -q '^Got 1 poems in .* (1 failed)$' "$tmp/partial" || fail "partial summary"
    ;;

  *)
    echo "unknown mode $mode"
    exit 2
    ;;
esac
echo "example $mode: ok"
