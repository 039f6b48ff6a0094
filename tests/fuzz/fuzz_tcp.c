/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target on the TCP input path: the input is a sequence of
 * segments fed through hl_eth_input into one worker's stack listening on
 * VIP:7 (echo), VIP:9 (discard) and VIP:80 (a scripted application that
 * holds its window, shuts down, aborts or echoes depending on the first
 * payload byte), with a virtual clock advanced between segments so the
 * timers fire. Each input gets a fresh worker and stack; afterwards both the
 * connection pool and the mbuf pool must be whole again (a leak aborts).
 * Every frame the stack emits must carry valid IPv4 and TCP checksums.
 *
 * Input layout (the seeds in corpus/fuzz_tcp/ were written by hand to it):
 *   byte 0      bit k (k < 3): complete a handshake on flow k first
 *   records     struct rec (16 bytes), then optlen option bytes, then
 *               paylen payload bytes (both cut short at the end of input)
 *
 * A flow is (peer port T_PEER_PORT + (f >> 2), VIP port ports[f & 3]).
 * For each flow the harness remembers the last ACK and the highest
 * sequence the stack sent, so "relative" sequence and acknowledgement
 * numbers land near the window edges instead of at random.
 *
 * The EAL is initialised once (--no-huge --no-shconf --no-pci -l 0). DPDK
 * memory is not ASan-tracked: overruns inside mbufs are caught only when
 * they cross into heap memory; the TCP and L2/L3 sources are compiled into
 * this target (see meson.build) so their own code is instrumented.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "arp_cache.h"
#include "hintlb/counters.h"
#include "hintlb/tcp.h"
#include "net.h"
#include "tcp_priv.h"
#include "worker.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define OUR_IP          IP4(10, 0, 0, 2)
#define VIP             IP4(10, 0, 0, 100)
#define PEER_IP         IP4(10, 0, 0, 7)
#define PEER_PORT       40000
#define N_FLOWS         8
#define MAX_PAYLOAD     1400

/* Die loudly: libFuzzer records the input as a crash. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_tcp: check failed at %s:%d: %s\n", __FILE__,         \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const struct rte_ether_addr our_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr peer_mac = {{0x02, 0, 0, 0, 0, 0x07}};
static const uint16_t ports[4] = {7, 80, 9, 12345}; /* 12345: nobody listens */

/* One segment to feed (wire layout of the fuzz input, 16 bytes). */
struct rec {
	uint8_t ctl;     /* bits 0-2 flow, 3 seq relative, 4 ack relative, 5-6 TCP cksum mode
			    (0 right, 1 wrong, 2 zero, 3 right), 7 raw data offset (nibble of mangle) */
	uint8_t flags;   /* TCP flags as sent */
	uint8_t seq[4];  /* big-endian; added to the flow's RCV.NXT if relative */
	uint8_t ack[4];  /* big-endian; added to the flow's SND.MAX if relative */
	uint8_t wnd[2];  /* big-endian */
	uint8_t optlen;  /* low 6 bits: option bytes (<= 40); high 2: IP mangling (see below) */
	uint8_t paylen;  /* payload bytes * 8 (capped at MAX_PAYLOAD and at the input's end) */
	uint8_t mangle;  /* low 4: raw data offset (ctl bit 7); bit 4: mbuf chain; bits 5-7 spare */
	uint8_t advance; /* ms to advance after: 1..127 as is, 128..255 (v - 127) * 500 */
};

struct flow {
	uint32_t rcv_nxt; /* the peer's next sequence as the stack last ACKed */
	uint32_t snd_max; /* highest sequence the stack sent + 1 */
	bool seen;
};

static struct rte_mempool *pool;
static struct hl_netconf net;
static bool stop;
static struct hl_worker *w;
static struct flow flows[N_FLOWS];

/* ---- the scripted application on VIP:80 ---- */

