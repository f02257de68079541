#!/usr/bin/env python3
"""report.py RESULTS.TXT... [PEER...] - the Markdown tables of
bench/run_process.sh from its result lines (process_common.h's format):
medians over the runs [min-max] and ratios of medians. Peers are listed in
the order given (default: the order they first appear)."""
import os
import statistics
import sys

files = [a for a in sys.argv[1:] if os.path.isfile(a)]
peers = [a for a in sys.argv[1:] if not os.path.isfile(a)]
rows = []
for f in files:
    for line in open(f):
        kv = dict(x.split("=", 1) for x in line.split() if "=" in x)
        if "impl" in kv:
            rows.append(kv)
if not peers:
    for r in rows:
        if r["impl"] not in peers:
            peers.append(r["impl"])


def vals(test, impl, key, variant=None):
    return [float(r[key]) for r in rows
            if r["test"] == test and r["impl"] == impl and (variant is None or r.get("variant") == variant)]


def fmt(x):
    return "%.0f" % x if x >= 100 else "%.1f" % x


def cell(v):
    if not v:
        return "-"
    return "%s [%s-%s]" % (fmt(statistics.median(v)), fmt(min(v)), fmt(max(v)))


def ratio(a, b):
    if not a or not b:
        return "-"
    return "%.2fx" % (statistics.median(a) / statistics.median(b))


for variant in sorted({r.get("variant") for r in rows if r["test"] == "spawn"}, key=lambda v: v != "pipes"):
    some = next(r for r in rows if r["test"] == "spawn" and r["variant"] == variant)
    print("### spawn + reap of /bin/true, %s, %s in flight (runs: %d per peer)\n"
          % (variant, some["inflight"], len(vals("spawn", peers[0], "procs_per_s", variant))))
    print("| peer | n | processes/s | / raw | / libuv | parent CPU us/process | / raw | / libuv |")
    print("|---|---|---|---|---|---|---|---|")
    raw_p, uv_p = vals("spawn", "raw", "procs_per_s", variant), vals("spawn", "libuv", "procs_per_s", variant)
    raw_c = vals("spawn", "raw", "parent_cpu_us_per_proc", variant)
    uv_c = vals("spawn", "libuv", "parent_cpu_us_per_proc", variant)
    for p in peers:
        pp, cc = vals("spawn", p, "procs_per_s", variant), vals("spawn", p, "parent_cpu_us_per_proc", variant)
        if not pp:
            continue
        n = next(r["n"] for r in rows if r["test"] == "spawn" and r["impl"] == p and r["variant"] == variant)
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            p, n, cell(pp), ratio(pp, raw_p), ratio(pp, uv_p), cell(cc), ratio(cc, raw_c), ratio(cc, uv_c)))
    print()

if any(r["test"] == "cat" for r in rows):
    some = next(r for r in rows if r["test"] == "cat")
    print("### /bin/cat, %d MiB through stdin -> stdout (runs: %d per peer)\n"
          % (int(some["bytes"]) // 1048576, len(vals("cat", peers[0], "mib_per_s"))))
    print("| peer | MiB/s | / raw | MiB per parent CPU-second | / raw | parent CPU s |")
    print("|---|---|---|---|---|---|")
    raw_t, raw_e = vals("cat", "raw", "mib_per_s"), vals("cat", "raw", "mib_per_cpu_s")
    for p in peers:
        t, e, c = vals("cat", p, "mib_per_s"), vals("cat", p, "mib_per_cpu_s"), vals("cat", p, "parent_cpu_s")
        if not t:
            continue
        print("| %s | %s | %s | %s | %s | %s |" % (
            p, cell(t), ratio(t, raw_t), cell(e), ratio(e, raw_e), "%.3f" % statistics.median(c)))
    print()
