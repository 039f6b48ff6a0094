// SPDX-License-Identifier: BSD-3-Clause
/*
 * Loss and reordering injection for tests on a peer veth (this kernel has no
 * netem qdisc).
 *
 * Three programs, one set of maps (tests/integration/netem_ctl.c loads them,
 * pins maps and programs so all attach points share them, and fills the
 * cpumap; tests/integration/lib.sh hl_netem_up attaches them):
 *   - netem_xdp    (XDP, on the peer's veth): frames arriving there, i.e.
 *                  what the other end sent to the peer       -> direction 0
 *   - netem_tc     (tc clsact egress, same veth): frames the peer sends
 *                                                             -> direction 1
 *   - netem_cpumap (XDP on each netem_cpus entry): counts the frames of
 *                  direction 0 that come out of the cpumap (see below)
 * Attaching them on hlc0 covers both directions of client <-> hintlb
 * traffic without touching hl0, where hintlb's own XDP program sits.
 *
 * Only IPv4 TCP frames are candidates: ARP, ICMP (the readiness ping) and
 * everything else always pass, in order. A candidate is dropped with
 * probability netem_cfg[dir].loss_ppm / 1e6; one that is not dropped is
 * reordered with probability netem_cfg[dir].reorder_ppm / 1e6. The random
 * source is a per-CPU xorshift32 seeded from netem_cfg[dir].seed
 * (reproducible per CPU for a given sequence of frames), or
 * bpf_get_prandom_u32() when the seed is 0.
 *
 * Reordering means "delivered later than frames sent after it", nothing is
 * lost; XDP cannot hold a frame, so each direction sends its share down a
 * slower path:
 *   - direction 0: bpf_redirect_map() into the cpumap netem_cpus, entry of
 *     the next CPU (wrapping to CPU 0; netem_ctl fills one entry per online
 *     CPU). The frame is queued for that CPU's cpumap kthread, which builds
 *     the skb and hands it to the stack only after the veth's NAPI poll has
 *     flushed it (xdp_do_flush) and the kthread has been woken, while the
 *     frames behind it in the poll take XDP_PASS straight up. The delay is
 *     a scheduling one (microseconds), enough for the next frames of a
 *     burst to overtake it. A cpumap queue that is full drops the frame, so
 *     every entry carries netem_cpumap, which the kthread runs on each frame
 *     it takes off the queue, just before it builds the skb: it counts
 *     `late` and passes, and stats `late` must equal `reordered`. (Until
 *     2026-12 netem_xdp marked the frame with bpf_xdp_adjust_meta() and a tc
 *     ingress program counted the marks; Linux 6.18 as built for Firecracker
 *     refuses that helper in XDP programs, a cpumap program needs Linux 5.9.)
 *   - direction 1: netem_tc sets skb->priority to NETEM_SLOW_CLASS (1:2).
 *     That only reorders when the veth's root qdisc is HTB (handle 1:,
 *     no default class, so unmarked traffic takes HTB's unshaped direct
 *     queue) with a rate-limited class 1:2: its frames wait for tokens
 *     while later ones leave at once. hl_netem_up SLOW_RATE installs it;
 *     the qdisc's own stats show what it sent and dropped. The kernel has
 *     neither netem nor fq (nor sch_bpf), and no module support, so an EDT
 *     timestamp (skb->tstamp) would be ignored; HTB, TBF and FIFO are the
 *     qdiscs built in.
 *
 * tc egress runs before software segmentation: Linux TCP always builds GSO
 * skbs, even with `gso off` on the device (they are cut into MTU frames
 * after the qdisc). A dropped or reordered skb therefore takes all its
 * frames at once (a burst of up to gso_segs, kept in order among
 * themselves); each skb is picked with the configured probability, so the
 * expected share of wire frames is still the configured one, and the stats
 * count wire frames (gso_segs).
 *
 * Map layouts (bpftool writes them as raw little-endian bytes):
 *   netem_cfg   array[2] of struct netem_cfg
 *               {u32 loss_ppm; u32 seed; u32 reorder_ppm;}
 *   netem_stats percpu array[2] of struct netem_stats
 *               {u64 tcp; u64 dropped; u64 reordered; u64 late;}
 *               (wire frames; `late` in direction 0 only)
 *   netem_cpus  cpumap[NETEM_MAX_CPUS] of struct bpf_cpumap_val
 *               {u32 qsize; u32 prog fd (netem_cpumap's);}
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "parsing.h"

/* netem_cpus entries (filled by userspace, one per online CPU). */
#define NETEM_MAX_CPUS 64
/* The HTB class that delays what netem_tc reorders: 1:2. */
#define NETEM_SLOW_CLASS 0x00010002u
struct netem_cfg {
	__u32 loss_ppm;    /* drop probability, parts per million */
	__u32 seed;        /* 0: bpf_get_prandom_u32() */
	__u32 reorder_ppm; /* share of the frames not dropped sent the slow way */
};

