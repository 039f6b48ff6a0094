/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment input (RFC 9293 3.10.7): validation (length, data offset,
 * checksum, flag combinations), demultiplexing by the 4-tuple, passive open
 * on listeners, then for a connection, in the RFC's order: sequence
 * acceptability, RST (RFC 5961 3: only the exact sequence number resets,
 * any other in-window RST gets a challenge ACK), SYN (RFC 5961 4: challenge
 * ACK), ACK (RFC 5961 5 bounds; congestion control via the cc ops), payload (in
 * order to the application, out of order into tcp_ooo.c's queue, answered
 * with an immediate ACK), FIN. Every drop has a counter.
 * Challenge ACKs (RFC 5961 3, 4, 5) spend tcp_challenge.c's per-worker budget.
 *
 * hl_tcp_input consumes its mbuf: its payload goes to the application
 * (which then owns it), or it is freed.
 */
#include <errno.h>

#include <rte_random.h>
#include <rte_ring.h>

#include "cksum.h"
#include "net.h"
#include "tcp_priv.h"

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Parse options: MSS, window scale, SACK-permitted (SYN), timestamps, SACK
 * blocks; the rest is skipped. @return 0, -EINVAL (an option runs past the
 * header: what came before it is kept).
 */
static int tcp_parse_opts(const uint8_t *o, unsigned len, struct hl_tcp_seg *s)
{
	unsigned i = 0;

	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == 0) /* end of options */
			break;
		if (kind == 1) { /* NOP */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return -EINVAL;
		if (kind == 2 && olen == 4) {
			s->opt_mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		} else if (kind == 3 && olen == 3) {
			s->opt_ws = o[i + 2];
		} else if (kind == 4 && olen == 2) {
			s->opt_sack_ok = true;
		} else if (kind == 8 && olen == 10) {
			s->opt_ts = true;
			s->tsval = rd32(o + i + 2);
			s->tsecr = rd32(o + i + 6);
		} else if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
			s->nsack = (uint8_t)RTE_MIN((olen - 2) / 8, 4);
			for (unsigned b = 0; b < s->nsack; b++)
				for (unsigned e = 0; e < 2; e++)
					s->sack[b][e] = rd32(o + i + 2 + 8 * b + 4 * e);
		}
		i += olen;
	}
	return 0;
}

static void tcp_data(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m,
		     const struct hl_tcp_seg *s);

/* The half-open budget is full: a stateless SYN-ACK with a cookie (tcp_syncookie.c). */
static void tcp_syncookie_synack(struct hl_tcp *t, unsigned port, const struct hl_tcp_key *k,
				 const struct hl_tcp_seg *s, uint16_t mtu)
{
	struct hl_tcp_conn tmp = {.key = *k, .port = (uint8_t)port};
	uint16_t mss =
		(uint16_t)RTE_MIN(s->opt_mss != 0 ? s->opt_mss : HL_TCP_DEFAULT_MSS, mtu - 40);

	/* a connection that lives for one segment: tcp_send_syn reads these */
	tmp.iss = tcp_syncookie_make(t, k, s->seq, mss);
	tmp.rcv_nxt = s->seq + 1;
	if (s->opt_ts) {
		tmp.flags |= HL_TCPF_TS;
		if (s->opt_ws != 0xff)
			tmp.flags |= HL_TCPF_WSCALE;
		if (s->opt_sack_ok)
			tmp.flags |= HL_TCPF_SACK;
		tmp.ts_recent = s->tsval;
		tmp.ts_off =
			tcp_syncookie_tsval(t, tcp_ts_offset(t, k), s->opt_ws, s->opt_sack_ok) -
			t->now;
	}
	HL_COUNT(t->w, TCP_SYNCOOKIE_SENT);
	tcp_send_syn(t, &tmp);
}

/* An ACK for no connection while cookies are out: open the connection its cookie
 * describes. @return false: not a valid cookie. Consumes @p m when true. */
