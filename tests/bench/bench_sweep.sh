#!/usr/bin/env bash
# bench_sweep.sh HINTLB STEER_BPF_O HINTGEN [--smoke] [--out DIR] — issue 13
# (a): requests/s and latency against offered load, OPEN loop, through
# hintlb, HAProxy 2.6 and nginx, back to back on the same topology, replicas,
# load and pinning (tests/bench/lb_lib.sh, as bench_proxy.sh):
#
#   replicas  nginx (nginx-light) on 10.77.1.11-14:8080 in hl-replica, 16-byte
#             body, 2 worker processes, CPU 0
#   hintlb    one worker on CPU 1, idle = poll, VIP 10.77.0.100:80 on
#             net_af_xdp with its XDP stage (lib.sh's standard config)
#   HAProxy   one thread on CPU 1, 10.77.0.3:8081, `balance
#             hdr(X-Fal-Runner-Hint)`, `hash-type consistent`,
#             `hash-balance-factor 125`
#   nginx     one worker on CPU 1, 10.77.0.3:8082, `hash
#             $http_x_fal_runner_hint consistent`, a keepalive pool of 256
#             idle connections to the replicas (as many as the generator has
#             requests in flight at most: see lb_lib.sh)
#   load      hintgen (HINTGEN, docs/hintgen.md) in hl-client on CPU 0, on
#             `net_af_xdp` over hlc0 (libxdp's default redirect-all program)
#             with its own address 10.77.0.50 (the kernel keeps 10.77.0.1):
#             open loop (`--rate R`: request n due at start + n/R, latency
#             from that intended time, so a balancer that falls behind is
#             charged for the queue), keep-alive, at most 256 connections,
#             hints Zipf(1.0) over 8 models, `--warmup` WARMUP s not counted,
#             then SECONDS s measured; `--idle yield` (below)
#
# hintgen on AF_XDP on a veth (kernel 6.18, DPDK 22.11, libxdp 1.3) works
# once (1) hintgen's packet pool is laid out so net_af_xdp's UMEM covers it
# (it now uses hintlb's hl_port_pool_create; a plain pool loses frames), and
# (2) hl0's TX checksum offload, TSO and GSO are off (ethtool, as the peers
# hlc0 and hlr0 already have): HAProxy's and nginx's frames to the generator
# must carry real checksums, hintgen reads the bytes. libxdp's dispatcher
# does not load here (`Compatibility check for dispatcher program failed`)
# and it falls back to attaching its program alone: harmless.
# `--idle yield` and not `--idle adaptive`: the generator shares CPU 0 with
# the replicas, and adaptive idle sleeps only after 1024 empty polls in a row,
# which never happens at tens of thousands of requests/s: it spins and the
# replicas get CPU 0 in scheduler slices of milliseconds (generator straight
# to the replicas at 20k req/s, once, with builds running beside: p50 4.1 ms
# adaptive, 1.1 ms yield). With `yield` the generator calls sched_yield()
# after every empty poll.
#
# The ladder: offered rates at LADDER fractions (0.1 .. 1.5) of the highest
# closed-loop rate any balancer carries (a calibration: hintgen closed loop,
# 256 connections, 2 s, each balancer), rounded to 1000; the same ladder for
# every balancer and run (BENCH_SWEEP_RATES="r1 r2 ..." replaces it). RUNS
# rounds (BENCH_RUNS, default 3), the balancers' order rotated each round so
# that noise on the shared machine hits all alike; each round takes the
# topology lock, builds the topology and replicas, runs the three ladders and
# tears it all down again (so the lock is held about 3 minutes at a time).
# Then two points at the top rate without a balancer, to show hintgen is not
# the limit: the generator to a hintgen responder in the balancer's place
# (hl-lb, AF_XDP on hl0, CPU 1), and the generator to the replicas themselves
# (hintgen on AF_XDP on hl1 in hl-lb, CPU 0, replicas on CPU 0).
#
# tests/bench/sweep_report.py then takes the medians over rounds per
# (balancer, rate) and prints `name: value unit` lines:
#   sweep_<lb>_<rate>_{req_s,p50_ms,p99_ms,p999_ms,errors,unfinished}
#       req/s is what was answered by the end of the measured schedule over
#       its length (hintgen's window_req_per_s: the rate carried, without
#       the drain of the backlog after it); unfinished: still unanswered 2 s
#       after the schedule ended
#   sweep_<lb>_sat_offered_req_s, sweep_<lb>_sat_req_s, sweep_<lb>_sat_p99_ms
#       saturation: the highest offered rate carried (achieved >= 95 % of it,
#       no errors, p99 <= P99_BOUND_MS), the median over rounds
#   sweep_<lb>_sat_nobound_req_s   the same without the p99 bound (how much
#       the bound decides), and sweep_sat_nobound_req_s_ratio_{haproxy,nginx}
#   sweep_sat_req_s_ratio_{haproxy,nginx}   hintlb / other, saturation req/s
#   sweep_common_offered_req_s, sweep_common_p99_ratio_{haproxy,nginx}
#       the top ladder rate every balancer carried, and hintlb's p99 there
#       over the other's
#   sweep_top_req_s_ratio_{haproxy,nginx}   the same at the top rate
#   sweep_target_met  1 when in EVERY round hintlb's saturation req/s is
#       >= 1.5x HAProxy's and nginx's (each with p99 <= the bound) and, at the
#       top rate, its req/s >= 1.5x theirs with a p99 no higher; else 0
#   sweep_direct_{responder,replica}_{req_s,p99_ms}
# and a table; writes DIR/bench_sweep.json (every point of every round,
# the medians, the verdicts), DIR/bench_sweep.points.jsonl (hintgen's
# reports) and DIR/bench_sweep.png (gnuplot: achieved req/s
# and p99 on a log scale against offered rate, a curve per balancer).
#
# --smoke (or BENCH_SMOKE=1; tools/test.sh): one round, one point per
# balancer (5000 req/s, 0.5 s warm-up, 1 s) and the direct points, no
# calibration; asserts only that every figure came out.
# Environment: BENCH_RUNS, BENCH_SECONDS (4), BENCH_WARMUP (1),
# BENCH_SWEEP_RATES, BENCH_SWEEP_P99_MS (P99_BOUND_MS, default 20).
# Needs root, haproxy, nginx, taskset, curl, python3 and gnuplot; without them
# it says so and exits 0. About 10 minutes.
set -euo pipefail

