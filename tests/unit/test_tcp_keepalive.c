/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6) on the timer wheel
 * (dataplane/tcp/tcp_timer.c): off by default; when on, probes (an ACK with
 * SEG.SEQ = SND.NXT - 1, no data) after the idle time and then at the
 * interval, any acceptable segment from the peer starts over, and the
 * connection is reset (-ETIMEDOUT) after the last unanswered probe; never
 * while data waits for an acknowledgment. Virtual clock; pools checked.
 */
#include <errno.h>
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
#define FIN RTE_TCP_FIN_FLAG
#define SYN RTE_TCP_SYN_FLAG

#define IDLE   10000
#define INTVL  1000
#define PROBES 3

static int setup_keepalive(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.keepalive = true;
	p.keepalive_idle_ms = IDLE;
	p.keepalive_intvl_ms = INTVL;
	p.keepalive_probes = PROBES;
	return t_tcp_setup_params(state, &p);
}

/* Keepalive, and half-open connections given up after one SYN-ACK retransmission (3 s). */
static int setup_keepalive_short_synack(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.keepalive = true;
	p.keepalive_idle_ms = IDLE;
	p.keepalive_intvl_ms = INTVL;
	p.keepalive_probes = PROBES;
	p.synack_retries = 1;
	return t_tcp_setup_params(state, &p);
}

static int setup_keepalive_defaults(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.keepalive = true;
	return t_tcp_setup_params(state, &p);
}

/* Advance @p ms: nothing may go out before the end, then exactly one keepalive probe (the
 * peer's ISN @p isn, our SND.NXT @p nxt). */
static void expect_probe_after(uint32_t ms, uint32_t isn, uint32_t nxt)
{
	struct t_out o;

	t_advance(ms - 1);
	assert_int_equal(t_tx_count(), 0);
	t_advance(1);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, ACK);
	assert_int_equal(o.seq, nxt - 1);
	assert_int_equal(o.ack, isn + 1);
	assert_int_equal(o.len, 0);
	t_tx_clear();
}

/* Nobody answers: probes at idle, idle + interval, ...; after the last interval RST and
 * closed(-ETIMEDOUT). */
static void test_keepalive_timeout(void **state)
{
	uint32_t isn = 100, nxt;
	struct t_out o;

	(void)state;
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1; /* SND.NXT */
	expect_probe_after(IDLE, isn, nxt);
	for (unsigned i = 1; i < PROBES; i++)
		expect_probe_after(INTVL, isn, nxt);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), PROBES);
	t_advance(INTVL - 1);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_app.closed, 0);
	t_advance(1);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RST | ACK);
	assert_int_equal(o.seq, nxt);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_TIMEOUT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), PROBES);
	assert_int_equal(t_tcp_conns(), 0);
}

/* A connection opened through a SYN cookie (the half-open budget full of spoofed SYNs)
 * has keepalive like any other: probes after the idle time, an answer starts over, the
 * last unanswered probe resets it. */
static void test_keepalive_syncookie(void **state)
{
	uint32_t isn = 300, nxt;

	(void)state;
	for (uint16_t i = 0; i < 16; i++) /* the harness's syn_backlog */
		t_tcp_in(100 + i, T_PORT_APP, 1000u * i, 0, SYN, NULL, 0);
	t_tx_clear();
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1;
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 1);
	assert_int_equal(t_app.established, 1);
	/* the spoofed half-open connections: one SYN-ACK again at 1 s, dropped at 3 s */
	t_advance(1000);
	assert_int_equal(t_tx_count(), 16);
	t_advance(2000);
	assert_int_equal(t_tx_count(), 16);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNACK_GIVEUP), 16);
	assert_int_equal(t_tcp_conns(), 1);
	t_tx_clear();
	expect_probe_after(IDLE - 3000, isn, nxt);
	t_advance(100);
	t_tcp_in(0, T_PORT_APP, isn + 1, nxt, ACK, NULL, 0); /* the answer */
	expect_probe_after(IDLE, isn, nxt);
	for (unsigned i = 1; i < PROBES; i++)
		expect_probe_after(INTVL, isn, nxt);
	t_advance(INTVL);
	assert_int_equal(t_tcp_out(0).flags, RST | ACK);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), PROBES + 1);
	assert_int_equal(t_tcp_conns(), 0);
}

/* An answer (the peer's ACK of the probe) starts the idle time over, and so does data;
 * a peer that keeps answering is kept for good. */
