#!/usr/bin/env bash
# The kernel keeps serving the same interface: with hintlb and its XDP
# program on hl0 and hl1, a TCP service bound to the kernel's own addresses in
# hl-lb (10.77.0.3 on hl0, 10.77.1.3 on hl1) still serves peers, and the
# kernel still answers ping. The XDP stage passes what is not hintlb's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
command -v curl >/dev/null || hl_fail "'curl' not installed"
hl_topo_up

# A kernel HTTP server in hl-lb, serving a file with a known body.
mkdir -p "$HL_WORK/www"
body="kernel-served-$$-$RANDOM"
printf '%s\n' "$body" >"$HL_WORK/www/index.txt"
# A larger body too, so the transfer spans many segments in both directions.
head -c 300000 /dev/urandom >"$HL_WORK/www/big.bin"
want_sum=$(sha256sum <"$HL_WORK/www/big.bin" | cut -d' ' -f1)
for addr in "$HL_KERNEL0_IP" "$HL_KERNEL1_IP"; do
	hl_bg ip netns exec hl-lb python3 -m http.server --bind "$addr" \
		--directory "$HL_WORK/www" 8000
done

hl_start
hl_wait_ready 30
[ -n "$(hl_xdp_prog hl-lb hl0)" ] || hl_fail "no XDP program on hl0"
[ -n "$(hl_xdp_prog hl-lb hl1)" ] || hl_fail "no XDP program on hl1"

passed0=$(hl_xdp_count hl0 ipv4_not_ours pass)

# curl_get NS URL: GET URL from NS (retrying while the server starts).
curl_get() {
	ip netns exec "$1" curl -sS --max-time 5 --retry 5 --retry-connrefused \
		--retry-delay 0 "$2"
}

got=$(curl_get hl-client "http://$HL_KERNEL0_IP:8000/index.txt") ||
	hl_fail "curl http://$HL_KERNEL0_IP:8000 from hl-client failed"
[ "$got" = "$body" ] || hl_fail "kernel server on hl0 returned '$got', want '$body'"
sum=$(curl_get hl-client "http://$HL_KERNEL0_IP:8000/big.bin" | sha256sum | cut -d' ' -f1)
[ "$sum" = "$want_sum" ] || hl_fail "300 kB body from kernel server on hl0 corrupted"
hl_log "kernel TCP service on $HL_KERNEL0_IP (hl0) serves hl-client"

got=$(curl_get hl-replica "http://$HL_KERNEL1_IP:8000/index.txt") ||
	hl_fail "curl http://$HL_KERNEL1_IP:8000 from hl-replica failed"
[ "$got" = "$body" ] || hl_fail "kernel server on hl1 returned '$got', want '$body'"
hl_log "kernel TCP service on $HL_KERNEL1_IP (hl1) serves hl-replica"

# The kernel's own ICMP, and hintlb's, side by side on one interface.
hl_client ping -c 3 -i 0.1 -W1 -q "$HL_KERNEL0_IP" >/dev/null ||
	hl_fail "kernel address $HL_KERNEL0_IP does not answer ping"
hl_client ping -c 3 -i 0.1 -W1 -q "$HL_VIP" >/dev/null ||
	hl_fail "VIP stopped answering ping"
# The kernel's traffic went through the XDP program and was passed.
d=$(($(hl_xdp_count hl0 ipv4_not_ours pass) - passed0))
[ $d -ge 10 ] || hl_fail "hl0 ipv4_not_ours/pass grew by only $d during the kernel's transfers"
hl_log "XDP ipv4_not_ours/pass on hl0: +$d"
hl_alive || hl_fail "hintlb exited"
echo "PASS"
