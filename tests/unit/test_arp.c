/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP on real mbufs: the responder (port address, VIP, not ours, malformed),
 * the resolver (request out, pending packets sent on the answer, the
 * pending bounds, retries then drop), RFC 826 merge, the cache table, and
 * the neighbour hand-off between workers. Every test ends with the mempool
 * back at its starting count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "net_harness.h"

static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static struct rte_arp_hdr *tx_arp(unsigned i)
{
	return rte_pktmbuf_mtod_offset(t_tx(i), struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
}

static struct rte_ether_hdr *tx_eth(unsigned i)
{
	return rte_pktmbuf_mtod(t_tx(i), struct rte_ether_hdr *);
}

static void check_reply(unsigned i, uint32_t from_ip)
{
	struct rte_ether_hdr *eh = tx_eth(i);
	struct rte_arp_hdr *ah = tx_arp(i);

	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &t_peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &t_our_mac));
	assert_int_equal(eh->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_sha, &t_our_mac));
	assert_int_equal(ah->arp_data.arp_sip, rte_cpu_to_be_32(from_ip));
	assert_true(rte_is_same_ether_addr(&ah->arp_data.arp_tha, &t_peer_mac));
	assert_int_equal(ah->arp_data.arp_tip, rte_cpu_to_be_32(T_PEER_IP));
	assert_int_equal(t_tx(i)->pkt_len, sizeof(*eh) + sizeof(*ah));
}

static void test_request_for_port_address(void **state)
{
	struct hl_arp_entry *e;

	(void)state;
	t_rx(t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP));
	assert_int_equal(t_tx_count(), 1);
	check_reply(0, T_OUR_IP);
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_IN), 1);
	assert_int_equal(t_ctr(HL_CTR_ARP_REPLY_OUT), 1);
	/* the asker is on our subnet: learned */
	e = hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP));
	assert_non_null(e);
	assert_int_equal(e->state, HL_ARP_REACHABLE);
	assert_true(rte_is_same_ether_addr(&e->mac, &t_peer_mac));
	t_tx_clear();
}

static void test_request_for_vip(void **state)
{
	(void)state;
	t_rx(t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_VIP));
	assert_int_equal(t_tx_count(), 1);
	check_reply(0, T_VIP);
	t_tx_clear();
}

static void test_request_not_ours(void **state)
{
	(void)state;
	t_rx(t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_IPV4(10, 0, 0, 55)));
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_ARP_NOT_FOR_US), 1);
	/* not ours and not known: nothing learned */
	assert_null(hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP)));
}

static void test_malformed(void **state)
{
	struct rte_mbuf *m;
	struct rte_arp_hdr *ah;

	(void)state;
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP);
	ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	ah->arp_hlen = 8;
	t_rx(m);
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP);
	ah = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	ah->arp_opcode = RTE_BE16(3);
	t_rx(m);
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &bcast, T_PEER_IP, T_OUR_IP); /* sha bcast */
	t_rx(m);
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_trim(m, 10);
	t_rx(m);
	assert_int_equal(t_ctr(HL_CTR_ARP_MALFORMED), 4);
	assert_int_equal(t_ctr(HL_CTR_ARP_IN), 4);
	assert_int_equal(t_tx_count(), 0);
}

static void test_eth_filter(void **state)
{
	static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x99}};
	struct rte_mbuf *m;

	(void)state;
	t_rx(t_arp_frame(RTE_ARP_OP_REQUEST, &other, &t_peer_mac, T_PEER_IP, T_OUR_IP));
	assert_int_equal(t_ctr(HL_CTR_ETH_NOT_FOR_US), 1);
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	t_rx(m);
	assert_int_equal(t_ctr(HL_CTR_ETH_UNKNOWN_TYPE), 1);
	m = t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &t_peer_mac, T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - 10));
	t_rx(m);
	assert_int_equal(t_ctr(HL_CTR_ETH_TOO_SHORT), 1);
	assert_int_equal(t_ctr(HL_CTR_RX_PKTS), 3);
	assert_int_equal(t_tx_count(), 0);
}

/* An echo reply towards the gateway's subnet-external host needs the gateway's MAC. */
static struct rte_mbuf *ip_packet_to(uint32_t dst)
{
	struct rte_mbuf *m = t_ipv4_frame(T_OUR_IP, dst, IPPROTO_UDP, 8);

	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	return m;
}

