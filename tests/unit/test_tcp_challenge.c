/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5961 7: the per-worker challenge-ACK budget (dataplane/tcp/tcp_challenge.c).
 * Floods of RSTs, SYNs and out-of-range ACKs at an established connection,
 * within one second of the virtual clock: at most the second's budget of
 * challenge ACKs goes out, the rest is counted as suppressed, and the
 * connection is unharmed. rte_rand is seeded: the budgets are reproducible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_random.h>
#include <rte_tcp.h>

#include "net_harness.h"
#include "tcp_priv.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG

static uint32_t isn = 1000, iss;

static int setup_limit(void **state, uint32_t limit)
{
	struct hl_tcp_params p = t_tcp_params();

	p.challenge_ack_limit = limit;
	rte_srand(5961);
	return t_tcp_setup_params(state, &p);
}

static int setup_default(void **state)
{
	return setup_limit(state, 0);
}

static int setup_limit_100(void **state)
{
	return setup_limit(state, 100);
}

static int setup_unlimited(void **state)
{
	return setup_limit(state, UINT32_MAX);
}

/* The clock at the start of a second (the budget's period). */
static void to_next_second(void)
{
	t_advance(1000 - t_w->tcp->now % 1000);
}

/* Feed @p n segments of the flood kind @p k (0: SYN at a random sequence number, 1: RST in the
 * window but not exact, 2: ACK above SND.MAX); every segment out must be the challenge ACK.
 * @return segments sent. */
static unsigned flood(unsigned n, unsigned k)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++) {
		if (k == 0)
			t_tcp_in(0, T_PORT_APP, (uint32_t)rte_rand(), 0, SYN, NULL, 0);
		else if (k == 1)
			t_tcp_in(0, T_PORT_APP, isn + 1 + 1 + i % 4000, 0, RST, NULL, 0);
		else
			t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1 + 100000 + i, ACK, NULL, 0);
		for (unsigned j = 0; j < t_tx_count(); j++) {
			struct t_out o = t_tcp_out(j);

			assert_int_equal(o.flags, ACK);
			assert_int_equal(o.seq, iss + 1);
			assert_int_equal(o.ack, isn + 1);
			assert_int_equal(o.len, 0);
		}
		sent += t_tx_count();
		t_tx_clear();
	}
	return sent;
}

/*
 * 3000 SYNs and in-window RSTs in one second with the default limit 1000: the second's
 * budget (500..1499) goes out, the rest is suppressed and counted; out-of-window RSTs are
 * ignored without spending any. The exact RST still resets.
 */
static void test_challenge_flood(void **state)
{
	unsigned sent, sent2;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	to_next_second();
	sent = flood(1500, 0) + flood(1500, 1);
	assert_in_range(sent, 500, 1499);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), sent);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 3000 - sent);
	/* outside the window: dropped silently, no budget needed */
	for (unsigned i = 0; i < 100; i++)
		t_tcp_in(0, T_PORT_APP, isn + 1 + 100000 + i, 0, RST, NULL, 0);
	assert_int_equal(t_tx_count(), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_RST_IGNORED), 100);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 3000 - sent);
	/* 999 ms later, still the same second: nothing more */
	t_advance(999);
	assert_int_equal(flood(100, 0), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 3100 - sent);
	/* the next second has a budget of its own */
	t_advance(1);
	sent2 = flood(2000, 1);
	assert_in_range(sent2, 500, 1499);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), sent + sent2);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 3100 - sent + 2000 - sent2);
	/* the connection is unharmed: data flows, and the exact RST resets it */
	t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1, ACK, (const uint8_t *)"x", 1);
	assert_int_equal(t_app.rcvd_len, 1);
	assert_int_equal(t_app.closed, 0);
	t_tx_clear();
	t_tcp_in(0, T_PORT_APP, isn + 2, 0, RST, NULL, 0);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ECONNRESET);
	assert_int_equal(t_tcp_conns(), 0);
}

/* RFC 5961 5.2: ACKs for data never sent spend the same budget. */
static void test_challenge_bad_ack(void **state)
{
	unsigned sent;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	to_next_second();
	sent = flood(300, 2);
	assert_in_range(sent, 50, 149);
	assert_int_equal(t_ctr(HL_CTR_TCP_ACK_UNSENT), 300);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), sent);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 300 - sent);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* The budget is random per second: over 40 seconds of floods (limit 100) it stays within
 * [50, 150), varies, and averages about 100. */
static void test_challenge_budget_random(void **state)
{
	unsigned lo = UINT32_MAX, hi = 0, total = 0;

	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	for (unsigned s = 0; s < 40; s++) {
		unsigned sent;

		to_next_second();
		sent = flood(200, s % 2);
		lo = RTE_MIN(lo, sent);
		hi = RTE_MAX(hi, sent);
		total += sent;
	}
	assert_true(lo >= 50);
	assert_true(hi <= 149);
	assert_true(hi - lo >= 20);
	assert_in_range(total / 40, 85, 115);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 40 * 200 - total);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* UINT32_MAX: no limit. */
static void test_challenge_unlimited(void **state)
{
	(void)state;
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	to_next_second();
	assert_int_equal(flood(2000, 0), 2000);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK), 2000);
	assert_int_equal(t_ctr(HL_CTR_TCP_CHALLENGE_ACK_SUPPRESSED), 0);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_challenge_flood, setup_default,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_bad_ack, setup_limit_100,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_budget_random, setup_limit_100,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_unlimited, setup_unlimited,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