static bool tcp_syncookie_accept(struct hl_tcp *t, unsigned port, unsigned lst,
				 const struct hl_tcp_key *k, struct rte_mbuf *m,
				 const struct hl_tcp_seg *s)
{
	uint16_t mtu = t->w->net->port[port].mtu;
	int mss = tcp_syncookie_check(t, k, s->seq - 1, s->ack - 1);
	struct hl_tcp_conn *c;

	if (mss < 0)
		return false;
	if (mtu == 0)
		mtu = RTE_ETHER_MTU;
	c = tcp_conn_new(t, k, lst);
	if (c == NULL) {
		rte_pktmbuf_free(m); /* counted */
		return true;
	}
	c->port = (uint8_t)port;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->recover = c->iss;
	c->mss = (uint16_t)RTE_MIN(mss, mtu - 40);
	if (s->opt_ts) { /* the options the SYN offered come back in TSecr */
		uint8_t ws;
		bool sack;

		tcp_syncookie_ts_opts(s->tsecr, &ws, &sack);
		c->flags |= HL_TCPF_TS | (sack ? HL_TCPF_SACK : 0);
		if (ws != 15) {
			c->flags |= HL_TCPF_WSCALE;
			c->snd_wscale = RTE_MIN(ws, (uint8_t)14);
		}
		c->ts_recent = s->tsval;
		c->ts_recent_age = t->now;
		c->ts_off = tcp_ts_offset(t, k);
		c->mss = (uint16_t)(c->mss - HL_TCP_TS_OPTLEN);
	}
	c->snd_wnd = c->max_snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(t->p.rcv_buf, 0xffffu); /* the SYN-ACK's window */
	c->last_ack_sent = c->rcv_nxt;
	c->rto = HL_TCP_RTO_INIT_MS;
	t->cc->init(c);
	tcp_conn_set_state(t, c, HL_TCP_ESTABLISHED);
	HL_COUNT(t->w, TCP_SYNCOOKIE_OK);
	HL_COUNT(t->w, TCP_ACCEPTED);
	tcp_app_established(t, c);
	if (c->flags & HL_TCPF_DEAD) {
		rte_pktmbuf_free(m);
		return true;
	}
	tcp_data(t, c, m, s);
	tcp_output(t, c);
	return true;
}

/* A SYN for a listener: a new connection in SYN-RECEIVED and a SYN-ACK. */
static void tcp_passive_open(struct hl_tcp *t, unsigned port, unsigned lst,
			     const struct hl_tcp_key *k, const struct hl_tcp_seg *s)
{
	uint16_t mtu = t->w->net->port[port].mtu;
	struct hl_tcp_conn *c;

	if (mtu == 0)
		mtu = RTE_ETHER_MTU;
	if (t->n_syn_rcvd >= t->p.max_syn_rcvd) {
		HL_COUNT(t->w, TCP_SYN_BACKLOG_FULL);
		tcp_syncookie_synack(t, port, k, s, mtu);
		return;
	}
	c = tcp_conn_new(t, k, lst);
	if (c == NULL)
		return; /* counted */
	c->port = (uint8_t)port;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = (uint32_t)rte_rand();
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->mss = (uint16_t)RTE_MIN(s->opt_mss != 0 ? s->opt_mss : HL_TCP_DEFAULT_MSS, mtu - 40);
	c->mss = RTE_MAX(c->mss, (uint16_t)64); /* a tiny MSS is a resource attack */
	if (s->opt_ws != 0xff) {
		c->flags |= HL_TCPF_WSCALE;
		c->snd_wscale = RTE_MIN(s->opt_ws, (uint8_t)14);
	}
	if (s->opt_sack_ok)
		c->flags |= HL_TCPF_SACK;
	if (s->opt_ts) {
		c->flags |= HL_TCPF_TS;
		c->ts_recent = s->tsval;
		c->ts_recent_age = t->now;
		c->ts_off = tcp_ts_offset(t, k);
		c->mss = (uint16_t)(c->mss - HL_TCP_TS_OPTLEN);
	}
	c->snd_wnd = c->max_snd_wnd = s->wnd; /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->rto = HL_TCP_RTO_INIT_MS;
	c->rtt_ts = t->now;
	t->cc->init(c);
	tcp_conn_set_state(t, c, HL_TCP_SYN_RECEIVED);
	tcp_send_syn(t, c);
	tcp_rto_arm(t, c);
}

/* No connection for this segment (RFC 9293 3.10.7.1/2). Consumes @p m. */
static void tcp_input_noconn(struct hl_tcp *t, unsigned port, struct rte_mbuf *m,
			     const struct hl_tcp_key *k, const struct hl_tcp_seg *s)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len);
	int lst;

	if (s->flags & RTE_TCP_RST_FLAG) {
		HL_DROP(t->w, TCP_RST_NO_CONN, m);
		return;
	}
	lst = tcp_listener_find(t, k->laddr, k->lport);
	if (lst >= 0 && t->listeners_closed) { /* stopping: as a closed socket would */
		HL_COUNT(t->w, TCP_LISTENER_CLOSED);
		tcp_send_rst_reply(t, ip, th, s);
		rte_pktmbuf_free(m);
		return;
	}
	if (lst < 0) {
		HL_COUNT(t->w, TCP_NO_LISTENER);
		tcp_send_rst_reply(t, ip, th, s);
		rte_pktmbuf_free(m);
		return;
	}
	if ((s->flags & RTE_TCP_ACK_FLAG) && !(s->flags & RTE_TCP_SYN_FLAG) &&
	    tcp_syncookie_recent(t)) {
		if (tcp_syncookie_accept(t, port, (unsigned)lst, k, m, s))
			return;
		HL_COUNT(t->w, TCP_SYNCOOKIE_BAD);
	}
	if (s->flags & RTE_TCP_ACK_FLAG) {
		HL_COUNT(t->w, TCP_NO_CONN);
		tcp_send_rst_reply(t, ip, th, s);
		rte_pktmbuf_free(m);
		return;
	}
	if (!(s->flags & RTE_TCP_SYN_FLAG)) {
		HL_DROP(t->w, TCP_NO_CONN, m);
		return;
	}
	/* data on the SYN is not kept: not acknowledged, the peer sends it again */
	tcp_passive_open(t, port, (unsigned)lst, k, s);
	rte_pktmbuf_free(m);
}