static void app_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	uint8_t first = *rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = m->pkt_len;

	switch (first) {
	case 'R': /* release the window */
		rte_pktmbuf_free(m);
		hl_tcp_recved(t, c, len);
		break;
	case 'S':
		rte_pktmbuf_free(m);
		hl_tcp_shutdown(t, c);
		break;
	case 'X':
		rte_pktmbuf_free(m);
		hl_tcp_abort(t, c);
		break;
	case 'E':
		hl_tcp_send(t, c, m);
		hl_tcp_recved(t, c, len);
		break;
	default: /* hold the window: it closes */
		rte_pktmbuf_free(m);
		break;
	}
}

static void app_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	hl_tcp_shutdown(t, c);
}

static const struct hl_tcp_app app_scripted = {
	.recv = app_recv,
	.peer_fin = app_peer_fin,
};

/* ---- frames in and out ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Learn what the stack sent to each flow, check each frame, free them all. */
static void drain_tx(void)
{
	static uint8_t buf[RTE_MBUF_DEFAULT_BUF_SIZE * 4];

	for (unsigned i = 0; i < w->tx[0].n; i++) {
		struct rte_mbuf *m = w->tx[0].pkts[i];
		const struct rte_ether_hdr *eh;
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th;
		uint16_t tot, hlen;
		uint32_t seq, end;

		CHECK(m->pkt_len <= sizeof(buf));
		eh = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
		CHECK(eh != NULL);
		if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
			continue; /* ARP */
		ip = (const struct rte_ipv4_hdr *)(eh + 1);
		CHECK(m->pkt_len >= sizeof(*eh) + sizeof(*ip));
		CHECK(rte_ipv4_cksum(ip) == 0);
		if (ip->next_proto_id != IPPROTO_TCP)
			continue; /* ICMP */
		tot = rte_be_to_cpu_16(ip->total_length);
		CHECK(tot >= sizeof(*ip) + sizeof(*th) && tot <= m->pkt_len - sizeof(*eh));
		th = (const struct rte_tcp_hdr *)(ip + 1);
		hlen = (uint16_t)((th->data_off >> 4) * 4);
		CHECK(hlen >= sizeof(*th) && hlen <= tot - sizeof(*ip));
		CHECK(rte_ipv4_udptcp_cksum_verify(ip, th) == 0);
		CHECK(ip->src_addr == rte_cpu_to_be_32(VIP));
		CHECK(ip->dst_addr == rte_cpu_to_be_32(PEER_IP));
		for (unsigned f = 0; f < N_FLOWS; f++) {
			if (rte_be_to_cpu_16(th->dst_port) != PEER_PORT + (f >> 2) ||
			    rte_be_to_cpu_16(th->src_port) != ports[f & 3])
				continue;
			seq = rte_be_to_cpu_32(th->sent_seq);
			end = seq + (uint32_t)(tot - sizeof(*ip) - hlen) +
			      !!(th->tcp_flags & RTE_TCP_SYN_FLAG) +
			      !!(th->tcp_flags & RTE_TCP_FIN_FLAG);
			if (!flows[f].seen || (int32_t)(end - flows[f].snd_max) > 0)
				flows[f].snd_max = end;
			if (th->tcp_flags & RTE_TCP_ACK_FLAG)
				flows[f].rcv_nxt = rte_be_to_cpu_32(th->recv_ack);
			flows[f].seen = true;
		}
	}
	for (unsigned i = 0; i < w->tx[0].n; i++)
		rte_pktmbuf_free(w->tx[0].pkts[i]);
	w->tx[0].n = 0;
}

