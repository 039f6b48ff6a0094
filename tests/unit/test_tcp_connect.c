/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP active open (hl_tcp_connect) and flow ownership across workers: the
 * SYN and its options, the SYN-ACK's options honoured, data both ways and a
 * close, refusal, SYN retransmission and give-up, a bad SYN-ACK, a
 * simultaneous open, data queued before the handshake, source ports (a
 * worker's share of the range, exhaustion per peer), hl_tcp_flow_owner and
 * the hand-off ring, and the 4-tuple table itself (open addressing: inserts
 * and removals in random order against a model). Segments in, segments out,
 * on a virtual clock; mbuf and connection pools whole again after each test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ring.h>
#include <rte_tcp.h>

#include "net_harness.h"
#include "rss.h"
#include "tcp_priv.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG

#define T_SERVER_PORT 8080

static int marker; /* the context handed to hl_tcp_connect */

/* Connect to the peer's T_SERVER_PORT; @return the SYN (tx emptied). */
static struct t_out connect_syn(struct hl_tcp_conn **c)
{
	struct t_out o;

	assert_int_equal(hl_tcp_connect(t_w->tcp, 0, rte_cpu_to_be_32(T_PEER_IP), T_SERVER_PORT,
					&t_app_ops, &marker, c),
			 0);
	t_app.conn = *c; /* the recording app checks closed() against it */
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	t_tx_clear();
	return o;
}

/* A segment from the peer's server port to our source port @p sport. */
static void peer_in(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *opts,
		    uint8_t optlen, const uint8_t *data, uint16_t len)
{
	struct t_seg s = {.dst = T_OUR_IP,
			  .sport = T_SERVER_PORT,
			  .dport = sport,
			  .seq = seq,
			  .ack = ack,
			  .flags = flags,
			  .opts = opts,
			  .optlen = optlen,
			  .data = data,
			  .len = len};

	t_rx(t_tcp_frame(&s));
}

static void test_connect_handshake_data_close(void **state)
{
	/* MSS 1400, NOP WS 2, SACK-permitted NOP NOP, TS (tsval 777, tsecr filled below) */
	uint8_t opts[] = {2, 4, 0x05, 0x78, 1, 3, 3, 2, 4, 2, 1, 1, 8, 10, 0, 0, 3, 9, 0, 0, 0, 0};
	static uint8_t data[3000];
	struct hl_tcp_conn *c;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	assert_int_equal(syn.flags, SYN);
	assert_int_equal(syn.src, T_OUR_IP); /* the egress port's address */
	assert_int_equal(syn.dst, T_PEER_IP);
	assert_int_equal(syn.dport, T_SERVER_PORT);
	assert_true(syn.sport >= HL_TCP_SPORT_LO && syn.sport <= HL_TCP_SPORT_HI);
	assert_int_equal(syn.ack, 0);
	assert_int_equal(syn.mss, 1460);
	assert_int_equal(syn.ws, 7);
	assert_true(syn.sack_ok);
	assert_true(syn.ts);
	assert_int_equal(syn.tsecr, 0);
	assert_int_equal(syn.wnd, T_RCV_BUF);
	assert_int_equal(t_app.established, 0);
	assert_ptr_equal(hl_tcp_conn_ctx(c), &marker);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECT), 1);

	/* SYN-ACK: its options are what the connection uses */
	opts[18] = (uint8_t)(syn.tsval >> 24);
	opts[19] = (uint8_t)(syn.tsval >> 16);
	opts[20] = (uint8_t)(syn.tsval >> 8);
	opts[21] = (uint8_t)syn.tsval;
	peer_in(syn.sport, 5000, syn.seq + 1, SYN | ACK, opts, sizeof(opts), NULL, 0);
	assert_int_equal(t_app.established, 1);
	assert_ptr_equal(t_app.conn, c);
	assert_ptr_equal(t_app.ctx, &marker);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECTED), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_ACCEPTED), 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, ACK);
	assert_int_equal(o.seq, syn.seq + 1);
	assert_int_equal(o.ack, 5001);
	assert_true(o.ts);
	assert_int_equal(o.tsecr, 777);
	assert_int_equal(o.wnd, T_RCV_BUF >> 7); /* scaled from now on */
	t_tx_clear();

	/* data out: segments of the peer's MSS less the timestamps */
	t_pattern(data, 0, sizeof(data));
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, 1500), data, 1500);
		assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0);
	}
	assert_int_equal(t_tx_count(), 2);
	o = t_tcp_out(0);
	assert_int_equal(o.len, 1400 - 12);
	assert_memory_equal(o.data, data, o.len);
	o = t_tcp_out(1);
	assert_int_equal(o.len, 1500 - (1400 - 12));
	t_tx_clear();
	peer_in(syn.sport, 5001, syn.seq + 1 + 1500, ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.sent, 1500);

	/* data in */
	peer_in(syn.sport, 5001, syn.seq + 1 + 1500, ACK, NULL, 0, data, 100);
	assert_int_equal(t_app.rcvd_len, 100);
	assert_memory_equal(t_app.rcvd, data, 100);

	/* we close first: FIN, the peer's FIN+ACK, TIME-WAIT, closed(0) */
	t_tx_clear();
	hl_tcp_shutdown(t_w->tcp, c);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_true(o.flags & FIN);
	t_tx_clear();
	peer_in(syn.sport, 5101, o.seq + 1, FIN | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, 0);
	assert_int_equal(t_tcp_conns(), 1); /* TIME-WAIT */
	t_advance(60000);
	assert_int_equal(t_tcp_conns(), 0);
}

