/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RSS model: the Toeplitz hash against the published verification
 * vectors and against the spec's bit-by-bit pseudocode; the queue lookup on a
 * round-robin table; hl_rss_query on devices without RSS (veth in a private
 * netns, lo) and on no device; and the checks on an ETHTOOL_GRSSH reply, fed
 * replies that no device here gives.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/ethtool.h>

#include "rss.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The key of Microsoft's "Verifying the RSS Hash Calculation" page. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/*
 * The IPv4-with-TCP column of that page's IPv4 table (also the Intel 82599
 * datasheet's RSS verification suite, 7.1.2.8.3, and DPDK's test_thash.c).
 */
static const struct {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t hash;
} ms_v4_tcp[] = {
	{"161.142.100.80", "66.9.149.187", 1766, 2794, 0x51ccc178},
	{"65.69.140.83", "199.92.111.2", 4739, 14230, 0xc626b0ea},
	{"12.22.207.184", "24.19.198.95", 38024, 12898, 0x5c2b394a},
	{"209.142.163.6", "38.27.205.30", 2217, 48228, 0xafc7327f},
	{"202.188.127.2", "153.39.163.191", 1303, 44251, 0x10e828a2},
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static uint32_t vector_hash(const struct hl_rss *r, unsigned i)
{
	return hl_rss_hash_ipv4_tcp(r, ip(ms_v4_tcp[i].src), ip(ms_v4_tcp[i].dst),
				    htons(ms_v4_tcp[i].sport), htons(ms_v4_tcp[i].dport));
}

static void test_microsoft_vectors(void **state)
{
	struct hl_rss r;

	(void)state;
	assert_int_equal(hl_rss_init(&r, ms_key, sizeof(ms_key), 128, 4), 0);
	for (unsigned i = 0; i < ARRAY_LEN(ms_v4_tcp); i++) {
		uint32_t h = vector_hash(&r, i);

		if (h != ms_v4_tcp[i].hash)
			fail_msg("vector %u (%s:%u -> %s:%u): 0x%08x, want 0x%08x", i,
				 ms_v4_tcp[i].src, ms_v4_tcp[i].sport, ms_v4_tcp[i].dst,
				 ms_v4_tcp[i].dport, h, ms_v4_tcp[i].hash);
	}
}

/* The spec's ComputeHash: for each set input bit, xor in the key's 32 bits from there. */
static uint32_t toeplitz_ref(const uint8_t *key, unsigned key_len, const uint8_t *in, unsigned n)
{
	uint32_t result = 0;

	for (unsigned b = 0; b < n * 8; b++) {
		uint32_t window = 0;

		if (!(in[b / 8] & (0x80 >> (b % 8))))
			continue;
		for (unsigned k = 0; k < 32; k++) {
			unsigned kb = b + k;
			unsigned bit = kb / 8 < key_len ? (key[kb / 8] >> (7 - kb % 8)) & 1 : 0;

			window = window << 1 | bit;
		}
		result ^= window;
	}
	return result;
}

/* The 12 input bytes as they sit in the packet (the arguments are network byte order). */
static void wire_tuple(uint8_t in[12], uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport)
{
	memcpy(in, &saddr, 4);
	memcpy(in + 4, &daddr, 4);
	memcpy(in + 8, &sport, 2);
	memcpy(in + 10, &dport, 2);
}

/*
 * The reference reproduces the published vectors; then keys other than the
 * vectors' (52 bytes, as i40e and ice use) on random tuples.
 */
static void test_hash_matches_spec_pseudocode(void **state)
{
	uint8_t key[HL_RSS_KEY_MAX];
	struct hl_rss r;

	(void)state;
	for (unsigned i = 0; i < ARRAY_LEN(ms_v4_tcp); i++) {
		uint32_t saddr = ip(ms_v4_tcp[i].src), daddr = ip(ms_v4_tcp[i].dst);
		uint16_t sport = htons(ms_v4_tcp[i].sport), dport = htons(ms_v4_tcp[i].dport);
		uint8_t in[12];

		wire_tuple(in, saddr, daddr, sport, dport);
		assert_int_equal(toeplitz_ref(ms_key, sizeof(ms_key), in, sizeof(in)),
				 ms_v4_tcp[i].hash);
	}
	srand(7);
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rand();
	assert_int_equal(hl_rss_init(&r, key, sizeof(key), 512, 7), 0);
	for (unsigned t = 0; t < 2000; t++) {
		uint32_t saddr = (uint32_t)rand() ^ (uint32_t)rand() << 16;
		uint32_t daddr = (uint32_t)rand() ^ (uint32_t)rand() << 16;
		uint16_t sport = (uint16_t)rand(), dport = (uint16_t)rand();
		uint8_t in[12];

		wire_tuple(in, saddr, daddr, sport, dport);
		assert_int_equal(hl_rss_hash_ipv4_tcp(&r, saddr, daddr, sport, dport),
				 toeplitz_ref(key, sizeof(key), in, sizeof(in)));
	}
}

static void test_queue_round_robin(void **state)
{
	struct hl_rss r;

	(void)state;
	assert_int_equal(hl_rss_init(&r, ms_key, sizeof(ms_key), 128, 3), 0);
	assert_int_equal(r.n_table, 128);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(r.table[i], i % 3);
	/* Low 7 bits index the table: 0x51ccc178 & 127 = 120, queue 120 % 3 = 0. */
	assert_int_equal(hl_rss_queue(&r, vector_hash(&r, 0)), 0);
	assert_int_equal(hl_rss_queue(&r, 0), 0);
	assert_int_equal(hl_rss_queue(&r, 127), 127 % 3);
	assert_int_equal(hl_rss_queue(&r, 128), 0);
	assert_int_equal(hl_rss_queue(&r, 0xffffff81), 1);
	assert_int_equal(hl_rss_queue(&r, 0xffffffff), 127 % 3);

	/* The largest table, and a one-entry table: every hash to queue 0. */
	assert_int_equal(hl_rss_init(&r, ms_key, sizeof(ms_key), HL_RSS_TABLE_MAX, 6), 0);
	assert_int_equal(hl_rss_queue(&r, 0x51ccc178), (0x51ccc178 & (HL_RSS_TABLE_MAX - 1)) % 6);
	assert_int_equal(hl_rss_init(&r, ms_key, sizeof(ms_key), 1, 1), 0);
	assert_int_equal(hl_rss_queue(&r, 0xdeadbeef), 0);
}

static void test_init_rejects_bad_sizes(void **state)
{
	uint8_t key[HL_RSS_KEY_MAX + 1] = {0};
	struct hl_rss r;

	(void)state;
	assert_int_equal(hl_rss_init(&r, key, HL_RSS_KEY_MIN - 1, 128, 2), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, HL_RSS_KEY_MAX + 1, 128, 2), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, 40, 0, 2), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, 40, 96, 2), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, 40, HL_RSS_TABLE_MAX * 2, 2), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, 40, 128, 0), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, 40, 128, 65537), -EINVAL);
	assert_int_equal(hl_rss_init(&r, key, HL_RSS_KEY_MIN, 128, 65536), 0);
}