/* RFC 9293 3.10.7.4 first check: does the segment overlap the receive window? */
static bool tcp_acceptable(const struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	uint32_t slen = s->len + !!(s->flags & RTE_TCP_SYN_FLAG) + !!(s->flags & RTE_TCP_FIN_FLAG);
	bool first = SEQ_LEQ(c->rcv_nxt, s->seq) && SEQ_LT(s->seq, c->rcv_nxt + wnd);

	if (SEQ_LT(c->rcv_adv, c->rcv_nxt))
		wnd = 0;
	if (slen == 0)
		return wnd == 0 ? s->seq == c->rcv_nxt : first;
	if (wnd == 0)
		return false;
	return first || (SEQ_LEQ(c->rcv_nxt, s->seq + slen - 1) &&
			 SEQ_LT(s->seq + slen - 1, c->rcv_nxt + wnd));
}

/* RFC 7323 5.3 R1: a segment (not a RST) whose TSval is older than ts_recent is an old
 * duplicate. @return true: drop it (ACKed). */
static bool tcp_paws_reject(struct hl_tcp *t, const struct hl_tcp_conn *c,
			    const struct hl_tcp_seg *s)
{
	if (!(c->flags & HL_TCPF_TS) || !s->opt_ts || (s->flags & RTE_TCP_RST_FLAG) ||
	    !SEQ_LT(s->tsval, c->ts_recent))
		return false;
	if (t->now - c->ts_recent_age > HL_TCP_PAWS_IDLE_MS)
		return false; /* 5.5: ts_recent is too old to judge by */
	return true;
}

/* RFC 7323 4.3 (R3): remember the TSval to echo. */
static void tcp_ts_update(struct hl_tcp *t, struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	if ((c->flags & HL_TCPF_TS) && s->opt_ts && SEQ_LEQ(s->seq, c->last_ack_sent) &&
	    (SEQ_GEQ(s->tsval, c->ts_recent) || t->now - c->ts_recent_age > HL_TCP_PAWS_IDLE_MS)) {
		c->ts_recent = s->tsval;
		c->ts_recent_age = t->now;
	}
}

/* RTT from the echoed timestamp (RFC 7323 4.1): valid for any ACK of new data. @return
 * true: sampled. */
static bool tcp_ts_rtt(struct hl_tcp *t, struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	uint32_t rtt = t->now + c->ts_off - s->tsecr;

	if (!(c->flags & HL_TCPF_TS) || !s->opt_ts || s->tsecr == 0 || rtt > HL_TCP_RTO_MAX_MS)
		return false;
	tcp_rtt_sample(c, rtt);
	return true;
}

/* The congestion control entered recovery: resend snd_una (or the first lost hole). */
static void tcp_fast_retransmit(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	HL_COUNT(t->w, TCP_FAST_RETRANSMIT);
	/* the scoreboard, not the count, said lost */
	if (c->dupacks < tcp_dupthresh(c))
		HL_COUNT(t->w, TCP_SACK_LOSS);
	c->rtx_hi = c->snd_una;
	tcp_retransmit(t, c, true);
}

/*
 * A duplicate ACK (RFC 6675 2): the third (tcp_dupthresh()) or one that shows snd_una lost
 * on the scoreboard starts fast retransmit and recovery; in recovery each one may send the
 * next lost hole.
 *
 * Once D-SACKs showed this path reorders (c->reordering raised), a suspected loss first
 * waits a reordering window, RFC 8985's reo_wnd (SRTT / 4, + 1 ms for the clock's
 * granularity): the segment may still come, and an ACK of new data cancels the wait
 * (tcp_rto_arm). The window's deadline borrows rto_at (HL_TCPF_REO, as Linux's reordering
 * timer shares the retransmission timer); tcp_reo_fire() then retransmits.
 */
