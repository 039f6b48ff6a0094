#!/usr/bin/env python3
"""Malformed and adversarial TCP segments against hintlb's echo listener.

Run by tcp_scapy.sh inside hl-client:
    tcp_scapy.py IFACE VIP PORT HINTLB_PID HINTLB_LOG

Each case sends hand-made frames with scapy on IFACE and asserts what hintlb
answered (or that it stayed silent) and which of its counters moved (SIGUSR1
makes hintlb print `worker N name value` lines to its log).

The client kernel must not see hintlb's answers as belonging to its own
sockets, or it would answer a SYN-ACK it never asked for with a RST and spoil
the cases. Instead of a firewall (neither iptables nor nft is installed by
default), the frames use a source address no one in hl-client holds,
SRC_IP below, with IFACE's MAC: hintlb learns that pair from our ARP request
(and from our answers to its own ARP requests, which the receive loop gives),
the client kernel drops hintlb's frames to SRC_IP as not addressed to it
(forwarding is off in the namespace), and the AF_PACKET socket still sees
them.
"""
import os
import signal
import sys
import time

from scapy.all import ARP, Ether, IP, TCP, Raw, conf, get_if_hwaddr  # noqa: E402

SRC_IP = "10.77.0.50"
IFACE, VIP, PORT, HL_PID, HL_LOG = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(
    sys.argv[4]), sys.argv[5]
MY_MAC = get_if_hwaddr(IFACE)
sock = conf.L2socket(iface=IFACE)
failures = []
next_sport = [41000]


def log(msg):
    print(msg, flush=True)


def sport():
    next_sport[0] += 1
    return next_sport[0]


def counters():
    """hintlb's counters (summed over workers) as it prints them on SIGUSR1."""
    off = os.path.getsize(HL_LOG)
    os.kill(HL_PID, signal.SIGUSR1)
    deadline = time.monotonic() + 5
    size = off
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = os.path.getsize(HL_LOG)
        if now > off and now == size:
            break
        size = now
    with open(HL_LOG, "rb") as f:
        f.seek(off)
        text = f.read().decode(errors="replace")
    c = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) == 4 and w[0] == "worker" and w[3].isdigit():
            c[w[2]] = c.get(w[2], 0) + int(w[3])
    return c


def answer_arp(p):
    """Answer hintlb's ARP requests for SRC_IP (nobody else will)."""
    if ARP in p and p[ARP].op == 1 and p[ARP].pdst == SRC_IP:
        sock.send(Ether(dst=p[ARP].hwsrc, src=MY_MAC) /
                  ARP(op=2, hwsrc=MY_MAC, psrc=SRC_IP, hwdst=p[ARP].hwsrc, pdst=p[ARP].psrc))


def collect(sp, secs):
    """TCP segments from VIP:PORT to SRC_IP:sp seen within secs."""
    out = []
    deadline = time.monotonic() + secs
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out
        p = sock.recv() if sock.select([sock], left) else None
        if p is None:
            continue
        answer_arp(p)
        if IP in p and TCP in p and p[IP].src == VIP and p[IP].dst == SRC_IP and \
                p[TCP].sport == PORT and p[TCP].dport == sp:
            out.append(p[TCP])


def send(sp, tcp_bytes_or_layer, wait=0.5):
    """Send one segment (a scapy TCP layer, or raw bytes after the IP header)."""
    ip = IP(src=SRC_IP, dst=VIP, proto=6)
    frame = Ether(dst=HL_MAC, src=MY_MAC) / ip / tcp_bytes_or_layer
    sock.send(frame)
    return collect(sp, wait)


def flags(t):
    return str(t.flags)


