#!/usr/bin/env python3
"""Tables for bench/run_tls.sh: medians of the runs in OUT/results.tsv.

Usage: report.py OUT_DIR   (prints Markdown)
"""
import statistics
import sys
from collections import defaultdict

BUSY = 15  # other_cpu_pct at or above this marks a run as disturbed

SCEN = {
    "b": ("(b) pingpong 100 conns x 64 B", "msgs_per_server_cpu_s", "msgs_per_s", "msgs/server-CPU-s", "msgs/s"),
    "e": ("(e) stream 10 conns x 64 KiB", "mib_per_server_cpu_s", "mib_per_s", "MiB/server-CPU-s", "MiB/s"),
    "hs1": ("full handshakes, 1 at a time", "handshakes_per_server_cpu_s", "handshakes_per_s",
            "handshakes/server-CPU-s", "handshakes/s"),
    "hs8": ("full handshakes, 8 concurrent", "handshakes_per_server_cpu_s", "handshakes_per_s",
            "handshakes/server-CPU-s", "handshakes/s"),
}
NAMES = {"ours": "twistedcpp TLS", "openssl": "hand-written OpenSSL+epoll", "plain": "twistedcpp cleartext",
         "s_server": "openssl s_server -www"}


def kv(line):
    out = {}
    for tok in line.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def num(d, k):
    try:
        v = float(d[k])
        return None if v != v else v
    except (KeyError, ValueError):
        return None


def main():
    out = sys.argv[1]
    runs = defaultdict(list)  # (srv, scen) -> [(status, kv)]
    rows = []
    for row in open(f"{out}/results.tsv"):
        parts = row.rstrip("\n").split("\t")
        if len(parts) < 5:
            parts += [""] * (5 - len(parts))
        _, srv, scen, status, line = parts[:5]
        runs[(srv, scen)].append((status, kv(line)))
        rows.append((parts[0], srv, scen, status, kv(line)))

    def cell(srv, scen, key):
        vals, busy, fails = [], False, 0
        for status, d in runs.get((srv, scen), []):
            v = num(d, key)
            if status != "ok" or v is None:
                fails += 1
                continue
            vals.append(v)
            busy |= (num(d, "other_cpu_pct") or 0) >= BUSY
        if not vals:
            return None, ("fail" if fails else "-")
        med = statistics.median(vals)
        prec = 1 if max(vals) < 100 else 0
        text = f"{med:,.{prec}f} [{min(vals):,.{prec}f}-{max(vals):,.{prec}f}]"
        if fails:
            text += f" ({fails} failed)"
        return med, text + (" !" if busy else "")

    def ratio(a, b):
        return f"{a / b:.2f}" if a and b else "-"

    def paired(sa, sb, scen, key):
        """Median over runs of the ratio within each run (the cells of a run
        ran back to back, so slow drifts of the machine cancel out)."""
        by_run = defaultdict(dict)
        for row in rows:
            run, srv, sc, status, d = row
            v = num(d, key)
            if sc == scen and status == "ok" and v:
                by_run[run][srv] = v
        rs = [r[sa] / r[sb] for r in by_run.values() if sa in r and sb in r]
        return f"{statistics.median(rs):.2f}" if rs else "-"

    p = print
    p(open(f"{out}/machine.txt").read().rstrip().replace("\n", "  \n"))
    p("\nMedians of the runs [min-max]. `!` = in at least one run other processes/softirq used "
      f">= {BUSY}% of a CPU (disturbed).\n")

    p("### TLS echo: work per server CPU-second\n")
    p("Ratios: of the medians, and (in brackets) the median of the per-run ratios.\n")
    p("| scenario | unit | twistedcpp TLS | hand-written OpenSSL | twistedcpp cleartext | ours/hand-written | "
      "ours TLS/ours cleartext |")
    p("|---|---|---|---|---|---|---|")
    for scen in ("b", "e"):
        title, key, _, unit, _ = SCEN[scen]
        o, ot = cell("ours", scen, key)
        h, ht = cell("openssl", scen, key)
        c, ct = cell("plain", scen, key)
        p(f"| {title} | {unit} | {ot} | {ht} | {ct} | {ratio(o, h)} ({paired('ours', 'openssl', scen, key)}) | "
          f"{ratio(o, c)} ({paired('ours', 'plain', scen, key)}) |")

    p("\n### TLS echo: throughput and CPU (server / loadgen / other, % of one CPU)\n")
    p("| scenario | server | throughput | CPU % server / loadgen / other |")
    p("|---|---|---|---|")
    for scen in ("b", "e"):
        title, _, rkey, _, runit = SCEN[scen]
        for srv in ("ours", "openssl", "plain"):
            _, t = cell(srv, scen, rkey)
            cpus = []
            for k in ("server_cpu_pct", "loadgen_cpu_pct", "other_cpu_pct"):
                m, _ = cell(srv, scen, k)
                cpus.append("-" if m is None else f"{m:.0f}")
            p(f"| {title} | {NAMES[srv]} | {t} {runit} | {' / '.join(cpus)} |")

    p("\n### Full handshakes (TLS 1.3, no resumption): handshakes per server CPU-second\n")
    p("Ratios: of the medians, and (in brackets) the median of the per-run ratios.\n")
    p("| concurrency | twistedcpp TLS | hand-written OpenSSL | openssl s_server | ours/hand-written | ours/s_server |")
    p("|---|---|---|---|---|---|")
    for scen in ("hs1", "hs8"):
        title, key, _, _, _ = SCEN[scen]
        o, ot = cell("ours", scen, key)
        h, ht = cell("openssl", scen, key)
        s, st = cell("s_server", scen, key)
        p(f"| {title} | {ot} | {ht} | {st} | {ratio(o, h)} ({paired('ours', 'openssl', scen, key)}) | "
          f"{ratio(o, s)} ({paired('ours', 's_server', scen, key)}) |")

    p("\n### Full handshakes: handshakes per second (wall clock) and server CPU %\n")
    p("| concurrency | server | handshakes/s | server CPU % | p50 latency us |")
    p("|---|---|---|---|---|")
    for scen in ("hs1", "hs8"):
        title = SCEN[scen][0]
        for srv in ("ours", "openssl", "s_server"):
            if (srv, scen) not in runs:
                continue
            _, t = cell(srv, scen, "handshakes_per_s")
            m, _ = cell(srv, scen, "server_cpu_pct")
            l, _ = cell(srv, scen, "p50_us")
            p(f"| {title} | {NAMES[srv]} | {t} | {'-' if m is None else f'{m:.0f}'} | "
              f"{'-' if l is None else f'{l:.0f}'} |")


main()
