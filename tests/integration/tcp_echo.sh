#!/usr/bin/env bash
# TCP termination against the Linux stack in hl-client, listener mode echo
# on the VIP (and discard, and an http listener that refuses): 100 MiB
# through one connection with SHA-256 compared at both ends (the issue's
# figure; 0.9-1.6 s, 500-930 Mbit/s each way on a 2-core machine, logged;
# the 60 s deadline only catches a stall); 4 concurrent connections each
# echoing 256 KiB; half-close
# (shutdown(SHUT_WR)) gets the rest echoed and then FIN; a closed port
# answers RST; discard reads and closes. hintlb's counters must show no bad
# checksums.
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

# run WHAT LIMIT_S ARGS...: echo_client.py ARGS against the VIP, its socket
# timeout LIMIT_S; its lines logged, any failure fatal.
run() {
	local what=$1 limit=$2 out l
	shift 2
	out=$(hl_echo_client 120 "$HL_VIP" --io-timeout "$limit" --deadline 110 "$@" 2>&1) ||
		hl_fail "$what: $out"
	while IFS= read -r l; do
		hl_log "$what: $l"
		printf '%s: %s\n' "$what" "$l" >>"$HL_WORK/run.log"
	done <<<"$out"
}

# a port nobody listens on: refused (RST)
run "refused 12345" 5 --port 12345 --refused
# write, half-close at once, then read: everything comes back, then FIN
run half-close 10 --size 11000 --sequential
# discard: 1 MiB read and dropped, FIN after ours
run discard 10 --port 9 --size $((1 << 20)) --discard
# 100 MiB through one connection, and 4 concurrent connections x 256 KiB
run big 30 --size $((100 << 20)) --deadline 60
big=$(grep -o 'big: ok .*' "$HL_WORK/run.log" | tail -1)
hl_log "100 MiB echoed in $(sed -n 's/.* secs=\([0-9.]*\).*/\1/p' <<<"$big") s:" \
	"$(sed -n 's/.* mbit_s=\([0-9.]*\).*/\1/p' <<<"$big") Mbit/s each way"
run concurrent 30 --conns 4 --size $((256 << 10)) --chunk 8192

hl_stop_clean 10
ctr() { hl_log_ctr "$1"; }
[ "$(ctr tcp_bad_cksum)" -eq 0 ] || hl_fail "tcp_bad_cksum: $(ctr tcp_bad_cksum)"
[ "$(ctr tcp_accepted)" -ge 7 ] || hl_fail "tcp_accepted $(ctr tcp_accepted), want >= 7"
[ "$(ctr tcp_no_listener)" -ge 1 ] || hl_fail "tcp_no_listener $(ctr tcp_no_listener), want >= 1"
for c in tcp_accepted tcp_closed tcp_bytes_in tcp_retransmit tcp_rto tcp_ooo_drop \
	tcp_fast_retransmit tcp_out_of_window tcp_no_mbuf tx_drop_full; do
	hl_log "$c $(ctr $c)"
done
echo "PASS"
