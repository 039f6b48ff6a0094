#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise bench_mission.sh: measured runs next to hintsim's predictions.

usage: mission_report.py --mode full|smoke|demo --capacity C --loads "NAME:FRACTION ..."
                         --balancers "NAME ..." --out PREFIX RUNS SIM

RUNS: one JSON object per line per measured run (bench_mission.sh's
run_one: the generator's report and the replicas' summed /stats). SIM: one
hintsim --json document per line per offered load, with "load" added.

Prints `name: value unit` lines, a table and the issue's targets per load
(hintlb loads fewer models than HAProxy hdr-consistent with p99 no worse;
each measured figure within 20 % of hintsim's prediction), writes
PREFIX.json and PREFIX.png (gnuplot). Exit status 1, with a line on stderr
per problem, when a run lost requests, a (load, balancer) run or any of its
figures is missing or not finite, or the JSON or the PNG did not come out
(the targets are reported, never enforced: a benchmark measures); 0
otherwise.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import bench_plot

# measured balancer -> (label, hintsim policy that models it)
BALANCERS = {
    "hintlb": ("hintlb", "hintlb"),
    "haproxy_chash": ("HAProxy hdr-consistent", "haproxy"),
    "nginx_chash": ("nginx hash-consistent", "nginx"),
    "haproxy_rr": ("HAProxy roundrobin", "round_robin"),
}
TOLERANCE = 0.20


def diff(measured, predicted):
    return (measured - predicted) / predicted if predicted else float("inf")


def pct(x):
    return "%+.0f %%" % (100 * x) if x != float("inf") else "inf"


def load_runs(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def predictions(docs):
    """{load: {policy: figures}}: per figure the median of hintsim's runs of
    that load (times scaled by 0.98 .. 1.02), and their range in "range"."""
    by = {}
    for d in docs:
        for p in d["policies"]:
            by.setdefault(d["load"], {}).setdefault(p["name"], []).append(p)
    out = {}
    for load, pols in by.items():
        for name, runs in pols.items():
            fig = {"name": name, "runs": len(runs), "range": {},
                   "path_ms": next((d["workload"].get("path_ms", 0.0) for d in docs
                                    if d["load"] == load), 0.0)}
            for k in ("model_loads", "miss_rate", "p50_ms", "p99_ms"):
                v = sorted(r[k] for r in runs)
                fig[k] = v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
                fig["range"][k] = [v[0], v[-1]]
            out.setdefault(load, {})[name] = fig
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="full")
    ap.add_argument("--capacity", type=float, required=True)
    ap.add_argument("--loads", required=True, help="the offered loads run, 'name:fraction ...'")
    ap.add_argument("--balancers", required=True, help="the balancers run, 'name ...'")
    ap.add_argument("--load-ms", type=float, required=True)
    ap.add_argument("--service-ms", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("runs")
    ap.add_argument("sim")
    a = ap.parse_args()
    runs = load_runs(a.runs)
    sims = predictions(load_runs(a.sim))
    loads = []
    for r in runs:
        if r["load"] not in loads:
            loads.append(r["load"])
    bad = []
    rows = []
    for r in runs:
        g = r["generator"]
        sim = sims.get(r["load"], {}).get(BALANCERS[r["balancer"]][1])
        if sim is None:
            bad.append("%s %s: no hintsim prediction" % (r["load"], r["balancer"]))
            continue
        if g["errors"] or g["completed"] != g["requests"] or r["loads"] <= 0:
            bad.append("%s %s: %d of %d requests answered, %d errors %s, %d loads" % (
                r["load"], r["balancer"], g["completed"], g["requests"], g["errors"],
                g["error_kinds"], r["loads"]))
        row = {
            "load": r["load"], "fraction": r["fraction"], "rate": r["rate"],
            "offered_rate": g["offered_rate"], "balancer": r["balancer"],
            "requests": g["requests"], "errors": g["errors"], "loads": r["loads"],
            "miss_rate": r["loads"] / max(1, r["replica_requests"]),
            "p50_ms": g["p50_ms"], "p99_ms": g["p99_ms"], "max_ms": g["max_ms"],
            "send_lag_max_ms": g["send_lag_max_ms"], "attempt": r.get("attempt", 1),
            "mean_ms": g["mean_ms"],
            # what the replicas account for (queue + service + loads), per
            # request; the rest of the mean latency is the path: generator,
            # kernels, veths, the balancer
            "replica_mean_ms": (r["queue_ms_total"] + a.service_ms * r["replica_requests"] +
                                a.load_ms * r["loads"]) / max(1, r["replica_requests"]),
            "routing": g["routing"],
            "per_replica": r["per_replica"],
            "sim": {"policy": sim["name"], "loads": sim["model_loads"],
                    "miss_rate": sim["miss_rate"], "p50_ms": sim["p50_ms"],
                    "p99_ms": sim["p99_ms"], "runs": sim["runs"], "range": sim["range"]},
        }
        row["vs_sim"] = {k: diff(row[k], sim[k if k != "loads" else "model_loads"])
                         for k in ("loads", "p50_ms", "p99_ms")}
        row["path_ms"] = row["mean_ms"] - row["replica_mean_ms"]
        # hintsim was given the median path of this load's runs (--path-ms)
        row["sim"]["path_ms"] = sim["path_ms"]
        rows.append(row)

    # every (load, balancer) asked for, with every figure, and its prediction
    for load in (l.split(":")[0] for l in a.loads.split()):
        for b in a.balancers.split():
            got = [r for r in rows if r["load"] == load and r["balancer"] == b]
            if len(got) != 1:
                bad.append("%s %s: %d runs reported, want 1" % (load, b, len(got)))
                continue
            r = got[0]
            figs = [r["loads"], r["miss_rate"], r["p50_ms"], r["p99_ms"], r["sim"]["loads"],
                    r["sim"]["miss_rate"], r["sim"]["p50_ms"], r["sim"]["p99_ms"]]
            if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in figs) or \
                    r["p50_ms"] <= 0 or r["p99_ms"] < r["p50_ms"]:
                bad.append("%s %s: a figure is missing or absurd: %s" % (load, b, figs))

    figures = a.mode != "demo"  # the demo prints the table only
    for row in rows if figures else []:
        n = "mission_%s_%s" % (row["load"], row["balancer"])
        s = row["sim"]
        print("%s_loads: %d loads" % (n, row["loads"]))
        print("%s_miss_rate: %.1f %%" % (n, 100 * row["miss_rate"]))
        print("%s_p50_ms: %.1f ms" % (n, row["p50_ms"]))
        print("%s_p99_ms: %.1f ms" % (n, row["p99_ms"]))
        print("%s_path_ms: %.2f ms" % (n, row["path_ms"]))
        print("%s_hintsim_loads: %d loads" % (n, s["loads"]))
        print("%s_hintsim_miss_rate: %.1f %%" % (n, 100 * s["miss_rate"]))
        print("%s_hintsim_p50_ms: %.1f ms" % (n, s["p50_ms"]))
        print("%s_hintsim_p99_ms: %.1f ms" % (n, s["p99_ms"]))
        print("%s_vs_hintsim_loads: %.1f %%" % (n, 100 * row["vs_sim"]["loads"]))
        print("%s_vs_hintsim_p50: %.1f %%" % (n, 100 * row["vs_sim"]["p50_ms"]))
        print("%s_vs_hintsim_p99: %.1f %%" % (n, 100 * row["vs_sim"]["p99_ms"]))

    summary = {}
    for load in loads:
        by = {r["balancer"]: r for r in rows if r["load"] == load}
        h, c = by.get("hintlb"), by.get("haproxy_chash")
        if h is None or c is None:
            continue
        s = {"loads_ratio": h["loads"] / max(1, c["loads"]),
             "p99_ratio": h["p99_ms"] / c["p99_ms"] if c["p99_ms"] else float("inf")}
        s["fewer_loads"] = h["loads"] < c["loads"]
        s["p99_no_worse"] = h["p99_ms"] <= c["p99_ms"]
        s["hintlb_within_20pct_of_hintsim"] = all(
            abs(v) <= TOLERANCE for v in h["vs_sim"].values())
        g = by.get("nginx_chash")
        if g is not None:
            s["nginx_loads_ratio"] = h["loads"] / max(1, g["loads"])
            s["nginx_p99_ratio"] = h["p99_ms"] / g["p99_ms"] if g["p99_ms"] else float("inf")
        summary[load] = s
        if figures:
            print("mission_%s_loads_ratio: %.2f x" % (load, s["loads_ratio"]))
            print("mission_%s_p99_ratio: %.2f x" % (load, s["p99_ratio"]))
            if g is not None:
                print("mission_%s_nginx_loads_ratio: %.2f x" % (load, s["nginx_loads_ratio"]))
                print("mission_%s_nginx_p99_ratio: %.2f x" % (load, s["nginx_p99_ratio"]))

    print()
    print("| load | req/s | balancer | loads (hintsim) | miss rate (hintsim) | p50 ms (hintsim: "
          "median; range) | p99 ms (hintsim: median; range) | vs hintsim: loads / p50 / p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        s = row["sim"]
        rg = s["range"]
        print("| %s %d %% | %.1f | %s | %d (%d) | %.1f %% (%.1f %%) | %.1f (%.1f; %.1f-%.1f) "
              "| %.1f (%.1f; %.1f-%.1f) | %s / %s / %s |" % (
                  row["load"], round(100 * row["fraction"]), row["offered_rate"],
                  BALANCERS[row["balancer"]][0], row["loads"], s["loads"],
                  100 * row["miss_rate"], 100 * s["miss_rate"], row["p50_ms"], s["p50_ms"],
                  rg["p50_ms"][0], rg["p50_ms"][1], row["p99_ms"], s["p99_ms"],
                  rg["p99_ms"][0], rg["p99_ms"][1], pct(row["vs_sim"]["loads"]),
                  pct(row["vs_sim"]["p50_ms"]), pct(row["vs_sim"]["p99_ms"])))
    print()
    for load, s in summary.items():
        h = next(r for r in rows if r["load"] == load and r["balancer"] == "hintlb")
        print("%s: hintlb / HAProxy hdr-consistent: loads %.2fx (%s), p99 %.2fx (%s); "
              "hintlb within 20 %% of hintsim: %s" % (
                  load, s["loads_ratio"], "fewer" if s["fewer_loads"] else "NOT fewer",
                  s["p99_ratio"], "no worse" if s["p99_no_worse"] else "WORSE",
                  ", ".join("%s %s (%s)" % (k.replace("_ms", ""),
                                            "yes" if abs(v) <= TOLERANCE else "NO", pct(v))
                            for k, v in h["vs_sim"].items())))
        if "nginx_loads_ratio" in s:
            print("%s: hintlb / nginx hash-consistent: loads %.2fx, p99 %.2fx" % (
                load, s["nginx_loads_ratio"], s["nginx_p99_ratio"]))
        print("%s: hintsim's path (--path-ms, the median of this load's runs): %.2f ms; "
              "hintlb's run: %.2f ms" % (load, h["sim"]["path_ms"], h["path_ms"]))
    for row in rows:
        if row["routing"]:
            print("%s %s routing: %s" % (row["load"], row["balancer"], ", ".join(
                "%s %d" % kv for kv in row["routing"].items())))
    lag = max((r["send_lag_max_ms"] for r in rows), default=0.0)
    print("generator: largest send lag %.1f ms (sends later than scheduled; included in the "
          "latencies); runs redone because it fell behind: %d" % (
              lag, sum(r["attempt"] - 1 for r in rows)))
    print("path: mean latency less what the replicas account for (queue, service, loads): " +
          ", ".join("%s %s %.1f ms" % (r["load"], r["balancer"], r["path_ms"]) for r in rows))

    doc = {"mode": a.mode, "capacity_req_s": a.capacity, "runs": rows, "summary": summary,
           "tolerance": TOLERANCE}
    with open(a.out + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    print("json: %s.json" % a.out)
    png = a.out + ".png"
    if os.path.exists(png):
        os.unlink(png)
    why = plot(rows, a.capacity, a.load_ms, a.service_ms, png)
    if why:
        bad.append("no plot: %s" % why)
    elif not os.path.getsize(png):
        bad.append("no plot: %s is empty" % png)
    for b in bad:
        print("bench_mission: FAIL: %s" % b, file=sys.stderr)
    return 1 if bad or not rows else 0


def plot(rows, cap, load_ms, service_ms, png):
    """Draws @png; returns None, or why it could not."""
    missing = bench_plot.gnuplot_missing()
    if missing:
        return missing
    names = [b for b in BALANCERS if any(r["balancer"] == b for r in rows)]
    with tempfile.TemporaryDirectory() as tmp:
        series = []
        for i, b in enumerate(names):
            path = os.path.join(tmp, "%s.dat" % b)
            with open(path, "w") as f:
                f.write("# offered_req_s loads p99_ms hintsim_loads hintsim_p99_ms\n")
                for r in sorted((r for r in rows if r["balancer"] == b),
                                key=lambda r: r["offered_rate"]):
                    f.write("%g %d %g %d %g\n" % (r["offered_rate"], r["loads"], r["p99_ms"],
                                                  r["sim"]["loads"], r["sim"]["p99_ms"]))
            series.append((path, BALANCERS[b][0], BALANCERS[b][1], i + 1))

        def plots(col, simcol):
            out = []
            for path, label, pol, lt in series:
                out.append('"%s" using 1:%d with linespoints lt %d lw 2 pt 7 title "%s"' %
                           (path, col, lt, label))
                out.append('"%s" using 1:%d with linespoints lt %d dt 2 lw 1 pt 6 '
                           'title "hintsim %s"' % (path, simcol, lt, pol))
            return ", ".join(out)

        title = ("6 replicas x 3 slots, 50 models Zipf 1.0, load %g ms, service %g ms; "
                 "capacity %.0f req/s; solid measured, dashed hintsim (median)" %
                 (load_ms, service_ms, cap))
        return bench_plot.two_panels(tmp, png, title, 0.05, ("model loads", plots(2, 4)),
                                     ("p99 latency (ms)", plots(3, 5)))


if __name__ == "__main__":
    sys.exit(main())
