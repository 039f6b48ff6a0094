/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK (RFC 2018): negotiation; the blocks on the ACKs we send (the most
 * recent first, 3 with timestamps, merged as holes fill); the blocks we
 * receive honoured: fast retransmit and recovery resend only the holes, and
 * the go-back-N after an RTO skips what the peer holds. D-SACKs (RFC 2883)
 * recognised and counted, and the undo of a fast retransmit they show
 * spurious (NewReno and CUBIC): the window comes back, the duplicate-ACK
 * threshold rises (bounded by the flight, back to 3 when it cost an RTO); a
 * real loss keeps its reduction. Virtual clock; pools whole again after each
 * test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "net_harness.h"
#include "tcp_priv.h"

#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define MSS 1448 /* 1460 less the timestamps option */

static uint8_t buf[16 * MSS];

static void assert_blocks(struct t_out o, uint32_t base, unsigned n, const uint32_t (*b)[2])
{
	assert_int_equal(o.nsack, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(o.sack[i][0], base + b[i][0]);
		assert_int_equal(o.sack[i][1], base + b[i][1]);
	}
}

/* Out-of-order arrivals are reported, most recent first; the hole filling clears them. */
static void test_sack_blocks_sent(void **state)
{
	static const uint32_t b1[][2] = {{200, 300}};
	static const uint32_t b2[][2] = {{400, 500}, {200, 300}};
	static const uint32_t b3[][2] = {{200, 500}};
	static const uint32_t b4[][2] = {{1000, 1100}, {200, 500}, {600, 700}};
	uint32_t isn = 1000, iss, base = isn + 1;
	struct t_out syn;

	(void)state;
	t_pattern(buf, 0, 1200);
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, true, 1, &syn);
	assert_true(syn.sack_ok);
	t_tcp_in(0, T_PORT_APP, base + 200, iss + 1, ACK, buf + 200, 100);
	assert_blocks(t_tcp_out(0), base, 1, b1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, base + 400, iss + 1, ACK, buf + 400, 100);
	assert_blocks(t_tcp_out(0), base, 2, b2);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, base + 300, iss + 1, ACK, buf + 300, 100);
	assert_blocks(t_tcp_out(0), base, 1, b3);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, base + 600, iss + 1, ACK, buf + 600, 100);
	t_tcp_in(0, T_PORT_APP, base + 800, iss + 1, ACK, buf + 800, 100);
	t_tcp_in(0, T_PORT_APP, base + 1000, iss + 1, ACK, buf + 1000, 100);
	/* four blocks, three fit with timestamps: the newest, then the lowest */
	assert_true(t_tcp_out(2).ts);
	assert_blocks(t_tcp_out(2), base, 3, b4);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, base, iss + 1, ACK, buf, 200);
	assert_int_equal(t_app.rcvd_len, 500);
	assert_int_equal(t_tcp_out(0).ack, base + 500);
	assert_int_equal(t_tcp_out(0).nsack, 3); /* [600,700) [800,900) [1000,1100) remain */
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, base + 500, iss + 1, ACK, buf + 500, 700); /* all of it */
	assert_int_equal(t_app.rcvd_len, 1200);
	assert_memory_equal(t_app.rcvd, buf, 1200);
	assert_int_equal(t_tcp_out(0).nsack, 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Not negotiated: no SACK option, even with an out-of-order queue. */
static void test_no_sack(void **state)
{
	uint32_t isn = 1, iss;

	(void)state;
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, false, 1, NULL);
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tcp_out(0).nsack, 0);
	assert_false(t_app.conn->flags & HL_TCPF_SACK);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Segments @p first .. @p first + @p n - 1 of the pattern queued; all go out at once. */
static void send_segs(struct hl_tcp_conn *c, unsigned first, unsigned n)
{
	t_pattern(buf + first * MSS, first * MSS, n * MSS);
	for (unsigned i = first; i < first + n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		memcpy(rte_pktmbuf_append(m, MSS), buf + i * MSS, MSS);
		assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0);
	}
	assert_int_equal(t_tx_count(), n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(t_tcp_out(i).len, MSS);
	t_tx_clear();
}

