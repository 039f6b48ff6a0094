#!/usr/bin/env bash
# Many concurrent TCP connections through the echo listener: 32 connections
# each echo 256 KiB at once (SHA-256 compared), 4 rounds (so the packet pool
# cycles through all its mbufs); each round must finish intact within 30 s
# (about 0.3 s on a 2-core machine). Then every frame net_af_xdp
# accepted on the client port must have reached hlc0: hintlb's `port
# net_af_xdp0 opackets` <= hlc0's received packets since hintlb started
# (the kernel of hl-lb may add a few of its own). Before the packet pool was
# laid out for net_af_xdp (dataplane/port.c, hl_port_pool_create) ~25 % of
# accepted frames never left and most connections stalled on RTO.
# hintlb must count no tx drops (tx_drop_full) and no unresolved neighbours.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

NCONN=32
SIZE=$((256 << 10))
CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" "[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo"

# hlc0's received packets (everything hl0 transmitted to it).
hlc0_rx() { ip -n hl-client -j -s link show dev hlc0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }
rx0=$(hlc0_rx)
hl_start "$CONF"
hl_wait_ready 30

CLIENT=$HL_WORK/many.py
cat >"$CLIENT" <<'PY'
import hashlib, os, socket, sys, threading, time

VIP, N, SIZE, DEADLINE = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
errs, took = [], []

def echo():
    t0 = time.monotonic()
    try:
        s = socket.create_connection((VIP, 7), timeout=DEADLINE)
        data = os.urandom(SIZE)
        got, n = hashlib.sha256(), [0]
        def reader():
            while True:
                b = s.recv(1 << 20)
                if not b:
                    break
                got.update(b)
                n[0] += len(b)
        t = threading.Thread(target=reader)
        t.start()
        for i in range(0, SIZE, 8192):
            s.sendall(data[i:i + 8192])
        s.shutdown(socket.SHUT_WR)
        t.join(DEADLINE)
        s.close()
        if t.is_alive() or n[0] != SIZE or got.hexdigest() != hashlib.sha256(data).hexdigest():
            errs.append("got %d of %d bytes%s" % (n[0], SIZE, " (stalled)" if t.is_alive() else ""))
    except OSError as e:
        errs.append(str(e))
    took.append(time.monotonic() - t0)

ts = [threading.Thread(target=echo, daemon=True) for _ in range(N)]
t0 = time.monotonic()
for t in ts:
    t.start()
for t in ts:
    t.join(max(0.1, DEADLINE - (time.monotonic() - t0)))
dt = time.monotonic() - t0
if errs or any(t.is_alive() for t in ts) or dt > DEADLINE:
    raise SystemExit("%d of %d connections failed or stalled after %.1f s: %s"
                     % (len(errs) + sum(t.is_alive() for t in ts), N, dt, errs[:5]))
print("%d connections x %d KiB echoed intact in %.2f s (slowest %.2f s)"
      % (N, SIZE >> 10, dt, max(took)))
PY

for round in 1 2 3 4; do
	out=$(hl_client timeout 60 python3 "$CLIENT" "$HL_VIP" "$NCONN" "$SIZE" 30 2>&1) ||
		hl_fail "round $round: $out"
	hl_log "round $round: $out"
done

hl_stop_clean 10
rx1=$(hlc0_rx)
ctr() { awk -v n="$1" '$1 == "worker" && $3 == n { s += $4 } END { print s + 0 }' "$HL_LOG"; }
opk=$(awk '$1 == "port" && $2 == "net_af_xdp0" && $3 == "opackets" { print $4 }' "$HL_LOG")
[ -n "$opk" ] || hl_fail "no 'port net_af_xdp0 opackets' line in hintlb's report"
hl_log "net_af_xdp0 accepted $opk frames; hlc0 received $((rx1 - rx0))"
[ "$((rx1 - rx0))" -ge "$opk" ] ||
	hl_fail "frames lost after tx_burst: net_af_xdp0 accepted $opk, hlc0 received $((rx1 - rx0))"
[ "$(ctr tcp_accepted)" -ge $((4 * NCONN)) ] ||
	hl_fail "tcp_accepted $(ctr tcp_accepted), want >= $((4 * NCONN))"
for c in tx_drop_full arp_pending_full arp_unresolved tcp_no_mbuf tcp_bad_cksum; do
	[ "$(ctr $c)" -eq 0 ] || hl_fail "$c: $(ctr $c), want 0"
done
for c in tx_pkts tx_pmd_busy tcp_retransmit tcp_rto; do
	hl_log "$c $(ctr $c)"
done
echo "PASS"
