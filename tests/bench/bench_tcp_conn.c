/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connection-rate benchmark over an in-memory wire (no NIC).
 *
 * One worker runs the real stack (hl_eth_input -> tcp -> echo listener)
 * with its tx buffer inspected, not sent, as tests/unit/net_harness.c sets
 * it up. A client written here plays the peer: it builds each segment as a
 * full Ethernet/IPv4/TCP frame with valid checksums and reads what the
 * stack emits. Connections run in lockstep groups of HL_RX_BURST, so every
 * hl_eth_input() call gets a burst as rx_burst would hand it:
 *
 *   SYN (MSS, SACK-permitted, window scale) -> SYN-ACK
 *   ACK
 *   64-byte request (PSH)                  -> the echo (64 bytes)
 *   ACK of the echo + FIN                  -> FIN
 *   ACK of the FIN                            (closed: the stack closes
 *                                             passively, the TIME-WAIT is the
 *                                             client's, so the pool never fills)
 *
 * The worker's clock is the TSC, read before each burst, and the timer pass
 * runs after each burst as in hl_worker_poll(). Meanwhile IDLE_CONNS idle
 * established connections from a second peer sit in the table, so lookups
 * run against a populated table. Each round checks that every connection
 * was accepted and closed, nothing was dropped or reset, and the pools are
 * whole. The median of ROUNDS rounds is printed:
 *   tcp_conn_per_s       connections per second, client work included
 *   tcp_conn_ns          the same as ns per connection
 *   tcp_conn_stack_ns    only the time inside hl_eth_input() and the timer pass
 *   tcp_idle_conn_bytes  bytes per idle established connection, buffers
 *                        excluded (see idle_conn_bytes())
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "hintlb/tcp.h"
#include "net.h"
#include "tcp_priv.h"
#include "worker.h"

#define ROUNDS      9
#define CONNS       (HL_RX_BURST * 4096) /* per round: 131072 */
#define IDLE_CONNS  8192
#define REQ_LEN     64
#define ECHO_PORT   7
#define PORT_BASE   1024 /* client ports cycle over 1024..65535 */
#define PORTS       (65536 - PORT_BASE)
#define OPT_SYN_LEN 12 /* MSS 1460, SACK-permitted, NOP, window scale 7 */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define OUR_IP          IP4(10, 0, 0, 2)
#define VIP             IP4(10, 0, 0, 100)
#define PEER_IP         IP4(10, 0, 0, 7)
#define IDLE_IP         IP4(10, 0, 0, 8)

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x07}};

/* The client's view of one connection. */
struct cli_conn {
	uint32_t peer_ip;
	uint16_t sport;
	uint32_t snd_nxt; /* client's next sequence number */
	uint32_t rcv_nxt; /* next byte expected from the stack (0: no SYN-ACK yet) */
};

struct bench {
	struct hl_worker *w;
	struct hl_netconf net;
	struct rte_mempool *mp;
	bool stop;
	uint64_t stack_tsc; /* TSC spent inside the stack */
	unsigned bad;       /* unexpected segments from the stack */
	uint8_t req[REQ_LEN];
};

static void die(const char *what)
{
	fprintf(stderr, "bench_tcp_conn: %s\n", what);
	exit(1);
}

