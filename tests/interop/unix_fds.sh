#!/usr/bin/env bash
# Descriptor passing between Python Twisted and twistedcpp over a Unix
# socket, both ways: the sender passes an open file with one byte
# (sendFileDescriptor), the receiver (IFileDescriptorReceiver) reads the file
# through the descriptor it got and answers with its contents.
# Usage: unix_fds.sh UNIX_FDS_PEER UNIX_FDS_PY
set -euo pipefail
cpp=$1 peer=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.out; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}
echo "a file opened by the sender" >"$tmp/file"

# serve NAME READY CMD...: starts a server and waits for its READY line.
serve() {
  local name=$1 ready=$2
  shift 2
  "$@" >"$tmp/$name.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 200); do
    grep -q "$ready" "$tmp/$name.out" && return 0
    kill -0 "$server_pid" 2>/dev/null || fail "$name exited"
    sleep 0.05
  done
  fail "$name did not start"
}

# Twisted sends, twistedcpp receives.
serve cpp_server '^cpp: listening' "$cpp" serve "$tmp/a.sock"
timeout 30 "$py" "$peer" send "$tmp/a.sock" "$tmp/file" >"$tmp/twisted_client.out" 2>&1 || fail "twisted client"
grep -qx "twisted got: cpp read: a file opened by the sender" "$tmp/twisted_client.out" || fail "twisted -> cpp"
timeout 30 tail --pid="$server_pid" -f /dev/null || fail "cpp server did not stop"
server_pid=

# twistedcpp sends, Twisted receives.
serve twisted_server '^twisted: listening' "$py" "$peer" serve "$tmp/b.sock"
timeout 30 "$cpp" send "$tmp/b.sock" "$tmp/file" >"$tmp/cpp_client.out" 2>&1 || fail "cpp client"
grep -qx "cpp got: twisted read: a file opened by the sender" "$tmp/cpp_client.out" || fail "cpp -> twisted"
timeout 30 tail --pid="$server_pid" -f /dev/null || fail "twisted server did not stop"
server_pid=
echo "unix fds ok"
