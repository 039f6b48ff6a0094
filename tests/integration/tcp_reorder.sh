#!/usr/bin/env bash
# TCP echo through reordering: bpf/netem.bpf.c on hl-client's hlc0 delivers
# a share (3 %) of the TCP frames late, in each direction in turn, then in
# both at once, then in both with 1 % loss each way; each 10 MiB echo must
# come back intact (SHA-256 compared) within a bounded time. Reordering
# alone loses nothing, so what hintlb retransmits there is spurious: its
# duplicate-ACK/SACK sender logic reacting to reordered ACK clocking.
#   - hintlb -> client: netem_xdp redirects the share into a cpumap; the
#     cpumap kthread hands those frames to the stack after frames that
#     arrived behind them. Checked: every redirected frame came out of the
#     cpumap (netem_cpumap counts them: nothing lost on the way) and the
#     client's kernel queued out-of-order data (TcpExtTCPOFOQueue).
#   - client -> hintlb: netem_tc classifies the share into HTB class 1:2
#     (5 mbit, a one-frame bucket: slower than the marked frames arrive, so
#     each waits); everything else leaves at once. Checked: class 1:2
#     sent them, the qdisc dropped nothing, and hintlb queued out-of-order
#     segments (tcp_ooo_queued).
#
# Usage (meson): tcp_reorder.sh HINTLB STEER_BPF_O; netem.bpf.o is taken
# from the directory of STEER_BPF_O unless HL_NETEM_OBJ names it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
REORDER_PPM=${HL_REORDER_PPM:-30000}
# 5 mbit with a one-frame bucket: the marked frames (~3 % of ~400 Mbit/s)
# arrive faster than the class drains, so each waits and later ones overtake
# it (at 50 mbit the bucket often let them straight through: no reordering)
SLOW_RATE=${HL_SLOW_RATE:-5mbit}
BYTES=$((10 << 20))
hl_netem_echo_up "$SLOW_RATE"

command -v nstat >/dev/null || hl_fail "'nstat' (iproute2) not installed"

# hintlb's counter NAME now; NAME=VALUE pairs of the client's TCP counters.
# NAME VALUE lines: the client kernel's counters (absolute, zeros too).
nstat_client() { hl_client nstat -asz | awk '$1 !~ /^#/ { print $1, $2 }'; }
# frames hl0 could not hand to hlc0 (the veth's ring full): loss that is not
# netem's
veth_drops() {
	ip -n hl-lb -s -j link show dev hl0 |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'
}
# delta BEFORE AFTER NAME: how much NAME grew between two NAME VALUE lists.
delta() {
	local v0 v1
	v0=$(awk -v n="$3" '$1 == n { v = $2 } END { print v + 0 }' <<<"$1")
	v1=$(awk -v n="$3" '$1 == n { v = $2 } END { print v + 0 }' <<<"$2")
	echo $((v1 - v0))
}
CLIENT_CTRS="TcpExtTCPOFOQueue TcpExtTCPSACKReorder TcpExtTCPDSACKOldSent TcpExtTCPDSACKOfoSent
	TcpExtTCPDSACKRecv TcpExtTCPSpuriousRtxHostQueues TcpExtTCPFastRetrans TcpRetransSegs"
HL_CTRS="tcp_ooo_queued tcp_dupack tcp_fast_retransmit tcp_sack_retransmit tcp_retransmit tcp_rto
	tcp_dsack_in tcp_spurious_undo tcp_sack_loss tcp_reo_wait tcp_reo_timeout"
declare -A C H