/* A segment from @p c to VIP:ECHO_PORT. Returns owned. */
static struct rte_mbuf *cli_frame(struct bench *b, const struct cli_conn *c, uint8_t flags,
				  const uint8_t *data, uint16_t len)
{
	static const uint8_t syn_opts[OPT_SYN_LEN] = {2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 3, 3, 7};
	bool syn = flags & RTE_TCP_SYN_FLAG;
	uint16_t thl = (uint16_t)(sizeof(struct rte_tcp_hdr) + (syn ? OPT_SYN_LEN : 0));
	uint16_t iplen = (uint16_t)(sizeof(struct rte_ipv4_hdr) + thl + len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->mp);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		die("mbuf pool empty");
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + iplen);
	eh->dst_addr = our_mac;
	eh->src_addr = peer_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	*ip = (struct rte_ipv4_hdr){
		.version_ihl = RTE_IPV4_VHL_DEF,
		.total_length = rte_cpu_to_be_16(iplen),
		.packet_id = RTE_BE16(0x1234),
		.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG),
		.time_to_live = 64,
		.next_proto_id = IPPROTO_TCP,
		.src_addr = rte_cpu_to_be_32(c->peer_ip),
		.dst_addr = rte_cpu_to_be_32(VIP),
	};
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	*th = (struct rte_tcp_hdr){
		.src_port = rte_cpu_to_be_16(c->sport),
		.dst_port = RTE_BE16(ECHO_PORT),
		.sent_seq = rte_cpu_to_be_32(c->snd_nxt),
		.recv_ack = rte_cpu_to_be_32(syn ? 0 : c->rcv_nxt),
		.data_off = (uint8_t)((thl / 4) << 4),
		.tcp_flags = flags,
		.rx_win = RTE_BE16(65535),
	};
	if (syn)
		memcpy(th + 1, syn_opts, OPT_SYN_LEN);
	if (len != 0)
		memcpy((uint8_t *)th + thl, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

/* Hand @p n frames to the stack as one rx burst, then run the timer pass. */
static void stack_rx(struct bench *b, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t t0 = rte_rdtsc();

	b->w->now = t0;
	hl_eth_input(b->w, 0, pkts, n);
	hl_tcp_timers(b->w->tcp);
	b->stack_tsc += rte_rdtsc() - t0;
}

/*
 * Read what the stack sent (the wire's other end) and free it: each segment
 * is matched to its connection by port; its flags must be @p want and its
 * payload @p want_len bytes. The client's rcv_nxt advances past its SYN,
 * payload and FIN.
 */
static void cli_read(struct bench *b, struct cli_conn *conns, unsigned n, uint8_t want,
		     uint32_t want_len)
{
	struct hl_txbuf *tx = &b->w->tx[0];

	for (unsigned i = 0; i < tx->n; i++) {
		struct rte_mbuf *m = tx->pkts[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint16_t dport = rte_be_to_cpu_16(th->dst_port);
		uint32_t plen = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip) -
				(uint32_t)((th->data_off >> 4) * 4);
		struct cli_conn *c = NULL;

		for (unsigned k = 0; k < n; k++)
			if (conns[k].sport == dport) {
				c = &conns[k];
				break;
			}
		if (c == NULL || th->tcp_flags != want || plen != want_len) {
			b->bad++;
		} else {
			if (want & RTE_TCP_SYN_FLAG)
				c->rcv_nxt = rte_be_to_cpu_32(th->sent_seq) + 1;
			else
				c->rcv_nxt += plen + ((want & RTE_TCP_FIN_FLAG) ? 1 : 0);
		}
		rte_pktmbuf_free(m);
	}
	tx->n = 0;
}

/* One lockstep group of @p n connections, open to closed. */
static void run_group(struct bench *b, struct cli_conn *conns, unsigned n)
{
	struct rte_mbuf *pkts[HL_RX_BURST];
	const uint8_t A = RTE_TCP_ACK_FLAG;

	for (unsigned i = 0; i < n; i++)
		pkts[i] = cli_frame(b, &conns[i], RTE_TCP_SYN_FLAG, NULL, 0);
	stack_rx(b, pkts, (uint16_t)n);
	cli_read(b, conns, n, RTE_TCP_SYN_FLAG | A, 0);
	for (unsigned i = 0; i < n; i++) {
		conns[i].snd_nxt++;
		pkts[i] = cli_frame(b, &conns[i], A, NULL, 0);
	}
	stack_rx(b, pkts, (uint16_t)n);
	cli_read(b, conns, n, 0xff, 0); /* nothing expected */
	for (unsigned i = 0; i < n; i++)
		pkts[i] = cli_frame(b, &conns[i], A | RTE_TCP_PSH_FLAG, b->req, REQ_LEN);
	stack_rx(b, pkts, (uint16_t)n);
	cli_read(b, conns, n, A | RTE_TCP_PSH_FLAG, REQ_LEN);
	for (unsigned i = 0; i < n; i++) {
		conns[i].snd_nxt += REQ_LEN;
		pkts[i] = cli_frame(b, &conns[i], A | RTE_TCP_FIN_FLAG, NULL, 0);
	}
	stack_rx(b, pkts, (uint16_t)n);
	cli_read(b, conns, n, A | RTE_TCP_FIN_FLAG, 0);
	for (unsigned i = 0; i < n; i++) {
		conns[i].snd_nxt++;
		pkts[i] = cli_frame(b, &conns[i], A, NULL, 0);
	}
	stack_rx(b, pkts, (uint16_t)n);
	cli_read(b, conns, n, 0xff, 0);
}

/* Establish the idle population (peer IDLE_IP), one at a time. */
static void open_idle(struct bench *b)
{
	struct cli_conn c;
	struct rte_mbuf *m;

	for (unsigned i = 0; i < IDLE_CONNS; i++) {
		c = (struct cli_conn){.peer_ip = IDLE_IP,
				      .sport = (uint16_t)(PORT_BASE + i),
				      .snd_nxt = i * 7919u};
		m = cli_frame(b, &c, RTE_TCP_SYN_FLAG, NULL, 0);
		stack_rx(b, &m, 1);
		cli_read(b, &c, 1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 0);
		c.snd_nxt++;
		m = cli_frame(b, &c, RTE_TCP_ACK_FLAG, NULL, 0);
		stack_rx(b, &m, 1);
		cli_read(b, &c, 1, 0xff, 0);
	}
	if (b->w->tcp->n_conns != IDLE_CONNS || b->bad != 0)
		die("idle connections were not all established");
}

/* One round of CONNS connections. @return ns of wall time; *stack_ns: inside the stack. */
static double run_round(struct bench *b, unsigned round, double *stack_ns)
{
	struct cli_conn conns[HL_RX_BURST];
	uint64_t acc0 = b->w->ctr[HL_CTR_TCP_ACCEPTED], cl0 = b->w->ctr[HL_CTR_TCP_CLOSED];
	unsigned pool0 = rte_mempool_avail_count(b->mp);
	uint64_t t0, t1;
	double hz = (double)rte_get_tsc_hz();

	b->stack_tsc = 0;
	t0 = rte_rdtsc();
	for (unsigned g = 0; g < CONNS / HL_RX_BURST; g++) {
		for (unsigned i = 0; i < HL_RX_BURST; i++) {
			unsigned k = (round * CONNS + g * HL_RX_BURST + i) % PORTS;

			conns[i] = (struct cli_conn){.peer_ip = PEER_IP,
						     .sport = (uint16_t)(PORT_BASE + k),
						     .snd_nxt = (g * 2654435761u) ^ (i << 20)};
		}
		run_group(b, conns, HL_RX_BURST);
	}
	t1 = rte_rdtsc();
	if (b->bad != 0 || b->w->ctr[HL_CTR_TCP_ACCEPTED] - acc0 != CONNS ||
	    b->w->ctr[HL_CTR_TCP_CLOSED] - cl0 != CONNS || b->w->tcp->n_conns != IDLE_CONNS ||
	    b->w->ctr[HL_CTR_TX_DROP_FULL] != 0 || b->w->ctr[HL_CTR_TCP_RST_OUT] != 0 ||
	    rte_mempool_avail_count(b->mp) != pool0) {
		fprintf(stderr,
			"round %u: bad %u accepted %" PRIu64 " closed %" PRIu64
			" live %u tx_drop_full %" PRIu64 " rst_out %" PRIu64 " mbufs %u/%u\n",
			round, b->bad, b->w->ctr[HL_CTR_TCP_ACCEPTED] - acc0,
			b->w->ctr[HL_CTR_TCP_CLOSED] - cl0, b->w->tcp->n_conns,
			b->w->ctr[HL_CTR_TX_DROP_FULL], b->w->ctr[HL_CTR_TCP_RST_OUT],
			rte_mempool_avail_count(b->mp), pool0);
		die("a round did not open and close every connection cleanly");
	}
	*stack_ns = (double)b->stack_tsc * 1e9 / hz;
	return (double)(t1 - t0) * 1e9 / hz;
}

static size_t heap_allocated(void)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		die("rte_malloc_get_socket_stats failed");
	return st.heap_allocsz_bytes;
}