/* Five segments sent. */
static uint32_t send_five(uint32_t isn, struct hl_tcp_conn **cp)
{
	uint32_t iss = t_tcp_connect_ext(0, T_PORT_APP, isn, true, 1, NULL);

	*cp = t_app.conn;
	send_segs(*cp, 0, 5);
	return iss;
}

static void sack_ack(uint32_t isn, uint32_t ack, unsigned n, const uint32_t (*b)[2], uint32_t s)
{
	struct t_opts o = {.nsack = n};

	for (unsigned i = 0; i < n; i++) {
		o.sack[i][0] = s + b[i][0] * MSS;
		o.sack[i][1] = s + b[i][1] * MSS;
	}
	t_tcp_in_opts(0, T_PORT_APP, isn + 1, ack, ACK, &o, NULL, 0);
}

/* Fast retransmit resends segment 0 as soon as 3 segments above it are SACKed (the second
 * duplicate ACK, RFC 6675 IsLost), the next duplicate ACK segment 2 (no new data to send:
 * NextSeg (3)), nothing SACKed. */
static void test_sack_recovery(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}};
	static const uint32_t b2[][2] = {{3, 5}, {1, 2}};
	struct hl_tcp_conn *c;
	uint32_t isn = 50, iss, s0;
	struct t_out o;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	sack_ack(isn, s0, 1, b1, s0);
	assert_int_equal(t_tx_count(), 0);
	sack_ack(isn, s0, 2, b2, s0); /* second: 3 segments SACKed above 0, fast retransmit */
	assert_int_equal(c->sb_n, 2);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.seq, s0);
	assert_int_equal(o.len, MSS);
	assert_memory_equal(o.data, buf, MSS);
	t_tx_clear();
	sack_ack(isn, s0, 2, b2, s0); /* third: the next hole */
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.seq, s0 + 2 * MSS);
	assert_int_equal(o.len, MSS);
	assert_memory_equal(o.data, buf + 2 * MSS, MSS);
	t_tx_clear();
	sack_ack(isn, s0, 2, b2, s0); /* no hole left below the SACKed data */
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_RETRANSMIT), 2);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 2);
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	assert_int_equal(c->sb_n, 0);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* An RTO goes back to snd_una but skips what the peer SACKed. */
static void test_sack_rto(void **state)
{
	static const uint32_t b[][2] = {{1, 2}, {3, 5}};
	static const uint32_t b2[][2] = {{3, 5}};
	struct hl_tcp_conn *c;
	uint32_t isn = 60, iss, s0;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	c->reordering = HL_TCP_REORDER_MAX; /* 3 segments SACKed above 0 do not show it lost */
	sack_ack(isn, s0, 2, b, s0);
	assert_int_equal(t_tx_count(), 0);
	t_advance(c->rto);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 1);
	assert_int_equal(t_tx_count(), 1); /* cwnd 1 MSS */
	assert_int_equal(t_tcp_out(0).seq, s0);
	assert_int_equal(t_tcp_out(0).len, MSS);
	t_tx_clear();
	sack_ack(isn, s0 + 2 * MSS, 1, b2, s0); /* 1 and 2 held now */
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, s0 + 2 * MSS);
	assert_int_equal(t_tcp_out(0).len, MSS);
	assert_memory_equal(t_tcp_out(0).data, buf + 2 * MSS, MSS);
	t_tx_clear();
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 2);
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	assert_int_equal(t_tx_count(), 0);
	hl_tcp_abort(t_w->tcp, c);
}

