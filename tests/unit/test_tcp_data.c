/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP data transfer: echo both ways, the peer's window respected,
 * retransmission after a lost segment (RTO, exponential backoff), fast
 * retransmit, delayed ACKs, out-of-order and out-of-window segments, a zero
 * receive window and its update, sequence-number wraparound. Virtual clock,
 * real mbufs; pools whole again after each test.
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
#define PSH RTE_TCP_PSH_FLAG

static uint8_t buf[16384];

/* Echo: what goes in comes back, ACKs piggybacked, the window reopens as the echo is ACKed. */
static void test_echo(void **state)
{
	uint32_t isn = 7000, iss, rcv = 0;
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	t_pattern(buf, 0, 3000);
	for (uint32_t off = 0; off < 3000; off += 1000) {
		t_tcp_in(0, T_PORT_ECHO, isn + 1 + off, iss + 1, ACK | PSH, buf + off, 1000);
		assert_int_equal(t_tx_count(), 1);
		o = t_tcp_out(0);
		assert_int_equal(o.flags, ACK | PSH);
		assert_int_equal(o.seq, iss + 1 + off);
		assert_int_equal(o.ack, isn + 1 + off + 1000);
		assert_int_equal(o.len, 1000);
		assert_memory_equal(o.data, buf + off, 1000);
		rcv += o.len;
		t_tx_clear();
	}
	/* echoed bytes still count against our window until the peer ACKs them */
	t_tcp_in(0, T_PORT_ECHO, isn + 3001, iss + 1 + rcv, ACK, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_BYTES_IN), 3000);
	t_tcp_in(0, T_PORT_ECHO, isn + 3001, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* The sender stays within the peer's window and continues when it opens. */
static void test_peer_window(void **state)
{
	uint32_t isn = 1, iss;
	struct t_seg s = {.dport = T_PORT_ECHO, .flags = ACK, .wnd = 0};
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	/* window 20 << 7 = 2560 bytes */
	s.seq = isn + 1;
	s.ack = iss + 1;
	s.wnd = 20;
	t_rx(t_tcp_frame(&s));
	t_pattern(buf, 0, 4000);
	s.len = 1460;
	s.data = buf;
	t_rx(t_tcp_frame(&s));
	s.seq += 1460;
	s.data = buf + 1460;
	t_rx(t_tcp_frame(&s));
	s.len = 0;
	/* the first echo went out; the second only partly fits: held back (SWS) */
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).len, 1460);
	t_tx_clear();
	t_advance(HL_TCP_DELACK_MS); /* the second segment's ACK was delayed */
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.len, 0);
	assert_int_equal(o.ack, isn + 2921);
	t_tx_clear();
	/* the peer ACKs the first: the window slides, the rest goes */
	s.seq = isn + 2921;
	s.ack = iss + 1 + 1460;
	s.wnd = 20;
	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.seq, iss + 1 + 1460);
	assert_int_equal(o.len, 1460);
	assert_memory_equal(o.data, buf + 1460, 1460);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, isn + 2921, 0, RST, NULL, 0);
}

/* A lost segment: the RTO fires, the segment goes again, the RTO doubles each time. */
static void test_rto_backoff(void **state)
{
	uint32_t isn = 100, iss, rto;
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	t_pattern(buf, 0, 500);
	t_tcp_in(0, T_PORT_ECHO, isn + 1, iss + 1, ACK, buf, 500);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear(); /* lost */
	/* the handshake's RTT sample (0 ms) gives the minimum RTO */
	rto = HL_TCP_RTO_MIN_MS;
	for (unsigned i = 0; i < 4; i++, rto *= 2) {
		t_advance(rto - 1);
		assert_int_equal(t_tx_count(), 0);
		t_advance(1);
		assert_int_equal(t_tx_count(), 1);
		o = t_tcp_out(0);
		assert_int_equal(o.seq, iss + 1);
		assert_int_equal(o.len, 500);
		assert_memory_equal(o.data, buf, 500);
		t_tx_clear();
	}
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 4);
	assert_int_equal(t_ctr(HL_CTR_TCP_RETRANSMIT), 4);
	/* the ACK stops the timer */
	t_tcp_in(0, T_PORT_ECHO, isn + 501, iss + 501, ACK, NULL, 0);
	t_advance(60000);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 4);
	t_tcp_in(0, T_PORT_ECHO, isn + 501, 0, RST, NULL, 0);
}

