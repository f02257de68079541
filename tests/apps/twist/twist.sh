#!/usr/bin/env bash
# Runs the `twist` program for real: command-line errors, `twist chat` with
# Python clients, shutdown on SIGINT/SIGTERM, logging to a file (reopened
# on SIGHUP), `twist procmon` keeping a crashing child alive.
# Usage: twist.sh MODE TWIST_BINARY
set -euo pipefail
mode=$1 twist_binary=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
# The checks below read the log as text lines; twist's default when its log
# is not a terminal is JSON (as Twisted's), tested in the json mode.
twist=$tmp/twist-text
printf '#!/bin/sh\nexec "%s" --log-format text "$@"\n' "$twist_binary" >"$twist"
chmod +x "$twist"
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

# start NAME ARGS...: runs twist in the background (SIGINT not ignored, as
# it would be for a plain background job), logging to $tmp/NAME.out, and
# waits until it listens; sets $pid and $port.
start() {
  local name=$1
  shift
  env --default-signal=INT "$twist" "$@" >"$tmp/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  port=
  for _ in $(seq 200); do
    port=$(sed -n 's/.*Factory\( (TLS)\)\{0,1\} starting on \([0-9]*\)$/\2/p' "$tmp/$name.out" "$tmp/$name.log" 2>/dev/null | head -1 || true)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "twist $* exited early"
    sleep 0.05
  done
  fail "twist $* did not start listening"
}

# stop SIGNAL: signals twist and waits for it; it must exit with status 0.
stop() {
  kill "-$1" "$pid"
  local rc=0
  timeout 20 tail --pid="$pid" -f /dev/null || fail "twist did not exit after SIG$1"
  wait "$pid" || rc=$?
  [[ $rc == 0 ]] || fail "twist exited with $rc after SIG$1"
}

# start_logging NAME ARGS...: runs twist in the background like start, for
# a service that does not listen (procmon); sets $pid.
start_logging() {
  local name=$1
  shift
  env --default-signal=INT "$twist" "$@" >"$tmp/$name.out" 2>&1 &
  pid=$!
  pids+=("$pid")
}

