#!/usr/bin/env python3
"""A small closed-loop HTTP load with Zipf-distributed hints, for tools/demo.sh.

usage: demo_load.py HOST[:PORT] [--requests N] [--concurrency C] [--models M]
                    [--zipf S] [--seed N] [--hint-header NAME] [--explain NAME]

C threads, each with one keep-alive connection (http.client), send N requests
in all; each request names a model drawn Zipf(S) over M models in the hint
header. A progress line while it runs; at the end: requests, errors, status
counts, p50/p99 latency, and, when the explain header is on, how many
requests went by each routing reason. Standard library only (hintgen, the
project's DPDK generator, is for rates the kernel cannot make).
"""
import argparse
import bisect
import http.client
import random
import sys
import threading
import time


def zipf_cdf(models, s):
    w = [1.0 / (k ** s) for k in range(1, models + 1)]
    total = sum(w)
    acc, cdf = 0.0, []
    for x in w:
        acc += x / total
        cdf.append(acc)
    return cdf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--models", type=int, default=12)
    ap.add_argument("--zipf", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hint-header", default="X-Fal-Runner-Hint")
    ap.add_argument("--explain", default="X-Hintlb-Route")
    a = ap.parse_args()
    host, _, port = a.target.partition(":")
    port = int(port or 80)
    cdf = zipf_cdf(a.models, a.zipf)
    lock = threading.Lock()
    state = {"left": a.requests, "done": 0, "errors": 0}
    status, reasons, lat = {}, {}, []
    rng = random.Random(a.seed)

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while True:
            with lock:
                if state["left"] == 0:
                    break
                state["left"] -= 1
                model = "model-%d" % (bisect.bisect_left(cdf, rng.random()) + 1)
            t0 = time.monotonic()
            try:
                conn.request("GET", "/infer", headers={a.hint_header: model})
                r = conn.getresponse()
                r.read()
                code, why = r.status, r.getheader(a.explain, "")
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                with lock:
                    state["errors"] += 1
                continue
            dt = time.monotonic() - t0
            reason = why.rpartition("reason=")[2] or "-"
            with lock:
                state["done"] += 1
                status[code] = status.get(code, 0) + 1
                reasons[reason] = reasons.get(reason, 0) + 1
                lat.append(dt)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        with lock:
            d = state["done"]
        sys.stderr.write("\r  %d/%d requests, %.1f s" % (d, a.requests, time.monotonic() - t0))
        sys.stderr.flush()
    for t in threads:
        t.join()
    sys.stderr.write("\n")
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0.0
    print("requests %d in %.1f s, errors %d, status %s" % (
        state["done"], time.monotonic() - t0, state["errors"],
        " ".join("%d:%d" % kv for kv in sorted(status.items()))))
    print("latency ms p50 %.1f p99 %.1f max %.1f" % (q(0.5), q(0.99), q(1.0)))
    if reasons and list(reasons) != ["-"]:
        print("routing: " + ", ".join("%s %d" % kv for kv in sorted(reasons.items())))
    return 1 if state["errors"] or any(c >= 500 for c in status) else 0


if __name__ == "__main__":
    sys.exit(main())