/* RFC 2883 4: a first block below the ACK, or inside the second block, is a D-SACK. */
static void test_dsack_detect(void **state)
{
	static const uint32_t below[][2] = {{0, 1}};
	static const uint32_t inside[][2] = {{2, 3}, {2, 4}};
	static const uint32_t plain[][2] = {{4, 5}, {2, 4}};
	struct hl_tcp_conn *c;
	uint32_t isn = 80, iss, s0;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	sack_ack(isn, s0 + MSS, 1, below, s0); /* segment 0 twice; acks it too */
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 1);
	assert_int_equal(c->snd_una, s0 + MSS);
	assert_int_equal(c->sb_n, 0);
	sack_ack(isn, s0 + MSS, 2, inside, s0); /* segment 2 twice, 2-3 held */
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 2);
	assert_int_equal(c->sb_n, 1);
	assert_int_equal(c->sb[0][0], s0 + 2 * MSS);
	assert_int_equal(c->sb[0][1], s0 + 4 * MSS);
	/* nothing was retransmitted: nothing to undo */
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 0);
	sack_ack(isn, s0 + MSS, 2, plain, s0); /* an ordinary SACK: 4 held too */
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 2);
	assert_int_equal(c->sb_n, 1);
	assert_int_equal(c->sb[0][1], s0 + 5 * MSS);
	/* 3 segments SACKed above segment 1: lost (RFC 6675 IsLost), not a D-SACK's doing */
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 0);
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* Segments from @p s on: the first is late, three duplicate ACKs SACK 1, 1-2, 1-4. */
static void three_dupacks(uint32_t isn, uint32_t s)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 5}};

	sack_ack(isn, s, 1, b1, s);
	sack_ack(isn, s, 1, b2, s);
	sack_ack(isn, s, 1, b3, s);
}

/*
 * Reordering: segment 0 comes late, after three duplicate ACKs have
 * retransmitted it; the D-SACK of the retransmission shows it spurious: cwnd
 * and ssthresh come back, the threshold rises to 5 (4 segments overtook it),
 * and the same reordering again, in a flight of 10, retransmits nothing.
 */
static void check_undo(void)
{
	static const uint32_t dsack[][2] = {{0, 1}};
	struct hl_tcp_conn *c;
	uint32_t isn = 90, iss, s0, s1, cwnd, ssthresh;

	iss = send_five(isn, &c);
	s0 = iss + 1;
	cwnd = c->cwnd;
	ssthresh = c->ssthresh;
	assert_int_equal(c->reordering, HL_TCP_REORDER_INIT);
	three_dupacks(isn, s0);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, s0);
	assert_int_equal(t_tcp_out(0).len, MSS);
	t_tx_clear();
	assert_true(c->flags & HL_TCPF_RECOVERY);
	assert_true(c->cwnd < cwnd);
	assert_true(c->ssthresh < ssthresh);
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0); /* the original arrived */
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_true(c->cwnd < cwnd);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 0);
	sack_ack(isn, s0 + 5 * MSS, 1, dsack, s0); /* then the retransmission */
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 1);
	assert_int_equal(c->cwnd, cwnd);
	assert_int_equal(c->ssthresh, ssthresh);
	assert_int_equal(c->reordering, 5);
	assert_int_equal(t_tx_count(), 0);

	/* the same again: three duplicate ACKs, 4 segments SACKed, are not enough now */
	s1 = s0 + 5 * MSS;
	send_segs(c, 5, 10);
	three_dupacks(isn, s1);
	assert_int_equal(t_tx_count(), 0);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(c->cwnd, cwnd);
	t_tcp_in(0, T_PORT_APP, isn + 1, s1 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 15 * MSS);
	assert_true(c->cwnd > cwnd); /* still slow start */
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 1);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

static void test_undo_newreno(void **state)
{
	(void)state;
	assert_ptr_equal(t_w->tcp->cc, &hl_tcp_newreno);
	check_undo();
}

static void test_undo_cubic(void **state)
{
	(void)state;
	assert_ptr_equal(t_w->tcp->cc, &hl_tcp_cubic);
	check_undo();
}

