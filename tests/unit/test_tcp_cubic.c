/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC congestion control (RFC 9438), dataplane/tcp/tcp_cc.c.
 *
 * Most tests drive the ops table directly on a connection object with a
 * simulated clock: a sender that keeps its window full, one ACK per segment
 * spread over the round trip. cwnd is compared against W_cubic(t) =
 * C (t - K)^3 + W_max computed here in floating point (see
 * assert_on_curve). The last tests check the connection's size and lose a
 * segment on a real connection with CUBIC selected.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "net_harness.h"
#include "tcp_priv.h"

#define ACK RTE_TCP_ACK_FLAG

#define MSS     1000
#define C_CUBIC 0.4
#define BETA    0.7

/* A sender on a simulated clock. */
struct sim {
	struct hl_tcp_conn c;
	const struct hl_tcp_cc_ops *ops;
	uint32_t now;   /* ms */
	uint32_t rtt;   /* ms */
	uint32_t epoch; /* ms: the first ACK after the last congestion event */
};

/* A connection in congestion avoidance at @p segs segments. */
static void sim_init(struct sim *s, const struct hl_tcp_cc_ops *ops, uint32_t rtt, uint32_t segs)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->rtt = rtt;
	s->now = 5000000;
	s->c.mss = MSS;
	s->c.snd_una = s->c.snd_nxt = s->c.snd_max = s->c.recover = 1000;
	s->c.srtt = rtt << 3;
	ops->init(&s->c);
	s->c.cwnd = segs * MSS;
	s->c.ssthresh = s->c.cwnd;
}

static double sim_segs(const struct sim *s)
{
	return (double)s->c.cwnd / MSS;
}

/* The sender fills its window. */
static void sim_fill(struct sim *s)
{
	s->c.snd_nxt = s->c.snd_max = s->c.snd_una + s->c.cwnd;
}

/* One round trip: what the window held comes back as one ACK per segment, evenly spread. */
static void sim_round(struct sim *s)
{
	uint32_t t0 = s->now, n;

	sim_fill(s);
	n = s->c.cwnd / MSS;
	for (uint32_t i = 0; i < n; i++) {
		s->c.snd_una += MSS;
		s->now = t0 + (i + 1) * s->rtt / n;
		assert_false(s->ops->on_ack(&s->c, MSS, s->now));
	}
	s->now = t0 + s->rtt;
}

/* Round trips until @p ms after the epoch. */
static void sim_until(struct sim *s, double sec)
{
	while (s->now < s->epoch + (uint32_t)(sec * 1000))
		sim_round(s);
}

/*
 * A loss with the window full: three duplicate ACKs enter fast recovery; a
 * round trip later the full ACK arrives while what recovery sent, ssthresh
 * bytes, is in flight. @return cwnd (segments) before the loss.
 */
static double sim_loss(struct sim *s)
{
	double before = sim_segs(s);
	uint32_t acked;

	sim_fill(s);
	for (uint8_t d = 1; d <= 3; d++) {
		s->c.dupacks = d;
		assert_int_equal(s->ops->on_dupack(&s->c), d == 3);
	}
	assert_true(s->c.flags & HL_TCPF_RECOVERY);
	assert_int_equal(s->c.ssthresh, (uint32_t)(before * MSS * 7 / 10));
	s->now += s->rtt;
	s->c.dupacks = 0;
	s->c.snd_nxt = s->c.snd_max = s->c.recover + s->c.ssthresh;
	acked = s->c.recover - s->c.snd_una;
	s->c.snd_una = s->c.recover;
	assert_false(s->ops->on_ack(&s->c, acked, s->now));
	assert_false(s->c.flags & HL_TCPF_RECOVERY);
	assert_int_equal(s->c.cwnd, s->c.ssthresh);
	/* the curve's t_epoch: the first ACK of the next round */
	s->epoch = s->now + s->rtt / (s->c.cwnd / MSS);
	return before;
}

static double w_cubic(double t, double k, double w_max)
{
	return C_CUBIC * (t - k) * (t - k) * (t - k) + w_max;
}

