/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target on the TCP input path: the input is a sequence of
 * segments fed through hl_eth_input into one worker's stack listening on
 * VIP:7 (echo), VIP:9 (discard) and VIP:80 (a scripted application that
 * holds its window, shuts down, aborts or echoes depending on the first
 * payload byte), interleaved with active opens (hl_tcp_connect to the
 * peer's port 8080, the same scripted application on them) and the
 * application calls that drive those, with a virtual clock advanced
 * between segments so the timers fire. Each input gets a fresh worker and
 * stack, from the same random state (ISNs, source ports and secrets repeat,
 * so a crash reproduces); afterwards both the connection pool and the mbuf
 * pool must be whole again (a leak aborts), and every active open must have
 * had exactly one closed(). Every frame the stack emits must carry valid
 * IPv4 and TCP checksums, come from one of our addresses, and a SYN it
 * sends (an active open) from a port of the source port range.
 *
 * Input layout (the seeds in corpus/fuzz_tcp/ were written by hand to it):
 *   byte 0      bit k (k < 3): complete a handshake on flow k first;
 *               bits 3, 4: then an active open on slot 0, 1 (to PEER_IP:8080
 *               from the route's address); bits 5, 6: then the peer's
 *               SYN-ACK to slot 0's, 1's SYN (sequence and ACK relative,
 *               +0) with MSS 1460, WS 7, SACK-permitted and a timestamp,
 *               or, with bit 7, no options
 *   records     struct rec (16 bytes), then optlen option bytes, then
 *               paylen payload bytes (both cut short at the end of input)
 *
 * A passive flow f < 8 is (peer port PEER_PORT + (f >> 2), VIP port
 * ports[f & 3]). A record with mangle bit 5 addresses active slot ctl & 7
 * instead: the peer's end of the slot's latest connection (its address and
 * port to the local address and the source port the stack chose), before
 * the slot's first connection PEER_IP:8080 to OUR_IP:SPORT_LO + slot (in
 * the range for slots 0-3, past it for 4-7; nobody there). For each flow
 * the harness remembers the last ACK and the highest sequence the stack
 * sent, so "relative" sequence and acknowledgement numbers land near the
 * window edges instead of at random.
 *
 * A record with mangle bit 6 is no segment but an application call on
 * active slot ctl & 7 (its option bytes are skipped), by flags & 3:
 *   0  hl_tcp_connect (at most MAX_CONNECTS per input; the slot follows the
 *      new connection, an older one lives on untracked), then hl_tcp_send
 *      of the payload if there is one. flags bits 2-3 the local address
 *      (none, OUR_IP, VIP, one not ours: -EINVAL); bits 4-5 the peer
 *      (PEER_IP twice, ONLINK_IP which never answers ARP so the SYNs wait
 *      in the ARP queue, FAR_IP with the gateway removed for the call:
 *      -EHOSTUNREACH); bits 6-7 its port (8080 twice, 8081, 0: -EINVAL).
 *      wnd[0] & 3 is what established() does: nothing, hl_tcp_shutdown,
 *      hl_tcp_abort, or hl_tcp_send of 16 bytes
 *   1  hl_tcp_send of the payload (an empty mbuf if none; mangle bit 4: a
 *      two-mbuf chain)
 *   2  hl_tcp_shutdown
 *   3  hl_tcp_abort
 * Calls 1-3 on a slot with no connection (none yet, or closed() was
 * called) do nothing. The source port range is SPORT_LO-SPORT_HI (4 ports):
 * a fifth connection to the same peer port from the same address gets
 * -EADDRNOTAVAIL; 16 connection objects in all (-ENOBUFS beyond).
 *
 * Seeds for active opens: active_data (byte 0 0x28: slot 0 opened and
 * answered with options; 'E' data echoed, the peer ACKs, then 'S': we shut
 * down, the peer's FIN+ACK, TIME-WAIT runs out), active_refused (byte 0
 * 0x18: slot 0 ignores a bare RST, RSTs a SYN-ACK with a bad ACK, is
 * refused by RST+ACK; slot 1's SYN retransmitted until -ETIMEDOUT),
 * active_simopen (byte 0 0x00: a connect call with 24 bytes queued in
 * SYN-SENT and shutdown on established, the peer's bare SYN, its ACK of our
 * SYN-ACK, the early data and FIN acknowledged, the peer's FIN),
 * active_ports (byte 0 0x07: 3 passive connections, then five connect
 * calls to PEER_IP:8080 -- the fifth gets -EADDRNOTAVAIL --, 8081, VIP as
 * source, ONLINK_IP, FAR_IP, port 0, a foreign source address, and more
 * until the 16 connection objects are taken and one gets -ENOBUFS; a
 * chained send, a shutdown and an abort in SYN-SENT, three SYN-ACKs).
 *
 * The EAL is initialised once (--no-huge --no-shconf --no-pci -l 0). DPDK
 * memory is not ASan-tracked: overruns inside mbufs are caught only when
 * they cross into heap memory; the TCP and L2/L3 sources are compiled into
 * this target (see meson.build) so their own code is instrumented.
 */
#include <errno.h>
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
#include <rte_random.h>
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
#define ONLINK_IP       IP4(10, 0, 0, 8)  /* on our subnet, never answers ARP */
#define FAR_IP          IP4(192, 0, 2, 1) /* only through the gateway */
#define ALIEN_IP        IP4(10, 0, 0, 99) /* not ours: a bad local address */
#define PEER_PORT       40000
#define SERVER_PORT     8080 /* where active opens go (8081 too) */
#define SPORT_LO        50000
#define SPORT_HI        50003
#define N_FLOWS         8 /* passive flows */
#define N_ACTIVE        8 /* active slots, flows N_FLOWS.. */
#define MAX_CONNECTS    24
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
	uint8_t flags;   /* TCP flags as sent; the call, for an application call (mangle bit 6) */
	uint8_t seq[4];  /* big-endian; added to the flow's RCV.NXT if relative */
	uint8_t ack[4];  /* big-endian; added to the flow's SND.MAX if relative */
	uint8_t wnd[2];  /* big-endian */
	uint8_t optlen;  /* low 6 bits: option bytes (<= 40); high 2: IP mangling (see below) */
	uint8_t paylen;  /* payload bytes * 8 (capped at MAX_PAYLOAD and at the input's end) */
	uint8_t mangle;  /* low 4: raw data offset (ctl bit 7); bit 4: mbuf chain; bit 5: the flow
			    is active slot ctl & 7; bit 6: an application call; bit 7 spare */
	uint8_t advance; /* ms to advance after: 1..127 as is, 128..255 (v - 127) * 500 */
};

/* A flow as the peer sees it (host order), and what the stack last told it. */
struct flow {
	uint32_t laddr; /* ours */
	uint32_t raddr;
	uint16_t lport;
	uint16_t rport;
	uint32_t rcv_nxt; /* the peer's next sequence as the stack last ACKed */
	uint32_t snd_max; /* highest sequence the stack sent + 1 */
	bool seen;
	/* active slots: the latest connection until its closed(), what established() does */
	struct hl_tcp_conn *c;
	uint8_t on_est;
};

static struct rte_mempool *pool;
static struct hl_netconf net;
static bool stop;
static struct hl_worker *w;
static struct flow flows[N_FLOWS + N_ACTIVE];
static unsigned n_connects;             /* hl_tcp_connect calls in this input */
static unsigned n_active;               /* active opens whose closed() is owed */
static struct hl_tcp_conn *closed_last; /* the last active connection closed() */
static bool verbose;                    /* FUZZ_TCP_VERBOSE: frames out and counters on stderr */
static const uint8_t hello[16] = "hello from us!\n";

static struct rte_mbuf *payload_mbuf(const uint8_t *pay, unsigned len, bool chain);

/* ---- the scripted application on VIP:80 and on active opens ---- */

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

/* Active opens: the connect call's choice (flow::on_est) once established. */
static void app_active_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	const struct flow *fl = ctx;

	CHECK(ctx == hl_tcp_conn_ctx(c));
	switch (fl->on_est) {
	case 1:
		hl_tcp_shutdown(t, c);
		break;
	case 2:
		hl_tcp_abort(t, c);
		break;
	case 3: { /* -EPIPE if the application shut down in SYN-SENT */
		int rc = hl_tcp_send(t, c, payload_mbuf(hello, sizeof(hello), false));

		CHECK(rc == 0 || rc == -EPIPE);
		break;
	}
	default:
		break;
	}
}

/* The slot stops using @p c: it is gone (or in TIME-WAIT, no longer the application's). */
static void app_active_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct flow *fl = hl_tcp_conn_ctx(c);

	(void)t;
	CHECK(err == 0 || err == -ECONNRESET || err == -ETIMEDOUT || err == -ECONNREFUSED ||
	      err == -ECONNABORTED);
	CHECK(fl >= &flows[N_FLOWS] && fl < &flows[N_FLOWS + N_ACTIVE]);
	CHECK(n_active > 0);
	n_active--;
	closed_last = c;
	if (fl->c == c)
		fl->c = NULL;
}