/* Three duplicate ACKs: the first unacknowledged segment goes again before any RTO. */
static void test_fast_retransmit(void **state)
{
	uint32_t isn = 9, iss;
	struct rte_mbuf *m;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_pattern(buf, 0, 4 * 1460);
	m = rte_pktmbuf_alloc(t_pool);
	memcpy(rte_pktmbuf_append(m, 4 * 400), buf, 4 * 400);
	assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), 0);
	assert_int_equal(t_tx_count(), 2); /* 1600 bytes, MSS 1460: two segments */
	t_tx_clear();
	m = rte_pktmbuf_alloc(t_pool);
	memcpy(rte_pktmbuf_append(m, 1460), buf, 1460);
	hl_tcp_send(t_w->tcp, t_app.conn, m);
	m = rte_pktmbuf_alloc(t_pool);
	memcpy(rte_pktmbuf_append(m, 1460), buf, 1460);
	hl_tcp_send(t_w->tcp, t_app.conn, m);
	t_tx_clear();
	assert_int_equal(hl_tcp_send_queued(t_app.conn), 1600 + 2920);
	for (unsigned i = 0; i < 3; i++)
		t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, NULL, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_DUPACK), 3);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).seq, iss + 1);
	assert_int_equal(t_tcp_out(0).len, 1460);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1 + 1600 + 2920, ACK, NULL, 0);
	assert_int_equal(t_app.sent, 1600 + 2920);
	assert_int_equal(hl_tcp_send_queued(t_app.conn), 0);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* One segment: ACK after 40 ms; two: ACK at once. */
static void test_delayed_ack(void **state)
{
	uint32_t isn = 3, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 0);
	t_advance(39);
	assert_int_equal(t_tx_count(), 0);
	t_advance(1);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 101);
	assert_int_equal(t_ctr(HL_CTR_TCP_DELACK_SENT), 1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 0);
	t_tcp_in(0, T_PORT_APP, isn + 201, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 301);
	t_tx_clear();
	t_advance(100); /* nothing owed any more */
	assert_int_equal(t_tx_count(), 0);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* Out of order: queued, a duplicate ACK at once. Out of window: ACK. Old duplicate: ACK. */
static void test_ooo_and_window(void **state)
{
	uint32_t isn = 50, iss;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_pattern(buf, 0, 300);
	t_tcp_in(0, T_PORT_APP, isn + 101, iss + 1, ACK, buf + 100, 100);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_QUEUED), 1);
	assert_int_equal(t_app.rcvd_len, 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1 + 100000, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_OUT_OF_WINDOW), 1);
	t_tx_clear();
	/* in order now: the queued segment follows at once; then the same again (an old
	 * duplicate) */
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 201);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, buf, 100);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).ack, isn + 201);
	assert_int_equal(t_app.rcvd_len, 200);
	/* a partial overlap delivers only the new part */
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 151, iss + 1, ACK, buf + 150, 150);
	assert_int_equal(t_app.rcvd_len, 300);
	assert_memory_equal(t_app.rcvd, buf, 300);
	assert_int_equal(t_ctr(HL_CTR_TCP_OOO_DROP), 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* The application holds what it got: the window closes, data beyond it is refused, and
 * hl_tcp_recved() sends a window update. */
static void test_zero_window(void **state)
{
	uint32_t isn = 11, iss, off = 0;
	struct t_out o;

	(void)state;
	t_app.autorecved = false;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	while (off < T_RCV_BUF) {
		t_tcp_in(0, T_PORT_APP, isn + 1 + off, iss + 1, ACK, buf, 1024);
		off += 1024;
	}
	assert_int_equal(t_app.rcvd_len, T_RCV_BUF);
	o = t_tcp_out(t_tx_count() - 1);
	assert_int_equal(o.ack, isn + 1 + T_RCV_BUF);
	assert_int_equal(o.wnd, 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 1 + off, iss + 1, ACK, buf, 1); /* a probe */
	assert_int_equal(t_app.rcvd_len, T_RCV_BUF);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).wnd, 0);
	t_tx_clear();
	hl_tcp_recved(t_w->tcp, t_app.conn, T_RCV_BUF);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).wnd, T_RCV_BUF >> 7);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* The peer's sequence numbers wrap past 2^32 mid-stream. */