static void test_connect_refused(void **state)
{
	struct hl_tcp_conn *c;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	/* a FIN (or any segment) without SYN or acceptable ACK is dropped in SYN-SENT */
	peer_in(syn.sport, 3000, 0, FIN, NULL, 0, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_app.closed, 0);
	/* a RST without ACK does not count in SYN-SENT (RFC 5961 3.2 / RFC 9293) */
	peer_in(syn.sport, 0, 0, RST, NULL, 0, NULL, 0);
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RST_IGNORED), 1);
	/* a SYN-ACK for something else: RST with its ACK as our sequence, still waiting */
	peer_in(syn.sport, 9000, syn.seq + 7, SYN | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RST);
	assert_int_equal(o.seq, syn.seq + 7);
	t_tx_clear();
	assert_int_equal(t_app.established, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_BAD_ACK), 1);
	/* RST+ACK of our SYN: refused */
	peer_in(syn.sport, 0, syn.seq + 1, RST | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNREFUSED);
	assert_int_equal(t_app.established, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECT_REFUSED), 1);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_tx_count(), 0);
}

/* Aborting in SYN-SENT sends nothing (RFC 9293 3.10.5) and closes at once. */
static void test_connect_abort_syn_sent(void **state)
{
	struct hl_tcp_conn *c;

	(void)state;
	(void)connect_syn(&c);
	hl_tcp_abort(t_w->tcp, c);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNABORTED);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* No answer: the SYN goes 5 times (1, 2, 4, 8 s apart), then closed(-ETIMEDOUT). */
static void test_connect_timeout(void **state)
{
	static const uint32_t gaps[] = {1000, 2000, 4000, 8000};
	struct hl_tcp_conn *c;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	for (unsigned i = 0; i < RTE_DIM(gaps); i++) {
		t_advance(gaps[i] - 1);
		assert_int_equal(t_tx_count(), 0);
		t_advance(1);
		assert_int_equal(t_tx_count(), 1);
		o = t_tcp_out(0);
		assert_int_equal(o.flags, SYN);
		assert_int_equal(o.seq, syn.seq);
		assert_int_equal(o.sport, syn.sport);
		t_tx_clear();
	}
	t_advance(15999);
	assert_int_equal(t_app.closed, 0);
	t_advance(1);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECT_TIMEOUT), 1);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_tx_count(), 0);
}

/* [tcp] syn_retries = 2: the SYN goes 3 times (1, 2 s apart), closed(-ETIMEDOUT) 4 s
 * later; more than HL_TCP_SYN_RETRIES_MAX is refused. */
