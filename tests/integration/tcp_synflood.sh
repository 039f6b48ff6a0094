#!/usr/bin/env bash
# SYN flood against the echo listener (RFC 4987): a flooder in hl-client
# (syn_flood.py: a raw socket per process, 2 processes, as fast as they go:
# ~200k SYNs/s here, all the 2 cores allow beside hintlb) sends spoofed
# SYNs to VIP:7 from 198.51.100.1-254 (TEST-NET-2, off the client
# subnet: hintlb has no route back, so its SYN-ACKs to them are dropped as
# ipv4_no_route, it never ARPs for them, and nobody ever completes or
# resets those handshakes). [tcp] syn_backlog is 128 so the half-open budget
# is full within milliseconds and every further SYN is answered with a SYN
# cookie. While the flood runs, the Linux stack in hl-client opens 4 waves
# of 50 connections from its real address, each echoing 16 KiB: all 200
# must succeed intact, through cookies (tcp_syncookie_ok); the flood stops
# after them. Their connect latency is logged; it includes the client's
# own wait for a CPU (the flooders take both cores): seconds at times.
#
# Memory stays bounded: hintlb's RSS does not grow, and the half-open
# connections the flood made are the backlog's 128 and no more, and they go
# away: with [tcp] synack_retries = 3 a half-open connection gives up after
# its SYN-ACK and 3 retransmissions (RTO 1 s doubling: 15 s; the default 5
# takes 63 s), so the test waits that long after the flood began and then
# wants 0 < tcp_synack_giveup <= 128 (times the 15 s periods the flood
# lasted: each give-up makes room for another half-open connection), every
# connection freed (tcp_closed = tcp_accepted + tcp_synack_giveup), no
# tcp_conn_pool_empty, tcp_table_full or unresolved ARP, and new connections
# accepted without a cookie (the backlog has room again).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

