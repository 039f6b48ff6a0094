/* SPDX-License-Identifier: BSD-3-Clause */
/* The network-layer test harness (see net_harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "net_harness.h"
#include "tcp_priv.h"

const struct rte_ether_addr t_our_mac = {{0x02, 0, 0, 0, 0, 0x02}};
const struct rte_ether_addr t_peer_mac = {{0x02, 0, 0, 0, 0, 0x07}};
const struct rte_ether_addr t_gw_mac = {{0x02, 0, 0, 0, 0, 0x01}};

struct hl_worker *t_w;
struct rte_mempool *t_pool;
struct hl_netconf t_net;
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
	/* a per-lcore cache as the daemon's pools have (dataplane/port.c), so that what the
	 * tests and bench_proxy_inproc run costs what it costs there */
	t_pool = rte_pktmbuf_pool_create("t_pool", 1023, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
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

uint64_t t_rx_cycles;

void t_rx(struct rte_mbuf *m)
{
	uint64_t t0 = rte_rdtsc();

	hl_eth_input(t_w, 0, &m, 1);
	t_rx_cycles += rte_rdtsc() - t0;
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

/* ---- TCP ---- */

struct t_app_state t_app;
static unsigned t_conn_pool_start;

static void t_app_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	(void)t;
	t_app.conn = c;
	t_app.ctx = ctx;
	t_app.established++;
}

static void t_app_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	const void *p;

	assert_true(t_app.rcvd_len + len <= sizeof(t_app.rcvd));
	p = rte_pktmbuf_read(m, 0, len, t_app.rcvd + t_app.rcvd_len);
	assert_non_null(p);
	if (p != t_app.rcvd + t_app.rcvd_len)
		memcpy(t_app.rcvd + t_app.rcvd_len, p, len);
	t_app.rcvd_len += len;
	rte_pktmbuf_free(m);
	if (t_app.autorecved)
		hl_tcp_recved(t, c, len);
	for (uint32_t i = 0, off = 0; i < RTE_DIM(t_app.reply) && t_app.reply[i] != 0; i++) {
		struct rte_mbuf *r = rte_pktmbuf_alloc(t_pool);
		uint8_t *d;

		assert_non_null(r);
		d = (uint8_t *)rte_pktmbuf_append(r, t_app.reply[i]);
		assert_non_null(d);
		for (uint32_t k = 0; k < t_app.reply[i]; k++)
			d[k] = t_app_reply_byte(off++);
		assert_int_equal(hl_tcp_send(t, c, r), 0);
	}
}

static void t_app_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	(void)t;
	(void)c;
	t_app.peer_fin++;
}

static void t_app_sent(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	(void)t;
	(void)c;
	t_app.sent += bytes;
}

static void t_app_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	(void)t;
	assert_ptr_equal(c, t_app.conn);
	t_app.closed++;
	t_app.closed_err = err;
	t_app.conn = NULL;
}

const struct hl_tcp_app t_app_ops = {
	.established = t_app_established,
	.recv = t_app_recv,
	.peer_fin = t_app_peer_fin,
	.sent = t_app_sent,
	.closed = t_app_closed,
};

struct hl_tcp_params t_tcp_params(void)
{
	return (struct hl_tcp_params){
		.max_conns = 64, .max_syn_rcvd = 16, .max_time_wait = 8, .rcv_buf = T_RCV_BUF};
}

int t_tcp_setup(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	return t_tcp_setup_params(state, &p);
}

int t_tcp_setup_bare(void **state, const struct hl_tcp_params *p)
{
	if (t_net_setup(state) != 0)
		return -1;
	t_net.port[0].mtu = 1500;
	memset(&t_app, 0, sizeof(t_app));
	t_app.autorecved = true;
	t_learn(T_PEER_IP, &t_peer_mac);
	if (hl_tcp_create(t_w, p) != 0)
		return -1;
	t_conn_pool_start = rte_mempool_avail_count(t_w->tcp->pool);
	return 0;
}

int t_tcp_setup_params(void **state, const struct hl_tcp_params *p)
{
	uint32_t vip = rte_cpu_to_be_32(T_VIP);

	if (t_tcp_setup_bare(state, p) != 0)
		return -1;
	if (hl_tcp_listen(t_w->tcp, vip, T_PORT_ECHO, &hl_tcp_app_echo, NULL) != 0 ||
	    hl_tcp_listen(t_w->tcp, vip, T_PORT_DISCARD, &hl_tcp_app_discard, NULL) != 0 ||
	    hl_tcp_listen(t_w->tcp, vip, T_PORT_APP, &t_app_ops, NULL) != 0)
		return -1;
	t_conn_pool_start = rte_mempool_avail_count(t_w->tcp->pool);
	return 0;
}

