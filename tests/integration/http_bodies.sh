#!/usr/bin/env bash
# Request bodies through the proxy, checked at the replica: hintreplica
# (tools/hintreplica) answers every request that has a body with the bytes
# it received (X-Body-Bytes) and their CRC-32 (X-Body-Crc32), which must be
# the client's. Content-Length and chunked, 1 MiB and 100 MiB (streamed:
# hintlb never holds a body whole, and its receive window is the only
# buffer); Expect: 100-continue answered by the replica's 100 passed on;
# keep-alive after a body (the next request on the same connections).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
hl_hintreplicas --slots 4

hl_write_config "$HL_WORK/hintlb.conf"
hl_start "$HL_WORK/hintlb.conf"
hl_wait_ready 30

crc() { python3 -c 'import sys, zlib; print("0x%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"; }

# post NAME FILE [CURL ARGS...]: POST FILE, check the replica's count and CRC
post() {
	local name=$1 file=$2 out bytes want_crc t0=$SECONDS
	shift 2
	want_crc=$(crc "$file")
	bytes=$(stat -c %s "$file")
	out=$(hl_client curl -s -m 120 -D - -o /dev/null -X POST --data-binary "@$file" "$@" \
		"http://$HL_VIP/upload") || hl_fail "$name: no answer"
	grep -q '^HTTP/1.1 200' <<<"$out" || hl_fail "$name: $out"
	grep -qi "^x-body-bytes: $bytes" <<<"$out" ||
		hl_fail "$name: the replica got $(grep -i '^x-body-bytes' <<<"$out" | tr -d '\r') of $bytes bytes"
	grep -qi "^x-body-crc32: $want_crc" <<<"$out" ||
		hl_fail "$name: CRC at the replica $(grep -i '^x-body-crc32' <<<"$out" | tr -d '\r'), want $want_crc"
	hl_log "$name: $bytes bytes intact at $(grep -i '^x-replica:' <<<"$out" | tr -d '\r') in $((SECONDS - t0)) s"
}

head -c $((1 << 20)) /dev/urandom >"$HL_WORK/1m"
head -c $((100 << 20)) /dev/urandom >"$HL_WORK/100m"
post "content-length 1 MiB" "$HL_WORK/1m" -H 'Expect:'
post "chunked 1 MiB" "$HL_WORK/1m" -H 'Transfer-Encoding: chunked' -H 'Expect:'
post "content-length 100 MiB" "$HL_WORK/100m" -H 'Expect:'
post "chunked 100 MiB" "$HL_WORK/100m" -H 'Transfer-Encoding: chunked' -H 'Expect:'

# Expect: 100-continue (curl sends it for bodies over 1 KiB and waits for the 100)
out=$(hl_client curl -s -m 30 -v -X POST --data-binary "@$HL_WORK/1m" -H 'Expect: 100-continue' \
	-o /dev/null "http://$HL_VIP/continue" 2>&1) || hl_fail "100-continue: $out"
grep -q '< HTTP/1.1 100' <<<"$out" || hl_fail "100-continue: no 100 passed on: $out"
grep -q '< HTTP/1.1 200' <<<"$out" || hl_fail "100-continue: no final response: $out"
hl_log "100-continue: the replica's 100 reached the client, then 200"
c=$(hl_ctr http_resp_1xx)
[ "$c" -ge 1 ] || hl_fail "http_resp_1xx = $c"

# a body, then more requests on the same connection
out=$(hl_client curl -s -m 30 -X POST --data-binary "@$HL_WORK/1m" -H 'Expect:' -o /dev/null \
	-w '%{http_code} %{num_connects}\n' "http://$HL_VIP/b1" --next -w '%{http_code} %{num_connects}\n' \
	-o /dev/null "http://$HL_VIP/b2") || hl_fail "body + keep-alive: $out"
[ "$out" = "$(printf '200 1\n200 0')" ] || hl_fail "body + keep-alive: '$out'"

[ "$(hl_ctr http_resp_5xx)" -eq 0 ] || hl_fail "5xx: $(hl_ctr http_resp_5xx)"
[ "$(hl_ctr http_early_response)" -eq 0 ] || hl_fail "early responses: $(hl_ctr http_early_response)"
hl_stop_clean 10
echo "PASS"
