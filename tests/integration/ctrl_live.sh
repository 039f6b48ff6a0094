#!/usr/bin/env bash
# Operating a daemon that carries traffic: while wrk sends requests through the
# proxy (16 connections, hints drawn from 16 models, every eighth without one),
# hintctl adds a replica, drains one, re-weights one, undrains, removes the one
# it added, reloads the config file (a replica brought back, weights, a
# timeout, the balance factor), is refused a reload that needs a restart
# (naming the key, applying nothing), and reloads the original file. Asserts:
#   - wrk: zero failed requests (no socket error, no non-2xx), and hintlb
#     counted no 5xx it answered itself;
#   - every change shows in `replica list` / `maglev` / `config` at once;
#   - `hintctl top -n 2` shows rates by routing reason and per replica;
#   - `hintctl route HINT` names the replica a request with that hint then
#     reaches (hint hits and unknown hints), `hints list` what replicas hold.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v wrk >/dev/null || hl_fail "'wrk' not installed"
SOCK=$HL_WORK/ctrl.sock
HINTCTL=$(dirname "$HL_HINTREPLICA")/../hintctl/hintctl
[ -x "$HINTCTL" ] || hl_fail "hintctl not found next to hintreplica ($HINTCTL)"
ctl() { "$HINTCTL" -s "$SOCK" "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

hl_hintreplicas --slots 8 --concurrency 16 --service-ms 2
ip -n hl-replica addr add 10.77.1.15/24 dev hlr0
hl_hintreplica 5 --slots 8 --concurrency 16 --service-ms 2
CONF=$HL_WORK/hintlb.conf
hl_write_config "$CONF"
sed -i "/^\[routing\]$/a explain_header = X-Route" "$CONF"
cp "$CONF" "$HL_WORK/original.conf"
hl_start "$CONF"
hl_wait_ready 30

cat >"$HL_WORK/hints.lua" <<'LUA'
math.randomseed(11)
local n = 0
request = function()
	n = n + 1
	if n % 8 == 0 then
		return wrk.format("GET", "/nohint")
	end
	return wrk.format("GET", "/", {["X-Fal-Runner-Hint"] = "m" .. math.random(1, 16)})
end
LUA
c0=$(hl_counters)
hl_client wrk -t2 -c16 -d24s --timeout 5s -s "$HL_WORK/hints.lua" "http://$HL_VIP/" \
	>"$HL_WORK/wrk.out" 2>&1 &
WRK=$!
HL_BG_PIDS+=("$WRK")
sleep 2

weight_of() { ctl --json replica list | jq_py "[r['weight'] for r in d['replicas'] if r['name'] == '$1'][0]"; }
state_of() { ctl --json replica list | jq_py "[r['state'] for r in d['replicas'] if r['name'] == '$1'][0]"; }

ctl replica add r5 10.77.1.15:8080 weight 1 >/dev/null || hl_fail "replica add r5"
sleep 2
[ "$(hl_replica_stat 5 requests)" -ge 1 ] || hl_fail "r5 took no request under load"
ctl replica drain r1 >/dev/null || hl_fail "drain r1"
[ "$(state_of r1)" = draining ] || hl_fail "r1 not draining"
sleep 2
ctl replica weight r2 3 >/dev/null || hl_fail "weight r2 3"
out=$(ctl --json maglev)
share() { jq_py "[r['share'] for r in d['replicas'] if r['name'] == '$1'][0]" <<<"$out"; }
python3 - "$(share r2)" "$(share r3)" <<'PY' || hl_fail "maglev: r2 (weight 3) $(share r2), r3 $(share r3)"
import sys
r2, r3 = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if 2.4 < r2 / r3 < 3.6 else 1)
PY
[ "$(jq_py 'd["size"]' <<<"$out")" = 65537 ] || hl_fail "maglev size: $out"
ctl maglev | grep -q '^r2 *3 ' || hl_fail "maglev table: $(ctl maglev)"
ctl top -n 2 >"$HL_WORK/top.out" || hl_fail "hintctl top"
grep -Eq '^  hint_hit +[1-9][0-9.]*$' "$HL_WORK/top.out" || hl_fail "top: no hint_hit rate: $(cat "$HL_WORK/top.out")"
grep -Eq '^r5 +[0-9.]+ ' "$HL_WORK/top.out" || hl_fail "top: no r5 row"
sleep 1
ctl replica undrain r1 >/dev/null || hl_fail "undrain r1"
sleep 1
ctl replica remove r5 >/dev/null || hl_fail "remove r5"
r5_removed=$(hl_replica_stat 5 requests)
sleep 2
hl_log "under load: r5 added, r1 drained and back, r2 weight 3, r5 removed"

# reload: r5 back at its address, r3 weight 2, r4 concurrency 4, a timeout, the factor
cp "$HL_WORK/original.conf" "$CONF"
sed -i '/^\[replica r3\]$/a weight = 2' "$CONF"
sed -i '/^\[replica r4\]$/a concurrency = 4' "$CONF"
sed -i 's/^balance_factor = 1.25$/balance_factor = 1.5/' "$CONF"
printf '[replica r5]\naddress = 10.77.1.15:8080\n[http]\nclient_idle_timeout_ms = 30000\n' >>"$CONF"
out=$(ctl reload) || hl_fail "reload: $out"
for want in '\[replica r5\] back' '\[replica r3\] weight: 1 -> 2' '\[replica r4\] concurrency: 1 -> 4' \
	'\[replica r2\] weight: 3 -> 1' '\[routing\] balance_factor: 1.25 -> 1.5' \
	'\[http\] client_idle_timeout_ms: 60000 -> 30000'; do
	grep -q "$want" <<<"$out" || hl_fail "reload did not say '$want': $out"
