#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Sweep hintsim over the load of one cluster, or over a grid of clusters.

usage:
  policy_sweep.py HINTSIM [--requests N] [--seed N] [--rates R,R,...] [--png FILE]
                  [-- HINTSIM FLAGS...]
  policy_sweep.py HINTSIM --grid [--requests N] [--seed N] [-- HINTSIM FLAGS...]

The cluster's capacity is the rate it could serve if it loaded models as
often as one pooled LRU cache of replicas x slots would (hintsim's first
pooled reference; it does not depend on the rate):

    capacity = replicas x concurrency / (service + load x pooled-LRU miss rate)

Rates go from 5 % to 95 % of it (or are the --rates given, in req/s). Each row prints hintlb's loads (x the lower
bound), p50 and p99, the best baseline's p50 and p99 (and which baseline),
chash_bounded's and chash's, and whether hintlb meets issue 14's rule at
that rate: fewer loads than chash_bounded and chash, p50 within 0.1 s and
p99 within 5 % of the best of round_robin, least_inflight, chash_bounded and
chash. --png plots loads and p99 against rate for every policy (gnuplot,
through bench_plot.py).

--grid runs the sweep on each cluster shape of GRID (flags after -- are
added to every shape) and prints one row per shape: the rates where hintlb
misses the rule and its worst margins.

Exit status: 0 when every row meets the rule, 1 when one misses, 2 on errors.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import bench_plot

BASELINES = ["round_robin", "least_inflight", "chash_bounded", "chash"]
POLICIES = ["hintlb"] + BASELINES
FRACTIONS = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
P50_SLACK_MS = 100.0
P99_SLACK = 1.05

# Cluster shapes beyond the reference (8 replicas x 3 slots, concurrency 1,
# 100 models, Zipf 1.0, load 8 s, service 1 s): each varies one or two of
# replicas (4..64), slots (2..8), concurrency, Zipf (0.6..1.4) and the
# load-to-service ratio (2..30); the last is the mission benchmark's.
GRID = [
    [],
    ["--replicas", "4"],
    ["--replicas", "16"],
    ["--replicas", "32", "--concurrency", "2"],
    ["--replicas", "64"],
    ["--slots", "2"],
    ["--slots", "5"],
    ["--slots", "8"],
    ["--concurrency", "2"],
    ["--concurrency", "4", "--slots", "4"],
    ["--zipf", "0.6"],
    ["--zipf", "1.4"],
    ["--load-ms", "2000"],
    ["--load-ms", "30000"],
    ["--replicas", "16", "--slots", "2", "--zipf", "1.4"],
    ["--replicas", "4", "--slots", "8", "--zipf", "0.6", "--load-ms", "30000"],
    # the mission benchmark's cluster (tests/bench/bench_mission.sh), at hintsim's times
    ["--replicas", "6", "--slots", "3", "--models", "50"],
]


def hintsim_json(exe, args):
    p = subprocess.run([exe, "--json"] + args, capture_output=True, text=True)
    if p.returncode != 0:
        print("policy_sweep: hintsim %s exited %d: %s" % (" ".join(args), p.returncode,
                                                          p.stderr.strip()), file=sys.stderr)
        sys.exit(2)
    return json.loads(p.stdout)


def capacity(exe, flags):
    doc = hintsim_json(exe, flags)
    wl = doc["workload"]
    lru = doc["pooled_lru"]["caches"][0]["model_loads"] / wl["requests"]
    return wl["replicas"] * wl["concurrency"] / (
        (wl["service_ms"] + wl["load_ms"] * lru) / 1000.0)


def best_baseline(pols, key):
    name = min(BASELINES, key=lambda b: pols[b][key])
    return name, pols[name][key]


def verdict(pols):
    """hintlb against the rule: (why it misses, or [])."""
    h = pols["hintlb"]
    why = []
    if not all(h["model_loads"] < pols[b]["model_loads"] for b in ("chash_bounded", "chash")):
        why.append("loads")
    _, best50 = best_baseline(pols, "p50_ms")
    _, best99 = best_baseline(pols, "p99_ms")
    if h["p50_ms"] - best50 > P50_SLACK_MS:
        why.append("p50 +%.1f s" % ((h["p50_ms"] - best50) / 1000))
    if h["p99_ms"] > P99_SLACK * best99:
        why.append("p99 x%.2f" % (h["p99_ms"] / best99))
    return why


def sweep(exe, flags, fractions, rates=None):
    cap = capacity(exe, flags)
    rows = []
    for f, rate in zip(fractions, [f * cap for f in fractions]) if rates is None else \
            [(r / cap, r) for r in rates]:
        doc = hintsim_json(exe, flags + ["--rate", "%.6g" % rate])
        pols = {p["name"]: p for p in doc["policies"]}
        rows.append((f, rate, pols, verdict(pols)))
    return cap, rows


