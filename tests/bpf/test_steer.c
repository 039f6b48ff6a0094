/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP stage (bpf/steer.bpf.o, loaded through its skeleton) run by the
 * kernel with BPF_PROG_TEST_RUN over a table of frames: (frame in, expected
 * verdict, expected reason). Each row also asserts the per-CPU counters moved
 * by exactly one packet of that length in the (reason, verdict) cell and
 * nowhere else.
 *
 * xsks_map is empty here (an AF_XDP socket needs a bound interface queue), so
 * frames steered to AF_XDP take bpf_redirect_map()'s fallback: verdict PASS,
 * counted under their steering reason (arp_ours / ipv4_ours). That is the
 * production behaviour for a queue without a socket; the redirect itself is
 * checked on a veth with DPDK (docs/xdp.md). Needs root; skips otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hintlb/xdp.h" /* the bucket helpers and hl_xdp_kernel_check_bpf() */
#include "steer.skel.h"
#include "steer_pkts.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct steer_bpf *skel;
static int ncpus;

/* ---- frames ---------------------------------------------------------- */

static size_t b_arp_self(uint8_t *p)
{
	return build_arp_request(p, ADDR_OTHER, ADDR_SELF);
}

static size_t b_arp_vip(uint8_t *p)
{
	return build_arp_request(p, ADDR_CLIENT, ADDR_VIP);
}

static size_t b_arp_reply_to_self(uint8_t *p)
{
	size_t n = put_eth(p, ETH_P_ARP);

	return n + put_arp(p + n, 2, ADDR_OTHER, ADDR_SELF);
}

static size_t b_arp_kernel(uint8_t *p)
{
	return build_arp_request(p, ADDR_OTHER, ADDR_KERNEL);
}

static size_t b_arp_from_denied(uint8_t *p)
{
	return build_arp_request(p, ADDR_DENIED, ADDR_VIP);
}

static size_t b_arp_not_ipv4(uint8_t *p) /* plen 16: not Ethernet/IPv4 ARP */
{
	size_t n = build_arp_request(p, ADDR_OTHER, ADDR_VIP);

	p[ETH_HLEN + 5] = 16;
	return n;
}

static size_t b_tcp_vip(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_VIP, 0);
}

static size_t b_tcp_self(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_SELF, 0);
}

static size_t b_tcp_kernel(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_KERNEL, 0);
}

static size_t b_udp_vip(uint8_t *p)
{
	size_t n = put_eth(p, ETH_P_IP);

	n += put_ipv4(p + n, ADDR_CLIENT, ADDR_VIP, 17 /* UDP */, 0, 8 + 32);
	return n + put_udp(p + n, 5353, 53, 32);
}

static size_t b_opts_vip(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_VIP, 2);
}

static size_t b_opts_max_vip(uint8_t *p) /* ihl 15: 40 bytes of options */
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_VIP, 10);
}

static size_t b_opts_kernel(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_CLIENT, ADDR_KERNEL, 2);
}

static size_t b_bad_csum_vip(uint8_t *p) /* XDP leaves checksums to the dataplane */
{
	size_t n = b_tcp_vip(p);

	p[ETH_HLEN + 10] ^= 0xff;
	return n;
}

static size_t b_fragment_vip(uint8_t *p) /* MF set: reassembly is the dataplane's */
{
	size_t n = b_tcp_vip(p);

	put_be16(p + ETH_HLEN + 6, 0x2000);
	return n;
}

static size_t b_padded_vip(uint8_t *p) /* 54 bytes padded to the 60-byte minimum */
{
	size_t n = b_tcp_vip(p);

	memset(p + n, 0, 60 - n);
	return 60;
}

static size_t b_l4_truncated_vip(uint8_t *p) /* tot_len covers 4 bytes of TCP */
{
	size_t n = put_eth(p, ETH_P_IP);

	n += put_ipv4(p + n, ADDR_CLIENT, ADDR_VIP, 6, 0, 4);
	put_tcp(p + n, 40000, 80, 0x02);
	return n + 4;
}

static size_t b_vlan_vip(uint8_t *p) /* 802.1Q VLAN 100 around TCP to the VIP */
{
	size_t n = put_eth(p, ETH_P_8021Q);

	n += put_be16(p + n, 100);
	n += put_be16(p + n, ETH_P_IP);
	n += put_ipv4(p + n, ADDR_CLIENT, ADDR_VIP, 6, 0, 20);
	return n + put_tcp(p + n, 40000, 80, 0x02);
}

static size_t b_qinq_vip(uint8_t *p)
{
	size_t n = b_vlan_vip(p);

	put_be16(p + 12, ETH_P_8021AD);
	return n;
}