/*
 * cwnd at @p t s after the epoch lies on the curve: the sender aims at W_cubic(t + RTT), so
 * cwnd is between W_cubic(t) and W_cubic(t + RTT), give or take 2 segments (the integer
 * per-ACK step lags the target by up to cwnd / acked bytes, 1 segment here).
 */
static void assert_on_curve(const struct sim *s, double t, double k, double w_max)
{
	double rtt = s->rtt / 1000.0, lo = w_cubic(t, k, w_max) - 2,
	       hi = w_cubic(t + rtt, k, w_max) + 2, w = sim_segs(s);

	if (w < lo || w > hi)
		fail_msg("t = %.2f s: cwnd %.1f segments, the curve says %.1f (%.1f..%.1f)", t, w,
			 w_cubic(t, k, w_max), lo, hi);
}

/* After a loss at 1000 segments: W_max = 1000, cwnd 700, K = cbrt(300 / 0.4) = 9.09 s; cwnd
 * follows C (t - K)^3 + W_max on both sides of K. */
static void test_cubic_curve(void **state)
{
	static const double at[] = {0.5, 1, 2, 3, 5, 7, 8, 9.0856, 10, 11, 12, 13, 15};
	struct sim s;
	double w_max, k;

	(void)state;
	sim_init(&s, &hl_tcp_cubic, 100, 1000);
	w_max = sim_loss(&s);
	assert_int_equal(s.c.cwnd, 700 * MSS);
	k = cbrt(w_max * (1 - BETA) / C_CUBIC);
	for (unsigned i = 0; i < RTE_DIM(at); i++) {
		sim_until(&s, at[i]);
		assert_on_curve(&s, at[i], k, w_max);
	}
	/* convex past W_max: it keeps probing upwards */
	assert_true(sim_segs(&s) > w_max + 50);
}

/* The shape: growth per second shrinks towards W_max (concave), is nearly flat around K,
 * and grows again beyond it (convex). */
static void test_cubic_shape(void **state)
{
	struct sim s;
	double w[16], k;

	(void)state;
	sim_init(&s, &hl_tcp_cubic, 50, 1000);
	sim_loss(&s);
	k = cbrt(1000 * (1 - BETA) / C_CUBIC);
	for (unsigned i = 0; i < RTE_DIM(w); i++) {
		sim_until(&s, i);
		w[i] = sim_segs(&s);
	}
	for (unsigned i = 1; i + 1 < 8; i++) /* concave: the steps shrink */
		assert_true(w[i + 1] - w[i] < w[i] - w[i - 1]);
	for (unsigned i = 11; i + 1 < RTE_DIM(w); i++) /* convex: the steps grow */
		assert_true(w[i + 1] - w[i] > w[i] - w[i - 1]);
	/* around K the plateau: less than 1 % change over two seconds */
	assert_true(w[10] - w[8] < 10);
	assert_true(fabs(w[9] - 1000) < 5);
	assert_true(k > 9 && k < 9.2);
	assert_true(w[1] - w[0] > 10 * (w[10] - w[9])); /* far steeper after the loss */
}

/*
 * A second loss before the window regained W_max lowers W_max to 0.85 of the window
 * (fast convergence, 4.7): the new plateau is there, not at the window of the loss.
 * A loss above W_max keeps the window as W_max.
 */
static void test_cubic_fast_convergence(void **state)
{
	struct sim s;
	double prior, w_max, k;

	(void)state;
	sim_init(&s, &hl_tcp_cubic, 100, 1000);
	sim_loss(&s);
	sim_until(&s, 2);
	prior = sim_loss(&s); /* at about 858 segments, below W_max = 1000 */
	assert_true(prior < 900 && prior > 800);
	w_max = prior * (1 + BETA) / 2;
	k = cbrt((w_max - s.c.cwnd / (double)MSS) / C_CUBIC);
	assert_true(k > 6 && k < 7.5);
	sim_until(&s, k / 2);
	assert_on_curve(&s, k / 2, k, w_max);
	sim_until(&s, k);
	assert_on_curve(&s, k, k, w_max);
	assert_true(fabs(sim_segs(&s) - w_max) < 3);
	assert_true(sim_segs(&s) < prior - 100); /* without fast convergence: 1 s from prior */
	sim_until(&s, k + 3);
	assert_on_curve(&s, k + 3, k, w_max);

	/* a loss above W_max: W_max is that window, no reduction */
	prior = sim_loss(&s);
	assert_true(prior > w_max);
	k = cbrt(prior * (1 - BETA) / C_CUBIC);
	sim_until(&s, k);
	assert_on_curve(&s, k, k, prior);
	assert_true(fabs(sim_segs(&s) - prior) < 3);
}