int t_tcp_recreate(const struct hl_tcp_params *p)
{
	uint32_t vip = rte_cpu_to_be_32(T_VIP);

	hl_tcp_free(t_w);
	if (hl_tcp_create(t_w, p) != 0 ||
	    hl_tcp_listen(t_w->tcp, vip, T_PORT_APP, &t_app_ops, NULL) != 0)
		return -1;
	t_conn_pool_start = rte_mempool_avail_count(t_w->tcp->pool);
	return 0;
}

int t_tcp_free_checked(void)
{
	struct hl_tcp *t = t_w->tcp;
	unsigned avail = rte_mempool_avail_count(t->pool);
	int rc = 0;

	t_tx_clear();
	if (avail + t->n_conns != t_conn_pool_start) {
		print_error("connection pool: %u free + %u live, %u at start: a test leaked "
			    "connections\n",
			    avail, t->n_conns, t_conn_pool_start);
		rc = -1;
	} else if (t->n_conns == 0 && t->sq_mbufs != 0) {
		print_error("no connection left but %u mbufs counted in send queues\n",
			    t->sq_mbufs);
		rc = -1;
	}
	hl_tcp_free(t_w);
	return rc;
}

int t_tcp_teardown(void **state)
{
	if (t_tcp_free_checked() != 0)
		return -1;
	return t_net_teardown(state);
}

unsigned t_tcp_conns(void)
{
	return t_w->tcp->n_conns;
}

struct rte_mbuf *t_tcp_frame(const struct t_seg *s)
{
	uint16_t hlen = (uint16_t)(sizeof(struct rte_tcp_hdr) + ((s->optlen + 3u) & ~3u));
	struct rte_mbuf *m = t_ipv4_frame(T_PEER_IP, s->dst ? s->dst : T_VIP, IPPROTO_TCP,
					  (uint16_t)(hlen + s->len));
	struct rte_ipv4_hdr *ip = t_ip(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *o = (uint8_t *)(th + 1);

	memset(th, 0, hlen);
	th->src_port = rte_cpu_to_be_16(s->sport ? s->sport : T_PEER_PORT);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->zero_wnd ? 0 : s->wnd ? s->wnd : 65535);
	if (s->optlen != 0)
		memcpy(o, s->opts, s->optlen);
	if (s->len != 0)
		memcpy((uint8_t *)th + hlen, s->data, s->len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}

struct t_out t_tcp_out(unsigned i)
{
	struct rte_mbuf *m = t_tx(i);
	struct rte_ipv4_hdr *ip = t_ip(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct t_out o = {.mss = 0, .ws = -1};
	uint16_t hlen = (uint16_t)((th->data_off >> 4) * 4);
	const uint8_t *opt = (const uint8_t *)(th + 1);

	assert_int_equal(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
			 RTE_BE16(RTE_ETHER_TYPE_IPV4));
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(rte_ipv4_cksum(ip), 0);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, th), 0);
	assert_int_equal(m->nb_segs, 1);
	o.src = rte_be_to_cpu_32(ip->src_addr);
	o.dst = rte_be_to_cpu_32(ip->dst_addr);
	o.sport = rte_be_to_cpu_16(th->src_port);
	o.dport = rte_be_to_cpu_16(th->dst_port);
	o.seq = rte_be_to_cpu_32(th->sent_seq);
	o.ack = rte_be_to_cpu_32(th->recv_ack);
	o.flags = th->tcp_flags;
	o.wnd = rte_be_to_cpu_16(th->rx_win);
	for (unsigned k = 0; k + 1 < hlen - sizeof(*th);) {
		if (opt[k] == 0)
			break;
		if (opt[k] == 1) {
			k++;
			continue;
		}
		if (opt[k] == 2)
			o.mss = (uint16_t)(opt[k + 2] << 8 | opt[k + 3]);
		if (opt[k] == 3)
			o.ws = opt[k + 2];
		if (opt[k] == 4)
			o.sack_ok = true;
		if (opt[k] == 8) {
			o.ts = true;
			o.tsval = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(opt + k + 2));
			o.tsecr = rte_be_to_cpu_32(*(const unaligned_uint32_t *)(opt + k + 6));
		}
		if (opt[k] == 5) {
			o.nsack = (opt[k + 1] - 2u) / 8;
			for (unsigned b = 0; b < o.nsack && b < 4; b++)
				for (unsigned e = 0; e < 2; e++)
					o.sack[b][e] = rte_be_to_cpu_32(
						*(const unaligned_uint32_t *)(opt + k + 2 + 8 * b +
									      4 * e));
		}
		assert_true(opt[k + 1] >= 2);
		k += opt[k + 1];
	}
	o.data = (const uint8_t *)th + hlen;
	o.len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - sizeof(*ip) - hlen);
	return o;
}