/* ---- hl_rss_query on this machine's devices ---------------------------- */

static void test_query_no_such_interface(void **state)
{
	struct hl_rss r;
	char err[256] = "";

	(void)state;
	assert_int_equal(hl_rss_query("hlrss-none0", &r, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "hlrss-none0"));
	assert_int_equal(hl_rss_query("hlrss-name-too-long", &r, err, sizeof(err)), -ENODEV);
	assert_non_null(strstr(err, "hlrss-name-too-long"));
}

/* lo has no ethtool RSS ops: ETHTOOL_GRSSH answers -EOPNOTSUPP. */
static void test_query_lo_has_no_rss(void **state)
{
	struct hl_rss r;
	char err[256] = "";

	(void)state;
	assert_int_equal(hl_rss_query("lo", &r, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "interface lo:"));
}

/*
 * veth has no RSS either (Linux 6.18: no get_rxfh, so ETHTOOL_GRSSH is
 * -EOPNOTSUPP). Made in a private netns, so nothing is left on the host.
 */
static void test_query_veth_has_no_rss(void **state)
{
	struct hl_rss r;
	char err[256] = "";

	(void)state;
	if (geteuid() != 0)
		skip(); /* creating a netns and a veth needs root */
	if (unshare(CLONE_NEWNET))
		fail_msg("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (system("ip link add hlrss0 type veth peer name hlrss1"))
		fail_msg("ip link add hlrss0 type veth peer name hlrss1 failed");
	assert_int_equal(hl_rss_query("hlrss0", &r, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "interface hlrss0:"));
	assert_int_equal(hl_rss_query("hlrss1", &r, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "interface hlrss1:"));
}

/* ---- the checks on an ETHTOOL_GRSSH reply ------------------------------ */

/* The byte after hfunc: input_xfrm since Linux 6.8, rsvd8[0] in older headers. */
#define REPLY_INPUT_XFRM(rx) (((uint8_t *)&(rx)->hfunc)[1])

static union {
	struct ethtool_rxfh h;
	uint8_t b[sizeof(struct ethtool_rxfh) + 4096 * 4 + 64];
} reply;

/*
 * A Toeplitz reply with @p indir_size entries (entry i -> queue (i * 5) % 11)
 * and @p key_size key bytes, the Microsoft key first, then 0xee.
 */
static struct ethtool_rxfh *make_reply(unsigned indir_size, unsigned key_size)
{
	struct ethtool_rxfh *rx = &reply.h;
	uint8_t *key;

	assert_true(sizeof(*rx) + indir_size * 4 + key_size <= sizeof(reply));
	memset(&reply, 0, sizeof(reply));
	rx->cmd = ETHTOOL_GRSSH;
	rx->indir_size = indir_size;
	rx->key_size = key_size;
	rx->hfunc = HL_RSS_HFUNC_TOP;
	for (unsigned i = 0; i < indir_size; i++)
		rx->rss_config[i] = (i * 5) % 11;
	key = (uint8_t *)&rx->rss_config[indir_size];
	for (unsigned i = 0; i < key_size; i++)
		key[i] = i < sizeof(ms_key) ? ms_key[i] : 0xee;
	return rx;
}

#define TCP4_FIELDS (RXH_IP_SRC | RXH_IP_DST | RXH_L4_B_0_1 | RXH_L4_B_2_3)

static void expect_refused(struct ethtool_rxfh *rx, uint64_t fields, int rc, const char *words)
{
	struct hl_rss r;
	char err[256] = "";

	assert_int_equal(hl_rss_from_ethtool("nic7", rx, fields, &r, err, sizeof(err)), rc);
	assert_non_null(strstr(err, "interface nic7:"));
	if (!strstr(err, words))
		fail_msg("message \"%s\" does not say \"%s\"", err, words);
}

static void test_reply_accepted(void **state)
{
	struct hl_rss r;
	char err[256] = "";
	uint32_t h;

	(void)state;
	assert_int_equal(
		hl_rss_from_ethtool("nic7", make_reply(128, 40), TCP4_FIELDS, &r, err, sizeof(err)),
		0);
	assert_int_equal(r.n_table, 128);
	assert_int_equal(r.key_len, 40);
	assert_memory_equal(r.key, ms_key, sizeof(ms_key));
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(r.table[i], (i * 5) % 11);
	h = vector_hash(&r, 0);
	assert_int_equal(h, ms_v4_tcp[0].hash);
	assert_int_equal(hl_rss_queue(&r, h), (120 * 5) % 11);

	/* A driver that does not report its fields is taken to hash the 4-tuple. */
	assert_int_equal(hl_rss_from_ethtool("nic7", make_reply(2048, 52), HL_RSS_FIELDS_UNKNOWN,
					     &r, err, sizeof(err)),
			 0);
	assert_int_equal(r.n_table, 2048);
	assert_int_equal(r.key_len, 52);

	/* A key longer than we keep is truncated; the IPv4 hash reads 16 bytes of it. */
	assert_int_equal(
		hl_rss_from_ethtool("nic7", make_reply(64, 60), TCP4_FIELDS, &r, err, sizeof(err)),
		0);
	assert_int_equal(r.key_len, HL_RSS_KEY_MAX);
	for (unsigned i = 0; i < ARRAY_LEN(ms_v4_tcp); i++)
		assert_int_equal(vector_hash(&r, i), ms_v4_tcp[i].hash);
}

static void test_reply_refused(void **state)
{
	struct ethtool_rxfh *rx;

	(void)state;
	/* What virtio-net without VIRTIO_NET_F_RSS answers here: hfunc toeplitz, no sizes. */
	expect_refused(make_reply(0, 0), 0, -EOPNOTSUPP,
		       "no RSS indirection table and no hash key");
	expect_refused(make_reply(128, 0), TCP4_FIELDS, -EOPNOTSUPP, "no RSS hash key");
	expect_refused(make_reply(0, 40), TCP4_FIELDS, -EOPNOTSUPP, "no RSS indirection table");

	rx = make_reply(128, 40);
	rx->hfunc = HL_RSS_HFUNC_XOR;
	expect_refused(rx, TCP4_FIELDS, -EOPNOTSUPP, "is xor");
	rx->hfunc = HL_RSS_HFUNC_CRC32;
	expect_refused(rx, TCP4_FIELDS, -EOPNOTSUPP, "is crc32");
	rx->hfunc = 0;
	expect_refused(rx, TCP4_FIELDS, -EOPNOTSUPP, "does not say");

	rx = make_reply(128, 40);
	REPLY_INPUT_XFRM(rx) = 1; /* RXH_XFRM_SYM_XOR */
	expect_refused(rx, TCP4_FIELDS, -EOPNOTSUPP, "symmetric-xor");

	expect_refused(make_reply(128, 12), TCP4_FIELDS, -EOPNOTSUPP, "12 bytes");
	expect_refused(make_reply(4096, 40), TCP4_FIELDS, -E2BIG, "4096 entries");
	expect_refused(make_reply(96, 40), TCP4_FIELDS, -EOPNOTSUPP, "not a power of two");

	rx = make_reply(128, 40);
	rx->rss_config[77] = 70000;
	expect_refused(rx, TCP4_FIELDS, -ERANGE, "entry 77");

	/* Hashing on addresses only would put every port of a peer on one queue. */
	expect_refused(make_reply(128, 40), RXH_IP_SRC | RXH_IP_DST, -EOPNOTSUPP, "fields 0x30");
	expect_refused(make_reply(128, 40), TCP4_FIELDS | RXH_L3_PROTO, -EOPNOTSUPP, "fields 0xf8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_microsoft_vectors),
		cmocka_unit_test(test_hash_matches_spec_pseudocode),
		cmocka_unit_test(test_queue_round_robin),
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_reply_accepted),
		cmocka_unit_test(test_reply_refused),
		cmocka_unit_test(test_query_no_such_interface),
		cmocka_unit_test(test_query_lo_has_no_rss),
		cmocka_unit_test(test_query_veth_has_no_rss),
	};

	return cmocka_run_group_tests_name("rss", tests, NULL, NULL);
}