/* Build one frame around a TCP header and payload; checksums per @p r. Returns owned. */
static struct rte_mbuf *build(const struct rec *r, const uint8_t *opt, unsigned optlen,
			      const uint8_t *pay, unsigned paylen)
{
	unsigned f = r->ctl & 7, hlen = sizeof(struct rte_tcp_hdr) + ((optlen + 3u) & ~3u);
	unsigned l4len = hlen + paylen;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint32_t seq = be32(r->seq), ack = be32(r->ack);

	CHECK(m != NULL);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(
		m, (uint16_t)(sizeof(*eh) + sizeof(*ip) + l4len));
	CHECK(eh != NULL);
	eh->dst_addr = our_mac;
	eh->src_addr = peer_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(PEER_IP);
	ip->dst_addr = rte_cpu_to_be_32(VIP);
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(th, 0, hlen);
	if (r->ctl & 0x08)
		seq += flows[f].rcv_nxt;
	if (r->ctl & 0x10)
		ack += flows[f].snd_max;
	th->src_port = rte_cpu_to_be_16((uint16_t)(PEER_PORT + (f >> 2)));
	th->dst_port = rte_cpu_to_be_16(ports[f & 3]);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((r->ctl & 0x80 ? r->mangle & 0xf : hlen / 4) << 4);
	th->tcp_flags = r->flags;
	th->rx_win = rte_cpu_to_be_16((uint16_t)(r->wnd[0] << 8 | r->wnd[1]));
	if (optlen != 0)
		memcpy(th + 1, opt, optlen);
	if (paylen != 0)
		memcpy((uint8_t *)th + hlen, pay, paylen);
	switch (r->optlen >> 6) { /* IP mangling, before the checksums */
	case 1:
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
		break;
	case 2: /* total length short of the TCP header, or a few bytes short */
		ip->total_length = rte_cpu_to_be_16(
			(uint16_t)(sizeof(*ip) + (l4len > 24 ? l4len - 24 : l4len / 2)));
		break;
	default:
		break;
	}
	switch ((r->ctl >> 5) & 3) {
	case 1:
		th->cksum = (uint16_t)(rte_ipv4_udptcp_cksum(ip, th) ^ 0x0101);
		break;
	case 2:
		th->cksum = 0;
		break;
	default:
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		break;
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if ((r->optlen >> 6) == 3)
		ip->hdr_checksum ^= RTE_BE16(0x0100);
	if (r->mangle & 0x10) { /* split into a two-segment chain in the middle of the L4 */
		unsigned at = sizeof(*eh) + sizeof(*ip) + l4len / 2;
		unsigned tail = m->pkt_len - at;
		struct rte_mbuf *m2;

		if (tail != 0) {
			m2 = rte_pktmbuf_alloc(pool);
			CHECK(m2 != NULL);
			memcpy(rte_pktmbuf_append(m2, (uint16_t)tail),
			       rte_pktmbuf_mtod_offset(m, uint8_t *, at), tail);
			CHECK(rte_pktmbuf_trim(m, (uint16_t)tail) == 0);
			CHECK(rte_pktmbuf_chain(m, m2) == 0);
		}
	}
	return m;
}

/* Move the virtual clock; the peer stays a fresh neighbour. */
static void advance(uint32_t ms)
{
	struct hl_arp_entry *e;

	w->now += (uint64_t)ms * w->tcp->tsc_per_ms;
	e = hl_arp_cache_find(&w->arp, 0, rte_cpu_to_be_32(PEER_IP));
	if (e != NULL)
		e->confirmed = w->now;
	hl_tcp_timers(w->tcp);
	drain_tx();
}

static void feed(struct rte_mbuf *m)
{
	hl_eth_input(w, 0, &m, 1);
	drain_tx();
}

/* SYN (MSS 1460, WS 7, SACK-permitted), then the ACK of the SYN-ACK. */
static void handshake(unsigned f)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1};
	struct rec r = {.ctl = (uint8_t)f, .flags = RTE_TCP_SYN_FLAG, .wnd = {0xff, 0xff}};
	uint32_t isn = 1000000u * (f + 1);

	r.seq[0] = (uint8_t)(isn >> 24);
	r.seq[1] = (uint8_t)(isn >> 16);
	r.seq[2] = (uint8_t)(isn >> 8);
	r.seq[3] = (uint8_t)isn;
	feed(build(&r, opts, sizeof(opts), NULL, 0));
	r.ctl = (uint8_t)(f | 0x18); /* seq and ack relative, +0 */
	r.flags = RTE_TCP_ACK_FLAG;
	memset(r.seq, 0, sizeof(r.seq));
	feed(build(&r, NULL, 0, NULL, 0));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz_tcp", "--no-huge", "--no-shconf",       "--no-pci",
		       "-l",       "0",         "--log-level=error", NULL};

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fz_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
	net.n_ports = 1;
	net.port[0].port_id = 0;
	net.port[0].mac = our_mac;
	net.port[0].addr = rte_cpu_to_be_32(OUR_IP);
	net.port[0].mask = rte_cpu_to_be_32(0xffffff00);
	net.port[0].gateway = rte_cpu_to_be_32(IP4(10, 0, 0, 1));
	net.port[0].mtu = 1500;
	net.n_vips = 1;
	net.vip[0] = rte_cpu_to_be_32(VIP);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_tcp_params p = {
		.max_conns = 16, .max_syn_rcvd = 4, .max_time_wait = 2, .rcv_buf = 4096};
	uint32_t vip = rte_cpu_to_be_32(VIP);
	unsigned mbufs_start, conns_start;
	struct hl_arp_entry *e;
	size_t off = 1;

	if (size < 1)
		return 0;
	w = rte_zmalloc("fz_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	CHECK(w != NULL);
	w->net = &net;
	w->pool = pool;
	w->stop = &stop;
	w->transmit = false;
	hl_worker_init(w);
	w->now = 1000ull * w->tsc_hz;
	mbufs_start = rte_mempool_avail_count(pool);
	e = hl_arp_cache_insert(&w->arp, 0, rte_cpu_to_be_32(PEER_IP));
	CHECK(e != NULL);
	e->state = HL_ARP_REACHABLE;
	e->mac = peer_mac;
	e->confirmed = w->now;
	CHECK(hl_tcp_create(w, &p) == 0);
	CHECK(hl_tcp_listen(w->tcp, vip, 7, &hl_tcp_app_echo, NULL) == 0);
	CHECK(hl_tcp_listen(w->tcp, vip, 9, &hl_tcp_app_discard, NULL) == 0);
	CHECK(hl_tcp_listen(w->tcp, vip, 80, &app_scripted, NULL) == 0);
	conns_start = rte_mempool_avail_count(w->tcp->pool);
	memset(flows, 0, sizeof(flows));
	for (unsigned f = 0; f < N_FLOWS; f++)
		flows[f].rcv_nxt = 1000000u * (f + 1);

	for (unsigned f = 0; f < 3; f++)
		if (data[0] & (1u << f))
			handshake(f);

	while (off + sizeof(struct rec) <= size) {
		struct rec r;
		unsigned optlen, paylen;

		memcpy(&r, data + off, sizeof(r));
		off += sizeof(r);
		optlen = RTE_MIN((unsigned)(r.optlen & 0x3f), 40u);
		optlen = (unsigned)RTE_MIN((size_t)optlen, size - off);
		paylen = RTE_MIN(r.paylen * 8u, (unsigned)MAX_PAYLOAD);
		paylen = (unsigned)RTE_MIN((size_t)paylen, size - off - optlen);
		feed(build(&r, data + off, optlen, data + off + optlen, paylen));
		off += optlen + paylen;
		if (r.advance != 0)
			advance(r.advance < 128 ? r.advance : (r.advance - 127u) * 500u);
	}

	if (getenv("FUZZ_TCP_VERBOSE") != NULL) /* what a reproducer did */
		for (unsigned i = 0; i < HL_CTR_COUNT; i++)
			if (w->ctr[i] != 0)
				fprintf(stderr, "%s %" PRIu64 "\n", hl_counter_name(i), w->ctr[i]);
	/* every connection object is either live or back in the pool */
	CHECK(rte_mempool_avail_count(w->tcp->pool) + w->tcp->n_conns == conns_start);
	hl_tcp_free(w);
	hl_worker_release(w);
	rte_free(w);
	w = NULL;
	/* no mbuf held anywhere: the stack's queues and the app's are empty */
	if (rte_mempool_avail_count(pool) != mbufs_start) {
		fprintf(stderr, "fuzz_tcp: mbuf pool %u available, %u at start: leak\n",
			rte_mempool_avail_count(pool), mbufs_start);
		abort();
	}
	return 0;
}