static void test_connect_timeout_retries(void **state)
{
	struct hl_tcp_params p = t_tcp_params();
	struct hl_tcp_conn *c;

	(void)state;
	p.syn_retries = HL_TCP_SYN_RETRIES_MAX + 1;
	assert_int_equal(t_tcp_recreate(&p), -1); /* hl_tcp_create(): -EINVAL */
	p.syn_retries = 2;
	assert_int_equal(t_tcp_recreate(&p), 0);
	connect_syn(&c);
	t_advance(1000);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();
	t_advance(2000);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();
	t_advance(3999);
	assert_int_equal(t_app.closed, 0);
	t_advance(1);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECT_TIMEOUT), 1);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* A SYN-ACK without options: MSS 536, no window scale, no timestamps, no SACK;
 * data queued before the handshake leaves right after it. */
static void test_connect_no_options_early_data(void **state)
{
	static uint8_t data[1000];
	struct hl_tcp_conn *c;
	struct rte_mbuf *m;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	t_pattern(data, 0, sizeof(data));
	m = rte_pktmbuf_alloc(t_pool);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, sizeof(data)), data, sizeof(data));
	assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0); /* queued in SYN-SENT */
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(hl_tcp_send_queued(c), sizeof(data));
	peer_in(syn.sport, 100, syn.seq + 1, SYN | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.established, 1);
	assert_int_equal(t_tx_count(), 2); /* 536 + 464, the first one carries the ACK */
	o = t_tcp_out(0);
	assert_int_equal(o.flags & ACK, ACK);
	assert_int_equal(o.ack, 101);
	assert_int_equal(o.len, 536);
	assert_false(o.ts);
	assert_int_equal(o.nsack, 0);
	assert_int_equal(o.wnd, T_RCV_BUF); /* no window scale */
	assert_memory_equal(o.data, data, 536);
	o = t_tcp_out(1);
	assert_int_equal(o.len, sizeof(data) - 536);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
	assert_int_equal(t_app.closed_err, -ECONNABORTED);
	assert_int_equal(t_tx_count(), 1); /* the RST */
	assert_int_equal(t_tcp_out(0).flags & RST, RST);
}

/* Both SYNs cross: our SYN-ACK, the peer's ACK, established once. */
static void test_connect_simultaneous_open(void **state)
{
	struct hl_tcp_conn *c;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	peer_in(syn.sport, 4000, 0, SYN, NULL, 0, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, SYN | ACK);
	assert_int_equal(o.seq, syn.seq);
	assert_int_equal(o.ack, 4001);
	t_tx_clear();
	assert_int_equal(t_app.established, 0);
	peer_in(syn.sport, 4001, syn.seq + 1, ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.established, 1);
	assert_ptr_equal(t_app.ctx, &marker);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECTED), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_ACCEPTED), 0);
	hl_tcp_abort(t_w->tcp, c);
	assert_int_equal(t_app.closed, 1);
}

/* Shut down before the handshake completes: the FIN follows it. */
static void test_connect_shutdown_early(void **state)
{
	struct hl_tcp_conn *c;
	struct t_out syn, o;

	(void)state;
	syn = connect_syn(&c);
	hl_tcp_shutdown(t_w->tcp, c);
	assert_int_equal(t_tx_count(), 0);
	peer_in(syn.sport, 100, syn.seq + 1, SYN | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.established, 1);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, FIN | ACK);
	assert_int_equal(o.seq, syn.seq + 1);
	t_tx_clear();
	peer_in(syn.sport, 101, syn.seq + 2, FIN | ACK, NULL, 0, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, 0);
	t_advance(60000);
	assert_int_equal(t_tcp_conns(), 0);
}

static void noop_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	(void)t;
	(void)c;
	(void)err;
}

static void noop_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	(void)t;
	(void)c;
	rte_pktmbuf_free(m);
}

static const struct hl_tcp_app noop_app = {.recv = noop_recv, .closed = noop_closed};

/*
 * Source ports: worker 1 of 2 takes only ports whose replies it owns; a
 * range of 8 gives it 4 per peer, then -EADDRNOTAVAIL (counted); another
 * peer port reuses them. Listening inside the range is refused.
 */