static void tcp_dupack(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	HL_COUNT(t->w, TCP_DUPACK);
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (!(c->flags & (HL_TCPF_RECOVERY | HL_TCPF_REO)) && c->reordering > HL_TCP_REORDER_INIT &&
	    tcp_loss_suspected(c)) {
		HL_COUNT(t->w, TCP_REO_WAIT);
		c->rto_at = t->now + (c->srtt >> 5) + 1;
		c->flags |= HL_TCPF_REO | HL_TCPF_RTO;
		tcp_timer_update(t, c);
		return;
	}
	if (t->cc->on_dupack(c))
		tcp_fast_retransmit(t, c);
	else if (c->flags & HL_TCPF_RECOVERY)
		tcp_sack_retransmit(t, c); /* a segment left; the next lost SACK hole goes */
}

void tcp_reo_fire(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	c->flags &= (uint16_t)~HL_TCPF_REO;
	HL_COUNT(t->w, TCP_REO_TIMEOUT);
	if (!(c->flags & HL_TCPF_RECOVERY) && t->cc->on_dupack(c))
		tcp_fast_retransmit(t, c);
	if (c->snd_una != c->snd_max)
		tcp_rto_arm(t, c);
}

/* The ACK field of a synchronized connection. @return false: stop (the segment is dropped). */
static bool tcp_ack(struct hl_tcp *t, struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	const struct hl_tcp_app *app = tcp_app(t, c);
	bool more_sacked = false;

	if (SEQ_GT(s->ack, c->snd_max)) {
		HL_COUNT(t->w, TCP_ACK_UNSENT);
		tcp_send_challenge_ack(t, c);
		return false;
	}
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		HL_COUNT(t->w, TCP_ACK_TOO_OLD); /* RFC 5961 5.2: ACK and discard */
		tcp_send_challenge_ack(t, c);
		return false;
	}
	if (s->nsack != 0) { /* the scoreboard changes only with SACK blocks */
		uint32_t sacked = tcp_sacked_below(c, c->snd_max);

		if (tcp_sack_update(c, s)) {
			HL_COUNT(t->w, TCP_DSACK_IN);
			if (tcp_cc_undo(t->cc, c, s->sack[0][0], s->sack[0][1]))
				HL_COUNT(t->w, TCP_SPURIOUS_UNDO);
		}
		/* RFC 6675 2: an ACK that SACKs more is a duplicate one, data or window update
		 * or not */
		more_sacked = tcp_sacked_below(c, c->snd_max) > sacked;
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		uint32_t acked = s->ack - c->snd_una, data = acked;
		/* the first new ACK of a fast recovery episode: the duplicate ACKs, or segments
		 * SACKed above the old snd_una (counted before the clip below), measure the
		 * reordering, should D-SACKs show the episode spurious */
		bool undo_measure = c->prior_cwnd != 0 && c->undo_dupacks == 0;
		uint32_t sacked = undo_measure ? tcp_sacked_below(c, c->snd_max) : 0;

		if ((c->flags & HL_TCPF_FIN_SENT) && SEQ_GT(s->ack, c->snd_una + c->sq_bytes)) {
			c->flags |= HL_TCPF_FIN_ACKED;
			data--;
		}
		tcp_sq_drop(t, c, data);
		c->snd_una = s->ack;
		tcp_sack_clip(c);
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if (tcp_ts_rtt(t, c, s)) {
			c->flags &= (uint16_t)~HL_TCPF_TIMING;
		} else if ((c->flags & HL_TCPF_TIMING) && SEQ_GEQ(s->ack, c->rtt_seq)) {
			c->flags &= (uint16_t)~HL_TCPF_TIMING;
			tcp_rtt_sample(c, t->now - c->rtt_ts);
		}
		c->backoff = 0;
		if (undo_measure)
			c->undo_dupacks =
				(uint8_t)RTE_MIN(RTE_MAX((uint32_t)c->dupacks, sacked / c->mss),
						 (uint32_t)UINT8_MAX);
		c->dupacks = 0;
		if (t->cc->on_ack(c, acked, t->now))
			tcp_retransmit(t, c, true);
		if (c->snd_una == c->snd_max)
			tcp_rto_stop(t, c);
		else
			tcp_rto_arm(t, c); /* RFC 6298 5.3 */
		/* RFC 6675 5: a cumulative ACK that SACKs more is a duplicate one too: the hole
		 * now at snd_una may be lost */
		if (more_sacked && !(c->flags & HL_TCPF_RECOVERY) && c->snd_una != c->snd_max)
			tcp_dupack(t, c);
		if (data != 0 && (c->flags & HL_TCPF_APP) && app->sent != NULL) {
			app->sent(t, c, data);
			if (c->flags & HL_TCPF_DEAD)
				return false;
		}
	} else if (s->ack == c->snd_una && c->snd_una != c->snd_max &&
		   (more_sacked ||
		    (s->len == 0 && !(s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG)) &&
		     s->wnd != 0 && ((uint32_t)s->wnd << c->snd_wscale) == c->snd_wnd))) {
		/* (a zero window's ACKs answer the persist probes: the receiver is full,
		 * nothing is lost, and a fast retransmit would send a segment it cannot take) */
		tcp_dupack(t, c);
	}
	/* window update (RFC 9293 3.10.7.4, fifth check) */
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
		c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	/* a zero-window episode (tcp_timer.c) ends when the window opens, not when a probe is
	 * answered, or when nothing of ours is left to send; with the window open the
	 * retransmission timer starts afresh (Linux's tcp_ack_probe), no longer pulled in
	 * by the episode's deadline nor backed off by its probes */
	if (c->zwnd_since != 0 && (c->snd_wnd != 0 || !tcp_sending(c))) {
		c->zwnd_since = 0;
		if (c->snd_wnd != 0 && (c->flags & (HL_TCPF_RTO | HL_TCPF_REO)) == HL_TCPF_RTO) {
			c->backoff = 0;
			tcp_rto_arm(t, c);
		}
	}
	if (!(c->flags & HL_TCPF_FIN_ACKED))
		return true;
	switch (c->state) {
	case HL_TCP_FIN_WAIT_1:
		tcp_conn_set_state(t, c, HL_TCP_FIN_WAIT_2);
		c->rto_at = t->now + HL_TCP_FIN_WAIT2_MS;
		c->flags |= HL_TCPF_RTO;
		tcp_timer_update(t, c);
		break;
	case HL_TCP_CLOSING:
		tcp_enter_time_wait(t, c);
		break;
	case HL_TCP_LAST_ACK:
		tcp_conn_close(t, c, 0);
		return false;
	default:
		break;
	}
	return true;
}

