#!/usr/bin/env bash
# Malformed segments against hintlb's TCP echo listener, sent with scapy
# (Debian's python3-scapy) from hl-client: bad checksum, bad data offsets,
# options past the header, SYN+FIN, SYN+RST, RSTs out of window / in window
# but not exact (challenge ACK) / exact (the connection is gone: the next
# segment gets RST). tcp_scapy.py asserts the answers and the counters; here:
# hintlb survives all of it, still answers ping and exits cleanly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
# Debian's python3-scapy lives in the system python, which a python3 earlier
# in PATH (pyenv, venv) may not see.
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import scapy' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || hl_fail "scapy not importable (install python3-scapy)"
hl_topo_up

CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF" "[listener echo]" "vip = $HL_VIP" "port = 7" "mode = echo"
hl_start "$CONF"
hl_wait_ready 30

out=$(hl_client timeout 120 "$PY" "$(dirname "$0")/tcp_scapy.py" hlc0 "$HL_VIP" 7 \
	"$HL_PID" "$HL_LOG" 2>&1) || hl_fail "tcp_scapy.py: $out"
printf '%s\n' "$out" >&2

hl_alive || hl_fail "hintlb died"
hl_client ping -c3 -i 0.2 -W1 -q "$HL_PORT0_IP" >/dev/null || hl_fail "no ping answer afterwards"
hl_log "hintlb still answers ping"
hl_stop_clean 10
echo "PASS"
