/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control behind a small ops table (struct hl_tcp_cc_ops):
 * NewReno (RFC 5681 slow start and congestion avoidance, RFC 6582 fast
 * recovery with partial ACKs; initial window RFC 6928). The sender also
 * never exceeds the peer's receive window (tcp_out.c takes the minimum).
 */
#include "tcp_priv.h"

static void newreno_init(struct hl_tcp_conn *c)
{
	c->cwnd = RTE_MIN(HL_TCP_INIT_CWND_SEGS * (uint32_t)c->mss, RTE_MAX(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX;
}

static uint32_t half_flight(const struct hl_tcp_conn *c)
{
	return RTE_MAX(tcp_flight(c) / 2, 2u * c->mss);
}

static bool newreno_on_ack(struct hl_tcp_conn *c, uint32_t acked)
{
	if (c->flags & HL_TCPF_RECOVERY) {
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
	if (c->cwnd < c->ssthresh)
		c->cwnd += RTE_MIN(acked, (uint32_t)c->mss); /* slow start, L = 1 (RFC 3465) */
	else
		c->cwnd += RTE_MAX(1u, (uint32_t)c->mss * c->mss / c->cwnd);
	return false;
}

static bool newreno_on_dupack(struct hl_tcp_conn *c)
{
	if (c->flags & HL_TCPF_RECOVERY) {
		c->cwnd += c->mss; /* inflate: a segment left the network */
		return false;
	}
	if (c->dupacks != 3 || SEQ_LT(c->snd_una, c->recover))
		return false;
	c->ssthresh = half_flight(c);
	c->cwnd = c->ssthresh + 3u * c->mss;
	c->recover = c->snd_max;
	c->flags |= HL_TCPF_RECOVERY;
	return true;
}

static void newreno_on_rto(struct hl_tcp_conn *c)
{
	c->ssthresh = half_flight(c);
	c->cwnd = c->mss;
	c->recover = c->snd_max;
	c->flags &= (uint16_t)~HL_TCPF_RECOVERY;
	c->dupacks = 0;
}

const struct hl_tcp_cc_ops hl_tcp_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_dupack = newreno_on_dupack,
	.on_rto = newreno_on_rto,
};