/* The state a completed handshake enters: FIN-WAIT-1 when the application shut down
 * before it completed (hl_tcp_shutdown in SYN-SENT). */
static enum hl_tcp_state tcp_open_state(const struct hl_tcp_conn *c)
{
	return (c->flags & HL_TCPF_FIN_QUEUED) ? HL_TCP_FIN_WAIT_1 : HL_TCP_ESTABLISHED;
}

/* SYN-RECEIVED: the ACK of our SYN-ACK. @return false: stop (dropped). */
static bool tcp_ack_synack(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m,
			   const struct hl_tcp_seg *s)
{
	if (!(SEQ_GT(s->ack, c->snd_una) && SEQ_LEQ(s->ack, c->snd_nxt))) {
		HL_COUNT(t->w, TCP_BAD_ACK);
		tcp_send_rst_reply(
			t, rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *),
			rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len), s);
		return false;
	}
	if (!tcp_ts_rtt(t, c, s) && c->backoff == 0)
		tcp_rtt_sample(c, t->now - c->rtt_ts); /* Karn: only an unrepeated SYN-ACK */
	c->backoff = 0;
	c->snd_una = s->ack;
	c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_rto_stop(t, c);
	tcp_conn_set_state(t, c, tcp_open_state(c));
	if (c->flags & HL_TCPF_APP) { /* an active open that met the peer's SYN */
		HL_COUNT(t->w, TCP_CONNECTED);
		c->flags &= (uint16_t)~HL_TCPF_APP;
	} else {
		HL_COUNT(t->w, TCP_ACCEPTED);
	}
	tcp_app_established(t, c);
	return !(c->flags & HL_TCPF_DEAD);
}

/* The options a SYN-ACK (or a simultaneous-open SYN) returns: what we offered and it
 * did not return is off. */
static void tcp_syn_opts(struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	uint16_t peer_mss = s->opt_mss != 0 ? s->opt_mss : HL_TCP_DEFAULT_MSS;

	c->mss = RTE_MAX(RTE_MIN(c->mss, peer_mss), (uint16_t)64);
	if (s->opt_ws != 0xff)
		c->snd_wscale = RTE_MIN(s->opt_ws, (uint8_t)14);
	else
		c->flags &= (uint16_t)~HL_TCPF_WSCALE;
	if (!s->opt_sack_ok)
		c->flags &= (uint16_t)~HL_TCPF_SACK;
	if (s->opt_ts) {
		c->ts_recent = s->tsval;
		c->mss = (uint16_t)(c->mss - HL_TCP_TS_OPTLEN);
	} else {
		c->flags &= (uint16_t)~HL_TCPF_TS;
	}
}

/*
 * SYN-SENT (RFC 9293 3.10.7.3): our SYN is out. A SYN-ACK for it establishes
 * the connection; a RST that acknowledges it refuses it; a bare SYN is a
 * simultaneous open (SYN-RECEIVED, SYN-ACK). Consumes @p m.
 */