BACKLOG=128
SYNACK_RETRIES=3
GIVEUP_S=$(((1 << (SYNACK_RETRIES + 1)) - 1)) # 1 + 2 + 4 + 8 s
FLOOD_PROCS=2
WAVES=4
WAVE_CONNS=50
CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" "[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo" \
	"[tcp]" "syn_backlog = $BACKLOG" "synack_retries = $SYNACK_RETRIES"
hl_start "$CONF"
hl_wait_ready 30

for PY in python3 /usr/bin/python3; do
	"$PY" -c 'import socket, struct' 2>/dev/null && break
done
ctrs() { hl_counters >"$HL_WORK/ctr"; }
ctr() { hl_ctr "$1" "$HL_WORK/ctr"; }
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$HL_PID/status"; }

# echo WHAT ARGS...: echo_client.py --mux against VIP:7, 16 KiB each; the
# summary logged, any failure fatal.
echo_conns() {
	local what=$1 out
	shift
	out=$(hl_echo_client 60 "$HL_VIP" --mux --size 16384 --chunk 16384 --deadline 40 \
		--io-timeout 30 "$@" 2>&1) || hl_fail "$what: $(grep -v '^ok ' <<<"$out")"
	hl_log "$what: $(grep '^summary ' <<<"$out")"
}

# before the flood: the backlog takes them, no cookie
echo_conns "before the flood" --conns 10
ctrs
[ "$(ctr tcp_syncookie_sent)" -eq 0 ] || hl_fail "cookies before the flood: $(ctr tcp_syncookie_sent)"
rss0=$(rss_kib)

hl_log "flooding $HL_VIP:7 from 198.51.100.0/24 ($FLOOD_PROCS processes)"
# not through hl_client (a function: its pid would be a subshell's) so that
# SIGTERM reaches syn_flood.py, which then stops and reports
hl_bg ip netns exec hl-client "$PY" "$HL_ROOT/tests/integration/syn_flood.py" "$HL_VIP" 7 \
	--secs 60 --procs "$FLOOD_PROCS" >"$HL_WORK/flood.out" 2>&1
flood_pid=${HL_BG_PIDS[-1]}
t_flood=$SECONDS
sleep 1
for w in $(seq "$WAVES"); do
	echo_conns "during the flood, wave $w" --conns "$WAVE_CONNS"
done
kill -0 "$flood_pid" 2>/dev/null || hl_fail "the flood ended before the legitimate connections"
ctrs
hl_log "during the flood: tcp_syn_backlog_full $(ctr tcp_syn_backlog_full)" \
	"tcp_syncookie_sent $(ctr tcp_syncookie_sent) tcp_syncookie_ok $(ctr tcp_syncookie_ok)"
kill -TERM "$flood_pid"
flood_s=$((SECONDS - t_flood))
wait "$flood_pid" || hl_fail "syn_flood.py failed: $(cat "$HL_WORK/flood.out")"
hl_log "$(cat "$HL_WORK/flood.out")"

ctrs
full=$(ctr tcp_syn_backlog_full)
ck_sent=$(ctr tcp_syncookie_sent)
ck_ok=$(ctr tcp_syncookie_ok)
legit=$((WAVES * WAVE_CONNS))
hl_log "after the flood: SYNs hintlb took in over the budget (tcp_syn_backlog_full) $full;" \
	"SYN-ACKs with a cookie $ck_sent; SYN-ACKs with no route back (ipv4_no_route)" \
	"$(ctr ipv4_no_route); connections opened by a cookie $ck_ok of $legit;" \
	"hintlb RSS $rss0 -> $(rss_kib) KiB"
[ $(($(rss_kib) - rss0)) -lt 4096 ] || hl_fail "hintlb's RSS grew from $rss0 to $(rss_kib) KiB"
[ "$full" -gt 0 ] || hl_fail "tcp_syn_backlog_full 0: the backlog never filled"
[ "$ck_sent" -gt 0 ] || hl_fail "tcp_syncookie_sent 0: no cookies"
[ "$ck_ok" -gt 0 ] || hl_fail "tcp_syncookie_ok 0: no connection used a cookie"
[ "$ck_ok" -le "$legit" ] || hl_fail "tcp_syncookie_ok $ck_ok > $legit legitimate connections"
[ "$(ctr tcp_syncookie_bad)" -eq 0 ] || hl_fail "tcp_syncookie_bad $(ctr tcp_syncookie_bad)"

# A half-open connection gives up GIVEUP_S after its SYN; the backlog refills
# as connections give up, so a flood longer than GIVEUP_S leaves a batch
# half-open until GIVEUP_S after the flood's last SYN: wait past that, then
# for tcp_synack_giveup to stay put (breaking at the first pause, between two
# batches' give-ups, counted the live batch's retransmissions as excess).
hl_log "waiting for the flood's half-open connections to time out ($GIVEUP_S s after its last SYN)"
prev=0
while [ $((SECONDS - t_flood)) -lt $((GIVEUP_S + flood_s + 15)) ]; do
	ctrs
	giveup=$(ctr tcp_synack_giveup)
	[ "$giveup" -gt 0 ] && [ "$giveup" -eq "$prev" ] &&
		[ $((SECONDS - t_flood)) -gt $((flood_s + GIVEUP_S)) ] && break
	prev=$giveup
	sleep 2
done
periods=$((1 + flood_s / GIVEUP_S))
hl_log "after $((SECONDS - t_flood)) s (the flood lasted $flood_s s): tcp_synack_giveup $giveup" \
	"tcp_accepted $(ctr tcp_accepted) tcp_closed $(ctr tcp_closed) tcp_rto $(ctr tcp_rto)"
[ "$giveup" -gt 0 ] || hl_fail "no half-open connection timed out (tcp_synack_giveup 0)"
[ "$giveup" -le $((BACKLOG * periods)) ] ||
	hl_fail "tcp_synack_giveup $giveup: more half-open connections than the backlog ($BACKLOG) x $periods"
[ "$(ctr tcp_rto)" -le $((giveup * SYNACK_RETRIES + 100)) ] ||
	hl_fail "tcp_rto $(ctr tcp_rto): more SYN-ACK retransmissions than $SYNACK_RETRIES per half-open connection"
[ "$(ctr tcp_closed)" -eq $(($(ctr tcp_accepted) + giveup)) ] ||
	hl_fail "connections not freed: tcp_closed $(ctr tcp_closed), want tcp_accepted + tcp_synack_giveup = $(($(ctr tcp_accepted) + giveup))"
for c in tcp_conn_pool_empty tcp_table_full tcp_no_mbuf arp_pending_full arp_unresolved; do
	[ "$(ctr $c)" -eq 0 ] || hl_fail "$c: $(ctr $c), want 0"
done

# the backlog has room again: no cookie for the next connections
echo_conns "after the time-out" --conns 10
ctrs
[ "$(ctr tcp_syncookie_sent)" -eq "$ck_sent" ] ||
	hl_fail "cookies after the half-open connections timed out: $(ctr tcp_syncookie_sent) > $ck_sent"
for c in tcp_in tcp_seg_out tcp_rst_out tcp_no_conn tcp_syn_repeated arp_request_out \
	tx_drop_full; do
	hl_log "$c $(ctr $c)"
done
xdp=$(hl_xdp_count hl0 ipv4_ours redirect)
off=$(stat -c %s "$HL_LOG")
hl_stop_clean 10
# Frames the XDP stage redirected that the PMD never received: under the
# flood hintlb's AF_XDP rx ring overflows (XDP_STATISTICS rx_ring_full),
# which DPDK 22.11's imissed leaves out (it adds only rx_dropped).
pk=$(tail -c +$((off + 1)) "$HL_LOG" | awk '$1 == "port" && $2 == "net_af_xdp0" && $3 == "ipackets" { print $4 }')
hl_log "hl0: the XDP stage redirected $xdp IPv4 frames to hintlb, net_af_xdp0 received ${pk:-?}"
echo "PASS"
