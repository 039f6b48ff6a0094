#!/usr/bin/env bash
# Two workers on two-queue veths (tools/netns.sh with HL_QUEUES=2,
# net_af_xdp queue_count=2: one AF_XDP queue per worker). The kernel peers
# (veth_channels.c makes net_af_xdp accept queue_count=2 on a veth) spread
# their connections over both queues by their own flow hash, which
# hintlb cannot predict, so about half of all segments reach the worker
# that does not own their connection and are handed to the owner through
# its ring. Echo (64 concurrent connections + 10 MiB through one) and relay
# (32 connections to the kernel echo server in hl-replica, hintlb's own
# connections included) must come back intact; every handed-off segment
# must be taken in by its owner (out = in, none dropped for a full ring),
# the payload delivered exactly once (tcp_bytes_in = the bytes sent), and
# both workers must own connections and receive segments.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
export HL_QUEUES=2
HL_LCORES="--lcores=0@0,1@1,2@0 -m 256"
HL_MBUFS=16383 # 4 AF_XDP queues take 2048 each at start
# veth reports its queues as rx/tx channels, which DPDK 22.11's net_af_xdp
# reads as "one queue": tests/integration/veth_channels.c answers that one
# query with combined channels for hl0 and hl1 (nothing else is touched)
[ -f "${HL_VETH_CHANNELS_SO:-}" ] || hl_fail "HL_VETH_CHANNELS_SO: no shim library (run through meson)"
HL_PRELOAD=$HL_VETH_CHANNELS_SO
export HL_VETH_COMBINED="hl0 hl1"
hl_topo_up
q=$(ip -n hl-lb -d link show dev hl0 | sed -n 's/.*numrxqueues \([0-9]*\).*/\1/p')
[ "$q" = 2 ] || hl_fail "hl0 has $q rx queues, want 2"

PEERS=$HL_WORK/peers.log
hl_echo_servers "$PEERS" 10.77.1.11:8080 10.77.1.12:8080 10.77.1.13:8080 10.77.1.14:8080

CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" \
	"[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo" \
	"[listener relay]" "vip = $HL_VIP" "port = 9000" "mode = relay"
hl_start "$CONF"
hl_wait_ready 30
grep -q "ready: 2 worker(s)" "$HL_LOG" || hl_fail "hintlb did not start 2 workers: $(grep ready "$HL_LOG")"

run() {
	local what=$1 out l
	shift
	out=$(hl_echo_client 120 "$HL_VIP" --io-timeout 30 --deadline 110 "$@" 2>&1) ||
		hl_fail "$what: $out"
	hl_log "$what: $(tail -1 <<<"$out")"
}

ctr() { hl_ctr "$1"; }

in0=$(ctr tcp_bytes_in)
run "echo 64 conns" --conns 64 --size $((256 << 10)) --chunk 16384
run "echo big" --size $((10 << 20))
in1=$(ctr tcp_bytes_in)
want=$((64 * (256 << 10) + (10 << 20)))
[ $((in1 - in0)) -eq "$want" ] ||
	hl_fail "echo: tcp_bytes_in grew by $((in1 - in0)), want exactly $want (lost or doubled segments)"
run "relay 32 conns" --port 9000 --conns 32 --size $((256 << 10)) --chunk 16384
[ "$(wc -l <"$PEERS")" -eq 32 ] || hl_fail "the replicas saw $(wc -l <"$PEERS") connections, want 32"

W=$HL_WORK/workers.txt
hl_worker_counters >"$W"
wc_() { awk -v w="$1" -v n="$2" '$2 == w && $3 == n { print $4; f = 1 } END { if (!f) print 0 }' "$W"; }
sum() { awk -v n="$1" '$3 == n { s += $4 } END { print s + 0 }' "$W"; }
for w in 0 1; do
	hl_log "worker $w: rx_pkts $(wc_ $w rx_pkts) tcp_accepted $(wc_ $w tcp_accepted)" \
		"tcp_connected $(wc_ $w tcp_connected) handoff out $(wc_ $w tcp_handoff_out)" \
		"in $(wc_ $w tcp_handoff_in)"
	[ "$(wc_ $w rx_pkts)" -gt 0 ] || hl_fail "worker $w received nothing: one queue unused"
	[ "$(wc_ $w tcp_accepted)" -gt 0 ] || hl_fail "worker $w owns no client connection"
	[ "$(wc_ $w tcp_connected)" -gt 0 ] || hl_fail "worker $w opened no replica connection"
done
out=$(sum tcp_handoff_out)
in=$(sum tcp_handoff_in)
[ "$out" -gt 0 ] || hl_fail "no segment was handed off: the test did not exercise the ring"
[ "$out" -eq "$in" ] || hl_fail "handed off $out segments, owners took in $in"
[ "$(sum tcp_handoff_full)" -eq 0 ] || hl_fail "tcp_handoff_full $(sum tcp_handoff_full)"
[ "$(sum tcp_bad_cksum)" -eq 0 ] || hl_fail "tcp_bad_cksum $(sum tcp_bad_cksum)"
hl_log "handed off: $out of $(sum tcp_in) segments ($((100 * out / $(sum tcp_in))) %), all taken in"
hl_stop_clean 10
echo "PASS"