static void tcp_input_syn_sent(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m,
			       const struct hl_tcp_seg *s)
{
	bool ack = s->flags & RTE_TCP_ACK_FLAG;
	struct hl_tcp_seg rest;

	if (ack && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		HL_COUNT(t->w, TCP_BAD_ACK);
		if (!(s->flags & RTE_TCP_RST_FLAG))
			tcp_send_rst_reply(
				t, rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *),
				rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len),
				s);
		rte_pktmbuf_free(m);
		return;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		if (!ack) { /* RFC 5961 3.2: only a RST acknowledging our SYN counts */
			HL_DROP(t->w, TCP_RST_IGNORED, m);
			return;
		}
		rte_pktmbuf_free(m);
		HL_COUNT(t->w, TCP_RST_IN);
		HL_COUNT(t->w, TCP_CONNECT_REFUSED);
		tcp_conn_close(t, c, -ECONNREFUSED);
		return;
	}
	if (!(s->flags & RTE_TCP_SYN_FLAG)) {
		HL_DROP(t->w, TCP_NO_CONN, m);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(tcp_rcv_window(t, c), 0xffffu); /* as in our SYN */
	c->last_ack_sent = c->rcv_nxt;
	tcp_syn_opts(c, s);
	if (c->flags & HL_TCPF_TS)
		c->ts_recent_age = t->now;
	c->snd_wnd = c->max_snd_wnd = s->wnd; /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	t->cc->init(c);
	if (!ack) { /* simultaneous open: both SYNs crossed */
		rte_pktmbuf_free(m);
		tcp_conn_set_state(t, c, HL_TCP_SYN_RECEIVED);
		c->backoff = 0;
		tcp_send_syn(t, c);
		tcp_rto_arm(t, c);
		return;
	}
	if (!tcp_ts_rtt(t, c, s) && c->backoff == 0)
		tcp_rtt_sample(c, t->now - c->rtt_ts); /* Karn: only an unrepeated SYN */
	c->backoff = 0;
	c->snd_una = s->ack;
	tcp_rto_stop(t, c);
	tcp_conn_set_state(t, c, tcp_open_state(c));
	HL_COUNT(t->w, TCP_CONNECTED);
	c->flags &= (uint16_t)~HL_TCPF_APP;
	c->flags |= HL_TCPF_ACK_NOW;
	tcp_app_established(t, c);
	if (c->flags & HL_TCPF_DEAD) {
		rte_pktmbuf_free(m);
		return;
	}
	/* data (or a FIN) on the SYN-ACK: the rest of the segment, after the SYN */
	rest = *s;
	rest.seq++;
	rest.flags &= (uint8_t)~RTE_TCP_SYN_FLAG;
	tcp_data(t, c, m, &rest);
	tcp_output(t, c);
}

/* Hand @p len bytes of in-order payload (@p m, trimmed) to the application. @return false: closed.
 */
static bool tcp_deliver(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	c->rcv_nxt += len;
	c->rcv_held += len;
	HL_COUNT_N(t->w, TCP_BYTES_IN, len);
	tcp_app(t, c)->recv(t, c, m);
	return !(c->flags & HL_TCPF_DEAD);
}

/* The hole before the out-of-order queue filled: deliver what is now in order. */
static bool tcp_ooo_deliver(struct hl_tcp *t, struct hl_tcp_conn *c, bool *fin)
{
	struct rte_mbuf *m;
	bool f = false;

	while (!f && (m = tcp_ooo_pull(t, c, &f)) != NULL) {
		if (m->data_len == 0)
			rte_pktmbuf_free(m);
		else if (!tcp_deliver(t, c, m, m->data_len))
			return false;
	}
	if (f) {
		*fin = true;
		tcp_ooo_free(t, c); /* nothing follows a FIN */
	}
	return true;
}

