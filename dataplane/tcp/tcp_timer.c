/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: one hashed wheel per worker (HL_TCP_WHEEL_SLOTS slots of 1 ms),
 * one wheel entry per connection keyed by its earliest deadline
 * (timer_at = min(rto_at, ack_at, keepalive)); a deadline past the wheel's
 * span goes round again. The worker loop calls hl_tcp_timers() every
 * iteration (a compare when nothing is due); tests call it after moving the
 * virtual clock (w->now).
 *
 * rto_at is the retransmission deadline (RFC 6298, exponential backoff),
 * the persist deadline while the peer's window is zero, the SYN
 * retransmission in SYN-SENT and the SYN-ACK's in SYN-RECEIVED, 2 MSL in
 * TIME-WAIT and the FIN-WAIT-2 bound. ack_at is the delayed ACK.
 *
 * Keepalive (RFC 9293 3.8.4, RFC 1122 4.2.3.6; hl_tcp_params.keepalive)
 * keeps no deadline of its own: while it applies (ESTABLISHED or CLOSE-WAIT,
 * nothing queued or unacknowledged, so no RTO), its deadline is heard_at +
 * idle + ka_probes * interval, heard_at being the last acceptable segment
 * from the peer. Input only stamps heard_at; the wheel entry moves when it
 * comes due (a compare and a relink per idle period, not per segment).
 *
 * Persist (the peer's window at zero with data or a FIN of ours waiting) probes at the
 * RTO's backoff and gives up after hl_tcp_params.zero_window_timeout_ms, counted from the
 * episode's first probe (zwnd_since, stamped here): answers with a zero window do not
 * restart it, a window that opens does (tcp_in.c). While an episode lasts, tcp_rto_arm()
 * arms the earlier of the next probe and that deadline, so the reset comes on time even
 * with probes 60 s apart.
 */
#include <errno.h>

#include "net.h"
#include "tcp_priv.h"

void tcp_timer_cancel(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	(void)t;
	if (c->flags & HL_TCPF_IN_TIMER) {
		LIST_REMOVE(c, tnode);
		c->flags &= (uint16_t)~HL_TCPF_IN_TIMER;
	}
}

static void wheel_link(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t at = SEQ_LT(c->timer_at, t->wheel_ms) ? t->wheel_ms : c->timer_at;

	LIST_INSERT_HEAD(&t->wheel[at & (HL_TCP_WHEEL_SLOTS - 1)], c, tnode);
	c->flags |= HL_TCPF_IN_TIMER;
}

int tcp_timer_params(struct hl_tcp_params *p)
{
	if (p->zero_window_timeout_ms == 0)
		p->zero_window_timeout_ms = HL_TCP_ZWND_TIMEOUT_DEF;
	if (p->zero_window_timeout_ms != UINT32_MAX && p->zero_window_timeout_ms >= 1u << 31)
		return -EINVAL; /* beyond what wrap-safe ms compares can tell */
	if (p->keepalive_idle_ms == 0)
		p->keepalive_idle_ms = HL_TCP_KA_IDLE_DEF;
	if (p->keepalive_intvl_ms == 0)
		p->keepalive_intvl_ms = HL_TCP_KA_INTVL_DEF;
	if (p->keepalive_probes == 0)
		p->keepalive_probes = HL_TCP_KA_PROBES_DEF;
	if (p->keepalive_probes > HL_TCP_KA_PROBES_MAX ||
	    p->keepalive_idle_ms + (uint64_t)p->keepalive_probes * p->keepalive_intvl_ms >=
		    1u << 31)
		return -EINVAL; /* beyond what wrap-safe ms compares can tell */
	return 0;
}

/* The keepalive deadline of @p c into *@p at. @return false: keepalive does not apply now. */
static inline bool tcp_keepalive_at(const struct hl_tcp *t, const struct hl_tcp_conn *c,
				    uint32_t *at)
{
	if (!t->p.keepalive || (c->flags & HL_TCPF_RTO) || c->sq_bytes != 0 ||
	    (c->state != HL_TCP_ESTABLISHED && c->state != HL_TCP_CLOSE_WAIT))
		return false;
	*at = c->heard_at + t->p.keepalive_idle_ms + c->ka_probes * t->p.keepalive_intvl_ms;
	return true;
}

void tcp_timer_update(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t at, ka;

	if (c->flags & HL_TCPF_DEAD)
		return;
	if ((c->flags & (HL_TCPF_RTO | HL_TCPF_DELACK)) == 0) {
		if (!tcp_keepalive_at(t, c, &at)) {
			tcp_timer_cancel(t, c);
			return;
		}
	} else if ((c->flags & HL_TCPF_RTO) && (c->flags & HL_TCPF_DELACK)) {
		at = SEQ_LT(c->rto_at, c->ack_at) ? c->rto_at : c->ack_at;
	} else if (c->flags & HL_TCPF_RTO) {
		at = c->rto_at; /* keepalive never applies with the RTO armed */
	} else {
		at = c->ack_at;
		if (tcp_keepalive_at(t, c, &ka) && SEQ_LT(ka, at))
			at = ka;
	}
	if ((c->flags & HL_TCPF_IN_TIMER) && at == c->timer_at)
		return;
	tcp_timer_cancel(t, c);
	c->timer_at = at;
	wheel_link(t, c);
}

void tcp_rto_arm(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto << c->backoff;
	uint32_t zw = t->p.zero_window_timeout_ms;

	c->rto_at = t->now + (uint32_t)RTE_MIN(rto, (uint64_t)HL_TCP_RTO_MAX_MS);
	/* a zero-window episode: persist gives up at its deadline, not at the next probe */
	if (c->state >= HL_TCP_ESTABLISHED && c->zwnd_since != 0 && zw != UINT32_MAX &&
	    SEQ_LT(c->zwnd_since + zw, c->rto_at))
		c->rto_at = c->zwnd_since + zw;
	c->flags = (uint16_t)((c->flags | HL_TCPF_RTO) & ~HL_TCPF_REO);
	tcp_timer_update(t, c);
}

void tcp_rto_stop(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	c->flags &= (uint16_t) ~(HL_TCPF_RTO | HL_TCPF_REO);
	tcp_timer_update(t, c);
}

void tcp_delack_arm(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (c->flags & HL_TCPF_DELACK)
		return;
	c->ack_at = t->now + HL_TCP_DELACK_MS;
	c->flags |= HL_TCPF_DELACK;
	tcp_timer_update(t, c);
}

/* RFC 6298 2.2/2.3, in ms; srtt kept x8 and rttvar x4 (Jacobson's fixed point). */
void tcp_rtt_sample(struct hl_tcp_conn *c, uint32_t r)
{
	int32_t delta;
	uint32_t rto;

	if (r == 0)
		r = 1;
	if (c->srtt == 0) {
		c->srtt = r << 3;
		c->rttvar = r << 1; /* (r/2) x4 */
	} else {
		delta = (int32_t)r - (int32_t)(c->srtt >> 3);
		c->srtt = (uint32_t)((int32_t)c->srtt + delta); /* srtt += delta/8, x8 */
		if (delta < 0)
			delta = -delta;
		c->rttvar = (uint32_t)((int32_t)c->rttvar + delta - (int32_t)(c->rttvar >> 2));
	}
	rto = (c->srtt >> 3) + RTE_MAX(c->rttvar, 1u); /* srtt + max(G, 4 rttvar) */
	c->rto = (uint16_t)RTE_MIN(RTE_MAX(rto, (uint32_t)HL_TCP_RTO_MIN_MS),
				   (uint32_t)HL_TCP_RTO_MAX_MS);
}

/* The persist deadline passed (the peer's window is zero): RST and -ETIMEDOUT when the
 * window has been closed for zero_window_timeout_ms since the episode's first probe, else
 * the next probe, backed off. */
static void tcp_persist_fire(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t limit = t->p.zero_window_timeout_ms;

	if (c->zwnd_since == 0) {
		c->zwnd_since = t->now != 0 ? t->now : UINT32_MAX; /* 0 means none: 1 ms early */
	} else if (limit != UINT32_MAX && t->now - c->zwnd_since >= limit) {
		HL_COUNT(t->w, TCP_ZERO_WINDOW_TIMEOUT);
		tcp_send_rst_conn(t, c);
		tcp_conn_close(t, c, -ETIMEDOUT);
		return;
	}
	if (c->backoff < 12)
		c->backoff++;
	c->snd_nxt = c->snd_una;
	tcp_send_probe(t, c);
	tcp_rto_arm(t, c);
}

/* The retransmission (or persist, or close) deadline passed. */
static void tcp_rto_fire(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	switch (c->state) {
	case HL_TCP_TIME_WAIT:
		tcp_conn_close(t, c, 0);
		return;
	case HL_TCP_FIN_WAIT_2:
		HL_COUNT(t->w, TCP_FIN_WAIT2_TIMEOUT);
		tcp_conn_close(t, c, -ETIMEDOUT);
		return;
	case HL_TCP_SYN_SENT:
	case HL_TCP_SYN_RECEIVED: {
		bool active = c->state == HL_TCP_SYN_SENT;

		if (c->backoff >= (active ? t->p.syn_retries : t->p.synack_retries)) {
			if (active)
				HL_COUNT(t->w, TCP_CONNECT_TIMEOUT);
			else
				HL_COUNT(t->w, TCP_SYNACK_GIVEUP);
			tcp_conn_close(t, c, -ETIMEDOUT);
			return;
		}
		HL_COUNT(t->w, TCP_RTO);
		c->backoff++;
		tcp_send_syn(t, c);
		tcp_rto_arm(t, c);
		return;
	}
	default:
		break;
	}
	if (c->snd_wnd == 0) {
		tcp_persist_fire(t, c);
		return;
	}
	if (c->backoff >= HL_TCP_RETRIES_MAX) {
		HL_COUNT(t->w, TCP_RTO_GIVEUP);
		tcp_send_rst_conn(t, c);
		tcp_conn_close(t, c, -ETIMEDOUT);
		return;
	}
	HL_COUNT(t->w, TCP_RTO);
	c->backoff++;
	if (c->backoff >= 2)
		c->sb_n = 0; /* a second RTO: the peer may have reneged on its SACKs */
	c->rtx_hi = c->snd_una;
	t->cc->on_rto(c);
	tcp_retransmit(t, c, false);
	if (!(c->flags & HL_TCPF_RTO))
		tcp_rto_arm(t, c);
}

/* The keepalive deadline passed: the next probe, or, @p keepalive_probes of them unanswered,
 * RST and -ETIMEDOUT. */
static void tcp_keepalive_fire(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (c->ka_probes >= t->p.keepalive_probes) {
		HL_COUNT(t->w, TCP_KEEPALIVE_TIMEOUT);
		tcp_send_rst_conn(t, c);
		tcp_conn_close(t, c, -ETIMEDOUT);
		return;
	}
	c->ka_probes++;
	HL_COUNT(t->w, TCP_KEEPALIVE_SENT);
	tcp_send_keepalive(t, c);
}

static void tcp_timer_fire(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t ka;

	if ((c->flags & HL_TCPF_DELACK) && SEQ_LEQ(c->ack_at, t->now)) {
		HL_COUNT(t->w, TCP_DELACK_SENT);
		tcp_send_ack(t, c);
	}
	if ((c->flags & HL_TCPF_RTO) && SEQ_LEQ(c->rto_at, t->now)) {
		c->flags &= (uint16_t)~HL_TCPF_RTO;
		if (c->flags & HL_TCPF_REO)
			tcp_reo_fire(t, c);
		else
			tcp_rto_fire(t, c);
	}
	if (!(c->flags & HL_TCPF_DEAD) && tcp_keepalive_at(t, c, &ka) && SEQ_LEQ(ka, t->now))
		tcp_keepalive_fire(t, c);
	tcp_timer_update(t, c);
}

void hl_tcp_timers(struct hl_tcp *t)
{
	unsigned steps = 0;

	t->now = tcp_clock(t);
	t->busy++;
	while (SEQ_LEQ(t->wheel_ms, t->now) && steps < HL_TCP_WHEEL_SLOTS) {
		struct hl_tcp_conn_list *slot = &t->wheel[t->wheel_ms & (HL_TCP_WHEEL_SLOTS - 1)];
		struct hl_tcp_conn_list due;
		struct hl_tcp_conn *c;

		/* take the slot's list; what is re-armed meanwhile lands in later slots */
		due.lh_first = slot->lh_first;
		if (due.lh_first != NULL)
			due.lh_first->tnode.le_prev = &due.lh_first;
		slot->lh_first = NULL;
		t->wheel_ms++;
		steps++;
		while ((c = LIST_FIRST(&due)) != NULL) {
			LIST_REMOVE(c, tnode);
			c->flags &= (uint16_t)~HL_TCPF_IN_TIMER;
			if (SEQ_LEQ(c->timer_at, t->now))
				tcp_timer_fire(t, c);
			else
				wheel_link(t, c); /* a later round */
		}
	}
	if (SEQ_LEQ(t->wheel_ms, t->now))
		t->wheel_ms = t->now + 1; /* a jump past the whole wheel: every slot was seen */
	tcp_busy_end(t);
}
