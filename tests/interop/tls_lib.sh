# Shell helpers for the TLS tests (sourced by tests/interop/tls.sh,
# tests/apps/twist/twist.sh and tests/examples/tls.sh). Needs $tmp (a
# scratch directory) and fail().

# s_client_echo OUT PORT TEXT [s_client options...]: connects with
# `openssl s_client` to 127.0.0.1:PORT verifying the server against
# $certs/ca.pem as "localhost", sends the line TEXT, waits (bounded) until
# it comes back, then closes stdin, on which s_client sends close_notify
# and exits. Its whole output is in OUT; fails if s_client fails.
s_client_echo() {
  local out=$1 port=$2 text=$3 fd sp rc=0
  shift 3
  rm -f "$tmp/s_client.in"
  mkfifo "$tmp/s_client.in"
  timeout 30 openssl s_client -connect "127.0.0.1:$port" -verify_return_error \
    -CAfile "$certs/ca.pem" -servername localhost -nocommands "$@" \
    <"$tmp/s_client.in" >"$out" 2>&1 &
  sp=$!
  exec {fd}>"$tmp/s_client.in"
  printf '%s\n' "$text" >&$fd
  for _ in $(seq 400); do
    grep -qxF -- "$text" "$out" && break
    kill -0 "$sp" 2>/dev/null || break
    sleep 0.05
  done
  exec {fd}>&-
  wait "$sp" || rc=$?
  [[ $rc == 0 ]] || { cat "$out"; fail "openssl s_client $* exited with $rc"; }
  grep -qxF -- "$text" "$out" || { cat "$out"; fail "openssl s_client $*: no echo of '$text'"; }
  grep -q 'Verify return code: 0 (ok)' "$out" || { cat "$out"; fail "s_client did not verify"; }
}

# wait_port FILE SED_PATTERN PID: the port a server printed (sed -n
# pattern with one group), waiting until it appears; sets $port.
wait_port() {
  port=
  for _ in $(seq 400); do
    port=$(sed -n "$2" "$1" 2>/dev/null | head -1 || true)
    [[ -n $port ]] && return 0
    kill -0 "$3" 2>/dev/null || { cat "$1"; fail "the server exited"; }
    sleep 0.05
  done
  cat "$1"
  fail "the server did not start"
}
