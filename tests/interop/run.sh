#!/usr/bin/env bash
# One interop case: a server and a client of peer.py (Python Twisted) and
# interop_peer (twistedcpp), one of each, with the framing and scenario
# given; both must see the right data and the right connectionLost reason.
# Usage: run.sh twisted_to_cpp|cpp_to_twisted FRAMING SCENARIO INTEROP_PEER PEER_PY [unix]
# With "unix", over a Unix socket in a temporary directory instead of TCP.
set -euo pipefail
direction=$1 framing=$2 scenario=$3 cpp=$4 peer=$5 transport=${6:-tcp}
py=/usr/bin/python3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($direction $framing $scenario): $*"
  for f in server client; do [[ -e $tmp/$f ]] && { echo "--- $f"; cat "$tmp/$f"; }; done
  exit 1
}

if [[ $direction == twisted_to_cpp ]]; then
  server=("$cpp" server) client=("$py" "$peer" client)
else
  server=("$py" "$peer" server) client=("$cpp" client)
fi
server_args=(--framing "$framing") client_args=(--framing "$framing" --scenario "$scenario")
case $scenario in
  chunk1) server_args+=(--chunk 1) client_args+=(--chunk 1) ;;
  many) server_args+=(--connections 50) client_args+=(--connections 50) ;;
  halfclose) server_args+=(--halfclose) ;;
esac
if [[ $transport == unix ]]; then
  server_args+=(--unix "$tmp/sock") client_args+=(--unix "$tmp/sock")
fi

"${server[@]}" "${server_args[@]}" >"$tmp/server" 2>&1 &
server_pid=$!
port=
for _ in $(seq 300); do
  port=$(sed -n 's/^server: listening on port \([0-9]*\)\.$/\1/p' "$tmp/server" || true)
  grep -q '^server: listening on unix ' "$tmp/server" && port=0
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
  sleep 0.05
done
[[ -n $port ]] || fail "the server did not start"

rc=0
timeout 60 "${client[@]}" "${client_args[@]}" --port "$port" >"$tmp/client" 2>&1 || rc=$?
[[ $rc == 0 ]] || fail "the client exited with $rc"
grep -q '^client: ok ' "$tmp/client" || fail "the client did not finish"

# The server stops by itself once its connections are gone.
timeout 30 tail --pid="$server_pid" -f /dev/null || fail "the server did not stop"
rc=0
wait "$server_pid" || rc=$?
server_pid=
[[ $rc == 0 ]] || fail "the server exited with $rc"
grep -q '^server: done$' "$tmp/server" || fail "the server did not stop cleanly"

expect=$(sed -n 's/^client: expect server \(.*\)$/\1/p' "$tmp/client")
case $scenario in
  many)
    n=$(grep -c '^server: lost ConnectionDone messages=3 bytes=10101 ' "$tmp/server" || true)
    [[ $n == 50 ]] || fail "the server saw $n of 50 clean connections"
    ;;
  halfclose) grep -qx "server: lost ConnectionDone $expect readConnectionLost" "$tmp/server" ||
    fail "expected 'server: lost ConnectionDone $expect readConnectionLost'" ;;
  abortc) grep -qx "server: lost ConnectionLost $expect" "$tmp/server" ||
    fail "expected 'server: lost ConnectionLost $expect'" ;;
  aborts) grep -qx "server: lost ConnectionAborted $expect" "$tmp/server" ||
    fail "expected 'server: lost ConnectionAborted $expect'" ;;
  *) grep -qx "server: lost ConnectionDone $expect" "$tmp/server" ||
    fail "expected 'server: lost ConnectionDone $expect'" ;;
esac
cat "$tmp/client" "$tmp/server"
