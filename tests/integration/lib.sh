# tests/integration/lib.sh — sourced by every integration test.
#
# A test is run by meson as `TEST.sh HINTLB STEER_BPF_O`. It calls hl_init
# (argument checks, a work directory, the EXIT trap), builds the standard
# topology with hl_topo_up (tools/netns.sh, see docs/topology.md), starts
# hintlb with hl_start and talks to it from the peer namespaces. The trap
# kills whatever the test started and removes the topology, pass or fail.
#
# hintlb and bpftool run through `nsenter --net`, not `ip netns exec`:
# `ip netns exec` mounts a fresh sysfs, which hides the bpffs mounted at
# /sys/fs/bpf, so pins made inside it would be invisible (or impossible).

HL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HL_NETNS_SH=$HL_ROOT/tools/netns.sh
HL_PIN_DIR=/sys/fs/bpf/hintlb

# Addresses of the standard topology (docs/topology.md).
HL_CLIENT_IP=10.77.0.1
HL_PORT0_IP=10.77.0.2
HL_KERNEL0_IP=10.77.0.3
HL_VIP=10.77.0.100
HL_PORT1_IP=10.77.1.2
HL_KERNEL1_IP=10.77.1.3

HL_PID=
HL_BG_PIDS=()
HL_KILLED=0

hl_log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }

hl_fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# hl_init "$@": check the arguments meson passes and set up the trap.
hl_init() {
	[ $# -ge 2 ] || hl_fail "usage: $0 HINTLB STEER_BPF_O"
	HINTLB=$1
	STEER_OBJ=$2
	[ "$(id -u)" -eq 0 ] || hl_fail "integration tests need root"
	[ -x "$HINTLB" ] || hl_fail "hintlb binary not found: $HINTLB"
	[ -f "$STEER_OBJ" ] || hl_fail "XDP object not found: $STEER_OBJ"
	local t
	for t in ip ethtool nsenter ping bpftool; do
		command -v "$t" >/dev/null || hl_fail "'$t' not installed"
	done
	# One standard topology per machine (fixed names, one pin directory):
	# whoever else uses it (another checkout's test, a benchmark) goes first.
	hl_topo_lock
	HL_WORK=$(mktemp -d "/tmp/hl-it-$(basename "$0" .sh).XXXXXX")
	HL_LOG=$HL_WORK/hintlb.log
	trap hl_cleanup EXIT
	# set -e exits silently: say which command failed.
	trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
	trap 'exit 130' INT TERM
}

hl_cleanup() {
	local rc=$?
	set +e
	hl_kill_hintlb
	hl_bg_stop
	if [ "$HL_KILLED" -eq 1 ]; then
		# hintlb had to be killed: its XDP programs go with the namespace,
		# its pins would stay and spoil the next test. Only this
		# topology's interfaces: other users may pin their own there.
		rm -rf "$HL_PIN_DIR/hl0" "$HL_PIN_DIR/hl1"
	fi
	"$HL_NETNS_SH" down
	# the lock belongs to the open file, which every child inherited: a
	# straggler still running must not keep the next test waiting
	[ -z "${HL_TOPO_LOCK_FD:-}" ] || flock -u "$HL_TOPO_LOCK_FD"
	if [ $rc -ne 0 ] && [ -s "$HL_LOG" ]; then
		echo "---- hintlb log (last 60 lines) ----" >&2
		tail -n 60 "$HL_LOG" >&2
	fi
	rm -rf "$HL_WORK"
	exit $rc
}

# hl_bg_stop: TERM to every process in HL_BG_PIDS, wait for those that are
# this shell's children; HL_BG_PIDS is emptied.
hl_bg_stop() {
	local p
	for p in "${HL_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${HL_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	HL_BG_PIDS=()
}

# hl_stop_pid PID: TERM to PID and wait up to 5 s for it to be gone; for a
# process that is not this shell's child (a daemonized nginx master), which
# `wait` cannot wait for.
hl_stop_pid() {
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
}

# hl_kill_hintlb: TERM, then KILL if it does not exit within 5 s.
hl_kill_hintlb() {
	[ -n "$HL_PID" ] || return 0
	if kill -0 "$HL_PID" 2>/dev/null; then
		kill -TERM "$HL_PID" 2>/dev/null
		local i
		for i in $(seq 50); do
			kill -0 "$HL_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$HL_PID" 2>/dev/null; then
			hl_log "hintlb did not exit on SIGTERM: SIGKILL"
			kill -KILL "$HL_PID" 2>/dev/null
			HL_KILLED=1
		fi
	fi
	wait "$HL_PID" 2>/dev/null
	HL_PID=
}

# hl_topo_up: a fresh standard topology.
hl_topo_up() {
	"$HL_NETNS_SH" down
	"$HL_NETNS_SH" up
}

# In-namespace runners. hl_lb keeps the host's mounts (bpffs).
hl_lb() { nsenter --net=/run/netns/hl-lb -- "$@"; }
hl_client() { ip netns exec hl-client "$@"; }
hl_replica() { ip netns exec hl-replica "$@"; }

# hl_mac NS IF: the MAC address of IF in NS.
hl_mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }

# hl_write_config FILE [EXTRA...]: the standard config for this topology
# (docs/CONFIG.md): two af_xdp ports with the XDP stage, the VIP, four
# replicas on hl-replica, adaptive idle (2-core machines: a busy-polling
# worker would starve the peers). EXTRA lines are appended verbatim.
# HL_LCORES replaces `-l 0,1` (the lcores: main + one worker each);
# HL_QUEUES=N adds queue_count=N to both ports (tools/netns.sh makes the
# veths with N queues when it sees the same variable); HL_MBUFS sets
# [worker] mbufs; HL_EAL_MEM replaces `--no-huge --no-shconf` (the memory and
# shared-config arguments: dpdk_tools.sh gives hugepages and a --file-prefix
# so that DPDK's secondary processes can attach).
hl_write_config() {
	local f=$1
	shift
	cat >"$f" <<EOF
# Written by tests/integration/lib.sh for the standard topology.
[eal]
args = ${HL_LCORES:--l 0,1} ${HL_EAL_MEM:---no-huge --no-shconf} --no-pci --vdev=net_af_xdp0,iface=hl0${HL_QUEUES:+,queue_count=$HL_QUEUES},xdp_prog=$STEER_OBJ --vdev=net_af_xdp1,iface=hl1${HL_QUEUES:+,queue_count=$HL_QUEUES},xdp_prog=$STEER_OBJ

[worker]
idle = adaptive
${HL_MBUFS:+mbufs = $HL_MBUFS}

[ctrl]
socket = $HL_WORK/ctrl.sock

[port net_af_xdp0]
address = $HL_PORT0_IP/24

[port net_af_xdp1]
address = $HL_PORT1_IP/24

[listener web]
vip = $HL_VIP
port = 80

[routing]
balance_factor = 1.25
maglev_size = 65537

[replica r1]
address = 10.77.1.11:8080

[replica r2]
address = 10.77.1.12:8080

[replica r3]
address = 10.77.1.13:8080

[replica r4]
address = 10.77.1.14:8080
EOF
	local l
	for l in "$@"; do
		printf '%s\n' "$l" >>"$f"
	done
}

# hl_start [CONFIG]: start hintlb in hl-lb in the background (HL_PID).
hl_start() {
	local conf=${1:-$HL_WORK/hintlb.conf}
	[ -f "$conf" ] || hl_write_config "$conf"
	hl_log "starting hintlb --config $conf"
	nsenter --net=/run/netns/hl-lb -- env ${HL_PRELOAD:+LD_PRELOAD=$HL_PRELOAD} \
		"$HINTLB" --config "$conf" >>"$HL_LOG" 2>&1 &
	HL_PID=$!
}