static void test_resolve_then_send(void **state)
{
	struct rte_arp_hdr *ah;

	(void)state;
	hl_ipv4_output(t_w, ip_packet_to(T_FAR_IP)); /* via the gateway */
	hl_ipv4_output(t_w, ip_packet_to(T_FAR_IP));
	/* one request (the second packet is within the retry interval) */
	assert_int_equal(t_tx_count(), 1);
	ah = tx_arp(0);
	assert_true(rte_is_broadcast_ether_addr(&tx_eth(0)->dst_addr));
	assert_int_equal(ah->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	assert_int_equal(ah->arp_data.arp_tip, rte_cpu_to_be_32(T_GW_IP));
	assert_int_equal(ah->arp_data.arp_sip, rte_cpu_to_be_32(T_OUR_IP));
	assert_int_equal(t_w->arp.n_pending, 2);
	t_tx_clear();

	/* the gateway answers: both packets leave with its MAC */
	t_rx(t_arp_frame(RTE_ARP_OP_REPLY, &t_our_mac, &t_gw_mac, T_GW_IP, T_OUR_IP));
	assert_int_equal(t_ctr(HL_CTR_ARP_REPLY_IN), 1);
	assert_int_equal(t_tx_count(), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(rte_is_same_ether_addr(&tx_eth(i)->dst_addr, &t_gw_mac));
		assert_int_equal(tx_eth(i)->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	}
	assert_int_equal(t_w->arp.n_pending, 0);
	t_tx_clear();

	/* known now: sent at once */
	hl_ipv4_output(t_w, ip_packet_to(T_FAR_IP));
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_OUT), 1);
	t_tx_clear();
}

static void test_pending_bound(void **state)
{
	(void)state;
	for (unsigned i = 0; i < HL_ARP_PENDING_PER_NEIGH + 3; i++)
		hl_ipv4_output(t_w, ip_packet_to(T_PEER_IP));
	assert_int_equal(t_w->arp.n_pending, HL_ARP_PENDING_PER_NEIGH);
	assert_int_equal(t_ctr(HL_CTR_ARP_PENDING_FULL), 3);
	t_tx_clear();
}

static void test_pending_global_bound(void **state)
{
	unsigned sent = 0;

	(void)state;
	/* many neighbours, each with a full queue, until the worker-wide bound bites */
	for (unsigned n = 0; n < HL_ARP_PENDING_MAX / HL_ARP_PENDING_PER_NEIGH + 2; n++) {
		for (unsigned i = 0; i < HL_ARP_PENDING_PER_NEIGH; i++) {
			hl_ipv4_output(t_w, ip_packet_to(T_IPV4(10, 0, 0, 10 + n)));
			sent++;
		}
		t_tx_clear(); /* the requests */
	}
	assert_int_equal(t_w->arp.n_pending, HL_ARP_PENDING_MAX);
	assert_int_equal(t_ctr(HL_CTR_ARP_PENDING_FULL), sent - HL_ARP_PENDING_MAX);
}

static void test_retries_then_drop(void **state)
{
	(void)state;
	hl_ipv4_output(t_w, ip_packet_to(T_PEER_IP));
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_OUT), 1);
	for (int s = 0; s < 5; s++) {
		t_w->now += t_w->tsc_hz; /* one second */
		hl_arp_tick(t_w);
	}
	/* 3 requests in all, then the neighbour and its packet are given up */
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_OUT), 3);
	assert_int_equal(t_ctr(HL_CTR_ARP_UNRESOLVED), 1);
	assert_int_equal(t_w->arp.n_pending, 0);
	assert_null(hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP)));
	t_tx_clear();
}

static void test_stale_refresh(void **state)
{
	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	t_w->now += 31 * t_w->tsc_hz; /* past HL_ARP_REACHABLE_S */
	hl_ipv4_output(t_w, ip_packet_to(T_PEER_IP));
	/* still sent with the known MAC, and a refresh request went out */
	assert_int_equal(t_tx_count(), 2);
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_OUT), 1);
	t_tx_clear();
	/* no answer to three refreshes: the timer pass removes the entry */
	for (int s = 0; s < 3; s++) {
		t_w->now += t_w->tsc_hz;
		hl_ipv4_output(t_w, ip_packet_to(T_PEER_IP));
		hl_arp_tick(t_w);
		t_tx_clear();
	}
	assert_int_equal(t_ctr(HL_CTR_ARP_REQUEST_OUT), 3);
	assert_null(hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP)));
}