/*
 * A short RTT: W_est (alpha_cubic = 9/17 segment per RTT, 4.3) outgrows the curve and
 * cwnd follows it; alpha becomes 1 once W_est reaches cwnd_prior (100 segments).
 */
static void test_cubic_reno_friendly(void **state)
{
	struct sim s;
	double w[101], k;

	(void)state;
	sim_init(&s, &hl_tcp_cubic, 2, 100);
	sim_loss(&s); /* W_max 100, cwnd 70 */
	k = cbrt(100 * (1 - BETA) / C_CUBIC);
	w[0] = sim_segs(&s);
	for (unsigned r = 1; r < RTE_DIM(w); r++) {
		sim_round(&s);
		w[r] = sim_segs(&s);
	}
	/* 20 round trips below cwnd_prior: 20 * 9/17 = 10.6 segments */
	assert_true(fabs((w[30] - w[10]) - 20 * 9.0 / 17) < 1.5);
	/* 20 round trips above it: one segment each */
	assert_true(fabs((w[100] - w[80]) - 20) < 1.5);
	/* Reno's line: 70 + 9/17 per RTT up to 100 (after 30 * 17/9 = 56.7 RTTs), then 1 per RTT */
	assert_true(fabs(w[100] - (100 + 100 - 30 * 17.0 / 9)) < 3);
	/* the curve itself has barely moved 0.2 s after the loss */
	assert_true(w_cubic(0.2, k, 100) < 75);
	assert_true(w[100] > w_cubic(0.2 + 0.002, k, 100) + 60);
}

/*
 * An RTO: cwnd 1 MSS, ssthresh 0.7 of the flight (NewReno: half); slow start up to it,
 * then a curve with K = 0 from there (4.8): convex at once.
 */
static void test_cubic_rto(void **state)
{
	struct sim s, r;
	double epoch_w;

	(void)state;
	sim_init(&r, &hl_tcp_newreno, 100, 100);
	sim_fill(&r);
	r.ops->on_rto(&r.c);
	assert_int_equal(r.c.ssthresh, 50 * MSS);

	sim_init(&s, &hl_tcp_cubic, 100, 100);
	sim_loss(&s); /* a W_max the RTO must forget */
	sim_until(&s, 1);
	sim_fill(&s);
	s.ops->on_rto(&s.c);
	assert_int_equal(s.c.cwnd, MSS);
	assert_int_equal(s.c.ssthresh, (s.c.snd_max - s.c.snd_una) * 7 / 10);
	assert_false(s.c.flags & HL_TCPF_RECOVERY);
	s.c.snd_una = s.c.snd_max;        /* the retransmission is acked */
	while (s.c.cwnd < s.c.ssthresh) { /* slow start: + 1 MSS per ACK */
		uint32_t w = s.c.cwnd;

		sim_fill(&s);
		s.c.snd_una += MSS;
		assert_false(s.ops->on_ack(&s.c, MSS, ++s.now));
		assert_int_equal(s.c.cwnd, w + MSS);
	}
	/* the first ACK in congestion avoidance starts the curve at this window */
	epoch_w = sim_segs(&s);
	assert_true(epoch_w < s.c.ssthresh / (double)MSS + 1);
	s.epoch = s.now + s.rtt / (s.c.cwnd / MSS);
	sim_until(&s, 7);
	assert_on_curve(&s, 7, 0, epoch_w);
	sim_until(&s, 9);
	assert_on_curve(&s, 9, 0, epoch_w);
}

/* Far below a steep curve (a long RTT, K = 0 after an RTO), the target is held at 1.5 cwnd
 * (4.2): at most +50 % per round trip, however far away W_cubic(t + RTT) is. */