static const struct hl_tcp_app app_active = {
	.established = app_active_established,
	.recv = app_recv,
	.peer_fin = app_peer_fin,
	.closed = app_active_closed,
};

/* ---- frames in and out ---- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The peer's initial sequence number on flow @p f (what "relative" starts from). */
static uint32_t peer_isn(unsigned f)
{
	return 1000000u * (f + 1);
}

/* The flow a record addresses: passive ctl & 7, or active slot ctl & 7 (mangle bit 5). */
static unsigned rec_flow(const struct rec *r)
{
	return (r->mangle & 0x20 ? N_FLOWS : 0u) + (r->ctl & 7u);
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
		uint16_t tot, hlen, sport, dport;
		uint32_t seq, end, src, dst;

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
		src = rte_be_to_cpu_32(ip->src_addr);
		CHECK(src == VIP || src == OUR_IP);
		dst = rte_be_to_cpu_32(ip->dst_addr);
		CHECK(dst == PEER_IP); /* ONLINK_IP's and the gateway's wait for ARP */
		sport = rte_be_to_cpu_16(th->src_port);
		dport = rte_be_to_cpu_16(th->dst_port);
		if (th->tcp_flags == RTE_TCP_SYN_FLAG) /* only an active open sends a bare SYN */
			CHECK(sport >= SPORT_LO && sport <= SPORT_HI &&
			      (dport == SERVER_PORT || dport == SERVER_PORT + 1));
		if (verbose)
			fprintf(stderr,
				"out %s:%u flags %02x seq %" PRIu32 " ack %" PRIu32 " len %u\n",
				src == VIP ? "VIP" : "OUR_IP", sport, th->tcp_flags,
				rte_be_to_cpu_32(th->sent_seq), rte_be_to_cpu_32(th->recv_ack),
				(unsigned)(tot - sizeof(*ip) - hlen));
		/* a RST answers a segment the stack did not take, or ends the connection: its
		 * numbers are not the flow's to follow */
		for (unsigned f = 0; f < RTE_DIM(flows) && !(th->tcp_flags & RTE_TCP_RST_FLAG);
		     f++) {
			if (dport != flows[f].rport || sport != flows[f].lport ||
			    src != flows[f].laddr || dst != flows[f].raddr)
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

/* Build one frame on flow @p f around a TCP header and payload; checksums per @p r. Returns
 * owned. */
static struct rte_mbuf *build(const struct rec *r, unsigned f, const uint8_t *opt, unsigned optlen,
			      const uint8_t *pay, unsigned paylen)
{
	unsigned hlen = sizeof(struct rte_tcp_hdr) + ((optlen + 3u) & ~3u);
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
	ip->src_addr = rte_cpu_to_be_32(flows[f].raddr);
	ip->dst_addr = rte_cpu_to_be_32(flows[f].laddr);
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(th, 0, hlen);
	if (r->ctl & 0x08)
		seq += flows[f].rcv_nxt;
	if (r->ctl & 0x10)
		ack += flows[f].snd_max;
	th->src_port = rte_cpu_to_be_16(flows[f].rport);
	th->dst_port = rte_cpu_to_be_16(flows[f].lport);
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
	uint32_t isn = peer_isn(f);

	r.seq[0] = (uint8_t)(isn >> 24);
	r.seq[1] = (uint8_t)(isn >> 16);
	r.seq[2] = (uint8_t)(isn >> 8);
	r.seq[3] = (uint8_t)isn;
	feed(build(&r, f, opts, sizeof(opts), NULL, 0));
	r.ctl = (uint8_t)(f | 0x18); /* seq and ack relative, +0 */
	r.flags = RTE_TCP_ACK_FLAG;
	memset(r.seq, 0, sizeof(r.seq));
	feed(build(&r, f, NULL, 0, NULL, 0));
}

/* ---- active opens ---- */

/* @p len bytes of @p pay in one mbuf, or split in two (@p chain). Returns owned. */
static struct rte_mbuf *payload_mbuf(const uint8_t *pay, unsigned len, bool chain)
{
	unsigned first = chain ? len / 2 : len;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool), *m2;

	CHECK(m != NULL && len <= MAX_PAYLOAD);
	if (first != 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)first), pay, first);
	if (len > first) {
		m2 = rte_pktmbuf_alloc(pool);
		CHECK(m2 != NULL);
		memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - first)), pay + first, len - first);
		CHECK(rte_pktmbuf_chain(m, m2) == 0);
	}
	return m;
}

