#!/usr/bin/env bash
# TCP echo through random loss in both directions: bpf/netem.bpf.c on
# hl-client's hlc0 drops a share of the TCP frames hintlb sends (XDP on
# ingress) and of those the client sends (tc egress); hintlb's own XDP
# program on hl0 is untouched. One connection echoes 10 MiB at 1 % loss
# each way and 2 MiB at 5 % (10 MiB at 5 % takes too long for CI: the
# kernel client backs off its RTO), each intact (SHA-256 compared) within a
# bounded time. The drops are checked to have happened (netem stats) and
# hintlb to have retransmitted.
#
# Usage (meson): tcp_loss.sh HINTLB STEER_BPF_O; netem.bpf.o is taken from
# the directory of STEER_BPF_O unless HL_NETEM_OBJ names it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_netem_echo_up

# hintlb's counters logged per run (deltas)
HL_CTRS="tcp_retransmit tcp_fast_retransmit tcp_sack_retransmit tcp_rto tcp_dupack
	tcp_dsack_in tcp_spurious_undo tcp_sack_loss tcp_reo_wait tcp_reo_timeout"

# run PPM BYTES LIMIT_S: one echo with PPM loss each way, within LIMIT_S.
run() {
	local ppm=$1 bytes=$2 limit=$3 dt out in_tcp in_drop out_tcp out_drop hl0 hl1 c s
	hl_netem_set 0 "$ppm"
	hl_netem_set 1 "$ppm"
	hl0=$(hl_counters)
	if ! out=$(hl_echo_client $((limit + 10)) "$HL_VIP" --size "$bytes" --deadline "$limit" 2>&1); then
		hl_log "netem: from hintlb $(hl_netem_stats 0), to hintlb $(hl_netem_stats 1) (frames dropped)"
		hl_counters | grep '^tcp_' | sort | tr '\n' ' ' >&2
		hl_fail "echo of $bytes bytes at $ppm ppm loss: $out"
	fi
	dt=$(sed -n 's/^ok .* secs=\([0-9.]*\) .*/\1/p' <<<"$out")
	[ -n "$dt" ] || hl_fail "echo_client.py: no time in: $out"
	hl1=$(hl_counters)
	read -r in_tcp in_drop _ < <(hl_netem_stats 0)
	read -r out_tcp out_drop _ < <(hl_netem_stats 1)
	hl_log "loss $((ppm / 10000)) % each way: $((bytes >> 20)) MiB echoed intact in $dt s;" \
		"dropped $in_drop of $in_tcp frames from hintlb, $out_drop of $out_tcp to it"
	s="  hintlb:"
	for c in $HL_CTRS; do
		s+=" $c=$(($(hl_ctr "$c" <(echo "$hl1")) - $(hl_ctr "$c" <(echo "$hl0"))))"
	done
	hl_log "$s"
	[ "$in_drop" -gt 0 ] && [ "$out_drop" -gt 0 ] ||
		hl_fail "netem dropped nothing: $in_drop / $out_drop"
	echo "tcp_loss $((ppm / 10000))pct $((bytes >> 20))MiB: $dt s"
}

run 10000 $((10 << 20)) 40
run 50000 $((2 << 20)) 40

hl_netem_set 0 0
hl_netem_set 1 0
hl_client ping -c2 -i 0.2 -W1 -q "$HL_PORT0_IP" >/dev/null || hl_fail "no ping answer afterwards"
hl_stop_clean 10
echo "PASS"