struct netem_stats {
	__u64 tcp;       /* IPv4 TCP frames seen */
	__u64 dropped;   /* of which dropped */
	__u64 reordered; /* of which sent the slow way */
	__u64 late;      /* direction 0: slow-way frames that came out of the cpumap */
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

/* Direction 0's slow way: CPU -> {qsize, netem_cpumap}. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, NETEM_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} netem_cpus SEC(".maps");

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

enum netem_verdict {
	NETEM_PASS,
	NETEM_DROP,
	NETEM_REORDER,
};

/*
 * The fate of the frame [data, end) (from the Ethernet header on), which
 * stands for @p segs wire frames (a GSO skb at tc egress: decided whole).
 * Counts it as seen and, if so, dropped; *stp gets the stats of @p dir for
 * the caller to count a reordering it carried out (NULL: not a candidate).
 */
static __always_inline enum netem_verdict netem_decide(void *data, void *end, __u32 dir, __u32 segs,
						       struct netem_stats **stp)
{
	struct hl_cursor c = {.pos = data, .end = end};
	struct netem_stats *st;
	struct netem_cfg *cfg;
	struct iphdr *ip;
	__u16 proto = 0;

	*stp = NULL;
	if (!hl_parse_eth(&c, &proto) || proto != ETH_P_IP)
		return NETEM_PASS;
	ip = hl_parse_ipv4(&c);
	if (!ip || ip->protocol != IPPROTO_TCP)
		return NETEM_PASS;
	cfg = bpf_map_lookup_elem(&netem_cfg, &dir);
	st = bpf_map_lookup_elem(&netem_stats, &dir);
	if (!cfg || !st)
		return NETEM_PASS;
	*stp = st;
	st->tcp += segs;
	if (cfg->loss_ppm != 0 && netem_random(dir, cfg->seed) % 1000000u < cfg->loss_ppm) {
		st->dropped += segs;
		return NETEM_DROP;
	}
	if (cfg->reorder_ppm != 0 && netem_random(dir, cfg->seed) % 1000000u < cfg->reorder_ppm)
		return NETEM_REORDER;
	return NETEM_PASS;
}

/*
 * Send the frame to the cpumap entry of the next CPU (CPU 0 if there is
 * none). Returns XDP_REDIRECT, or XDP_PASS (in order) when netem_cpus has
 * neither entry.
 */
static __always_inline int netem_xdp_late(void)
{
	__u32 cpu = bpf_get_smp_processor_id() + 1;
	int act;

	act = bpf_redirect_map(&netem_cpus, cpu, XDP_PASS);
	if (act != XDP_REDIRECT)
		act = bpf_redirect_map(&netem_cpus, 0, XDP_PASS);
	return act == XDP_REDIRECT ? XDP_REDIRECT : XDP_PASS;
}

SEC("xdp")
int netem_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct netem_stats *st;

	switch (netem_decide(data, end, 0, 1, &st)) {
	case NETEM_DROP:
		return XDP_DROP;
	case NETEM_REORDER:
		if (netem_xdp_late() != XDP_REDIRECT)
			return XDP_PASS;
		if (st)
			st->reordered++;
		return XDP_REDIRECT;
	default:
		return XDP_PASS;
	}
}

SEC("tc")
int netem_tc(struct __sk_buff *skb)
{
	__u32 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	struct netem_stats *st;

	/* Ethernet + IPv4 without options in the linear part; fail open otherwise */
	if (bpf_skb_pull_data(skb, sizeof(struct ethhdr) + sizeof(struct iphdr)) != 0)
		return TC_ACT_OK;
	switch (netem_decide((void *)(long)skb->data, (void *)(long)skb->data_end, 1, segs, &st)) {
	case NETEM_DROP:
		return TC_ACT_SHOT;
	case NETEM_REORDER:
		skb->priority = NETEM_SLOW_CLASS;
		if (st)
			st->reordered += segs;
		return TC_ACT_OK;
	default:
		return TC_ACT_OK;
	}
}

/* The program of every netem_cpus entry: the cpumap kthread runs it on each
 * frame netem_xdp redirected, as it takes the frame off the queue and before
 * it builds the skb for the stack. Counts it late; always passes. */
SEC("xdp/cpumap")
int netem_cpumap(struct xdp_md *ctx)
{
	struct netem_stats *st;
	__u32 dir = 0;

	(void)ctx;
	st = bpf_map_lookup_elem(&netem_stats, &dir);
	if (st)
		st->late++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