static void test_keepalive_answered(void **state)
{
	uint32_t isn = 200, nxt;

	(void)state;
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1; /* SND.NXT */
	expect_probe_after(IDLE, isn, nxt);
	expect_probe_after(INTVL, isn, nxt);
	t_advance(500);
	t_tcp_in(0, T_PORT_APP, isn + 1, nxt, ACK, NULL, 0); /* the answer */
	assert_int_equal(t_tx_count(), 0);
	expect_probe_after(IDLE, isn, nxt); /* idle again, not the interval */
	t_advance(300);
	t_tcp_in(0, T_PORT_APP, isn + 1, nxt, ACK, (const uint8_t *)"hello", 5);
	t_advance(HL_TCP_DELACK_MS);
	assert_int_equal(t_tx_count(), 1); /* the delayed ACK of the data */
	t_tx_clear();
	isn += 5;
	expect_probe_after(IDLE - HL_TCP_DELACK_MS, isn, nxt);
	for (unsigned i = 0; i < 2 * PROBES; i++) {
		expect_probe_after(INTVL, isn, nxt);
		t_tcp_in(0, T_PORT_APP, isn + 1, nxt, ACK, NULL, 0);
		expect_probe_after(IDLE, isn, nxt);
	}
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_TIMEOUT), 0);
	/* an unacceptable segment (outside the window) is no answer */
	t_tcp_in(0, T_PORT_APP, isn + 1 + 100000, nxt, ACK, NULL, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_OUT_OF_WINDOW), 1);
	t_tx_clear();
	expect_probe_after(INTVL, isn, nxt);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* While our data waits for its ACK the RTO is in charge, not keepalive; once it is
 * acknowledged, the idle time counts from that ACK. */
static void test_keepalive_waits_for_data(void **state)
{
	uint32_t isn = 300, nxt;
	struct rte_mbuf *m;

	(void)state;
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1; /* SND.NXT */
	m = rte_pktmbuf_alloc(t_pool);
	memset(rte_pktmbuf_append(m, 100), 'k', 100);
	assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), 0);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();
	for (unsigned i = 0; i < (IDLE + 1000) / 100; i++)
		t_advance(100); /* RTOs at 0.2, 0.6, 1.4, 3.0, 6.2 s */
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 5);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, nxt + 100, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 100);
	expect_probe_after(IDLE, isn, nxt + 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 5);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* CLOSE-WAIT (the peer closed, we did not yet) is probed too. */
static void test_keepalive_close_wait(void **state)
{
	uint32_t isn = 400, nxt;

	(void)state;
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1; /* SND.NXT */
	t_tcp_in(0, T_PORT_APP, isn + 1, nxt, ACK | FIN, NULL, 0);
	assert_int_equal(t_app.peer_fin, 1);
	t_tx_clear();
	expect_probe_after(IDLE, isn + 1, nxt);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Off by default: three idle hours, not a segment. */
static void test_keepalive_off_by_default(void **state)
{
	(void)state;
	t_tcp_connect(0, T_PORT_APP, 500);
	for (unsigned i = 0; i < 3; i++)
		t_advance(3600 * 1000);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), 0);
	assert_int_equal(t_app.closed, 0);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Enabled with zeros: Linux's 7200 s, 75 s, 9 probes. */
static void test_keepalive_defaults(void **state)
{
	uint32_t isn = 600, nxt;

	(void)state;
	nxt = t_tcp_connect(0, T_PORT_APP, isn) + 1; /* SND.NXT */
	expect_probe_after(7200 * 1000, isn, nxt);
	for (unsigned i = 1; i < 9; i++)
		expect_probe_after(75 * 1000, isn, nxt);
	t_advance(75 * 1000 - 1);
	assert_int_equal(t_app.closed, 0);
	t_advance(1);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_KEEPALIVE_SENT), 9);
	assert_int_equal(t_tcp_conns(), 0);
}

/* hl_tcp_create refuses what the ms clock cannot compare (>= 2^31 ms) and > 127 probes. */
static void test_keepalive_params(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	(void)state;
	p.keepalive = true;
	p.keepalive_probes = 128;
	assert_int_equal(hl_tcp_create(t_w, &p), -EINVAL);
	p.keepalive_probes = 127;
	p.keepalive_idle_ms = (1u << 31) - 127 * 75000;
	assert_int_equal(hl_tcp_create(t_w, &p), -EINVAL);
	assert_null(t_w->tcp);
	p.keepalive_idle_ms -= 1;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	assert_int_equal(t_w->tcp->p.keepalive_intvl_ms, 75000);
	hl_tcp_free(t_w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keepalive_syncookie,
						setup_keepalive_short_synack, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_timeout, setup_keepalive,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_answered, setup_keepalive,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_waits_for_data, setup_keepalive,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_close_wait, setup_keepalive,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_off_by_default, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_defaults, setup_keepalive_defaults,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_params, t_net_setup, t_net_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
