#!/usr/bin/env bash
# UDP interop: twistedcpp's UDP examples against Python Twisted's
# (udp_peer.py), each side as server and as client.
# Usage: udp.sh CASE EXAMPLES_DIR PEER_PY
#   echo.twisted_to_cpp       Twisted's verifying echo client -> udp_echo_server
#   echo.cpp_to_twisted       udp_echo_client -> Twisted's echo server
#   connected.twisted_to_cpp  Twisted's Helloer (connected mode) -> udp_echo_server
#   connected.cpp_to_twisted  connected_udp_client -> Twisted's echo server
#   multicast.twisted_to_cpp  Twisted's MulticastPingClient -> multicast_server
#   multicast.cpp_to_twisted  multicast_client -> Twisted's MulticastPingPong
# The multicast cases need a namespace whose lo carries multicast (run them
# through tests/internet/udp/netns.sh); outside one they exit 77 (skip).
set -euo pipefail
case_=$1 ex=$2 peer=$3
py=/usr/bin/python3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($case_): $*"
  for f in server client; do [[ -e $tmp/$f ]] && { echo "--- $f"; cat "$tmp/$f"; }; done
  exit 1
}
serve() {  # serve CMD...: starts a server printing "... port N." and sets $port
  "$@" >"$tmp/server" 2>&1 &
  server_pid=$!
  disown "$server_pid"
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on port \([0-9]*\)\.$/\1/p' "$tmp/server" | head -1 || true)
    [[ -n $port ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
    sleep 0.05
  done
  fail "the server did not start"
}
client() {  # client CMD...: runs it, bounded, into $tmp/client
  local rc=0
  timeout 60 "$@" >"$tmp/client" 2>&1 || rc=$?
  [[ $rc == 0 ]] || fail "the client exited with $rc"
}
if [[ $case_ == multicast.* && -z ${TWISTED_TEST_NETNS:-} ]]; then
  echo "SKIP: needs a private network namespace whose lo carries multicast (netns.sh)"
  exit 77
fi

case $case_ in
  echo.twisted_to_cpp)
    serve "$ex/udp_echo_server" 0
    client "$py" "$peer" echo-client "$port"
    grep -q '^client: ok, every datagram echoed (bad=0)$' "$tmp/client" || fail "echoes"
    ;;
  echo.cpp_to_twisted)
    serve "$py" "$peer" echo-server
    client "$ex/udp_echo_client" 127.0.0.1 "$port" one "two words" three
    for m in one "two words" three; do
      grep -qx "received b'$m' from ('127.0.0.1', $port)" "$tmp/client" || fail "no echo of $m"
    done
    ;;
  connected.twisted_to_cpp)
    serve "$ex/udp_echo_server" 0
    client "$py" "$peer" helloer "$port"
    grep -q '^client: ok, echoed in connected mode$' "$tmp/client" || fail "no echo"
    ;;
  connected.cpp_to_twisted)
    serve "$py" "$peer" echo-server
    client "$ex/connected_udp_client" 127.0.0.1 "$port" 5
    [[ $(tail -1 "$tmp/client") == "echo: ping 5" ]] || fail "echoes"
    ;;
  multicast.twisted_to_cpp)
    serve "$ex/multicast_server" 0
    client "$py" "$peer" multicast-client "$port"
    grep -q '^client: ok, pong from the server$' "$tmp/client" || fail "no pong"
    grep -q "^Datagram b'Client: Ping' received from ('127.0.0.1', [0-9]*)$" "$tmp/server" ||
      fail "the server saw no ping"
    ;;
  multicast.cpp_to_twisted)
    serve "$py" "$peer" multicast-server
    client "$ex/multicast_client" "$port" 0
    grep -qx "Datagram b'Server: Pong' received from ('127.0.0.1', $port)" "$tmp/client" ||
      fail "no pong"
    grep -q "^Datagram b'Client: Ping' received from ('127.0.0.1', [0-9]*)$" "$tmp/server" ||
      fail "the server saw no ping"
    ;;
  *) fail "unknown case" ;;
esac
echo "OK: $case_"