void t_advance(uint32_t ms)
{
	struct hl_arp_entry *e;

	t_w->now += (uint64_t)ms * t_w->tcp->tsc_per_ms;
	/* the peer stays a fresh neighbour: no ARP refresh among the segments */
	e = hl_arp_cache_find(&t_w->arp, 0, rte_cpu_to_be_32(T_PEER_IP));
	if (e != NULL)
		e->confirmed = t_w->now;
	hl_tcp_timers(t_w->tcp);
}

void t_pattern(uint8_t *buf, uint32_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((off + i) * 131 + ((off + i) >> 8));
}

void t_tcp_in(uint16_t sport_off, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	      const uint8_t *data, uint16_t len)
{
	t_tcp_in_opts(sport_off, dport, seq, ack, flags, NULL, data, len);
}

uint32_t t_tcp_connect(uint16_t sport_off, uint16_t dport, uint32_t isn)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7}; /* MSS 1460, WS 7 */
	struct t_seg s = {.sport = (uint16_t)(T_PEER_PORT + sport_off),
			  .dport = dport,
			  .seq = isn,
			  .flags = RTE_TCP_SYN_FLAG,
			  .wnd = 65535,
			  .opts = opts,
			  .optlen = sizeof(opts)};
	struct t_out o;

	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(o.ack, isn + 1);
	assert_int_equal(o.src, T_VIP);
	assert_int_equal(o.sport, dport);
	assert_int_equal(o.dport, T_PEER_PORT + sport_off);
	t_tx_clear();
	/* the ACK: peer window 65535 << 7 */
	t_tcp_in(sport_off, dport, isn + 1, o.seq + 1, RTE_TCP_ACK_FLAG, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	return o.seq;
}

static void t_put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
}

void t_tcp_in_opts(uint16_t sport_off, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		   const struct t_opts *o, const uint8_t *data, uint16_t len)
{
	uint8_t opts[40];
	struct t_seg s = {.sport = (uint16_t)(T_PEER_PORT + sport_off),
			  .dport = dport,
			  .seq = seq,
			  .ack = ack,
			  .flags = flags,
			  .wnd = 65535,
			  .opts = opts,
			  .data = data,
			  .len = len};
	uint8_t n = 0;

	if (o != NULL && o->ts) {
		opts[n++] = 1;
		opts[n++] = 1;
		opts[n++] = 8;
		opts[n++] = 10;
		t_put32(opts + n, o->tsval);
		t_put32(opts + n + 4, o->tsecr);
		n += 8;
	}
	if (o != NULL && o->nsack != 0) {
		opts[n++] = 1;
		opts[n++] = 1;
		opts[n++] = 5;
		opts[n++] = (uint8_t)(2 + 8 * o->nsack);
		for (unsigned b = 0; b < o->nsack; b++) {
			t_put32(opts + n, o->sack[b][0]);
			t_put32(opts + n + 4, o->sack[b][1]);
			n += 8;
		}
	}
	assert_true(n <= 40);
	s.optlen = n;
	t_rx(t_tcp_frame(&s));
}

uint32_t t_tcp_connect_ext(uint16_t sport_off, uint16_t dport, uint32_t isn, bool sack,
			   uint32_t tsval, struct t_out *synack)
{
	/* MSS 1460, SACK-permitted (or NOPs), timestamps, NOP, window scale 7 */
	uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
	struct t_seg s = {.sport = (uint16_t)(T_PEER_PORT + sport_off),
			  .dport = dport,
			  .seq = isn,
			  .flags = RTE_TCP_SYN_FLAG,
			  .wnd = 65535,
			  .opts = opts,
			  .optlen = sizeof(opts)};
	struct t_opts to = {.ts = true, .tsval = tsval + 1};
	struct t_out o;

	if (!sack)
		opts[4] = opts[5] = 1;
	t_put32(opts + 8, tsval);
	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(o.ack, isn + 1);
	o.data = NULL;
	if (synack != NULL)
		*synack = o;
	t_tx_clear();
	to.tsecr = o.tsval;
	t_tcp_in_opts(sport_off, dport, isn + 1, o.seq + 1, RTE_TCP_ACK_FLAG, &to, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	return o.seq;
}
