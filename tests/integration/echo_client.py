#!/usr/bin/env python3
"""TCP echo client for the integration tests (stdlib only).

  echo_client.py VIP [--port 7] [--conns N] [--size BYTES] [--chunk BYTES]
                 [--deadline S] [--io-timeout S] [--no-half-close]
                 [--sequential] [--discard] [--refused]
                 [--mux] [--abort-after BYTES]

Opens --conns connections at once to VIP:PORT; each sends --size random
bytes in --chunk pieces while a reader thread hashes (SHA-256) what comes
back, then half-closes (shutdown(SHUT_WR)) and reads to the peer's FIN.
Every connection must get back exactly what it sent, and all must be done
within --deadline seconds of the start. Modes:
  --no-half-close  no SHUT_WR: done once SIZE bytes are back, then close
  --sequential     send everything and half-close before reading anything
  --discard        the peer must send nothing back, only FIN
  --refused        connecting must be refused (RST); nothing is sent
  --mux            one thread and non-blocking sockets in a selector
                   instead of two threads per connection: for hundreds or
                   thousands of connections (not with --sequential or
                   --refused); --io-timeout is then the longest a
                   connection may go without progress
  --abort-after B  (implies --mux) each connection sends B of its SIZE
                   bytes (B < SIZE), waits for the first echoed bytes, then
                   closes with SO_LINGER {1, 0}: the kernel resets it (RST)
                   with data in flight both ways. Ok when what came back
                   so far is a prefix of what was sent.

Output, one line per connection, then a summary (key=value, secs in s;
connect_s: how long connect() took, the SYN to the SYN-ACK):
  ok conn=I bytes=N secs=T mbit_s=R sha256=H connect_s=C
  ok conn=I aborted sent=N echoed=M secs=T connect_s=C
  fail conn=I sent=N echoed=M secs=T err=TEXT
  summary conns=N ok=K failed=F secs=T slowest=T connect_avg=C connect_max=C
Exit status 0 if every connection is ok, 1 otherwise.
"""
import argparse
import errno
import hashlib
import os
import resource
import selectors
import socket
import struct
import sys
import threading
import time


class Conn:
    def __init__(self, i):
        self.i = i
        self.sent = 0
        self.echoed = 0
        self.got = hashlib.sha256()
        self.err = None
        self.secs = None  # set once finished (ok or not)
        self.connect_s = None  # set once connected
        self.aborted = False
        self.done = threading.Event()


def run_conn(c, a, t_start):
    t0 = time.monotonic()
    try:
        try:
            s = socket.create_connection((a.vip, a.port), timeout=a.io_timeout)
        except ConnectionRefusedError:
            if not a.refused:
                raise
            return
        c.connect_s = time.monotonic() - t0
        if a.refused:
            s.close()
            c.err = "connected, want RST"
            return
        data = os.urandom(a.size)
        want = b"" if a.discard else data
        rerr = []

        def reader():
            try:
                while True:
                    b = s.recv(1 << 20)
                    if not b:
                        break  # FIN
                    c.got.update(b)
                    c.echoed += len(b)
                    if not a.half_close and c.echoed >= len(want):
                        break
            except OSError as e:
                rerr.append("recv: %s" % (e or type(e).__name__))

        t = threading.Thread(target=reader, daemon=True)
        if not a.sequential:
            t.start()
        try:
            for i in range(0, a.size, a.chunk):
                s.sendall(data[i:i + a.chunk])
                c.sent = min(i + a.chunk, a.size)
            if a.half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            raise OSError("after %.1f s: send: %s" % (time.monotonic() - t0, e or type(e).__name__))
        if a.sequential:
            t.start()
        t.join(max(a.deadline - (time.monotonic() - t_start), 0.1))
        if t.is_alive():
            c.err = "stalled"
            return
        s.close()
        if rerr:
            c.err = rerr[0]
        elif c.echoed != len(want) or c.got.hexdigest() != hashlib.sha256(want).hexdigest():
            c.err = "got %d bytes of %d, sha256 differs" % (c.echoed, len(want))
    except OSError as e:
        c.err = str(e) or type(e).__name__
    finally:
        c.secs = time.monotonic() - t0
        c.done.set()


