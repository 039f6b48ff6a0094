#!/usr/bin/env bash
# The issue's target: 10,000 pings to the VIP at 1,000 per second, every one
# answered. ping -i 0.001 needs root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
hl_start
hl_wait_ready 30

count=10000
hl_log "ping -i 0.001 -c $count $HL_VIP"
t0=$(date +%s.%N)
out=$(hl_client ping -i 0.001 -c "$count" -W 1 -q "$HL_VIP" 2>&1) || true
t1=$(date +%s.%N)
echo "$out"
grep -q "$count packets transmitted, $count received" <<<"$out" ||
	hl_fail "replies missing: $(grep 'packets transmitted' <<<"$out")"
grep -q ' 0% packet loss' <<<"$out" || hl_fail "loss reported: $out"
hl_log "$count/$count answered in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s"
hl_alive || hl_fail "hintlb exited during the flood"
echo "PASS"
