#!/usr/bin/env bash
# Processes: the same child driven by Python Twisted's spawnProcess
# (process_peer.py) and by twistedcpp's (process_peer) must give the same
# ProcessProtocol callbacks. Usage: process.sh SCENARIO CPP_PEER PEER_PY
#   feed    the child reads stdin to EOF (the parent writes, then
#           closeStdin), writes to stdout and stderr, exits 3
#   silent  the child writes to stdout and stderr and exits 0, never
#           reading its stdin (left open by the parent)
#   signal  the child writes to stdout, then kills itself with SIGTERM
# Normalisation (docs/process.md, "Compared with Python Twisted"): from
# the first data callback to processEnded, the callbacks are grouped by stream
# (out, err, in, the process), each group in the order it came. stdout,
# stderr and the child's exit reach the parent through separate
# descriptors, so how they interleave is the poll's order, in both
# implementations (under load Twisted too has closed stdout before
# stderr's data arrived). Each side runs several times.
set -euo pipefail
scenario=$1 cpp=$2 peer=$3
py=/usr/bin/python3
case $scenario in
  feed) mode=feed
    child='import sys; d = sys.stdin.read(); sys.stdout.write("out:" + d); sys.stdout.flush(); sys.stderr.write("err\n"); sys.exit(3)' ;;
  silent) mode=silent
    child='import sys; sys.stdout.write("out\n"); sys.stdout.flush(); sys.stderr.write("err\n")' ;;
  signal) mode=silent
    child='import os, sys; sys.stdout.write("out\n"); sys.stdout.flush(); os.kill(os.getpid(), 15)' ;;
  *) echo "FAIL: unknown scenario $scenario"; exit 1 ;;
esac
normalise() {
  "$py" -c '
import sys
lines = sys.stdin.read().splitlines()
events = [l for l in lines if not l.startswith("data ")]
data = [l for l in lines if l.startswith("data ")]
assert events[0] == "connectionMade" and events[-1].startswith("processEnded "), events
streams = ["out", "err", "in", "process"]
def stream(e):
    return next(i for i, s in enumerate(streams) if e.startswith(s))
# Before the first data the order is causal (feed: stdin is closed, then
# the child answers); from there on, grouped.
first = next((i for i, e in enumerate(events) if e.endswith("Received")), len(events) - 1)
middle = sorted(events[first:-1], key=stream)  # stable: each stream keeps its order
print("\n".join(events[:first] + middle + events[-1:] + data))
'
}
expected=
for run in 1 2 3 4 5; do
  for side in twisted cpp; do
    if [[ $side == twisted ]]; then
      raw=$("$py" "$peer" "$mode" "$py" -c "$child")
    else
      raw=$("$cpp" "$mode" "$py" -c "$child")
    fi
    echo "$side, run $run: $(echo "$raw" | grep -v '^data ' | paste -sd' ')"
    got=$(echo "$raw" | normalise)
    if [[ -z $expected ]]; then
      expected=$got
    elif [[ $got != "$expected" ]]; then
      echo "FAIL ($scenario): $side differs"
      diff <(echo "$expected") <(echo "$got") || true
      exit 1
    fi
  done
done
echo "$expected"
echo "process $scenario ok"
