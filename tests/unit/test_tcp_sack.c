/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK (RFC 2018): negotiation; the blocks on the ACKs we send (the most
 * recent first, 3 with timestamps, merged as holes fill); the blocks we
 * receive honoured: fast retransmit and recovery resend only the holes, and
 * the go-back-N after an RTO skips what the peer holds. Virtual clock; pools
 * whole again after each test.
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

static uint8_t buf[8 * MSS];

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

/* Five segments sent; the peer reports 2 and 4-5 held. */
static uint32_t send_five(uint32_t isn, struct hl_tcp_conn **cp)
{
	uint32_t iss = t_tcp_connect_ext(0, T_PORT_APP, isn, true, 1, NULL);

	*cp = t_app.conn;
	t_pattern(buf, 0, 5 * MSS);
	for (unsigned i = 0; i < 5; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		memcpy(rte_pktmbuf_append(m, MSS), buf + i * MSS, MSS);
		assert_int_equal(hl_tcp_send(t_w->tcp, *cp, m), 0);
	}
	assert_int_equal(t_tx_count(), 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(t_tcp_out(i).len, MSS);
	t_tx_clear();
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

/* Fast retransmit resends segment 1, the next duplicate ACK segment 3, nothing SACKed. */
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
	sack_ack(isn, s0, 2, b2, s0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(c->sb_n, 2);
	sack_ack(isn, s0, 2, b2, s0); /* third: fast retransmit */
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.seq, s0);
	assert_int_equal(o.len, MSS);
	assert_memory_equal(o.data, buf, MSS);
	t_tx_clear();
	sack_ack(isn, s0, 2, b2, s0); /* fourth: the next hole */
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
	sack_ack(isn, s0, 2, b, s0);
	t_tx_clear();
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sack_blocks_sent, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_no_sack, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_recovery, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sack_rto, t_tcp_setup, t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
