#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tests of hintreplica: a real process on 127.0.0.1 (ephemeral ports), driven over raw
sockets so that pipelining, framing and closes are seen as they are on the wire.

usage: check_hintreplica.py PATH_TO_HINTREPLICA

Checked: LRU order and eviction, --initial; the load delay and X-Replica-Delay-Ms (lower
bounds only; hits are only checked to be faster than the miss before them); the FIFO across
connections and the concurrency limit (order from the request log, the queue from /stats);
the hints header absent (--no-hints), empty, a list, custom header names; /stats; refused
requests get their status and a close and the replica goes on serving; keep-alive, HTTP/1.0,
Connection: close, pipelining (also past the input buffer); Content-Length and chunked
request bodies counted and checksummed (CRC-32 as zlib.crc32); Expect: 100-continue; HEAD,
204, 304, 503 framing; --body-bytes; bad options exit 2 naming the option; a busy port
exits 1; SIGTERM and SIGINT exit 0.

Timing is never asserted as an upper bound and every wait has a deadline, so a loaded
machine makes the test slower, not flaky.
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib

EXE = sys.argv[1] if len(sys.argv) > 1 else "build/tools/hintreplica/hintreplica"
TIMEOUT = 20.0
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)
    return cond


class Replica:
    """A hintreplica process listening on 127.0.0.1 on a port of its choosing."""

    def __init__(self, *args, log=False):
        """log: run with --log into a temporary file, read by log_lines()."""
        self.tmp = tempfile.TemporaryDirectory() if log else None
        if log:
            args += ("--log", os.path.join(self.tmp.name, "log"))
        self.proc = subprocess.Popen([EXE, "--listen", "127.0.0.1:0"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 5 or line[3] != "on":
            self.proc.kill()
            raise SystemExit("hintreplica %s did not start: %r %s" %
                             (" ".join(args), line, self.proc.stderr.read()))
        self.name = line[1].rstrip(":")
        self.port = int(line[4].rsplit(":", 1)[1])
        self._stats = None

    def conn(self):
        return Conn(self.port)

    def stats(self):
        if self._stats is None:
            self._stats = self.conn()
        self._stats.send(req("GET", "/stats"))
        r = self._stats.response()
        return json.loads(r.body)

    def wait_stats(self, what, pred):
        """Poll /stats until pred(stats) holds; fail after TIMEOUT."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            st = self.stats()
            if pred(st):
                return st
            time.sleep(0.005)
        raise SystemExit("timed out waiting for %s; last stats %r" % (what, st))

    def stop(self, sig=signal.SIGTERM):
        if self._stats is not None:
            self._stats.close()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "hung"
        err = self.proc.stderr.read()
        check(rc == 0, "%s: exit status %r after %s, stderr %r" % (self.name, rc, sig.name, err))
        return err

    def log_lines(self):
        """The --log lines as dicts of their key=value fields, plus "target"."""
        with open(os.path.join(self.tmp.name, "log")) as f:
            return [dict(kv.split("=", 1) for kv in ln.split()[1:] if "=" in kv) |
                    {"target": ln.split()[3]} for ln in f]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()
        if self.tmp is not None:
            self.tmp.cleanup()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def h(self, name):
        """The value of header name, None if absent."""
        v = self.headers.get(name.lower())
        return v[0] if v else None


def req(method, target, headers=(), body=None, version="1.1", hint=None):
    lines = ["%s %s HTTP/%s" % (method, target, version), "Host: test"]
    if hint is not None:
        lines.append("X-Fal-Runner-Hint: " + hint)
    lines += list(headers)
    if body is not None:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def response(self, head=False):
        """Read one response; head: it answers a HEAD request (no body)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            headers.setdefault(k.strip().lower(), []).append(v.strip())
        body = b""
        if not head and status not in (204, 304) and status >= 200:
            body = self._take(int(headers["content-length"][0]))
        return Response(status, headers, body)

    def closed(self):
        """True if the server closes the connection (after what is buffered)."""
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
                self.buf += d
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.s.close()


def get(c, hint=None, target="/", headers=()):
    c.send(req("GET", target, headers, hint=hint))
    return c.response()


def test_lru():
    with Replica("--slots", "2", "--name", "lru") as r:
        c = r.conn()
        steps = [("a", "miss", "a"), ("b", "miss", "b, a"), ("a", "hit", "a, b"),
                 ("c", "miss", "c, a"), ("b", "miss", "b, c"), ("c", "hit", "c, b")]
        for hint, cache, hints in steps:
            resp = get(c, hint)
            check(resp.status == 200 and resp.body == b"ok\n", "lru: %s answered %d %r" %
                  (hint, resp.status, resp.body))
            check(resp.h("X-Replica-Cache") == cache, "lru: %s was %s, want %s" %
                  (hint, resp.h("X-Replica-Cache"), cache))
            check(resp.h("X-Fal-Runner-Hints") == hints, "lru: after %s hints %r, want %r" %
                  (hint, resp.h("X-Fal-Runner-Hints"), hints))
            check(resp.h("X-Replica") == "lru", "lru: X-Replica %r" % resp.h("X-Replica"))
        st = r.stats()
        want = {"requests": 6, "hits": 2, "misses": 4, "loads": 4, "evictions": 2,
                "held": ["c", "b"], "connections_accepted": 2}
        for k, v in want.items():
            check(st[k] == v, "lru: stats %s = %r, want %r" % (k, st[k], v))
        c.close()


def test_hint_states():
    with Replica() as r:
        c = r.conn()
        resp = get(c)
        check(resp.headers.get("x-fal-runner-hints") == [""],
              "hints: empty replica sent %r" % resp.headers.get("x-fal-runner-hints"))
        check(resp.h("X-Replica-Cache") == "none", "hints: no hint gave cache %r" %
              resp.h("X-Replica-Cache"))
        check(r.name == "127.0.0.1:%d" % r.port, "hints: default name %r" % r.name)
        resp = get(c, "m-1")
        check(resp.h("X-Fal-Runner-Hints") == "m-1", "hints: list %r" %
              resp.h("X-Fal-Runner-Hints"))
        c.close()
    with Replica("--no-hints") as r:
        c = r.conn()
        for hint in (None, "x", "x"):
            resp = get(c, hint)
            check("x-fal-runner-hints" not in resp.headers, "--no-hints sent %r" %
                  resp.headers.get("x-fal-runner-hints"))
        check(resp.h("X-Replica-Cache") == "hit", "--no-hints: cache %r" %
              resp.h("X-Replica-Cache"))
        c.close()
    with Replica("--hint-header", "X-Model", "--hints-header", "X-Models",
                 "--initial", "m1, m2") as r:
        c = r.conn()
        resp = get(c)
        check(resp.h("X-Models") == "m1, m2" and resp.h("X-Fal-Runner-Hints") is None,
              "--initial/--hints-header: %r" % resp.headers)
        resp = get(c, hint="m9")  # the default hint header is not the hint any more
        check(resp.h("X-Replica-Cache") == "none", "--hint-header: default header used")
        resp = get(c, headers=["x-model:  m2 "])
        check(resp.h("X-Replica-Cache") == "hit" and resp.h("X-Models") == "m2, m1",
              "--hint-header: %r %r" % (resp.h("X-Replica-Cache"), resp.h("X-Models")))
        c.close()


def timed(c, hint=None, headers=()):
    t0 = time.monotonic()
    resp = get(c, hint, headers=headers)
    return resp, time.monotonic() - t0


def test_delays():
    with Replica("--load-ms", "400", "--slots", "1") as r:
        c = r.conn()
        miss, t_miss = timed(c, "a")
        hit, t_hit = timed(c, "a")
        check(miss.h("X-Replica-Cache") == "miss" and t_miss >= 0.39,
              "load delay: miss took %.3f s (want >= 0.4)" % t_miss)
        check(hit.h("X-Replica-Cache") == "hit" and t_hit < t_miss,
              "load delay: hit took %.3f s, the miss %.3f s" % (t_hit, t_miss))
        resp, t = timed(c, headers=["X-Replica-Delay-Ms: 300"])
        check(resp.status == 200 and t >= 0.29, "X-Replica-Delay-Ms 300 took %.3f s" % t)
        c.close()
    with Replica("--service-ms", "200") as r:
        c = r.conn()
        resp, t = timed(c)
        check(t >= 0.19, "--service-ms 200: took %.3f s" % t)
        c.close()
    # a request for a model that is still loading is a hit that waits for the load
    with Replica("--load-ms", "1000", "--concurrency", "2") as r:
        c1, c2 = r.conn(), r.conn()
        t0 = time.monotonic()
        c1.send(req("GET", "/", hint="big"))
        r.wait_stats("the load to start", lambda st: st["loading"] == ["big"])
        c2.send(req("GET", "/", hint="big"))
        a, b = c1.response(), c2.response()
        t = time.monotonic() - t0
        check(a.h("X-Replica-Cache") == "miss" and b.h("X-Replica-Cache") == "hit" and t >= 0.99,
              "loading hit: %r %r after %.3f s" % (a.h("X-Replica-Cache"),
                                                  b.h("X-Replica-Cache"), t))
        check(r.stats()["loads"] == 1, "loading hit: loaded twice")
        c1.close()
        c2.close()


def test_fifo():
    """Four connections, one request each, arriving in a known order (each sent once the
    previous is queued); the first holds the only slot long enough for that."""
    with Replica("--concurrency", "1", "--service-ms", "50", log=True) as r:
        conns = [r.conn() for _ in range(4)]
        for i, c in enumerate(conns):
            hdr = ["X-Replica-Delay-Ms: 1500"] if i == 0 else []
            c.send(req("GET", "/r%d" % i, hdr, hint="m%d" % (i % 2)))
            st = r.wait_stats("request %d queued" % i,
                              lambda st, i=i: st["queued"] == i and st["active"] == 1)
        check(st["in_flight"] == 4, "fifo: in_flight %d, want 4" % st["in_flight"])
        for c in reversed(conns):  # read in any order: the log has the serving order
            check(c.response().status == 200, "fifo: a request failed")
            c.close()
        st = r.stats()
        lines = r.log_lines()
        order = [ln["target"] for ln in lines]
        check(order == ["/r0", "/r1", "/r2", "/r3"], "fifo: served in order %r" % order)
        check(len({ln["conn"] for ln in lines}) == 4, "fifo: log conns %r" % lines)
        check(st["queue_ms_max"] >= 1000, "fifo: queue_ms_max %r" % st["queue_ms_max"])
        check([ln["cache"] for ln in lines] == ["miss", "miss", "hit", "hit"],
              "fifo: log caches %r" % lines)
    with Replica("--concurrency", "2") as r:
        conns = [r.conn() for _ in range(3)]
        for c in conns:
            c.send(req("GET", "/", ["X-Replica-Delay-Ms: 1000"]))
        st = r.wait_stats("3 requests in", lambda st: st["in_flight"] == 3)
        check(st["active"] == 2 and st["queued"] == 1, "concurrency 2: %r" % st)
        for c in conns:
            c.response()
            c.close()
    # more requests at once than slots: a model in use is not evicted, the head waits (and
    # the request behind it, although its model is loaded: the FIFO is strict)
    with Replica("--slots", "1", "--concurrency", "3", log=True) as r:
        conns = [r.conn() for _ in range(3)]
        for i, hint in enumerate(("a", "b", "a")):
            hdr = ["X-Replica-Delay-Ms: 1000"] if i == 0 else []
            conns[i].send(req("GET", "/h%d" % i, hdr, hint=hint))
            st = r.wait_stats("request %d in" % i, lambda st, i=i: st["in_flight"] == i + 1)
        check(st["active"] == 1 and st["queued"] == 2, "slot in use: %r" % st)
        for c in conns:
            c.response()
            c.close()
        lines = r.log_lines()
        check([(ln["target"], ln["cache"]) for ln in lines] ==
              [("/h0", "miss"), ("/h1", "miss"), ("/h2", "miss")],
              "slot in use: served %r" % lines)


def test_stats():
    with Replica("--name", "st-1", "--slots", "4") as r:
        c = r.conn()
        get(c, "a")
        c.send(req("POST", "/", body=b"x" * 1000))
        c.response()
        c.send(req("HEAD", "/stats"))
        resp = c.response(head=True)
        check(resp.status == 200 and resp.body == b"" and int(resp.h("Content-Length")) > 0,
              "HEAD /stats: %d %r" % (resp.status, resp.headers))
        st = r.stats()
        for k in ("requests", "hits", "misses", "loads", "evictions", "queue_ms_total",
                  "queue_ms_max", "held", "loading", "in_flight", "queued", "active",
                  "connections_accepted", "connections_open", "bad_requests", "body_bytes",
                  "no_hint", "cancelled", "name", "slots", "concurrency"):
            check(k in st, "stats: no %s" % k)
        check(st["name"] == "st-1" and st["slots"] == 4, "stats: %r" % st)
        check(st["requests"] == 2 and st["misses"] == 1 and st["no_hint"] == 1,
              "stats: requests %r" % st)
        check(st["body_bytes"] == 1000 and st["held"] == ["a"] and st["in_flight"] == 0,
              "stats: body %r held %r" % (st["body_bytes"], st["held"]))
        check(st["stats_requests"] == 2, "stats: stats_requests %r" % st["stats_requests"])
        c.close()


BAD = [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
    (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
     400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),
    (b"\x00\x01\x02\xff junk\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Replica-Status: 99\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Replica-Delay-Ms: soon\r\n\r\n", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"y" * 40000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
]


def test_bad_requests():
    with Replica() as r:
        for raw, status in BAD:
            c = r.conn()
            c.send(raw)
            resp = c.response()
            check(resp.status == status and resp.h("Connection") == "close" and c.closed(),
                  "bad %r: %d, want %d and a close" % (raw[:40], resp.status, status))
            c.close()
        # a good request first on the connection is answered, the bad one after it refused
        c = r.conn()
        c.send(req("GET", "/", hint="ok") + BAD[0][0])
        check(c.response().status == 200 and c.response().status == 400 and c.closed(),
              "bad after good: not 200 then 400")
        c.close()
        # clients that leave mid-head, mid-body, and with a request queued
        for raw in (b"GET / HT", req("POST", "/", body=b"abcdef")[:-3],
                    req("GET", "/", ["X-Replica-Delay-Ms: 200"])):
            c = r.conn()
            c.send(raw)
            c.close()
        st = r.wait_stats("the clients gone", lambda st: st["connections_open"] == 1)
        check(st["bad_requests"] == len(BAD) + 1, "bad: counted %d of %d" %
              (st["bad_requests"], len(BAD) + 1))
        c = r.conn()
        check(get(c, "ok").h("X-Replica-Cache") == "hit", "bad: no service afterwards")
        c.close()


def test_keepalive_pipelining():
    with Replica("--slots", "2") as r:
        c = r.conn()
        c.send(req("GET", "/", hint="a") + req("GET", "/stats") + req("GET", "/", hint="a") +
               req("GET", "/", ["Connection: close"], hint="b"))
        got = [c.response() for _ in range(4)]
        check([g.h("X-Replica-Cache") for g in got] == ["miss", "none", "hit", "miss"],
              "pipelining: caches %r" % [g.h("X-Replica-Cache") for g in got])
        check(json.loads(got[1].body)["requests"] == 1, "pipelining: /stats out of order")
        check(got[3].h("Connection") == "close" and c.closed(), "Connection: close ignored")
        c.close()
        # HTTP/1.0: closed unless it asks for keep-alive
        c = r.conn()
        c.send(req("GET", "/", version="1.0"))
        check(c.response().h("Connection") == "close" and c.closed(), "HTTP/1.0: kept open")
        c.close()
        c = r.conn()
        c.send(req("GET", "/", ["Connection: keep-alive"], version="1.0"))
        check(c.response().h("Connection") == "keep-alive", "HTTP/1.0 keep-alive: not kept")
        check(get(c).status == 200, "HTTP/1.0 keep-alive: second request")
        c.close()
        # more pipelined requests than the input buffer holds, sent before reading any
        n = 2000
        many = b"".join(req("GET", "/p%d" % i, hint="m%d" % (i % 3)) for i in range(n))
        c = r.conn()
        c.send(many)
        got = [c.response() for _ in range(n)]
        check(all(g.status == 200 for g in got), "pipelining %d: failures" % n)
        st = r.stats()
        check(st["requests"] == 6 + n, "pipelining %d: %d requests" % (n, st["requests"]))
        c.close()


def chunked(data, sizes):
    out, i = [], 0
    for k, sz in enumerate(sizes):
        part = data[i:i + sz]
        i += sz
        ext = ";ext=%d" % k if k % 2 else ""
        out.append(b"%x%s\r\n%s\r\n" % (len(part), ext.encode(), part))
    return b"".join(out) + b"0\r\nX-Trailer: t\r\n\r\n"


def check_echo(what, resp, data):
    check(resp.status == 200 and resp.h("X-Body-Bytes") == str(len(data)) and
          resp.h("X-Body-Crc32") == "0x%08x" % zlib.crc32(data),
          "%s: %d bytes %r crc %r, want %d 0x%08x" % (what, resp.status, resp.h("X-Body-Bytes"),
                                                     resp.h("X-Body-Crc32"), len(data),
                                                     zlib.crc32(data)))


def test_bodies():
    rnd = random.Random(13)
    data = bytes(rnd.getrandbits(8) for _ in range(300000))
    with Replica() as r:
        c = r.conn()
        c.send(req("PUT", "/", body=data))
        check_echo("content-length body", c.response(), data)
        head = (b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        body = chunked(data[:5000], [1, 2, 100, 3000, 1897])
        c.send(head)
        for i in range(0, len(body), 7):  # in small pieces, cut anywhere
            c.send(body[i:i + 7])
        check_echo("chunked body", c.response(), data[:5000])
        c.send(head + chunked(data, [65536, 100000, 134464]))
        check_echo("large chunked body", c.response(), data)
        c.send(head + b"0\r\n\r\n")
        check_echo("empty chunked body", c.response(), b"")
        c.send(req("POST", "/", body=b""))
        check_echo("Content-Length: 0", c.response(), b"")
        check("x-body-bytes" not in get(c).headers, "X-Body-Bytes without a body")
        # Expect: 100-continue
        c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        interim = c.response()
        check(interim.status == 100, "Expect: got %d before the body" % interim.status)
        c.send(b"abcd")
        check_echo("Expect body", c.response(), b"abcd")
        # HEAD and status codes without and with bodies, pipelined so framing errors show
        c.send(req("HEAD", "/") + req("GET", "/", ["X-Replica-Status: 204"]) +
               req("GET", "/", ["X-Replica-Status: 304"]) +
               req("GET", "/", ["X-Replica-Status: 503"]) + req("GET", "/"))
        h = c.response(head=True)
        check(h.status == 200 and h.h("Content-Length") == "3", "HEAD: %r" % h.headers)
        for want in (204, 304):
            g = c.response()
            check(g.status == want and "content-length" not in g.headers,
                  "status %d: %d %r" % (want, g.status, g.headers))
        g = c.response()
        check(g.status == 503 and g.body == b"ok\n", "status 503: %d %r" % (g.status, g.body))
        check(c.response().status == 200, "after the statuses: not 200")
        check(r.stats()["body_bytes"] == 2 * len(data) + 5004, "bodies: body_bytes")
        c.close()
    with Replica("--body-bytes", "100000") as r:
        c = r.conn()
        check(get(c).body == (b"ok\n" * 40000)[:100000], "--body-bytes 100000: wrong body")
        c.close()


def test_cli():
    def run(args):
        return subprocess.run([EXE] + args, capture_output=True, text=True, timeout=TIMEOUT)

    cases = [
        ([], "--listen"),
        (["--listen", "127.0.0.1:0", "--slots", "0"], "--slots"),
        (["--listen", "127.0.0.1:0", "--load-ms", "-1"], "--load-ms"),
        (["--listen", "127.0.0.1:0", "--concurrency", "x"], "--concurrency"),
        (["--listen", "10.0.0.300:80"], "10.0.0.300"),
        (["--listen", "127.0.0.1:65536"], "--listen"),
        (["--listen", "127.0.0.1:0", "--frobnicate"], "--frobnicate"),
        (["--listen", "127.0.0.1:0", "--hint-header", "bad name"], "--hint-header"),
        (["--listen", "127.0.0.1:0", "--slots", "1", "--initial", "a,b"], "--initial"),
        (["--listen", "127.0.0.1:0", "--initial", "a,a"], "--initial"),
        (["--listen", "127.0.0.1:0", "--name", "two words"], "--name"),
        (["--listen", "127.0.0.1:0", "extra"], "extra"),
    ]
    for args, name in cases:
        p = run(args)
        check(p.returncode == 2 and name in p.stderr,
              "%r: exit %d, stderr %r (want 2, naming %s)" % (args, p.returncode, p.stderr, name))
    p = run(["--help"])
    check(p.returncode == 0 and "--concurrency" in p.stdout, "--help")
    with Replica() as r:
        p = run(["--listen", "127.0.0.1:%d" % r.port])
        check(p.returncode == 1 and "bind" in p.stderr, "busy port: %d %r" %
              (p.returncode, p.stderr))
    # SIGINT with a request being served and one queued still exits 0
    r = Replica("--service-ms", "5000")
    c1, c2 = r.conn(), r.conn()
    c1.send(req("GET", "/"))
    c2.send(req("GET", "/"))
    r.wait_stats("two requests in", lambda st: st["in_flight"] == 2)
    r.stop(signal.SIGINT)
    c1.close()
    c2.close()


def main():
    tests = [test_cli, test_lru, test_hint_states, test_delays, test_fifo, test_stats,
             test_bad_requests, test_keepalive_pipelining, test_bodies]
    for t in tests:
        t0 = time.monotonic()
        t()
        print("%s: done in %.2f s" % (t.__name__, time.monotonic() - t0), flush=True)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