static void test_connect_source_ports(void **state)
{
	struct hl_tcp_params p = {.max_conns = 64,
				  .max_syn_rcvd = 16,
				  .max_time_wait = 8,
				  .rcv_buf = T_RCV_BUF,
				  .sport_lo = 50000,
				  .sport_hi = 50007};
	uint32_t peer = rte_cpu_to_be_32(T_PEER_IP), our = rte_cpu_to_be_32(T_OUR_IP);
	struct hl_tcp_conn *c[5];
	bool seen[8] = {false};

	(void)state;
	t_net.n_workers = 2;
	t_w->id = 1;
	assert_int_equal(t_tcp_recreate(&p), 0);
	for (unsigned i = 0; i < 4; i++) {
		struct t_out o;
		uint16_t off;

		assert_int_equal(hl_tcp_connect(t_w->tcp, 0, peer, 80, &noop_app, NULL, &c[i]), 0);
		o = t_tcp_out(i);
		assert_true(o.sport >= 50000 && o.sport <= 50007);
		off = (uint16_t)(o.sport - 50000);
		assert_false(seen[off]);
		seen[off] = true;
		assert_int_equal(hl_tcp_flow_owner(2, 50000, 50007, peer, rte_cpu_to_be_16(80), our,
						   rte_cpu_to_be_16(o.sport)),
				 1);
	}
	assert_int_equal(hl_tcp_connect(t_w->tcp, 0, peer, 80, &noop_app, NULL, &c[4]),
			 -EADDRNOTAVAIL);
	assert_int_equal(t_ctr(HL_CTR_TCP_CONNECT_NO_PORT), 1);
	assert_int_equal(hl_tcp_connect(t_w->tcp, 0, peer, 81, &noop_app, NULL, &c[4]), 0);
	/* bad requests */
	assert_int_equal(hl_tcp_connect(t_w->tcp, 0, peer, 0, &noop_app, NULL, &c[4]), -EINVAL);
	assert_int_equal(hl_tcp_connect(t_w->tcp, rte_cpu_to_be_32(T_IPV4(10, 9, 9, 9)), peer, 80,
					&noop_app, NULL, &c[4]),
			 -EINVAL);
	assert_int_equal(hl_tcp_listen(t_w->tcp, rte_cpu_to_be_32(T_VIP), 50003, &t_app_ops, NULL),
			 -EADDRINUSE);
	t_tx_clear();
	t_net.n_workers = 0;
	t_w->id = 0;
	/* teardown frees the stack: the five connections close (-ECONNABORTED) */
}

static void test_flow_owner(void **state)
{
	unsigned n0 = 0;

	(void)state;
	/* one worker owns everything */
	assert_int_equal(hl_tcp_flow_owner(1, 32768, 60999, 1, 2, 3, 4), 0);
	assert_int_equal(hl_tcp_flow_owner(0, 32768, 60999, 1, 2, 3, 4), 0);
	/* source ports: by offset in the range */
	for (unsigned lp = 32768; lp < 32768 + 12; lp++)
		assert_int_equal(hl_tcp_flow_owner(3, 32768, 60999, 1, rte_cpu_to_be_16(80), 2,
						   rte_cpu_to_be_16((uint16_t)lp)),
				 (lp - 32768) % 3);
	/* other flows: a hash, stable and about even */
	for (uint32_t i = 0; i < 10000; i++) {
		uint32_t ra = rte_cpu_to_be_32(T_IPV4(10, 1, i >> 8, i & 0xff));
		uint16_t rp = rte_cpu_to_be_16((uint16_t)(1024 + i * 7));
		unsigned o = hl_tcp_flow_owner(2, 32768, 60999, ra, rp, 5, rte_cpu_to_be_16(443));

		assert_true(o < 2);
		assert_int_equal(
			o, hl_tcp_flow_owner(2, 32768, 60999, ra, rp, 5, rte_cpu_to_be_16(443)));
		n0 += o == 0;
	}
	assert_in_range(n0, 4500, 5500);
}

/*
 * Hand-off: worker 0 of 2 passes a SYN whose flow worker 1 owns to worker 1's
 * ring without touching it; worker 1 draining the ring processes it once
 * (SYN-ACK); a full ring drops and counts.
 */
