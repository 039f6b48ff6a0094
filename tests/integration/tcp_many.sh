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

for round in 1 2 3 4; do
	out=$(hl_echo_client 60 "$HL_VIP" --conns "$NCONN" --size "$SIZE" --chunk 8192 \
		--deadline 30 2>&1) || hl_fail "round $round: $(grep -v '^ok ' <<<"$out")"
	hl_log "round $round: $NCONN connections x $((SIZE >> 10)) KiB echoed intact:" \
		"$(grep '^summary ' <<<"$out")"
done

hl_stop_clean 10
rx1=$(hlc0_rx)
ctr() { hl_log_ctr "$1"; }
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
