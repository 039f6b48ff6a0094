#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Smoke test for hintsim: run it on small workloads and check invariants.

usage: check_hintsim.py PATH_TO_HINTSIM

What must hold whatever the routing does:
  - every policy is reported, each completed every request, and its
    requests per replica add up;
  - no policy loads fewer models than Belady's optimum on the pooled cache of
    replicas x slots (a policy beating it means the simulator is wrong), and
    neither does any pooled LRU reference;
  - miss_rate == model_loads / requests; p50 <= p99; every request takes at
    least the service time; max/mean replica load >= 1;
  - hintlb's decision counts add up to the requests;
  - the same seed prints the same bytes, another seed does not;
  - --load-wait reaches the router (reported, and it changes the routing);
  - --path-ms adds the path to every latency (0 changes nothing);
  - bad flags exit 2 and name the flag;
  - a trace written with --write-trace and replayed with --trace gives the
    same results; hints are trimmed as the router does; a bad trace file
    exits 2 naming the file and line.
"""
import json
import os
import subprocess
import sys
import tempfile

POLICIES = ["hintlb", "round_robin", "least_inflight", "chash_bounded", "chash", "haproxy",
            "nginx"]
SMALL = ["--requests", "4000"]
TIMEOUT = 240

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(exe, args):
    return subprocess.run([exe] + args, capture_output=True, text=True, timeout=TIMEOUT)


def run_json(exe, args):
    p = run(exe, args + ["--json"])
    if p.returncode != 0:
        raise SystemExit("hintsim %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout, json.loads(p.stdout)


def check_policy(label, pol, wl, lower):
    name = pol["name"]
    what = "%s: %s" % (label, name)
    requests = wl["requests"]
    check(pol["requests"] == requests and pol["unroutable"] == 0,
          "%s completed %d of %d requests" % (what, pol["requests"], requests))
    check(pol["model_loads"] >= lower,
          "%s loads %d < lower bound %d" % (what, pol["model_loads"], lower))
    check(abs(pol["miss_rate"] - pol["model_loads"] / requests) < 1e-9,
          "%s miss_rate %r != %d/%d" % (what, pol["miss_rate"], pol["model_loads"], requests))
    check(pol["p50_ms"] <= pol["p99_ms"], "%s p50 %r > p99 %r" % (what, pol["p50_ms"],
                                                                  pol["p99_ms"]))
    check(pol["p50_ms"] >= wl["service_ms"] - 1e-6,
          "%s p50 %r below the service time %r" % (what, pol["p50_ms"], wl["service_ms"]))
    check(pol["max_mean_load"] >= 1.0 - 1e-9,
          "%s max/mean load %r < 1" % (what, pol["max_mean_load"]))
    check(len(pol["replica_requests"]) == wl["replicas"] and
          sum(pol["replica_requests"]) == requests,
          "%s replica_requests %r" % (what, pol["replica_requests"]))
    if name == "hintlb":
        total = sum(pol["reasons"].values())
        check(total == requests, "%s decisions add up to %d, not %d" % (what, total, requests))
        check(pol["hint_errors"] == 0, "%s router refused %d hint lists" % (what,
                                                                             pol["hint_errors"]))


def check_workload(exe, label, args):
    out, doc = run_json(exe, args)
    wl = doc["workload"]
    lower = doc["lower_bound"]["model_loads"]
    names = [p["name"] for p in doc["policies"]]
    check(sorted(names) == sorted(POLICIES), "%s: policies %r" % (label, names))
    check(lower > 0, "%s: lower bound %d" % (label, lower))
    for pol in doc["policies"]:
        check_policy(label, pol, wl, lower)
    caches = doc["pooled_lru"]["caches"]
    check(caches and caches[0]["pinned"] == 0, "%s: pooled references %r" % (label, caches))
    for c in caches:
        check(c["model_loads"] >= lower,
              "%s: pooled LRU with %d pinned loads %d < lower bound %d" %
              (label, c["pinned"], c["model_loads"], lower))
    print("ok: %s (lower bound %d, hintlb %d loads)" %
          (label, lower, next(p["model_loads"] for p in doc["policies"] if p["name"] == "hintlb")))
    return out


def check_load_wait(exe):
    """--load-wait reaches the router: reported, and it changes the run."""
    _, zero = run_json(exe, SMALL)
    _, wait = run_json(exe, SMALL + ["--load-wait", "1.5"])
    check(zero["workload"]["load_wait"] == 0 and wait["workload"]["load_wait"] == 1.5,
          "load_wait reported as %r, %r" % (zero["workload"]["load_wait"],
                                            wait["workload"]["load_wait"]))
    h0 = next(p for p in zero["policies"] if p["name"] == "hintlb")
    h1 = next(p for p in wait["policies"] if p["name"] == "hintlb")
    check(h0 != h1, "--load-wait 1.5 routed exactly as 0")
    print("ok: load wait")


def check_path(exe):
    """--path-ms: half the path before the replica, half after. Every latency
    grows by at least the path, and a zero path is no path at all."""
    _, none = run_json(exe, SMALL)
    _, zero = run_json(exe, SMALL + ["--path-ms", "0"])
    _, path = run_json(exe, SMALL + ["--path-ms", "300"])
    check(zero["policies"] == none["policies"], "--path-ms 0 changed the results")
    check(path["workload"]["path_ms"] == 300.0, "path_ms reported as %r" %
          path["workload"]["path_ms"])
    service = path["workload"]["service_ms"]
    for pol in path["policies"]:
        check(pol["p50_ms"] >= service + 300 - 1e-6,
              "--path-ms 300: %s p50 %r below service + path" % (pol["name"], pol["p50_ms"]))
    rr0 = next(p for p in none["policies"] if p["name"] == "round_robin")
    rr = next(p for p in path["policies"] if p["name"] == "round_robin")
    # round robin ignores time: the same replicas, the same queues shifted
    check(rr["model_loads"] == rr0["model_loads"] and
          abs(rr["p50_ms"] - rr0["p50_ms"] - 300) < 1e-6,
          "--path-ms 300: round robin %r against %r" % (rr, rr0))
    print("ok: path")


def check_determinism(exe, first):
    again, _ = run_json(exe, SMALL)
    check(again == first, "same seed printed different output")
    other, _ = run_json(exe, SMALL + ["--seed", "2"])
    check(other != first, "seeds 1 and 2 printed the same output")
    print("ok: determinism")


def check_bad_flags(exe):
    cases = [
        (["--replicas", "0"], "--replicas"),
        (["--zipf", "abc"], "--zipf"),
        (["--rate", "-1"], "--rate"),
        (["--policy", "nope"], "--policy"),
        (["--balance-factor", "0.5"], "--balance-factor"),
        (["--load-wait", "-1"], "--load-wait"),
        (["--load-wait", "101"], "--load-wait"),
        (["--path-ms", "-1"], "--path-ms"),
        (["--no-such-flag"], "--no-such-flag"),
        (["--slots"], "--slots"),
        (["--replicas", "3", "--server-names", "a:1,b:2"], "--server-names"),
        (["--replicas", "2", "--server-names", "a:1,,b:2"], "--server-names"),
        (["--replicas", "2", "--server-names", "a:1,"], "--server-names"),
        (["--replicas", "1", "--server-names", "x" * 256], "--server-names"),
    ]
    for args, flag in cases:
        p = run(exe, args)
        check(p.returncode == 2, "%s exited %d, not 2" % (" ".join(args), p.returncode))
        check(flag in p.stderr, "%s: stderr does not name %s: %r" % (" ".join(args), flag,
                                                                      p.stderr))
    p = run(exe, ["--help"])
    check(p.returncode == 0 and "--balance-factor" in p.stdout, "--help")
    print("ok: bad flags")


def check_table(exe):
    p = run(exe, SMALL)
    check(p.returncode == 0, "table mode exited %d: %s" % (p.returncode, p.stderr))
    for name in POLICIES + ["lower_bound", "pooled references"]:
        check(name in p.stdout, "table lacks %s" % name)
    print("ok: table")


def write(path, text):
    with open(path, "wb") as f:
        f.write(text)


def check_trace_files(exe, tmp):
    saved = os.path.join(tmp, "saved.trace")
    out, doc = run_json(exe, SMALL + ["--write-trace", saved])
    again, redoc = run_json(exe, ["--trace", saved])
    check(redoc["policies"] == doc["policies"],
          "replaying --write-trace's file changed the policies' results")
    check(redoc["lower_bound"] == doc["lower_bound"], "replay changed the lower bound")
    check(redoc["pooled_lru"]["caches"][0] == doc["pooled_lru"]["caches"][0],
          "replay changed the pooled LRU reference")
    check(redoc["workload"]["trace"] == saved and redoc["workload"]["zipf"] is None,
          "workload of a replay: %r" % redoc["workload"])
    check(redoc["workload"]["requests"] == doc["workload"]["requests"],
          "replay read %d requests of %d" % (redoc["workload"]["requests"],
                                             doc["workload"]["requests"]))

    # OWS around a hint is not part of it; comments and blank lines skipped
    small = os.path.join(tmp, "small.trace")
    write(small, b"# arrival_s hint\n\n0.5 a\n0.75\t  a \t\n1 fal-ai/flux-dev\r\n2.000000001 a\n")
    _, d = run_json(exe, ["--trace", small, "--replicas", "2"])
    check(d["workload"]["requests"] == 4 and d["workload"]["models"] == 2,
          "small trace: %r" % d["workload"])
    check(d["lower_bound"]["model_loads"] == 2, "small trace lower bound %r" % d["lower_bound"])

    bad = [
        (b"0.5 a\n0.7 b\n0.6 c\n", "line 3", "back in time"),
        (b"0.5 a\n1 b\x01c\n", "line 2", "hint_bad_byte"),
        (b"0.5 two words\n", "line 1", "could advertise"),
        (b"0.5\n", "line 1", "no hint"),
        (b"0.5  \t\n", "line 1", "hint_empty"),
        (b"1e3 a\n", "line 1", "not a number"),
        (b"-1 a\n", "line 1", "not a number"),
        (b"1.1234567891 a\n", "line 1", "9 decimals"),
        (b"1 " + b"x" * 256 + b"\n", "line 1", "hint_too_long"),
        (b"# nothing\n\n", "no requests", "no requests"),
    ]
    for i, (text, where, why) in enumerate(bad):
        path = os.path.join(tmp, "bad%d.trace" % i)
        write(path, text)
        p = run(exe, ["--trace", path])
        check(p.returncode == 2, "bad trace %r exited %d, not 2" % (text[:40], p.returncode))
        check(path in p.stderr and where in p.stderr and why in p.stderr,
              "bad trace %r: stderr %r lacks %r / %r" % (text[:40], p.stderr, where, why))
    p = run(exe, ["--trace", os.path.join(tmp, "missing.trace")])
    check(p.returncode == 2 and "missing.trace" in p.stderr, "missing trace file: %r" % p.stderr)
    p = run(exe, ["--trace", small, "--zipf", "1.2"])
    check(p.returncode == 2 and "--zipf" in p.stderr, "--trace with --zipf: %r" % p.stderr)
    p = run(exe, ["--trace", small])
    check(p.returncode == 0 and small in p.stdout, "table of a replay names the trace")
    print("ok: trace files")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    exe = sys.argv[1]
    first = check_workload(exe, "default, 4000 requests", SMALL)
    check_workload(exe, "4 replicas x 2 slots", SMALL + ["--replicas", "4", "--slots", "2"])
    check_workload(exe, "concurrency 3, 30 models",
                   SMALL + ["--concurrency", "3", "--models", "30", "--rate", "3"])
    check_workload(exe, "policy ect, qsbr", SMALL + ["--policy", "ect", "--qsbr"])
    check_load_wait(exe)
    check_path(exe)
    check_workload(exe, "uniform hints, no load time",
                   SMALL + ["--zipf", "0", "--load-ms", "0", "--replicas", "3"])
    check_determinism(exe, first)
    check_bad_flags(exe)
    check_table(exe)
    with tempfile.TemporaryDirectory() as tmp:
        check_trace_files(exe, tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
