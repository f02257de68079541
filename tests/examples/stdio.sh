#!/usr/bin/env bash
# examples/stdio/stdio_echo, driven from outside: stdin and stdout as pipes,
# as files, a big input through a slow reader (nothing lost), a reader that
# goes away (no death by SIGPIPE), and a terminal (a pty from Python).
# Usage: stdio.sh EXAMPLES_DIR
set -euo pipefail
bin=$1/stdio_echo
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}

# Pipes.
out=$(printf 'one\ntwo\n' | timeout 20 "$bin") || fail "pipes: exit $?"
[[ $out == $'Echo: one\nEcho: two' ]] || fail "pipes: got [$out]"

# Files.
printf 'from a file\n' >"$tmp/in"
timeout 20 "$bin" <"$tmp/in" >"$tmp/out" || fail "files: exit $?"
[[ $(cat "$tmp/out") == "Echo: from a file" ]] || fail "files: got [$(cat "$tmp/out")]"

# stdout a file, stdin a pipe that takes its time: every line is written,
# on every backend (a file's fd polls as always ready; it was once taken
# for a pipe whose reader had gone, and the rest was lost).
for reactor in epoll iouring poll select; do
  (echo a; sleep 0.3; echo b) | TWISTED_REACTOR=$reactor timeout 20 "$bin" >"$tmp/out" ||
    fail "slow pipe to a file on $reactor: exit $?"
  [[ $(cat "$tmp/out") == $'Echo: a\nEcho: b' ]] ||
    fail "slow pipe to a file on $reactor: got [$(cat "$tmp/out")]"
done

# 200 000 lines through a reader slower than us: every line comes back.
timeout 60 "$py" - "$bin" <<'PY' || fail "big input"
import subprocess, sys, time
lines = 200000
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
import threading
def feed():
    p.stdin.write(b"".join(b"%d\n" % i for i in range(lines)))
    p.stdin.close()
threading.Thread(target=feed).start()
time.sleep(0.5)  # let its stdout pipe fill up
out = p.stdout.read()
assert p.wait() == 0, p.returncode
expected = b"".join(b"Echo: %d\n" % i for i in range(lines))
assert out == expected, (len(out), len(expected))
PY

# The reader goes away: stdio_echo must not die of SIGPIPE (exit 0).
timeout 20 "$py" - "$bin" <<'PY' || fail "closed reader"
import subprocess, sys
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdout.close()
try:  # it ends (ConnectionLost) at its first write, and stops reading
    p.stdin.write(b"x\n" * 100000)
    p.stdin.close()
except BrokenPipeError:
    pass
rc = p.wait()
assert rc == 0, rc
PY

# A terminal: prompts, echo, and Ctrl-D (EOF) ends it.
timeout 20 "$py" - "$bin" <<'PY' || fail "terminal"
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1]])
def read_until(want):
    got = b""
    deadline = time.time() + 10
    while want not in got and time.time() < deadline:
        got += os.read(fd, 1024)
    assert want in got, got
read_until(b">>> ")
os.write(fd, b"typed\n")
read_until(b"Echo: typed")
os.write(fd, b"\x04")  # EOF at the start of a line
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
PY

echo "stdio example ok"
