#!/usr/bin/env bash
# bench_proxy.sh HINTLB STEER_BPF_O — hintlb against HAProxy 2.6 and nginx as
# the HTTP load balancer, back to back on the same topology, replicas and load.
#
#   replicas  nginx (Debian's nginx-light) on 10.77.1.11-14:8080 in hl-replica,
#             `return 200` with a 16-byte body, 2 worker processes
#   load      wrk in hl-client: keep-alive, 64 connections, 1 thread, each
#             request with X-Fal-Runner-Hint drawn from 8 models (Lua)
#   hintlb    one worker lcore (`-l 0,1`: the worker on CPU 1), idle = poll
#             (it has CPU 1 to itself), VIP 10.77.0.100:80 on net_af_xdp
#   HAProxy   one thread (nbthread 1), pinned to CPU 1, on hl-lb's kernel
#             address 10.77.0.3:8081 (the same veth; hintlb is stopped, so no
#             XDP program is in the way), `balance hdr(X-Fal-Runner-Hint)`,
#             `hash-type consistent`, `hash-balance-factor 125`, http-keep-alive
#             to the replicas
#   nginx     one worker process, pinned to CPU 1, on 10.77.0.3:8082,
#             `hash $http_x_fal_runner_hint consistent`, HTTP/1.1 with a
#             keepalive pool of 256 idle connections to the replicas (more
#             than wrk's 64 ever need), no access log
#   pinning   the load balancer on CPU 1; wrk and nginx on CPU 0
# The balancers and the replicas are set up by tests/bench/lb_lib.sh (shared
# with bench_sweep.sh).
#
# RUNS rounds of (hintlb, HAProxy, nginx), each a 2 s warm-up then SECONDS s measured;
# the median of each figure. CPU per request: hintlb's worker busy cycles
# (its busy_cycles counter: loop iterations that had packets) over the
# requests it answered; HAProxy's and nginx's process CPU time (utime + stime,
# /proc; nginx: master and worker) over the requests wrk counted. hintlb's figure is also given without the cycles
# spent inside rx/tx bursts (pmd_cycles): on net_af_xdp over veth those are
# syscalls in which the kernel copies frames and, on the veth's other end,
# runs the peers' own TCP receive path on hintlb's CPU; a NIC's PMD has none
# of that. Prints `name: value unit` lines:
#   proxy_{hintlb,haproxy,nginx}_req_s, _p50_ms, _p99_ms, _cpu_us_per_req;
#   proxy_hintlb_dataplane_us_per_req (busy cycles outside the PMD);
#   proxy_req_s_ratio, proxy_p99_ratio, proxy_cpu_per_req_ratio (hintlb /
#   HAProxy) and proxy_nginx_{req_s,p99,cpu_per_req}_ratio (hintlb / nginx)
# and the per-run figures as `# ...` lines. Each round also measures the
# load side's own ceiling: wrk straight to the replicas in hl-replica, on the
# same CPU 0, no balancer and no veth (proxy_ceiling_req_s; each balancer's
# share of it is proxy_{hintlb,haproxy,nginx}_of_ceiling), and for every run
# how busy each CPU was (/proc/stat: user, system, softirq, idle), so a run
# says whether the balancer or the load side held it. BENCH_SMOKE=1: one short round
# (tools/test.sh runs that so a broken benchmark fails CI).
# Needs root, wrk, haproxy and nginx; without them it says so and exits 0.
set -euo pipefail

SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	SECS=2
	RUNS=1
fi
LOAD_CPU=0