# wait_lines FILE COUNT PATTERN: waits until FILE has COUNT lines matching
# the fixed string PATTERN (while twist runs).
wait_lines() {
  for _ in $(seq 400); do
    [[ $(grep -cF -- "$3" "$1" || true) -ge $2 ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "twist exited early"
    sleep 0.05
  done
  fail "no $2 lines '$3' in $1"
}

expect_rc() {  # expect_rc CODE ARGS...: twist ARGS exits with CODE.
  local code=$1 rc=0
  shift
  timeout 10 "$twist" "$@" >"$tmp/cli.out" 2>&1 || rc=$?
  [[ $rc == "$code" ]] || fail "twist $* exited with $rc, expected $code"
}

case $mode in
  cli)
    expect_rc 0 --help
    grep -q 'chat' "$tmp/cli.out" || fail "--help does not list chat"
    expect_rc 0 chat --help
    grep -q -- '--listen tcp:PORT\[:interface=ADDR\]' "$tmp/cli.out" || fail "chat --help"
    grep -q 'default: tcp:8123' "$tmp/cli.out" || fail "chat --help lacks the default port"
    # Command-line errors: EX_USAGE (64), the error, then the usage on
    # stderr, as Twisted's twist.
    expect_rc 64
    grep -q 'a service is required' "$tmp/cli.out" || fail "no service"
    grep -q '^Usage: twist \[OPTIONS\]' "$tmp/cli.out" || fail "no usage after an error"
    expect_rc 64 nosuch
    grep -q "unknown service 'nosuch'" "$tmp/cli.out" || fail "unknown service"
    expect_rc 64 --bogus
    grep -q "option --bogus not recognized" "$tmp/cli.out" || fail "unknown option"
    expect_rc 64 chat --listen tcp:http
    grep -q "invalid endpoint 'tcp:http': port 'http' is not an integer" "$tmp/cli.out" ||
      fail "bad port"
    grep -q '^Usage: twist chat' "$tmp/cli.out" || fail "no chat usage after a chat error"
    expect_rc 64 chat --listen 8123
    grep -q "did you mean tcp:8123?" "$tmp/cli.out" || fail "missing type"
    expect_rc 64 chat --listen udp:53
    expect_rc 64 chat --listen tcp:1:bogus=2
    expect_rc 64 chat --listen tcp:1 tcp:2  # one endpoint per --listen
    expect_rc 64 chat --bogus
    expect_rc 64 chat extra
    expect_rc 64 --reactor nosuch chat
    expect_rc 64 --log-level loud chat
    expect_rc 64 --log-format xml chat
    # procmon takes a command line, not --listen.
    expect_rc 64 procmon
    grep -q 'COMMAND is required' "$tmp/cli.out" || fail "procmon without a command"
    grep -q '^Usage: twist procmon \[OPTIONS\] COMMAND' "$tmp/cli.out" || fail "no procmon usage"
    expect_rc 64 procmon --bogus /bin/true
    expect_rc 64 procmon --listen tcp:1 /bin/true
    expect_rc 64 procmon --threshold soon /bin/true
    expect_rc 0 procmon --help
    grep -q -- '-M,--maxrestartdelay FLOAT=3600' "$tmp/cli.out" || fail "procmon --help"
    TWISTED_REACTOR=nosuch expect_rc 64 chat
    grep -q "TWISTED_REACTOR=nosuch names no reactor" "$tmp/cli.out" || fail "bad TWISTED_REACTOR"
    # A log file that cannot be opened: EX_IOERR (74), Twisted's message.
    expect_rc 74 --log-file "$tmp/no/such/dir/twist.log" chat --listen tcp:0:interface=127.0.0.1
    grep -q "^Unable to open log file '$tmp/no/such/dir/twist.log': No such file or directory" \
      "$tmp/cli.out" || fail "no clear log file error"
    ;;

  reactor)
    # TWISTED_REACTOR picks the backend (the epoll one holds an eventpoll
    # descriptor, poll and select none); --reactor wins over it.
    epolls() { ls -l "/proc/$pid/fd" | grep -c 'anon_inode:\[eventpoll\]' || true; }
    urings() { ls -l "/proc/$pid/fd" | grep -c 'anon_inode:\[io_uring\]' || true; }
    unset TWISTED_REACTOR  # "default" is tested as the user gets it
    start default chat --listen tcp:0:interface=127.0.0.1
    [[ $(epolls) -ge 1 ]] || fail "the default reactor is not epoll"
    stop TERM
    TWISTED_REACTOR=poll start env-poll chat --listen tcp:0:interface=127.0.0.1
    [[ $(epolls) == 0 ]] || fail "TWISTED_REACTOR=poll ignored"
    "$py" "$here/chat_client.py" "$port" || fail "chat client on the poll reactor"
    stop TERM
    TWISTED_REACTOR=poll start flag-epoll --reactor epoll chat --listen tcp:0:interface=127.0.0.1
    [[ $(epolls) -ge 1 ]] || fail "--reactor epoll did not win over TWISTED_REACTOR"
    stop TERM
    # io_uring: the process holds an io_uring instance and no epoll one.
    start iouring --reactor iouring chat --listen tcp:0:interface=127.0.0.1
    [[ $(urings) -ge 1 && $(epolls) == 0 ]] || fail "--reactor iouring is not io_uring"
    "$py" "$here/chat_client.py" "$port" || fail "chat client on the io_uring reactor"
    stop TERM
    ;;

  interface)
    # interface=localhost is resolved (to 127.0.0.1), as Twisted's listenTCP does.
    start localhost chat --listen tcp:0:interface=localhost
    "$py" "$here/chat_client.py" "$port" || fail "chat client on interface=localhost"
    stop TERM
    ;;

  chat)
    start chat chat --listen tcp:0:interface=127.0.0.1
    "$py" "$here/chat_client.py" "$port" || fail "chat client"
    stop TERM
    out=$tmp/chat.out
    grep -q '\[Chat,[0-9]*,127.0.0.1\] alice joined' "$out" || fail "no join logged"
    grep -q 'bob left' "$out" || fail "no departure logged"
    grep -q 'Received SIGTERM, shutting down.' "$out" || fail "no SIGTERM line"
    ;;

  sigint)
    # Both reactors the runner offers besides the default, and a user still
    # connected at shutdown: the port closes, the connection is dropped.
    for reactor in epoll iouring poll select; do
      start "sigint-$reactor" --reactor "$reactor" chat --listen tcp:0:interface=127.0.0.1
      # Emptied here, not by the background job's redirection: the wait below
      # must not see the previous round's 'holding'.
      : >"$tmp/hold.out"
      "$py" "$here/chat_client.py" "$port" --hold >>"$tmp/hold.out" 2>&1 &
      client=$!
      for _ in $(seq 200); do grep -q 'holding' "$tmp/hold.out" && break; sleep 0.05; done
      stop INT
      wait "$client" || fail "the held client did not see the connection close"
      out=$tmp/sigint-$reactor.out
      for line in 'Starting reactor...' 'Received SIGINT, shutting down.' \
        "(TCP Port $port Closed)" 'Stopping factory <ChatFactory' 'Main loop terminated.'; do
        grep -qF "$line" "$out" || fail "$reactor: no '$line' in the log"
      done
    done
    ;;

  logfile)
    # --log-file: nothing on stdout, everything in the file.
    start logfile --log-file "$tmp/logfile.log" chat --listen tcp:0:interface=127.0.0.1
    # --log-level error: a failed listen is logged (critical), info is not.
    rc=0
    "$twist" --log-level error chat --listen "tcp:$port:interface=127.0.0.1" >"$tmp/level.out" \
      2>"$tmp/level.err" || rc=$?
    [[ $rc == 1 ]] || fail "listening on a busy port exited with $rc"
    grep -q "Couldn't listen on 127.0.0.1:$port" "$tmp/level.err" || fail "no error on stderr"
    grep -q "\[twist#critical\] Couldn't listen on 127.0.0.1:$port" "$tmp/level.out" ||
      fail "no critical log line"
    ! grep -q 'Starting' "$tmp/level.out" || fail "info lines logged at --log-level error"
    stop TERM
    [[ ! -s $tmp/logfile.out ]] || fail "--log-file still wrote to stdout"
    grep -q 'ChatFactory starting on' "$tmp/logfile.log" || fail "log file lacks the port"
    grep -q 'Main loop terminated.' "$tmp/logfile.log" || fail "log file lacks shutdown"
    ;;

  logformat)
    # Not a terminal: JSON records (RFC 7464, as Twisted's twist), which
    # Python reads back; `--log-file +` is stderr; a log file is JSON too.
    json_port() {  # json_port FILE: the port of the JSON "starting on" record
      "$py" - "$1" <<'PY' 2>/dev/null || true
import json, re, sys
for record in open(sys.argv[1], encoding="utf-8").read().split("\x1e"):
    if record.endswith("\n"):
        # Twisted's legacy events (log.msg) carry "message", not "log_format".
        m = re.search(r"Factory starting on (\d+)$", " ".join(json.loads(record).get("message", [])))
        if m:
            print(m.group(1))
PY
    }
    for where in + file; do
      log=$tmp/json.out
      [[ $where == file ]] && log=$tmp/json.log
      rm -f "$log"
      if [[ $where == + ]]; then
        env --default-signal=INT "$twist_binary" --log-file + echo \
          --listen tcp:0:interface=127.0.0.1 >"$tmp/json.stdout" 2>"$log" &
      else
        env --default-signal=INT "$twist_binary" --log-file "$log" echo \
          --listen tcp:0:interface=127.0.0.1 >"$tmp/json.stdout" 2>&1 &
      fi
      pid=$!
      pids+=("$pid")
      port=
      for _ in $(seq 200); do
        port=$(json_port "$log")
        [[ -n $port ]] && break
        kill -0 "$pid" 2>/dev/null || fail "twist --log-file $where exited early"
        sleep 0.05
      done
      [[ -n $port ]] || fail "no JSON 'starting on' record in the log ($where)"
      "$py" "$here/services_client.py" echo "$port" || fail "echo client"
      stop TERM
      [[ ! -s $tmp/json.stdout ]] || fail "--log-file $where wrote to stdout"
      "$py" -c '
