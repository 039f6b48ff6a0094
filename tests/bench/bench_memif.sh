#!/usr/bin/env bash
# bench_memif.sh HINTGEN HINTLB [--smoke] — hintlb's dataplane capacity with
# no kernel anywhere: hintgen -- memif -- hintlb (mode http) -- memif --
# hintgen --respond (docs/hintgen.md).
#
#   hintlb    [worker] idle = poll; main lcore on CPU 0, worker 0 on CPU 1
#             (two workers: worker 1 on CPU 0, beside the generators)
#   client    hintgen, closed loop (256 connections, BENCH_CONNS), keep-alive
#             unless said, 8 models Zipf(1),
#             CPU 0, adaptive idle
#   responder hintgen --respond (no delay, 2-byte body, advertises model-0..3;
#             its first answer model-9,1,2,3: a replica that dropped a
#             model, so the default policy counts its 4 slots as full, as a
#             GPU replica's would be: one that never dropped any is priced
#             as having free slots, a cheaper path), CPU 0, adaptive idle
#   direct    the client straight to the responder (hintgen's own ceiling on
#             this machine: each on its own CPU)
#
# A 2-CPU machine has the generators share one CPU, so hintlb's worker is
# rarely saturated and the req/s figures are the generators' limit as much
# as hintlb's. The figure that does not depend on that is hintlb's cost:
# cycles per request = the workers' busy_cycles (loop iterations that had
# packets) over the requests they proxied, and the rate one core would carry
# at that cost (TSC Hz / cycles per request). Prints `name: value unit`:
#   memif_direct_req_s                 client -> responder, no hintlb
#   memif_ka_req_s_1w                  keep-alive through hintlb, one worker
#   memif_ka_req_s_per_worker_core_1w  the same per worker core
#   memif_ka_p50_ms_1w, memif_ka_p99_ms_1w
#   memif_cycles_per_req_1w            busy cycles per request
#   memif_pmd_cycles_per_req_1w        of which inside rx/tx bursts
#   memif_pkts_per_req_1w              frames received + sent per request (4:
#                                      request in and out, response in and
#                                      out, every ACK piggybacked)
#   memif_worker_busy_pct_1w           busy cycles over the run's cycles
#   memif_req_s_per_core_at_cost_1w    TSC Hz / cycles per request
#   memif_..._1w_bounded               the same with [routing] policy = bounded
#                                      (the default, ect, computes expected
#                                      completion times: perf puts ~30 % of
#                                      the worker there)
#   memif_ka_req_s_2w, ..._per_worker_core_2w, memif_cycles_per_req_2w,
#   memif_handoff_pct_2w               with two workers (and both hintgens
#                                      --queues 2: a memif peer needs one
#                                      queue per hintlb worker)
#   memif_newconn_s_1w                 a new client connection per request
#   memif_conns_held                   keep-alive connections open at once
#                                      (BENCH_HELD, default 5000), each with
#                                      a request held 0.5 s by the responder
#                                      (so hintlb holds as many replica
#                                      connections), every one served, zero
#                                      errors; and their p50/p99 (~500 ms).
#                                      Closed loop without the delay (a
#                                      request each at full speed) gave tx
#                                      ring drops and retransmissions: p99
#                                      0.2 s, p99.9 1.4 s, some over 10 s
# --smoke (tools/test.sh): a second or two each, asserting only that every
# figure came out. BENCH_SECONDS sets the measured length (default 10).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 HINTGEN HINTLB [--smoke]" >&2; exit 2; }
SMOKE=0
[ "${3:-}" = --smoke ] && SMOKE=1
[ "${BENCH_SMOKE:-0}" = 1 ] && SMOKE=1
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-256}
HELD=${BENCH_HELD:-5000}
if [ $SMOKE -eq 1 ]; then
	SECS=1
	HELD=500
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_memif: skipped: needs root (hugepages)"
	exit 0
fi
# shellcheck disable=SC1091 # tests/integration/hg_lib.sh
. "$(dirname "$0")/../integration/hg_lib.sh"
hg_init bench_memif "$1" "$2"
# about 100 pages for the smoke, 170 for the full run's held connections
hg_need_hugepages "$([ $SMOKE -eq 1 ] && echo 110 || echo 180)"

FIGS=$HG_WORK/figures
: >"$FIGS"
fig() {
	printf '%s: %s %s\n' "$1" "$2" "$3" | tee -a "$FIGS"
}
calc() { python3 -c "print($*)"; }

