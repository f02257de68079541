#!/usr/bin/env bash
# `twist socks` black-box: curl through it (--socks4 with an IP, --socks4a
# with a name) to a local Python HTTP server, the traffic log, a rejected
# destination, and --help.
# Usage: socks.sh MODE TWIST_BINARY
set -euo pipefail
mode=$1 twist=$2
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

# start_twist ARGS...: twist socks on an ephemeral port; sets $port.
start_twist() {
  "$twist" --log-format text socks --port 0 "$@" >"$tmp/twist.out" 2>&1 &
  pids+=($!)
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*SOCKSv4Factory starting on \([0-9]*\)$/\1/p' "$tmp/twist.out" | head -1)
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  fail "twist socks did not start listening"
}

# start_http: a Python HTTP server on an ephemeral port serving $tmp/www; sets $http.
start_http() {
  mkdir -p "$tmp/www"
  echo "hello through socks" >"$tmp/www/index.txt"
  (cd "$tmp/www" && exec "$py" -u -c '
import http.server, socketserver, sys
s = socketserver.TCPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print("PORT", s.server_address[1], flush=True)
s.serve_forever()' >"$tmp/http.out" 2>&1) &
  pids+=($!)
  http=
  for _ in $(seq 200); do
    http=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$tmp/http.out" | head -1)
    [[ -n $http ]] && return 0
    sleep 0.05
  done
  fail "http server did not start"
}

case $mode in
  help)
    "$twist" socks --help >"$tmp/help.out" 2>&1 || fail "--help failed"
    for o in --interface --port --log --listen 'default: tcp:1080:interface=127.0.0.1'; do
      grep -q -- "$o" "$tmp/help.out" || fail "--help lacks $o"
    done
    ;;
  curl)
    start_http
    start_twist --log "$tmp/traffic.log"
    got=$(curl -sS --max-time 20 --socks4 "127.0.0.1:$port" "http://127.0.0.1:$http/index.txt") ||
      fail "curl --socks4"
    [[ $got == "hello through socks" ]] || fail "curl --socks4 got '$got'"
    got=$(curl -sS --max-time 20 --socks4a "127.0.0.1:$port" "http://localhost:$http/index.txt") ||
      fail "curl --socks4a"
    [[ $got == "hello through socks" ]] || fail "curl --socks4a got '$got'"
    grep -q 'code 1 connection to 127.0.0.1:'"$http" "$tmp/twist.out" || fail "no authorize log"
    grep -q '47 45 54 20 2F 69 6E 64' "$tmp/traffic.log" || fail "traffic log lacks the GET"
    grep -q "> 127.0.0.1:$http" "$tmp/traffic.log" || fail "traffic log lacks the direction"
    # A closed port: curl reports the SOCKS rejection.
    dead=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    if curl -sS --max-time 20 --socks4 "127.0.0.1:$port" "http://127.0.0.1:$dead/" \
      >"$tmp/dead.out" 2>&1; then
      fail "curl through a refused destination succeeded"
    fi
    ;;
  twisted)
    # The same requests to Python Twisted's socks plugin and to ours: the
    # same replies (code, port, address) and the same relayed response.
    start_http
    start_twist
    ours=$port
    "$py" -m twisted socks -p 0 >"$tmp/pytwisted.out" 2>&1 &
    pids+=($!)
    theirs=
    for _ in $(seq 200); do
      theirs=$(sed -n 's/.*"SOCKSv4Factory starting on \([0-9]*\)".*/\1/p' "$tmp/pytwisted.out" | head -1)
      [[ -n $theirs ]] && break
      sleep 0.05
    done
    [[ -n $theirs ]] || fail "Python Twisted's socks did not start"
    dead=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$py" - "$ours" "$theirs" "$http" "$dead" >"$tmp/compare.out" 2>&1 <<'PY' || fail "replies differ"
import socket, struct, sys
ours, theirs, http, dead = map(int, sys.argv[1:])
def run(port, req, send=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(req)
    rep = b""
    while len(rep) < 8:
        b = s.recv(8 - len(rep))
        if not b: break
        rep += b
    body = b""
    if send and len(rep) == 8 and rep[1] == 90:
        s.sendall(send)
        while True:
            b = s.recv(65536)
            if not b: break
            body += b
    s.close()
    return rep, body.split(b"\r\n\r\n", 1)[-1]
get = b"GET /index.txt HTTP/1.0\r\nHost: x\r\n\r\n"
cases = {
    "socks4": (struct.pack("!BBH", 4, 1, http) + socket.inet_aton("127.0.0.1") + b"u\0", get),
    "socks4a": (struct.pack("!BBH", 4, 1, http) + b"\0\0\0\1" + b"u\0localhost\0", get),
    "refused": (struct.pack("!BBH", 4, 1, dead) + socket.inet_aton("127.0.0.1") + b"\0", b""),
    "badname": (struct.pack("!BBH", 4, 1, http) + b"\0\0\0\1" + b"\0nonexistent.invalid\0", b""),
    # A whole request: Twisted waits for 8 bytes and a NUL; ours closes at the first byte.
    "badversion": (b"\5\1\0\x50\x7f\0\0\1\0", b""),
}
bad = 0
for name, (req, send) in cases.items():
    a, b = run(ours, req, send), run(theirs, req, send)
    print(name, a, b)
    if a != b: bad += 1
sys.exit(bad)
PY
    cat "$tmp/compare.out"
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo OK
