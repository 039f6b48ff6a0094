/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input validation (each check has its counter), ICMP echo replies to
 * the port address and the VIP (checksums verified from scratch), and the
 * egress choice (connected subnet, else gateway, else none). Real mbufs;
 * the mempool is back at its starting count after every test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_icmp.h>

#include "net_harness.h"

/* The reply in tx slot @p i: Ethernet to the peer, IPv4 from @p from, valid checksums. */
static void check_echo_reply(unsigned i, uint32_t from, uint16_t payload_len)
{
	struct rte_mbuf *m = t_tx(i);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = t_ip(m);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	const uint8_t *data = (const uint8_t *)(icmp + 1);

	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &t_peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &t_our_mac));
	assert_int_equal(ip->src_addr, rte_cpu_to_be_32(from));
	assert_int_equal(ip->dst_addr, rte_cpu_to_be_32(T_PEER_IP));
	assert_int_equal(rte_ipv4_cksum(ip), 0); /* header checksum valid */
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_raw_cksum(icmp, payload_len), 0xffff); /* ICMP checksum valid */
	assert_int_equal(icmp->icmp_ident, RTE_BE16(0x4242));
	for (uint16_t k = 0; k < payload_len - sizeof(*icmp); k++)
		assert_int_equal(data[k], (uint8_t)((k + sizeof(*icmp)) * 7 + 3));
	assert_int_equal(m->pkt_len, sizeof(*eh) + sizeof(*ip) + payload_len);
}

static void test_echo_port_address(void **state)
{
	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	t_rx(t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64));
	assert_int_equal(t_tx_count(), 1);
	check_echo_reply(0, T_OUR_IP, 64);
	assert_int_equal(t_ctr(HL_CTR_ICMP_ECHO_REPLIED), 1);
	t_tx_clear();
}

static void test_echo_vip_and_sizes(void **state)
{
	static const uint16_t sizes[] = {8, 9, 56, 1000, 1472};

	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
		t_rx(t_ipv4_frame(T_PEER_IP, T_VIP, IPPROTO_ICMP, sizes[i]));
		assert_int_equal(t_tx_count(), 1);
		check_echo_reply(0, T_VIP, sizes[i]);
		t_tx_clear();
	}
}

static void test_echo_checksum_edge(void **state)
{
	struct rte_mbuf *m;
	struct rte_icmp_hdr *icmp;

	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	/* many different payloads exercise the incremental update's carries */
	for (unsigned seq = 0; seq < 2000; seq++) {
		m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 16);
		icmp = (struct rte_icmp_hdr *)(t_ip(m) + 1);
		icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)(seq * 131));
		icmp->icmp_ident = rte_cpu_to_be_16((uint16_t)(0xf7ff - seq));
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
		t_rx(m);
		assert_int_equal(t_tx_count(), 1);
		icmp = (struct rte_icmp_hdr *)(t_ip(t_tx(0)) + 1);
		assert_int_equal(rte_raw_cksum(icmp, 16), 0xffff);
		t_tx_clear();
	}
}

static void test_echo_needs_arp(void **state)
{
	(void)state;
	/* unknown pinger: the reply waits for ARP, a request goes out */
	t_rx(t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64));
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(rte_pktmbuf_mtod(t_tx(0), struct rte_ether_hdr *)->ether_type,
			 RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(t_w->arp.n_pending, 1);
	t_tx_clear();
}

/* Feed a frame, expect it dropped with @p c and nothing sent. */
static void expect_drop(struct rte_mbuf *m, enum hl_counter c)
{
	uint64_t before = t_ctr(c);

	t_rx(m);
	assert_int_equal(t_ctr(c), before + 1);
	assert_int_equal(t_tx_count(), 0);
}

