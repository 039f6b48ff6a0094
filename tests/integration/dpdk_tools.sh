#!/usr/bin/env bash
# DPDK's own tools against hintlb (docs/dpdk-tools.md), with the proxy in
# front of nginx replicas, hintlb on hugepages with a shared config under its
# own --file-prefix:
#   - dpdk-telemetry.py: /hintlb/stats counts exactly the requests the control
#     socket counts (summed and per worker); /hintlb/replicas lists r1..r4 and
#     shows a drain made through the control socket at once; /hintlb/ctrl and
#     /hintlb/xdp; a bad worker id answers null
#   - dpdk-dumpcap (a secondary process) captures both ports; tshark decodes
#     the requests with a distinctive URI, once from the client and once
#     towards a replica, and the responses
#   - after the capture ends the proxy still answers; hintlb stops cleanly
#     while a client keeps asking telemetry and another capture runs
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
for t in dpdk-telemetry.py dpdk-dumpcap tshark; do
	command -v "$t" >/dev/null || hl_fail "'$t' not installed (Debian: dpdk-dev for dpdk-*, tshark)"
done
HINTCTL=$(dirname "$HL_HINTREPLICA")/../hintctl/hintctl
[ -x "$HINTCTL" ] || hl_fail "hintctl not found next to hintreplica ($HINTCTL)"
SOCK=$HL_WORK/ctrl.sock
ctl() { "$HINTCTL" -s "$SOCK" "$@"; }

# A secondary process maps the primary's memory from its hugepage files: DPDK
# 22.11 cannot attach one to a --no-huge primary ("Cannot get hugepage
# information"). hintlb takes what it uses as it goes (~60 MiB here), dpdk-dumpcap
# its ring and mbufs (~20 MiB).
HP=/sys/kernel/mm/hugepages/hugepages-2048kB
NEED=64
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages ||
	hl_fail "no hugetlbfs at /dev/hugepages and cannot mount one"
free=$(cat "$HP/free_hugepages" 2>/dev/null || echo 0)
if [ "$free" -lt $NEED ]; then
	echo $(($(cat "$HP/nr_hugepages") + NEED - free)) >"$HP/nr_hugepages" 2>/dev/null || true
	free=$(cat "$HP/free_hugepages" 2>/dev/null || echo 0)
fi
[ "$free" -ge $NEED ] || hl_fail "need $NEED free 2 MiB hugepages, have $free ($HP; others' DPDK processes may hold them)"

# our own prefix: the runtime directory /var/run/dpdk/$PREFIX, hugepage files $PREFIX*
PREFIX=hl-tools-$$
trap 'rc=$?; set +e; hl_kill_hintlb; rm -rf "/var/run/dpdk/$PREFIX"; rm -f /dev/hugepages/"$PREFIX"map_*; (exit $rc); hl_cleanup' EXIT
tel() { # COMMAND...: one JSON line per command from dpdk-telemetry.py
	printf '%s\n' "$@" | dpdk-telemetry.py -f "$PREFIX"
}
# jget JSON PYEXPR: evaluate PYEXPR on the parsed JSON (as j)
jget() { python3 -c "import json,sys; j=json.loads(sys.argv[1]); print($2)" "$1"; }

hl_topo_up
hl_nginx_replicas
HL_EAL_MEM="--file-prefix=$PREFIX" hl_write_config "$HL_WORK/hintlb.conf"
sed -i "/^\[listener web\]$/a mode = http" "$HL_WORK/hintlb.conf"
grep -q "^args = .*--file-prefix=$PREFIX --no-pci" "$HL_WORK/hintlb.conf" || hl_fail "HL_EAL_MEM not in [eal] args"
hl_start "$HL_WORK/hintlb.conf"
hl_wait_ready 30
hl_log "hugepages: $free free before start, $(cat "$HP/free_hugepages") now"
[ -S "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" ] || hl_fail "no telemetry socket in /var/run/dpdk/$PREFIX"