done
[ "$(weight_of r3)" = 2 ] && [ "$(weight_of r2)" = 1 ] && [ "$(state_of r5)" = up ] ||
	hl_fail "reload not applied: $(ctl replica list)"
ctl config | grep -q '^http client_idle_timeout_ms 30000$' || hl_fail "config does not show the reloaded timeout"
ctl config | grep -q '^routing balance_factor 1.5' || hl_fail "config does not show balance_factor 1.5"
sleep 2
[ "$(hl_replica_stat 5 requests)" -gt "$r5_removed" ] || hl_fail "r5 took nothing after the reload brought it back"

# a reload that needs a restart: refused, nothing applied
sed -i 's/^\[replica r3\]$/[replica r3]\nweight = 7/; s/^weight = 2$//' "$CONF"
printf '[tcp]\nmax_conns = 8192\n' >>"$CONF"
if out=$(ctl reload 2>&1); then hl_fail "a reload changing [tcp] max_conns was taken: $out"; fi
grep -q '\[tcp\] max_conns: 16384 -> 8192 needs a restart' <<<"$out" || hl_fail "refusal: '$out'"
[ "$(weight_of r3)" = 2 ] || hl_fail "a refused reload changed r3's weight"
# a replica's address cannot change under its name
cp "$HL_WORK/original.conf" "$CONF"
sed -i 's/^address = 10.77.1.14:8080$/address = 10.77.1.15:8080/' "$CONF"
if out=$(ctl reload 2>&1); then hl_fail "a replica's new address was taken: $out"; fi
grep -q '\[replica r4\] address: 10.77.1.14:8080 -> 10.77.1.15:8080' <<<"$out" || hl_fail "refusal: '$out'"
# the original file: r5 removed again, weights back
cp "$HL_WORK/original.conf" "$CONF"
out=$(ctl reload) || hl_fail "reload: $out"
grep -q '\[replica r5\] removed' <<<"$out" || hl_fail "reload of the original: $out"
hl_log "reload: applied, refused twice (naming the key), reverted"

wait "$WRK" || hl_fail "wrk: $(cat "$HL_WORK/wrk.out")"
c1=$(hl_counters)
d() { echo $(($(hl_ctr "$1" <(echo "$c1")) - $(hl_ctr "$1" <(echo "$c0")))); }
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$HL_WORK/wrk.out")
hl_log "wrk: $(grep -E 'requests in|Socket|Non-2xx|Requests/sec' "$HL_WORK/wrk.out" | tr -s ' ' | tr '\n' ';')"
! grep -Eq 'Socket errors|Non-2xx' "$HL_WORK/wrk.out" || hl_fail "failed requests: $(cat "$HL_WORK/wrk.out")"
[ "${total:-0}" -ge 1000 ] || hl_fail "wrk did only ${total:-0} requests"
[ "$(d http_resp_5xx)" -eq 0 ] || hl_fail "$(d http_resp_5xx) 5xx during the changes"
hl_log "zero failed requests of $total while replicas changed"

# ---- hintctl route agrees with where requests go ----
route_of() {
	hl_curl -i -H "X-Fal-Runner-Hint: $1" "http://$HL_VIP/" | tr -d '\r' |
		sed -n 's/^X-Route: replica=\([^;]*\);.*/\1/p'
}
agree=0
for h in m3 m7 fresh-a fresh-b fresh-c fresh-d fresh-e fresh-f; do
	want=$(ctl --json route "$h" | jq_py 'd["replica"] + " " + d["reason"]')
	got=$(route_of "$h")
	[ "${want%% *}" = "$got" ] || hl_fail "route $h: hintctl said '$want', the request went to '$got'"
	agree=$((agree + 1))
done
# no hint: the client's address is the Maglev key
want=$(ctl --json route client "$HL_CLIENT_IP" | jq_py 'd["replica"] + " " + d["reason"]')
got=$(hl_curl -i "http://$HL_VIP/" | tr -d '\r' | sed -n 's/^X-Route: replica=\([^;]*\);.*/\1/p')
[ "$want" = "$got fallback_nohint" ] || hl_fail "route client $HL_CLIENT_IP: hintctl said '$want', the request went to '$got'"
hl_log "hintctl route agreed with $((agree + 1)) requests (hits, unknown hints, no hint)"

# ---- hints list ----
out=$(ctl --json hints list r1)
held=$(jq_py '",".join(sorted(d["replicas"][0]["hints"]))' <<<"$out")
from_replica=$(hl_replica curl -s -m 5 http://10.77.1.11:8080/stats | jq_py '",".join(sorted(d["held"]))')
[ -n "$held" ] || hl_fail "hints list r1: $out"
[ "$held" = "$from_replica" ] || hl_fail "hints list r1 '$held', r1 itself says '$from_replica'"
ctl hints list | grep -Eq '^r2 +list +[a-z0-9-]+(,[a-z0-9-]+)*$' || hl_fail "hints list: $(ctl hints list)"
if ctl hints list nope 2>/dev/null; then hl_fail "hints list of an unknown replica succeeded"; fi
hl_log "hints list r1: $held (as r1 reports)"
hl_stop_clean