static size_t b_ipv6(uint8_t *p)
{
	size_t n = put_eth(p, ETH_P_IPV6);

	memset(p + n, 0, 40);
	p[n] = 0x60;
	p[n + 6] = 59; /* no next header */
	p[n + 7] = 64;
	return n + 40;
}

static size_t b_lldp(uint8_t *p)
{
	size_t n = put_eth(p, 0x88cc);

	memset(p + n, 0, 32);
	return n + 32;
}

static size_t b_denied_vip(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_DENIED, ADDR_VIP, 0);
}

static size_t b_denied_self(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_DENIED, ADDR_SELF, 0);
}

static size_t b_denied_host_vip(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_DENY_ONE, ADDR_VIP, 0);
}

static size_t b_near_denied_vip(uint8_t *p)
{
	return build_tcp_syn(p, ADDR_NEAR, ADDR_VIP, 0);
}

static size_t b_denied_kernel(uint8_t *p) /* the deny list guards hintlb only */
{
	return build_tcp_syn(p, ADDR_DENIED, ADDR_KERNEL, 0);
}

static size_t b_bad_version(uint8_t *p)
{
	size_t n = b_tcp_vip(p);

	p[ETH_HLEN] = 0x65;
	return n;
}

static size_t b_ihl_4(uint8_t *p)
{
	size_t n = b_tcp_vip(p);

	p[ETH_HLEN] = 0x44;
	return n;
}

static size_t b_ihl_past_frame(uint8_t *p) /* ihl 15 = 60 bytes, 40 in the frame */
{
	size_t n = b_tcp_vip(p);

	p[ETH_HLEN] = 0x4f;
	return n;
}

static size_t b_ihl_past_frame_kernel(uint8_t *p) /* malformed is dropped for anyone */
{
	size_t n = b_tcp_kernel(p);

	p[ETH_HLEN] = 0x4f;
	return n;
}

static size_t b_totlen_short(uint8_t *p) /* tot_len 16 < 20-byte header */
{
	size_t n = b_tcp_vip(p);

	put_be16(p + ETH_HLEN + 2, 16);
	return n;
}

static size_t b_totlen_long(uint8_t *p) /* tot_len 1500, 40 bytes present */
{
	size_t n = b_tcp_vip(p);

	put_be16(p + ETH_HLEN + 2, 1500);
	return n;
}

/* ---- the table ----------------------------------------------------------- */

struct steer_case {
	const char *name;
	size_t (*build)(uint8_t *p);
	size_t cut; /* 0: the whole frame, else only its first cut bytes */
	uint32_t verdict;
	uint32_t reason;
};

#define PASS     HL_XDP_V_PASS
#define DROP     HL_XDP_V_DROP
#define R(name)  HL_XDP_R_##name
#define ETH      ETH_HLEN
#define IPV4_MIN 20