/*
 * hl_tcp_connect on slot @p a, @p how as the call's flags >> 2 (see the top
 * of the file), @p on_est what established() does. Checks the error against
 * the request and the chosen endpoint against the source port range; the
 * slot then follows the new connection. @return true: connected.
 */
static bool active_open(unsigned a, unsigned how, unsigned on_est)
{
	static const uint32_t laddrs[4] = {0, OUR_IP, VIP, ALIEN_IP};
	static const uint32_t raddrs[4] = {PEER_IP, PEER_IP, ONLINK_IP, FAR_IP};
	static const uint16_t rports[4] = {SERVER_PORT, SERVER_PORT, SERVER_PORT + 1, 0};
	struct flow *fl = &flows[N_FLOWS + a];
	uint32_t laddr = laddrs[how & 3], raddr = raddrs[(how >> 2) & 3];
	uint32_t gateway = net.port[0].gateway, ra, la;
	uint16_t rport = rports[(how >> 4) & 3], rp, lp;
	struct hl_tcp_conn *c = NULL;
	int rc;

	if (n_connects == MAX_CONNECTS)
		return false;
	n_connects++;
	if (raddr == FAR_IP)
		net.port[0].gateway = 0; /* no route at all */
	closed_last = NULL;
	rc = hl_tcp_connect(w->tcp, laddr != 0 ? rte_cpu_to_be_32(laddr) : 0,
			    rte_cpu_to_be_32(raddr), rport, &app_active, fl, &c);
	net.port[0].gateway = gateway;
	if (rc != 0) {
		if (raddr == FAR_IP)
			CHECK(rc == -EHOSTUNREACH);
		else if (rport == 0 || laddr == ALIEN_IP)
			CHECK(rc == -EINVAL);
		else
			CHECK(rc == -EADDRNOTAVAIL || rc == -ENOBUFS);
		drain_tx();
		return false;
	}
	CHECK(raddr != FAR_IP && rport != 0 && laddr != ALIEN_IP && c != NULL);
	n_active++;
	hl_tcp_conn_endpoints(c, &ra, &rp, &la, &lp);
	CHECK(ra == rte_cpu_to_be_32(raddr) && rp == rport);
	CHECK(la == rte_cpu_to_be_32(laddr != 0 ? laddr : OUR_IP));
	CHECK(lp >= SPORT_LO && lp <= SPORT_HI);
	CHECK(hl_tcp_conn_ctx(c) == fl);
	for (unsigned b = 0; b < N_ACTIVE; b++) { /* new, and no live one has its 4-tuple */
		const struct flow *o = &flows[N_FLOWS + b];

		CHECK(o->c != c);
		CHECK(o->c == NULL || o->lport != lp || o->rport != rport ||
		      o->laddr != rte_be_to_cpu_32(la) || o->raddr != raddr);
	}
	if (closed_last != c) { /* not closed already: follow it */
		*fl = (struct flow){.laddr = rte_be_to_cpu_32(la),
				    .raddr = raddr,
				    .lport = lp,
				    .rport = rport,
				    .rcv_nxt = peer_isn(N_FLOWS + a),
				    .c = c,
				    .on_est = (uint8_t)on_est};
	}
	drain_tx(); /* the SYN: SND.MAX */
	return fl->c == c;
}