/* Payload and FIN, in order or into the out-of-order queue. Consumes @p m. */
static void tcp_data(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m,
		     const struct hl_tcp_seg *s)
{
	uint32_t seq = s->seq, len = s->len, off = m->l3_len + s->hlen, room;
	bool fin = s->flags & RTE_TCP_FIN_FLAG;

	if (len != 0 && c->state != HL_TCP_ESTABLISHED && c->state != HL_TCP_FIN_WAIT_1 &&
	    c->state != HL_TCP_FIN_WAIT_2) {
		/* the peer's FIN came already: nothing more may arrive */
		HL_COUNT(t->w, TCP_DATA_AFTER_FIN);
		len = 0;
		fin = false;
	}
	if (SEQ_LT(seq, c->rcv_nxt)) { /* the front was received already */
		uint32_t d = RTE_MIN(c->rcv_nxt - seq, len);

		off += d;
		len -= d;
		seq += d;
	}
	room = SEQ_GT(c->rcv_adv, seq) ? c->rcv_adv - seq : 0;
	if (len > room) { /* beyond the window: cut (the FIN with it) */
		len = room;
		fin = false;
	}
	if (seq != c->rcv_nxt) {
		if (len != 0 || fin) {
			/* RFC 5681 4.2: an out-of-order segment is ACKed at once */
			c->flags |= HL_TCPF_ACK_NOW;
			tcp_ooo_insert(t, c, m, seq, off, len, fin);
		} else {
			rte_pktmbuf_free(m);
		}
		return;
	}
	if (c->state == HL_TCP_FIN_WAIT_2) {
		c->rto_at = t->now + HL_TCP_FIN_WAIT2_MS; /* still alive */
		tcp_timer_update(t, c);
	}
	if (len != 0 && unlikely(t->sq_mbufs >= t->p.sq_mbufs_max)) {
		/* the send queues hold their share of the packet pool: keep the rest free
		 * for receiving (the ACKs that drain them); the peer sends this again */
		HL_DROP(t->w, TCP_RX_MEM_DROP, m);
		return;
	}
	if (len != 0) {
		if (unlikely(off > m->data_len || rte_pktmbuf_adj(m, (uint16_t)off) == NULL ||
			     (m->pkt_len > len &&
			      rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len)) != 0))) {
			HL_DROP(t->w, TCP_MULTISEG, m);
			return;
		}
		if ((c->flags & HL_TCPF_DELACK_SEG) || fin || c->ooo_head != NULL) {
			c->flags |= HL_TCPF_ACK_NOW; /* RFC 5681 4.2: also when a hole fills */
		} else {
			c->flags |= HL_TCPF_DELACK_SEG;
			tcp_delack_arm(t, c);
		}
		if (!tcp_deliver(t, c, m, len))
			return;
		m = NULL;
		if (c->ooo_head != NULL && !fin && !tcp_ooo_deliver(t, c, &fin))
			return;
	}
	rte_pktmbuf_free(m);
	if (!fin)
		return;
	tcp_ooo_free(t, c);
	c->rcv_nxt++;
	c->flags |= HL_TCPF_ACK_NOW;
	switch (c->state) {
	case HL_TCP_ESTABLISHED:
		tcp_conn_set_state(t, c, HL_TCP_CLOSE_WAIT);
		if (tcp_app(t, c)->peer_fin != NULL)
			tcp_app(t, c)->peer_fin(t, c);
		break;
	case HL_TCP_FIN_WAIT_1:
		tcp_conn_set_state(t, c, HL_TCP_CLOSING);
		if (tcp_app(t, c)->peer_fin != NULL)
			tcp_app(t, c)->peer_fin(t, c);
		break;
	case HL_TCP_FIN_WAIT_2:
		if (tcp_app(t, c)->peer_fin != NULL)
			tcp_app(t, c)->peer_fin(t, c);
		if (!(c->flags & HL_TCPF_DEAD))
			tcp_enter_time_wait(t, c);
		break;
	default:
		break;
	}
}

/* A segment for connection @p c. Consumes @p m. */
static void tcp_input_conn(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m,
			   const struct hl_tcp_seg *s)
{
	if (c->state == HL_TCP_SYN_SENT) {
		tcp_input_syn_sent(t, c, m, s);
		return;
	}
	if (c->state == HL_TCP_SYN_RECEIVED && s->flags == RTE_TCP_SYN_FLAG && s->seq == c->irs) {
		/* the peer repeats its SYN: our SYN-ACK was lost */
		HL_COUNT(t->w, TCP_SYN_REPEATED);
		rte_pktmbuf_free(m);
		tcp_send_syn(t, c);
		return;
	}
	if (s->flags & RTE_TCP_SYN_FLAG) {
		/* RFC 5961 4.2: a SYN on a synchronized connection, whatever its sequence
		 * number, gets a challenge ACK; a peer that really restarted answers it
		 * with the RST that will close us */
		rte_pktmbuf_free(m);
		tcp_send_challenge_ack(t, c);
		return;
	}
	if (tcp_paws_reject(t, c, s)) {
		HL_COUNT(t->w, TCP_PAWS_DROP);
		rte_pktmbuf_free(m);
		tcp_send_ack(t, c);
		return;
	}
	if (!tcp_acceptable(c, s)) {
		if (s->flags & RTE_TCP_RST_FLAG) {
			HL_DROP(t->w, TCP_RST_IGNORED, m);
			return;
		}
		HL_COUNT(t->w, TCP_OUT_OF_WINDOW);
		if (c->state == HL_TCP_TIME_WAIT && (s->flags & RTE_TCP_FIN_FLAG)) {
			c->rto_at =
				t->now + HL_TCP_TIME_WAIT_MS; /* a repeated FIN restarts 2 MSL */
			tcp_timer_update(t, c);
		}
		rte_pktmbuf_free(m);
		tcp_send_ack(t, c);
		return;
	}
	if (s->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(m);
		if (s->seq != c->rcv_nxt) {
			tcp_send_challenge_ack(t, c);
			return;
		}
		HL_COUNT(t->w, TCP_RST_IN);
		tcp_conn_close(t, c, c->state == HL_TCP_TIME_WAIT ? 0 : -ECONNRESET);
		return;
	}
	if (!(s->flags & RTE_TCP_ACK_FLAG)) {
		HL_DROP(t->w, TCP_NO_ACK, m);
		return;
	}
	tcp_keepalive_heard(t, c);
	tcp_ts_update(t, c, s);
	if (c->state == HL_TCP_SYN_RECEIVED) {
		if (!tcp_ack_synack(t, c, m, s)) {
			rte_pktmbuf_free(m);
			return;
		}
	} else if (!tcp_ack(t, c, s)) {
		rte_pktmbuf_free(m);
		tcp_output(t, c);
		return;
	}
	tcp_data(t, c, m, s);
	tcp_output(t, c);
}

