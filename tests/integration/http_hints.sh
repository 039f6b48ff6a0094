#!/usr/bin/env bash
# Hint routing end to end, against hintreplica replicas that advertise what
# they hold on every response (an LRU of K models, as fal's SDK does). The
# explain field ([routing] explain_header) says which replica took each
# request and why; hintlb's report says what it learned per replica.
#   A. four replicas: before any response every replica's hints are
#      `none`; after an unhinted request the replica that answered is
#      `empty` (a generalist holding nothing); a hinted request nobody holds
#      is `fallback_hint`, the replica loads the model and advertises it, the
#      next request for it is a `hint_hit` on the same replica; the hints
#      field never reaches the client; the apply latency is reported
#   B. one replica, one slot: a new list replaces the old (m1 hit, then m2
#      loaded, then m1 is no hit any more)
#   C. replicas without hints (--no-hints): each unknown hint lands on the
#      same replica every time (Maglev of the hint), and they stay `none`
#   D. a hot model: concurrent requests for a model one replica holds, with
#      slow service: the advertiser's queue grows, requests spill
#      (route_hint_spill) and a second replica serves it
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up

EXPLAIN=X-Hintlb-Route
# ask HINT PATH: "REPLICA REASON" of one request (REASON from the explain field)
ask() {
	local out
	out=$(hl_curl -i ${1:+-H "X-Fal-Runner-Hint: $1"} "http://$HL_VIP/${2:-x}") ||
		hl_fail "request (hint '$1') got no answer"
	grep -q '^HTTP/1.1 200' <<<"$out" || hl_fail "hint '$1': $out"
	grep -qi '^x-fal-runner-hints' <<<"$out" && hl_fail "the hints field reached the client: $out"
	sed -n "s/^$EXPLAIN: replica=\\([^;]*\\); reason=\\([a-z_]*\\).*/\\1 \\2/ip" <<<"$out" | tr -d '\r'
}
expect() { # expect HINT REPLICA REASON: the request goes there for that reason
	local got
	got=$(ask "$1")
	[ "$got" = "$2 $3" ] || hl_fail "hint '$1': went '$got', want '$2 $3'"
	hl_log "hint '$1' -> $got"
}
explain() { sed -i "/^\[routing\]\$/a explain_header = $EXPLAIN" "$1"; }
start() { # start [POLICY]: the standard config with the explain field (and [routing] policy)
	hl_write_config "$HL_WORK/hintlb.conf"
	explain "$HL_WORK/hintlb.conf"
	[ -z "${1:-}" ] || sed -i "/^\[routing\]\$/a policy = $1" "$HL_WORK/hintlb.conf"
	hl_start "$HL_WORK/hintlb.conf"
	hl_wait_ready 30
}
kind() { hl_report_get replica "$1" hints_kind; }

# ---- A ----
hl_hintreplicas --slots 2 --load-ms 20
start
for r in r1 r2 r3 r4; do
	[ "$(kind $r)" = none ] || hl_fail "A: $r is '$(kind $r)' before any response, want none"
done
read -r first reason <<<"$(ask "" plain)"
[ "$reason" = fallback_nohint ] || hl_fail "A: an unhinted request went for '$reason'"
sleep 0.1
[ "$(kind "$first")" = empty ] || hl_fail "A: $first answered with an empty list, is '$(kind "$first")'"
read -r home reason <<<"$(ask m1)"
[ "$reason" = fallback_hint ] || hl_fail "A: a hint nobody holds went for '$reason'"
sleep 0.1
[ "$(kind "$home")" = list ] || hl_fail "A: $home holds m1 now, its hints are '$(kind "$home")'"
expect m1 "$home" hint_hit
expect m1 "$home" hint_hit
lat=$(hl_report_get ctrl hints_apply_ns_p50)
[ "${lat:-0}" -gt 0 ] || hl_fail "A: no hint-apply latency reported"
hl_log "A: hint lists applied (worker -> control thread -> router) in <= $lat ns (p50 bucket)," \
	"max $(hl_report_get ctrl hints_apply_ns_max) ns; unchanged lists: $(hl_ctr hints_unchanged)"