static void test_merge_updates_known(void **state)
{
	static const struct rte_ether_addr moved = {{0x02, 0, 0, 0, 0, 0x77}};
	struct hl_arp_entry *e;

	(void)state;
	t_learn(T_PEER_IP, &t_peer_mac);
	/* the peer asks for someone else with a new MAC: RFC 826 merge updates it */
	t_rx(t_arp_frame(RTE_ARP_OP_REQUEST, &bcast, &moved, T_PEER_IP, T_IPV4(10, 0, 0, 55)));
	e = hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP));
	assert_non_null(e);
	assert_true(rte_is_same_ether_addr(&e->mac, &moved));
	assert_int_equal(t_tx_count(), 0);
}

static void test_want_resolves_ahead(void **state)
{
	(void)state;
	assert_int_equal(hl_arp_want(t_w, 0, rte_cpu_to_be_32(T_GW_IP)), 0);
	assert_int_equal(hl_arp_want(t_w, 0, rte_cpu_to_be_32(T_GW_IP)), 0); /* once */
	hl_arp_tick(t_w);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(tx_arp(0)->arp_data.arp_tip, rte_cpu_to_be_32(T_GW_IP));
	t_tx_clear();
	t_rx(t_arp_frame(RTE_ARP_OP_REPLY, &t_our_mac, &t_gw_mac, T_GW_IP, T_OUR_IP));
	assert_int_equal(hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_GW_IP))->state,
			 HL_ARP_REACHABLE);
	t_w->now += t_w->tsc_hz;
	hl_arp_tick(t_w);
	assert_int_equal(t_tx_count(), 0); /* fresh: no refresh yet */
}

static void test_share_between_workers(void **state)
{
	struct rte_ring *r = rte_ring_create_elem("t_share", sizeof(struct hl_arp_share), 16,
						  SOCKET_ID_ANY, RING_F_SC_DEQ);
	struct hl_arp_share s;

	(void)state;
	assert_non_null(r);
	t_w->arp.share_out[0] = r;
	t_w->arp.n_share_out = 1;
	t_rx(t_arp_frame(RTE_ARP_OP_REPLY, &t_our_mac, &t_gw_mac, T_GW_IP, T_OUR_IP));
	assert_int_equal(rte_ring_count(r), 1);
	/* the same worker draining it stands in for a peer */
	hl_arp_cache_init(&t_w->arp);
	t_w->arp.share_in = r;
	t_w->arp.n_share_out = 0;
	hl_arp_drain_shared(t_w);
	assert_non_null(hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_GW_IP)));
	assert_int_equal(rte_ring_dequeue_elem(r, &s, sizeof(s)), -ENOENT);
	t_w->arp.share_in = NULL;
	rte_ring_free(r);
}

static void test_cache_table(void **state)
{
	struct hl_arp_cache *c = &t_w->arp;
	unsigned n = 0;

	(void)state;
	/* fill to the bound, delete every other entry, all the rest stay findable */
	for (uint32_t ip = 1; hl_arp_cache_insert(c, 0, rte_cpu_to_be_32(ip)) != NULL; ip++)
		n++;
	assert_int_equal(n, HL_ARP_CACHE_FILL);
	for (uint32_t ip = 1; ip <= n; ip += 2)
		hl_arp_cache_delete(c, hl_arp_cache_find(c, 0, rte_cpu_to_be_32(ip)));
	for (uint32_t ip = 1; ip <= n; ip++) {
		struct hl_arp_entry *e = hl_arp_cache_find(c, 0, rte_cpu_to_be_32(ip));

		if (ip % 2)
			assert_null(e);
		else
			assert_non_null(e);
	}
	assert_int_equal(c->n, n / 2);
	assert_null(hl_arp_cache_find(c, 1, rte_cpu_to_be_32(2))); /* other port */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_for_port_address, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_request_for_vip, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_request_not_ours, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_eth_filter, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_then_send, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_pending_bound, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_pending_global_bound, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_retries_then_drop, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_stale_refresh, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_merge_updates_known, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_want_resolves_ahead, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_share_between_workers, t_net_setup,
						t_net_teardown),
		cmocka_unit_test_setup_teardown(test_cache_table, t_net_setup, t_net_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