static void test_cubic_growth_cap(void **state)
{
	struct sim s;
	double prev, max_ratio = 0;

	(void)state;
	sim_init(&s, &hl_tcp_cubic, 1000, 20);
	sim_fill(&s);
	s.ops->on_rto(&s.c);
	s.c.snd_una = s.c.snd_max;
	while (s.c.cwnd < s.c.ssthresh) {
		sim_fill(&s);
		s.c.snd_una += MSS;
		s.ops->on_ack(&s.c, MSS, ++s.now);
	}
	for (unsigned r = 0; r < 8; r++) {
		prev = sim_segs(&s);
		sim_round(&s);
		max_ratio = RTE_MAX(max_ratio, sim_segs(&s) / prev);
	}
	assert_true(max_ratio <= 1.5);
	assert_true(max_ratio > 1.4);
}

/* NewReno stays what it was: half the flight, +1 MSS per RTT. */
static void test_newreno_unchanged(void **state)
{
	struct sim s;
	uint32_t w;

	(void)state;
	sim_init(&s, &hl_tcp_newreno, 100, 100);
	sim_fill(&s);
	for (uint8_t d = 1; d <= 3; d++) {
		s.c.dupacks = d;
		assert_int_equal(s.ops->on_dupack(&s.c), d == 3);
	}
	assert_int_equal(s.c.ssthresh, 50 * MSS);
	assert_int_equal(s.c.cwnd, 53 * MSS);
	s.c.snd_una = s.c.recover;
	s.c.snd_nxt = s.c.snd_max = s.c.snd_una + 50 * MSS;
	s.ops->on_ack(&s.c, 100 * MSS, s.now);
	assert_int_equal(s.c.cwnd, 50 * MSS);
	w = s.c.cwnd;
	for (unsigned i = 0; i < 10; i++)
		sim_round(&s);
	assert_in_range(s.c.cwnd, w + 9 * MSS, w + 10 * MSS);
}

/* Names, and hl_tcp_create refusing an unknown algorithm. */
static void test_cc_lookup(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	(void)state;
	assert_int_equal(hl_tcp_cc_lookup("newreno"), HL_TCP_CC_NEWRENO);
	assert_int_equal(hl_tcp_cc_lookup("cubic"), HL_TCP_CC_CUBIC);
	assert_int_equal(hl_tcp_cc_lookup("CUBIC"), -ENOENT);
	assert_int_equal(hl_tcp_cc_lookup("bbr"), -ENOENT);
	assert_int_equal(hl_tcp_cc_lookup(NULL), -EINVAL);
	assert_string_equal(hl_tcp_cc_name(HL_TCP_CC_CUBIC), "cubic");
	assert_string_equal(hl_tcp_cc_name(HL_TCP_CC_NEWRENO), "newreno");
	assert_null(hl_tcp_cc_name((enum hl_tcp_cc)7));
	p.cc = (enum hl_tcp_cc)2;
	assert_int_equal(hl_tcp_create(t_w, &p), -EINVAL);
	assert_null(t_w->tcp);
	p.cc = HL_TCP_CC_CUBIC;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	assert_ptr_equal(t_w->tcp->cc, &hl_tcp_cubic);
	hl_tcp_free(t_w);
	p.cc = 0;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	assert_ptr_equal(t_w->tcp->cc, &hl_tcp_newreno); /* the default */
	hl_tcp_free(t_w);
}

/*
 * The connection object stays within five cache lines in its pool (256 bytes + the
 * 64-byte object header): at 257 bytes the pool pads each object to 448 bytes, and with
 * ~130 bytes of table and ring share that breaks 512 bytes per idle connection.
 */
static void test_conn_size(void **state)
{
	struct rte_mempool_objsz sz;
	uint32_t obj = rte_mempool_calc_obj_size(sizeof(struct hl_tcp_conn),
						 RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET, &sz);

	(void)state;
	printf("sizeof(struct hl_tcp_conn) = %zu; pool object %u bytes (header %u, trailer %u)\n",
	       sizeof(struct hl_tcp_conn), obj, sz.header_size, sz.trailer_size);
	assert_true(sizeof(struct hl_tcp_conn) <= 256);
	assert_true(obj + 130 <= 512);
}