/* Pass @p m to worker @p owner's hand-off ring. Consumes @p m. */
static void tcp_handoff(struct hl_worker *w, unsigned owner, unsigned port, struct rte_mbuf *m)
{
	m->hash.usr = port; /* the port index travels with it */
	if (unlikely(rte_ring_mp_enqueue(w->tcp_rings[owner], m) != 0)) {
		HL_DROP(w, TCP_HANDOFF_FULL, m);
		return;
	}
	HL_COUNT(w, TCP_HANDOFF_OUT);
}

/* @p handed: @p m came from another worker, which found we own it: never passed on again. */
static void tcp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m, bool handed)
{
	struct hl_tcp *t = w->tcp;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint16_t l3 = m->l3_len;
	uint32_t tcplen = m->pkt_len - l3;
	const struct rte_tcp_hdr *th;
	struct hl_tcp_seg s = {.opt_ws = 0xff};
	struct hl_tcp_key k;
	struct hl_tcp_conn *c;

	if (!handed)
		HL_COUNT(w, TCP_IN);
	if (unlikely(tcplen < sizeof(*th))) {
		HL_DROP(w, TCP_TOO_SHORT, m);
		return;
	}
	if (unlikely(m->data_len < l3 + sizeof(*th))) {
		HL_DROP(w, TCP_MULTISEG, m);
		return;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l3);
	s.hlen = (uint8_t)((th->data_off >> 4) * 4);
	if (unlikely(s.hlen < sizeof(*th) || s.hlen > tcplen)) {
		HL_DROP(w, TCP_BAD_DOFF, m);
		return;
	}
	if (unlikely(m->data_len < l3 + s.hlen)) {
		HL_DROP(w, TCP_MULTISEG, m);
		return;
	}
	if (!handed && w->net->n_workers > 1) {
		unsigned owner =
			tcp_owner(t, port, ip->src_addr, th->src_port, ip->dst_addr, th->dst_port);

		if (owner != w->id) {
			tcp_handoff(w, owner, port, m);
			return;
		}
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    unlikely(m->data_len >= l3 + tcplen
			     ? !hl_ipv4_l4_cksum_ok(ip, th, tcplen)
			     : rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, l3) != 0)) {
		HL_DROP(w, TCP_BAD_CKSUM, m);
		return;
	}
	s.flags = th->tcp_flags & 0x3f; /* ECE and CWR ignored: no ECN */
	if (unlikely((s.flags & RTE_TCP_SYN_FLAG) &&
		     (s.flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)))) {
		HL_DROP(w, TCP_BAD_FLAGS, m);
		return;
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.len = tcplen - s.hlen;
	/* a broken option list drops a SYN; later segments keep what parsed before it */
	if (tcp_parse_opts((const uint8_t *)(th + 1), s.hlen - sizeof(*th), &s) != 0 &&
	    (s.flags & RTE_TCP_SYN_FLAG)) {
		HL_DROP(w, TCP_BAD_OPTIONS, m);
		return;
	}
	t->now = tcp_clock(t);
	k.raddr = ip->src_addr;
	k.laddr = ip->dst_addr;
	k.rport = th->src_port;
	k.lport = th->dst_port;
	c = tcp_conn_lookup(t, &k);
	t->busy++;
	if (c == NULL)
		tcp_input_noconn(t, port, m, &k, &s);
	else
		tcp_input_conn(t, c, m, &s);
	tcp_busy_end(t);
}

void hl_tcp_input(struct hl_worker *w, unsigned port, struct rte_mbuf *m)
{
	tcp_input(w, port, m, false);
}

unsigned hl_tcp_handoff_drain(struct hl_worker *w)
{
	struct rte_mbuf *pkts[HL_RX_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(w->tcp_ring_in, (void **)pkts, HL_RX_BURST, NULL);

	HL_COUNT_N(w, TCP_HANDOFF_IN, n);
	for (unsigned i = 0; i < n; i++)
		tcp_input(w, pkts[i]->hash.usr, pkts[i], true);
	return n;
}
