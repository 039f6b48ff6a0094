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

#include "hintlb/tcp.h"
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
/* TSC cycles spent in hl_eth_input by t_rx so far: the dataplane's own work (benchmarks). */
extern uint64_t t_rx_cycles;
/* Number of frames queued for tx on port 0, and the i-th one (borrowed). */
unsigned t_tx_count(void);
struct rte_mbuf *t_tx(unsigned i);
/* Free what tx holds. */
void t_tx_clear(void);
/* Teach the worker a neighbour directly (as an ARP answer would). */
void t_learn(uint32_t ip, const struct rte_ether_addr *mac);
/* Counter value. */
uint64_t t_ctr(enum hl_counter c);

/*
 * TCP (test_tcp_*.c). t_tcp_setup: a worker as t_net_setup makes it, the
 * peer's MAC known, a stack (64 connections, 16 half-open, 8 TIME-WAIT,
 * 8 KiB receive window) listening on VIP:7 (echo), VIP:9 (discard) and
 * VIP:80 (the recording application t_app below). t_tcp_teardown frees
 * the stack and checks that both the mbuf pool and the connection pool are
 * whole again.
 */
#define T_PORT_ECHO    7
#define T_PORT_DISCARD 9
#define T_PORT_APP     80
#define T_PEER_PORT    40000
#define T_RCV_BUF      8192

int t_tcp_setup(void **state);
int t_tcp_teardown(void **state);
/* Replace the stack with one made from @p p, listening on VIP:T_PORT_APP only. @return 0. */
int t_tcp_recreate(const struct hl_tcp_params *p);
/* The worker's network configuration (n_workers, addresses), for tests that change it. */
extern struct hl_netconf t_net;
/* The parameters t_tcp_setup uses; and t_tcp_setup with other ones (a test's own setup). */
struct hl_tcp_params t_tcp_params(void);
int t_tcp_setup_params(void **state, const struct hl_tcp_params *p);
/* A worker and a stack made from @p p with no listener (the test adds its own). @return 0. */
int t_tcp_setup_bare(void **state, const struct hl_tcp_params *p);
/*
 * The first half of t_tcp_teardown: check the connection pool, free the stack
 * (every connection's closed() runs). For tests whose application state must
 * be checked and freed after the stack and before t_net_teardown. @return 0, -1.
 */
int t_tcp_free_checked(void);

/* What the recording application saw; tests set `autorecved` to release at once. */
struct t_app_state {
	struct hl_tcp_conn *conn;
	unsigned established, peer_fin, closed;
	void *ctx; /* established()'s */
	int closed_err;
	uint32_t sent;
	uint32_t rcvd_len;
	uint8_t rcvd[65536];
	bool autorecved;
	/* sent back from recv(), one hl_tcp_send() per non-zero entry, bytes of
	 * t_app_reply_byte(i) (a callback's sends: tcp_output_later) */
	uint16_t reply[4];
};
/* The byte at offset @p i of what recv() replies. */
static inline uint8_t t_app_reply_byte(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}
extern struct t_app_state t_app;
extern const struct hl_tcp_app t_app_ops;

/* A segment as the peer sends it (checksums valid). Returns owned. */
struct t_seg {
	uint32_t dst; /* host order; 0: the VIP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;  /* 0: 65535 */
	bool zero_wnd; /* advertise a window of 0 */
	const uint8_t *opts;
	uint8_t optlen;
	const uint8_t *data;
	uint16_t len;
};
struct rte_mbuf *t_tcp_frame(const struct t_seg *s);
/* A segment hintlb sent (tx slot i), parsed; checksums checked. */
struct t_out {
	uint32_t src, dst; /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss; /* option, 0: absent */
	int ws;       /* option, -1: absent */
	bool sack_ok; /* SACK-permitted option */
	bool ts;      /* timestamps option */
	uint32_t tsval, tsecr;
	unsigned nsack; /* SACK blocks */
	uint32_t sack[4][2];
	const uint8_t *data;
	uint16_t len;
};
struct t_out t_tcp_out(unsigned i);
/* Move the virtual clock by @p ms and run the TCP timer pass. */
void t_advance(uint32_t ms);
/* Feed one segment from T_PEER_PORT + @p sport_off to VIP:@p dport. */
void t_tcp_in(uint16_t sport_off, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	      const uint8_t *data, uint16_t len);
/*
 * Three-way handshake from T_PEER_PORT + @p sport_off to VIP:@p dport with
 * ISN @p isn (MSS 1460, window scale 7 offered); checks the SYN-ACK.
 * @return our ISS. Leaves tx empty.
 */
uint32_t t_tcp_connect(uint16_t sport_off, uint16_t dport, uint32_t isn);
/* Options the peer sends: timestamps (tsval, tsecr; 12 bytes), then SACK blocks. */
struct t_opts {
	bool ts;
	uint32_t tsval, tsecr;
	unsigned nsack;
	uint32_t sack[4][2];
};
/* t_tcp_in with options @p o (NULL: none). */
void t_tcp_in_opts(uint16_t sport_off, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		   const struct t_opts *o, const uint8_t *data, uint16_t len);
/*
 * t_tcp_connect offering also SACK-permitted (@p sack) and timestamps (TSval
 * @p tsval, the final ACK echoes ours and sends @p tsval + 1). The SYN-ACK is
 * returned in @p synack (data pointers invalid). @return our ISS.
 */
uint32_t t_tcp_connect_ext(uint16_t sport_off, uint16_t dport, uint32_t isn, bool sack,
			   uint32_t tsval, struct t_out *synack);
/* Live connections in the stack (any state). */
unsigned t_tcp_conns(void);
/* Fill @p buf with a deterministic pattern starting at stream offset @p off. */
void t_pattern(uint8_t *buf, uint32_t off, uint32_t len);

#endif