static void test_seq_wraparound(void **state)
{
	uint32_t isn = 0xffffff00u, iss, seq;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	t_pattern(buf, 0, 1200);
	seq = isn + 1;
	for (unsigned i = 0; i < 6; i++, seq += 200) {
		t_tcp_in(0, T_PORT_ECHO, seq, iss + 1 + 200 * i, ACK, buf + 200 * i, 200);
		assert_int_equal(t_tx_count(), 1);
		assert_int_equal(t_tcp_out(0).ack, seq + 200);
		assert_memory_equal(t_tcp_out(0).data, buf + 200 * i, 200);
		t_tx_clear();
	}
	assert_true(seq < isn); /* wrapped */
	assert_int_equal(t_ctr(HL_CTR_TCP_OUT_OF_WINDOW), 0);
	/* an old segment from before the wrap is a duplicate, not new data */
	t_tcp_in(0, T_PORT_ECHO, isn + 1, iss + 1201, ACK, buf, 200);
	assert_int_equal(t_ctr(HL_CTR_TCP_OUT_OF_WINDOW), 1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, seq, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

static int setup_sq_cap(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.sq_mbufs_max = 2;
	return t_tcp_setup_params(state, &p);
}

/*
 * The send queues' share of the packet pool: with 2 mbufs queued (the echo of
 * two segments the peer has not acknowledged), a third data segment is dropped
 * unacknowledged and counted; once the peer ACKs the echo, the same segment is
 * taken.
 */
static void test_sq_mbuf_cap(void **state)
{
	uint32_t isn = 100, iss;
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_ECHO, isn);
	t_pattern(buf, 0, 3000);
	t_tcp_in(0, T_PORT_ECHO, isn + 1, iss + 1, ACK | PSH, buf, 1000);
	t_tcp_in(0, T_PORT_ECHO, isn + 1001, iss + 1, ACK | PSH, buf + 1000, 1000);
	assert_int_equal(t_tx_count(), 2); /* both echoed, not yet acknowledged */
	t_tx_clear();
	assert_int_equal(t_w->tcp->sq_mbufs, 2);
	t_tcp_in(0, T_PORT_ECHO, isn + 2001, iss + 1, ACK | PSH, buf + 2000, 1000);
	assert_int_equal(t_ctr(HL_CTR_TCP_RX_MEM_DROP), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_BYTES_IN), 2000);
	assert_int_equal(t_tx_count(), 0); /* not acknowledged, not echoed */
	/* the peer acknowledges the echo and sends the segment again */
	t_tcp_in(0, T_PORT_ECHO, isn + 2001, iss + 2001, ACK, NULL, 0);
	assert_int_equal(t_w->tcp->sq_mbufs, 0);
	t_tcp_in(0, T_PORT_ECHO, isn + 2001, iss + 2001, ACK | PSH, buf + 2000, 1000);
	assert_int_equal(t_ctr(HL_CTR_TCP_BYTES_IN), 3000);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.ack, isn + 3001);
	assert_memory_equal(o.data, buf + 2000, 1000);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, isn + 3001, iss + 3001, RST, NULL, 0);
	assert_int_equal(t_w->tcp->sq_mbufs, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/*
 * What a callback sends leaves when the input ends, as few segments as the
 * MSS allows (a proxy sends a response's head, then its body, from one
 * segment of the replica's): two sends of 100 and 40 bytes from recv() are
 * one segment of 140 with the ACK of what came; three of 900 are two
 * segments, the first a full MSS (the harness's is 1460). Sends from
 * outside a callback go at once, one segment each.
 */
static void test_callback_sends_coalesce(void **state)
{
	uint32_t isn = 500, iss, got = 0;
	struct t_out o;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	t_app.autorecved = true;
	t_app.reply[0] = 100;
	t_app.reply[1] = 40;
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK | PSH, buf, 50);
	assert_int_equal(t_app.rcvd_len, 50);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.seq, iss + 1);
	assert_int_equal(o.ack, isn + 51);
	assert_int_equal(o.len, 140);
	for (uint32_t k = 0; k < 140; k++)
		assert_int_equal(o.data[k], t_app_reply_byte(k));
	t_tx_clear();
	got = 140;
	t_app.reply[0] = t_app.reply[1] = t_app.reply[2] = 900;
	t_tcp_in(0, T_PORT_APP, isn + 51, iss + 1 + got, ACK | PSH, buf, 10);
	assert_int_equal(t_tx_count(), 2);
	assert_int_equal(t_tcp_out(0).len + t_tcp_out(1).len, 2700);
	assert_int_equal(t_tcp_out(0).len, t_app.conn->mss); /* a full one first */
	assert_int_equal(t_tcp_out(1).seq, iss + 1 + got + t_tcp_out(0).len);
	t_tx_clear();
	got += 2700;
	/* outside a callback: at once, each send its own segment */
	memset(t_app.reply, 0, sizeof(t_app.reply));
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		assert_non_null(m);
		memcpy(rte_pktmbuf_append(m, 30), buf, 30);
		assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), 0);
		assert_int_equal(t_tx_count(), (unsigned)i + 1);
	}
	assert_int_equal(t_tcp_out(1).seq, iss + 1 + got + 30);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 61, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_w->tcp->n_out_pending, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_peer_window, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_rto_backoff, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_fast_retransmit, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_delayed_ack, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_ooo_and_window, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_seq_wraparound, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_sq_mbuf_cap, setup_sq_cap, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_callback_sends_coalesce, t_tcp_setup,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
