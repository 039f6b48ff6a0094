#!/usr/bin/env bash
# SIGTERM: hintlb exits with status 0 within 5 s and leaves no XDP program on
# its interfaces; a second hintlb then starts on the same interfaces (pins
# from the first run, if any are kept, do not stop it) and answers again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

for run in 1 2; do
	hl_start
	hl_wait_ready 30
	hl_client ping -c 3 -i 0.1 -W1 -q "$HL_VIP" >/dev/null ||
		hl_fail "run $run: VIP does not answer ping"
	hl_log "run $run: answering"
	hl_stop_clean 5
	for dev in hl0 hl1; do
		prog=$(hl_xdp_prog hl-lb "$dev")
		[ -z "$prog" ] || hl_fail "run $run: XDP program $prog left on $dev after SIGTERM"
	done
	if hl_client ping -c1 -W1 -q "$HL_VIP" >/dev/null 2>&1; then
		hl_fail "run $run: VIP answered after hintlb exited"
	fi
	# The kernel serves hl0 again without XDP in the way.
	hl_client ping -c1 -W1 -q "$HL_KERNEL0_IP" >/dev/null ||
		hl_fail "run $run: kernel address $HL_KERNEL0_IP unreachable after exit"
done
echo "PASS"
