#!/usr/bin/env bash
# The seeds' UDP examples (seed 001 §4), each server run with its client,
# checked by what both print.
# Usage: udp.sh MODE EXAMPLES_DIR
#   echo       udp_echo_server + udp_echo_client
#   connected  connected_udp_client against udp_echo_server, then a closed port
#   helloer    helloer against udp_echo_server, then a closed port
#   multicast  multicast_server + multicast_client (run it through
#              tests/internet/udp/netns.sh; exits 77, a skip, outside one)
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
  disown "$!"
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*port \([0-9]*\)\.$/\1/p' "$out" | head -1 || true)
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  fail "$* did not start"
}

# A UDP port nobody listens on: bound by this script, then closed.
closed_port() {
  "$py" -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

expect() {  # expect FILE REGEX
  grep -Eq "$2" "$1" || fail "$1 lacks /$2/"
}

case $mode in
  echo)
    serve echo "$ex/udp_echo_server" 0 --print
    "$ex/udp_echo_client" 127.0.0.1 "$port" one two >"$tmp/client" 2>&1 || fail "udp_echo_client"
    expect "$tmp/client" "^received b'one' from \('127\.0\.0\.1', $port\)$"
    expect "$tmp/client" "^received b'two' from \('127\.0\.0\.1', $port\)$"
    expect "$tmp/echo.server" "^received b'one' from \('127\.0\.0\.1', [0-9]+\)$"
    ;;
  connected)
    serve echo "$ex/udp_echo_server" 0
    "$ex/connected_udp_client" 127.0.0.1 "$port" 3 >"$tmp/client" 2>&1 || fail "connected_udp_client"
    [[ $(cat "$tmp/client") == $'echo: ping 1\necho: ping 2\necho: ping 3' ]] || fail "echoes"
    closed=$(closed_port)
    status=0
    "$ex/connected_udp_client" 127.0.0.1 "$closed" >"$tmp/refused" 2>&1 || status=$?
    [[ $status == 1 ]] || fail "connected_udp_client to a closed port exited $status"
    expect "$tmp/refused" "^connection refused: no one listens on 127\.0\.0\.1 port $closed$"
    ;;
  helloer)
    serve echo "$ex/udp_echo_server" 0
    "$ex/helloer" 127.0.0.1 "$port" >"$tmp/client" 2>&1 || fail "helloer"
    [[ $(cat "$tmp/client") == "now we can only send to host 127.0.0.1 port $port"$'\n'"received b'hello' from ('127.0.0.1', $port)" ]] ||
      fail "helloer's output"
    closed=$(closed_port)
    "$ex/helloer" 127.0.0.1 "$closed" >"$tmp/refused" 2>&1 || fail "helloer to a closed port"
    [[ $(cat "$tmp/refused") == "now we can only send to host 127.0.0.1 port $closed"$'\n'"No one listening" ]] ||
      fail "helloer's refusal"
    ;;
  multicast)
    if [[ -z ${TWISTED_TEST_NETNS:-} ]]; then
      echo "SKIP: needs a private network namespace whose lo carries multicast (netns.sh)"
      exit 77
    fi
    serve server "$ex/multicast_server" 0
    # The seed's client listens on the group's port too (listenMultiple);
    # it receives its own ping through the group.
    "$ex/multicast_client" "$port" >"$tmp/seed_client" 2>&1 || fail "multicast_client"
    expect "$tmp/seed_client" "^Datagram b'Client: Ping' received from \('127\.0\.0\.1', $port\)$"
    # On a port of its own, only the server's unicast pong can reach it.
    "$ex/multicast_client" "$port" 0 >"$tmp/client" 2>&1 || fail "multicast_client"
    [[ $(cat "$tmp/client") =~ ^"Datagram b'Server: Pong' received from ('127.0.0.1', $port)"$ ]] ||
      fail "no pong"
    expect "$tmp/server.server" "^Datagram b'Client: Ping' received from \('127\.0\.0\.1', [0-9]+\)$"
    ;;
  *)
    fail "unknown mode $mode"
    ;;
esac
echo "OK: $mode"
