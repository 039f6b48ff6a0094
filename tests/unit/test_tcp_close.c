/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP close: the peer closes first (echo: the rest echoed, then FIN;
 * LAST-ACK), half-close (data still flows after the peer's FIN), we close
 * first (FIN-WAIT-1/2, TIME-WAIT for 2 MSL, bounded and recycled),
 * simultaneous close (CLOSING), RST in several states (exact: reset;
 * in-window: challenge ACK; outside: ignored), RTO give-up.
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

static void app_send(uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), buf, len);
	assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), 0);
}

/* Echo: data then FIN from the peer; the echo, then our FIN; the last ACK frees it. */
static void test_peer_closes_echo(void **state)
{
	uint32_t isn = 10, iss;
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	t_pattern(buf, 0, 300);
	t_tcp_in(0, T_PORT_ECHO, isn + 1, iss + 1, ACK | FIN, buf, 300);
	/* the echo was queued inside the input; the peer's FIN in the same segment made
	 * the echo app shut down: one segment carries the echo and our FIN */
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.len, 300);
	assert_memory_equal(o.data, buf, 300);
	assert_int_equal(o.flags, FIN | ACK | RTE_TCP_PSH_FLAG);
	assert_int_equal(o.seq, iss + 1);
	assert_int_equal(o.ack, isn + 302);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, isn + 302, iss + 302, ACK, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_tx_count(), 0);
}

/* Half-close: after the peer's FIN we keep sending; our FIN when the app shuts down. */
static void test_half_close(void **state)
{
	uint32_t isn = 20, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK | FIN, NULL, 0);
	assert_int_equal(t_app.peer_fin, 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 2);
	t_tx_clear();
	app_send(1000);
	app_send(1000);
	assert_int_equal(t_tx_count(), 2);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 2, iss + 2001, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 2000);
	hl_tcp_shutdown(t_w->tcp, t_app.conn);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, FIN | ACK);
	assert_int_equal(t_tcp_out(0).seq, iss + 2001);
	t_tx_clear();
	/* sending after shutdown is refused (and the mbuf freed) */
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		rte_pktmbuf_append(m, 10);
		assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), -EPIPE);
	}
	t_tcp_in(0, T_PORT_APP, isn + 2, iss + 2002, ACK, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* We close first: FIN-WAIT-1, -2 (data still received), TIME-WAIT for 2 MSL. */
static void test_active_close_time_wait(void **state)
{
	uint32_t isn = 30, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	hl_tcp_shutdown(t_w->tcp, t_app.conn);
	assert_int_equal(t_tcp_out(0).flags, FIN | ACK);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 2, ACK, NULL, 0); /* FIN-WAIT-2 */
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 2, ACK, buf, 100);
	assert_int_equal(t_app.rcvd_len, 100);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 2, ACK | FIN, NULL, 0);
	assert_int_equal(t_app.peer_fin, 1);
	assert_int_equal(t_app.closed, 1); /* the application is done with it */
	assert_int_equal(t_tcp_out(t_tx_count() - 1).ack, isn + 102);
	t_tx_clear();
	assert_int_equal(t_tcp_conns(), 1); /* TIME-WAIT */
	/* a repeated FIN is ACKed again */
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 2, ACK | FIN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();
	t_advance(HL_TCP_TIME_WAIT_MS - 1);
	assert_int_equal(t_tcp_conns(), 1);
	t_advance(1);
	assert_int_equal(t_tcp_conns(), 0);
}

/* Both send FIN at once: CLOSING, then TIME-WAIT when ours is ACKed. */
static void test_simultaneous_close(void **state)
{
	uint32_t isn = 40, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	hl_tcp_shutdown(t_w->tcp, t_app.conn);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK | FIN, NULL, 0); /* does not ACK our FIN */
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 2);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 2, iss + 2, ACK, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_tcp_conns(), 1);                /* TIME-WAIT */
	t_tcp_in(0, T_PORT_APP, isn + 2, 0, RST, NULL, 0); /* RST in TIME-WAIT closes */
	assert_int_equal(t_tcp_conns(), 0);
}

/* RST: outside the window ignored; in the window but not exact: challenge ACK; exact: reset. */
static void test_rst_rules(void **state)
{
	uint32_t isn = 50, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_tcp_in(0, T_PORT_APP, isn + 1 + 100000, 0, RST, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RST_IGNORED), 1);
	t_tcp_in(0, T_PORT_APP, isn + 1 + 10, 0, RST, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, ACK);
	assert_int_equal(t_tcp_out(0).ack, isn + 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), 1);
	assert_int_equal(t_app.closed, 0);
	t_tx_clear();
	/* in CLOSE-WAIT too */
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK | FIN, NULL, 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 2, 0, RST, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNRESET);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_tx_count(), 0);
}

/* Unanswered retransmissions: RST and -ETIMEDOUT after HL_TCP_RETRIES_MAX. */
static void test_rto_giveup(void **state)
{
	uint32_t isn = 60;

	(void)state;
	t_tcp_connect(0, T_PORT_APP, isn);
	app_send(100);
	t_tx_clear();
	for (unsigned i = 0; i < HL_TCP_RETRIES_MAX + 1 && t_app.closed == 0; i++) {
		t_advance(HL_TCP_RTO_MAX_MS);
		t_tx_clear();
	}
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), HL_TCP_RETRIES_MAX);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO_GIVEUP), 1);
	assert_int_equal(t_tcp_conns(), 0);
}

/* TIME-WAIT is bounded: the ninth (max 8) recycles the oldest. */
static void test_time_wait_bound(void **state)
{
	(void)state;
	for (uint16_t i = 0; i < 9; i++) {
		uint32_t isn = 1000u * i, iss = t_tcp_connect(i, T_PORT_APP, isn);

		hl_tcp_shutdown(t_w->tcp, t_app.conn);
		t_tcp_in(i, T_PORT_APP, isn + 1, iss + 2, ACK | FIN, NULL, 0);
		t_tx_clear();
	}
	assert_int_equal(t_tcp_conns(), 8);
	assert_int_equal(t_ctr(HL_CTR_TCP_TW_RECYCLED), 1);
	t_advance(HL_TCP_TIME_WAIT_MS);
	assert_int_equal(t_tcp_conns(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peer_closes_echo, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_half_close, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_active_close_time_wait, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_simultaneous_close, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rst_rules, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rto_giveup, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_bound, t_tcp_setup, t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