# hl_alive: hintlb is still running.
hl_alive() { [ -n "$HL_PID" ] && kill -0 "$HL_PID" 2>/dev/null; }

# hl_wait_ready [TIMEOUT_S]: poll until hintlb answers a ping on its client
# port address; fail if it exits or the timeout passes.
hl_wait_ready() {
	local timeout=${1:-30} start=$SECONDS
	while [ $((SECONDS - start)) -lt "$timeout" ]; do
		hl_alive || hl_fail "hintlb exited during start-up (see log)"
		if hl_client ping -c1 -W1 -q "$HL_PORT0_IP" >/dev/null 2>&1; then
			hl_log "hintlb ready after $((SECONDS - start)) s"
			return 0
		fi
		sleep 0.2
	done
	hl_fail "hintlb not answering ping on $HL_PORT0_IP after ${timeout} s"
}

# hl_stop_clean [TIMEOUT_S]: SIGTERM; assert exit status 0 within TIMEOUT_S.
hl_stop_clean() {
	local timeout=${1:-5} rc=0 t0=$SECONDS
	hl_alive || hl_fail "hintlb not running before SIGTERM"
	kill -TERM "$HL_PID"
	local deadline=$((timeout * 10)) i=0
	while kill -0 "$HL_PID" 2>/dev/null && [ $i -lt $deadline ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$HL_PID" 2>/dev/null; then
		hl_fail "hintlb still running ${timeout} s after SIGTERM"
	fi
	wait "$HL_PID" || rc=$?
	HL_PID=
	[ $rc -eq 0 ] || hl_fail "hintlb exited with status $rc on SIGTERM (want 0)"
	hl_log "hintlb exited 0 after SIGTERM in $((SECONDS - t0)) s"
}

# hl_xdp_prog NS IF: id of the XDP program attached to IF, empty if none.
hl_xdp_prog() {
	ip -n "$1" -j -d link show dev "$2" |
		python3 -c 'import json,sys; l=json.load(sys.stdin)[0]; x=l.get("xdp",{}); print(x.get("prog",{}).get("id","") if x else "")'
}

# hl_xdp_native NS IF: IF has an XDP program attached in native (driver)
# mode, not generic (skb) mode.
hl_xdp_native() {
	ip -n "$1" -j -d link show dev "$2" |
		python3 -c 'import json,sys; x=json.load(sys.stdin)[0].get("xdp") or {}; sys.exit(0 if x.get("mode") == 1 else 1)'
}

# hl_xdp_count IFNAME REASON VERDICT: packets counted by the XDP stage on
# IFNAME for (REASON, VERDICT), summed over CPUs, read from the pinned
# hl_counters map. REASON and VERDICT are the printable names of
# include/hintlb/xdp_abi.h ("ipv4_ours", "redirect"); the index is
# reason * HL_XDP_VERDICT_MAX + verdict, as hl_xdp_counter_idx() computes.
hl_xdp_count() {
	python3 - "$HL_ROOT/include/hintlb/xdp_abi.h" "$HL_PIN_DIR/$1/hl_counters" "$2" "$3" <<'PY'
import json, re, subprocess, sys
abi, pin, reason, verdict = sys.argv[1:]
text = open(abi).read()
reasons = {m.group(2): int(m.group(1))
           for m in re.finditer(r'X\(\w+,\s*(\d+),\s*"(\w+)"', text)}
verdicts = {m.group(1).lower(): int(m.group(2))
            for m in re.finditer(r'HL_XDP_V_(\w+)\s*=\s*(\d+)', text)}
nverdicts = int(re.search(r'HL_XDP_VERDICT_MAX\s*=\s*(\d+)', text).group(1))
if reason not in reasons or verdict not in verdicts:
    sys.exit("unknown reason or verdict: %s %s" % (reason, verdict))
idx = reasons[reason] * nverdicts + verdicts[verdict]
key = [str(b) for b in idx.to_bytes(4, "little")]
r = subprocess.run(["bpftool", "-j", "map", "lookup", "pinned", pin, "key"] + key,
                   capture_output=True, text=True)
if r.returncode != 0:
    sys.exit("bpftool map lookup %s key %d: %s" % (pin, idx, r.stderr.strip()))
e = json.loads(r.stdout)
total = 0
if "formatted" in e:
    for c in e["formatted"]["values"]:
        total += c["value"]["packets"]
else:  # no BTF: the first 8 bytes of each CPU's value
    for c in e["values"]:
        total += int.from_bytes(bytes(int(x, 16) for x in c["value"][:8]), "little")
print(total)
PY
}

# hl_bg CMD...: run CMD in the background, killed by the trap.
hl_bg() {
	"$@" &
	HL_BG_PIDS+=($!)
}

# hl_echo_servers PEERS_FILE ADDR:PORT...: kernel TCP echo servers in
# hl-replica (tests/integration/echo_server.py), stopped by the trap; each
# accepted connection appends "LOCAL PEER" to PEERS_FILE. Waits until they
# listen. Their pid is HL_ECHO_SERVERS_PID.
hl_echo_servers() {
	local peers=$1 py out=$HL_WORK/echo_server.out
	shift
	: >"$peers"
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import socket, threading' 2>/dev/null && break
	done
	hl_bg ip netns exec hl-replica "$py" "$HL_ROOT/tests/integration/echo_server.py" "$peers" \
		"$@" >"$out" 2>&1
	HL_ECHO_SERVERS_PID=$!
	for _ in $(seq 50); do
		grep -q ready "$out" 2>/dev/null && return 0
		sleep 0.1
	done
	hl_fail "echo_server.py did not start: $(cat "$out")"
}

# hl_counters: hintlb's counters now, one `name value` line each (summed
# over workers): SIGUSR1, then what it appended to the log.
hl_counters() {
	_hl_counter_dump | awk '$1 == "worker" && NF == 4 { s[$3] += $4 } END { for (n in s) printf "%s %.0f\n", n, s[n] }'
}

# hl_ctr NAME [FILE]: counter NAME from FILE (lines `name value`, as
# hl_counters prints them), or from hintlb now; 0 when absent.
hl_ctr() {
	if [ $# -ge 2 ]; then
		awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' "$2"
	else
		hl_counters | awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
	fi
}

# hl_log_ctr NAME [FILE]: counter NAME summed over the `worker N NAME V`
# lines of FILE (default hintlb's log: its report at exit).
hl_log_ctr() {
	awk -v n="$1" '$1 == "worker" && $3 == n { s += $4 } END { print s + 0 }' "${2:-$HL_LOG}"
}

# hl_netem_echo_up [SLOW_RATE]: for the loss and reordering tests: the
# topology, hintlb with an echo listener on VIP:7, and bpf/netem.bpf.c on
# hlc0 (NETEM_OBJ: HL_NETEM_OBJ, or netem.bpf.o beside STEER_OBJ), removed
# again by the EXIT trap.
hl_netem_echo_up() {
	NETEM_OBJ=${HL_NETEM_OBJ:-$(dirname "$STEER_OBJ")/netem.bpf.o}
	# the topology going down detaches the programs; the pins are ours to remove
	trap 'rc=$?; set +e; hl_netem_down; (exit $rc); hl_cleanup' EXIT
	hl_topo_up
	hl_write_config "$HL_WORK/hintlb.conf" "[listener echo]" "vip = $HL_VIP" "port = 7" \
		"mode = echo"
	hl_start "$HL_WORK/hintlb.conf"
	hl_wait_ready 30
	hl_netem_up "$NETEM_OBJ" "$@"
}

# hl_worker_counters: the same per worker, `worker N name value` lines.
hl_worker_counters() {
	_hl_counter_dump | awk '$1 == "worker" && NF == 4'
}

_hl_counter_dump() {
	hl_alive || hl_fail "hl_counters: hintlb not running"
	hl_usr1_report "$HL_PID" "$HL_LOG"
}

# hl_usr1_report PID LOG: the report hintlb PID appends to LOG on SIGUSR1
# (once LOG has grown and stopped growing; at most 5 s).
hl_usr1_report() {
	local off size now i
	off=$(stat -c %s "$2")
	kill -USR1 "$1"
	size=$off
	for i in $(seq 20); do
		sleep 0.25
		now=$(stat -c %s "$2")
		[ "$now" -gt "$off" ] && [ "$now" -eq "$size" ] && break
		size=$now
	done
	tail -c +$((off + 1)) "$2"
}

# hl_topo_lock: take /run/hintlb-topology.lock (fd HL_TOPO_LOCK_FD), waiting
# up to 30 min. One standard topology, one set of hugepages and two CPUs per
# machine: whoever else uses them (another checkout's test, a benchmark,
# hintgen's memif runs) goes first.
hl_topo_lock() {
	exec {HL_TOPO_LOCK_FD}>/run/hintlb-topology.lock
	if ! flock -n "$HL_TOPO_LOCK_FD"; then
		hl_log "waiting for the topology lock (/run/hintlb-topology.lock)"
		flock -w 1800 "$HL_TOPO_LOCK_FD" || hl_fail "topology busy for 30 min"
	fi
}

# Loss and reordering injection (bpf/netem.bpf.c) on hl-client's hlc0:
# netem_xdp acts on frames arriving from hintlb (direction 0), netem_tc on
# clsact egress on frames hl-client sends (direction 1); only IPv4 TCP is
# ever touched. Direction 0 reorders through the cpumap netem_cpus (one
# entry per online CPU, each running netem_cpumap, which counts what comes
# out); direction 1 reorders through a rate-limited HTB class
# (hl_netem_up SLOW_RATE). netem_ctl (HL_NETEM_CTL, built beside the tests)
# checks the kernel, loads the object, pins programs and maps under
# HL_NETEM_PIN and fills the cpumap; the topology going down detaches them,
# hl_netem_down removes the pins.
HL_NETEM_PIN=/sys/fs/bpf/hl-netem
HL_NETEM_CPUMAP_QSIZE=192

_hl_le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
_hl_netem_ns() { nsenter --net=/run/netns/hl-client -- "$@"; }

# hl_netem_up OBJ [SLOW_RATE]: load and attach the programs, nothing
# configured. With SLOW_RATE (a tc rate, "20mbit"), hlc0 also gets an HTB
# root whose unclassified traffic goes out at once (HTB's direct queue) and
# whose class 1:2, limited to SLOW_RATE, holds what netem_tc reorders. What
# the kernel lacks fails the test with one line naming it.
hl_netem_up() {
	local obj=$1 rate=${2:-} ctl=${HL_NETEM_CTL:-} out
	[ -f "$obj" ] || hl_fail "netem object not found: $obj"
	[ -x "$ctl" ] || hl_fail "netem_ctl not found (HL_NETEM_CTL='$ctl'; meson test sets it)"
	hl_netem_down
	mkdir -p "$HL_NETEM_PIN"
	if ! out=$("$ctl" load "$obj" "$HL_NETEM_PIN" "$HL_NETEM_CPUMAP_QSIZE" 2>&1); then
		[ -z "$out" ] || printf '%s\n' "$out" >&2
		hl_fail "$(head -n1 <<<"$out") [kernel $(uname -r)]"
	fi
	_hl_netem_ns ip link set dev hlc0 xdpdrv pinned "$HL_NETEM_PIN/progs/netem_xdp" ||
		hl_fail "attach netem_xdp to hlc0 in native mode (XDP on veth needs Linux >= 4.19) [kernel $(uname -r)]"
	_hl_netem_ns tc qdisc add dev hlc0 clsact ||
		hl_fail "tc qdisc add clsact on hlc0: the kernel lacks the clsact qdisc (CONFIG_NET_SCH_INGRESS) [kernel $(uname -r)]"
	_hl_netem_ns tc filter add dev hlc0 egress bpf direct-action \
		object-pinned "$HL_NETEM_PIN/progs/netem_tc" ||
		hl_fail "attach netem_tc to hlc0 egress: the kernel lacks cls_bpf (CONFIG_NET_CLS_BPF) [kernel $(uname -r)]"
	[ -n "$rate" ] || return 0
	_hl_netem_ns tc qdisc add dev hlc0 root handle 1: htb ||
		hl_fail "tc qdisc add htb on hlc0: the kernel lacks HTB (CONFIG_NET_SCH_HTB), needed to reorder client -> hintlb [kernel $(uname -r)]"
	_hl_netem_ns tc class add dev hlc0 parent 1: classid 1:2 htb rate "$rate" burst 1514 cburst 1514 quantum 1514 &&
		_hl_netem_ns tc qdisc add dev hlc0 parent 1:2 handle 2: pfifo limit 10000 ||
		hl_fail "HTB slow class ($rate) on hlc0"
}

# hl_netem_set DIR LOSS_PPM [REORDER_PPM [SEED]]: in direction DIR (0:
# hintlb -> client, 1: client -> hintlb) drop LOSS_PPM parts per million of
# the TCP frames and send REORDER_PPM of the rest the slow way; SEED 0 (the
# default) uses the kernel's random numbers. Resets the stats.
hl_netem_set() {
	local dir=$1 ppm=$2 reorder=${3:-0} seed=${4:-0}
	# shellcheck disable=SC2046
	bpftool map update pinned "$HL_NETEM_PIN/maps/netem_cfg" key $(_hl_le32 "$dir") \
		value $(_hl_le32 "$ppm") $(_hl_le32 "$seed") $(_hl_le32 "$reorder") ||
		hl_fail "netem_cfg update"
	# shellcheck disable=SC2046
	bpftool map update pinned "$HL_NETEM_PIN/maps/netem_stats" key $(_hl_le32 "$dir") \
		value $(printf '0 %.0s' $(seq 32)) || hl_fail "netem_stats reset"
}

# hl_netem_stats DIR: "TCP DROPPED REORDERED LATE" wire frames in direction
# DIR, summed over CPUs: seen, dropped, sent the slow way, and (direction 0
# only) slow-way frames that reached hl-client's stack.
hl_netem_stats() {
	bpftool -j map lookup pinned "$HL_NETEM_PIN/maps/netem_stats" key "$1" 0 0 0 |
		python3 -c '
import json, sys
e = json.load(sys.stdin)
f = ["tcp", "dropped", "reordered", "late"]
s = [0] * len(f)
for c in e["formatted"]["values"] if "formatted" in e else e["values"]:
    if "formatted" in e:
        v = [c["value"][k] for k in f]
    else:
        b = bytes(int(x, 16) for x in c["value"])
        v = [int.from_bytes(b[8 * i:8 * i + 8], "little") for i in range(len(f))]
    s = [a + b for a, b in zip(s, v)]
print(*s)'
}

# hl_netem_slow_stats: "SENT DROPPED": packets HTB class 1:2 on hlc0 sent
# (wire frames), packets the whole HTB qdisc dropped.
hl_netem_slow_stats() {
	local sent dropped
	sent=$(_hl_netem_ns tc -s class show dev hlc0 classid 1:2 | awk '$1 == "Sent" { print $4 }')
	dropped=$(_hl_netem_ns tc -s qdisc show dev hlc0 handle 1: |
		awk '$1 == "Sent" { d = $7; sub(",", "", d); print d }')
	echo "${sent:-0} ${dropped:-0}"
}

# hl_netem_down: detach (if the topology is still there) and unpin.
hl_netem_down() {
	if [ -e /run/netns/hl-client ]; then
		_hl_netem_ns ip link set dev hlc0 xdpdrv off 2>/dev/null || true
		_hl_netem_ns tc qdisc del dev hlc0 clsact 2>/dev/null || true
		_hl_netem_ns tc qdisc del dev hlc0 root 2>/dev/null || true
	fi
	rm -rf "$HL_NETEM_PIN"
	return 0
}

# hl_echo_client LIMIT_S ARGS...: tests/integration/echo_client.py ARGS in
# hl-client, killed after LIMIT_S. It needs only the standard library; the
# first python3 that runs it wins (a pyenv or venv python3 earlier in PATH
# may be broken), as tcp_scapy.sh does.
hl_echo_client() {
	local limit=$1 py
	shift
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import hashlib, socket, threading' 2>/dev/null && break
	done
	hl_client timeout "$limit" "$py" "$HL_ROOT/tests/integration/echo_client.py" "$@"
}

# ---- the HTTP proxy's tests (http_*.sh) ----

# hl_report [PATTERN]: hintlb's whole SIGUSR1 report now (all lines, not
# only worker counters), filtered by an awk PATTERN when given.
hl_report() {
	if [ $# -ge 1 ]; then
		_hl_counter_dump | awk "$1"
	else
		_hl_counter_dump
	fi
}

# hl_report_sum FIELD1 FIELD2 ...: sum the last field of report lines whose
# leading fields are exactly those words ("ctrl marked_down", "replica r1
# state" prints the state word), from a fresh report.
hl_report_get() {
	local want="$*"
	_hl_counter_dump | awk -v w="$want" '{ v = $NF; $NF = ""; sub(/ $/, ""); if ($0 == w) print v }' |
		tail -n1
}

# hl_nginx_replicas [PORT]: one nginx in hl-replica on 10.77.1.11-14:PORT
# (default 8080), answering every request `200 <server address> <uri>` with
# a short body; its access log ($HL_WORK/nginx/access.log) has, per request:
# server address, connection number, X-Forwarded-For, method, uri, status,
# and the X-Secret field (for the hop-by-hop checks).
hl_nginx_replicas() {
	local port=${1:-8080} d=$HL_WORK/nginx
	command -v nginx >/dev/null || hl_fail "'nginx' not installed (Debian: nginx-light)"
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<NGX
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
	log_format t '\$server_addr \$connection \$http_x_forwarded_for \$request_method \$uri \$status \$http_x_secret';
	access_log $d/access.log t;
	client_body_temp_path $d/body;
	proxy_temp_path $d/proxy;
	fastcgi_temp_path $d/fcgi;
	uwsgi_temp_path $d/uwsgi;
	scgi_temp_path $d/scgi;
	keepalive_requests 1000000;
	keepalive_timeout 120s;
	server {
		listen 10.77.1.11:$port reuseport;
		listen 10.77.1.12:$port reuseport;
		listen 10.77.1.13:$port reuseport;
		listen 10.77.1.14:$port reuseport;
		location / { return 200 "\$server_addr \$uri\n"; }
	}
}
NGX
	ip netns exec hl-replica nginx -c "$d/nginx.conf" || hl_fail "nginx did not start: $(cat "$d/error.log")"
	HL_NGINX_PID=$(cat "$d/nginx.pid")
	HL_BG_PIDS+=("$HL_NGINX_PID")
}

# hl_hintreplicas [OPTIONS...]: hintreplica (HL_HINTREPLICA, built in
# tools/hintreplica) as r1..r4 on 10.77.1.11-14:8080 in hl-replica, each
# logging its requests to $HL_WORK/rN.log; waits until they listen.
# HL_REPLICA_PIDS[i] is rI's pid.
hl_hintreplicas() {
	local i
	[ -x "${HL_HINTREPLICA:-}" ] || hl_fail "hintreplica not found (HL_HINTREPLICA='${HL_HINTREPLICA:-}'; meson test sets it)"
	for i in 1 2 3 4; do
		hl_hintreplica "$i" "$@"
	done
}

# hl_hintreplica I [OPTIONS...]: (re)start replica rI alone.
hl_hintreplica() {
	local i=$1 t
	shift
	: >"$HL_WORK/r$i.out"
	ip netns exec hl-replica "$HL_HINTREPLICA" --listen "10.77.1.1$i:8080" --name "r$i" \
		--log "$HL_WORK/r$i.log" "$@" >>"$HL_WORK/r$i.out" 2>&1 &
	HL_REPLICA_PIDS[$i]=$!
	HL_BG_PIDS+=($!)
	for t in $(seq 100); do
		grep -q 'listening on' "$HL_WORK/r$i.out" && return 0
		kill -0 "${HL_REPLICA_PIDS[$i]}" 2>/dev/null || break
		sleep 0.05
	done
	hl_fail "hintreplica r$i did not start: $(cat "$HL_WORK/r$i.out")"
}

# hl_replica_stat I FIELD: FIELD of replica rI's /stats (asked directly, not through hintlb).
hl_replica_stat() {
	hl_replica curl -s -m 5 "http://10.77.1.1$1:8080/stats" |
		python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

# hl_curl ARGS...: curl from hl-client with a 20 s limit, silent, failing on no answer.
hl_curl() { hl_client curl -s -m 20 "$@"; }

# hl_haproxy_config FILE REPLICA_PORT [N]: HAProxy 2.6 as the hint-aware load
# balancer users run today: one thread, on hl-lb's kernel address
# 10.77.0.3:8081, `balance hdr(X-Fal-Runner-Hint)`, `hash-type consistent`,
# `hash-balance-factor 125` over N (default 4, at most 9) replicas
# r1..rN at 10.77.1.11-1N:REPLICA_PORT, keep-alive both ways. Start it with
# `nsenter --net=/run/netns/hl-lb -- haproxy -db -f FILE`.
hl_haproxy_config() {
	local i
	cat >"$1" <<HAP
global
	nbthread 1
	maxconn 4000
defaults
	mode http
	timeout connect 2s
	timeout client 30s
	timeout server 30s
	timeout http-request 5s
	option http-keep-alive
frontend fe
	bind $HL_KERNEL0_IP:8081
	default_backend be
backend be
	balance hdr(X-Fal-Runner-Hint)
	hash-type consistent
	hash-balance-factor 125
	http-reuse always
HAP
	for i in $(seq "${3:-4}"); do
		printf '\tserver r%d 10.77.1.1%d:%s\n' "$i" "$i" "$2" >>"$1"
	done
}

# hl_nginx_lb_config DIR REPLICA_PORT [N]: nginx as a hint-aware load
# balancer, DIR/nginx.conf: one worker, on hl-lb's kernel address
# 10.77.0.3:8082, `hash $http_x_fal_runner_hint consistent` over N (default
# 4, at most 9) servers 10.77.1.11-1N:REPLICA_PORT (in that order and so
# named: the ring hashes the names; hintsim --server-names takes the same),
# HTTP/1.1 with a keepalive pool of 256 idle connections to them (as many
# as bench_sweep.sh's clients have requests in flight: with fewer, nginx
# opens and closes a replica connection for most requests), no access log.
# Start it with `nsenter --net=/run/netns/hl-lb -- nginx -c DIR/nginx.conf`
# (it daemonizes; its pid in DIR/nginx.pid).
hl_nginx_lb_config() {
	local i servers=
	for i in $(seq "${3:-4}"); do
		servers+=$(printf '\t\tserver 10.77.1.1%d:%s;\n' "$i" "$2")$'\n'
	done
	mkdir -p "$1"
	cat >"$1/nginx.conf" <<NGX
user root;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $1/body;
	proxy_temp_path $1/proxy;
	fastcgi_temp_path $1/fcgi;
	uwsgi_temp_path $1/uwsgi;
	scgi_temp_path $1/scgi;
	keepalive_requests 1000000;
	upstream replicas {
		hash \$http_x_fal_runner_hint consistent;
$servers		keepalive 256;
		keepalive_requests 1000000;
	}
	server {
		listen $HL_KERNEL0_IP:8082;
		location / {
			proxy_pass http://replicas;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
NGX
}