static void test_handoff(void **state)
{
	struct rte_ring *rings[2];
	struct t_seg s = {.dport = T_PORT_APP, .seq = 77, .flags = SYN};
	uint32_t peer = rte_cpu_to_be_32(T_PEER_IP), vip = rte_cpu_to_be_32(T_VIP);
	uint16_t sport = 0;

	(void)state;
	rings[0] = rte_ring_create("t_ho0", 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
	rings[1] = rte_ring_create("t_ho1", 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
	assert_non_null(rings[0]);
	assert_non_null(rings[1]);
	for (uint16_t p = 1024; sport == 0; p++)
		if (hl_tcp_flow_owner(2, HL_TCP_SPORT_LO, HL_TCP_SPORT_HI, peer,
				      rte_cpu_to_be_16(p), vip, rte_cpu_to_be_16(T_PORT_APP)) == 1)
			sport = p;
	s.sport = sport;
	t_net.n_workers = 2;
	t_w->tcp_rings = rings;
	t_w->id = 0;
	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_HANDOFF_OUT), 1);
	assert_int_equal(rte_ring_count(rings[1]), 1);
	/* the owner: same stack object stands in for worker 1's */
	t_w->id = 1;
	t_w->tcp_ring_in = rings[1];
	assert_int_equal(hl_tcp_handoff_drain(t_w), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_HANDOFF_IN), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, SYN | ACK);
	assert_int_equal(t_tcp_conns(), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_IN), 1); /* counted once, where it arrived */
	t_tx_clear();
	/* a full ring (3 usable slots): the fourth is dropped and counted */
	t_w->id = 0;
	for (unsigned i = 0; i < 4; i++) {
		s.seq = 1000 + i;
		s.flags = ACK;
		t_rx(t_tcp_frame(&s));
	}
	assert_int_equal(rte_ring_count(rings[1]), 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_HANDOFF_FULL), 1);
	t_w->id = 1;
	assert_int_equal(hl_tcp_handoff_drain(t_w), 3);
	t_tx_clear();
	t_w->tcp_ring_in = NULL;
	t_w->tcp_rings = NULL;
	t_w->id = 0;
	t_net.n_workers = 0;
	rte_ring_free(rings[0]);
	rte_ring_free(rings[1]);
	/* the half-open connection goes with the stack at teardown */
}

/*
 * With the NIC's RSS known (a Toeplitz key and a table over NIC queues 4 and 5,
 * worker 0 polling queue 4): source ports are those whose replies the NIC
 * sends to our queue, and a SYN the NIC put on the other queue is handed over.
 */
