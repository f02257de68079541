#!/usr/bin/env bash
# The TLS echo example pair (examples/ssl/): the server with a key and a
# certificate made here by the openssl CLI, the client verifying it against
# the test CA; then the same client refusing a server name the certificate
# does not carry.
# Usage: tls.sh EXAMPLES_DIR MAKE_CERTS
set -euo pipefail
ex=$1 make_certs=$2
tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && { kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$tmp"/*.out; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}
bash "$make_certs" "$tmp/certs"
certs=$tmp/certs

"$ex/tls_echo_server" 0 "$certs/server.key" "$certs/server.pem" >"$tmp/server.out" 2>&1 &
pid=$!
port=
for _ in $(seq 400); do
  port=$(sed -n 's/^TLS echo server listening on port \([0-9]*\)\.$/\1/p' "$tmp/server.out" || true)
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited"
  sleep 0.05
done
[[ -n $port ]] || fail "the server did not start"

timeout 30 "$ex/tls_echo_client" 127.0.0.1 "$port" "$certs/ca.pem" localhost "Hello, TLS" \
  >"$tmp/client.out" 2>&1 || fail "the client failed"
expected=$'Handshake done: TLSv1.3, server certificate for localhost.\nReceived: Hello, TLS\nConnection lost: Connection was closed cleanly.'
[[ $(cat "$tmp/client.out") == "$expected" ]] || fail "unexpected client output"

timeout 30 "$ex/tls_echo_client" 127.0.0.1 "$port" "$certs/ca.pem" example.com "Hello" \
  >"$tmp/wrong.out" 2>&1 || fail "the client failed"
grep -q '^Connection lost: .*certificate verify failed: hostname mismatch' "$tmp/wrong.out" ||
  fail "no hostname mismatch"
grep -q 'Received' "$tmp/wrong.out" && fail "data came from an unverified server"
grep -q '^Handshake done with a client: TLSv1.3.$' "$tmp/server.out" || fail "server output"

# A key that does not match the certificate: one line, exit 1.
rc=0
"$ex/tls_echo_server" 0 "$certs/client.key" "$certs/server.pem" >"$tmp/bad.out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "a mismatched key gave exit $rc"
grep -q '^tls_echo_server: the private key does not match' "$tmp/bad.out" || fail "no clear error"
echo "tls example ok"
