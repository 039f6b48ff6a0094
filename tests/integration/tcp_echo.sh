#!/usr/bin/env bash
# TCP termination against the Linux stack in hl-client, listener mode echo
# on the VIP (and discard, and an http listener that refuses): 10 MiB
# through one connection with SHA-256 compared at both ends; 4 concurrent
# connections each echoing 256 KiB; half-close (shutdown(SHUT_WR)) gets
# the rest echoed and then FIN; a closed port answers RST; discard reads
# and closes. hintlb's counters must show no bad checksums.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" \
	"[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo" \
	"[listener sink]" "vip = $HL_VIP" "port = 9" "mode = discard"
hl_start "$CONF"
hl_wait_ready 30

CLIENT=$HL_WORK/tcp_client.py
cat >"$CLIENT" <<'PY'
import hashlib, os, socket, sys, threading, time

VIP = sys.argv[1]
what = sys.argv[2]
# many concurrent connections: tcp_many.sh
NCONC = 4

def echo(nbytes, chunk=65536, half_close=True):
    s = socket.create_connection((VIP, 7), timeout=30)
    data = os.urandom(nbytes)
    sent_hash = hashlib.sha256(data).hexdigest()
    got = hashlib.sha256()
    n = [0]
    def reader():
        while True:
            b = s.recv(1 << 20)
            if not b:
                break  # FIN from hintlb
            got.update(b)
            n[0] += len(b)
    t = threading.Thread(target=reader)
    t.start()
    t0 = time.monotonic()
    for i in range(0, nbytes, chunk):
        s.sendall(data[i:i + chunk])
    if half_close:
        s.shutdown(socket.SHUT_WR)
    t.join(60)
    dt = time.monotonic() - t0
    s.close()
    if t.is_alive():
        raise SystemExit("echo of %d bytes: reader still running (got %d)" % (nbytes, n[0]))
    if n[0] != nbytes or got.hexdigest() != sent_hash:
        raise SystemExit("echo of %d bytes: got %d bytes, sha256 %s, sent %s"
                         % (nbytes, n[0], got.hexdigest(), sent_hash))
    return dt

if what == "big":
    n = 10 << 20
    dt = echo(n)
    print("10 MiB echoed intact in %.2f s (%.1f Mbit/s each way)" % (dt, n * 8 / dt / 1e6))
elif what == "concurrent":
    errs = []
    def one():
        try:
            echo(256 << 10, chunk=8192)
        except BaseException as e:
            errs.append(str(e))
    ts = [threading.Thread(target=one) for _ in range(NCONC)]
    t0 = time.monotonic()
    for t in ts: t.start()
    for t in ts: t.join(120)
    if errs or any(t.is_alive() for t in ts):
        raise SystemExit("concurrent: %s" % errs)
    print("%d concurrent connections x 256 KiB echoed intact in %.2f s" % (NCONC, time.monotonic() - t0))
elif what == "halfclose":
    # write, half-close at once, then read: everything comes back, then EOF
    s = socket.create_connection((VIP, 7), timeout=10)
    msg = b"half-close " * 1000
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    if buf != msg:
        raise SystemExit("half-close: got %d bytes back, want %d" % (len(buf), len(msg)))
    print("half-close: %d bytes echoed after SHUT_WR, then FIN" % len(buf))
elif what == "refused":
    for port in (80, 12345):
        try:
            socket.create_connection((VIP, port), timeout=5)
        except ConnectionRefusedError:
            continue
        raise SystemExit("port %d: connected, want RST" % port)
    print("ports 80 (http, not implemented) and 12345: refused (RST)")
elif what == "discard":
    s = socket.create_connection((VIP, 9), timeout=10)
    s.sendall(b"x" * (1 << 20))
    s.shutdown(socket.SHUT_WR)
    if s.recv(10) != b"":
        raise SystemExit("discard sent data back")
    s.close()
    print("discard: 1 MiB read and dropped, FIN after ours")
PY

for what in refused halfclose discard big concurrent; do
	out=$(hl_client timeout 120 python3 "$CLIENT" "$HL_VIP" "$what") ||
		hl_fail "$what: $out"
	hl_log "$out"
done

hl_stop_clean 10
ctr() { awk -v n="$1" '$1 == "worker" && $3 == n { s += $4 } END { print s + 0 }' "$HL_LOG"; }
[ "$(ctr tcp_bad_cksum)" -eq 0 ] || hl_fail "tcp_bad_cksum: $(ctr tcp_bad_cksum)"
[ "$(ctr tcp_accepted)" -ge 7 ] || hl_fail "tcp_accepted $(ctr tcp_accepted), want >= 7"
[ "$(ctr tcp_no_listener)" -ge 2 ] || hl_fail "tcp_no_listener $(ctr tcp_no_listener), want >= 2"
for c in tcp_accepted tcp_closed tcp_bytes_in tcp_retransmit tcp_rto tcp_ooo_drop \
	tcp_fast_retransmit tcp_out_of_window tcp_no_mbuf tx_drop_full; do
	hl_log "$c $(ctr $c)"
done
echo "PASS"
