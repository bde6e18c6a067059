#!/usr/bin/env python3
"""Reads bench/run.sh's JSON lines and prints fbvncd/x11vnc ratios per
workload, encoding and rate (bytes and server CPU; latency for squares and
typing), with the FramebufferUpdates each server sent where the scroll client
could count them (ZRLE).
A workload measured in several rounds counts with its median figures."""
import json
import statistics
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows:
    if r.get("workload") == "squares":
        if not str(r.get("phase", "")).startswith("rate"):
            continue
        key = ("squares", "zrle", r["phase"][4:])
        by.setdefault(key, {}).setdefault(r["server"], []).append((r["bytes"], r["server_cpu_pct"], r.get("lat_ms_p50"), None))
    elif r.get("workload") == "typing":
        key = ("typing" if r.get("key", True) else "typing@board", "raw", f'{r["rate"]:g}')
        by.setdefault(key, {}).setdefault(r["server"], []).append((None, r["server_cpu_pct"], r["lat_ms_p50"], None))
    elif "content" in r:
        key = (r["content"], r["enc"], f'{r["rate"]:g}')
        by.setdefault(key, {}).setdefault(r["server"], []).append((r["bytes"], r["server_cpu_pct"], None, r.get("updates")))


def median(runs):
    """Per figure, the median over the rounds (None stays None)."""
    if not runs:
        return None
    return tuple(None if None in col else statistics.median(col) for col in zip(*runs))


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def n(v):
    return f"{v:.0f}" if v is not None else "-"


def ms(v):
    return f"{v:.1f}" if v is not None else "-"


print(f"{'workload':8} {'enc':16} {'rate':>4} | {'fbvncd kB':>10} {'x11vnc kB':>10} {'bytes':>6} | "
      f"{'fb cpu%':>7} {'x cpu%':>7} {'cpu':>6} | {'fb p50':>6} {'x p50':>6} | {'fb upd':>6} {'x upd':>6}")
for key in sorted(by):
    f, x = median(by[key].get("fbvncd")), median(by[key].get("x11vnc"))
    if not f or not x:
        continue
    kb = (lambda v: f"{v / 1024:10.0f}" if v is not None else f"{'-':>10}")
    print(f"{key[0]:8} {key[1]:16} {key[2]:>4} | {kb(f[0])} {kb(x[0])} {ratio(f[0], x[0]):>6} | "
          f"{f[1]:7.2f} {x[1]:7.2f} {ratio(f[1], x[1]):>6} | {ms(f[2]):>6} {ms(x[2]):>6} | {n(f[3]):>6} {n(x[3]):>6}")
