/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP passive open: the three-way handshake and its options (MSS honoured
 * and clamped, window scale), SYN-ACK retransmission and give-up, a
 * repeated SYN, RSTs for closed ports and stray segments, malformed
 * segments. Segments in, segments out, on a virtual clock; mbuf and
 * connection pools whole again after each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "net_harness.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG

static void test_handshake(void **state)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 2};
	struct t_seg s = {.dport = T_PORT_APP,
			  .seq = 1000,
			  .flags = SYN,
			  .opts = opts,
			  .optlen = sizeof(opts)};
	struct t_out o;

	(void)state;
	t_rx(t_tcp_frame(&s));
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, SYN | ACK);
	assert_int_equal(o.ack, 1001);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.ws, 7);
	assert_int_equal(o.wnd, T_RCV_BUF); /* unscaled in a SYN-ACK */
	assert_int_equal(o.len, 0);
	assert_int_equal(t_app.established, 0); /* not before the ACK */
	assert_int_equal(t_tcp_conns(), 1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, 1001, o.seq + 1, ACK, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_app.established, 1);
	assert_non_null(t_app.conn);
	assert_int_equal(t_ctr(HL_CTR_TCP_ACCEPTED), 1);
	/* our window is now scaled by 7 */
	t_tcp_in(0, T_PORT_APP, 1001, o.seq + 1, ACK | RTE_TCP_PSH_FLAG, (const uint8_t *)"hi", 2);
	t_advance(40); /* delayed ACK */
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.ack, 1003);
	assert_int_equal(o.wnd, T_RCV_BUF >> 7);
	t_tx_clear();
	/* the peer resets: exact sequence number */
	t_tcp_in(0, T_PORT_APP, 1003, 0, RST, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNRESET);
	assert_int_equal(t_tcp_conns(), 0);
}

/* The peer's MSS is clamped to what our MTU takes; no window scale without the peer's. */
static void test_mss_clamp_no_wscale(void **state)
{
	static const uint8_t big[] = {2, 4, 0x23, 0x28}; /* MSS 9000 */
	struct t_seg s = {
		.dport = T_PORT_ECHO, .seq = 5, .flags = SYN, .opts = big, .optlen = sizeof(big)};
	static uint8_t data[1460 * 2];
	struct t_out o;
	uint32_t iss;

	(void)state;
	t_rx(t_tcp_frame(&s));
	o = t_tcp_out(0);
	iss = o.seq;
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.ws, -1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, 6, iss + 1, ACK, NULL, 0);
	/* 2920 bytes echoed in two 1460-byte segments (the peer's window is unscaled 65535) */
	t_pattern(data, 0, sizeof(data));
	t_tcp_in(0, T_PORT_ECHO, 6, iss + 1, ACK, data, 1460);
	t_tcp_in(0, T_PORT_ECHO, 6 + 1460, iss + 1, ACK, data + 1460, 1460);
	assert_int_equal(t_tx_count(), 2);
	for (unsigned i = 0; i < 2; i++) {
		o = t_tcp_out(i);
		assert_int_equal(o.len, 1460);
		assert_int_equal(o.seq, iss + 1 + 1460 * i);
		assert_memory_equal(o.data, data + 1460 * i, 1460);
	}
	assert_int_equal(t_tcp_out(1).ack, 6 + 2920);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, 6 + 2920, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* No MSS option: 536 (RFC 9293 3.7.1). */
static void test_default_mss(void **state)
{
	struct t_seg s = {.dport = T_PORT_ECHO, .seq = 77, .flags = SYN};
	static uint8_t data[1000];
	uint32_t iss;

	(void)state;
	t_rx(t_tcp_frame(&s));
	iss = t_tcp_out(0).seq;
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, 78, iss + 1, ACK, NULL, 0);
	t_pattern(data, 0, sizeof(data));
	t_tcp_in(0, T_PORT_ECHO, 78, iss + 1, ACK, data, sizeof(data));
	assert_int_equal(t_tx_count(), 2);
	assert_int_equal(t_tcp_out(0).len, 536);
	assert_int_equal(t_tcp_out(1).len, 1000 - 536);
	t_tx_clear();
	t_tcp_in(0, T_PORT_ECHO, 78 + 1000, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
}