static void test_rss_ownership(void **state)
{
	static const uint8_t key[40] = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
					0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
					0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
					0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
	uint32_t peer = rte_cpu_to_be_32(T_PEER_IP), our = rte_cpu_to_be_32(T_OUR_IP);
	uint32_t vip = rte_cpu_to_be_32(T_VIP);
	struct t_seg s = {.dport = T_PORT_APP, .seq = 5, .flags = SYN};
	struct rte_ring *rings[2];
	struct hl_rss rss;
	struct hl_tcp_conn *c;
	unsigned seen_odd = 0, seen_even = 0;

	(void)state;
	assert_int_equal(hl_rss_init(&rss, key, sizeof(key), 128, 2), 0);
	for (unsigned i = 0; i < rss.n_table; i++)
		rss.table[i] = (uint16_t)(rss.table[i] + 4); /* NIC queues 4 and 5 */
	rings[0] = rte_ring_create("t_rss0", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	rings[1] = rte_ring_create("t_rss1", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	assert_non_null(rings[0]);
	assert_non_null(rings[1]);
	t_net.n_workers = 2;
	t_net.rss[0] = &rss;
	t_net.rss_queue0[0] = 4;
	t_w->tcp_rings = rings;
	t_w->id = 1;
	for (unsigned i = 0; i < 40; i++) {
		struct t_out o;
		uint32_t h;

		assert_int_equal(hl_tcp_connect(t_w->tcp, 0, peer, 80, &noop_app, NULL, &c), 0);
		o = t_tcp_out(0);
		t_tx_clear();
		h = hl_rss_hash_ipv4_tcp(&rss, peer, our, rte_cpu_to_be_16(80),
					 rte_cpu_to_be_16(o.sport));
		assert_int_equal(hl_rss_queue(&rss, h), 5); /* the replies come to worker 1 */
		if (o.sport % 2)
			seen_odd++;
		else
			seen_even++;
	}
	/* not the port-parity rule of the hash-less case */
	assert_true(seen_odd > 0 && seen_even > 0);
	/* a SYN the NIC puts on queue 4 (worker 0's) is handed over to worker 0 */
	for (uint16_t p = 1024;; p++) {
		uint32_t h = hl_rss_hash_ipv4_tcp(&rss, peer, vip, rte_cpu_to_be_16(p),
						  rte_cpu_to_be_16(T_PORT_APP));

		if (hl_rss_queue(&rss, h) == 4) {
			s.sport = p;
			break;
		}
	}
	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_ctr(HL_CTR_TCP_HANDOFF_OUT), 1);
	assert_int_equal(rte_ring_count(rings[0]), 1);
	assert_int_equal(t_tx_count(), 0);
	/* worker 0 takes it */
	t_w->id = 0;
	t_w->tcp_ring_in = rings[0];
	assert_int_equal(hl_tcp_handoff_drain(t_w), 1);
	assert_int_equal(t_tcp_out(0).flags, SYN | ACK);
	t_tx_clear();
	t_w->tcp_ring_in = NULL;
	t_w->tcp_rings = NULL;
	t_net.rss[0] = NULL;
	t_net.n_workers = 0;
	rte_ring_free(rings[0]);
	rte_ring_free(rings[1]);
}

/*
 * The connection table: 8 connections in its 16 slots, so probe runs are long and
 * wrap around; 3000 random inserts and removals (a removal moves back the entries of
 * its run) checked against a model after each step: every live key finds its
 * connection, a removed or never-used key finds nothing.
 */
static void test_conn_table(void **state)
{
	struct hl_tcp_params p = {.max_conns = 8, .max_syn_rcvd = 8, .rcv_buf = T_RCV_BUF};
	struct hl_tcp_key key[8], gone = {0};
	struct hl_tcp_conn *conn[8];
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned live = 0, removals = 0;

	(void)state;
	assert_int_equal(t_tcp_recreate(&p), 0);
	assert_int_equal(t_w->tcp->ctab_mask, 15);
	for (unsigned step = 0; step < 3000; step++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		if (live < 8 && (live == 0 || rng % 3 != 0)) {
			struct hl_tcp_key k = {.raddr = (uint32_t)(rng >> 32),
					       .laddr = rte_cpu_to_be_32(T_VIP),
					       .rport = (uint16_t)(rng >> 8),
					       .lport = rte_cpu_to_be_16(80)};

			if (tcp_conn_lookup(t_w->tcp, &k) != NULL)
				continue; /* a key in use: the model has it */
			conn[live] = tcp_conn_new(t_w->tcp, &k, 0);
			assert_non_null(conn[live]);
			key[live++] = k;
		} else {
			unsigned i = (unsigned)(rng >> 40) % live;

			tcp_conn_close(t_w->tcp, conn[i], 0);
			tcp_conn_reap(t_w->tcp);
			gone = key[i];
			key[i] = key[--live];
			conn[i] = conn[live];
			removals++;
			assert_null(tcp_conn_lookup(t_w->tcp, &gone));
		}
		for (unsigned i = 0; i < live; i++)
			assert_ptr_equal(tcp_conn_lookup(t_w->tcp, &key[i]), conn[i]);
		assert_int_equal(t_w->tcp->n_conns, live);
	}
	assert_true(removals > 500);
	for (unsigned i = 0; i < live; i++) /* the teardown's close would do it too */
		tcp_conn_close(t_w->tcp, conn[i], 0);
	tcp_conn_reap(t_w->tcp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_handshake_data_close, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout_retries, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_abort_syn_sent, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_no_options_early_data, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_simultaneous_open, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_shutdown_early, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_connect_source_ports, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test(test_flow_owner),
		cmocka_unit_test_setup_teardown(test_handoff, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rss_ownership, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_conn_table, t_tcp_setup, t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