import json, sys
records = [r for r in open(sys.argv[1], encoding="utf-8").read().split("\x1e") if r]
assert all(r.endswith("\n") for r in records), "a record without its newline"
texts = [json.loads(r).get("log_format") or " ".join(json.loads(r)["message"]) for r in records]
assert "Main loop terminated." in texts and "Starting reactor..." in texts, texts
' "$log" || fail "the JSON log ($where) does not parse"
    done
    ;;

  sighup)
    # logrotate's way: move the log file away, then SIGHUP. twist reopens
    # the path, so what it logs from then on lands in a new file there.
    log=$tmp/sighup.log
    start sighup --log-file "$log" chat --listen tcp:0:interface=127.0.0.1
    mv "$log" "$tmp/sighup.moved"
    kill -HUP "$pid"
    for _ in $(seq 200); do
      grep -qs 'Received SIGHUP, reopened the log file.' "$log" && break
      kill -0 "$pid" 2>/dev/null || fail "twist died of SIGHUP"
      sleep 0.05
    done
    grep -qs 'Received SIGHUP, reopened the log file.' "$log" || fail "no new log file after SIGHUP"
    "$py" "$here/chat_client.py" "$port" || fail "chat client after SIGHUP"
    stop TERM
    for line in 'alice joined' 'bob left' 'Main loop terminated.'; do
      grep -qF "$line" "$log" || fail "the new log file lacks '$line'"
      ! grep -qF "$line" "$tmp/sighup.moved" || fail "'$line' went to the moved file"
    done
    grep -q 'ChatFactory starting on' "$tmp/sighup.moved" || fail "the moved file lost its lines"
    ;;

  sigpipe)
    # `twist chat | head -n 1`: the reader of the log goes away, then a user
    # joins and twist logs into the closed pipe. It must live on (SIGPIPE
    # is reset to its default, as a shell may have ignored it), say once on
    # stderr that it stopped logging, serve on and exit 0.
    mkfifo "$tmp/log.fifo"
    env --default-signal=INT,PIPE "$twist" chat --listen tcp:0:interface=127.0.0.1 \
      >"$tmp/log.fifo" 2>"$tmp/sigpipe.err" &
    pid=$!
    pids+=("$pid")
    exec 3<"$tmp/log.fifo"
    port=
    while IFS= read -r -t 20 line <&3; do
      if [[ $line =~ Factory\ starting\ on\ ([0-9]+)$ ]]; then
        port=${BASH_REMATCH[1]}
        break
      fi
    done
    exec 3<&-  # what `head -n 1` does after its line
    [[ -n $port ]] || fail "twist did not log its port"
    "$py" "$here/chat_client.py" "$port" || fail "chat client after the log reader left"
    kill -0 "$pid" 2>/dev/null || fail "twist died when its log reader went away"
    "$py" "$here/chat_client.py" "$port" || fail "chat client, second round"
    stop TERM
    [[ $(grep -c 'cannot write the log (Broken pipe); dropping this observer' \
      "$tmp/sigpipe.err") == 1 ]] || fail "no single 'dropping' line on stderr: $(cat "$tmp/sigpipe.err")"
    ;;

  echo)
    # Two --listen endpoints, IPv4 and (where the machine has it) IPv6.
    if "$py" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
      start echo echo --listen tcp:0:interface=127.0.0.1 --listen 'tcp6:0:interface=\:\:1'
      "$py" "$here/services_client.py" echo "$port" || fail "echo client"
      port6=$(sed -n 's/.*Factory starting on \([0-9]*\)$/\1/p' "$tmp/echo.out" | sed -n 2p)
      [[ -n $port6 ]] || fail "no second port"
      "$py" "$here/services_client.py" echo6 "$port6" || fail "echo client over IPv6"
    else
      echo "no IPv6 loopback: IPv4 only"
      start echo echo --listen tcp:0:interface=127.0.0.1 --listen tcp:0:interface=127.0.0.1
      "$py" "$here/services_client.py" echo "$port" || fail "echo client"
    fi
    stop TERM
    ;;

  drain)
    # Graceful drain: 1000 connections, each with a request the server has
    # read and answers 3 s later, through SIGTERM: every response arrives,
    # then EOF, and twist exits 0.
    ulimit -n "$(ulimit -Hn)"
    start drain --drain-timeout 30 echo --delay 3 --listen tcp:0:interface=127.0.0.1
    "$py" "$here/drain_client.py" "$port" "$pid" 1000 complete || fail "responses lost"
    timeout 20 tail --pid="$pid" -f /dev/null || fail "twist did not exit after draining"
    rc=0
    wait "$pid" || rc=$?
    [[ $rc == 0 ]] || fail "twist exited with $rc after draining"
    grep -qF 'Main loop terminated.' "$tmp/drain.out" || fail "no 'Main loop terminated.'"
    ;;

  drain-deadline)
    # Responses due after the drain deadline: at the deadline the server
    # closes the connections still open and exits 0 in bounded time.
    ulimit -n "$(ulimit -Hn)"
    start drain-deadline --drain-timeout 1 echo --delay 600 --listen tcp:0:interface=127.0.0.1
    "$py" "$here/drain_client.py" "$port" "$pid" 200 deadline || fail "connections not closed"
    timeout 20 tail --pid="$pid" -f /dev/null || fail "twist did not exit after the deadline"
    rc=0
    wait "$pid" || rc=$?
    [[ $rc == 0 ]] || fail "twist exited with $rc after the drain deadline"
    grep -qF 'Drain timeout' "$tmp/drain-deadline.out" || fail "no 'Drain timeout' log line"
    ;;

  workers)
    # --workers 2: two reactor threads share the port (SO_REUSEPORT); both
    # listen, and on SIGTERM both drain: 1000 connections mid-request, 0 lost.
    ulimit -n "$(ulimit -Hn)"
    start workers --workers 2 --drain-timeout 30 echo --delay 3 --listen tcp:0:interface=127.0.0.1
    wait_lines "$tmp/workers.out" 2 "Factory starting on $port"
    grep -qF 'Started 2 workers' "$tmp/workers.out" || fail "no 'Started 2 workers'"
    "$py" "$here/drain_client.py" "$port" "$pid" 1000 complete || fail "responses lost"
    timeout 20 tail --pid="$pid" -f /dev/null || fail "twist did not exit after draining"
    rc=0
    wait "$pid" || rc=$?
    [[ $rc == 0 ]] || fail "twist exited with $rc after draining"
    [[ $(grep -cF "(TCP Port $port Closed)" "$tmp/workers.out") == 2 ]] || fail "not both ports closed"
    # Only tcp: endpoints can be shared; a bad count is a usage error.
    expect_rc 64 --workers 2 echo --listen unix:"$tmp/sock"
    grep -q 'workers needs tcp: or tcp6: endpoints' "$tmp/cli.out" || fail "no unix: error"
    expect_rc 64 --workers 0 echo
    expect_rc 64 --workers 2 procmon /bin/true
    ;;

  chat-workers)
    # --workers 2 chat: 16 users spread over both workers all hear one
    # another (callFromThread between the workers' reactors), names are
    # unique across workers; SIGTERM drains both.
    start chat-workers --workers 2 chat --listen tcp:0:interface=127.0.0.1
    wait_lines "$tmp/chat-workers.out" 2 "Factory starting on $port"
    "$py" "$here/chat_workers_client.py" "$port" 16 || fail "users did not hear each other"
    # Each worker's port numbers its sessions from 0: two session-0 users
    # means both workers had users (all 16 on one: a 2^-15 chance).
    [[ $(grep -c '\[Chat,0,.*joined' "$tmp/chat-workers.out") == 2 ]] ||
      fail "the users did not land on both workers"
    stop TERM
    ;;

  echo-stall)
    # Clients that send and never read: the echo server stops reading from
    # them (bounded memory) instead of buffering all they send. Without
    # quarantine, ASan's RSS reflects what the server holds.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
      start echo-stall echo --listen tcp:0:interface=127.0.0.1
    "$py" "$here/stall_client.py" echo "$port" "$pid" || fail "echo memory not bounded"
    stop TERM
    ;;

  chat-sendq)
    # A user who never reads is disconnected once the send queue limit is
    # passed, with a log line; the server's memory stays bounded.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
      start chat-sendq chat --listen tcp:0:interface=127.0.0.1
    "$py" "$here/stall_client.py" chat "$port" "$pid" || fail "chat memory not bounded"
    grep -q '\] slow: sendq exceeded' "$tmp/chat-sendq.out" || fail "no 'sendq exceeded' log line"
    grep -q 'slow left' "$tmp/chat-sendq.out" || fail "the stalled user did not leave"
    stop TERM
    ;;

  portforward-stall)
    # Clients that send and never read, through a forwarder to `twist echo`:
    # each transport of the forwarder is the other's producer, so it stops
    # reading from one side while the other side's buffer is full.
    start echo echo --listen tcp:0:interface=127.0.0.1
    echo_port=$port
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
      start portforward-stall portforward --port 0 --dest-host 127.0.0.1 --dest-port "$echo_port"
    "$py" "$here/stall_client.py" echo "$port" "$pid" || fail "portforward memory not bounded"
    stop TERM
    ;;

  drain-open)
    # Connections still open at SIGTERM: discard owes its client nothing and
    # chargen never finishes, so both close at once instead of at the drain
    # deadline (30 s here).
    for svc in discard chargen; do
      start "drain-$svc" --drain-timeout 30 "$svc" --listen tcp:0:interface=127.0.0.1
      "$py" "$here/drain_open_client.py" "$port" "$pid" "$svc" || fail "$svc: not closed on drain"
      timeout 10 tail --pid="$pid" -f /dev/null || fail "twist $svc did not exit after draining"
      rc=0
      wait "$pid" || rc=$?
      [[ $rc == 0 ]] || fail "twist $svc exited with $rc after draining"
    done
    ;;

  discard | chargen | daytime | time)
    start "$mode" "$mode" --listen tcp:0:interface=127.0.0.1
    "$py" "$here/services_client.py" "$mode" "$port" || fail "$mode client"
    stop TERM
    ;;

  qotd)
    start qotd qotd --listen tcp:0:interface=127.0.0.1
    "$py" "$here/services_client.py" qotd "$port" || fail "default quote"
    stop TERM
    start qotd-custom qotd --quote "Hello from twist" --listen tcp:0:interface=127.0.0.1
    "$py" "$here/services_client.py" qotd-custom "$port" || fail "--quote"
    stop TERM
    ;;

  portforward)
    # 1 MiB through a forwarder to `twist echo`, and a refused destination.
    start echo echo --listen tcp:0:interface=127.0.0.1
    echo_pid=$pid echo_port=$port
    start portforward portforward --port 0 --dest-host 127.0.0.1 --dest-port "$echo_port"
    "$py" "$here/services_client.py" portforward "$port" || fail "portforward client"
    stop TERM
    pid=$echo_pid
    stop TERM
    # The echo server is gone: the forwarder closes the accepted connection.
    start refused portforward --port 0 --dest-host 127.0.0.1 --dest-port "$echo_port"
    "$py" "$here/services_client.py" closed "$port" || fail "forwarding to nobody"
    # The log gives the real reason, not the accepted side's clean close.
    for _ in $(seq 100); do
      grep -q 'Unable to connect to peer' "$tmp/refused.out" && break
      sleep 0.05
    done
    grep -q 'Unable to connect to peer: Connection was refused by other side' "$tmp/refused.out" ||
      fail "no 'Unable to connect to peer: Connection was refused' logged"
    stop TERM
    ;;

  portforward-tls)
    # --connect tls:HOST:PORT: a TLS-originating forwarder (plaintext in,
    # TLS to a `twist echo --listen ssl:` server whose name is verified).
    certs=$tmp/certs
    bash "$here/../../interop/make_certs.sh" "$certs"
    start echo-ssl echo --listen "ssl:0:privateKey=$certs/server-both.pem:interface=127.0.0.1"
    echo_pid=$pid echo_port=$port
    start forward portforward --port 0 --connect "tls:localhost:$echo_port:trustRoots=$certs/ca.pem"
    "$py" "$here/services_client.py" portforward "$port" || fail "forwarding over TLS"
    stop TERM
    # A server the trust root does not vouch for: no bytes get through.
    start stranger portforward --port 0 \
      --connect "tls:localhost:$echo_port:trustRoots=$certs/other-ca.pem"
    "$py" "$here/services_client.py" closed "$port" || fail "forwarding to an unverified server"
    stop TERM
    pid=$echo_pid
    stop TERM
    # Bad descriptions are usage errors; unreadable files a one-line error.
    expect_rc 64 portforward --port 0 --connect "tls:localhost"
    grep -q "missing argument 'port' for 'tls'" "$tmp/cli.out" || fail "no port"
    expect_rc 64 portforward --port 0 --connect "tcp:localhost:1" --dest-port 2
    expect_rc 1 portforward --port 0 --connect "tls:localhost:1:trustRoots=$tmp/nope.pem"
    grep -q "^twist portforward: no such trust root: '.*nope.pem'$" "$tmp/cli.out" ||
      fail "missing trust root"
    ;;

  procmon)
    # A child that crashes at once is restarted again and again (backoff
    # from 0.05 s, doubling up to 0.2 s); its stdout and stderr are logged
    # line by line, tagged with its command line.
    script='echo started; echo oops >&2; exit 1'
    start_logging procmon procmon --threshold 60 --minrestartdelay 0.05 -M 0.2 \
      /bin/sh -c "$script"
    out=$tmp/procmon.out
    wait_lines "$out" 4 "[/bin/sh -c $script] started"
    stop INT
    grep -qF "[twisted.runner.procmon.ProcessMonitor#info] [/bin/sh -c $script] oops" "$out" ||
      fail "stderr not logged with the name as prefix"
    for line in 'Starting reactor...' 'Received SIGINT, shutting down.' 'Main loop terminated.'; do
      grep -qF "$line" "$out" || fail "no '$line' in the log"
    done
    # Everything from COMMAND on is the child's, options included; "--"
    # ends twist's options; a command without a slash is looked up as
    # Twisted's child does (/bin, /usr/bin).
    start_logging argv procmon /bin/echo --threshold 5 -k
    wait_lines "$tmp/argv.out" 2 '[/bin/echo --threshold 5 -k] --threshold 5 -k'
    stop TERM
    start_logging dashdash procmon -m 60 -- echo -n --killtime
    wait_lines "$tmp/dashdash.out" 1 '[echo -n --killtime] --killtime'
    stop TERM
    # A command named like a twist service is still the child's.
    start_logging subname procmon -m 60 echo chat
    wait_lines "$tmp/subname.out" 1 '[echo chat] chat'
    stop TERM
    ;;

  procmon-kill)
    # On SIGTERM, a child that traps TERM gets KILL after --killtime; twist
    # waits for it before exiting, and leaves no child behind.
    start_logging procmon-kill procmon --killtime 0.5 /bin/sh -c \
      'trap "echo got TERM" TERM; echo "pid $$"; while :; do sleep 0.05; done'
    out=$tmp/procmon-kill.out
    wait_lines "$out" 1 '] pid '
    child=$(sed -n 's/.*\] pid \([0-9]*\)$/\1/p' "$out" | head -1)
    kill -0 "$child" || fail "no child $child"
    stop TERM
    grep -qF '] got TERM' "$out" || fail "the child did not get TERM first"
    ! kill -0 "$child" 2>/dev/null || fail "child $child still runs after twist exited"
    [[ $(grep -cF '] pid ' "$out") == 1 ]] || fail "the child was restarted while stopping"
    ;;

  ssl)
    # --listen ssl:...: the same services over TLS (listenSSL), checked with
    # `openssl s_client` against a CA made by the openssl CLI.
    certs=$tmp/certs
    bash "$here/../../interop/make_certs.sh" "$certs"
    source "$here/../../interop/tls_lib.sh"
    # Errors in the description: EX_USAGE, before anything is read.
    expect_rc 64 echo --listen ssl:0
    grep -q "invalid endpoint 'ssl:0': privateKey is missing" "$tmp/cli.out" || fail "no privateKey"
    expect_rc 64 echo --listen ssl:0:privateKey=k.pem:sslmethod=TLSv1_METHOD
    grep -q "sslmethod is not supported" "$tmp/cli.out" || fail "sslmethod"
    # Files that cannot serve: one line on stderr, exit 1 as for a port
    # that cannot be opened.
    expect_rc 1 echo --listen "ssl:0:privateKey=$tmp/nope.pem:interface=127.0.0.1"
    grep -q "^twist echo: Couldn't listen on ssl:0:privateKey=.*nope.pem.*: cannot read private key file '.*nope.pem'$" \
      "$tmp/cli.out" || fail "missing key file"
    expect_rc 1 echo --listen "ssl:0:privateKey=$certs/server.key:certKey=$certs/client.pem"
    grep -q "^twist echo: Couldn't listen on .*: the private key does not match the certificate" \
      "$tmp/cli.out" || fail "mismatched key"
    expect_rc 1 echo --listen "ssl:0:privateKey=$certs/server.key:certKey=$certs/server.key"
    grep -q "^twist echo: Couldn't listen on .*: no PEM certificate found (certificate file '.*server.key')$" \
      "$tmp/cli.out" || fail "no certificate in certKey"
    expect_rc 1 echo --listen "ssl:0:privateKey=$certs/server.pem"
    grep -q "^twist echo: Couldn't listen on .*: no PEM private key found.*server.pem" \
      "$tmp/cli.out" || fail "no key in privateKey"
    # The critical log line and the error on stderr, nothing more.
    [[ $(grep -c . "$tmp/cli.out") == 2 ]] || fail "more than the log line and the error line"
    # A port that cannot be opened after a good ssl: one: exit 1, as for tcp:.
    expect_rc 1 echo --listen "ssl:0:privateKey=$certs/server-both.pem:interface=127.0.0.1" \
      --listen tcp:1:interface=192.0.2.1
    grep -q "^twist echo: Couldn't listen on" "$tmp/cli.out" || fail "bad interface after ssl:"

    # echo: one PEM file with key and certificate, and key + certificate
    # apart; TLS 1.3 and 1.2; a plain tcp: port beside them.
    start echo-ssl echo --listen "ssl:0:privateKey=$certs/server-both.pem:interface=127.0.0.1" \
      --listen "ssl:0:privateKey=$certs/server.key:certKey=$certs/server.pem:interface=127.0.0.1" \
      --listen tcp:0:interface=127.0.0.1
    wait_lines "$tmp/echo-ssl.out" 3 " starting on "
    ports=$(sed -n 's/.*Factory\( (TLS)\)\{0,1\} starting on \([0-9]*\)$/\2/p' "$tmp/echo-ssl.out")
    port2=$(echo "$ports" | sed -n 2p) port3=$(echo "$ports" | sed -n 3p)
    [[ -n $port2 && -n $port3 ]] || fail "not three ports"
    s_client_echo "$tmp/s13.txt" "$port" "hello over TLS 1.3"
    grep -q 'New, TLSv1.3' "$tmp/s13.txt" || fail "not TLS 1.3"
    s_client_echo "$tmp/s12.txt" "$port2" "hello over TLS 1.2" -tls1_2
    grep -q 'New, TLSv1.2' "$tmp/s12.txt" || fail "not TLS 1.2"
    "$py" "$here/services_client.py" echo "$port3" || fail "plain echo beside TLS"
    grep -q 'Factory (TLS) starting on' "$tmp/echo-ssl.out" || fail "no TLS factory log"
    stop TERM

    # extraCertChain: the intermediate is sent after the leaf, so a client
    # that trusts only the root verifies; without it, it cannot.
    start chain echo --listen "ssl:0:privateKey=$certs/chained.key:certKey=$certs/chained.pem:extraCertChain=$certs/mid.pem:interface=127.0.0.1"
    s_client_echo "$tmp/chain.txt" "$port" "hello through an intermediate"
    grep -q 'CN = twistedcpp test intermediate' "$tmp/chain.txt" || fail "no intermediate sent"
    stop TERM
    start nochain echo --listen "ssl:0:privateKey=$certs/chained.key:certKey=$certs/chained.pem:interface=127.0.0.1"
    rc=0
    timeout 30 openssl s_client -connect "127.0.0.1:$port" -verify_return_error \
      -CAfile "$certs/ca.pem" -servername localhost </dev/null >"$tmp/nochain.txt" 2>&1 || rc=$?
    [[ $rc != 0 ]] || fail "verified without the intermediate"
    stop TERM

    # qotd: the quote, then close_notify and the close.
    start qotd-ssl qotd --quote "TLS quote." \
      --listen "ssl:0:privateKey=$certs/server-both.pem:interface=127.0.0.1"
    timeout 30 openssl s_client -connect "127.0.0.1:$port" -verify_return_error \
      -CAfile "$certs/ca.pem" -servername localhost -ign_eof </dev/null >"$tmp/qotd.txt" 2>&1 ||
      { cat "$tmp/qotd.txt"; fail "s_client to qotd"; }
    grep -q '^TLS quote\.' "$tmp/qotd.txt" || { cat "$tmp/qotd.txt"; fail "no quote over TLS"; }
    stop TERM
    ;;

  systemd)
    # A socket inherited as systemd passes it (fd 3, LISTEN_FDS, LISTEN_PID):
    # twist adopts it with --listen systemd:domain=...:index=0.
    "$py" "$here/socket_activate.py" "$tmp/addr" INET "$twist" echo \
      --listen systemd:domain=INET:index=0 >"$tmp/systemd.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
      grep -q 'starting on' "$tmp/systemd.out" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || fail "twist exited early"
      sleep 0.05
    done
    port=$(cat "$tmp/addr")
    "$py" "$here/services_client.py" echo "$port" || fail "echo over the inherited socket"
    stop TERM
    # A Unix socket likewise.
    "$py" "$here/socket_activate.py" "$tmp/uaddr" "UNIX:$tmp/echo.sock" "$twist" echo \
      --listen systemd:domain=UNIX:index=0 >"$tmp/systemd-unix.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 200); do
      [[ -e $tmp/uaddr ]] && grep -q 'starting on' "$tmp/systemd-unix.out" 2>/dev/null && break
      kill -0 "$pid" 2>/dev/null || fail "twist (unix) exited early"
      sleep 0.05
    done
    "$py" - "$tmp/echo.sock" <<'PY' || fail "echo over the inherited Unix socket"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"hello systemd\n")
