/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The out-of-order queue (dataplane/tcp/tcp_ooo.c): reordered segments
 * delivered in order when the hole fills, overlaps trimmed, the
 * per-connection and per-worker caps, a FIN out of order, sequence
 * wraparound. Virtual clock, real mbufs; pools whole again after each test.
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
#define FIN RTE_TCP_FIN_FLAG

static uint8_t buf[4096];

/* Peer sends payload bytes [from, from + len) of its stream (stream offset 0 = isn + 1). */
static void seg(uint16_t port, uint32_t isn, uint32_t iss, uint32_t from, uint16_t len,
		uint8_t flags)
{
	t_tcp_in(0, port, isn + 1 + from, iss + 1, ACK | flags, buf + from, len);
}

/* Five segments arrive 2 4 3 5 1: each early one is ACKed at once with the hole's edge;
 * the last delivers all five, in order. */
static void test_reorder(void **state)
{
	static const unsigned order[] = {1, 3, 2, 4, 0};
	uint32_t isn = 1000, iss;

	(void)state;
	t_pattern(buf, 0, 500);
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	for (unsigned i = 0; i < 4; i++) {
		seg(T_PORT_APP, isn, iss, order[i] * 100, 100, 0);
		assert_int_equal(t_tx_count(), 1);
		assert_int_equal(t_tcp_out(0).ack, isn + 1);
		assert_int_equal(t_app.rcvd_len, 0);
		t_tx_clear();
	}
	assert_int_equal(t_app.conn->ooo_n, 4);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_QUEUED), 4);
	seg(T_PORT_APP, isn, iss, 0, 100, 0);
	assert_int_equal(t_app.rcvd_len, 500);
	assert_memory_equal(t_app.rcvd, buf, 500);
	assert_int_equal(t_tx_count(), 1); /* the hole filled: ACK at once */
	assert_int_equal(t_tcp_out(0).ack, isn + 501);
	assert_int_equal(t_app.conn->ooo_n, 0);
	assert_int_equal(t_w->tcp->n_ooo, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_BYTES_IN), 500);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Overlaps: a new segment is trimmed against the queue; one that covers queued ones
 * replaces them; what is delivered is each byte once, in order. */
static void test_overlap(void **state)
{
	uint32_t isn = 77, iss;

	(void)state;
	t_pattern(buf, 0, 800);
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	seg(T_PORT_APP, isn, iss, 200, 100, 0); /* [200,300) */
	seg(T_PORT_APP, isn, iss, 250, 150, 0); /* back overlap: [300,400) kept */
	seg(T_PORT_APP, isn, iss, 150, 100, 0); /* front overlap: [150,200) kept */
	seg(T_PORT_APP, isn, iss, 220, 50, 0);  /* inside: nothing new */
	assert_int_equal(t_app.conn->ooo_n, 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_QUEUED), 3);
	seg(T_PORT_APP, isn, iss, 500, 100, 0); /* [500,600) */
	seg(T_PORT_APP, isn, iss, 120, 400, 0); /* covers the three, reaches into [500,600) */
	assert_int_equal(t_app.conn->ooo_n, 2); /* [120,500) [500,600) */
	assert_int_equal(t_app.rcvd_len, 0);
	t_tx_clear();
	seg(T_PORT_APP, isn, iss, 0, 130, 0); /* fills the hole, overlaps the queue's head */
	assert_int_equal(t_app.rcvd_len, 600);
	assert_memory_equal(t_app.rcvd, buf, 600);
	assert_int_equal(t_tcp_out(t_tx_count() - 1).ack, isn + 601);
	assert_int_equal(t_app.conn->ooo_n, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_DROP), 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Per-connection cap, then per-worker cap: beyond, dropped and counted; the pool comes
 * back when the connections close with segments still queued. */
static void test_caps(void **state)
{
	struct hl_tcp *t = t_w->tcp;
	uint32_t isn = 5, iss0, iss1;

	(void)state;
	t->p.ooo_max_conn = 3;
	t->p.ooo_max = 4;
	iss0 = t_tcp_connect(0, T_PORT_DISCARD, isn);
	iss1 = t_tcp_connect(1, T_PORT_DISCARD, isn);
	for (unsigned i = 1; i <= 5; i++) /* holes between all of them */
		t_tcp_in(0, T_PORT_DISCARD, isn + 1 + 200 * i, iss0 + 1, ACK, buf, 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_QUEUED), 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_DROP), 2);
	assert_int_equal(t_tx_count(), 5); /* each answered with a duplicate ACK */
	t_tx_clear();
	for (unsigned i = 1; i <= 3; i++)
		t_tcp_in(1, T_PORT_DISCARD, isn + 1 + 200 * i, iss1 + 1, ACK, buf, 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_QUEUED), 4);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_DROP), 4);
	assert_int_equal(t->n_ooo, 4);
	t_tx_clear();
	t_tcp_in(0, T_PORT_DISCARD, isn + 1, 0, RST, NULL, 0);
	t_tcp_in(1, T_PORT_DISCARD, isn + 1, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t->n_ooo, 0);
}

/* A FIN out of order: kept with its segment, and the close proceeds when the hole fills. */
static void test_ooo_fin(void **state)
{
	uint32_t isn = 300, iss;

	(void)state;
	t_pattern(buf, 0, 200);
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	seg(T_PORT_APP, isn, iss, 100, 100, FIN);
	assert_int_equal(t_app.peer_fin, 0);
	t_tx_clear();
	seg(T_PORT_APP, isn, iss, 0, 100, 0);
	assert_int_equal(t_app.rcvd_len, 200);
	assert_memory_equal(t_app.rcvd, buf, 200);
	assert_int_equal(t_app.peer_fin, 1);
	assert_int_equal(t_tcp_out(t_tx_count() - 1).ack, isn + 202);
	assert_int_equal(t_app.conn->state, HL_TCP_CLOSE_WAIT);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* The peer's sequence numbers wrap inside the out-of-order queue. */
static void test_ooo_wraparound(void **state)
{
	uint32_t isn = 0xffffff00u - 1, iss; /* stream offset 256 is sequence number 0 */

	(void)state;
	t_pattern(buf, 0, 600);
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	seg(T_PORT_APP, isn, iss, 400, 200, 0); /* after the wrap */
	seg(T_PORT_APP, isn, iss, 200, 150, 0); /* across it: [200,350) */
	seg(T_PORT_APP, isn, iss, 300, 150, 0); /* overlaps both sides of the wrap */
	assert_int_equal(t_app.conn->ooo_n, 3);
	t_tx_clear();
	seg(T_PORT_APP, isn, iss, 0, 200, 0);
	assert_int_equal(t_app.rcvd_len, 600);
	assert_memory_equal(t_app.rcvd, buf, 600);
	assert_int_equal(t_tcp_out(t_tx_count() - 1).ack, isn + 601);
	assert_true(isn + 601 < isn);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reorder, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_overlap, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_caps, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_ooo_fin, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_ooo_wraparound, t_tcp_setup, t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
