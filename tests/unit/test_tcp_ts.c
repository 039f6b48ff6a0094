/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timestamps (RFC 7323): negotiation, TSval/TSecr on every segment, RTT
 * samples from TSecr (also from retransmissions, which Karn's rule
 * forbids without timestamps), PAWS (old TSval dropped and counted, RST
 * exempt), TSval wraparound. Virtual clock; pools whole again after each test.
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

static uint8_t buf[4096];

/* No TS offered: none in the SYN-ACK nor later. Offered: in the SYN-ACK and every segment. */
static void test_negotiation(void **state)
{
	uint32_t isn = 10, iss, tsval = 5000;
	struct t_opts o = {.ts = true};
	struct t_out syn, out;

	(void)state;
	t_tcp_in(1, T_PORT_ECHO, 99, 0, RTE_TCP_SYN_FLAG, NULL, 0);
	assert_false(t_tcp_out(0).ts);
	assert_false(t_tcp_out(0).sack_ok);
	t_tx_clear();
	t_tcp_in(1, T_PORT_ECHO, 100, 0, RST, NULL, 0);

	iss = t_tcp_connect_ext(0, T_PORT_ECHO, isn, false, tsval, &syn);
	assert_true(syn.ts);
	assert_int_equal(syn.tsecr, tsval);
	assert_false(syn.sack_ok);
	assert_int_equal(syn.mss, 1460); /* what we take: the option counts no options */
	t_pattern(buf, 0, 2000);
	t_advance(7);
	o.tsval = tsval + 7;
	o.tsecr = syn.tsval;
	t_tcp_in_opts(0, T_PORT_ECHO, isn + 1, iss + 1, ACK, &o, buf, 1460);
	/* the echo: data segments leave room for the option, MSS 1460 - 12 */
	assert_int_equal(t_tx_count(), 2);
	out = t_tcp_out(0);
	assert_true(out.ts);
	assert_int_equal(out.tsecr, tsval + 7);
	assert_int_equal(out.tsval, syn.tsval + 7);
	assert_int_equal(out.len, 1448);
	assert_int_equal(t_tcp_out(1).len, 12);
	assert_true(t_tcp_out(1).ts);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, isn + 1461, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* RTT from TSecr, including an ACK of a retransmission (no Karn ambiguity). */
static void test_rtt_from_ts(void **state)
{
	uint32_t isn = 20, iss, tsval = 100;
	struct t_opts o = {.ts = true};
	struct hl_tcp_conn *c;
	struct rte_mbuf *m;
	struct t_out d;

	(void)state;
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, false, tsval, NULL);
	c = t_app.conn;
	/* the handshake: one sample of 0 ms (taken as 1) */
	assert_int_equal(c->srtt, 8);
	assert_int_equal(c->rttvar, 2);
	m = rte_pktmbuf_alloc(t_pool);
	memcpy(rte_pktmbuf_append(m, 1000), buf, 1000);
	assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0);
	d = t_tcp_out(0);
	assert_int_equal(d.len, 1000);
	t_tx_clear();
	t_advance(150);
	o.tsval = tsval + 150;
	o.tsecr = d.tsval;
	t_tcp_in_opts(0, T_PORT_APP, isn + 1, iss + 501, ACK, &o, NULL, 0); /* half of it */
	assert_int_equal(c->srtt, 8 + 149);
	assert_int_equal(c->rttvar, 2 + 149);
	/* the rest is lost; the RTO sends it again; its ACK echoes the retransmission */
	t_advance(c->rto);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 1);
	d = t_tcp_out(0);
	assert_int_equal(d.seq, iss + 501);
	t_tx_clear();
	t_advance(30);
	o.tsval += 300;
	o.tsecr = d.tsval;
	t_tcp_in_opts(0, T_PORT_APP, isn + 1, iss + 1001, ACK, &o, NULL, 0);
	assert_int_equal(c->srtt, 157 + (30 - 157 / 8));
	assert_int_equal(t_app.sent, 1000);
	hl_tcp_abort(t_w->tcp, c);
}

/* PAWS: an old TSval is dropped (ACKed, counted); a RST with one still resets. */
static void test_paws(void **state)
{
	uint32_t isn = 30, iss, tsval = 1000000;
	struct t_opts o = {.ts = true};
	struct t_out syn;

	(void)state;
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, false, tsval, &syn);
	o.tsecr = syn.tsval;
	o.tsval = tsval + 10;
	t_tcp_in_opts(0, T_PORT_APP, isn + 1, iss + 1, ACK, &o, buf, 100);
	assert_int_equal(t_app.rcvd_len, 100);
	assert_int_equal(t_app.conn->ts_recent, tsval + 10);
	/* an old duplicate with the next sequence number: PAWS drops it */
	o.tsval = tsval + 5;
	t_tcp_in_opts(0, T_PORT_APP, isn + 101, iss + 1, ACK, &o, buf, 100);
	assert_int_equal(t_app.rcvd_len, 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_PAWS_DROP), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 101);
	assert_int_equal(t_tcp_out(0).tsecr, tsval + 10);
	t_tx_clear();
	/* a segment without timestamps is not judged by PAWS */
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 1, ACK, buf, 100);
	assert_int_equal(t_app.rcvd_len, 200);
	t_tx_clear();
	/* RST is exempt (RFC 7323 5.3 R1): the exact sequence number resets */
	o.tsval = tsval;
	t_tcp_in_opts(0, T_PORT_APP, isn + 201, 0, RST, &o, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNRESET);
	assert_int_equal(t_ctr(HL_CTR_TCP_PAWS_DROP), 1);
}

/* The peer's TSval wraps past 2^32: newer, not old. */
static void test_tsval_wrap(void **state)
{
	uint32_t isn = 40, iss, tsval = 0xfffffff0u;
	struct t_opts o = {.ts = true};
	struct t_out syn;

	(void)state;
	iss = t_tcp_connect_ext(0, T_PORT_APP, isn, false, tsval, &syn);
	o.tsecr = syn.tsval;
	o.tsval = tsval + 0x20; /* wrapped */
	t_tcp_in_opts(0, T_PORT_APP, isn + 1, iss + 1, ACK, &o, buf, 100);
	assert_int_equal(t_app.rcvd_len, 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_PAWS_DROP), 0);
	assert_int_equal(t_app.conn->ts_recent, 0x10);
	o.tsval = tsval + 1; /* before the wrap: old */
	t_tcp_in_opts(0, T_PORT_APP, isn + 101, iss + 1, ACK, &o, buf, 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_PAWS_DROP), 1);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_negotiation, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rtt_from_ts, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_paws, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_tsval_wrap, t_tcp_setup, t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