SMOKE=0
OUT=$PWD
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--out)
		OUT=$2
		shift
		;;
	*) args+=("$1") ;;
	esac
	shift
done
set -- "${args[@]}"
[ "${BENCH_SMOKE:-0}" = 1 ] && SMOKE=1

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-4}
WARMUP=${BENCH_WARMUP:-1}
P99_BOUND_MS=${BENCH_SWEEP_P99_MS:-20}
RATES=${BENCH_SWEEP_RATES:-}
LADDER="0.1 0.25 0.5 0.7 0.85 1.0 1.2 1.5"
CONNS=256
MODELS=8
ZIPF=1.0
GEN_IP=10.77.0.50
if [ $SMOKE -eq 1 ]; then
	RUNS=1
	SECS=1
	WARMUP=0.5
	RATES=5000
fi

skip() {
	echo "bench_sweep: skipped: $*"
	exit 0
}
[ $# -ge 3 ] || { echo "usage: $0 HINTLB STEER_BPF_O HINTGEN [--smoke] [--out DIR]" >&2; exit 1; }
HINTGEN=$3
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, AF_XDP)"
for t in haproxy nginx taskset curl python3 gnuplot ethtool; do
	command -v "$t" >/dev/null || skip "'$t' not installed"
done
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (the balancer on one, the load on the other)"
[ -x "$HINTGEN" ] || { echo "bench_sweep: hintgen not found: $HINTGEN" >&2; exit 1; }
HINTGEN=$(cd "$(dirname "$HINTGEN")" && pwd)/$(basename "$HINTGEN")
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# shellcheck disable=SC1091 # tests/integration/lib.sh
. "$HERE/../integration/lib.sh"
# shellcheck disable=SC1091 # tests/bench/lb_lib.sh: the balancers, the replicas
. "$HERE/lb_lib.sh"
hl_init "$1" "$2"
GEN_PREFIX=hl-sweep-$$
POINTS=$HL_WORK/points.jsonl
: >"$POINTS"
T0=$SECONDS
# Between rounds the lock is let go and the topology is someone else's: the
# EXIT trap then removes only what is ours (hl_cleanup would take the
# topology down). hintgen's DPDK runtime directories go in any case.
LOCKED=1
sweep_cleanup() {
	local rc=$?
	rm -rf /var/run/dpdk/"$GEN_PREFIX"-*
	if [ $LOCKED -eq 1 ]; then
		(exit $rc)
		hl_cleanup
	fi
	rm -rf "$HL_WORK"
	exit $rc
}
trap sweep_cleanup EXIT

