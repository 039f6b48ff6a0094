/* SPDX-License-Identifier: BSD-3-Clause */
/* The network-layer test harness (see net_harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_malloc.h>

#include "net_harness.h"

const struct rte_ether_addr t_our_mac = {{0x02, 0, 0, 0, 0, 0x02}};
const struct rte_ether_addr t_peer_mac = {{0x02, 0, 0, 0, 0, 0x07}};
const struct rte_ether_addr t_gw_mac = {{0x02, 0, 0, 0, 0, 0x01}};

struct hl_worker *t_w;
struct rte_mempool *t_pool;
static struct hl_netconf t_net;
static bool t_stop;
static unsigned t_pool_start;

int t_net_group_setup(void **state)
{
	static bool eal_up;
	char *argv[] = {"test", "--no-huge", "--no-shconf",       "--no-pci",
			"-l",   "0",         "--log-level=error", NULL};

	(void)state;
	if (!eal_up) {
		if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
			return -1;
		eal_up = true;
	}
	t_pool = rte_pktmbuf_pool_create("t_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	return t_pool == NULL ? -1 : 0;
}

int t_net_group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(t_pool);
	t_pool = NULL;
	return 0;
}

int t_net_setup(void **state)
{
	(void)state;
	memset(&t_net, 0, sizeof(t_net));
	t_net.n_ports = 1;
	t_net.port[0].port_id = 0;
	t_net.port[0].mac = t_our_mac;
	t_net.port[0].addr = rte_cpu_to_be_32(T_OUR_IP);
	t_net.port[0].mask = rte_cpu_to_be_32(0xffffff00);
	t_net.port[0].gateway = rte_cpu_to_be_32(T_GW_IP);
	t_net.n_vips = 1;
	t_net.vip[0] = rte_cpu_to_be_32(T_VIP);
	t_w = rte_zmalloc("t_worker", sizeof(*t_w), RTE_CACHE_LINE_SIZE);
	if (t_w == NULL)
		return -1;
	t_w->net = &t_net;
	t_w->pool = t_pool;
	t_w->stop = &t_stop;
	t_w->transmit = false;
	hl_worker_init(t_w);
	t_w->now = 1000ull * t_w->tsc_hz; /* a virtual clock far from 0 */
	t_pool_start = rte_mempool_avail_count(t_pool);
	return 0;
}

int t_net_teardown(void **state)
{
	unsigned avail;

	(void)state;
	hl_worker_release(t_w);
	rte_free(t_w);
	t_w = NULL;
	avail = rte_mempool_avail_count(t_pool);
	if (avail != t_pool_start) {
		print_error("mempool: %u mbufs available, %u at start: a test leaked mbufs\n",
			    avail, t_pool_start);
		return -1;
	}
	return 0;
}

struct rte_mbuf *t_arp_frame(uint16_t op, const struct rte_ether_addr *eth_dst,
			     const struct rte_ether_addr *sha, uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *ah;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ah));
	eh->dst_addr = *eth_dst;
	eh->src_addr = *sha;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	ah = (struct rte_arp_hdr *)(eh + 1);
	ah->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = 6;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	ah->arp_data.arp_sha = *sha;
	ah->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memset(&ah->arp_data.arp_tha, 0, 6);
	ah->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}

struct rte_ipv4_hdr *t_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

void t_fix_ipv4_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = t_ip(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

struct rte_mbuf *t_ipv4_frame(uint32_t src, uint32_t dst, uint8_t proto, uint16_t payload_len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	uint8_t *l4;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ip) + payload_len);
	eh->dst_addr = t_our_mac;
	eh->src_addr = t_peer_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + payload_len));
	ip->packet_id = RTE_BE16(0x1234);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	l4 = (uint8_t *)(ip + 1);
	for (uint16_t i = 0; i < payload_len; i++)
		l4[i] = (uint8_t)(i * 7 + 3);
	if (proto == IPPROTO_ICMP && payload_len >= sizeof(struct rte_icmp_hdr)) {
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)l4;

		icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
		icmp->icmp_code = 0;
		icmp->icmp_ident = RTE_BE16(0x4242);
		icmp->icmp_seq_nb = RTE_BE16(1);
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, payload_len);
	}
	t_fix_ipv4_cksum(m);
	return m;
}

void t_rx(struct rte_mbuf *m)
{
	hl_eth_input(t_w, 0, &m, 1);
}

unsigned t_tx_count(void)
{
	return t_w->tx[0].n;
}

struct rte_mbuf *t_tx(unsigned i)
{
	assert_true(i < t_w->tx[0].n);
	return t_w->tx[0].pkts[i];
}

void t_tx_clear(void)
{
	for (unsigned i = 0; i < t_w->tx[0].n; i++)
		rte_pktmbuf_free(t_w->tx[0].pkts[i]);
	t_w->tx[0].n = 0;
}

void t_learn(uint32_t ip, const struct rte_ether_addr *mac)
{
	struct hl_arp_entry *e = hl_arp_cache_insert(&t_w->arp, 0, rte_cpu_to_be_32(ip));

	assert_non_null(e);
	e->state = HL_ARP_REACHABLE;
	e->mac = *mac;
	e->confirmed = t_w->now;
}

uint64_t t_ctr(enum hl_counter c)
{
	return t_w->ctr[c];
}
