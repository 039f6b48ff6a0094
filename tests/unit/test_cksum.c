/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dataplane/net/cksum.h against DPDK's own checksum routines: every length
 * from 0 to 1600 bytes at every alignment of 0 to 7, over random bytes and
 * over all-0xff bytes (the carries' worst case); the IPv4 header checksum;
 * and a TCP segment's verification, which must refuse any one flipped bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "cksum.h"

static uint8_t buf[1600 + 8];

static void fill(uint8_t v, bool random)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = random ? (uint8_t)rand() : v;
}

static void test_raw_sum_matches_dpdk(void **state)
{
	(void)state;
	srand(7);
	for (int pass = 0; pass < 3; pass++) {
		fill(0xff, pass != 1);
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len + off <= sizeof(buf) && len <= 1600; len++)
				assert_int_equal(hl_cksum_fold(hl_cksum_add(buf + off, len, 0)),
						 rte_raw_cksum(buf + off, len));
	}
}

/* A header as hintlb builds one, then random ones with options. */
static void test_ipv4_header(void **state)
{
	struct {
		struct rte_ipv4_hdr ip;
		uint8_t opts[40];
	} h;

	(void)state;
	srand(11);
	for (int i = 0; i < 1000; i++) {
		for (size_t k = 0; k < sizeof(h); k++)
			((uint8_t *)&h)[k] = (uint8_t)rand();
		h.ip.version_ihl = (uint8_t)(0x40 | (5 + i % 11));
		h.ip.hdr_checksum = 0;
		assert_int_equal(hl_ipv4_hdr_cksum(&h.ip), rte_ipv4_cksum(&h.ip));
		h.ip.hdr_checksum = hl_ipv4_hdr_cksum(&h.ip);
		assert_int_equal(hl_ipv4_hdr_cksum(&h.ip), 0); /* what the receiver checks */
	}
}

static void test_tcp_segment(void **state)
{
	struct {
		struct rte_ipv4_hdr ip;
		struct rte_tcp_hdr th;
		uint8_t payload[333];
	} __rte_packed s;
	const uint32_t l4len = sizeof(s.th) + sizeof(s.payload);
	uint8_t *l4 = (uint8_t *)&s.th;

	(void)state;
	srand(13);
	for (size_t k = 0; k < sizeof(s); k++)
		((uint8_t *)&s)[k] = (uint8_t)rand();
	s.ip.version_ihl = RTE_IPV4_VHL_DEF;
	s.ip.next_proto_id = IPPROTO_TCP;
	s.ip.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(s.ip) + l4len));
	s.th.cksum = 0;
	assert_int_equal(hl_ipv4_l4_cksum(&s.ip, &s.th, l4len),
			 rte_ipv4_udptcp_cksum(&s.ip, &s.th));
	s.th.cksum = hl_ipv4_l4_cksum(&s.ip, &s.th, l4len);
	assert_true(hl_ipv4_l4_cksum_ok(&s.ip, &s.th, l4len));
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(&s.ip, &s.th), 0);
	for (uint32_t bit = 0; bit < l4len * 8; bit++) {
		l4[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(hl_ipv4_l4_cksum_ok(&s.ip, &s.th, l4len));
		l4[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	s.ip.src_addr ^= 1; /* the pseudo-header counts too */
	assert_false(hl_ipv4_l4_cksum_ok(&s.ip, &s.th, l4len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_sum_matches_dpdk),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_tcp_segment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