# topo_up: the topology lock (held since hl_init in the first round), the
# namespaces, hl0 sending real checksums, the replicas.
topo_up() {
	if [ $LOCKED -eq 0 ]; then
		flock -w 1800 "$HL_TOPO_LOCK_FD" || hl_fail "topology busy for 30 min"
		LOCKED=1
	fi
	hl_topo_up
	ip netns exec hl-lb ethtool -K hl0 tx off tso off gso off >/dev/null ||
		hl_fail "ethtool -K hl0 tx off tso off gso off"
	lb_replicas
}

# topo_down: replicas stopped, namespaces gone, the lock released (between
# rounds only: after the last, hl_cleanup does it at exit).
topo_down() {
	hl_bg_stop
	"$HL_NETNS_SH" down
	LOCKED=0
	flock -u "$HL_TOPO_LOCK_FD"
}

# hintgen_run NS IFACE ADDR CPU ARGS...: one hintgen client on AF_XDP over
# IFACE in NS, its JSON report on stdout (nothing on failure to start).
hintgen_run() {
	local ns=$1 ifc=$2 addr=$3 cpu=$4 rc=0
	shift 4
	nsenter --net="/run/netns/$ns" -- "$HINTGEN" \
		--eal "--lcores=0@$cpu --no-huge -m 512 --file-prefix=$GEN_PREFIX-c --no-pci --no-telemetry --vdev=net_af_xdp0,iface=$ifc" \
		--address "$addr" --models $MODELS --zipf $ZIPF --idle yield --json --quiet "$@" \
		2>"$HL_WORK/hintgen.err" || rc=$?
	# 3: the client saw errors (timeouts past saturation): the report says which
	if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
		cat "$HL_WORK/hintgen.err" >&2
		hl_fail "hintgen $* exited $rc"
	fi
}

# point RUN NAME TARGET RATE [NS IFACE ADDR CPU]: one open-loop point, its
# report appended to POINTS with the round, the balancer and the rate.
point() {
	local run=$1 name=$2 target=$3 rate=$4 out
	out=$(hintgen_run "${5:-hl-client}" "${6:-hlc0}" "${7:-$GEN_IP/24}" "${8:-0}" \
		--target "$target" --rate "$rate" --connections $CONNS --warmup "$WARMUP" \
		--duration "$SECS" | tail -n1)
	[ -n "$out" ] || hl_fail "$name at $rate req/s: no report from hintgen"
	python3 -c 'import json, sys
o = json.loads(sys.argv[4])
print(json.dumps({"run": int(sys.argv[1]), "balancer": sys.argv[2], "offered": float(sys.argv[3]), "hintgen": o}))' \
		"$run" "$name" "$rate" "$out" >>"$POINTS"
	python3 -c 'import json, sys
o = json.loads(sys.argv[1]); l = o["latency_ms"]
print("# %s %s: offered %s, %.0f req/s, p50 %.3f p99 %.3f p99.9 %.3f ms, errors %d, unfinished %d" % (
    sys.argv[2], sys.argv[3], o["rate"], o["window_req_per_s"], l["p50"], l["p99"], l["p99_9"],
    o["errors_total"], o["unfinished"]))' "$out" "$run" "$name"
}