# run NAME LOSS_PPM PPM0 PPM1 LIMIT_S: one 10 MiB echo with LOSS_PPM of the
# frames dropped each way, PPM0 of the rest from hintlb and PPM1 of those to
# it reordered, within LIMIT_S; prints the figures and leaves them in D*_*,
# S_* (netem and HTB stats), C[] / H[] (client and hintlb counter deltas).
run() {
	local name=$1 loss=$2 ppm0=$3 ppm1=$4 limit=$5
	local out dt n0 n1 hl0 hl1 c s sent0 drop0 veth0
	hl_netem_set 0 "$loss" "$ppm0"
	hl_netem_set 1 "$loss" "$ppm1"
	read -r sent0 drop0 < <(hl_netem_slow_stats)
	veth0=$(veth_drops)
	n0=$(nstat_client)
	hl0=$(hl_counters)
	if ! out=$(hl_echo_client $((limit + 10)) "$HL_VIP" --size "$BYTES" --deadline "$limit" 2>&1); then
		hl_log "netem: from hintlb $(hl_netem_stats 0), to hintlb $(hl_netem_stats 1)"
		hl_counters | grep '^tcp_' | sort | tr '\n' ' ' >&2
		hl_fail "$name: echo of $BYTES bytes: $out"
	fi
	dt=$(sed -n 's/^ok .* secs=\([0-9.]*\) .*/\1/p' <<<"$out")
	[ -n "$dt" ] || hl_fail "echo_client.py: no time in: $out"
	n1=$(nstat_client)
	hl1=$(hl_counters) # takes >= 0.25 s: the cpumap has delivered by then
	read -r D0_TCP D0_DROP D0_REORD D0_LATE < <(hl_netem_stats 0)
	read -r D1_TCP D1_DROP D1_REORD _ < <(hl_netem_stats 1)
	read -r S_SENT S_DROP < <(hl_netem_slow_stats)
	S_SENT=$((S_SENT - sent0))
	S_DROP=$((S_DROP - drop0))
	hl_log "$name: $((BYTES >> 20)) MiB echoed intact in $dt s"
	hl_log "  from hintlb: $D0_REORD of $D0_TCP frames reordered through the cpumap," \
		"$D0_LATE of them delivered; $D0_DROP dropped"
	hl_log "  to hintlb:   $D1_REORD of $D1_TCP frames reordered through HTB 1:2" \
		"($S_SENT sent by it, qdisc drops $S_DROP); $D1_DROP dropped"
	hl_log "  hl0 -> hlc0 frames dropped by the veth (not netem): $(($(veth_drops) - veth0))"
	s="  client:"
	for c in $CLIENT_CTRS; do
		C[$c]=$(delta "$n0" "$n1" "$c")
		s+=" $c=${C[$c]}"
	done
	hl_log "$s"
	s="  hintlb:"
	for c in $HL_CTRS; do
		H[$c]=$(delta "$hl0" "$hl1" "$c")
		s+=" $c=${H[$c]}"
	done
	hl_log "$s"
	echo "tcp_reorder $name $((BYTES >> 20))MiB: $dt s"
}

# ooo_seen SIDE: the last run's out-of-order arrivals were seen by SIDE
# (client, hintlb or both).
ooo_seen() {
	case $1 in
	client) [ "${C[TcpExtTCPOFOQueue]}" -gt 0 ] ;;
	hintlb) [ "${H[tcp_ooo_queued]}" -gt 0 ] ;;
	both) ooo_seen client && ooo_seen hintlb ;;
	esac
}

# check_paths NAME: what the last run NAME must show whatever the draw: the
# share it reordered went the slow way(s) and came out of them, nothing lost.
check_paths() {
	case $1 in
	from-hintlb)
		[ "$D0_REORD" -gt 0 ] || hl_fail "$1: nothing went through the cpumap"
		[ "$D0_LATE" -eq "$D0_REORD" ] ||
			hl_fail "$1: $D0_REORD frames into the cpumap, $D0_LATE out of it (lost)"
		;;
	to-hintlb)
		[ "$D1_REORD" -gt 0 ] && [ "$S_SENT" -gt 0 ] || hl_fail "$1: nothing went through HTB 1:2"
		[ "$S_DROP" -eq 0 ] || hl_fail "$1: the qdisc dropped $S_DROP"
		;;
	*)
		[ "$D0_REORD" -gt 0 ] && [ "$D1_REORD" -gt 0 ] || hl_fail "$1: nothing reordered"
		[ "$D0_LATE" -eq "$D0_REORD" ] && [ "$S_DROP" -eq 0 ] ||
			hl_fail "$1: frames lost on the slow ways"
		;;
	esac
}

# reorder_run NAME LOSS_PPM PPM0 PPM1 SIDE: run until SIDE saw out-of-order
# data, at most 3 times. netem_tc decides per GSO skb (see bpf/netem.bpf.c),
# so the client's share is a few dozen draws, most of them pure ACKs: a run
# whose picks were all ACKs, or data nothing was sent behind, reorders no
# data (CI saw it on 2026-12-07: 37 frames reordered, hintlb queued none).
# Three such runs in a row, or out-of-order data the receiver did not queue,
# fail.
reorder_run() {
	local name=$1 side=$5 attempt
	for attempt in 1 2 3; do
		run "$name" "$2" "$3" "$4" 40
		check_paths "$name"
		ooo_seen "$side" && return 0
		hl_log "$name: run $attempt: no out-of-order data seen by $side (netem's picks this time:" \
			"$D0_REORD frames from hintlb, $D1_REORD to it)"
	done
	hl_fail "$name: $side saw nothing out of order in 3 runs"
}

reorder_run from-hintlb 0 "$REORDER_PPM" 0 client
reorder_run to-hintlb 0 0 "$REORDER_PPM" hintlb
# both at once, then with loss too
reorder_run both 0 "$REORDER_PPM" "$REORDER_PPM" both
reorder_run both+loss 10000 "$REORDER_PPM" "$REORDER_PPM" both

hl_netem_set 0 0
hl_netem_set 1 0
hl_client ping -c2 -i 0.2 -W1 -q "$HL_PORT0_IP" >/dev/null || hl_fail "no ping answer afterwards"
hl_stop_clean 10
echo "PASS"