/* The peer's SYN-ACK to slot @p a's SYN (sequence and ACK relative, +0). */
static void synack(unsigned a, bool bare)
{
	/* MSS 1460, NOP WS 7, SACK-permitted, 4 NOPs, TS (TSval 1, TSecr 0) */
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1,
				       1, 1, 8,    10,   0, 0, 0, 1, 0, 0, 0, 0};
	struct rec r = {.ctl = (uint8_t)(a | 0x18),
			.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
			.wnd = {0xff, 0xff},
			.mangle = 0x20};

	feed(build(&r, N_FLOWS + a, opts, bare ? 0 : sizeof(opts), NULL, 0));
}

/* An application call on active slot ctl & 7 (a record with mangle bit 6). */
static void app_call(const struct rec *r, const uint8_t *pay, unsigned paylen)
{
	unsigned a = r->ctl & 7u;
	struct flow *fl = &flows[N_FLOWS + a];
	int rc;

	switch (r->flags & 3) {
	case 0:
		if (active_open(a, r->flags >> 2, r->wnd[0] & 3u) && paylen != 0) {
			rc = hl_tcp_send(w->tcp, fl->c,
					 payload_mbuf(pay, paylen, r->mangle & 0x10));
			CHECK(rc == 0); /* SYN-SENT, nothing shut down yet */
		}
		break;
	case 1:
		if (fl->c != NULL) {
			rc = hl_tcp_send(w->tcp, fl->c,
					 payload_mbuf(pay, paylen, r->mangle & 0x10));
			CHECK(rc == 0 || rc == -EPIPE);
		}
		break;
	case 2:
		if (fl->c != NULL)
			hl_tcp_shutdown(w->tcp, fl->c);
		break;
	default:
		if (fl->c != NULL) {
			hl_tcp_abort(w->tcp, fl->c);
			CHECK(fl->c == NULL); /* closed() came before it returned */
		}
		break;
	}
	drain_tx();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz_tcp", "--no-huge", "--no-shconf",       "--no-pci",
		       "-l",       "0",         "--log-level=error", NULL};

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_TCP_VERBOSE") != NULL;
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
	struct hl_tcp_params p = {.max_conns = 16,
				  .max_syn_rcvd = 4,
				  .max_time_wait = 2,
				  .rcv_buf = 4096,
				  .sport_lo = SPORT_LO,
				  .sport_hi = SPORT_HI};
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
	rte_srand(0x68696e74); /* ISNs, source ports, cookie secrets: the same for every run */
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
	for (unsigned f = 0; f < N_FLOWS; f++)
		flows[f] = (struct flow){.laddr = VIP,
					 .raddr = PEER_IP,
					 .lport = ports[f & 3],
					 .rport = (uint16_t)(PEER_PORT + (f >> 2)),
					 .rcv_nxt = peer_isn(f)};
	for (unsigned a = 0; a < N_ACTIVE; a++)
		flows[N_FLOWS + a] = (struct flow){.laddr = OUR_IP,
						   .raddr = PEER_IP,
						   .lport = (uint16_t)(SPORT_LO + a),
						   .rport = SERVER_PORT,
						   .rcv_nxt = peer_isn(N_FLOWS + a)};
	n_connects = 0;
	n_active = 0;

	for (unsigned f = 0; f < 3; f++)
		if (data[0] & (1u << f))
			handshake(f);
	for (unsigned a = 0; a < 2; a++)
		if (data[0] & (0x08u << a))
			active_open(a, 0, 0);
	for (unsigned a = 0; a < 2; a++)
		if (data[0] & (0x20u << a))
			synack(a, data[0] & 0x80);

	while (off + sizeof(struct rec) <= size) {
		struct rec r;
		unsigned optlen, paylen;

		memcpy(&r, data + off, sizeof(r));
		off += sizeof(r);
		optlen = RTE_MIN((unsigned)(r.optlen & 0x3f), 40u);
		optlen = (unsigned)RTE_MIN((size_t)optlen, size - off);
		paylen = RTE_MIN(r.paylen * 8u, (unsigned)MAX_PAYLOAD);
		paylen = (unsigned)RTE_MIN((size_t)paylen, size - off - optlen);
		if (r.mangle & 0x40)
			app_call(&r, data + off + optlen, paylen);
		else
			feed(build(&r, rec_flow(&r), data + off, optlen, data + off + optlen,
				   paylen));
		off += optlen + paylen;
		if (r.advance != 0)
			advance(r.advance < 128 ? r.advance : (r.advance - 127u) * 500u);
	}

	if (verbose) /* what a reproducer did */
		for (unsigned i = 0; i < HL_CTR_COUNT; i++)
			if (w->ctr[i] != 0)
				fprintf(stderr, "%s %" PRIu64 "\n", hl_counter_name(i), w->ctr[i]);
	/* every connection object is either live or back in the pool */
	CHECK(rte_mempool_avail_count(w->tcp->pool) + w->tcp->n_conns == conns_start);
	hl_tcp_free(w);
	/* every active open got exactly one closed(), at the latest from hl_tcp_free */
	CHECK(n_active == 0);
	for (unsigned a = 0; a < N_ACTIVE; a++)
		CHECK(flows[N_FLOWS + a].c == NULL);
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