/* Two segments retransmitted (fast retransmit, partial ACK): one D-SACK does not undo. */
static void test_undo_needs_every_dsack(void **state)
{
	static const uint32_t b3[][2] = {{1, 4}}, d0[][2] = {{0, 1}}, d4[][2] = {{4, 5}};
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}};
	struct hl_tcp_conn *c;
	uint32_t isn = 100, iss, s0, cwnd;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	cwnd = c->cwnd;
	sack_ack(isn, s0, 1, b1, s0);
	sack_ack(isn, s0, 1, b2, s0);
	sack_ack(isn, s0, 1, b3, s0);
	assert_int_equal(t_tx_count(), 1); /* segment 0 */
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 4 * MSS, ACK, NULL, 0); /* partial: 4 goes too */
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, s0 + 4 * MSS);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	sack_ack(isn, s0 + 5 * MSS, 1, d0, s0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 0);
	assert_true(c->cwnd < cwnd);
	assert_int_equal(c->reordering, HL_TCP_REORDER_INIT);
	sack_ack(isn, s0 + 5 * MSS, 1, d4, s0);
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 2);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 1);
	assert_int_equal(c->cwnd, cwnd);
	assert_int_equal(c->reordering, 4);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* A real loss: the retransmission fills the hole, no D-SACK comes; the reduction stays. */
static void test_loss_no_undo(void **state)
{
	static const uint32_t stale[][2] = {{0, 1}};
	struct hl_tcp_conn *c;
	uint32_t isn = 110, iss, s0, cwnd, ssthresh;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	cwnd = c->cwnd;
	three_dupacks(isn, s0);
	assert_int_equal(t_tx_count(), 1);
	assert_memory_equal(t_tcp_out(0).data, buf, MSS);
	t_tx_clear();
	ssthresh = c->ssthresh;
	assert_int_equal(ssthresh, 5 * MSS / 2); /* half the flight */
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(c->ssthresh, ssthresh);
	assert_true(c->cwnd <= ssthresh);
	assert_int_equal(c->reordering, HL_TCP_REORDER_INIT);
	/* an RTO forgets the episode: a late D-SACK of its retransmission undoes nothing */
	send_segs(c, 5, 1);
	t_advance(c->rto);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 1);
	assert_int_equal(c->prior_cwnd, 0);
	t_tx_clear();
	sack_ack(isn, s0 + 6 * MSS, 1, stale, s0);
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 0);
	assert_true(c->cwnd < cwnd);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* RFC 8985's reo_wnd as tcp_dupack() waits it: SRTT / 4 + 1 ms. */
static uint32_t reo_wnd(const struct hl_tcp_conn *c)
{
	return (c->srtt >> 5) + 1;
}

/* A raised threshold stays within what the flight can bring: 4 segments SACKed of 5. */
static void test_dupthresh_flight(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 4}};
	static const uint32_t b4[][2] = {{1, 5}};
	struct hl_tcp_conn *c;
	uint32_t isn = 120, iss, s0;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	c->reordering = HL_TCP_REORDER_MAX;
	sack_ack(isn, s0, 1, b1, s0);
	sack_ack(isn, s0, 1, b2, s0);
	sack_ack(isn, s0, 1, b3, s0);
	assert_int_equal(t_tx_count(), 0);
	sack_ack(isn, s0, 1, b4, s0);
	/* the path reorders (threshold raised): a reordering window first */
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_REO_WAIT), 1);
	t_advance(reo_wnd(c));
	assert_int_equal(t_ctr(HL_CTR_TCP_REO_TIMEOUT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, s0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* A timeout with 3 segments SACKed outside recovery: the threshold was too high, back to 3. */
static void test_rto_resets_reordering(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 4}};
	struct hl_tcp_conn *c;
	uint32_t isn = 130, iss, s0;

	(void)state;
	iss = send_five(isn, &c);
	s0 = iss + 1;
	c->reordering = HL_TCP_REORDER_MAX;
	sack_ack(isn, s0, 1, b1, s0);
	sack_ack(isn, s0, 1, b2, s0);
	sack_ack(isn, s0, 1, b3, s0); /* 1-3 SACKed; 4 later segments: threshold 4 */
	assert_int_equal(t_tx_count(), 0);
	t_advance(c->rto);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 1);
	assert_int_equal(c->reordering, HL_TCP_REORDER_INIT);
	assert_int_equal(t_tcp_out(0).seq, s0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 5 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 5 * MSS);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* ---- loss detection by the scoreboard (RFC 6675 IsLost) ---- */

