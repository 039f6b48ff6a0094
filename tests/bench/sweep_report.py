#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise bench_sweep.sh: requests/s and latency against offered load.

usage: sweep_report.py --out PREFIX --p99-bound-ms MS [--smoke] [...] POINTS

POINTS: one JSON object per line per measured point, {"run", "balancer",
"offered", "hintgen": hintgen's --json report}; run 0 holds the points
without a balancer (direct_responder, direct_replica).

Per (balancer, offered rate) the median over rounds of achieved req/s, p50,
p99, p99.9, errors and unfinished requests. Per round and balancer the
saturation point: the highest offered rate with achieved >= 95 % of it, no
errors and p99 <= the bound. The target (issue 13): in every round hintlb's
saturation req/s >= 1.5x HAProxy's and nginx's, and at the top rate its req/s
>= 1.5x theirs with a p99 no higher. Prints `name: value unit` lines and a
table, writes PREFIX.json and PREFIX.png (gnuplot). Exit status 1, with a
line on stderr per problem, when a figure is missing or not finite or the
JSON or the PNG did not come out (the target is reported, never enforced: a
benchmark measures); 0 otherwise.
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile

import bench_plot

BALANCERS = {"hintlb": "hintlb", "haproxy": "HAProxy 2.6 hdr consistent",
             "nginx": "nginx hash consistent"}
OTHERS = ("haproxy", "nginx")
ACHIEVED_FRACTION = 0.95
TARGET_RATIO = 1.5


def fig(name, value, unit, bad):
    if value is None or not math.isfinite(value):
        bad.append("figure %s did not come out" % name)
        print("%s: nan %s" % (name, unit))
        return
    print("%s: %s %s" % (name, ("%.0f" % value) if unit in ("req/s", "requests", "bool") else
                         "%.3f" % value if unit == "ms" else "%.2f" % value, unit))


def point_row(p):
    h = p["hintgen"]
    lat = h["latency_ms"]
    return {"run": p["run"], "balancer": p["balancer"], "offered": p["offered"],
            "req_s": h["window_req_per_s"], "req_s_incl_drain": h["req_per_s"], "p50_ms": lat["p50"], "p90_ms": lat["p90"],
            "p99_ms": lat["p99"], "p999_ms": lat["p99_9"], "max_ms": lat["max"],
            "errors": h["errors_total"], "timeouts": h["errors"]["timeout"],
            "unfinished": h["unfinished"], "requests": h["requests"], "sent": h["sent"]}


def carried(r, bound):
    return (r["req_s"] >= ACHIEVED_FRACTION * r["offered"] and r["errors"] == 0 and
            r["p99_ms"] <= bound)


def saturation(rows, bound):
    """The highest carried point of one round's ladder (None: not even the first)."""
    ok = [r for r in sorted(rows, key=lambda r: r["offered"]) if carried(r, bound)]
    return ok[-1] if ok else None


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--p99-bound-ms", type=float, required=True)
    ap.add_argument("--calibration", type=float, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--warmup", type=float, default=0)
    ap.add_argument("--connections", type=int, default=0)
    ap.add_argument("--runtime-s", type=float, default=0)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("points")
    a = ap.parse_args()
    bad = []
    rows = [point_row(json.loads(line)) for line in open(a.points) if line.strip()]
    measured = [r for r in rows if r["balancer"] in BALANCERS]
    names = [b for b in BALANCERS if any(r["balancer"] == b for r in measured)]
    runs = sorted({r["run"] for r in measured})
    rates = sorted({r["offered"] for r in measured})
    for b in BALANCERS:
        if b not in names:
            bad.append("no points for %s" % b)

    # medians per (balancer, rate)
    med = {}
    for b in names:
        med[b] = []
        for rate in rates:
            pts = [r for r in measured if r["balancer"] == b and r["offered"] == rate]
            if len(pts) != len(runs):
                bad.append("%s at %g req/s: %d of %d rounds" % (b, rate, len(pts), len(runs)))
            m = {"offered": rate, "rounds": len(pts)}
            for k in ("req_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "errors",
                      "timeouts", "unfinished"):
                m[k] = median([p[k] for p in pts])
            med[b].append(m)
            tag = "%s_%d" % (b, rate)
            fig("sweep_%s_req_s" % tag, m["req_s"], "req/s", bad)
            fig("sweep_%s_p50_ms" % tag, m["p50_ms"], "ms", bad)
            fig("sweep_%s_p99_ms" % tag, m["p99_ms"], "ms", bad)
            fig("sweep_%s_p999_ms" % tag, m["p999_ms"], "ms", bad)
            fig("sweep_%s_errors" % tag, m["errors"], "requests", bad)
            fig("sweep_%s_unfinished" % tag, m["unfinished"], "requests", bad)

    # saturation per round, then the medians
    sat = {b: {} for b in names}
    for b in names:
        for run in runs:
            s = saturation([r for r in measured if r["balancer"] == b and r["run"] == run],
                           a.p99_bound_ms)
            sat[b][run] = s
    summary = {}
    for b in names:
        got = [s for s in sat[b].values() if s is not None]
        summary[b] = {
            "sat_offered_req_s": median([s["offered"] for s in got]) if got else 0.0,
            "sat_req_s": median([s["req_s"] for s in got]) if got else 0.0,
            "sat_p99_ms": median([s["p99_ms"] for s in got]) if got else float("nan"),
            "rounds_saturated_below_ladder": len(runs) - len(got),
        }
        # the same without the p99 bound: how much the bound decides
        loose = [saturation([r for r in measured if r["balancer"] == b and r["run"] == run],
                            float("inf")) for run in runs]
        loose = [s for s in loose if s is not None]
        summary[b]["sat_nobound_req_s"] = median([s["req_s"] for s in loose]) if loose else 0.0
        summary[b]["sat_nobound_p99_ms"] = (median([s["p99_ms"] for s in loose]) if loose
                                            else float("nan"))
        fig("sweep_%s_sat_offered_req_s" % b, summary[b]["sat_offered_req_s"], "req/s", bad)
        fig("sweep_%s_sat_req_s" % b, summary[b]["sat_req_s"], "req/s", bad)
        if got:
            fig("sweep_%s_sat_p99_ms" % b, summary[b]["sat_p99_ms"], "ms", bad)
        fig("sweep_%s_sat_nobound_req_s" % b, summary[b]["sat_nobound_req_s"], "req/s", bad)

    ratios = {}
    verdict = {"rounds": {}}
    if "hintlb" in names:
        h = summary["hintlb"]
        # the top rate every balancer carried (medians), and p99 there
        low = min((summary[b]["sat_offered_req_s"] for b in names), default=0.0)
        common = max((r for r in rates if r <= low), default=0.0)
        ratios["common_offered_req_s"] = common
        fig("sweep_common_offered_req_s", common, "req/s", bad)
        top = rates[-1] if rates else 0.0
        for o in OTHERS:
            if o not in names:
                continue
            ratios["sat_req_s_ratio_" + o] = (h["sat_req_s"] / summary[o]["sat_req_s"]
                                             if summary[o]["sat_req_s"] else float("inf"))
            fig("sweep_sat_req_s_ratio_" + o, ratios["sat_req_s_ratio_" + o], "x", bad)
            on = summary[o]["sat_nobound_req_s"]
            ratios["sat_nobound_req_s_ratio_" + o] = (h["sat_nobound_req_s"] / on if on
                                                     else float("inf"))
            fig("sweep_sat_nobound_req_s_ratio_" + o, ratios["sat_nobound_req_s_ratio_" + o],
                "x", bad)
            if common > 0:
                hp = next(m for m in med["hintlb"] if m["offered"] == common)["p99_ms"]
                op = next(m for m in med[o] if m["offered"] == common)["p99_ms"]
                ratios["common_p99_ratio_" + o] = hp / op if op else float("inf")
                fig("sweep_common_p99_ratio_" + o, ratios["common_p99_ratio_" + o], "x", bad)
            ht = next(m for m in med["hintlb"] if m["offered"] == top)
            ot = next(m for m in med[o] if m["offered"] == top)
            ratios["top_req_s_ratio_" + o] = ht["req_s"] / ot["req_s"] if ot["req_s"] else 0
            ratios["top_p99_ratio_" + o] = ht["p99_ms"] / ot["p99_ms"] if ot["p99_ms"] else 0
            fig("sweep_top_req_s_ratio_" + o, ratios["top_req_s_ratio_" + o], "x", bad)
            fig("sweep_top_p99_ratio_" + o, ratios["top_p99_ratio_" + o], "x", bad)
        # the target, round by round
        met = bool(runs) and all(o in names for o in OTHERS)
        for run in runs:
            v = {}
            hs = sat["hintlb"][run]
            ht = next((r for r in measured if r["balancer"] == "hintlb" and r["run"] == run and
                       r["offered"] == top), None)
            for o in OTHERS:
                if o not in names:
                    continue
                os_ = sat[o][run]
                ot = next((r for r in measured if r["balancer"] == o and r["run"] == run and
                           r["offered"] == top), None)
                sat_ok = hs is not None and (os_ is None or
                                             hs["req_s"] >= TARGET_RATIO * os_["req_s"])
                top_ok = (ht is not None and ot is not None and
                          ht["req_s"] >= TARGET_RATIO * ot["req_s"] and
                          ht["p99_ms"] <= ot["p99_ms"])
                v[o] = {"sat_req_s": [hs["req_s"] if hs else 0, os_["req_s"] if os_ else 0],
                        "sat_ok": sat_ok,
                        "top_req_s": [ht["req_s"] if ht else 0, ot["req_s"] if ot else 0],
                        "top_p99_ms": [ht["p99_ms"] if ht else 0, ot["p99_ms"] if ot else 0],
                        "top_ok": top_ok}
                met = met and sat_ok and top_ok
            verdict["rounds"][run] = v
        verdict["met"] = met
        fig("sweep_target_met", 1.0 if met else 0.0, "bool", bad)

    direct = {}
    for r in rows:
        if r["balancer"].startswith("direct_"):
            direct[r["balancer"]] = r
            fig("sweep_%s_offered_req_s" % r["balancer"], r["offered"], "req/s", bad)
            fig("sweep_%s_req_s" % r["balancer"], r["req_s"], "req/s", bad)
            fig("sweep_%s_p50_ms" % r["balancer"], r["p50_ms"], "ms", bad)
            fig("sweep_%s_p99_ms" % r["balancer"], r["p99_ms"], "ms", bad)
    for d in ("direct_responder", "direct_replica"):
        if d not in direct:
            bad.append("no %s point" % d)

    table(med, names, summary, ratios, verdict, direct, a, runs)
    doc = {"smoke": a.smoke, "p99_bound_ms": a.p99_bound_ms,
           "achieved_fraction": ACHIEVED_FRACTION, "target_ratio": TARGET_RATIO,
           "calibration_req_s": a.calibration, "ladder": rates, "rounds": runs,
           "seconds": a.seconds, "warmup_s": a.warmup, "connections": a.connections,
           "runtime_s": a.runtime_s, "points": rows, "medians": med, "saturation": summary,
           "saturation_by_round": {b: {str(k): v for k, v in sat[b].items()} for b in names},
           "ratios": ratios, "target": verdict, "direct": direct}
    with open(a.out + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    print("json: %s.json" % a.out)
    png = a.out + ".png"
    if os.path.exists(png):
        os.unlink(png)
    why = plot(med, names, direct, a, png)
    if why:
        bad.append("no plot: %s" % why)
    elif not os.path.getsize(png):
        bad.append("no plot: %s is empty" % png)
    for b in bad:
        print("bench_sweep: FAIL: %s" % b, file=sys.stderr)
    return 1 if bad else 0


def table(med, names, summary, ratios, verdict, direct, a, runs):
    print("open loop, medians of %d round(s); saturation: achieved >= %d %% of offered, no "
          "errors, p99 <= %g ms" % (len(runs), 100 * ACHIEVED_FRACTION, a.p99_bound_ms))
    head = "| offered req/s |" + "".join(" %s req/s | p50 | p99 | p99.9 ms |" % b
                                         for b in names)
    print(head)
    print("|---|" + "---|---|---|---|" * len(names))
    for i, m in enumerate(med[names[0]] if names else []):
        cells = []
        for b in names:
            x = med[b][i]
            err = (" (err %d, unf %d)" % (x["errors"], x["unfinished"])
                   if x["errors"] or x["unfinished"] else "")
            cells.append(" %.0f%s | %.3f | %.3f | %.3f |" % (x["req_s"], err, x["p50_ms"],
                                                           x["p99_ms"], x["p999_ms"]))
        print("| %.0f |%s" % (m["offered"], "".join(cells)))
    for b in names:
        s = summary[b]
        print("saturation %s: offered %.0f, achieved %.0f req/s, p99 %.3f ms%s" % (
            b, s["sat_offered_req_s"], s["sat_req_s"], s["sat_p99_ms"],
            " (%d round(s) carried no point of the ladder)" % s["rounds_saturated_below_ladder"]
            if s["rounds_saturated_below_ladder"] else ""))
    for b in names:
        s = summary[b]
        print("without the p99 bound %s: achieved %.0f req/s, p99 %.3f ms" % (
            b, s["sat_nobound_req_s"], s["sat_nobound_p99_ms"]))
    for o in OTHERS:
        if "sat_req_s_ratio_" + o in ratios:
            print("hintlb / %s: saturation req/s %.2fx; p99 at %.0f req/s (all carry it) "
                  "%.2fx; at the top rate req/s %.2fx, p99 %.2fx" % (
                      o, ratios["sat_req_s_ratio_" + o], ratios["common_offered_req_s"],
                      ratios.get("common_p99_ratio_" + o, float("nan")),
                      ratios["top_req_s_ratio_" + o], ratios["top_p99_ratio_" + o]))
    for run, v in verdict.get("rounds", {}).items():
        print("round %d: " % run + "; ".join(
            "vs %s: saturation %.0f / %.0f req/s %s, top rate %.0f / %.0f req/s p99 %.1f / "
            "%.1f ms %s" % (o, x["sat_req_s"][0], x["sat_req_s"][1],
                            "ok" if x["sat_ok"] else "MISSED", x["top_req_s"][0],
                            x["top_req_s"][1], x["top_p99_ms"][0], x["top_p99_ms"][1],
                            "ok" if x["top_ok"] else "MISSED") for o, x in v.items()))
    if "met" in verdict:
        print("target (hintlb >= %.1fx HAProxy's and nginx's req/s at equal or better p99, "
              "every round): %s" % (TARGET_RATIO, "met" if verdict["met"] else "NOT met"))
    for d, r in sorted(direct.items()):
        print("%s (no balancer) at %.0f req/s: %.0f req/s, p50 %.3f p99 %.3f ms, errors %d, "
              "unfinished %d" % (d, r["offered"], r["req_s"], r["p50_ms"], r["p99_ms"],
                                 r["errors"], r["unfinished"]))


def plot(med, names, direct, a, png):
    """Draws @png; returns None, or why it could not."""
    missing = bench_plot.gnuplot_missing()
    if missing:
        return missing
    with tempfile.TemporaryDirectory() as tmp:
        series = []
        for i, b in enumerate(names):
            path = os.path.join(tmp, "%s.dat" % b)
            with open(path, "w") as f:
                f.write("# offered_req_s achieved_req_s p99_ms\n")
                for m in med[b]:
                    # a log axis has no 0: a p99 of nothing answered is left out
                    f.write("%g %g %s\n" % (m["offered"], m["req_s"],
                                            "%g" % m["p99_ms"] if m["p99_ms"] > 0 else "?"))
            series.append((path, BALANCERS[b], i + 1))
        if not series:
            return "no points"

        def plots(col):
            return ", ".join('"%s" using 1:%d with linespoints lt %d lw 2 pt 7 title "%s"' %
                             (p, col, lt, label) for p, label, lt in series)

        title = ("open loop through each balancer (one core): hintgen on AF_XDP, %d keep-alive "
                 "connections, 4 nginx replicas; medians; saturation p99 bound %g ms" %
                 (a.connections, a.p99_bound_ms))
        return bench_plot.two_panels(
            tmp, png, title, 0.02,
            ("achieved (requests/s)", plots(2) + ', x with lines lt 0 title "offered"'),
            ("p99 latency (ms)", plots(3) + ', %g with lines lt 0 title "p99 bound"' %
             a.p99_bound_ms))


if __name__ == "__main__":
    sys.exit(main())