static const struct steer_case cases[] = {
	/* ARP */
	{"arp request for the dataplane address", b_arp_self, 0, PASS, R(ARP_OURS)},
	{"arp request for the vip", b_arp_vip, 0, PASS, R(ARP_OURS)},
	{"arp reply to the dataplane address", b_arp_reply_to_self, 0, PASS, R(ARP_OURS)},
	{"arp from a denied source for the vip", b_arp_from_denied, 0, PASS, R(ARP_OURS)},
	{"arp request for the kernel address", b_arp_kernel, 0, PASS, R(ARP_NOT_OURS)},
	{"arp that is not ethernet/ipv4", b_arp_not_ipv4, 0, PASS, R(ARP_NOT_OURS)},
	/* IPv4 to us and not */
	{"tcp syn to the vip", b_tcp_vip, 0, PASS, R(IPV4_OURS)},
	{"tcp syn to the dataplane address", b_tcp_self, 0, PASS, R(IPV4_OURS)},
	{"udp to the vip", b_udp_vip, 0, PASS, R(IPV4_OURS)},
	{"tcp to the kernel address, same interface", b_tcp_kernel, 0, PASS, R(IPV4_NOT_OURS)},
	{"ipv4 with options to the vip", b_opts_vip, 0, PASS, R(IPV4_OURS)},
	{"ipv4 with 40 bytes of options to the vip", b_opts_max_vip, 0, PASS, R(IPV4_OURS)},
	{"ipv4 with options to the kernel", b_opts_kernel, 0, PASS, R(IPV4_NOT_OURS)},
	{"ipv4 bad header checksum to the vip", b_bad_csum_vip, 0, PASS, R(IPV4_OURS)},
	{"ipv4 fragment to the vip", b_fragment_vip, 0, PASS, R(IPV4_OURS)},
	{"ethernet padding after tot_len", b_padded_vip, 0, PASS, R(IPV4_OURS)},
	{"truncated tcp header inside tot_len", b_l4_truncated_vip, 0, PASS, R(IPV4_OURS)},
	/* other ethertypes */
	{"802.1q tagged tcp to the vip", b_vlan_vip, 0, PASS, R(VLAN)},
	{"802.1ad tagged tcp to the vip", b_qinq_vip, 0, PASS, R(VLAN)},
	{"ipv6", b_ipv6, 0, PASS, R(IPV6)},
	{"lldp", b_lldp, 0, PASS, R(NOT_IP)},
	/* deny list */
	{"denied /24 source to the vip", b_denied_vip, 0, DROP, R(DENIED)},
	{"denied /24 source to the dataplane address", b_denied_self, 0, DROP, R(DENIED)},
	{"denied /32 source to the vip", b_denied_host_vip, 0, DROP, R(DENIED)},
	{"source next to the denied /24", b_near_denied_vip, 0, PASS, R(IPV4_OURS)},
	{"denied source to the kernel address", b_denied_kernel, 0, PASS, R(IPV4_NOT_OURS)},
	/* malformed IPv4 */
	{"ipv4 version 6", b_bad_version, 0, DROP, R(IPV4_BAD_VERSION)},
	{"ipv4 ihl 4", b_ihl_4, 0, DROP, R(IPV4_BAD_IHL)},
	{"ipv4 ihl past the frame", b_ihl_past_frame, 0, DROP, R(IPV4_BAD_IHL)},
	{"ipv4 ihl past the frame, to the kernel", b_ihl_past_frame_kernel, 0, DROP,
	 R(IPV4_BAD_IHL)},
	{"ipv4 tot_len below the header", b_totlen_short, 0, DROP, R(IPV4_BAD_LENGTH)},
	{"ipv4 tot_len past the frame", b_totlen_long, 0, DROP, R(IPV4_BAD_LENGTH)},
	/* truncated at every layer */
	{"ethernet header only, arp", b_arp_self, ETH, DROP, R(MALFORMED_ARP)},
	{"arp cut inside the fixed header", b_arp_self, ETH + 7, DROP, R(MALFORMED_ARP)},
	{"arp fixed header, no addresses", b_arp_self, ETH + 8, DROP, R(MALFORMED_ARP)},
	{"arp cut in the target address", b_arp_self, ETH + 27, DROP, R(MALFORMED_ARP)},
	{"ethernet header only, vlan", b_vlan_vip, ETH, DROP, R(MALFORMED_VLAN)},
	{"vlan tag cut", b_vlan_vip, ETH + 3, DROP, R(MALFORMED_VLAN)},
	{"vlan tag only", b_vlan_vip, ETH + 4, PASS, R(VLAN)},
	{"ethernet header only, ipv4", b_tcp_vip, ETH, DROP, R(IPV4_TRUNCATED)},
	{"ipv4 cut in the fixed header", b_tcp_vip, ETH + IPV4_MIN - 1, DROP, R(IPV4_TRUNCATED)},
	{"ipv4 cut in the options", b_opts_vip, ETH + 27, DROP, R(IPV4_BAD_IHL)},
	{"ipv4 cut in the payload", b_tcp_vip, ETH + 39, DROP, R(IPV4_BAD_LENGTH)},
	{"ethernet header only, ipv6", b_ipv6, ETH, PASS, R(IPV6)},
};

/* ---- helpers ------------------------------------------------------------- */

static void read_counters(struct hl_xdp_count tot[HL_XDP_COUNTERS_MAX])
{
	struct hl_xdp_count percpu[ncpus];
	int fd = bpf_map__fd(skel->maps.hl_counters);

	for (uint32_t i = 0; i < HL_XDP_COUNTERS_MAX; i++) {
		assert_int_equal(bpf_map_lookup_elem(fd, &i, percpu), 0);
		tot[i].packets = tot[i].bytes = 0;
		for (int c = 0; c < ncpus; c++) {
			tot[i].packets += percpu[c].packets;
			tot[i].bytes += percpu[c].bytes;
		}
	}
}

/* Run len bytes of frame repeat times; returns the program's verdict and
 * asserts the counters moved by repeat packets in (reason, verdict) only. */