# calibrate: the highest closed-loop req/s of any balancer (256 connections).
calibrate() {
	local lb out best=0 r
	for lb in hintlb haproxy nginx; do
		lb_start "$lb"
		out=$(hintgen_run hl-client hlc0 "$GEN_IP/24" 0 --target "$(lb_target "$lb")" \
			--connections $CONNS --warmup 1 --duration 2 | tail -n1)
		lb_stop "$lb"
		r=$(python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["req_per_s"]))' "$out")
		echo "# calibration: $lb closed loop, $CONNS connections: $r req/s"
		[ "$r" -gt "$best" ] && best=$r
	done
	CALIBRATION=$best
	RATES=$(python3 -c 'import sys
best = float(sys.argv[1])
print(" ".join(str(max(1000, int(round(best * float(f) / 1000.0)) * 1000)) for f in sys.argv[2].split()))' \
		"$best" "$LADDER")
}

ORDER=(hintlb haproxy nginx)
CALIBRATION=0
for run in $(seq "$RUNS"); do
	[ "$run" -eq 1 ] || sleep 1
	topo_up
	if [ -z "$RATES" ]; then
		calibrate
		echo "# ladder (offered req/s): $RATES"
	fi
	for lb in "${ORDER[@]}"; do
		lb_start "$lb"
		for rate in $RATES; do
			point "$run" "$lb" "$(lb_target "$lb")" "$rate"
		done
		lb_stop "$lb"
	done
	ORDER=("${ORDER[@]:1}" "${ORDER[0]}")
	[ "$run" -eq "$RUNS" ] || topo_down
done

# Without a balancer, at the top rate: hintgen --respond in the balancer's
# place (hl-lb, hl0, hintlb's address, CPU 1, polling like hintlb's worker),
# then hintgen straight to the replicas from hl-lb's hl1 (CPU 0).
TOP=${RATES##* }
nsenter --net=/run/netns/hl-lb -- "$HINTGEN" --respond \
	--eal "--lcores=0@$LB_CPU --no-huge -m 512 --file-prefix=$GEN_PREFIX-r --no-pci --no-telemetry --vdev=net_af_xdp0,iface=hl0" \
	--address "$HL_PORT0_IP/24" --listen 8080 --idle poll --quiet >"$HL_WORK/respond.out" 2>&1 &
RESPONDER=$!
HL_BG_PIDS+=("$RESPONDER")
for _ in $(seq 100); do
	grep -q 'listening on' "$HL_WORK/respond.out" && break
	kill -0 "$RESPONDER" 2>/dev/null || hl_fail "hintgen --respond: $(cat "$HL_WORK/respond.out")"
	sleep 0.1
done
point 0 direct_responder "$HL_PORT0_IP:8080" "$TOP"
kill "$RESPONDER"
wait "$RESPONDER" 2>/dev/null || true
point 0 direct_replica 10.77.1.11:8080 "$TOP" hl-lb hl1 10.77.1.50/24 "$LB_LOAD_CPU"
# the last round's topology and lock go at exit (hl_cleanup)

cp "$POINTS" "$OUT/bench_sweep.points.jsonl"
smoke=()
[ $SMOKE -eq 0 ] || smoke=(--smoke)
python3 "$HERE/sweep_report.py" --out "$OUT/bench_sweep" --p99-bound-ms "$P99_BOUND_MS" \
	--calibration "$CALIBRATION" --seconds "$SECS" --warmup "$WARMUP" --connections $CONNS \
	--runtime-s $((SECONDS - T0)) "${smoke[@]}" "$POINTS"
