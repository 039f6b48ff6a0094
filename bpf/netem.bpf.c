// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loss injection for tests on a peer veth (this kernel has no netem).
 *
 * Two programs, one pair of maps (load with `bpftool prog loadall` and pin
 * the maps so both attach points share them; tests/integration/lib.sh
 * hl_netem_up does this):
 *   - netem_xdp  (XDP, on the peer's veth): frames arriving there, i.e. what
 *                the other end sent to the peer            -> direction 0
 *   - netem_tc   (tc clsact egress, same veth): frames the peer sends
 *                                                           -> direction 1
 * Attaching both on hlc0 covers both directions of client <-> hintlb traffic
 * without touching hl0, where hintlb's own XDP program sits.
 *
 * Only IPv4 TCP frames are candidates: ARP, ICMP (the readiness ping) and
 * everything else always pass. A candidate is dropped with probability
 * netem_cfg[dir].loss_ppm / 1e6. The random source is a per-CPU xorshift32
 * seeded from netem_cfg[dir].seed (reproducible per CPU for a given
 * sequence of frames), or bpf_get_prandom_u32() when the seed is 0.
 *
 * tc egress runs before software segmentation: Linux TCP always builds GSO
 * skbs, even with `gso off` on the device (they are cut into MTU frames
 * after the qdisc). A dropped skb therefore loses all its frames at once
 * (a burst of up to gso_segs); each skb is dropped with the configured
 * probability, so the expected share of wire frames lost is still the
 * configured one, and the stats count wire frames (gso_segs).
 *
 * Reordering is not offered: XDP can only pass, drop, redirect or bounce a
 * frame, never hold it, and tc can only delay with an EDT qdisc (fq) that
 * this test setup does not install. Loss already makes the receiver see
 * out-of-order arrival (every segment after a lost one, until the
 * retransmission) and duplicate ACKs, which is what the tests need.
 *
 * Map layouts (bpftool writes them as raw little-endian bytes):
 *   netem_cfg   array[2] of struct netem_cfg  {u32 loss_ppm; u32 seed;}
 *   netem_stats percpu array[2] of struct netem_stats {u64 tcp; u64 dropped;}
 *               (wire frames)
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"

struct netem_cfg {
	__u32 loss_ppm; /* drop probability, parts per million */
	__u32 seed;     /* 0: bpf_get_prandom_u32() */
};

struct netem_stats {
	__u64 tcp;     /* IPv4 TCP frames seen */
	__u64 dropped; /* of which dropped */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct netem_cfg);
} netem_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct netem_stats);
} netem_stats SEC(".maps");

/* xorshift32 state per CPU and direction; 0 means "not seeded yet". */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} netem_rng SEC(".maps");

static __always_inline __u32 netem_random(__u32 dir, __u32 seed)
{
	__u32 *s = bpf_map_lookup_elem(&netem_rng, &dir);
	__u32 x;

	if (!s || seed == 0)
		return bpf_get_prandom_u32();
	x = *s ? *s : seed ^ (bpf_get_smp_processor_id() * 0x9e3779b9u) ^ (dir << 16);
	if (x == 0)
		x = 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/*
 * 1: drop this frame ([data, end) from the Ethernet header on), which stands
 * for @p segs wire frames (a GSO skb at tc egress: dropped whole).
 */
static __always_inline int netem_decide(void *data, void *end, __u32 dir, __u32 segs)
{
	struct hl_cursor c = {.pos = data, .end = end};
	struct netem_stats *st;
	struct netem_cfg *cfg;
	struct iphdr *ip;
	__u16 proto = 0;

	if (!hl_parse_eth(&c, &proto) || proto != ETH_P_IP)
		return 0;
	ip = hl_parse_ipv4(&c);
	if (!ip || ip->protocol != IPPROTO_TCP)
		return 0;
	cfg = bpf_map_lookup_elem(&netem_cfg, &dir);
	st = bpf_map_lookup_elem(&netem_stats, &dir);
	if (!cfg || !st)
		return 0;
	st->tcp += segs;
	if (cfg->loss_ppm == 0 || netem_random(dir, cfg->seed) % 1000000u >= cfg->loss_ppm)
		return 0;
	st->dropped += segs;
	return 1;
}

SEC("xdp")
int netem_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return netem_decide(data, end, 0, 1) ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int netem_tc(struct __sk_buff *skb)
{
	/* Ethernet + IPv4 without options in the linear part; fail open otherwise */
	if (bpf_skb_pull_data(skb, sizeof(struct ethhdr) + sizeof(struct iphdr)) != 0)
		return TC_ACT_OK;
	return netem_decide((void *)(long)skb->data, (void *)(long)skb->data_end, 1,
			    skb->gso_segs > 1 ? skb->gso_segs : 1)
		       ? TC_ACT_SHOT
		       : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
