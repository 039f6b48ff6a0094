# shellcheck shell=bash
# tests/integration/hg_lib.sh — sourced by the scripts that run hintgen
# (tools/hintgen, docs/hintgen.md) over net_memif: hintgen_memif.sh and
# tests/bench/bench_memif.sh. No namespaces, no kernel in the path: each
# process is a DPDK primary of its own (--file-prefix hg-<name>-<pid>-<role>,
# hugepages, --huge-unlink), memif sockets in the work directory.
#
# hintlb is the memif server of both links when it is in the path; hintgen's
# responder is the server when the client talks to it directly. Processes are
# stopped generators first, hintlb last (a memif peer vanishing while hintlb
# closes its port is not a case we want in every run), and the hugepage files
# and /var/run/dpdk/<prefix> of every process this script started are removed
# at exit, pass or fail.

# lib.sh for the topology lock and the SIGUSR1 report (its top level only
# sets variables)
# shellcheck disable=SC1091 # tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HG_PIDS=()
HG_LB_PID=

hg_log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
hg_fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# hg_init NAME HINTGEN [HINTLB]: checks, work directory, the topology lock
# (hugepages and CPUs are shared with every other integration test and
# benchmark on the machine), the EXIT trap.
hg_init() {
	HG_NAME=$1
	HINTGEN=$2
	HINTLB=${3:-}
	[ "$(id -u)" -eq 0 ] || hg_fail "needs root (hugepages, memif sockets)"
	[ -x "$HINTGEN" ] || hg_fail "hintgen not found: $HINTGEN"
	hl_topo_lock
	HG_WORK=$(mktemp -d "/tmp/hg-$HG_NAME.XXXXXX")
	HG_PREFIX=hg-$HG_NAME-$$
	trap hg_cleanup EXIT
	trap 'echo "FAIL: $0 line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
	trap 'exit 130' INT TERM
}

# hg_need_hugepages N: at least N free 2 MiB pages, else fail with why.
hg_need_hugepages() {
	local free
	free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
	[ "$free" -ge "$1" ] || hg_fail "needs $1 free 2 MiB hugepages, $free free"
	mountpoint -q /dev/hugepages || hg_fail "/dev/hugepages is not a hugetlbfs mount"
}

# hg_eal ROLE CPU VDEV: EAL arguments of one process (ROLE names its prefix).
hg_eal() {
	echo "--lcores=0@$2 --file-prefix=$HG_PREFIX-$1 --huge-unlink --no-pci --no-telemetry --vdev=$3"
}

# hg_memif NAME ROLE: a memif vdev on socket NAME in the work directory.
hg_memif() { echo "net_memif0,role=$2,socket=$HG_WORK/$1.sock"; }

# hg_bg LOG CMD...: run CMD in the background, stdout to LOG.out, stderr to
# LOG.err (in the work directory); its pid in HG_LAST_PID (not a $(...):
# the process must be this shell's child).
hg_bg() {
	local log=$1
	shift
	"$@" >"$HG_WORK/$log.out" 2>"$HG_WORK/$log.err" &
	# shellcheck disable=SC2034 # read by the caller
	HG_LAST_PID=$!
	HG_PIDS+=($!)
}

# hg_wait_for FILE PATTERN TIMEOUT_S PID: until FILE has a line matching
# PATTERN; fail if PID exits first or the time runs out.
hg_wait_for() {
	local file=$1 pat=$2 timeout=$3 pid=$4 t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$timeout" ]; do
		grep -q -- "$pat" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || {
			cat "$file" >&2
			hg_fail "process $pid exited before '$pat' appeared in $file"
		}
		sleep 0.1
	done
	cat "$file" >&2
	hg_fail "no '$pat' in $file after $timeout s"
}