static uint8_t peer_buf[16 * 100];

/*
 * An ACK of @p ack with SACK blocks @p b (segments from @p s) that also carries 100 bytes
 * of data at peer sequence *@p pseq (moved on): not a duplicate ACK by RFC 5681's count.
 */
static void sack_ack_data(uint32_t *pseq, uint32_t ack, unsigned n, const uint32_t (*b)[2],
			  uint32_t s)
{
	struct t_opts o = {.nsack = n};

	for (unsigned i = 0; i < n; i++) {
		o.sack[i][0] = s + b[i][0] * MSS;
		o.sack[i][1] = s + b[i][1] * MSS;
	}
	t_tcp_in_opts(0, T_PORT_APP, *pseq, ack, ACK, &o, peer_buf, 100);
	*pseq += 100;
}

/* Data segments (not pure ACKs) sent since the last t_tx_clear(); *@p n_at those at @p seq. */
static unsigned data_out(uint32_t seq, unsigned *n_at)
{
	unsigned n = 0;

	*n_at = 0;
	for (unsigned i = 0; i < t_tx_count(); i++) {
		struct t_out o = t_tcp_out(i);

		if (o.len == 0)
			continue;
		n++;
		if (o.seq == seq)
			(*n_at)++;
	}
	return n;
}

/* Ten segments sent on a new connection; @return the first one's sequence number. */
static uint32_t send_ten(uint32_t isn, struct hl_tcp_conn **cp)
{
	uint32_t iss = t_tcp_connect_ext(0, T_PORT_APP, isn, true, 1, NULL);

	*cp = t_app.conn;
	send_segs(*cp, 0, 10);
	return iss + 1;
}

/*
 * Segment 0 lost; the peer's ACKs all carry data (an echo's, say), so none is a pure
 * duplicate ACK, and it ACKs every second segment. The second ACK, with 3 segments SACKed
 * above the hole, retransmits it.
 */
static void test_sack_loss_data_acks(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 4}};
	struct hl_tcp_conn *c;
	uint32_t isn = 140, pseq = isn + 1, s0;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	sack_ack_data(&pseq, s0, 1, b1, s0);
	assert_int_equal(data_out(s0, &at), 0);
	assert_int_equal(c->sb_n, 1);
	sack_ack_data(&pseq, s0, 1, b2, s0);
	assert_int_equal(c->dupacks, 2);
	assert_int_equal(data_out(s0, &at), 1);
	assert_int_equal(at, 1);
	assert_memory_equal(t_tcp_out(t_tx_count() - 1).data, buf, MSS);
	assert_true(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 1);
	assert_int_equal(t_app.rcvd_len, 200);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, pseq, s0 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 10 * MSS);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* One ACK (a stretch ACK: the peer coalesced) that SACKs 4 segments shows the hole lost. */