static uint32_t run_and_count(const uint8_t *frame, size_t len, int repeat, uint32_t reason)
{
	struct hl_xdp_count before[HL_XDP_COUNTERS_MAX], after[HL_XDP_COUNTERS_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
		    .repeat = repeat);
	uint32_t want;

	read_counters(before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.hl_steer), &o), 0);
	read_counters(after);
	want = hl_xdp_counter_idx(reason, o.retval);
	for (uint32_t i = 0; i < HL_XDP_COUNTERS_MAX; i++) {
		uint64_t dp = after[i].packets - before[i].packets;
		uint64_t db = after[i].bytes - before[i].bytes;

		if (i == want) {
			assert_int_equal(dp, (uint64_t)repeat);
			assert_int_equal(db, (uint64_t)repeat * len);
		} else if (dp || db) {
			fail_msg("counter (%s, %s) moved: +%" PRIu64 " packets",
				 hl_xdp_reason_name(i / HL_XDP_VERDICT_MAX),
				 hl_xdp_verdict_name(i % HL_XDP_VERDICT_MAX), dp);
		}
	}
	return o.retval;
}

static void map_put(struct bpf_map *m, const void *key, size_t klen)
{
	uint32_t one = 1;

	assert_int_equal(bpf_map__update_elem(m, key, klen, &one, sizeof(one), BPF_ANY), 0);
}

/* Add or remove one of hintlb's addresses, as hl_xdp_add_addr() does. */
static void addr_set(uint32_t addr, bool add)
{
	struct hl_xdp_addr_bucket b;
	uint32_t key = hl_xdp_addr_bucket_of(addr);

	assert_int_equal(
		bpf_map__lookup_elem(skel->maps.hl_addrs, &key, sizeof(key), &b, sizeof(b), 0), 0);
	assert_int_equal(add ? hl_xdp_bucket_add(&b, addr) : hl_xdp_bucket_del(&b, addr), 0);
	assert_int_equal(bpf_map__update_elem(skel->maps.hl_addrs, &key, sizeof(key), &b, sizeof(b),
					      BPF_ANY),
			 0);
}

static void deny(uint32_t addr, uint32_t len)
{
	struct hl_xdp_deny_key k = {.prefixlen = len, .addr = addr};

	map_put(skel->maps.hl_deny, &k, sizeof(k));
}

/* ---- tests --------------------------------------------------------------- */

static void test_case(void **state)
{
	const struct steer_case *c = *state;
	uint8_t frame[PKT_MAX];
	size_t len = c->build(frame);
	uint32_t intended;

	if (c->cut) {
		assert_true(c->cut < len);
		len = c->cut;
	}
	/* The table agrees with xdp_abi.h (steering falls back to PASS here). */
	intended = hl_xdp_reason_verdict(c->reason);
	assert_int_equal(intended == HL_XDP_V_REDIRECT ? HL_XDP_V_PASS : intended, c->verdict);
	assert_int_equal(run_and_count(frame, len, 1, c->reason), c->verdict);
}

static void test_repeat_counts_every_run(void **state)
{
	uint8_t frame[PKT_MAX];
	size_t len = b_tcp_vip(frame);

	(void)state;
	assert_int_equal(run_and_count(frame, len, 1000, HL_XDP_R_IPV4_OURS), XDP_PASS);
}

/* The kernel refuses test-run frames shorter than an Ethernet header (and no
 * driver delivers one), so MALFORMED_ETH is defence in depth, untestable here. */
static void test_shorter_than_ethernet_refused(void **state)
{
	uint8_t frame[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = ETH_HLEN - 1);

	(void)state;
	b_tcp_vip(frame);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.hl_steer), &o),
			 -EINVAL);
}

/* The daemon changes the maps at run time: removing an address stops steering
 * it at once, removing a deny prefix lets the source in. */
static void test_map_updates_take_effect(void **state)
{
	struct hl_xdp_deny_key k = {.prefixlen = 24, .addr = ADDR_DENY_NET};
	uint32_t vip = ADDR_VIP;
	uint8_t frame[PKT_MAX];
	size_t len;

	(void)state;
	len = b_tcp_vip(frame);
	addr_set(vip, false);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_IPV4_NOT_OURS), XDP_PASS);
	len = b_arp_vip(frame);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_ARP_NOT_OURS), XDP_PASS);
	addr_set(vip, true);

	len = b_denied_vip(frame);
	assert_int_equal(bpf_map__delete_elem(skel->maps.hl_deny, &k, sizeof(k), 0), 0);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_IPV4_OURS), XDP_PASS);
	deny(ADDR_DENY_NET, 24);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_DENIED), XDP_DROP);
}

/* Every way of a bucket is compared: fill one bucket with addresses that
 * collide, each is ours; one more colliding address, not added, is not. */
