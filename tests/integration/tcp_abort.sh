#!/usr/bin/env bash
# Abortive close by the client, mid-transfer, through the echo listener:
# 16 connections each send 256 KiB of 1 MiB, wait for the first echoed
# bytes, then close with SO_LINGER {1, 0} (echo_client.py --abort-after):
# Linux sends RST while data is still in flight both ways (the rest of its
# send buffer is thrown away, hintlb is still echoing). What came back
# before the RST must be a prefix of what was sent. hintlb must take each
# RST (tcp_rst_in, one per aborted connection), free every connection
# (tcp_closed = tcp_accepted at the end: no connection left behind, none in
# TIME-WAIT since the echo closes second) and keep serving the others: 4
# connections x 2 MiB echo intact while the aborts happen, and 4 x 1 MiB
# after them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

NABORT=16
CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" "[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo"
hl_start "$CONF"
hl_wait_ready 30

ctrs() { hl_counters >"$HL_WORK/ctr"; }
ctr() { hl_ctr "$1" "$HL_WORK/ctr"; }

# beside the aborts: 4 ordinary connections, 2 MiB each, in small chunks
# so they are still running when the aborts come
hl_bg hl_echo_client 60 "$HL_VIP" --conns 4 --size $((2 << 20)) --chunk 4096 \
	--deadline 40 --io-timeout 20 >"$HL_WORK/during.out" 2>&1
during_pid=${HL_BG_PIDS[-1]}
sleep 0.2

out=$(hl_echo_client 60 "$HL_VIP" --conns "$NABORT" --size $((1 << 20)) --chunk 16384 \
	--abort-after $((256 << 10)) --deadline 30 --io-timeout 20 2>&1) ||
	hl_fail "aborts: $(grep -v '^ok ' <<<"$out")"
n=$(grep -c '^ok conn=[0-9]* aborted ' <<<"$out" || true)
[ "$n" -eq "$NABORT" ] || hl_fail "$n connections aborted, want $NABORT: $out"
hl_log "aborted $NABORT connections after 256 KiB sent; echoed before the RST:" \
	"$(sed -n 's/.* echoed=\([0-9]*\) .*/\1/p' <<<"$out" | sort -n | sed -n '1p;$p' | tr '\n' ' ')(min, max bytes)"

wait "$during_pid" || hl_fail "echo beside the aborts: $(grep -v '^ok ' "$HL_WORK/during.out")"
hl_log "beside the aborts: $(grep '^summary ' "$HL_WORK/during.out")"

out=$(hl_echo_client 60 "$HL_VIP" --conns 4 --size $((1 << 20)) --deadline 30 --io-timeout 20 2>&1) ||
	hl_fail "echo after the aborts: $(grep -v '^ok ' <<<"$out")"
hl_log "after the aborts: $(grep '^summary ' <<<"$out")"

# every connection freed: the last ones close on their final ACK, just after
for _ in $(seq 20); do
	ctrs
	[ "$(ctr tcp_closed)" -eq "$(ctr tcp_accepted)" ] && break
	sleep 0.5
done
for c in tcp_accepted tcp_closed tcp_rst_in tcp_rst_no_conn tcp_rst_ignored tcp_challenge_ack \
	tcp_rst_out tcp_retransmit; do
	hl_log "$c $(ctr $c)"
done
[ "$(ctr tcp_accepted)" -eq $((NABORT + 8)) ] ||
	hl_fail "tcp_accepted $(ctr tcp_accepted), want $((NABORT + 8))"
[ "$(ctr tcp_rst_in)" -ge "$NABORT" ] || hl_fail "tcp_rst_in $(ctr tcp_rst_in), want >= $NABORT"
[ "$(ctr tcp_closed)" -eq "$(ctr tcp_accepted)" ] ||
	hl_fail "tcp_closed $(ctr tcp_closed) != tcp_accepted $(ctr tcp_accepted): connections left behind"
for c in tcp_bad_cksum tcp_conn_pool_empty tcp_no_mbuf; do
	[ "$(ctr $c)" -eq 0 ] || hl_fail "$c: $(ctr $c), want 0"
done
hl_stop_clean 10
echo "PASS"
