#!/usr/bin/env bash
# A crash leaves state behind: SIGKILL hintlb, so its XDP programs stay
# attached to hl0/hl1 and its maps stay pinned under /sys/fs/bpf/hintlb.
# A new hintlb must start over them (replace its own stale program, reuse or
# replace the pins) and answer ping; then exit cleanly on SIGTERM.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

hl_start
hl_wait_ready 30
kill -KILL "$HL_PID"
wait "$HL_PID" 2>/dev/null || true
HL_PID=
stale0=$(hl_xdp_prog hl-lb hl0)
hl_log "after SIGKILL: XDP prog on hl0 '${stale0:-none}', pins: $(ls "$HL_PIN_DIR" 2>/dev/null | tr '\n' ' ')"

hl_start
hl_wait_ready 30
hl_client ping -c 3 -i 0.1 -W1 -q "$HL_VIP" >/dev/null ||
	hl_fail "VIP does not answer after restart over stale state"
new0=$(hl_xdp_prog hl-lb hl0)
[ -n "$new0" ] || hl_fail "no XDP program on hl0 after restart"
hl_stop_clean 5
echo "PASS"
