# shellcheck shell=bash
# tests/bench/lb_lib.sh — the three HTTP load balancers the benchmarks compare
# (bench_proxy.sh, bench_sweep.sh), on the standard topology in front of the
# same replicas, with the same pinning. Sourced after
# tests/integration/lib.sh, once hl_init and hl_topo_up have run.
#
#   replicas  nginx (Debian's nginx-light) on 10.77.1.11-14:8080 in
#             hl-replica, `return 200` with a 16-byte body, 2 worker
#             processes, no access log, pinned to LB_LOAD_CPU (lb_replicas)
#   hintlb    lib.sh's standard config (two net_af_xdp ports with the XDP
#             stage, VIP 10.77.0.100:80, r1..r4) with idle = poll; `-l 0,1`
#             puts its one worker on CPU 1 (= LB_CPU)
#   haproxy   lib.sh's hl_haproxy_config: one thread pinned to LB_CPU on
#             hl-lb's kernel address 10.77.0.3:8081, `balance
#             hdr(X-Fal-Runner-Hint)`, `hash-type consistent`,
#             `hash-balance-factor 125`, keep-alive both ways
#   nginx     lib.sh's hl_nginx_lb_config: one worker process pinned to
#             LB_CPU on 10.77.0.3:8082, `hash $http_x_fal_runner_hint
#             consistent`, HTTP/1.1 with a keepalive pool of 256 idle
#             connections to the replicas, no access log. The
#             pool must hold as many connections as the clients have
#             requests in flight: bench_sweep.sh's 256 connections through
#             `keepalive 64` made nginx open and close a replica connection
#             for most requests (30k req/s offered: 7.3k carried, against
#             23.9k with 256); wrk's 64 connections (bench_proxy.sh) never
#             need more than 64
#
# One balancer runs at a time (hintlb's XDP program is on hl0 only while it
# runs). lb_start NAME starts one and waits until it answers a request from
# hl-client's kernel; lb_stop stops it.

LB_CPU=1
LB_LOAD_CPU=0

# lb_replicas: the nginx replicas (lib.sh's hl_nginx_replicas with a fixed
# 16-byte body, 2 workers and no access log), pinned to LB_LOAD_CPU; and the
# HAProxy and nginx balancer configurations.
lb_replicas() {
	hl_nginx_replicas 8080
	# shellcheck disable=SC2016 # nginx's variables, not the shell's
	sed -i 's/^worker_processes 1;/worker_processes 2;/; s|return 200 "\$server_addr \$uri\\n";|return 200 "0123456789abcde\\n";|' \
		"$HL_WORK/nginx/nginx.conf"
	sed -i 's/^\taccess_log .*/\taccess_log off;/' "$HL_WORK/nginx/nginx.conf"
	hl_stop_pid "$HL_NGINX_PID"
	ip netns exec hl-replica taskset -c $LB_LOAD_CPU nginx -c "$HL_WORK/nginx/nginx.conf" ||
		hl_fail "nginx did not start: $(cat "$HL_WORK/nginx/error.log")"
	HL_BG_PIDS+=("$(cat "$HL_WORK/nginx/nginx.pid")")
	hl_haproxy_config "$HL_WORK/haproxy.cfg" 8080
	hl_nginx_lb_config "$HL_WORK/nglb" 8080
}


# lb_target NAME: the balancer's address, A.B.C.D:PORT.
lb_target() {
	case $1 in
	hintlb) echo "$HL_VIP:80" ;;
	haproxy) echo "$HL_KERNEL0_IP:8081" ;;
	nginx) echo "$HL_KERNEL0_IP:8082" ;;
	*) hl_fail "lb_target: unknown balancer '$1'" ;;
	esac
}

# lb_start NAME: start balancer NAME (hintlb, haproxy or nginx) on LB_CPU
# and wait until it answers; its pid in LB_PID (hintlb: HL_PID too). Not in
# a $(...): the process must be this shell's child.
lb_start() {
	local url
	url="http://$(lb_target "$1")/"
	case $1 in
	hintlb)
		hl_write_config "$HL_WORK/hintlb.conf"
		sed -i 's/^idle = adaptive/idle = poll/' "$HL_WORK/hintlb.conf"
		# a sweep past saturation ends with connections in flight that nobody
		# will finish (hintgen on AF_XDP exits without FIN or RST): 1 s of the
		# graceful stop, not the default 10 (~10 s a round saved; exit 0 still)
		sed -i '/^\[ctrl\]$/a grace_ms = 1000' "$HL_WORK/hintlb.conf"
		hl_start "$HL_WORK/hintlb.conf"
		hl_wait_ready 30
		LB_PID=$HL_PID
		;;
	haproxy)
		nsenter --net=/run/netns/hl-lb -- taskset -c $LB_CPU haproxy -db -f "$HL_WORK/haproxy.cfg" \
			>"$HL_WORK/haproxy.log" 2>&1 &
		LB_PID=$!
		HL_BG_PIDS+=("$LB_PID")
		;;
	nginx)
		nsenter --net=/run/netns/hl-lb -- taskset -c $LB_CPU nginx -c "$HL_WORK/nglb/nginx.conf" ||
			hl_fail "nginx (balancer) did not start: $(cat "$HL_WORK/nglb/error.log")"
		LB_PID=$(cat "$HL_WORK/nglb/nginx.pid")
		HL_BG_PIDS+=("$LB_PID")
		;;
	*) hl_fail "lb_start: unknown balancer '$1'" ;;
	esac
	for _ in $(seq 50); do
		hl_client curl -s -m 1 -o /dev/null -H 'X-Fal-Runner-Hint: model-0' "$url" && return 0
		sleep 0.1
	done
	hl_fail "$1 does not answer on $url"
}

# lb_stop NAME: stop the balancer lb_start started (hintlb: it must exit 0
# on SIGTERM).
lb_stop() {
	case $1 in
	hintlb) hl_stop_clean 10 ;;
	haproxy)
		kill "$LB_PID"
		wait "$LB_PID" 2>/dev/null || true
		;;
	nginx) hl_stop_pid "$LB_PID" ;;
	esac
	LB_PID=
}

# lb_cpu_ticks PID: CPU time (utime + stime, clock ticks) of PID and its
# children (nginx: the master and its workers).
lb_cpu_ticks() {
	local p t=0
	for p in "$1" $(pgrep -P "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo $t
}