def check(name, ok, detail=""):
    log("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""))
    if not ok:
        failures.append(name)


def delta(before, after, name):
    return after.get(name, 0) - before.get(name, 0)


def case(name, build, want_reply, counter):
    """One stateless malformed segment: want_reply None (silence) or a flag string."""
    sp = sport()
    before = counters()
    replies = send(sp, build(sp))
    after = counters()
    got = [flags(t) for t in replies]
    if want_reply is None:
        check(name + ": no answer", not replies, "got %s" % got)
    else:
        check(name + ": answered " + want_reply, want_reply in got, "got %s" % got)
    d = delta(before, after, counter)
    check(name + ": %s +1" % counter, d >= 1, "moved by %d" % d)


def connect(sp, isn=1000):
    """Handshake from SRC_IP:sp; returns (our next seq, hintlb's next seq)."""
    r = send(sp, TCP(sport=sp, dport=PORT, flags="S", seq=isn, window=65535,
                     options=[("MSS", 1460)]))
    synack = [t for t in r if flags(t) == "SA"]
    if not synack:
        raise SystemExit("handshake from port %d: no SYN-ACK (got %s)" %
                         (sp, [flags(t) for t in r]))
    iss = synack[0].seq
    send(sp, TCP(sport=sp, dport=PORT, flags="A", seq=isn + 1, ack=iss + 1, window=65535),
         wait=0.1)
    return isn + 1, iss + 1


def echo_ok(sp, seq, ack, data=b"ping!"):
    """Data on the connection comes back (echo), ACKed. Returns (ok, seq, ack, replies)."""
    r = send(sp, TCP(sport=sp, dport=PORT, flags="PA", seq=seq, ack=ack, window=65535) /
             Raw(data))
    got = b"".join(bytes(t.payload) for t in r if bytes(t.payload))
    seq, ack = seq + len(data), ack + len(got)
    # ACK the echo, or its retransmission would show up in the next case
    send(sp, TCP(sport=sp, dport=PORT, flags="A", seq=seq, ack=ack, window=65535), wait=0.1)
    return got == data, seq, ack, r


# hintlb's MAC, and hintlb learns ours for SRC_IP.
HL_MAC = None
for _ in range(10):
    sock.send(Ether(dst="ff:ff:ff:ff:ff:ff", src=MY_MAC) /
              ARP(op=1, hwsrc=MY_MAC, psrc=SRC_IP, pdst=VIP))
    deadline = time.monotonic() + 1
    while HL_MAC is None and time.monotonic() < deadline:
        p = sock.recv() if sock.select([sock], 0.2) else None
        if p is not None and ARP in p and p[ARP].op == 2 and p[ARP].psrc == VIP:
            HL_MAC = p[ARP].hwsrc
    if HL_MAC:
        break
if HL_MAC is None:
    raise SystemExit("no ARP answer for %s" % VIP)
log("hintlb %s is at %s; scapy speaks as %s (%s)" % (VIP, HL_MAC, SRC_IP, MY_MAC))

# ---- stateless: malformed SYNs, silently dropped and counted ----
case("bad checksum", lambda sp: TCP(sport=sp, dport=PORT, flags="S", seq=1, chksum=0xdead),
     None, "tcp_bad_cksum")
case("data offset 4 (< 5)", lambda sp: TCP(sport=sp, dport=PORT, flags="S", seq=1, dataofs=4),
     None, "tcp_bad_doff")
case("data offset 15 (> segment)",
     lambda sp: TCP(sport=sp, dport=PORT, flags="S", seq=1, dataofs=15), None, "tcp_bad_doff")
# MSS option claiming 8 bytes in a 4-byte option space (data offset 6)
case("options past the header",
     lambda sp: TCP(sport=sp, dport=PORT, flags="S", seq=1, dataofs=6) /
     Raw(b"\x02\x08\x05\xb4"), None, "tcp_bad_options")
case("SYN+FIN", lambda sp: TCP(sport=sp, dport=PORT, flags="SF", seq=1), None, "tcp_bad_flags")
case("SYN+RST", lambda sp: TCP(sport=sp, dport=PORT, flags="SR", seq=1), None, "tcp_bad_flags")
case("ACK to no connection", lambda sp: TCP(sport=sp, dport=PORT, flags="A", seq=5, ack=77),
     "R", "tcp_no_conn")

# ---- on an established connection ----
sp = sport()
seq, ack = connect(sp)
ok, seq, ack, _ = echo_ok(sp, seq, ack)
check("established: data echoed", ok)

before = counters()
r = send(sp, TCP(sport=sp, dport=PORT, flags="R", seq=seq + 10000000))
after = counters()
check("RST out of window: no answer", not r, "got %s" % [flags(t) for t in r])
check("RST out of window: tcp_rst_ignored +1", delta(before, after, "tcp_rst_ignored") >= 1)
ok, seq, ack, _ = echo_ok(sp, seq, ack, b"still here")
check("RST out of window: connection alive (echo)", ok)

before = counters()
r = send(sp, TCP(sport=sp, dport=PORT, flags="R", seq=seq + 100))
after = counters()
acks = [t for t in r if flags(t) == "A" and t.ack == seq]
check("RST in window, not exact: challenge ACK (ack = RCV.NXT)", len(acks) == 1,
      "got %s" % [(flags(t), t.seq, t.ack) for t in r])
check("RST in window, not exact: tcp_challenge_ack +1",
      delta(before, after, "tcp_challenge_ack") >= 1)
ok, seq, ack, _ = echo_ok(sp, seq, ack, b"after challenge")
check("RST in window, not exact: connection alive (echo)", ok)

before = counters()
r = send(sp, TCP(sport=sp, dport=PORT, flags="S", seq=seq + 5000))
after = counters()
check("SYN on established: challenge ACK",
      any(flags(t) == "A" and t.ack == seq for t in r), "got %s" % [flags(t) for t in r])
check("SYN on established: tcp_challenge_ack +1", delta(before, after, "tcp_challenge_ack") >= 1)

before = counters()
r = send(sp, TCP(sport=sp, dport=PORT, flags="R", seq=seq))
after = counters()
check("RST exact: no answer", not r, "got %s" % [flags(t) for t in r])
check("RST exact: tcp_rst_in +1", delta(before, after, "tcp_rst_in") >= 1)
check("RST exact: tcp_closed +1", delta(before, after, "tcp_closed") >= 1)
before = counters()
r = send(sp, TCP(sport=sp, dport=PORT, flags="PA", seq=seq, ack=ack) / Raw(b"anyone?"))
after = counters()
check("RST exact: next segment answered RST", any("R" in flags(t) for t in r),
      "got %s" % [flags(t) for t in r])
check("RST exact: tcp_no_conn +1", delta(before, after, "tcp_no_conn") >= 1)

if failures:
    raise SystemExit("%d check(s) failed: %s" % (len(failures), ", ".join(failures)))
log("all scapy cases passed")
