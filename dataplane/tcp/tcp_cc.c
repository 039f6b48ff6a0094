/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control behind a small ops table (struct hl_tcp_cc_ops), one
 * per stack (hl_tcp_params::cc, looked up by name with hl_tcp_cc_lookup):
 *
 * - NewReno: RFC 5681 slow start and congestion avoidance, RFC 6582 fast
 *   recovery with partial ACKs; initial window RFC 6928.
 * - CUBIC (RFC 9438): the same initial window, slow start below ssthresh and
 *   fast recovery mechanics (RFC 6582 inflation and partial ACKs), but a
 *   congestion event sets ssthresh to beta_cubic = 0.7 of the flight and
 *   remembers W_max with fast convergence (4.6, 4.7); congestion avoidance
 *   follows W_cubic(t) = C (t - K)^3 + W_max, C = 0.4 (4.2: towards
 *   W_cubic(t + RTT), at most 1.5 cwnd), or the Reno-friendly estimate W_est
 *   when that is larger (4.3). An RTO gives Reno's 1 MSS, ssthresh by
 *   beta_cubic, and the next curve starts at K = 0 from the window slow
 *   start ends with (4.8).
 *
 * The sender also never exceeds the peer's receive window (tcp_out.c takes the minimum).
 *
 * Both undo a spurious fast retransmit (RFC 3708's D-SACK detection, the
 * response of Linux's undo): entering recovery remembers cwnd and ssthresh;
 * tcp_out.c counts the segments retransmitted from then on; when D-SACKs
 * (RFC 2883) show each of them arrived twice, the loss was reordering: cwnd
 * and ssthresh come back and the duplicate-ACK threshold (c->reordering,
 * Linux's tp->reordering) rises to the episode's duplicate ACKs + 1, at most
 * HL_TCP_REORDER_MAX, so reordering of that depth no longer triggers a fast
 * retransmit. An RTO forgets the episode (go-back-N resends too much to
 * account for), and resets the threshold when 3 segments were SACKed without
 * recovery starting.
 */
#include <errno.h>
#include <string.h>

#include "tcp_priv.h"

/* ---- shared by both: RFC 5681 / RFC 6582 ---- */

static void cc_init(struct hl_tcp_conn *c)
{
	c->cwnd = RTE_MIN(HL_TCP_INIT_CWND_SEGS * (uint32_t)c->mss, RTE_MAX(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX;
	c->reordering = HL_TCP_REORDER_INIT;
	c->prior_cwnd = 0;
}

/* max(FlightSize * num / den, 2 SMSS): the new ssthresh (RFC 5681 (4) for 1/2). */
static uint32_t flight_share(const struct hl_tcp_conn *c, uint32_t num, uint32_t den)
{
	return RTE_MAX((uint32_t)((uint64_t)tcp_flight(c) * num / den), 2u * c->mss);
}

static void slow_start(struct hl_tcp_conn *c, uint32_t acked)
{
	c->cwnd += RTE_MIN(acked, (uint32_t)c->mss); /* L = 1 (RFC 3465) */
}

/* An ACK of new data in fast recovery. @return true: resend the next hole (partial ACK). */
static bool recovery_ack(struct hl_tcp_conn *c, uint32_t acked)
{
	if (SEQ_GEQ(c->snd_una, c->recover)) {
		/* full ACK: leave recovery (RFC 6582 3.2 step 3) */
		c->flags &= (uint16_t)~HL_TCPF_RECOVERY;
		c->cwnd = RTE_MIN(c->ssthresh, tcp_flight(c) + c->mss);
		return false;
	}
	/* partial ACK: deflate by what it acked, add one segment, resend the next hole */
	c->cwnd = (c->cwnd > acked ? c->cwnd - acked : 0) + c->mss;
	return true;
}

/* one per segment after the lost one: a higher threshold would leave the loss to the RTO */
unsigned tcp_dupthresh(const struct hl_tcp_conn *c)
{
	uint32_t later = tcp_flight(c) / c->mss;

	later = later > 0 ? later - 1 : 0;
	return RTE_MAX((unsigned)HL_TCP_REORDER_INIT, RTE_MIN((unsigned)c->reordering, later));
}

bool tcp_loss_suspected(const struct hl_tcp_conn *c)
{
	unsigned dt = tcp_dupthresh(c);

	return (c->dupacks >= dt || tcp_sack_is_lost(c, c->snd_una, dt)) &&
	       !SEQ_LT(c->snd_una, c->recover);
}

/*
 * A duplicate ACK (RFC 6675 2: a pure one, or one that SACKs more): inflates in recovery.
 * @return true: snd_una is lost, for data sent after the last recovery began: the caller
 * sets ssthresh, then enter_recovery(). Lost (RFC 6675 5 (1), (2)): this is the
 * tcp_dupthresh()th duplicate ACK (3rd at first), or IsLost(snd_una) on the scoreboard, so
 * that ACKs that carry data or move the window, which are not counted as duplicates, still
 * start recovery.
 */
static bool dupack_starts_recovery(struct hl_tcp_conn *c)
{
	if (c->flags & HL_TCPF_RECOVERY) {
		c->cwnd += c->mss; /* inflate: a segment left the network */
		return false;
	}
	/* HL_TCPF_REO: tcp_in.c waits for a reordering window first */
	if ((c->flags & HL_TCPF_REO) || !tcp_loss_suspected(c))
		return false;
	/* what an undo restores; tcp_out.c counts the retransmissions from here */
	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	c->undo_rtx = 0;
	c->undo_dupacks = 0;
	return true;
}

static void enter_recovery(struct hl_tcp_conn *c)
{
	c->cwnd = c->ssthresh + 3u * c->mss;
	c->recover = c->snd_max;
	c->flags |= HL_TCPF_RECOVERY;
}

/* After the RTO's ssthresh: one segment, out of recovery (RFC 5681 3.1, RFC 6582 4). */
static void rto_reset(struct hl_tcp_conn *c)
{
	/* outside recovery with 3 segments SACKed: the raised threshold cost a timeout, the
	 * reordering was overestimated (Linux's tcp_enter_loss): back to 3 */
	if (!(c->flags & HL_TCPF_RECOVERY) &&
	    tcp_sacked_below(c, c->snd_max) >= HL_TCP_REORDER_INIT * (uint32_t)c->mss)
		c->reordering = HL_TCP_REORDER_INIT;
	c->cwnd = c->mss;
	c->recover = c->snd_max;
	c->flags &= (uint16_t)~HL_TCPF_RECOVERY;
	c->dupacks = 0;
	c->prior_cwnd = 0; /* nothing to undo */
}

bool tcp_cc_undo(const struct hl_tcp_cc_ops *cc, struct hl_tcp_conn *c, uint32_t start,
		 uint32_t end)
{
	uint32_t segs = (end - start + c->mss - 1) / c->mss;
	unsigned degree;

	/* the episode's retransmissions all lie below recover (snd_max when it began) */
	if (c->prior_cwnd == 0 || c->undo_rtx == 0 || SEQ_GT(end, c->recover) ||
	    end - start > c->max_snd_wnd)
		return false;
	if (segs < c->undo_rtx) {
		c->undo_rtx = (uint8_t)(c->undo_rtx - segs);
		return false;
	}
	c->cwnd = RTE_MAX(c->cwnd, c->prior_cwnd);
	c->ssthresh = RTE_MAX(c->ssthresh, c->prior_ssthresh);
	/* no reduction is left to protect (RFC 6582 4.1's recover): a real loss still in the
	 * window may start recovery at once */
	c->flags &= (uint16_t)~HL_TCPF_RECOVERY;
	c->recover = c->snd_una;
	cc->on_undo(c);
	/* the segments the episode's duplicate ACKs stood for came before the late one */
	degree = RTE_MAX((unsigned)c->reordering, (unsigned)c->undo_dupacks) + 1;
	c->reordering = (uint8_t)RTE_MIN(degree, (unsigned)HL_TCP_REORDER_MAX);
	c->prior_cwnd = 0;
	c->undo_rtx = 0;
	return true;
}

/* ---- NewReno ---- */

static bool newreno_on_ack(struct hl_tcp_conn *c, uint32_t acked, uint32_t now)
{
	(void)now;
	if (c->flags & HL_TCPF_RECOVERY)
		return recovery_ack(c, acked);
	if (c->cwnd < c->ssthresh)
		slow_start(c, acked);
	else
		c->cwnd += RTE_MAX(1u, (uint32_t)c->mss * c->mss / c->cwnd);
	return false;
}

static bool newreno_on_dupack(struct hl_tcp_conn *c)
{
	if (!dupack_starts_recovery(c))
		return false;
	c->ssthresh = flight_share(c, 1, 2);
	enter_recovery(c);
	return true;
}

static void newreno_on_rto(struct hl_tcp_conn *c)
{
	c->ssthresh = flight_share(c, 1, 2);
	rto_reset(c);
}

static void newreno_on_undo(struct hl_tcp_conn *c)
{
	(void)c; /* no state beyond cwnd and ssthresh */
}

const struct hl_tcp_cc_ops hl_tcp_newreno = {
	.name = "newreno",
	.init = cc_init,
	.on_ack = newreno_on_ack,
	.on_dupack = newreno_on_dupack,
	.on_rto = newreno_on_rto,
	.on_undo = newreno_on_undo,
};

/* ---- CUBIC (RFC 9438) ---- */

#define CUBIC_BETA_NUM  7 /* beta_cubic = 0.7 (4.6) */
#define CUBIC_BETA_DEN  10
#define CUBIC_FC_NUM    17 /* (1 + beta_cubic) / 2 = 0.85 (4.7) */
#define CUBIC_FC_DEN    20
#define CUBIC_ALPHA_NUM 9 /* alpha_cubic = 3 (1 - beta_cubic) / (1 + beta_cubic) = 9/17 (4.3) */
#define CUBIC_ALPHA_DEN 17
#define CUBIC_T_MAX_MS  ((1u << 18) - 1) /* K and |t - K| are capped here (262 s) */
#define CUBIC_FRAC_BITS 12

/*
 * CUBIC's per-connection state, in c->cc_priv (16 bytes). Windows in bytes,
 * times in ms on the worker's clock. cwnd_prior (4.3) is not kept: it is
 * W_max, or W_max / 0.85 when fast convergence lowered W_max.
 */
struct cubic {
	uint32_t w_max;         /* W_max: the plateau of the curve; 0: unknown (after an RTO) */
	uint32_t w_est;         /* W_est: the Reno-friendly estimate */
	uint32_t epoch_at;      /* t_epoch: when this congestion avoidance stage began */
	uint32_t k : 18;        /* K: from t_epoch to the plateau */
	uint32_t est_frac : 12; /* W_est's fraction, 1/4096 byte */
	uint32_t epoch : 1;     /* in a congestion avoidance stage: epoch_at, k, w_est valid */
	uint32_t fc : 1;        /* fast convergence lowered w_max */
};
_Static_assert(sizeof(struct cubic) <= sizeof(((struct hl_tcp_conn *)0)->cc_priv),
	       "CUBIC's state does not fit in hl_tcp_conn.cc_priv");

static struct cubic cubic_load(const struct hl_tcp_conn *c)
{
	struct cubic s;

	memcpy(&s, c->cc_priv, sizeof(s));
	return s;
}

static void cubic_store(struct hl_tcp_conn *c, const struct cubic *s)
{
	memcpy(c->cc_priv, s, sizeof(*s));
}

/* floor(cbrt(x)): the shift-and-subtract method (Hacker's Delight 11-2), 22 steps. */
static uint32_t icbrt(uint64_t x)
{
	uint64_t y = 0;

	for (int s = 63; s >= 0; s -= 3) {
		uint64_t b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

/*
 * C d^3 in bytes for d ms: 0.4 segments per s^3 is 4 mss / 10^10 bytes per
 * ms^3, taken as (d^3 / 2^10) * 4 mss / (10^10 / 2^10) so that it stays within
 * 64 bits for d < 2^18.
 */
static uint64_t cubic_delta(uint32_t d, uint16_t mss)
{
	uint64_t d3 = (uint64_t)d * d * d;

	return (d3 >> 10) * 4 * mss / 9765625;
}

/* W_cubic(t) (4.2, Figure 1) in bytes, @p t ms after t_epoch. */
static uint64_t cubic_w(const struct cubic *s, uint32_t t, uint16_t mss)
{
	uint64_t d;

	if (t < s->k) {
		d = cubic_delta(s->k - t, mss);
		return d < s->w_max ? s->w_max - d : 0;
	}
	return s->w_max + cubic_delta(RTE_MIN(t - s->k, CUBIC_T_MAX_MS), mss);
}

/*
 * The first ACK of a congestion avoidance stage: t_epoch, K (4.2, Figure 2:
 * cbrt((W_max - cwnd_epoch) / C) s = cbrt(2.5e9 diff / mss) ms) and W_est =
 * cwnd_epoch (4.3). With W_max unknown (after an RTO) or not above the
 * window, the curve starts here with K = 0 and W_max = cwnd_epoch (4.8).
 */
static void cubic_epoch(struct cubic *s, const struct hl_tcp_conn *c, uint32_t now)
{
	s->epoch = 1;
	s->epoch_at = now;
	if (s->w_max > c->cwnd) {
		s->k = RTE_MIN(icbrt((uint64_t)(s->w_max - c->cwnd) * 2500000000u / c->mss),
			       CUBIC_T_MAX_MS);
	} else {
		s->k = 0;
		s->w_max = c->cwnd;
		s->fc = 0;
	}
	s->w_est = c->cwnd;
	s->est_frac = 0;
}

/* W_est += alpha segments_acked / cwnd (4.3), alpha = alpha_cubic until W_est reaches
 * cwnd_prior, then 1. Kept with a 12-bit fraction: the per-ACK step of a large window is
 * well below a byte. */
static void cubic_est(struct cubic *s, const struct hl_tcp_conn *c, uint32_t acked)
{
	uint32_t prior =
		s->fc ? (uint32_t)((uint64_t)s->w_max * CUBIC_FC_DEN / CUBIC_FC_NUM) : s->w_max;
	uint64_t alpha = s->w_est >= prior ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	uint64_t est = ((uint64_t)s->w_est << CUBIC_FRAC_BITS | s->est_frac) +
		       ((uint64_t)c->mss * acked << CUBIC_FRAC_BITS) * alpha /
			       ((uint64_t)CUBIC_ALPHA_DEN * c->cwnd);

	est = RTE_MIN(est, (uint64_t)HL_TCP_MAX_WND << CUBIC_FRAC_BITS);
	s->w_est = (uint32_t)(est >> CUBIC_FRAC_BITS);
	s->est_frac = est & ((1u << CUBIC_FRAC_BITS) - 1);
}

static void cubic_init(struct hl_tcp_conn *c)
{
	cc_init(c);
	memset(c->cc_priv, 0, sizeof(c->cc_priv));
}

static bool cubic_on_ack(struct hl_tcp_conn *c, uint32_t acked, uint32_t now)
{
	struct cubic s;
	uint64_t target;
	uint32_t t;

	if (c->flags & HL_TCPF_RECOVERY)
		return recovery_ack(c, acked);
	if (c->cwnd < c->ssthresh) {
		slow_start(c, acked); /* 4.10 */
		return false;
	}
	s = cubic_load(c);
	if (!s.epoch)
		cubic_epoch(&s, c, now);
	t = now - s.epoch_at;
	cubic_est(&s, c, acked);
	if (cubic_w(&s, t, c->mss) < s.w_est) {
		/* Reno-friendly region (4.3); never below what the curve already gave */
		c->cwnd = RTE_MAX(c->cwnd, s.w_est);
	} else {
		/* concave (4.4) or convex (4.5) region: (target - cwnd) / cwnd per segment acked */
		target = cubic_w(&s, t + (c->srtt >> 3), c->mss);
		target = RTE_MIN(target, (uint64_t)c->cwnd + c->cwnd / 2);
		if (target > c->cwnd)
			c->cwnd += (uint32_t)RTE_MIN((target - c->cwnd) * acked / c->cwnd,
						     target - c->cwnd);
	}
	c->cwnd = RTE_MIN(c->cwnd, HL_TCP_MAX_WND);
	cubic_store(c, &s);
	return false;
}

/* A congestion event (4.6, 4.7): W_max (with fast convergence), ssthresh. */
static void cubic_decrease(struct hl_tcp_conn *c)
{
	struct cubic s = cubic_load(c);

	if (c->cwnd < s.w_max) {
		s.w_max = (uint32_t)((uint64_t)c->cwnd * CUBIC_FC_NUM / CUBIC_FC_DEN);
		s.fc = 1;
	} else {
		s.w_max = c->cwnd;
		s.fc = 0;
	}
	s.epoch = 0;
	cubic_store(c, &s);
	c->ssthresh = flight_share(c, CUBIC_BETA_NUM, CUBIC_BETA_DEN);
}

static bool cubic_on_dupack(struct hl_tcp_conn *c)
{
	if (!dupack_starts_recovery(c))
		return false;
	cubic_decrease(c);
	enter_recovery(c);
	return true;
}

static void cubic_on_rto(struct hl_tcp_conn *c)
{
	struct cubic s = cubic_load(c);

	/* 4.8: the first congestion avoidance stage after it starts with K = 0, W_max = cwnd_epoch
	 * (and so alpha = 1 at once, as after a lossless slow start, 4.10) */
	s.w_max = 0;
	s.fc = 0;
	s.epoch = 0;
	cubic_store(c, &s);
	c->ssthresh = flight_share(c, CUBIC_BETA_NUM, CUBIC_BETA_DEN);
	rto_reset(c);
}

/*
 * RFC 9438 4.9 would restore CUBIC's own state too (W_max and the curve); the
 * 256 bytes of the connection have no room for the prior W_max (cubic_decrease() overwrote it
 * with the window at the event, or 0.85 of it). So the next congestion
 * avoidance stage starts a new curve at the restored window, as after a slow
 * start (4.8: K = 0, W_max = cwnd): growth resumes convex from there instead of
 * concave towards the old plateau, which can be a little slower, never faster.
 */
static void cubic_on_undo(struct hl_tcp_conn *c)
{
	struct cubic s = cubic_load(c);

	s.w_max = RTE_MAX(s.w_max, c->cwnd);
	s.fc = 0;
	s.epoch = 0;
	cubic_store(c, &s);
}

const struct hl_tcp_cc_ops hl_tcp_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_dupack = cubic_on_dupack,
	.on_rto = cubic_on_rto,
	.on_undo = cubic_on_undo,
};

/* ---- by name ---- */

static const struct hl_tcp_cc_ops *const cc_table[] = {
	[HL_TCP_CC_NEWRENO] = &hl_tcp_newreno,
	[HL_TCP_CC_CUBIC] = &hl_tcp_cubic,
};

const struct hl_tcp_cc_ops *tcp_cc_ops(enum hl_tcp_cc cc)
{
	return (unsigned)cc < RTE_DIM(cc_table) ? cc_table[cc] : NULL;
}

int hl_tcp_cc_lookup(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (unsigned i = 0; i < RTE_DIM(cc_table); i++)
		if (strcmp(cc_table[i]->name, name) == 0)
			return (int)i;
	return -ENOENT;
}

const char *hl_tcp_cc_name(enum hl_tcp_cc cc)
{
	const struct hl_tcp_cc_ops *ops = tcp_cc_ops(cc);

	return ops != NULL ? ops->name : NULL;
}