got = b""
while len(got) < 14:
    got += s.recv(100)
assert got == b"hello systemd\n", got
PY
    stop TERM
    # systemd's own tool, where Debian has it (a free port picked first: it
    # binds the address it is given, and starts twist at the first connection).
    if command -v systemd-socket-activate >/dev/null; then
      free=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      systemd-socket-activate -l "127.0.0.1:$free" "$twist" echo \
        --listen systemd:domain=INET:index=0 >"$tmp/ssa.out" 2>&1 &
      pid=$!
      pids+=("$pid")
      for _ in $(seq 200); do
        grep -q 'Listening on' "$tmp/ssa.out" 2>/dev/null && break
        sleep 0.05
      done
      "$py" "$here/services_client.py" echo "$free" || fail "echo through systemd-socket-activate"
      stop TERM
    fi
    # Nothing inherited, or not at that index: a clear error, exit 1.
    expect_rc 1 echo --listen systemd:domain=INET:index=0
    grep -q "^twist echo: Couldn't listen on systemd:domain=INET:index=0: no sockets were inherited" \
      "$tmp/cli.out" || fail "no error for a missing socket"
    LISTEN_FDS=1 LISTEN_PID=1 expect_rc 1 echo --listen systemd:domain=INET:index=0
    "$py" "$here/socket_activate.py" "$tmp/addr2" INET "$twist" echo \
      --listen systemd:domain=INET:index=1 >"$tmp/cli.out" 2>&1 && fail "index 1 accepted"
    grep -q "no inherited socket at index 1 (LISTEN_FDS=1)" "$tmp/cli.out" ||
      fail "no error for index 1"
    expect_rc 64 echo --listen systemd:domain=INET
    expect_rc 64 echo --listen systemd:domain=IPX:index=0
    ;;

  ssl-stall)
    # echo-stall over TLS: clients that send and never read; the TLS layer
    # passes the echo's flow control down to TCP, so memory stays bounded.
    certs=$tmp/certs
    bash "$here/../../interop/make_certs.sh" "$certs"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
      start ssl-stall echo --listen "ssl:0:privateKey=$certs/server-both.pem:interface=127.0.0.1"
    "$py" "$here/stall_client.py" echo "$port" "$pid" "$certs/ca.pem" ||
      fail "echo memory not bounded over TLS"
    stop TERM
    ;;

  *)
    echo "unknown mode $mode"
    exit 2
    ;;
esac
echo "twist $mode: ok"