static void test_sack_loss_one_ack(void **state)
{
	static const uint32_t b[][2] = {{1, 5}};
	struct hl_tcp_conn *c;
	uint32_t isn = 150, s0;

	(void)state;
	s0 = send_ten(isn, &c);
	sack_ack(isn, s0, 1, b, s0);
	assert_int_equal(c->dupacks, 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, s0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 10 * MSS);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/*
 * A threshold raised by earlier reordering (6), data-carrying ACKs for every second
 * segment: 4 segments SACKed above the hole are still reordering, 6 show it lost at the
 * third ACK, not the sixth; after a reordering window it goes, no RTO needed.
 */
static void test_sack_loss_raised_threshold(void **state)
{
	static const uint32_t b1[][2] = {{1, 3}}, b2[][2] = {{1, 5}}, b3[][2] = {{1, 7}};
	struct hl_tcp_conn *c;
	uint32_t isn = 160, pseq = isn + 1, s0;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	c->reordering = 6;
	sack_ack_data(&pseq, s0, 1, b1, s0);
	sack_ack_data(&pseq, s0, 1, b2, s0);
	assert_int_equal(data_out(s0, &at), 0);
	sack_ack_data(&pseq, s0, 1, b3, s0);
	assert_int_equal(c->dupacks, 3);
	assert_int_equal(data_out(s0, &at), 0);
	assert_true(c->flags & HL_TCPF_REO);
	t_tx_clear();
	if (reo_wnd(c) > 1) {
		t_advance(reo_wnd(c) - 1);
		assert_int_equal(data_out(s0, &at), 0);
	}
	t_advance(1);
	assert_int_equal(data_out(s0, &at), 1);
	assert_int_equal(at, 1);
	assert_false(c->flags & HL_TCPF_REO);
	assert_true(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, pseq, s0 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 10 * MSS);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/*
 * Reordering below the threshold: segment 0 overtaken by 2 segments (pure duplicate
 * ACKs), then, with the threshold at 6, segment 10 overtaken by 5 (ACKs carrying data):
 * nothing is retransmitted and the window is not reduced.
 */
static void test_sack_reorder_below_threshold(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}};
	struct hl_tcp_conn *c;
	uint32_t isn = 170, pseq = isn + 1, s0, s1, cwnd;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	sack_ack(isn, s0, 1, b1, s0);
	sack_ack(isn, s0, 1, b2, s0);
	assert_int_equal(t_tx_count(), 0);
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 3 * MSS, ACK, NULL, 0); /* 0 arrived: 0-2 */
	t_tcp_in(0, T_PORT_APP, isn + 1, s0 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 10 * MSS);
	t_tx_clear();
	cwnd = c->cwnd;

	c->reordering = 6;
	s1 = s0 + 10 * MSS;
	send_segs(c, 10, 6);
	/* 6 in flight: the threshold in use is min(6, 6 - 1) = 5; 4 SACKed are reordering */
	for (uint32_t k = 2; k <= 5; k++) {
		const uint32_t b[][2] = {{1, k}};

		sack_ack_data(&pseq, s1, 1, b, s1);
		assert_int_equal(data_out(s1, &at), 0);
	}
	t_tcp_in(0, T_PORT_APP, pseq, s1 + 6 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 16 * MSS);
	assert_int_equal(c->cwnd, cwnd + MSS); /* slow start went on (one ACK, L = 1) */
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/*
 * The path reorders (threshold 4): segment 0 is suspected lost (5 segments SACKed), but
 * arrives within the reordering window: nothing is retransmitted, the window is not
 * reduced, and the retransmission deadline is a full RTO again.
 */
static void test_reo_window_reordered(void **state)
{
	static const uint32_t b1[][2] = {{1, 3}}, b2[][2] = {{1, 6}};
	struct hl_tcp_conn *c;
	uint32_t isn = 200, pseq = isn + 1, s0, cwnd;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	c->reordering = 4;
	cwnd = c->cwnd;
	sack_ack_data(&pseq, s0, 1, b1, s0);
	sack_ack_data(&pseq, s0, 1, b2, s0);
	assert_true(c->flags & HL_TCPF_REO);
	assert_int_equal(t_ctr(HL_CTR_TCP_REO_WAIT), 1);
	assert_int_equal(data_out(s0, &at), 0);
	t_tcp_in(0, T_PORT_APP, pseq, s0 + 6 * MSS, ACK, NULL, 0); /* 0 came: 0-5 */
	assert_false(c->flags & HL_TCPF_REO);
	assert_true(c->flags & HL_TCPF_RTO);
	t_advance(reo_wnd(c) + 1);
	assert_int_equal(data_out(s0, &at), 0);
	t_tcp_in(0, T_PORT_APP, pseq, s0 + 10 * MSS, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 10 * MSS);
	assert_true(c->cwnd > cwnd);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_REO_TIMEOUT), 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/*
 * The scoreboard started recovery (ACKs carrying data), but segment 0 was only late: its
 * D-SACK undoes the reduction, and the threshold becomes the 3 segments that overtook it
 * + 1.
 */
