/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by test_arp.c and test_ipv4.c: an EAL without devices, a real
 * mempool, one worker on a one-port netconf (tx buffers inspected, never
 * sent), and builders for the frames the tests feed in.
 *
 * Topology the frames assume: our port 10.0.0.2/24, MAC 02:00:00:00:00:02,
 * gateway 10.0.0.1; VIP 10.0.0.100; peer 10.0.0.7, MAC 02:00:00:00:00:07.
 */
#ifndef HINTLB_TEST_NET_HARNESS_H
#define HINTLB_TEST_NET_HARNESS_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net.h"
#include "worker.h"

/* RTE_IPV4 shifts an int: undefined for a >= 128 (UBSan) */
#define T_IPV4(a, b, c, d)                                                                         \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define T_OUR_IP  T_IPV4(10, 0, 0, 2)
#define T_GW_IP   T_IPV4(10, 0, 0, 1)
#define T_VIP     T_IPV4(10, 0, 0, 100)
#define T_PEER_IP T_IPV4(10, 0, 0, 7)
#define T_FAR_IP  T_IPV4(192, 0, 2, 9) /* off-subnet: via the gateway */

extern const struct rte_ether_addr t_our_mac;
extern const struct rte_ether_addr t_peer_mac;
extern const struct rte_ether_addr t_gw_mac;

/* cmocka group setup/teardown: EAL (once per process), pool. */
int t_net_group_setup(void **state);
int t_net_group_teardown(void **state);
/* cmocka per-test setup/teardown: a fresh worker; teardown checks the pool is whole again. */
int t_net_setup(void **state);
int t_net_teardown(void **state);

extern struct hl_worker *t_w;
extern struct rte_mempool *t_pool;

/* An ARP frame (Ethernet + ARP) as a peer would send it. Returns owned. */
struct rte_mbuf *t_arp_frame(uint16_t op, const struct rte_ether_addr *eth_dst,
			     const struct rte_ether_addr *sha, uint32_t sip, uint32_t tip);
/* An IPv4 frame with @p payload_len bytes of L4 payload (ICMP echo request when proto is ICMP). */
struct rte_mbuf *t_ipv4_frame(uint32_t src, uint32_t dst, uint8_t proto, uint16_t payload_len);
/* Recompute the IPv4 header checksum of a frame built by t_ipv4_frame after editing it. */
void t_fix_ipv4_cksum(struct rte_mbuf *m);
/* The IPv4 header of a frame built by t_ipv4_frame. */
struct rte_ipv4_hdr *t_ip(struct rte_mbuf *m);

/* Feed one frame through hl_eth_input on port 0. */
void t_rx(struct rte_mbuf *m);
/* Number of frames queued for tx on port 0, and the i-th one (borrowed). */
unsigned t_tx_count(void);
struct rte_mbuf *t_tx(unsigned i);
/* Free what tx holds. */
void t_tx_clear(void);
/* Teach the worker a neighbour directly (as an ARP answer would). */
void t_learn(uint32_t ip, const struct rte_ether_addr *mac);
/* Counter value. */
uint64_t t_ctr(enum hl_counter c);

#endif
