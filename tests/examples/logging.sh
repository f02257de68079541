#!/usr/bin/env bash
# Runs the seeds' logging examples and compares their output, timestamps and
# source locations masked, with what Python Twisted writes for the same
# calls (the LogFile rotation at rotateLength=100 was checked against
# twisted.python.logfile 22.4: the same lines in the same files).
# Usage: logging.sh stdout|logfile EXAMPLES_DIR
set -euo pipefail
mode=$1 ex=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "2026-12-04T11:55:11+0000 " -> "TIME "; drop the C++ capture location lines.
mask() {
  sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} /TIME /' |
    grep -v $'^\t  captured at ' || true
}

case $mode in
  stdout)
    "$ex/logging_stdout" >"$tmp/out" 2>"$tmp/err"
    mask <"$tmp/out" >"$tmp/got"
    cat >"$tmp/want" <<'OUT'
TIME [-] Log opened.
TIME [-] Hello, log!
TIME [-] Handling a caught exception
	Traceback (most recent call last):
	Failure: std::invalid_argument: bad input
	
TIME [Poet,0,127.0.0.1] Reciting.
TIME [Poet,0,127.0.0.1] Unhandled Error
	Traceback (most recent call last):
	Failure: std::runtime_error: forgot the second verse
	
TIME [examples.logging_stdout#info] 3 poems from localhost
TIME [examples.logging_stdout#warn] {braces} are escaped
OUT
    ;;
  logfile)
    # A directory of our own, so the files can be checked after the run.
    "$ex/logging_logfile" "$tmp/logs" >"$tmp/out" 2>"$tmp/err"
    mask <"$tmp/out" | sed "s|$tmp/logs|DIR|" >"$tmp/got"
    cat >"$tmp/want" <<'OUT'
Log files in DIR:
== example.log.2
   TIME [-] Log opened.
   TIME [-] message number 1
   TIME [-] message number 2
== example.log.1
   TIME [-] message number 3
   TIME [-] message number 4
   TIME [-] message number 5
== example.log (current)
   TIME [-] message number 6
   TIME [-] message number 7
   TIME [-] message number 8
OUT
    # Exactly three files; each rotated one reached rotateLength (100 bytes)
    # only with its last line, as LogFile rotates before the write that
    # finds the file at or over the limit.
    [[ $(ls "$tmp/logs" | tr '\n' ' ') == "example.log example.log.1 example.log.2 " ]] ||
      { echo "FAIL: files: $(ls "$tmp/logs")"; exit 1; }
    for f in example.log.1 example.log.2; do
      size=$(stat -c %s "$tmp/logs/$f")
      last=$(tail -n 1 "$tmp/logs/$f" | wc -c)
      ((size >= 100 && size - last < 100)) || { echo "FAIL: $f has $size bytes"; exit 1; }
    done
    ;;
  *)
    echo "unknown mode $mode"
    exit 2
    ;;
esac
[[ ! -s $tmp/err ]] || { echo "FAIL: stderr:"; cat "$tmp/err"; exit 1; }
diff -u "$tmp/want" "$tmp/got" || { echo "FAIL: logging_$mode output differs"; exit 1; }
echo "logging_$mode: ok"