# hg_stop PID [TIMEOUT_S]: SIGTERM, wait; its exit status (KILL after the timeout: 137).
hg_stop() {
	local pid=$1 timeout=${2:-10} i rc=0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

# hg_hintlb_conf FILE WORKERS IDLE [EXTRA]: hintlb as the memif server of
# two links: net_memif0 (clients, 10.98.0.0/24, VIP 10.98.0.100:80, mode
# http) and net_memif1 (the replica hintgen --respond at 10.98.1.1:8080).
# Main lcore on CPU 0, workers on CPU 1 (the second on CPU 0).
hg_hintlb_conf() {
	local lcores="0@0,1@1"
	[ "$2" -ge 2 ] && lcores="0@0,1@1,2@0"
	cat >"$1" <<EOF
[eal]
args = --lcores=$lcores --file-prefix=$HG_PREFIX-lb --huge-unlink --no-pci
args = --vdev=net_memif0,role=server,socket=$HG_WORK/lb-c.sock
args = --vdev=net_memif1,role=server,socket=$HG_WORK/lb-r.sock
[port net_memif0]
address = 10.98.0.2/24
[port net_memif1]
address = 10.98.1.2/24
[listener web]
vip = 10.98.0.100
port = 80
mode = http
[replica r1]
address = 10.98.1.1:8080
[worker]
idle = $3
[ctrl]
socket = $HG_WORK/ctrl.sock
metrics = off
grace_ms = 0
${4:-}
EOF
}

# hg_hintlb_start CONF: start hintlb, wait until it is ready (its memif
# servers listen: a memif client's port does not start without its server;
# the sockets are abstract, DPDK 22.11's default, so there is no file to see).
hg_hintlb_start() {
	[ -x "$HINTLB" ] || hg_fail "hintlb not found: $HINTLB"
	# a previous run's log must not say "ready" for this one
	rm -f "$HG_WORK/hintlb.log"
	"$HINTLB" --config "$1" >"$HG_WORK/hintlb.log" 2>&1 &
	HG_LB_PID=$!
	hg_wait_for "$HG_WORK/hintlb.log" "hintlb: ready" 30 "$HG_LB_PID"
}

# hg_hintlb_counters: hintlb's worker counters summed over workers, as
# `name value` lines (SIGUSR1 prints them to its log).
hg_hintlb_counters() {
	kill -0 "$HG_LB_PID" 2>/dev/null || hg_fail "hintlb not running"
	hl_usr1_report "$HG_LB_PID" "$HG_WORK/hintlb.log" |
		awk '$1 == "worker" && NF == 4 { s[$3] += $4 } END { for (n in s) printf "%s %.0f\n", n, s[n] }'
}

# hg_ctr NAME FILE: counter NAME from a hg_hintlb_counters dump (0 if absent).
hg_ctr() { awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' "$2"; }

# hg_json FILE EXPR: a field of the JSON object on FILE's last line (python3).
hg_json() {
	python3 -c 'import json, sys; o = json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(eval(sys.argv[2], {"o": o}))' "$1" "$2"
}

# hg_stop_all: generators first, then hintlb; hintlb's exit status is kept
# in HG_LB_RC.
hg_stop_all() {
	local p
	for p in "${HG_PIDS[@]}"; do
		hg_stop "$p" 10 || true
	done
	HG_PIDS=()
	HG_LB_RC=0
	if [ -n "$HG_LB_PID" ]; then
		# shellcheck disable=SC2034 # read by the caller
		hg_stop "$HG_LB_PID" 10 || HG_LB_RC=$?
		HG_LB_PID=
	fi
}

hg_cleanup() {
	local rc=$?
	set +e
	hg_stop_all
	rm -rf /dev/hugepages/"$HG_PREFIX"-* /var/run/dpdk/"$HG_PREFIX"-*
	[ -z "${HL_TOPO_LOCK_FD:-}" ] || flock -u "$HL_TOPO_LOCK_FD"
	if [ $rc -ne 0 ]; then
		local f
		for f in "$HG_WORK"/*.err "$HG_WORK"/hintlb.log; do
			[ -s "$f" ] || continue
			echo "---- $f (last 30 lines) ----" >&2
			tail -n 30 "$f" >&2
		done
	fi
	rm -rf "$HG_WORK"
	exit $rc
}