static void test_sack_loss_undo(void **state)
{
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 4}};
	static const uint32_t dsack[][2] = {{0, 1}};
	struct hl_tcp_conn *c;
	uint32_t isn = 180, pseq = isn + 1, s0, cwnd, ssthresh;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	cwnd = c->cwnd;
	ssthresh = c->ssthresh;
	sack_ack_data(&pseq, s0, 1, b1, s0);
	sack_ack_data(&pseq, s0, 1, b2, s0);
	assert_int_equal(data_out(s0, &at), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_LOSS), 1);
	assert_true(c->cwnd < cwnd);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, pseq, s0 + 10 * MSS, ACK, NULL, 0); /* the original came */
	assert_true(c->cwnd < cwnd);
	sack_ack_data(&pseq, s0 + 10 * MSS, 1, dsack, s0); /* then the retransmission */
	assert_int_equal(t_ctr(HL_CTR_TCP_DSACK_IN), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SPURIOUS_UNDO), 1);
	assert_int_equal(c->cwnd, cwnd);
	assert_int_equal(c->ssthresh, ssthresh);
	assert_int_equal(c->reordering, 4);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/*
 * In recovery, with new data waiting, a hole with too little SACKed above it is not
 * resent (it may be reordered: RFC 6675 NextSeg (1.c)); once enough is SACKed it is.
 */
static void test_sack_recovery_hole_not_lost(void **state)
{
	static const uint32_t b1[][2] = {{1, 4}};
	static const uint32_t b2[][2] = {{1, 8}};
	static const uint32_t b3[][2] = {{9, 10}, {1, 8}};
	struct hl_tcp_conn *c;
	uint32_t isn = 190, s0, sacked_above = 0;
	unsigned at;

	(void)state;
	s0 = send_ten(isn, &c);
	for (unsigned i = 10; i < 14; i++) { /* more data waits behind the window */
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		t_pattern(buf + i * MSS, i * MSS, MSS);
		memcpy(rte_pktmbuf_append(m, MSS), buf + i * MSS, MSS);
		assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0);
	}
	assert_int_equal(t_tx_count(), 0);
	sack_ack(isn, s0, 1, b1, s0); /* 0 lost */
	assert_int_equal(data_out(s0, &at), 1);
	assert_int_equal(at, 1);
	t_tx_clear();
	sack_ack(isn, s0, 1, b2, s0);
	sack_ack(isn, s0, 2, b3, s0); /* 8 missing, 1 segment SACKed above it */
	data_out(s0 + 8 * MSS, &at);
	assert_int_equal(at, 0);
	t_tx_clear();
	/* each duplicate ACK inflates the window: new data goes, and is SACKed in turn; 8 is
	 * resent when 3 segments above it are SACKed, not before */
	for (unsigned k = 0; k < 8 && at == 0; k++) {
		uint32_t hi = (c->snd_max - s0) / MSS;
		const uint32_t b[][2] = {{9, hi}, {1, 8}};

		sacked_above = hi - 9;
		sack_ack(isn, s0, 2, b, s0);
		data_out(s0 + 8 * MSS, &at);
		t_tx_clear();
	}
	assert_int_equal(at, 1);
	assert_int_equal(sacked_above, 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_SACK_RETRANSMIT), 2); /* 0 and 8 */
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

static int setup_cubic(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.cc = HL_TCP_CC_CUBIC;
	return t_tcp_setup_params(state, &p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sack_blocks_sent, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_no_sack, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_recovery, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_rto, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_dsack_detect, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_undo_newreno, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_undo_cubic, setup_cubic, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_undo_needs_every_dsack, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_loss_no_undo, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_dupthresh_flight, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rto_resets_reordering, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_loss_data_acks, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_loss_one_ack, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_loss_raised_threshold, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_reorder_below_threshold, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_loss_undo, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_reo_window_reordered, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_recovery_hole_not_lost, t_tcp_setup,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
