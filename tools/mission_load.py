#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An open-loop HTTP load of hinted requests, for the mission benchmark.

usage: mission_load.py HOST[:PORT] [--rate R] [--requests N] [--arrivals poisson|fixed]
                       [--models M] [--zipf S] [--seed N] [--trace FILE]
                       [--write-trace FILE] [--hint-header NAME] [--explain NAME]
                       [--timeout S] [--progress] [--json]

Requests arrive on a schedule fixed before the run: Poisson (exponential
gaps) or fixed-interval arrivals at R per second, each naming a model drawn
Zipf(S) over M models ("model-1" the most popular) in the hint header, all
from one seeded generator; or the schedule read from a trace (--trace, the
format of hintsim's --trace: '<arrival seconds> <hint>' per line, '#'
comments). --write-trace saves the schedule in that format, so hintsim can
replay the very requests this run sent.

Open loop: every request is sent at its arrival time whatever the earlier
ones are doing. It takes an idle keep-alive connection from a pool, or opens
a new one when all are busy, so an arrival never waits for the client (no
coordinated omission). Latency runs from the request's intended send time
(connection set-up and any lateness of this process included) to the last
byte of the response. How late sends actually were is reported as send lag;
if it is large the generator, not the system under test, was the limit.

Prints requests, errors, statuses, p50/p99/max latency (nearest rank, as
hintsim computes them), send lag, connections opened, the replicas' cache
answers (X-Replica-Cache: hit/miss, when the replicas are hintreplica) and,
with an explain header, the routing reasons; --json prints one JSON object
instead. Exit status 0 when every request got a 2xx, 1 otherwise, 2 on a bad
command line or trace. Standard library only (hintgen, the project's DPDK
generator, is for rates the kernel cannot make).
"""
import argparse
import asyncio
import bisect
import json
import math
import random
import sys
import time

# A pooled connection idle for longer is closed rather than reused: the load
# balancer may have timed it out (HAProxy's `timeout client` is 30 s in the
# benchmarks, hintlb's client_idle_timeout_ms 60 s).
POOL_IDLE_MAX_S = 10.0


def zipf_cdf(models, s):
    w = [1.0 / (k ** s) for k in range(1, models + 1)]
    total = sum(w)
    acc, cdf = 0.0, []
    for x in w:
        acc += x / total
        cdf.append(acc)
    cdf[-1] = 1.0
    return cdf


def make_schedule(a):
    """[(arrival seconds, hint)] from the seeded generator."""
    rng = random.Random(a.seed)
    cdf = zipf_cdf(a.models, a.zipf)
    t, out = 0.0, []
    for _ in range(a.requests):
        t += rng.expovariate(a.rate) if a.arrivals == "poisson" else 1.0 / a.rate
        out.append((t, "model-%d" % (bisect.bisect_left(cdf, rng.random()) + 1)))
    return out


def read_trace(path):
    out, last = [], 0.0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            try:
                t = float(parts[0])
            except ValueError:
                t = -1.0
            if len(parts) != 2 or not math.isfinite(t) or t < last:
                sys.exit("mission_load: %s line %d: want '<arrival seconds> <hint>', "
                         "arrivals non-decreasing" % (path, n))
            last = t
            out.append((t, parts[1]))
    if not out:
        sys.exit("mission_load: %s: no requests in the file" % path)
    return out


def write_trace(path, sched, a):
    with open(path, "w") as f:
        if a.trace:
            f.write("# mission_load.py: replayed from %s\n" % a.trace)
        else:
            f.write("# mission_load.py: %d requests, %s arrivals at %g/s, Zipf(%g) over %d "
                    "models, seed %d\n" % (len(sched), a.arrivals, a.rate, a.zipf, a.models,
                                           a.seed))
        for t, hint in sched:
            f.write("%.9f %s\n" % (t, hint))


def nearest_rank(sorted_v, pct):
    """hintsim's percentile: the ceil(n * pct / 100)-th smallest."""
    if not sorted_v:
        return 0.0
    rank = max(1, -(-len(sorted_v) * pct // 100))
    return sorted_v[rank - 1]


class Conn:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.used = 0
        self.idle_since = time.monotonic()

    def close(self):
        self.writer.close()


class Load:
    def __init__(self, a, host, port, sched):
        self.a, self.host, self.port, self.sched = a, host, port, sched
        self.pool = []  # idle connections, most recently used last
        self.opened = self.open_now = self.open_max = 0
        self.stale_retries = 0
        self.sent = self.done = 0
        self.errors = {}
        self.status, self.cache, self.replica, self.reasons = {}, {}, {}, {}
        self.latency, self.lag = [], []
        self.t0 = 0.0

    async def connect(self):
        r, w = await asyncio.open_connection(self.host, self.port)
        self.opened += 1
        self.open_now += 1
        self.open_max = max(self.open_max, self.open_now)
        return Conn(r, w)

    def drop(self, c):
        c.close()
        self.open_now -= 1

    def take(self):
        """An idle pooled connection, or None. Old ones are closed on the way."""
        now = time.monotonic()
        while self.pool:
            c = self.pool.pop()
            if now - c.idle_since < POOL_IDLE_MAX_S and not c.reader.at_eof():
                return c
            self.drop(c)
        return None

    async def exchange(self, c, hint):
        """One request on @c. Returns (status, headers); raises on failure."""
        req = ("GET /infer HTTP/1.1\r\nHost: %s\r\n%s: %s\r\n\r\n" %
               (self.host, self.a.hint_header, hint)).encode()
        c.writer.write(req)
        await c.writer.drain()
        head = await c.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdr = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                hdr[k.strip().lower()] = v.strip()
        if "transfer-encoding" in hdr:
            raise ValueError("chunked responses are not expected")
        n = int(hdr.get("content-length", "0"))
        if n:
            await c.reader.readexactly(n)
        c.used += 1
        return status, hdr

    async def one(self, i):
        intended, hint = self.sched[i]
        intended += self.t0
        self.lag.append(time.monotonic() - intended)
        self.sent += 1
        c = self.take()
        reused = c is not None
        try:
            while True:
                if c is None:
                    c = await self.connect()
                try:
                    status, hdr = await asyncio.wait_for(self.exchange(c, hint),
                                                         self.a.timeout)
                    break
                except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
                    # a kept-alive connection the other side closed while it
                    # sat in the pool: once, on a fresh one
                    if not reused:
                        raise
                    self.drop(c)
                    c, reused = None, False
                    self.stale_retries += 1
        except Exception as e:  # noqa: BLE001 - every failure is counted by kind
            if c is not None:
                self.drop(c)
            kind = type(e).__name__
            self.errors[kind] = self.errors.get(kind, 0) + 1
            return
        self.latency.append(time.monotonic() - intended)
        self.done += 1
        self.status[status] = self.status.get(status, 0) + 1
        k = hdr.get("x-replica-cache")
        if k:
            self.cache[k] = self.cache.get(k, 0) + 1
        k = hdr.get("x-replica")
        if k:
            self.replica[k] = self.replica.get(k, 0) + 1
        why = hdr.get(self.a.explain.lower(), "").rpartition("reason=")[2]
        if why:
            self.reasons[why] = self.reasons.get(why, 0) + 1
        if hdr.get("connection", "").lower() == "close":
            self.drop(c)
        else:
            c.idle_since = time.monotonic()
            self.pool.append(c)

    async def progress(self):
        total = len(self.sched)
        while True:
            await asyncio.sleep(0.5)
            sys.stderr.write("\r  %d/%d sent, %d answered, %d in flight, %d errors, %.1f s " %
                             (self.sent, total, self.done, self.sent - self.done -
                              sum(self.errors.values()), sum(self.errors.values()),
                              time.monotonic() - self.t0))
            sys.stderr.flush()

    async def run(self):
        tasks = []
        self.t0 = time.monotonic() + 0.05
        prog = asyncio.ensure_future(self.progress()) if self.a.progress else None
        for i, (t, _) in enumerate(self.sched):
            delay = self.t0 + t - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(self.one(i)))
        self.send_end = time.monotonic()
        await asyncio.gather(*tasks)
        self.end = time.monotonic()
        if prog is not None:
            prog.cancel()
            sys.stderr.write("\n")
        for c in self.pool:
            c.close()

    def report(self):
        lat = sorted(self.latency)
        lag = sorted(self.lag)
        ms = lambda v: round(v * 1000, 3)
        span = self.sched[-1][0] - self.sched[0][0]
        return {
            "requests": len(self.sched),
            "completed": self.done,
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
            "status": {str(k): v for k, v in sorted(self.status.items())},
            "offered_rate": (len(self.sched) - 1) / span if span > 0 else 0.0,
            "duration_s": round(self.end - self.t0, 3),
            "p50_ms": ms(nearest_rank(lat, 50)),
            "p99_ms": ms(nearest_rank(lat, 99)),
            "max_ms": ms(lat[-1]) if lat else 0.0,
            "mean_ms": ms(sum(lat) / len(lat)) if lat else 0.0,
            "send_lag_p99_ms": ms(nearest_rank(lag, 99)),
            "send_lag_max_ms": ms(lag[-1]) if lag else 0.0,
            "connections_opened": self.opened,
            "connections_max_open": self.open_max,
            "stale_retries": self.stale_retries,
            "cache": self.cache,
            "replicas": dict(sorted(self.replica.items())),
            "routing": dict(sorted(self.reasons.items())),
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("target", help="HOST[:PORT] (port 80 by default)")
    ap.add_argument("--rate", type=float, default=50.0, help="arrivals per second (50)")
    ap.add_argument("--requests", type=int, default=1000, help="requests in all (1000)")
    ap.add_argument("--arrivals", choices=["poisson", "fixed"], default="poisson")
    ap.add_argument("--models", type=int, default=50, help="distinct models (50)")
    ap.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent (1.0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trace", help="replay this schedule instead of generating one")
    ap.add_argument("--write-trace", help="save the schedule in hintsim's --trace format")
    ap.add_argument("--hint-header", default="X-Fal-Runner-Hint")
    ap.add_argument("--explain", default="X-Hintlb-Route",
                    help="response field naming the routing reason (hintlb's explain_header)")
    ap.add_argument("--timeout", type=float, default=60.0, help="per request, seconds (60)")
    ap.add_argument("--progress", action="store_true", help="a progress line on stderr")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = ap.parse_args()
    if a.rate <= 0 or a.requests < 1 or a.models < 1 or a.zipf < 0 or a.timeout <= 0:
        ap.error("--rate, --requests, --models and --timeout must be positive, --zipf >= 0")
    host, _, port = a.target.partition(":")
    try:
        port = int(port or 80)
    except ValueError:
        ap.error("target: '%s' is not HOST[:PORT]" % a.target)
    sched = read_trace(a.trace) if a.trace else make_schedule(a)
    if a.write_trace:
        write_trace(a.write_trace, sched, a)
    load = Load(a, host, port, sched)
    asyncio.run(load.run())
    r = load.report()
    if a.json:
        print(json.dumps(r, indent=1))
    else:
        print("requests %d (%.1f/s offered) in %.1f s: %d answered, %d errors%s, status %s" % (
            r["requests"], r["offered_rate"], r["duration_s"], r["completed"], r["errors"],
            " (%s)" % ", ".join("%s %d" % kv for kv in sorted(r["error_kinds"].items()))
            if r["errors"] else "",
            " ".join("%s:%d" % kv for kv in r["status"].items())))
        print("latency ms from the intended send time: p50 %.1f p99 %.1f max %.1f" % (
            r["p50_ms"], r["p99_ms"], r["max_ms"]))
        print("send lag ms: p99 %.1f max %.1f; connections opened %d (at most %d open)" % (
            r["send_lag_p99_ms"], r["send_lag_max_ms"], r["connections_opened"],
            r["connections_max_open"]))
        if r["cache"]:
            print("replica cache: " + ", ".join("%s %d" % kv for kv in sorted(r["cache"].items())))
        if r["routing"]:
            print("routing: " + ", ".join("%s %d" % kv for kv in r["routing"].items()))
    ok = r["errors"] == 0 and all(200 <= int(k) < 300 for k in r["status"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
