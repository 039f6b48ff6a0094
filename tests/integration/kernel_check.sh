#!/usr/bin/env bash
# The start-up check of what a net_af_xdp port needs from the kernel
# (hl_xdp_kernel_check, docs/kernel.md): a start that cannot work stops
# before the EAL with exit status 3 and ONE line naming what is missing,
# never with a verifier dump alone; a start that can work is not held up.
#   - queue_count=2 on a one-queue veth: the line names the channels and
#     the ethtool command;
#   - an xdp_prog= object the verifier refuses on every kernel (a read past
#     the XDP context): the line names the object and the verifier's verdict;
#   - the real steer.bpf.o: ready.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
hl_init "$@"
hl_topo_up
command -v clang >/dev/null || hl_fail "'clang' not installed"

# expect_refusal CONF PATTERN: hintlb exits 3 at once, its first line
# matching PATTERN.
expect_refusal() {
	local conf=$1 pattern=$2 out rc=0
	out=$(timeout 30 nsenter --net=/run/netns/hl-lb -- "$HINTLB" --config "$conf" 2>&1) || rc=$?
	[ "$rc" -eq 3 ] || hl_fail "exit status $rc, not 3: $out"
	grep -q "hintlb: ready" <<<"$out" && hl_fail "started anyway: $out"
	head -n1 <<<"$out" | grep -Eq "$pattern" || hl_fail "first line does not say '$pattern': $out"
	[ "$(grep -c . <<<"$out")" -eq 1 ] || hl_fail "more than one line: $out"
	hl_log "refused in one line: $out"
}

hl_write_config "$HL_WORK/two-queues.conf"
sed -i 's/iface=hl0,/iface=hl0,queue_count=2,/' "$HL_WORK/two-queues.conf"
expect_refusal "$HL_WORK/two-queues.conf" \
	'^hintlb: \[port net_af_xdp0\]: hl0 has 1 combined channel\(s\), start_queue=0 \+ queue_count=2 needs 2 \(ethtool -L hl0 combined 2'

cat >"$HL_WORK/bad.bpf.c" <<'BPF'
#include <linux/bpf.h>
__attribute__((section("xdp"), used)) int bad(struct xdp_md *ctx)
{
	return *(volatile int *)((char *)ctx + 4096);
}
char LICENSE[] __attribute__((section("license"), used)) = "GPL";
BPF
clang -target bpf -O2 -g -I"/usr/include/$(gcc -print-multiarch)" -c "$HL_WORK/bad.bpf.c" \
	-o "$HL_WORK/bad.bpf.o" || hl_fail "clang -target bpf"
hl_write_config "$HL_WORK/bad-prog.conf"
sed -i "s|iface=hl0,xdp_prog=[^ ]*|iface=hl0,xdp_prog=$HL_WORK/bad.bpf.o|" "$HL_WORK/bad-prog.conf"
expect_refusal "$HL_WORK/bad-prog.conf" \
	"^hintlb: \[port net_af_xdp0\]: the kernel refused $HL_WORK/bad.bpf.o: .*(invalid bpf_context access|off=4096)"
[ -z "$(hl_xdp_prog hl-lb hl0)" ] || hl_fail "a refused start left an XDP program on hl0"

hl_write_config "$HL_WORK/hintlb.conf"
hl_start "$HL_WORK/hintlb.conf"
hl_wait_ready 30
hl_client ping -c 2 -i 0.2 -W1 -q "$HL_VIP" >/dev/null || hl_fail "VIP does not answer"
hl_stop_clean 5
echo "PASS"