static void test_full_bucket(void **state)
{
	uint32_t same[HL_XDP_ADDR_WAYS + 1], bucket = hl_xdp_addr_bucket_of(ADDR_OTHER);
	struct hl_xdp_addr_bucket b = {0};
	uint8_t frame[PKT_MAX];
	size_t n = 0, len;

	(void)state;
	for (uint32_t a = 0x0a010000; n < HL_XDP_ADDR_WAYS + 1; a++)
		if (hl_xdp_addr_bucket_of(htonl(a)) == bucket && htonl(a) != ADDR_OTHER)
			same[n++] = htonl(a);
	for (n = 0; n < HL_XDP_ADDR_WAYS; n++)
		assert_int_equal(hl_xdp_bucket_add(&b, same[n]), 0);
	assert_int_equal(hl_xdp_bucket_add(&b, same[n]), -1);
	assert_int_equal(bpf_map__update_elem(skel->maps.hl_addrs, &bucket, sizeof(bucket), &b,
					      sizeof(b), BPF_ANY),
			 0);
	for (n = 0; n < HL_XDP_ADDR_WAYS; n++) {
		len = build_tcp_syn(frame, ADDR_CLIENT, same[n], 0);
		assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_IPV4_OURS), XDP_PASS);
	}
	len = build_tcp_syn(frame, ADDR_CLIENT, same[n], 0);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_IPV4_NOT_OURS), XDP_PASS);
	len = build_tcp_syn(frame, ADDR_CLIENT, ADDR_OTHER, 0);
	assert_int_equal(run_and_count(frame, len, 1, HL_XDP_R_IPV4_NOT_OURS), XDP_PASS);
	memset(&b, 0, sizeof(b));
	assert_int_equal(bpf_map__update_elem(skel->maps.hl_addrs, &bucket, sizeof(bucket), &b,
					      sizeof(b), BPF_ANY),
			 0);
}

/* Reasons are dense, named, never renumbered; verdicts are XDP actions. */
static void test_abi_names(void **state)
{
	static const char *const pinned[] = {
		"not_ip",           "ipv6",          "vlan",
		"arp_not_ours",     "ipv4_not_ours", "arp_ours",
		"ipv4_ours",        "denied",        "malformed_eth",
		"malformed_vlan",   "malformed_arp", "ipv4_truncated",
		"ipv4_bad_version", "ipv4_bad_ihl",  "ipv4_bad_length",
	};

	(void)state;
	assert_int_equal(HL_XDP_REASON_MAX, ARRAY_LEN(pinned));
	for (uint32_t r = 0; r < HL_XDP_REASON_MAX; r++)
		assert_string_equal(hl_xdp_reason_name(r), pinned[r]);
	assert_null(hl_xdp_reason_name(HL_XDP_REASON_MAX));
	assert_int_equal(hl_xdp_reason_verdict(HL_XDP_REASON_MAX), XDP_ABORTED);
	assert_int_equal(HL_XDP_V_DROP, XDP_DROP);
	assert_int_equal(HL_XDP_V_PASS, XDP_PASS);
	assert_int_equal(HL_XDP_V_REDIRECT, XDP_REDIRECT);
	assert_string_equal(hl_xdp_verdict_name(XDP_REDIRECT), "redirect");
	assert_true(hl_xdp_counter_idx(HL_XDP_REASON_SLOTS - 1, XDP_REDIRECT) <
		    HL_XDP_COUNTERS_MAX);
}

static int group_setup(void **state)
{
	const uint32_t ours[] = {ADDR_SELF, ADDR_VIP};

	char why[256];

	(void)state;
	if (hl_xdp_kernel_check_bpf(why, sizeof(why)) != 0) {
		fprintf(stderr, "test_steer: %s\n", why);
		return -1;
	}
	ncpus = libbpf_num_possible_cpus();
	skel = steer_bpf__open_and_load();
	if (!skel || ncpus <= 0) {
		fprintf(stderr, "test_steer: cannot load steer.bpf.o: %s\n", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_LEN(ours); i++)
		addr_set(ours[i], true);
	deny(ADDR_DENY_NET, 24);
	deny(ADDR_DENY_ONE, 32);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	steer_bpf__destroy(skel);
	return 0;
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_LEN(cases) + 5] = {
		cmocka_unit_test(test_repeat_counts_every_run),
		cmocka_unit_test(test_shorter_than_ethernet_refused),
		cmocka_unit_test(test_map_updates_take_effect),
		cmocka_unit_test(test_full_bucket),
		cmocka_unit_test(test_abi_names),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_steer: skipped, BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		tests[5 + i] = (struct CMUnitTest){.name = cases[i].name,
						   .test_func = test_case,
						   .initial_state = (void *)&cases[i]};
	return cmocka_run_group_tests_name("steer", tests, group_setup, group_teardown);
}
