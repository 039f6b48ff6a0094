#!/usr/bin/env bash
# Smuggling and bad input through the proxy: every request the parser's
# table refuses (tests/unit/http1_cases_request.h, single-message cases with
# the default limits, dumped by http1_cases_dump) is sent to hintlb's VIP,
# half-closed, and must be answered with the table's status and closed —
# and nothing of any of them may reach a replica (hintreplica's own counters:
# not a connection). The same bytes go to HAProxy 2.6 (Debian's, in hl-lb on
# the kernel's address 10.77.0.3:8081, in front of nginx replicas) in the same
# run; both verdicts are printed as a table (docs/http1.md keeps a copy).
# A good request through both at the end shows the paths work.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v haproxy >/dev/null || hl_fail "'haproxy' not installed"
[ -x "${HL_HTTP1_CASES:-}" ] || hl_fail "http1_cases_dump not found (HL_HTTP1_CASES; meson test sets it)"
"$HL_HTTP1_CASES" >"$HL_WORK/cases.tsv"
n=$(wc -l <"$HL_WORK/cases.tsv")
[ "$n" -ge 50 ] || hl_fail "only $n refusal cases in the table"

hl_hintreplicas
hl_nginx_replicas 8081
hl_haproxy_config "$HL_WORK/haproxy.cfg" 8081
hl_bg nsenter --net=/run/netns/hl-lb -- haproxy -db -f "$HL_WORK/haproxy.cfg" >"$HL_WORK/haproxy.log" 2>&1
hl_start
hl_wait_ready 30
for _ in $(seq 50); do
	hl_client curl -s -m 1 -o /dev/null "http://$HL_KERNEL0_IP:8081/" && break
	sleep 0.1
done

hl_client python3 "$HL_ROOT/tests/integration/http_smuggle.py" "$HL_WORK/cases.tsv" "$HL_VIP:80" \
	>"$HL_WORK/hintlb.tsv" || hl_fail "http_smuggle.py against hintlb"
hl_client python3 "$HL_ROOT/tests/integration/http_smuggle.py" "$HL_WORK/cases.tsv" \
	"$HL_KERNEL0_IP:8081" >"$HL_WORK/haproxy.tsv" || hl_fail "http_smuggle.py against HAProxy"

# nothing of it reached a replica
for i in 1 2 3 4; do
	c=$(hl_replica_stat "$i" connections_accepted)
	[ "$c" -eq 1 ] || hl_fail "r$i accepted $((c - 1)) connections during the refusal cases"
done # (1: the /stats request itself)

python3 - "$HL_WORK/cases.tsv" "$HL_WORK/hintlb.tsv" "$HL_WORK/haproxy.tsv" >"$HL_WORK/table.md" <<'PY'
import sys
cases = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
hl = [l.split() for l in open(sys.argv[2])]
ha = [l.split() for l in open(sys.argv[3])]
bad, same = [], 0
print("| RFC | case | table | hintlb | HAProxy 2.6 |")
print("|---|---|---|---|---|")
for (sect, name, _, want), (_, hs, hc), (_, as_, ac) in zip(cases, hl, ha):
    status = want[1:4]
    if hs != status or hc != "closed":
        bad.append("%s: %s: hintlb %s %s, want %s closed" % (sect, name, hs, hc, status))
    h = hs + ("" if hc == "closed" else " (open)")
    a = {"-": "closed, no answer"}.get(as_, as_) + ("" if ac == "closed" else " (open)")
    if as_ == status:
        same += 1
    print("| %s | %s | %s | %s | %s |" % (sect, name.replace("|", "\\|"), want, h, a))
print()
print("%d cases; HAProxy gave the same status on %d" % (len(cases), same))
if len(hl) != len(cases) or len(ha) != len(cases):
    bad.append("answers for %d/%d of %d cases" % (len(hl), len(ha), len(cases)))
for b in bad:
    print("MISMATCH " + b)
PY
grep -q '^MISMATCH' "$HL_WORK/table.md" && hl_fail "$(grep '^MISMATCH' "$HL_WORK/table.md")"
cat "$HL_WORK/table.md" >&2
[ "$(hl_ctr http_req_rejected)" -eq "$n" ] || hl_fail "http_req_rejected $(hl_ctr http_req_rejected), want $n"

# and a good request passes both
hl_curl -f -o /dev/null "http://$HL_VIP/ok" || hl_fail "a good request through hintlb failed"
hl_curl -f -o /dev/null "http://$HL_KERNEL0_IP:8081/ok" || hl_fail "a good request through HAProxy failed"
[ "$(hl_replica_stat 1 requests)$(hl_replica_stat 2 requests)$(hl_replica_stat 3 requests)$(hl_replica_stat 4 requests)" != 0000 ] ||
	hl_fail "the good request reached no replica"
hl_log "$n refusal cases: hintlb answered each with the table's status and closed; no replica saw a byte"
hl_stop_clean 10
echo "PASS"