static void test_bad_headers(void **state)
{
	struct rte_mbuf *m;

	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->hdr_checksum ^= 0x0100;
	expect_drop(m, HL_CTR_IPV4_BAD_CKSUM);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(struct rte_ether_hdr) - 12));
	expect_drop(m, HL_CTR_IPV4_TOO_SHORT);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->version_ihl = 0x65;
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_BAD_VERSION);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->version_ihl = 0x44;
	expect_drop(m, HL_CTR_IPV4_BAD_HLEN);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->total_length = rte_cpu_to_be_16(20 + 65); /* beyond the frame */
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_BAD_LEN);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->total_length = rte_cpu_to_be_16(19); /* below the header */
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_BAD_LEN);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->time_to_live = 0;
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_TTL_ZERO);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_FRAGMENT);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->fragment_offset = RTE_BE16(185); /* offset 1480, last fragment */
	t_fix_ipv4_cksum(m);
	expect_drop(m, HL_CTR_IPV4_FRAGMENT);
	assert_int_equal(t_ctr(HL_CTR_IPV4_FRAGMENT), 2);

	/* DF alone is not a fragment */
	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	t_ip(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	t_fix_ipv4_cksum(m);
	t_rx(m);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();

	expect_drop(t_ipv4_frame(T_PEER_IP, T_IPV4(10, 0, 0, 99), IPPROTO_ICMP, 64),
		    HL_CTR_IPV4_NOT_LOCAL);
	expect_drop(t_ipv4_frame(T_IPV4(224, 0, 0, 1), T_OUR_IP, IPPROTO_ICMP, 64),
		    HL_CTR_IPV4_BAD_SRC);
	expect_drop(t_ipv4_frame(T_VIP, T_OUR_IP, IPPROTO_ICMP, 64), HL_CTR_IPV4_BAD_SRC);
	expect_drop(t_ipv4_frame(T_PEER_IP, T_VIP, IPPROTO_TCP, 20), HL_CTR_IPV4_TCP_NO_STACK);
	expect_drop(t_ipv4_frame(T_PEER_IP, T_VIP, IPPROTO_UDP, 20), HL_CTR_IPV4_PROTO_UNSUPPORTED);
	assert_int_equal(t_ctr(HL_CTR_ICMP_ECHO_REPLIED), 1);
}

static void test_padding_trimmed(void **state)
{
	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	/* a 28-byte IPv4 packet padded to the 60-byte Ethernet minimum */
	struct rte_mbuf *m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 8);

	memset(rte_pktmbuf_append(m, 18), 0xee, 18);
	t_rx(m);
	assert_int_equal(t_tx_count(), 1);
	check_echo_reply(0, T_OUR_IP, 8);
	t_tx_clear();
}

static void test_icmp_drops(void **state)
{
	struct rte_mbuf *m;
	struct rte_icmp_hdr *icmp;

	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	icmp = (struct rte_icmp_hdr *)(t_ip(m) + 1);
	icmp->icmp_cksum ^= 0x0001;
	expect_drop(m, HL_CTR_ICMP_BAD_CKSUM);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 4);
	expect_drop(m, HL_CTR_ICMP_TOO_SHORT);

	m = t_ipv4_frame(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP, 64);
	icmp = (struct rte_icmp_hdr *)(t_ip(m) + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 64);
	expect_drop(m, HL_CTR_ICMP_OTHER);
	assert_int_equal(t_ctr(HL_CTR_ICMP_IN), 3);
}

static void test_egress(void **state)
{
	struct hl_netconf nc = {0};
	uint32_t nh = 0;

	(void)state;
	nc.n_ports = 2;
	nc.port[0].addr = rte_cpu_to_be_32(T_IPV4(10, 0, 0, 2));
	nc.port[0].mask = rte_cpu_to_be_32(0xffffff00);
	nc.port[1].addr = rte_cpu_to_be_32(T_IPV4(10, 1, 0, 2));
	nc.port[1].mask = rte_cpu_to_be_32(0xffff0000);
	assert_int_equal(hl_net_egress(&nc, rte_cpu_to_be_32(T_IPV4(10, 1, 7, 7)), &nh), 1);
	assert_int_equal(nh, rte_cpu_to_be_32(T_IPV4(10, 1, 7, 7)));
	assert_int_equal(hl_net_egress(&nc, rte_cpu_to_be_32(T_IPV4(8, 8, 8, 8)), &nh), -1);
	nc.port[1].gateway = rte_cpu_to_be_32(T_IPV4(10, 1, 0, 1));
	assert_int_equal(hl_net_egress(&nc, rte_cpu_to_be_32(T_IPV4(8, 8, 8, 8)), &nh), 1);
	assert_int_equal(nh, nc.port[1].gateway);
	assert_int_equal(hl_net_egress(&nc, rte_cpu_to_be_32(T_IPV4(10, 0, 0, 9)), &nh), 0);

	/* no route at all: counted on output */
	t_w->net = &nc;
	nc.port[1].gateway = 0;
	struct rte_mbuf *m = t_ipv4_frame(T_IPV4(10, 0, 0, 2), T_IPV4(8, 8, 8, 8), 17, 8);

	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	hl_ipv4_output(t_w, m);
	assert_int_equal(t_ctr(HL_CTR_IPV4_NO_ROUTE), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_port_address, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_echo_vip_and_sizes, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_echo_checksum_edge, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_echo_needs_arp, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_bad_headers, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_padding_trimmed, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_drops, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_egress, t_net_setup, t_net_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