# responder QUEUES [ARGS...]: hintgen --respond as hintlb's replica (net_memif1 peer)
responder() {
	local q=$1
	shift
	hg_bg respond "$HINTGEN" --respond --queues "$q" "$@" \
		--eal "$(hg_eal r 0 "net_memif0,role=client,socket=$HG_WORK/lb-r.sock")" \
		--address 10.98.1.1/24 --listen 8080 --hints model-0,model-1,model-2,model-3 \
		--hints-first model-9,model-1,model-2,model-3 --idle adaptive --quiet --json
	hg_wait_for "$HG_WORK/respond.err" "listening on" 30 "$HG_LAST_PID"
}

# client OUT QUEUES ARGS...: hintgen client through hintlb's VIP, --json to OUT
client() {
	local out=$1 q=$2 rc=0
	shift 2
	"$HINTGEN" --queues "$q" --eal "$(hg_eal c 0 "net_memif0,role=client,socket=$HG_WORK/lb-c.sock")" \
		--address 10.98.0.1/24 --target 10.98.0.100:80 --models 8 --zipf 1.0 \
		--idle adaptive --quiet --json "$@" >"$out" 2>"$out.err" || rc=$?
	[ $rc -eq 0 ] || { cat "$out" "$out.err" >&2; hg_fail "client $* exited $rc"; }
	[ "$(hg_json "$out" 'o["errors_total"]')" -eq 0 ] || { cat "$out" >&2; hg_fail "client $*: errors"; }
}

# through WORKERS NAME ARGS...: hintlb with WORKERS workers, responder, one
# client run (ARGS); its JSON in NAME.json, hintlb's counters in NAME.ctr.
# EXTRA_CONF: more configuration sections for hintlb.
through() {
	local workers=$1 name=$2 extra=${EXTRA_CONF:-} idle=poll
	shift 2
	# a second worker shares CPU 0 with the generators: it must not spin
	[ "$workers" -eq 1 ] || idle=adaptive
	local resp=()
	if [ "$name" = held ]; then
		# every connection has a request in progress, each on a replica
		# connection of its own for the responder's 0.5 s
		extra=$'[http]\nmax_requests = 16384\nreplica_conns_max = 16384\n[tcp]\nmax_conns = 32768'
		idle=$'poll\nmbufs = 32767'
		resp=(--delay-us 500000 --max-conns 16384)
	fi
	hg_hintlb_conf "$HG_WORK/hintlb.conf" "$workers" "$idle" "$extra"
	hg_hintlb_start "$HG_WORK/hintlb.conf"
	responder "$workers" "${resp[@]}"
	client "$HG_WORK/$name.json" "$workers" "$@"
	hg_hintlb_counters >"$HG_WORK/$name.ctr"
	grep -E '^tsc_hz ' "$HG_WORK/hintlb.log" | tail -n1 | awk '{print $2}' >"$HG_WORK/hz"
	hg_stop_all
	[ "$HG_LB_RC" -eq 0 ] || hg_fail "hintlb exited $HG_LB_RC on SIGTERM"
	rm -f "$HG_WORK"/respond.*
}

# keepalive WORKERS [SUFFIX]: the keep-alive figures of one run (figures
# named ..._${WORKERS}w${SUFFIX})
keepalive() {
	local w=$1 s=${2:-} j=$HG_WORK/ka$1${2:-}.json c=$HG_WORK/ka$1${2:-}.ctr rps busy pmd reqs hz secs
	through "$w" "ka$w$s" --connections "$CONNS" --duration "$SECS"
	rps=$(hg_json "$j" 'round(o["req_per_s"])')
	secs=$(hg_json "$j" 'o["elapsed_s"]')
	busy=$(hg_ctr busy_cycles "$c")
	pmd=$(hg_ctr pmd_cycles "$c")
	reqs=$(hg_ctr http_requests "$c")
	hz=$(cat "$HG_WORK/hz")
	[ "$reqs" -gt 0 ] || hg_fail "hintlb proxied nothing ($w workers)"
	fig "memif_ka_req_s_${w}w$s" "$rps" req/s
	fig "memif_ka_req_s_per_worker_core_${w}w$s" "$(calc "round($rps / $w)")" req/s
	fig "memif_ka_p50_ms_${w}w$s" "$(hg_json "$j" 'o["latency_ms"]["p50"]')" ms
	fig "memif_ka_p99_ms_${w}w$s" "$(hg_json "$j" 'o["latency_ms"]["p99"]')" ms
	fig "memif_cycles_per_req_${w}w$s" "$(calc "round($busy / $reqs)")" cycles
	fig "memif_pmd_cycles_per_req_${w}w$s" "$(calc "round($pmd / $reqs)")" cycles
	fig "memif_pkts_per_req_${w}w$s" \
		"$(calc "round(($(hg_ctr rx_pkts "$c") + $(hg_ctr tx_pkts "$c")) / $reqs, 2)")" packets
	fig "memif_worker_busy_pct_${w}w$s" "$(calc "round(100 * $busy / ($hz * $secs * $w), 1)")" %
	fig "memif_req_s_per_core_at_cost_${w}w$s" "$(calc "round($hz * $reqs / $busy)")" req/s
	if [ "$w" -ge 2 ]; then
		fig "memif_handoff_pct_${w}w$s" \
			"$(calc "round(100 * $(hg_ctr tcp_handoff_out "$c") / max(1, $(hg_ctr rx_pkts "$c")), 1)")" %
	fi
}