def cell(q, p50=True):
    if p50:
        return "%.2fx / %.1f / %.1f" % (q["x_lower_bound"], q["p50_ms"] / 1000,
                                        q["p99_ms"] / 1000)
    return "%.2fx / %.1f" % (q["x_lower_bound"], q["p99_ms"] / 1000)


def print_sweep(title, cap, rows):
    print("cluster: %s; capacity %.3g req/s" % (title, cap))
    print("loads x lower bound / p50 s / p99 s\n")
    print("| load | rate /s | hintlb | best baseline p50 / p99 (which) | chash_bounded | chash "
          "| round_robin | least_inflight | rule |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f, rate, pols, why in rows:
        b50, v50 = best_baseline(pols, "p50_ms")
        b99, v99 = best_baseline(pols, "p99_ms")
        which = b99 if b50 == b99 else "%s, %s" % (b50, b99)
        print("| %d %% | %.3g | %s | %.1f / %.1f (%s) | %s | %s | %s | %s | %s |" %
              (round(f * 100), rate, cell(pols["hintlb"]), v50 / 1000, v99 / 1000, which,
               cell(pols["chash_bounded"]), cell(pols["chash"]), cell(pols["round_robin"]),
               cell(pols["least_inflight"]), "ok" if not why else "MISS: " + ", ".join(why)))


def plot(rows, cap, title, png):
    missing = bench_plot.gnuplot_missing()
    if missing:
        print("policy_sweep: %s, no plot" % missing, file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "sweep.dat")
        with open(data, "w") as f:
            f.write("# rate " + " ".join("%s_p99_s %s_loads_x" % (p, p) for p in POLICIES) +
                    "\n")
            for _, rate, pols, _ in rows:
                f.write("%g %s\n" % (rate, " ".join(
                    "%g %g" % (pols[p]["p99_ms"] / 1000, pols[p]["x_lower_bound"])
                    for p in POLICIES)))

        def plots(col0):
            return ", ".join('"%s" using 1:%d with linespoints lw 2 title "%s"' %
                             (data, col0 + 2 * i, p) for i, p in enumerate(POLICIES))

        print()
        why = bench_plot.two_panels(tmp, png, "%s: capacity %.3g req/s" % (title, cap), 0,
                                    ("model loads (x lower bound)", plots(3)),
                                    ("p99 latency (s)", plots(2)), xlabel="rate (requests/s)")
    if why:
        print("policy_sweep: %s" % why, file=sys.stderr)
        sys.exit(2)


def grid(exe, extra):
    print("| cluster | capacity /s | rates meeting the rule | hintlb loads / fewest of chash, "
          "chash_bounded (worst) | hintlb p99 / best baseline p99 (worst) | "
          "hintlb p50 - best baseline p50 (worst, s) |")
    print("|---|---|---|---|---|---|")
    all_ok = True
    for shape in GRID:
        cap, rows = sweep(exe, shape + extra, FRACTIONS)
        good = sum(not why for _, _, _, why in rows)
        all_ok = all_ok and good == len(rows)
        loads = max(pols["hintlb"]["model_loads"] /
                    min(pols["chash_bounded"]["model_loads"], pols["chash"]["model_loads"])
                    for _, _, pols, _ in rows)
        p99 = max(pols["hintlb"]["p99_ms"] / best_baseline(pols, "p99_ms")[1]
                  for _, _, pols, _ in rows)
        p50 = max(pols["hintlb"]["p50_ms"] - best_baseline(pols, "p50_ms")[1]
                  for _, _, pols, _ in rows) / 1000
        missed = ["%d %% (%s)" % (round(f * 100), ", ".join(why))
                  for f, _, _, why in rows if why]
        print("| %s | %.3g | %d/%d%s | %.2f | %.2f | %+.1f |" %
              (" ".join(shape) or "reference", cap, good, len(rows),
               ("; miss " + "; ".join(missed)) if missed else "", loads, p99, p50))
        sys.stdout.flush()
    return all_ok


def main():
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("hintsim")
    ap.add_argument("--requests", type=int, default=60000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--png", help="plot p99 and loads against rate to this file")
    ap.add_argument("--rates", help="comma-separated rates (req/s) instead of 5..95 %% of "
                    "the capacity")
    ap.add_argument("--grid", action="store_true", help="sweep every cluster shape of GRID")
    a = ap.parse_args(argv[:cut])
    extra = argv[cut + 1:] + ["--requests", str(a.requests), "--seed", str(a.seed)]
    if a.grid:
        print("grid: %s\n" % " ".join(extra))
        return 0 if grid(a.hintsim, extra) else 1
    rates = [float(x) for x in a.rates.split(",")] if a.rates else None
    cap, rows = sweep(a.hintsim, extra, FRACTIONS, rates)
    title = " ".join(argv[cut + 1:]) or "reference cluster (8 x 3 slots, zipf 1.0, load 8 s)"
    print_sweep("%s; %d requests, seed %d" % (title, a.requests, a.seed), cap, rows)
    if a.png:
        plot(rows, cap, title, a.png)
    return 0 if all(not why for _, _, _, why in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