[ "$(hl_ctr hints_unchanged)" -ge 1 ] || hl_fail "A: no response list was recognised as unchanged"
hl_stop_clean 10
for i in 1 2 3 4; do kill "${HL_REPLICA_PIDS[$i]}"; done
wait "${HL_REPLICA_PIDS[@]}" 2>/dev/null || true

# ---- B: one replica, one slot ----
hl_hintreplica 1 --slots 1
hl_write_config "$HL_WORK/one.conf"
sed -i '/^\[replica r[234]\]/,/^address/d' "$HL_WORK/one.conf"
explain "$HL_WORK/one.conf"
hl_start "$HL_WORK/one.conf"
hl_wait_ready 30
expect m1 r1 fallback_hint
expect m1 r1 hint_hit
expect m2 r1 fallback_hint
expect m2 r1 hint_hit
expect m1 r1 fallback_hint # r1's list is [m2] now: m1 was replaced
[ "$(hl_report_get replica r1 hints)" = 1 ] || hl_fail "B: r1 holds $(hl_report_get replica r1 hints) hints, want 1"
hl_stop_clean 10
kill "${HL_REPLICA_PIDS[1]}"
wait "${HL_REPLICA_PIDS[1]}" 2>/dev/null || true

# ---- C: replicas without hints ----
hl_hintreplicas --no-hints
start
for h in u1 u2 u3 u4 u5 u6 u7 u8; do
	read -r r reason <<<"$(ask "$h")"
	[ "$reason" = fallback_hint ] || hl_fail "C: '$h' went for '$reason'"
	for _ in 1 2; do
		[ "$(ask "$h")" = "$r fallback_hint" ] || hl_fail "C: '$h' left $r"
	done
	echo "$r"
done >"$HL_WORK/c.homes"
hl_log "C: 8 unknown hints, 3 requests each, each on one replica: $(sort "$HL_WORK/c.homes" | uniq -c | tr -s ' ' | tr '\n' ';')"
[ "$(sort -u "$HL_WORK/c.homes" | wc -l)" -ge 2 ] || hl_fail "C: all 8 hints on one replica"
for r in r1 r2 r3 r4; do
	[ "$(kind $r)" = none ] || hl_fail "C: $r (--no-hints) is '$(kind $r)'"
done
hl_stop_clean 10
for i in 1 2 3 4; do kill "${HL_REPLICA_PIDS[$i]}"; done
wait "${HL_REPLICA_PIDS[@]}" 2>/dev/null || true

# ---- D: a hot model spills ----
# burst POLICY: 12 concurrent requests for a model one replica holds
burst() {
	local policy=$1 home s0 s1 servers pids=()
	read -r home _ <<<"$(ask hot)"
	s0=$(hl_ctr route_hint_spill)
	for i in $(seq 12); do
		ask hot >"$HL_WORK/d.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	s1=$(hl_ctr route_hint_spill)
	servers=$(awk '{print $1}' "$HL_WORK"/d.* | sort -u | wc -l)
	hl_log "D ($policy): 12 concurrent requests for 'hot' (held by $home):" \
		"$(awk '{print $1, $2}' "$HL_WORK"/d.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
		"route_hint_spill +$((s1 - s0))"
	[ $((s1 - s0)) -ge 1 ] || hl_fail "D ($policy): nothing spilled"
	[ "$servers" -ge 2 ] || hl_fail "D ($policy): only one replica served the hot model"
	grep -q hint_spill "$HL_WORK"/d.* || hl_fail "D ($policy): no response explains a spill"
}
hl_hintreplicas --slots 2 --load-ms 50 --service-ms 200
# bounded: the advertiser over the bounded-load cap spills at once
start bounded
burst bounded
hl_stop_clean 10
# ect (the default) learns service and load times from responses: after a
# few cold loads it knows waiting behind the queue costs more than a load
start
for m in w1 w2 w3 w4 w5 w6; do ask "$m" >/dev/null; done
burst ect
hl_stop_clean 10
echo "PASS"