static void test_closed_port_and_strays(void **state)
{
	struct t_out o;

	(void)state;
	/* SYN to a port nobody listens on: RST|ACK, seq 0, ack ISN+1 */
	t_tcp_in(0, 81, 4242, 0, SYN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RST | ACK);
	assert_int_equal(o.seq, 0);
	assert_int_equal(o.ack, 4243);
	assert_int_equal(o.sport, 81);
	assert_int_equal(t_ctr(HL_CTR_TCP_NO_LISTENER), 1);
	t_tx_clear();
	/* data with FIN to a closed port: the ACK covers data and FIN */
	t_tcp_in(0, 81, 100, 0, FIN, (const uint8_t *)"abc", 3);
	o = t_tcp_out(0);
	assert_int_equal(o.ack, 104);
	t_tx_clear();
	/* a stray ACK on a listening port: RST with seq = its ACK */
	t_tcp_in(0, T_PORT_APP, 9, 0xdeadbeef, ACK, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, RST);
	assert_int_equal(o.seq, 0xdeadbeef);
	assert_int_equal(t_ctr(HL_CTR_TCP_NO_CONN), 1);
	t_tx_clear();
	/* a RST for nothing: ignored */
	t_tcp_in(0, T_PORT_APP, 9, 0, RST, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RST_NO_CONN), 1);
	/* the port address has no listeners either */
	assert_int_equal(t_ctr(HL_CTR_TCP_RST_OUT), 3);
	assert_int_equal(t_tcp_conns(), 0);
}

/* No ACK for the SYN-ACK: retransmitted with backoff, then dropped. */
static void test_synack_retransmit_giveup(void **state)
{
	uint32_t iss, waits[] = {1000, 2000, 4000, 8000, 16000};

	(void)state;
	t_tcp_in(0, T_PORT_APP, 1, 0, SYN, NULL, 0);
	iss = t_tcp_out(0).seq;
	t_tx_clear();
	for (unsigned i = 0; i < RTE_DIM(waits); i++) {
		t_advance(waits[i] - 1);
		assert_int_equal(t_tx_count(), 0);
		t_advance(1);
		assert_int_equal(t_tx_count(), 1);
		assert_int_equal(t_tcp_out(0).flags, SYN | ACK);
		assert_int_equal(t_tcp_out(0).seq, iss);
		t_tx_clear();
	}
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 5);
	t_advance(32000);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNACK_GIVEUP), 1);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_app.established + t_app.closed, 0); /* the app never saw it */
}

/* [tcp] synack_retries = 1: one SYN-ACK retransmission after 1 s, dropped 2 s later. */
static void test_synack_retries_param(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	(void)state;
	p.synack_retries = HL_TCP_SYN_RETRIES_MAX + 1;
	assert_int_equal(t_tcp_recreate(&p), -1); /* hl_tcp_create(): -EINVAL */
	p.synack_retries = 1;
	assert_int_equal(t_tcp_recreate(&p), 0);
	t_tcp_in(0, T_PORT_APP, 1, 0, SYN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	t_tx_clear();
	t_advance(1000);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, SYN | ACK);
	t_tx_clear();
	t_advance(1999);
	assert_int_equal(t_tcp_conns(), 1);
	t_advance(1);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYNACK_GIVEUP), 1);
	assert_int_equal(t_tcp_conns(), 0);
}

/* A repeated SYN (our SYN-ACK lost) gets the same SYN-ACK; a new SYN on an established
 * connection gets a challenge ACK (RFC 5961 4). */
static void test_syn_repeated_and_challenge(void **state)
{
	struct t_out o;
	uint32_t iss;

	(void)state;
	t_tcp_in(0, T_PORT_APP, 500, 0, SYN, NULL, 0);
	iss = t_tcp_out(0).seq;
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, 500, 0, SYN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, SYN | ACK);
	assert_int_equal(o.seq, iss);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYN_REPEATED), 1);
	assert_int_equal(t_tcp_conns(), 1);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, 501, iss + 1, ACK, NULL, 0);
	assert_int_equal(t_app.established, 1);
	t_tcp_in(0, T_PORT_APP, 9999, 0, SYN, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	o = t_tcp_out(0);
	assert_int_equal(o.flags, ACK);
	assert_int_equal(o.ack, 501);
	assert_int_equal(o.seq, iss + 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), 1);
	assert_int_equal(t_app.closed, 0);
	t_tx_clear();
	hl_tcp_abort(t_w->tcp, t_app.conn);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, RST | ACK);
	assert_int_equal(t_app.closed_err, -ECONNABORTED);
}

