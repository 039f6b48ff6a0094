/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987): with the half-open budget full (16 in the
 * harness), a legitimate handshake still completes through a cookie, with
 * its options carried by the timestamps or lost without them; forged,
 * misdirected and expired cookies are refused. Virtual clock; pools whole
 * again after each test.
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
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG

/* 16 spoofed SYNs from fresh ports T_PEER_PORT + 100.. fill the half-open budget. */
static void flood(void)
{
	static uint16_t port = 100;

	for (uint16_t i = 0; i < 16; i++, port++)
		t_tcp_in(port, T_PORT_APP, 1000u * i, 0, SYN, NULL, 0);
	t_tx_clear();
	assert_int_equal(t_w->tcp->n_syn_rcvd, 16);
}

/* With timestamps: window scale, SACK and MSS survive the cookie; data flows. */
static void test_cookie_with_ts(void **state)
{
	uint32_t isn = 777, iss;
	struct hl_tcp_conn *c;
	struct t_out syn;
	uint8_t data[100] = {1, 2, 3};

	(void)state;
	flood();
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_SENT), 0);
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, true, 4242, &syn);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYN_BACKLOG_FULL), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_SENT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 1);
	assert_true(syn.ts && syn.sack_ok);
	assert_int_equal(syn.ws, HL_TCP_RCV_WSCALE);
	assert_int_equal(syn.tsecr, 4242);
	assert_int_equal(t_app.established, 1);
	c = t_app.conn;
	assert_int_equal(c->state, HL_TCP_ESTABLISHED);
	assert_int_equal(c->iss, iss);
	assert_true(c->flags & HL_TCPF_TS);
	assert_true(c->flags & HL_TCPF_SACK);
	assert_true(c->flags & HL_TCPF_WSCALE);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->mss, 1460 - 12);
	assert_int_equal(t_w->tcp->n_syn_rcvd, 16);
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, data, sizeof(data));
	assert_int_equal(t_app.rcvd_len, sizeof(data));
	t_advance(HL_TCP_DELACK_MS);
	assert_int_equal(t_tcp_out(t_tx_count() - 1).ack, isn + 1 + sizeof(data));
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, c);
}

/* Without timestamps: the connection opens with no window scaling and no SACK. */
static void test_cookie_without_ts(void **state)
{
	uint32_t isn = 555, iss;
	struct hl_tcp_conn *c;

	(void)state;
	flood();
	iss = t_tcp_connect(0, T_PORT_APP, isn); /* MSS 1460 and window scale offered */
	(void)iss;
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 1);
	c = t_app.conn;
	assert_non_null(c);
	assert_false(c->flags & (HL_TCPF_TS | HL_TCPF_SACK | HL_TCPF_WSCALE));
	assert_int_equal(c->mss, 1460);
	assert_int_equal(c->snd_wnd, 65535);
	hl_tcp_abort(t_w->tcp, c);
}

/* A forged ACK, a cookie replayed from another port, and an expired one: RST, counted. */
static void test_cookie_rejected(void **state)
{
	uint32_t isn = 999, cookie;

	(void)state;
	flood();
	t_tcp_in(0, T_PORT_APP, isn, 0, SYN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	cookie = t_tcp_out(0).seq;
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, cookie + 2, ACK, NULL, 0); /* forged */
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_BAD), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_true(t_tcp_out(0).flags & RST);
	t_tx_clear();
	t_tcp_in(1, T_PORT_APP, isn + 1, cookie + 1, ACK, NULL, 0); /* another 4-tuple */
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_BAD), 2);
	t_tcp_in(0, T_PORT_APP, isn + 2, cookie + 1, ACK, NULL, 0); /* another peer ISN */
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_BAD), 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 0);
	/* a minute later it is still good (the previous period) ... */
	t_advance(65536);
	t_tx_clear();
	flood(); /* the first flood gave up meanwhile */
	t_tcp_in(0, T_PORT_APP, isn + 1, cookie + 1, ACK, NULL, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 1);
	hl_tcp_abort(t_w->tcp, t_app.conn);
	t_tx_clear();
	/* ... two periods later it is not */
	t_advance(2 * 65536);
	t_tx_clear();
	flood();
	t_tcp_in(2, T_PORT_APP, isn, 0, SYN, NULL, 0); /* keeps cookies "recent" */
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, cookie + 1, ACK, NULL, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_OK), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_BAD), 4);
	t_tx_clear();
}

/* No cookies sent lately: a stray ACK is just a stray ACK (no cookie check). */
static void test_no_flood_no_check(void **state)
{
	(void)state;
	t_tcp_in(0, T_PORT_APP, 1, 12345, ACK, NULL, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_NO_CONN), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNCOOKIE_BAD), 0);
	t_tx_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cookie_with_ts, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_without_ts, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_rejected, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_no_flood_no_check, t_tcp_setup,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
