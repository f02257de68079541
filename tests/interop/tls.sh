#!/usr/bin/env bash
# One TLS interop case: our listenSSL / connectSSL / startTLS (tls_peer, or
# `twist echo --listen ssl:`) against an independent peer (openssl s_client
# and s_server, curl, Python Twisted's tls_peer.py), with a CA and leaves
# made by the openssl CLI in a temporary directory (make_certs.sh).
# Usage: tls.sh CASE TLS_PEER TWIST SOURCE_DIR
set -euo pipefail
case=$1 peer=$2 twist=$3 here=$4
py=/usr/bin/python3
tmp=$(mktemp -d)
certs=$tmp/certs
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  # TLS_INTEROP_VERBOSE=1: show what each side printed.
  if [[ -n ${TLS_INTEROP_VERBOSE:-} ]]; then
    for f in "$tmp"/*.out; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL (tls $case): $*"
  for f in "$tmp"/*.out; do [[ -e $f ]] && { echo "--- $f"; cat "$f"; }; done
  exit 1
}
source "$here/tls_lib.sh"
bash "$here/make_certs.sh" "$certs"

# serve NAME COMMAND...: starts a server that prints "listening on port N."
# (tls_peer, tls_peer.py) or "ACCEPT HOST:N" (s_server) or Twisted's
# "starting on N" (twist); sets $pid and $port.
serve() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$tmp/$name.out" \
    's/^server: listening on port \([0-9]*\)\.$/\1/p; s/^ACCEPT .*:\([0-9]*\)$/\1/p; s/.*Factory (TLS) starting on \([0-9]*\)$/\1/p' \
    "$pid"
}

# wait_for FILE TEXT: waits (bounded) until FILE has the fixed string TEXT.
wait_for() {
  for _ in $(seq 400); do
    grep -qF -- "$2" "$1" && return 0
    sleep 0.05
  done
  fail "no '$2' in $1"
}

# client NAME COMMAND...: runs a client (bounded); it must exit 0.
client() {
  local name=$1 rc=0
  shift
  timeout 60 "$@" >"$tmp/$name.out" 2>&1 || rc=$?
  [[ $rc == 0 ]] || fail "$name exited with $rc"
}

# server_exit: the server stops by itself (--once); it must exit 0.
server_exit() {
  local rc=0
  timeout 30 tail --pid="$pid" -f /dev/null || fail "the server did not stop"
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] || fail "the server exited with $rc"
}

s_server() {  # s_server NAME CERT ARGS...: openssl s_server on 127.0.0.1, one connection
  local name=$1 cert=$2
  shift 2
  serve "$name" timeout 60 openssl s_server -accept 127.0.0.1:0 -naccept 1 \
    -cert "$certs/$cert.pem" -key "$certs/$cert.key" "$@"
}

both=$certs/server-both.pem
case $case in
  s_client_tls13 | s_client_tls12)
    # openssl s_client against `twist echo --listen ssl:`.
    serve twist "$twist" --log-format text echo --listen "ssl:0:privateKey=$both:interface=127.0.0.1"
    if [[ $case == s_client_tls13 ]]; then
      s_client_echo "$tmp/s_client.out" "$port" "hello over TLS"
      grep -q 'New, TLSv1.3' "$tmp/s_client.out" || fail "not TLS 1.3"
    else
      s_client_echo "$tmp/s_client.out" "$port" "hello over TLS" -tls1_2
      grep -q 'New, TLSv1.2' "$tmp/s_client.out" || fail "not TLS 1.2"
    fi
    ;;

  s_client_alpn)
    # ALPN: the server's preference among the client's offers; no common
    # protocol fails the handshake (Twisted's behaviour with OpenSSL).
    serve server "$peer" server --cert "$both" --alpn h2,http/1.1
    s_client_echo "$tmp/s_client.out" "$port" "hello alpn" -alpn http/1.1
    grep -q '^ALPN protocol: http/1.1' "$tmp/s_client.out" || fail "no ALPN http/1.1"
    wait_for "$tmp/server.out" "server: handshake TLSv1.3 alpn=http/1.1"
    s_client_echo "$tmp/s_client2.out" "$port" "hello h2" -alpn spdy/1,h2
    grep -q '^ALPN protocol: h2' "$tmp/s_client2.out" || fail "no ALPN h2"
    rc=0
    timeout 30 openssl s_client -connect "127.0.0.1:$port" -CAfile "$certs/ca.pem" \
      -servername localhost -alpn spdy/1 </dev/null >"$tmp/s_client3.out" 2>&1 || rc=$?
    [[ $rc != 0 ]] || fail "a disjoint ALPN list was accepted"
    grep -qi 'no application protocol' "$tmp/s_client3.out" || fail "not the ALPN alert"
    ;;

  s_client_client_cert)
    # A server that requires a client certificate: s_client with one is
    # served and seen; without one the handshake fails on the server.
    serve server "$peer" server --cert "$both" --client-ca "$certs/ca.pem"
    s_client_echo "$tmp/s_client.out" "$port" "hello with a cert" \
      -cert "$certs/client.pem" -key "$certs/client.key"
    wait_for "$tmp/server.out" "server: handshake TLSv1.3 alpn=none peer=test client"
    timeout 30 openssl s_client -connect "127.0.0.1:$port" -CAfile "$certs/ca.pem" \
      -servername localhost </dev/null >"$tmp/s_client2.out" 2>&1 || true
    wait_for "$tmp/server.out" "server: lost TLSError("
    grep -q "server: lost TLSError(.*certificate" "$tmp/server.out" ||
      fail "the server's error does not name the missing certificate"
    ;;

  s_server_echo)
    # Our connectSSL client against openssl s_server -rev (lines reversed).
    s_server s_server server -rev
    client client "$peer" client --mode rev --port "$port" --ca "$certs/ca.pem"
    grep -q '^client: handshake TLSv1.3 alpn=none peer=localhost' "$tmp/client.out" ||
      fail "no handshake line"
    grep -q '^client: ok reversed' "$tmp/client.out" || fail "client not ok"
    ;;

  s_server_tls12)
    # A server that speaks TLS 1.2 only.
    s_server s_server server -rev -tls1_2
    client client "$peer" client --mode rev --port "$port" --ca "$certs/ca.pem"
    grep -q '^client: handshake TLSv1.2 alpn=none peer=localhost' "$tmp/client.out" ||
      fail "not TLS 1.2"
    grep -q '^client: ok reversed' "$tmp/client.out" || fail "client not ok"
    ;;

  s_server_chain)
    # A server sending an intermediate: verified against the root alone.
    s_server s_server chained -rev -cert_chain "$certs/mid.pem"
    client client "$peer" client --mode rev --port "$port" --ca "$certs/ca.pem"
    grep -q '^client: ok reversed' "$tmp/client.out" || fail "client not ok"
    ;;

  s_server_www)
    # The server answers and closes with close_notify: a clean close for us.
    s_server s_server server -www
    client client "$peer" client --mode get --port "$port" --ca "$certs/ca.pem" \
      --expect-body "HTTP/1.0 200 ok" --expect-reason ConnectionDone
    grep -q '^client: ok got' "$tmp/client.out" || fail "client not ok"
    ;;

  truncated)
    # A server (Python's ssl module) that answers, then closes TCP without
    # close_notify: what came is delivered, and the end is ConnectionLost
    # (a truncation), never a clean ConnectionDone.
    cat >"$tmp/truncating_server.py" <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1])
ls = socket.create_server(("127.0.0.1", 0))
print("server: listening on port %d." % ls.getsockname()[1], flush=True)
conn, _ = ls.accept()
tls = ctx.wrap_socket(conn, server_side=True)
request = b""
while b"\r\n\r\n" not in request:
    request += tls.recv(1024)
tls.sendall(b"HTTP/1.0 200 OK\r\n\r\npartial")
socket.socket(fileno=tls.detach()).close()  # FIN, no close_notify
print("server: closed without close_notify", flush=True)
PY
    serve server "$py" "$tmp/truncating_server.py" "$both"
    client client "$peer" client --mode get --port "$port" --ca "$certs/ca.pem" \
      --expect-body "partial" --expect-reason ConnectionLost
    grep -q '^client: lost ConnectionLost' "$tmp/client.out" || fail "not a truncation"
    grep -q '^client: ok got' "$tmp/client.out" || fail "client not ok"
    ;;

  s_server_alpn)
    s_server s_server server -rev -alpn http/1.1
    client client "$peer" client --mode rev --port "$port" --ca "$certs/ca.pem" \
      --alpn h2,http/1.1
    grep -q '^client: handshake TLSv1.3 alpn=http/1.1 ' "$tmp/client.out" || fail "no ALPN"
    ;;

  s_server_wrong_name | s_server_wrong_ca)
    # Verification failures: a leaf for example.com, or one of another CA.
    if [[ $case == s_server_wrong_name ]]; then
      s_server s_server wrongname -rev
      expect="hostname mismatch"
    else
      s_server s_server stranger -rev
      expect="certificate verify failed"
    fi
    client client "$peer" client --mode rev --port "$port" --ca "$certs/ca.pem" \
      --expect-fail "$expect"
    grep -q '^client: ok failed as expected' "$tmp/client.out" || fail "client not ok"
    ;;

  curl | curl_alpn)
    # curl against an HTTP-ish responder on our listenSSL.
    if [[ $case == curl ]]; then
      serve server "$peer" server --cert "$both" --mode http
      args=()
    else
      serve server "$peer" server --cert "$both" --mode http --alpn h2,http/1.1
      args=(--http1.1)
    fi
    timeout 30 curl -sS -v "${args[@]}" --cacert "$certs/ca.pem" \
      --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/" \
      >"$tmp/body.out" 2>"$tmp/curl.out" || fail "curl failed"
    [[ $(cat "$tmp/body.out") == hello ]] || fail "the body is not hello"
    grep -q 'SSL certificate verify ok' "$tmp/curl.out" || fail "curl did not verify"
    if [[ $case == curl_alpn ]]; then
      grep -q 'ALPN.*accepted.*http/1.1' "$tmp/curl.out" || fail "curl: no ALPN http/1.1"
      wait_for "$tmp/server.out" "alpn=http/1.1"
    fi
    ;;

  twisted_client)
    # Python Twisted's connectSSL + optionsForClientTLS against our listenSSL.
    serve server "$peer" server --cert "$both" --once
    client client "$py" "$here/tls_peer.py" client --port "$port" --ca "$certs/ca.pem"
    grep -q '^client: ok echoed 100000 bytes' "$tmp/client.out" || fail "client not ok"
    server_exit
    grep -q '^server: lost ConnectionDone bytes=100000' "$tmp/server.out" ||
      fail "the server did not see a clean close"
    ;;

  twisted_client_cert)
    # ... with a client certificate our server requires and sees.
    serve server "$peer" server --cert "$both" --client-ca "$certs/ca.pem" --once
    client client "$py" "$here/tls_peer.py" client --port "$port" --ca "$certs/ca.pem" \
      --client-cert "$certs/client-both.pem" --size 10
    grep -q '^client: ok echoed 10 bytes' "$tmp/client.out" || fail "client not ok"
    server_exit
    grep -q '^server: handshake TLSv1.3 alpn=none peer=test client' "$tmp/server.out" ||
      fail "the server did not see the client certificate"
    ;;

  twisted_server)
    # Our connectSSL client against Python Twisted's listenSSL.
    serve server "$py" "$here/tls_peer.py" server --cert "$both"
    client client "$peer" client --port "$port" --ca "$certs/ca.pem" --size 1000000
    grep -q '^client: ok echoed 1000000 bytes' "$tmp/client.out" || fail "client not ok"
    server_exit
    grep -q '^server: lost ConnectionDone bytes=1000000' "$tmp/server.out" ||
      fail "the Twisted server did not see a clean close"
    ;;

  twisted_starttls)
    # A line protocol switching to TLS in place, Python Twisted the server.
    serve server "$py" "$here/tls_peer.py" server --cert "$both" --mode starttls
    client client "$peer" client --mode starttls --port "$port" --ca "$certs/ca.pem"
    grep -q '^client: handshake TLSv1.3 alpn=none peer=localhost' "$tmp/client.out" ||
      fail "no handshake line"
    grep -q '^client: ok starttls' "$tmp/client.out" || fail "client not ok"
    server_exit
    grep -q '^server: hello under TLSv1.3' "$tmp/server.out" || fail "no TLS line on the server"
    grep -q '^server: lost ConnectionDone' "$tmp/server.out" || fail "not a clean close"
    ;;

  twisted_starttls_server)
    # The same with our startTLS server and Python Twisted's client.
    serve server "$peer" server --cert "$both" --mode starttls --once
    client client "$py" "$here/tls_peer.py" client --mode starttls --port "$port" \
      --ca "$certs/ca.pem"
    grep -q '^client: hello under TLSv1.3 peer=localhost' "$tmp/client.out" || fail "no TLS line"
    grep -q '^client: ok starttls' "$tmp/client.out" || fail "client not ok"
    server_exit
    grep -q '^server: handshake TLSv1.3 alpn=none peer=none' "$tmp/server.out" ||
      fail "no handshake on our server"
    grep -q '^server: lost ConnectionDone' "$tmp/server.out" || fail "not a clean close"
    ;;

  *)
    echo "unknown case $case"
    exit 2
    ;;
esac
echo "tls $case ok"