/* A bad ACK in SYN-RECEIVED gets a RST; the half-open connection stays. */
static void test_synrcvd_bad_ack(void **state)
{
	uint32_t iss;

	(void)state;
	t_tcp_in(0, T_PORT_APP, 500, 0, SYN, NULL, 0);
	iss = t_tcp_out(0).seq;
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, 501, iss + 7, ACK, NULL, 0);
	assert_int_equal(t_tx_count(), 1);
	assert_int_equal(t_tcp_out(0).flags, RST);
	assert_int_equal(t_tcp_out(0).seq, iss + 7);
	assert_int_equal(t_ctr(HL_CTR_TCP_BAD_ACK), 1);
	t_tx_clear();
	/* RST with the exact sequence number in SYN-RECEIVED: gone, app never told */
	t_tcp_in(0, T_PORT_APP, 501, 0, RST, NULL, 0);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_app.established + t_app.closed, 0);
}

static void expect_tcp_drop(struct rte_mbuf *m, enum hl_counter c)
{
	uint64_t before = t_ctr(c);

	t_rx(m);
	assert_int_equal(t_ctr(c), before + 1);
	assert_int_equal(t_tx_count(), 0);
}

static void test_malformed(void **state)
{
	static const uint8_t past[] = {1, 1, 2, 8}; /* MSS option claiming 8 bytes, 2 left */
	struct t_seg s = {.dport = T_PORT_APP, .seq = 1, .flags = SYN};
	struct rte_mbuf *m;
	struct rte_tcp_hdr *th;

	(void)state;
	m = t_tcp_frame(&s);
	th = (struct rte_tcp_hdr *)(t_ip(m) + 1);
	th->cksum ^= 0x0101;
	expect_tcp_drop(m, HL_CTR_TCP_BAD_CKSUM);

	m = t_tcp_frame(&s);
	th = (struct rte_tcp_hdr *)(t_ip(m) + 1);
	th->data_off = 4 << 4; /* 16 bytes < 20 */
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(t_ip(m), th);
	expect_tcp_drop(m, HL_CTR_TCP_BAD_DOFF);

	m = t_tcp_frame(&s);
	th = (struct rte_tcp_hdr *)(t_ip(m) + 1);
	th->data_off = 15 << 4; /* 60 bytes > segment */
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(t_ip(m), th);
	expect_tcp_drop(m, HL_CTR_TCP_BAD_DOFF);

	s.flags = SYN | FIN;
	expect_tcp_drop(t_tcp_frame(&s), HL_CTR_TCP_BAD_FLAGS);
	s.flags = SYN | RST;
	expect_tcp_drop(t_tcp_frame(&s), HL_CTR_TCP_BAD_FLAGS);

	s.flags = SYN;
	s.opts = past;
	s.optlen = sizeof(past);
	expect_tcp_drop(t_tcp_frame(&s), HL_CTR_TCP_BAD_OPTIONS);

	expect_tcp_drop(t_ipv4_frame(T_PEER_IP, T_VIP, IPPROTO_TCP, 12), HL_CTR_TCP_TOO_SHORT);
	assert_int_equal(t_tcp_conns(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_IN), 7);
}

/* The half-open bound: SYNs beyond it are dropped and counted. */
static void test_syn_backlog_bound(void **state)
{
	(void)state;
	for (uint16_t i = 0; i < 20; i++)
		t_tcp_in(i, T_PORT_APP, 1000u * i, 0, SYN, NULL, 0);
	assert_int_equal(t_tcp_conns(), 16);
	assert_int_equal(t_ctr(HL_CTR_TCP_SYN_BACKLOG_FULL), 4);
	t_tx_clear();
	/* the established ones are not half-open: room again */
	for (uint16_t i = 0; i < 16; i++) {
		t_tcp_in(i, T_PORT_APP, 1000u * i, 0, SYN, NULL, 0);
		t_tcp_in(i, T_PORT_APP, 1000u * i + 1, t_tcp_out(0).seq + 1, ACK, NULL, 0);
		t_tx_clear();
		hl_tcp_abort(t_w->tcp, t_app.conn);
		t_tx_clear();
	}
	assert_int_equal(t_tcp_conns(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_mss_clamp_no_wscale, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_default_mss, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_closed_port_and_strays, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_synack_retries_param, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_synack_retransmit_giveup, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_syn_repeated_and_challenge, t_tcp_setup,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_synrcvd_bad_ack, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, t_tcp_setup, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_syn_backlog_bound, t_tcp_setup,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