/*
 * Bytes per idle established connection, buffers excluded: the object
 * itself, its mempool slot's overhead (object header, alignment padding,
 * trailer, from rte_mempool_calc_obj_size() with the stack's pool flags)
 * plus the pool's ring slot, and the connection table's share (its slots,
 * twice max_conns rounded up to a power of two, over max_conns). The pool's
 * ring share is the heap bytes of a pool like the stack's, minus its
 * objects, per object.
 */
static unsigned idle_conn_bytes(const struct hl_tcp_params *p)
{
	const unsigned flags = RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET;
	struct rte_mempool_objsz sz;
	struct rte_mempool *mp;
	size_t before, pool_bytes;
	uint32_t obj;
	double table_share, ring_share;
	unsigned total;

	size_t table_bytes =
		sizeof(struct tcp_ctab_slot) * rte_align32pow2(2 * RTE_MAX(p->max_conns, 8u));

	obj = rte_mempool_calc_obj_size(sizeof(struct hl_tcp_conn), flags, &sz);
	before = heap_allocated();
	mp = rte_mempool_create("bench_cpool", p->max_conns, sizeof(struct hl_tcp_conn), 0, 0, NULL,
				NULL, NULL, NULL, (int)rte_socket_id(), flags);
	if (mp == NULL)
		die("rte_mempool_create failed");
	pool_bytes = heap_allocated() - before;
	rte_mempool_free(mp);

	table_share = (double)table_bytes / p->max_conns;
	ring_share = pool_bytes > (size_t)obj * p->max_conns
			     ? (double)(pool_bytes - (size_t)obj * p->max_conns) / p->max_conns
			     : 0.0;
	total = (unsigned)(obj + ring_share + table_share + 0.5);
	printf("# tcp_idle_conn_bytes = sizeof(struct hl_tcp_conn) %zu + mempool header %u + "
	       "padding %zu + trailer/padding %u + pool ring/memzone share %.1f (%zu heap bytes / "
	       "%u) + "
	       "table share %.1f (%zu bytes of slots / %u connections)\n",
	       sizeof(struct hl_tcp_conn), sz.header_size,
	       (size_t)sz.elt_size - sizeof(struct hl_tcp_conn), sz.trailer_size, ring_share,
	       pool_bytes, p->max_conns, table_share, table_bytes, p->max_conns);
	return total;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void learn(struct hl_worker *w, uint32_t ip)
{
	struct hl_arp_entry *e = hl_arp_cache_insert(&w->arp, 0, rte_cpu_to_be_32(ip));

	if (e == NULL)
		die("ARP cache insert failed");
	e->state = HL_ARP_REACHABLE;
	e->mac = peer_mac;
	e->confirmed = w->now;
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0], "--no-huge", "--no-shconf",       "--no-pci",
		       "-l",    "0",         "--log-level=error", NULL};
	struct hl_tcp_params p = HL_TCP_PARAMS_DEFAULT;
	static struct bench b;
	double wall[ROUNDS], stack[ROUNDS], stack_ns;
	unsigned idle_bytes;

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		die("rte_eal_init failed");
	idle_bytes = idle_conn_bytes(&p);

	b.mp = rte_pktmbuf_pool_create("bench_mbufs", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	b.w = rte_zmalloc("bench_worker", sizeof(*b.w), RTE_CACHE_LINE_SIZE);
	if (b.mp == NULL || b.w == NULL)
		die("out of memory");
	b.net.n_ports = 1;
	b.net.port[0].mac = our_mac;
	b.net.port[0].addr = rte_cpu_to_be_32(OUR_IP);
	b.net.port[0].mask = rte_cpu_to_be_32(0xffffff00);
	b.net.port[0].mtu = 1500;
	b.net.n_vips = 1;
	b.net.vip[0] = rte_cpu_to_be_32(VIP);
	b.w->net = &b.net;
	b.w->pool = b.mp;
	b.w->stop = &b.stop;
	b.w->transmit = false; /* the client reads the tx buffer */
	hl_worker_init(b.w);
	b.w->now = rte_rdtsc();
	learn(b.w, PEER_IP);
	learn(b.w, IDLE_IP);
	for (unsigned i = 0; i < REQ_LEN; i++)
		b.req[i] = (uint8_t)('a' + i % 26);
	if (hl_tcp_create(b.w, &p) != 0 ||
	    hl_tcp_listen(b.w->tcp, rte_cpu_to_be_32(VIP), ECHO_PORT, &hl_tcp_app_echo, NULL) != 0)
		die("hl_tcp_create/listen failed");
	open_idle(&b);

	run_round(&b, 0, &stack_ns); /* warm-up */
	for (unsigned r = 0; r < ROUNDS; r++) {
		wall[r] = run_round(&b, r + 1, &stack[r]) / CONNS;
		stack[r] /= CONNS;
	}
	qsort(wall, ROUNDS, sizeof(wall[0]), cmp_double);
	qsort(stack, ROUNDS, sizeof(stack[0]), cmp_double);
	printf("# %u rounds of %u connections (open, %u-byte request echoed, close), "
	       "%u idle connections in the table; median\n",
	       ROUNDS, CONNS, REQ_LEN, IDLE_CONNS);
	printf("tcp_conn_per_s: %.0f conn/s\n", 1e9 / wall[ROUNDS / 2]);
	printf("tcp_conn_ns: %.0f ns/conn\n", wall[ROUNDS / 2]);
	printf("tcp_conn_stack_ns: %.0f ns/conn\n", stack[ROUNDS / 2]);
	printf("tcp_idle_conn_bytes: %u bytes\n", idle_bytes);

	hl_tcp_free(b.w);
	hl_worker_release(b.w);
	rte_free(b.w);
	rte_mempool_free(b.mp);
	rte_eal_cleanup();
	return 0;
}