# ---- telemetry ----
N=25
for i in $(seq $N); do
	[ "$(hl_curl -o /dev/null -w '%{http_code}' "http://$HL_VIP/tel-$i")" = 200 ] || hl_fail "request $i not 200"
done
out=$(tel /hintlb/stats /hintlb/stats,0 /hintlb/stats,7 /hintlb/stats,x)
hl_log "telemetry: $(head -c 300 <<<"$out")..."
[ "$(wc -l <<<"$out")" -eq 4 ] || hl_fail "dpdk-telemetry.py: 4 answers wanted: $out"
total=$(jget "$(sed -n 1p <<<"$out")" 'j["/hintlb/stats"]["counters"].get("http_requests", 0)')
w0=$(jget "$(sed -n 2p <<<"$out")" 'j["/hintlb/stats"]["counters"].get("http_requests", 0)')
[ "$(jget "$(sed -n 1p <<<"$out")" 'j["/hintlb/stats"]["workers"]')" = 1 ] || hl_fail "stats: workers"
[ "$(jget "$(sed -n 1p <<<"$out")" 'sum(j["/hintlb/stats"]["routing"].values())')" -ge "$N" ] ||
	hl_fail "stats: fewer routing decisions than requests"
ctl_total=$(ctl --json stats | python3 -c 'import json,sys; print(sum(w["counters"].get("http_requests", 0) for w in json.load(sys.stdin)["workers"]))')
[ "$total" = "$ctl_total" ] || hl_fail "telemetry http_requests $total != control socket $ctl_total"
[ "$total" = "$N" ] || hl_fail "telemetry http_requests $total, sent $N"
[ "$w0" = "$N" ] || hl_fail "/hintlb/stats,0 http_requests $w0, sent $N"
# DPDK answers {"COMMAND": null} when a command fails
[ "$(sed -n 3p <<<"$out")" = '{"/hintlb/stats": null}' ] || hl_fail "a worker that does not exist: $(sed -n 3p <<<"$out")"
[ "$(sed -n 4p <<<"$out")" = '{"/hintlb/stats": null}' ] || hl_fail "a bad worker id: $(sed -n 4p <<<"$out")"
hl_log "telemetry: http_requests $total = control socket $ctl_total = $N sent"

ctl replica drain r2 >/dev/null || hl_fail "drain r2"
out=$(tel /hintlb/replicas /hintlb/ctrl /hintlb/xdp)
rep=$(sed -n 1p <<<"$out")
[ "$(jget "$rep" '" ".join(v["name"] for k, v in sorted(j["/hintlb/replicas"]["replicas"].items()))')" = "r1 r2 r3 r4" ] ||
	hl_fail "replicas: $rep"
[ "$(jget "$rep" 'j["/hintlb/replicas"]["replicas"]["1"]["state"]')" = draining ] ||
	hl_fail "r2 drained through the control socket is not draining in telemetry: $rep"
[ "$(jget "$rep" 'j["/hintlb/replicas"]["replicas"]["0"]["address"]')" = 10.77.1.11:8080 ] || hl_fail "replicas: r1 address"
[ "$(jget "$rep" 'j["/hintlb/replicas"]["replicas"]["0"]["state"]')" = up ] || hl_fail "replicas: r1 state"
# the control socket served stats and drain: the snapshot is newer than start
[ "$(jget "$(sed -n 2p <<<"$out")" 'j["/hintlb/ctrl"]["sock_requests"]')" -ge 2 ] ||
	hl_fail "ctrl: $(sed -n 2p <<<"$out")"
[ "$(jget "$(sed -n 3p <<<"$out")" 'j["/hintlb/xdp"]["0"]["iface"]')" = hl0 ] || hl_fail "xdp: $(sed -n 3p <<<"$out")"
[ "$(jget "$(sed -n 3p <<<"$out")" 'j["/hintlb/xdp"]["0"]["packets"]["ipv4_ours/redirect"]')" -gt 0 ] ||
	hl_fail "xdp: no ipv4_ours/redirect on hl0"
ctl replica undrain r2 >/dev/null
tel "/help,/hintlb/stats" | grep -q 'summed over workers' || hl_fail "/help,/hintlb/stats"
hl_log "telemetry: replicas r1..r4 (r2 draining right after the drain), ctrl, xdp, help"

# ---- capture ----
PCAP=$HL_WORK/capture.pcapng
# -i '*': every port (22.11's dumpcap keeps only the last of several -i);
# -p: no promiscuous mode (net_af_xdp would set it with an ioctl on hl0, in
# this namespace, where hl0 does not exist)
dpdk-dumpcap --file-prefix "$PREFIX" -i '*' -p -w "$PCAP" \
	>"$HL_WORK/dumpcap.out" 2>&1 &
DUMPCAP=$!
HL_BG_PIDS+=("$DUMPCAP")
# "Packets captured:" (stderr, unbuffered) comes once hintlb has taken the request
for _ in $(seq 100); do
	grep -q "Packets captured:" "$HL_WORK/dumpcap.out" && break
	kill -0 "$DUMPCAP" 2>/dev/null || hl_fail "dpdk-dumpcap exited: $(cat "$HL_WORK/dumpcap.out")"
	sleep 0.1
done
grep -q "Packets captured:" "$HL_WORK/dumpcap.out" || hl_fail "dpdk-dumpcap: $(cat "$HL_WORK/dumpcap.out")"
M=12
TAG=dumpcap-probe-$RANDOM$RANDOM
for i in $(seq $M); do
	[ "$(hl_curl -o /dev/null -w '%{http_code}' "http://$HL_VIP/$TAG/$i")" = 200 ] || hl_fail "capture request $i not 200"
done
sleep 0.5
kill -INT "$DUMPCAP"
for _ in $(seq 50); do
	kill -0 "$DUMPCAP" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DUMPCAP" 2>/dev/null && hl_fail "dpdk-dumpcap still running 5 s after SIGINT"
wait "$DUMPCAP" || hl_fail "dpdk-dumpcap exited non-zero: $(cat "$HL_WORK/dumpcap.out")"
hl_log "dumpcap: $(tr '\n\b' '  ' <"$HL_WORK/dumpcap.out" | tr -s ' ')"
tshark -r "$PCAP" -Y "http.request and http.request.uri contains \"$TAG\"" -T fields \
	-e ip.src -e ip.dst -e http.request.uri >"$HL_WORK/requests.txt" 2>"$HL_WORK/tshark.err" ||
	hl_fail "tshark -r: $(cat "$HL_WORK/tshark.err")"
from_client=$(awk -v vip="$HL_VIP" '$1 == "10.77.0.1" && $2 == vip' "$HL_WORK/requests.txt" | sort -u | wc -l)
to_replica=$(awk '$1 == "10.77.1.2" && $2 ~ /^10\.77\.1\.1[1-4]$/ { print $3 }' "$HL_WORK/requests.txt" | sort -u | wc -l)
all=$(wc -l <"$HL_WORK/requests.txt")
responses=$(tshark -r "$PCAP" -Y "http.response.code == 200 and ip.dst == 10.77.0.1" 2>/dev/null | wc -l)
hl_log "tshark: $all requests with $TAG ($from_client distinct from the client, $to_replica to replicas), $responses responses to the client"
[ "$from_client" -eq $M ] || hl_fail "captured $from_client distinct client requests with $TAG, sent $M: $(head "$HL_WORK/requests.txt")"
[ "$to_replica" -eq $M ] || hl_fail "captured $to_replica distinct requests to replicas with $TAG, want $M"
# each once per direction, and a retransmission or two at most
[ "$all" -ge $((2 * M)) ] && [ "$all" -le $((2 * M + 4)) ] || hl_fail "$all captured requests with $TAG for $M sent"
[ "$responses" -ge $M ] || hl_fail "captured $responses responses to the client, want >= $M"
[ "$(hl_curl -o /dev/null -w '%{http_code}' "http://$HL_VIP/after-capture")" = 200 ] ||
	hl_fail "no answer after the capture ended"

# ---- stop while a telemetry client keeps asking and a capture runs ----
(yes /hintlb/replicas | PYTHONUNBUFFERED=1 dpdk-telemetry.py -f "$PREFIX" >"$HL_WORK/tel-loop.out" 2>&1 || true) &
HL_BG_PIDS+=($!)
answers() { grep -c '"/hintlb/replicas": {' "$HL_WORK/tel-loop.out" || true; }
for _ in $(seq 100); do
	[ "$(answers)" -gt 10 ] && break
	sleep 0.1
done
[ "$(answers)" -gt 10 ] || hl_fail "telemetry loop: $(head -c 300 "$HL_WORK/tel-loop.out")"
dpdk-dumpcap --file-prefix "$PREFIX" -i '*' -p -w "$HL_WORK/at-stop.pcapng" >"$HL_WORK/dumpcap2.out" 2>&1 &
DUMPCAP=$!
HL_BG_PIDS+=("$DUMPCAP")
for _ in $(seq 100); do
	grep -q "Packets captured:" "$HL_WORK/dumpcap2.out" && break
	sleep 0.1
done
grep -q "Packets captured:" "$HL_WORK/dumpcap2.out" || hl_fail "second dpdk-dumpcap: $(cat "$HL_WORK/dumpcap2.out")"
# the workers poll with the capture's callbacks on their queues until they stop
hl_stop_clean 10
grep -q '^hintlb: stopped$' "$HL_LOG" || hl_fail "no 'hintlb: stopped' in the log"
for _ in $(seq 50); do
	kill -0 "$DUMPCAP" 2>/dev/null || break
	sleep 0.2
done
kill -0 "$DUMPCAP" 2>/dev/null && hl_fail "dpdk-dumpcap still running 10 s after hintlb stopped"
wait "$DUMPCAP" || hl_fail "dpdk-dumpcap exited non-zero after hintlb stopped: $(tr '\b' ' ' <"$HL_WORK/dumpcap2.out")"
grep -q "Primary process is no longer active" "$HL_WORK/dumpcap2.out" ||
	hl_fail "dpdk-dumpcap did not see hintlb go: $(tr '\b' ' ' <"$HL_WORK/dumpcap2.out")"
hl_log "stopped cleanly under a capture; a client asking non-stop got $(answers) answers, $(grep -c '"/hintlb/replicas": null' "$HL_WORK/tel-loop.out" || true) null (stopping)"
echo "PASS"
