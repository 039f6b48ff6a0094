#!/usr/bin/env bash
# sudo tools/demo.sh — install what is missing, build, and show hintlb doing
# its job: (1) the routing core in hintsim, on the reference workload (8
# replicas x 3 model slots, 100 models with Zipf(1.0) popularity, 1 req/s,
# 1 s service, 8 s model load), against what users would otherwise run;
# (2) the daemon on net_af_xdp in a namespace topology, answering ARP and
# ping for its VIP while the kernel keeps serving the same interface,
# terminating TCP itself (an echo listener on the VIP) and opening its own
# connections to replicas (a relay listener); (3) the product: the HTTP
# proxy in front of four simulated GPU replicas (tools/hintreplica: 2 model
# slots each, 300 ms to load a model) that advertise what they hold, a
# Zipf workload of hinted requests through it, and what it saved: hint hits,
# model loads at the replicas, the route each request took.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/common.sh

hl_need_root
hl_install_deps
hl_print_versions
hl_setup_hugepages
hl_build build

requests=${HINTSIM_REQUESTS:-200000}
hl_log "part 1 - routing policy: hintsim, $requests requests, every policy on the same trace"
build/tools/hintsim/hintsim --requests "$requests"
cat <<'TXT'

How to read it: "model loads" is the number hintlb exists to cut: every load
keeps a GPU busy for seconds without serving. "x lower bound" compares with
Belady's optimal eviction on one pooled cache of all slots, which no router
can beat. chash (no bound) loads little but lets a hot model queue on one
replica: look at its p99.

TXT

