#!/usr/bin/env bash
# sudo tools/demo.sh — install what is missing, build, and show hintlb doing
# its job: (1) the routing core in hintsim, on the reference workload (8
# replicas x 3 model slots, 100 models with Zipf(1.0) popularity, 1 req/s,
# 1 s service, 8 s model load), against what users would otherwise run;
# (2) the daemon on net_af_xdp in a namespace topology, answering ARP and
# ping for its VIP while the kernel keeps serving the same interface,
# terminating TCP itself (an echo listener on the VIP) and opening its own
# connections to replicas (a relay listener); (3) the product, the mission
# benchmark's demo run (tests/bench/bench_mission.sh --demo): hintlb in front
# of 6 simulated GPU replicas (tools/hintreplica: 3 model slots, 80 ms to
# load a model, 10 ms to serve), an open-loop Zipf(1.0) workload over 50
# models at half the cluster's capacity, then the very same requests through
# HAProxy hdr-consistent in hintlb's place, and the table: model loads, miss
# rate, p50 and p99 of each next to hintsim's prediction, and a PNG plot.
# Cleans up (processes, namespaces) on exit, also when interrupted (INT,
# TERM). About 1.5 minutes once built; building what it runs takes about a
# minute.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/common.sh

hl_need_root
hl_install_deps
hl_print_versions
hl_setup_hugepages
# what the demo runs, not the tests and benchmarks (link-time optimisation
# makes a whole build about 2 minutes; tools/test.sh builds everything)
HL_BUILD_TARGETS="dataplane/hintlb bpf/steer.bpf.o tools/hintsim/hintsim tools/hintreplica/hintreplica" \
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
web_pid=
replica_pid=
bench_pid=
lock_fd=
demo_cleanup() {
	local rc=$?
	set +e
	# part 3 cleans up after itself (its own EXIT trap) once told to stop
	if [ -n "$bench_pid" ]; then
		kill -TERM "$bench_pid" 2>/dev/null
		wait "$bench_pid" 2>/dev/null
	fi
	if [ -n "$hintlb_pid" ] && kill -0 "$hintlb_pid" 2>/dev/null; then
		kill -TERM "$hintlb_pid" 2>/dev/null
		wait "$hintlb_pid" 2>/dev/null
	fi
	[ -z "$web_pid" ] || kill "$web_pid" 2>/dev/null
	[ -z "$replica_pid" ] || kill "$replica_pid" 2>/dev/null
	if [ -n "$lock_fd" ]; then
		tools/netns.sh down >/dev/null 2>&1
		flock -u "$lock_fd"
	fi
	rm -rf "$work"
	exit $rc
}
trap demo_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The namespaces have fixed names: a test or benchmark using them (lib.sh
# takes the same lock) goes first.
exec {lock_fd}>/run/hintlb-topology.lock
if ! flock -n "$lock_fd"; then
	hl_log "waiting for the topology lock (/run/hintlb-topology.lock): a test or benchmark is using the namespaces"
	flock -w 1800 "$lock_fd"
fi
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

hl_log "hintlb's counters (SIGUSR1): worker, routing decisions, TCP, XDP stage"
kill -USR1 "$hintlb_pid"
sleep 0.5
grep -E 'icmp_echo|tcp_accepted|relay_opened|xdp hl0' "$work/hintlb.log" |
	grep -v ' 0$' | head -20 || true
kill -TERM "$hintlb_pid"
wait "$hintlb_pid" && hl_log "hintlb stopped cleanly (SIGTERM), XDP program detached"
hintlb_pid=
kill "$web_pid" 2>/dev/null || true
wait "$web_pid" 2>/dev/null || true
web_pid=
tools/netns.sh down >/dev/null
flock -u "$lock_fd"
exec {lock_fd}>&-
lock_fd=

# Part 3: the product, and HAProxy on the same replicas and requests.
out=build/mission-demo
hl_log "part 3 - the product: hintlb's HTTP proxy in front of 6 simulated GPU replicas (hintreplica: 3 model slots, 80 ms model load, 10 ms service), then HAProxy hdr-consistent in its place, the same Zipf requests through each (tests/bench/bench_mission.sh --demo)"
# in the background, so that a signal runs the trap (which stops it) at once
HL_HINTREPLICA=build/tools/hintreplica/hintreplica HL_HINTSIM=build/tools/hintsim/hintsim \
	tests/bench/bench_mission.sh build/dataplane/hintlb build/bpf/steer.bpf.o --demo --out "$out" &
bench_pid=$!
wait "$bench_pid"
bench_pid=
cat <<TXT

How to read it: both balancers got the very same requests (arrival times and
models) and the replicas started empty each time. "loads" are the model
loads the replicas did (a GPU loading instead of serving); in brackets,
hintsim's prediction for the same requests (the median of five runs with the
times 2 % apart, and their range). Plot: $out/bench_mission.png;
figures: $out/bench_mission.json. The full benchmark (three offered loads,
nginx hash-consistent and round robin too):
meson test -C build --benchmark --suite mission --verbose
TXT
