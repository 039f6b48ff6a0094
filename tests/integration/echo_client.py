#!/usr/bin/env python3
"""TCP echo client for the integration tests (stdlib only).

  echo_client.py VIP [--port 7] [--conns N] [--size BYTES] [--chunk BYTES]
                 [--deadline S] [--io-timeout S] [--no-half-close]
                 [--sequential] [--discard] [--refused]

Opens --conns connections at once to VIP:PORT; each sends --size random
bytes in --chunk pieces while a reader thread hashes (SHA-256) what comes
back, then half-closes (shutdown(SHUT_WR)) and reads to the peer's FIN.
Every connection must get back exactly what it sent, and all must be done
within --deadline seconds of the start. Modes:
  --no-half-close  no SHUT_WR: done once SIZE bytes are back, then close
  --sequential     send everything and half-close before reading anything
  --discard        the peer must send nothing back, only FIN
  --refused        connecting must be refused (RST); nothing is sent

Output, one line per connection, then a summary (key=value, secs in s):
  ok conn=I bytes=N secs=T mbit_s=R sha256=H
  fail conn=I sent=N echoed=M secs=T err=TEXT
  summary conns=N ok=K failed=F secs=T slowest=T
Exit status 0 if every connection is ok, 1 otherwise.
"""
import argparse
import hashlib
import os
import socket
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
    a = p.parse_args()
    if a.io_timeout is None:
        a.io_timeout = a.deadline
    if a.sequential and not a.half_close:
        p.error("--sequential needs the half-close")
    if a.discard and not a.half_close:
        p.error("--discard needs the half-close")

    conns = [Conn(i) for i in range(a.conns)]
    t_start = time.monotonic()
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
            else:
                print("ok conn=%d bytes=%d secs=%.2f mbit_s=%.1f sha256=%s"
                      % (c.i, c.echoed if not a.discard else a.size, c.secs,
                         a.size * 8 / max(c.secs, 1e-6) / 1e6, c.got.hexdigest()))
        else:
            if c.err == "stalled":
                c.err = "not done after %.0f s" % a.deadline
            print("fail conn=%d sent=%d echoed=%d secs=%.2f err=%s"
                  % (c.i, c.sent, c.echoed, c.secs, c.err))
    print("summary conns=%d ok=%d failed=%d secs=%.2f slowest=%.2f"
          % (len(conns), nok, len(conns) - nok, dt,
             max([c.secs for c in conns] + [0.0])))
    sys.stdout.flush()
    # threads of stalled connections may still sit in recv()
    os._exit(0 if nok == len(conns) else 1)


if __name__ == "__main__":
    main()