class MuxConn:
    """What run_mux keeps per connection, beside its Conn."""

    def __init__(self, c, a):
        self.c = c
        self.sock = None
        self.data = os.urandom(a.size)
        self.want = b"" if a.discard else self.data
        self.limit = a.abort_after if a.abort_after is not None else a.size
        self.t0 = None
        self.last = None  # last progress (monotonic)
        self.connected = False
        self.writing = True


def run_mux(conns, a, t_start):
    """All connections from this one thread: non-blocking sockets in a
    selector (epoll). Marks each Conn done (ok, or err set) as it finishes;
    those still open at the deadline are left "stalled"."""
    sel = selectors.DefaultSelector()
    live = {}

    def finish(m, err=None):
        c = m.c
        if err is not None and c.err is None:
            c.err = err
        if m.sock is not None:
            sel.unregister(m.sock)
            m.sock.close()
            m.sock = None
        m.data = m.want = None
        c.secs = time.monotonic() - m.t0
        c.done.set()
        del live[c.i]

    def check_echo(m, full):
        c = m.c
        want = m.want if full else m.want[:c.echoed]
        if c.echoed != len(want) or c.got.hexdigest() != hashlib.sha256(want).hexdigest():
            return "got %d bytes of %d, sha256 differs" % (c.echoed, len(want))
        return None

    def abort(m):
        c = m.c
        err = check_echo(m, False)
        if err is None:
            # RST instead of FIN, whatever is still queued either way
            m.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.aborted = True
        finish(m, err)

    def on_event(m, ev):
        c, s = m.c, m.sock
        now = time.monotonic()
        if not m.connected:
            e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e != 0:
                finish(m, "connect: %s" % os.strerror(e))
                return
            m.connected = True
            c.connect_s = now - m.t0
            m.last = now
            sel.modify(s, selectors.EVENT_READ | selectors.EVENT_WRITE, m)
            return
        if ev & selectors.EVENT_READ:
            try:
                b = s.recv(1 << 16)
            except BlockingIOError:
                b = None
            except OSError as e:
                finish(m, "recv after %d bytes: %s" % (c.echoed, e or type(e).__name__))
                return
            if b == b"":  # FIN
                if m.writing or (a.abort_after is not None):
                    finish(m, "FIN after %d bytes echoed, %d sent" % (c.echoed, c.sent))
                else:
                    finish(m, check_echo(m, True))
                return
            if b:
                m.last = now
                c.got.update(b)
                c.echoed += len(b)
                if c.echoed > len(m.want):
                    finish(m, "got %d bytes, sent %d" % (c.echoed, len(m.want)))
                    return
                if not a.half_close and c.echoed == len(m.want) and not m.writing:
                    finish(m, check_echo(m, True))
                    return
        if ev & selectors.EVENT_WRITE and m.writing:
            try:
                n = s.send(memoryview(m.data)[c.sent:min(c.sent + a.chunk, m.limit)])
            except BlockingIOError:
                n = 0
            except OSError as e:
                finish(m, "send after %d bytes: %s" % (c.sent, e or type(e).__name__))
                return
            if n:
                m.last = now
                c.sent += n
            if c.sent == m.limit:
                m.writing = False
                if a.abort_after is None and a.half_close:
                    s.shutdown(socket.SHUT_WR)
                sel.modify(s, selectors.EVENT_READ, m)
                if not a.half_close and c.echoed == len(m.want):
                    finish(m, check_echo(m, True))
                    return
        if a.abort_after is not None and not m.writing and c.echoed > 0:
            abort(m)

    for c in conns:
        m = MuxConn(c, a)
        m.t0 = m.last = time.monotonic()
        m.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        m.sock.setblocking(False)
        live[c.i] = m
        e = m.sock.connect_ex((a.vip, a.port))
        if e not in (0, errno.EINPROGRESS):
            m.sock.close()
            m.sock = None
            finish(m, "connect: %s" % os.strerror(e))
            continue
        sel.register(m.sock, selectors.EVENT_WRITE, m)
    next_check = time.monotonic() + 0.5
    while live:
        now = time.monotonic()
        left = a.deadline - (now - t_start)
        if left <= 0:
            break
        for key, ev in sel.select(min(left, 0.5)):
            if key.data.c.i in live:
                on_event(key.data, ev)
        if now >= next_check:  # connections without progress for io_timeout fail
            next_check = now + 0.5
            for m in [m for m in live.values() if now - m.last > a.io_timeout]:
                finish(m, "no progress for %.0f s (%s, sent %d, echoed %d)"
                       % (a.io_timeout, "sending" if m.writing else "reading",
                          m.c.sent, m.c.echoed))
    sel.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("vip")
    p.add_argument("--port", type=int, default=7)
    p.add_argument("--conns", type=int, default=1)
    p.add_argument("--size", type=int, default=1 << 20)
    p.add_argument("--chunk", type=int, default=65536)
    p.add_argument("--deadline", type=float, default=60.0,
                   help="all connections done within this many s (default 60)")
    p.add_argument("--io-timeout", type=float,
                   help="socket timeout in s (default: the deadline)")
    p.add_argument("--no-half-close", dest="half_close", action="store_false")
    p.add_argument("--sequential", action="store_true")
    p.add_argument("--discard", action="store_true")
    p.add_argument("--refused", action="store_true")
    p.add_argument("--mux", action="store_true")
    p.add_argument("--abort-after", type=int, metavar="BYTES")
    a = p.parse_args()
    if a.io_timeout is None:
        a.io_timeout = a.deadline
    if a.sequential and not a.half_close:
        p.error("--sequential needs the half-close")
    if a.discard and not a.half_close:
        p.error("--discard needs the half-close")
    if a.abort_after is not None:
        a.mux = True
        if not 0 < a.abort_after < a.size:
            p.error("--abort-after must be between 0 and --size")
        if a.discard:
            p.error("--abort-after waits for echoed bytes: not with --discard")
    if a.mux and (a.sequential or a.refused):
        p.error("--mux does not do --sequential or --refused")
    # a socket per connection, and a few more
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < a.conns + 64:
        want = a.conns + 64 if hard == resource.RLIM_INFINITY else min(a.conns + 64, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    conns = [Conn(i) for i in range(a.conns)]
    t_start = time.monotonic()
    if a.mux:
        run_mux(conns, a, t_start)
    else:
        ts = [threading.Thread(target=run_conn, args=(c, a, t_start), daemon=True)
              for c in conns]
        for t in ts:
            t.start()
        for c in conns:
            c.done.wait(max(a.deadline - (time.monotonic() - t_start), 0.1))
    dt = time.monotonic() - t_start

    nok = 0
    for c in conns:
        if not c.done.is_set():
            c.err, c.secs = "stalled", dt
        elif c.err is None and dt > a.deadline:
            c.err = "done after the deadline"
        if c.err is None:
            nok += 1
            if a.refused:
                print("ok conn=%d port=%d refused" % (c.i, a.port))
            elif c.aborted:
                print("ok conn=%d aborted sent=%d echoed=%d secs=%.2f connect_s=%.3f"
                      % (c.i, c.sent, c.echoed, c.secs, c.connect_s))
            else:
                print("ok conn=%d bytes=%d secs=%.2f mbit_s=%.1f sha256=%s connect_s=%.3f"
                      % (c.i, c.echoed if not a.discard else a.size, c.secs,
                         a.size * 8 / max(c.secs, 1e-6) / 1e6, c.got.hexdigest(),
                         c.connect_s))
        else:
            if c.err == "stalled":
                c.err = "not done after %.0f s" % a.deadline
            print("fail conn=%d sent=%d echoed=%d secs=%.2f err=%s"
                  % (c.i, c.sent, c.echoed, c.secs, c.err))
    cs = [c.connect_s for c in conns if c.connect_s is not None]
    print("summary conns=%d ok=%d failed=%d secs=%.2f slowest=%.2f connect_avg=%.3f connect_max=%.3f"
          % (len(conns), nok, len(conns) - nok, dt,
             max([c.secs for c in conns] + [0.0]),
             sum(cs) / len(cs) if cs else 0.0, max(cs + [0.0])))
    sys.stdout.flush()
    # threads of stalled connections may still sit in recv()
    os._exit(0 if nok == len(conns) else 1)


if __name__ == "__main__":
    main()
