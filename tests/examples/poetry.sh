#!/usr/bin/env bash
# Seed 004: two async poetry clients (FD-set API) against the slow server.
set -euo pipefail
server=$1 client=$2
out=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
"$server" --num-bytes 37 --delay 0.005 >"$out" &
pid=$!
for _ in $(seq 100); do grep -q 'Serving poetry on port' "$out" && break; sleep 0.05; done
port=$(sed -n 's/Serving poetry on port \([0-9]*\)\./\1/p' "$out")
[[ -n $port ]] || { echo "server did not start"; cat "$out"; exit 1; }
result=$(timeout 30 "$client" "127.0.0.1:$port" "$port")
echo "$result"
grep -q '^Task 1 finished$' <<<"$result"
grep -q '^Task 2 finished$' <<<"$result"
grep -q '^Got 2 poems in ' <<<"$result"
# Both got the whole sonnet (621 bytes), in several chunks each.
[[ $(grep -c '^Task [12]: 621 bytes of poetry$' <<<"$result") == 2 ]]
[[ $(grep -c '^Task 1: got ' <<<"$result") -gt 1 ]]