# Part 2: the daemon on the standard topology (docs/topology.md): hintlb on
# net_af_xdp with its XDP stage, sharing hl0 with the kernel.
hl_log "part 2 - the daemon: tools/netns.sh up, hintlb on net_af_xdp (docs/examples/hintlb.conf)"
work=$(mktemp -d)
hintlb_pid=
demo_cleanup() {
	if [ -n "$hintlb_pid" ] && kill -0 "$hintlb_pid" 2>/dev/null; then
		kill -TERM "$hintlb_pid" 2>/dev/null || true
		wait "$hintlb_pid" 2>/dev/null || true
	fi
	[ -n "${web_pid:-}" ] && kill "$web_pid" 2>/dev/null || true
	[ -n "${replica_pid:-}" ] && kill "$replica_pid" 2>/dev/null || true
	for p in ${gpu_pids:-}; do kill "$p" 2>/dev/null || true; done
	tools/netns.sh down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap demo_cleanup EXIT
tools/netns.sh up >/dev/null
# the example runs on hugepages (so dpdk-dumpcap can attach, docs/dpdk-tools.md);
# without them, the same with --no-huge --no-shconf
conf=docs/examples/hintlb.conf
if ! mountpoint -q /dev/hugepages ||
	[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -lt 64 ]; then
	conf=$work/hintlb.conf
	sed 's/--file-prefix=hintlb/--no-huge --no-shconf --file-prefix=hintlb/' docs/examples/hintlb.conf >"$conf"
	hl_log "fewer than 64 free hugepages: hintlb runs with --no-huge --no-shconf"
fi
nsenter --net=/run/netns/hl-lb build/dataplane/hintlb --config "$conf" \
	>"$work/hintlb.log" 2>&1 &
hintlb_pid=$!
for _ in $(seq 150); do
	ip netns exec hl-client ping -c1 -W1 -q 10.77.0.2 >/dev/null 2>&1 && break
	kill -0 "$hintlb_pid" 2>/dev/null || { cat "$work/hintlb.log"; exit 1; }
	sleep 0.2
done
grep -m1 'ready' "$work/hintlb.log" || true

hl_log "the client pings the VIP: hintlb answers (the kernel does not hold 10.77.0.100)"
ip netns exec hl-client ping -c 5 -i 0.2 10.77.0.100
hl_log "the kernel still serves its own address on the same NIC (10.77.0.3), through the XDP stage"
nsenter --net=/run/netns/hl-lb python3 -m http.server --bind 10.77.0.3 8080 \
	--directory "$work" >/dev/null 2>&1 &
web_pid=$!
for _ in $(seq 50); do
	ip netns exec hl-client curl -s -o /dev/null http://10.77.0.3:8080/ && break
	sleep 0.1
done
ip netns exec hl-client curl -s -o /dev/null -w 'curl http://10.77.0.3:8080/ -> HTTP %{http_code}\n' \
	http://10.77.0.3:8080/
hl_log "TCP terminated by hintlb itself: 8 MiB through the echo listener on 10.77.0.100:7, SHA-256 compared"
ip netns exec hl-client /usr/bin/python3 tests/integration/echo_client.py 10.77.0.100 --port 7 \
	--size 8388608 --conns 1 | tail -n 2
hl_log "hintlb's own connections: the relay on 10.77.0.100:9000 opens one to a replica (kernel echo servers in hl-replica on 10.77.1.11-14:8000) per client connection"
ip netns exec hl-replica /usr/bin/python3 tests/integration/echo_server.py "$work/peers.log" \
	10.77.1.11:8000 10.77.1.12:8000 10.77.1.13:8000 10.77.1.14:8000 >"$work/server.out" 2>&1 &
replica_pid=$!
for _ in $(seq 50); do
	grep -q ready "$work/server.out" 2>/dev/null && break
	sleep 0.1
done
ip netns exec hl-client /usr/bin/python3 tests/integration/echo_client.py 10.77.0.100 --port 9000 \
	--size 1048576 --conns 8 | tail -n 1
echo "what the replicas saw (replica <- hintlb's address:source port):"
awk '{ print "  " $1 " <- " $2 }' "$work/peers.log" | sort
kill "$replica_pid" 2>/dev/null || true
wait "$replica_pid" 2>/dev/null || true
replica_pid=

# Part 3: the proxy in front of hint-advertising replicas.
hl_log "part 3 - the product: the HTTP proxy on 10.77.0.100:80 in front of 4 simulated GPU replicas (hintreplica: 2 model slots, 300 ms model load, 20 ms service) on 10.77.1.11-14:8000"
gpu_pids=
for i in 1 2 3 4; do
	ip netns exec hl-replica build/tools/hintreplica/hintreplica --listen "10.77.1.1$i:8000" \
		--name "gpu-$i" --slots 2 --load-ms 300 --service-ms 20 --concurrency 2 >"$work/gpu-$i.out" 2>&1 &
	gpu_pids="$gpu_pids $!"
done
for i in 1 2 3 4; do
	for _ in $(seq 100); do grep -q 'listening on' "$work/gpu-$i.out" && break; sleep 0.05; done
done
echo "one request, as a client sees it (the replica's X-Fal-Runner-Hints is stripped; X-Hintlb-Route explains):"
ip netns exec hl-client curl -s -i -H 'X-Fal-Runner-Hint: model-1' http://10.77.0.100/infer |
	grep -iE '^(HTTP/|x-replica|x-hintlb-route)' | sed 's/^/  /'
echo "the same model again: the replica that loaded it advertised it, so it is a hint hit there:"
ip netns exec hl-client curl -s -i -H 'X-Fal-Runner-Hint: model-1' http://10.77.0.100/infer |
	grep -iE '^(x-replica|x-hintlb-route)' | sed 's/^/  /'
hl_log "a Zipf(1.0) workload: 600 requests over 12 models, 8 clients"
ip netns exec hl-client python3 tools/demo_load.py 10.77.0.100 --requests 600 --concurrency 8 \
	--models 12 | sed 's/^/  /'
loads=0
for i in 1 2 3 4; do
	l=$(ip netns exec hl-replica curl -s http://10.77.1.1$i:8000/stats |
		python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["loads"], s["hits"], s["requests"])')
	read -r li hi ri <<<"$l"
	echo "  gpu-$i: $ri requests, $hi hits, $li model loads"
	loads=$((loads + li))
done
echo "  model loads in all: $loads for 602 requests over 12 models on 4 x 2 slots"
echo "  (every load is 300 ms of a GPU not serving; part 1 compares policies on the same kind of workload)"
for p in $gpu_pids; do kill "$p" 2>/dev/null || true; done
gpu_pids=

hl_log "hintlb's counters (SIGUSR1): worker, routing decisions, proxy, control thread, XDP stage"
kill -USR1 "$hintlb_pid"
sleep 0.5
grep -E 'icmp_echo|tcp_accepted|relay_opened|route_|http_requests|http_resp_|http_pool_|hints_(passed|unchanged)|ctrl hints_apply|xdp hl0' "$work/hintlb.log" |
	grep -v ' 0$' | head -40 || true
kill -TERM "$hintlb_pid"
wait "$hintlb_pid" && hl_log "hintlb stopped cleanly (SIGTERM), XDP program detached"
hintlb_pid=