/* ---- end to end: a lost segment on a CUBIC connection ---- */

#define E2E_SEGS 40

static int setup_cubic(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.cc = HL_TCP_CC_CUBIC;
	return t_tcp_setup_params(state, &p);
}

/* The peer: what arrived, in order up to rcv (stream offsets). */
static uint8_t want[E2E_SEGS * 1460], got[E2E_SEGS * 1460];
static bool have[E2E_SEGS];

/*
 * The application sends 40 MSS; the third segment's first transmission is lost. The
 * peer ACKs every segment (duplicates for those beyond the hole): fast retransmit at the
 * third duplicate with ssthresh = 0.7 of the flight, recovery, everything delivered, no
 * RTO.
 */
static void test_cubic_loss_recovery(void **state)
{
	uint32_t isn = 500, iss, rcv = 0, ssthresh_want = 0, rounds = 0;
	struct hl_tcp_conn *c;
	bool dropped = false;
	unsigned dups = 0;

	(void)state;
	memset(have, 0, sizeof(have));
	iss = t_tcp_connect(0, T_PORT_APP, isn);
	c = t_app.conn;
	assert_ptr_equal(t_w->tcp->cc, &hl_tcp_cubic);
	assert_int_equal(c->mss, 1460);
	t_pattern(want, 0, sizeof(want));
	for (unsigned i = 0; i < E2E_SEGS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		memcpy(rte_pktmbuf_append(m, 1460), want + i * 1460, 1460);
		assert_int_equal(hl_tcp_send(t_w->tcp, c, m), 0);
	}
	assert_int_equal(t_tx_count(), 10); /* IW10 */
	while (rcv < sizeof(want)) {
		struct t_out o[64];
		uint8_t data[64][1460];
		unsigned n = t_tx_count();

		assert_true(++rounds < 100);
		assert_true(n > 0 && n <= RTE_DIM(o));
		for (unsigned i = 0; i < n; i++) {
			o[i] = t_tcp_out(i);
			memcpy(data[i], o[i].data, o[i].len);
		}
		t_tx_clear();
		for (unsigned i = 0; i < n; i++) {
			uint32_t off = o[i].seq - iss - 1, seg = off / 1460;

			if (o[i].len == 0)
				continue;
			assert_int_equal(o[i].len, 1460);
			assert_int_equal(off % 1460, 0);
			if (seg == 2 && !dropped) {
				dropped = true; /* lost */
				continue;
			}
			memcpy(got + off, data[i], 1460);
			have[seg] = true;
			while (rcv < sizeof(want) && have[rcv / 1460])
				rcv += 1460;
			/* beyond the hole: a duplicate ACK; the third: ssthresh 0.7 flight */
			if (rcv <= off && ++dups == 3)
				ssthresh_want = (c->snd_max - c->snd_una) * 7 / 10;
			t_tcp_in(0, T_PORT_APP, isn + 1, iss + 1 + rcv, ACK, NULL, 0);
			if (ssthresh_want != 0) {
				assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
				assert_int_equal(c->ssthresh, ssthresh_want);
				assert_int_equal(c->cwnd, ssthresh_want + 3 * 1460);
				assert_true(c->flags & HL_TCPF_RECOVERY);
				ssthresh_want = 0;
			}
		}
		t_advance(10);
	}
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO), 0);
	assert_false(c->flags & HL_TCPF_RECOVERY);
	assert_int_equal(t_app.sent, sizeof(want));
	assert_int_equal(hl_tcp_send_queued(c), 0);
	assert_true(c->ssthresh < UINT32_MAX);
	hl_tcp_abort(t_w->tcp, c);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_tcp_conns(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cubic_curve),
		cmocka_unit_test(test_cubic_shape),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_cubic_reno_friendly),
		cmocka_unit_test(test_cubic_rto),
		cmocka_unit_test(test_cubic_growth_cap),
		cmocka_unit_test(test_newreno_unchanged),
		cmocka_unit_test(test_conn_size),
		cmocka_unit_test_setup_teardown(test_cc_lookup, t_net_setup, t_net_teardown),
		cmocka_unit_test_setup_teardown(test_cubic_loss_recovery, setup_cubic,
						t_tcp_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
