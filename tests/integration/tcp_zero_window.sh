#!/usr/bin/env bash
# [tcp] zero_window_timeout_ms with a Linux peer that stops reading, through
# the echo listener (zero_window_client.py): the client sends until hintlb
# takes no more, then reads nothing. Its receive buffer fills with the echo
# and its window closes; hintlb probes it (Linux answers every probe with a
# zero window) and must reset it once the window has been closed for the
# timeout, counted from the first probe: with 2000 ms, the client sees the
# RST (ECONNRESET) 2 s after its window closed and well before 2 s plus the
# 60 s a backed-off probe could wait; tcp_zero_window_timeout 1, the
# connection and its send queue freed. With 0 (no limit) the same client is
# still connected 8 s later and then reads back everything it sent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

CONF=$HL_WORK/hintlb.conf
ctrs() { hl_counters >"$HL_WORK/ctr"; }
ctr() { hl_ctr "$1" "$HL_WORK/ctr"; }
client() {
	hl_client timeout 60 python3 "$HL_ROOT/tests/integration/zero_window_client.py" \
		"$HL_VIP" 7 "$@"
}
run() { # ZERO_WINDOW_TIMEOUT_MS
	hl_write_config "$CONF" "[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo" \
		"[tcp]" "zero_window_timeout_ms = $1"
	hl_start "$CONF"
	hl_wait_ready 30
}

# 2 s: reset
run 2000
out=$(client --hold 20) || hl_fail "client: $out"
hl_log "timeout 2000 ms: $out"
read -r what after <<<"$(sed -n 's/^\([a-z]*\) after=\([0-9.]*\) .*/\1 \2/p' <<<"$out")"
[ "${what:-}" = reset ] || hl_fail "not reset: $out"
grep -q 'err=ECONNRESET' <<<"$out" || hl_fail "not reset by a RST: $out"
# from the first probe, which comes an RTO (0.2-1 s here) after the window closed
awk -v t="$after" 'BEGIN { exit !(t >= 1.9 && t <= 6) }' ||
	hl_fail "reset $after s after the window closed, want 2 s + one RTO"
for _ in $(seq 20); do
	ctrs
	[ "$(ctr tcp_closed)" -eq "$(ctr tcp_accepted)" ] && break
	sleep 0.25
done
for c in tcp_accepted tcp_closed tcp_persist_probe tcp_zero_window_timeout tcp_rto_giveup; do
	hl_log "$c $(ctr $c)"
done
[ "$(ctr tcp_zero_window_timeout)" -eq 1 ] ||
	hl_fail "tcp_zero_window_timeout $(ctr tcp_zero_window_timeout), want 1"
[ "$(ctr tcp_persist_probe)" -ge 1 ] || hl_fail "no zero-window probe counted"
[ "$(ctr tcp_closed)" -eq "$(ctr tcp_accepted)" ] ||
	hl_fail "tcp_closed $(ctr tcp_closed) != tcp_accepted $(ctr tcp_accepted)"
hl_stop_clean 10

# 0: no limit
run 0
out=$(client --hold 8) || hl_fail "client: $out"
hl_log "no limit: $out"
grep -q '^held .* match=yes' <<<"$out" || hl_fail "not held and read back: $out"
ctrs
hl_log "tcp_persist_probe $(ctr tcp_persist_probe)"
[ "$(ctr tcp_zero_window_timeout)" -eq 0 ] ||
	hl_fail "tcp_zero_window_timeout $(ctr tcp_zero_window_timeout) with no limit"
[ "$(ctr tcp_persist_probe)" -ge 1 ] || hl_fail "no zero-window probe counted"
hl_stop_clean 10
echo "PASS"