hg_log "direct: client -> responder, no hintlb ($SECS s)"
hg_bg respond "$HINTGEN" --respond --eal "$(hg_eal r 1 "$(hg_memif direct server)")" \
	--address 10.99.0.2/24 --listen 8080 --idle adaptive --quiet --json
hg_wait_for "$HG_WORK/respond.err" "listening on" 30 "$HG_LAST_PID"
"$HINTGEN" --eal "$(hg_eal c 0 "$(hg_memif direct client)")" --address 10.99.0.1/24 \
	--target 10.99.0.2:8080 --connections "$CONNS" --duration "$SECS" --idle adaptive --quiet \
	--json >"$HG_WORK/direct.json" 2>"$HG_WORK/direct.err" || hg_fail "direct client failed"
hg_stop_all
rm -f "$HG_WORK"/respond.*
fig memif_direct_req_s "$(hg_json "$HG_WORK/direct.json" 'round(o["req_per_s"])')" req/s

hg_log "keep-alive through hintlb, one worker ($SECS s)"
keepalive 1
hg_log "keep-alive through hintlb, one worker, [routing] policy = bounded ($SECS s)"
EXTRA_CONF=$'[routing]\npolicy = bounded' keepalive 1 _bounded
hg_log "keep-alive through hintlb, two workers ($SECS s)"
keepalive 2

hg_log "new connection per request, one worker ($SECS s)"
through 1 newconn --connections "$CONNS" --new-connection --duration "$SECS"
fig memif_newconn_s_1w "$(hg_json "$HG_WORK/newconn.json" 'round(o["connections_opened"] / o["elapsed_s"])')" conn/s
fig memif_newconn_p99_ms_1w "$(hg_json "$HG_WORK/newconn.json" 'o["latency_ms"]["p99"]')" ms

hg_log "$HELD keep-alive connections at once, one worker"
through 1 held --connections "$HELD" --max-conns $((HELD + 1024)) --duration $((SECS + 2))
opened=$(hg_json "$HG_WORK/held.json" 'o["connections_opened"]')
reqs=$(hg_json "$HG_WORK/held.json" 'o["requests"]')
[ "$opened" -eq "$HELD" ] || hg_fail "held: $opened connections opened, want $HELD"
[ "$reqs" -ge "$HELD" ] || hg_fail "held: $reqs requests on $HELD connections"
[ "$(hg_ctr http_accepted "$HG_WORK/held.ctr")" -ge "$HELD" ] || hg_fail "held: hintlb accepted fewer"
fig memif_conns_held "$opened" conns
fig memif_conns_held_p50_ms "$(hg_json "$HG_WORK/held.json" 'o["latency_ms"]["p50"]')" ms
fig memif_conns_held_p99_ms "$(hg_json "$HG_WORK/held.json" 'o["latency_ms"]["p99"]')" ms

want="memif_direct_req_s memif_ka_req_s_1w memif_ka_req_s_per_worker_core_1w memif_cycles_per_req_1w
memif_req_s_per_core_at_cost_1w memif_ka_req_s_2w memif_cycles_per_req_2w memif_newconn_s_1w memif_conns_held"
for f in $want; do
	grep -Eq "^$f: [0-9.]+ " "$FIGS" || hg_fail "figure $f did not come out"
done
hg_log "bench_memif: all figures out"