skip() {
	echo "bench_proxy: skipped: $*"
	exit 0
}
[ $# -ge 2 ] || { echo "usage: $0 HINTLB STEER_BPF_O" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, AF_XDP)"
for t in wrk haproxy nginx taskset; do
	command -v "$t" >/dev/null || skip "'$t' not installed"
done
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (the load balancer on one, the load on the other)"
if [ -e /run/netns/hl-lb ] && [ -n "$(ip netns pids hl-lb 2>/dev/null)" ]; then
	skip "the hl-* topology is in use (processes in netns hl-lb)"
fi

# shellcheck disable=SC1091 # tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
hl_init "$@"
hl_topo_up

# shellcheck disable=SC1091 # tests/bench/lb_lib.sh: the balancers, the replicas
. "$(dirname "$0")/lb_lib.sh"
lb_replicas

# The 8 requests are formatted once (init runs once the Host header is known):
# wrk.format per request costs CPU 0, the side that holds this closed loop.
cat >"$HL_WORK/hints.lua" <<'LUA'
math.randomseed(11)
local reqs = {}
init = function(args)
	for i = 1, 8 do
		reqs[i] = wrk.format("GET", "/", {["X-Fal-Runner-Hint"] = "model-" .. i})
	end
end
request = function()
	return reqs[math.random(1, 8)]
end
LUA

# cpu_snap: the cpu0 and cpu1 lines of /proc/stat, on one line.
cpu_snap() { awk '/^cpu[01] /' /proc/stat | tr '\n' ' '; }

# cpu_busy NAME SNAP0 SNAP1: a `# ...` line (stderr) with each CPU's share of
# user (incl. nice), system, softirq and idle time between the two snapshots.
cpu_busy() {
	python3 - "$@" >&2 <<'PY'
import sys
name, a, b = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def rows(t):
    return {t[i]: [int(x) for x in t[i + 1:i + 11]] for i in range(0, len(t), 11)}
ra, rb = rows(a), rows(b)
out = []
for cpu in ("cpu0", "cpu1"):
    d = [y - x for x, y in zip(ra[cpu], rb[cpu])]
    tot = sum(d) or 1
    out.append("%s user %.0f%% sys %.0f%% softirq %.0f%% idle %.0f%%" % (
        cpu, 100 * (d[0] + d[1]) / tot, 100 * d[2] / tot, 100 * d[6] / tot,
        100 * (d[3] + d[4]) / tot))
print("#   %s: %s" % (name, "; ".join(out)))
PY
}

# wrk_run URL SECS [NETNS]: "REQS REQ_S P50_MS P99_MS" of one wrk run on
# LOAD_CPU, in hl-client or NETNS
wrk_run() {
	local out
	out=$(ip netns exec "${3:-hl-client}" taskset -c $LOAD_CPU wrk -t1 -c64 -d"$2"s --timeout 5s \
		--latency -s "$HL_WORK/hints.lua" "$1" 2>&1) || hl_fail "wrk: $out"
	grep -q 'Non-2xx\|Socket errors' <<<"$out" && hl_fail "wrk saw errors: $out"
	python3 - "$out" <<'PY'
import re, sys
t = sys.argv[1]
def ms(label):
    m = re.search(r"\s%s\s+([\d.]+)(us|ms|s)\b" % label, t)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
reqs = int(re.search(r"(\d+) requests in", t).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
print(reqs, rps, ms("50%"), ms("99%"))
PY
}

# One hintlb round: "REQ_S P50 P99 CPU_US DATAPLANE_US"
hintlb_round() {
	local c0 c1 busy pmd reqs hz r
	lb_start hintlb
	wrk_run "http://$HL_VIP/" 2 >/dev/null
	c0=$(hl_counters)
	s0=$(cpu_snap)
	read -r _ rps p50 p99 <<<"$(wrk_run "http://$HL_VIP/" "$SECS")"
	cpu_busy hintlb "$s0" "$(cpu_snap)"
	c1=$(hl_counters)
	hz=$(hl_report_get tsc_hz)
	busy=$(($(hl_ctr busy_cycles <(echo "$c1")) - $(hl_ctr busy_cycles <(echo "$c0"))))
	pmd=$(($(hl_ctr pmd_cycles <(echo "$c1")) - $(hl_ctr pmd_cycles <(echo "$c0"))))
	reqs=$(($(hl_ctr http_requests <(echo "$c1")) - $(hl_ctr http_requests <(echo "$c0"))))
	[ "$reqs" -gt 0 ] || hl_fail "hintlb answered nothing"
	lb_stop hintlb
	r=$(python3 -c "print('%.3f %.3f' % ($busy / $hz * 1e6 / $reqs, ($busy - $pmd) / $hz * 1e6 / $reqs))")
	echo "$rps $p50 $p99 $r"
}

# One round of a kernel balancer (haproxy or nginx): "REQ_S P50 P99 CPU_US 0"
# (its process CPU time over the measured run, per request)
kernel_round() {
	local t0 t1 reqs rps p50 p99 url
	url="http://$(lb_target "$1")/"
	lb_start "$1"
	wrk_run "$url" 2 >/dev/null
	t0=$(lb_cpu_ticks "$LB_PID")
	s0=$(cpu_snap)
	read -r reqs rps p50 p99 <<<"$(wrk_run "$url" "$SECS")"
	cpu_busy "$1" "$s0" "$(cpu_snap)"
	t1=$(lb_cpu_ticks "$LB_PID")
	lb_stop "$1"
	python3 -c "print($rps, $p50, $p99, '%.3f' % (($t1 - $t0) / $(getconf CLK_TCK) * 1e6 / $reqs), 0)"
}

# The load side alone: wrk straight to one replica address in hl-replica (the
# replicas' own namespace, so no veth and no balancer), same CPU, same
# connections and requests: "REQ_S P50 P99 0 0"
ceiling_round() {
	local s0 reqs rps p50 p99
	wrk_run "http://10.77.1.11:8080/" 1 hl-replica >/dev/null
	s0=$(cpu_snap)
	read -r reqs rps p50 p99 <<<"$(wrk_run "http://10.77.1.11:8080/" "$SECS" hl-replica)"
	cpu_busy "no balancer" "$s0" "$(cpu_snap)"
	echo "$rps $p50 $p99 0 0"
}

: >"$HL_WORK/hl.runs"
: >"$HL_WORK/ha.runs"
: >"$HL_WORK/ng.runs"
: >"$HL_WORK/ce.runs"
for i in $(seq "$RUNS"); do
	hintlb_round >>"$HL_WORK/hl.runs"
	kernel_round haproxy >>"$HL_WORK/ha.runs"
	kernel_round nginx >>"$HL_WORK/ng.runs"
	ceiling_round >>"$HL_WORK/ce.runs"
	echo "# round $i: hintlb $(tail -n1 "$HL_WORK/hl.runs"), haproxy $(tail -n1 "$HL_WORK/ha.runs"), nginx $(tail -n1 "$HL_WORK/ng.runs"), no balancer $(tail -n1 "$HL_WORK/ce.runs" | cut -d' ' -f1-3) (req/s p50_ms p99_ms cpu_us_per_req [hintlb: excluding the PMD])"
done

python3 - "$HL_WORK/hl.runs" "$HL_WORK/ha.runs" "$HL_WORK/ng.runs" "$HL_WORK/ce.runs" <<'PY'
import statistics, sys
def med(path):
    rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
    return [statistics.median(c) for c in zip(*rows)]
hl, ha, ng, ce = (med(p) for p in sys.argv[1:5])
for name, v in (("hintlb", hl), ("haproxy", ha), ("nginx", ng)):
    print("proxy_%s_req_s: %.0f req/s" % (name, v[0]))
    print("proxy_%s_p50_ms: %.3f ms" % (name, v[1]))
    print("proxy_%s_p99_ms: %.3f ms" % (name, v[2]))
    print("proxy_%s_cpu_us_per_req: %.3f us" % (name, v[3]))
print("proxy_hintlb_dataplane_us_per_req: %.3f us" % hl[4])
print("proxy_req_s_ratio: %.2f x" % (hl[0] / ha[0]))
print("proxy_p99_ratio: %.2f x" % (hl[2] / ha[2]))
print("proxy_cpu_per_req_ratio: %.2f x" % (hl[3] / ha[3]))
print("proxy_nginx_req_s_ratio: %.2f x" % (hl[0] / ng[0]))
print("proxy_nginx_p99_ratio: %.2f x" % (hl[2] / ng[2]))
print("proxy_nginx_cpu_per_req_ratio: %.2f x" % (hl[3] / ng[3]))
print("proxy_ceiling_req_s: %.0f req/s" % ce[0])
for name, v in (("hintlb", hl), ("haproxy", ha), ("nginx", ng)):
    print("proxy_%s_of_ceiling: %.2f x" % (name, v[0] / ce[0]))
PY
