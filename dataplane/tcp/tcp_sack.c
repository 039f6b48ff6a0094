/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SACK scoreboard of the send queue (RFC 2018, RFC 6675 3): the byte
 * ranges above snd_una the peer reported holding, kept as up to
 * HL_TCP_SB_MAX disjoint blocks, ascending. When more arrive than fit, the
 * highest go: the holes nearest snd_una are the ones recovery needs first,
 * and forgetting a block only costs a needless retransmission later.
 *
 * Users: tcp_out.c skips SACKed ranges when it retransmits (go-back-N after
 * an RTO, fast retransmit, the next hole in recovery); tcp_timer.c clears
 * the scoreboard at the second RTO in a row, in case the peer reneged
 * (RFC 2018 8).
 *
 * A first block that reports data received twice (D-SACK, RFC 2883) is not
 * merged: tcp_in.c counts it and tcp_cc.c may find the fast retransmit that
 * caused it spurious.
 */
#include "tcp_priv.h"

static void sb_insert(struct hl_tcp_conn *c, uint32_t s, uint32_t e)
{
	uint32_t nb[HL_TCP_SB_MAX + 1][2];
	unsigned n = 0, i = 0;
	bool placed = false;

	/* merge into an ascending copy: overlapping or adjacent blocks become one */
	while (i < c->sb_n || !placed) {
		uint32_t bs, be;

		if (!placed && (i == c->sb_n || SEQ_LT(s, c->sb[i][0]))) {
			bs = s;
			be = e;
			placed = true;
		} else {
			bs = c->sb[i][0];
			be = c->sb[i][1];
			i++;
		}
		if (n != 0 && SEQ_LEQ(bs, nb[n - 1][1])) {
			if (SEQ_GT(be, nb[n - 1][1]))
				nb[n - 1][1] = be;
			continue;
		}
		nb[n][0] = bs;
		nb[n][1] = be;
		n++;
	}
	c->sb_n = (uint8_t)RTE_MIN(n, (unsigned)HL_TCP_SB_MAX);
	for (i = 0; i < c->sb_n; i++) {
		c->sb[i][0] = nb[i][0];
		c->sb[i][1] = nb[i][1];
	}
}

/* RFC 2883 4: the first block is a D-SACK when it lies below the segment's cumulative ACK
 * or within the second block. */
static bool sack_first_is_dsack(const struct hl_tcp_seg *s)
{
	uint32_t bs, be;

	if (s->nsack == 0)
		return false;
	bs = s->sack[0][0];
	be = s->sack[0][1];
	if (!SEQ_LT(bs, be))
		return false;
	if (SEQ_LT(bs, s->ack))
		return true;
	return s->nsack > 1 && SEQ_LEQ(s->sack[1][0], bs) && SEQ_LEQ(be, s->sack[1][1]);
}

bool tcp_sack_update(struct hl_tcp_conn *c, const struct hl_tcp_seg *s)
{
	bool dsack;

	if (!(c->flags & HL_TCPF_SACK))
		return false;
	dsack = sack_first_is_dsack(s);
	for (unsigned b = dsack ? 1 : 0; b < s->nsack; b++) {
		uint32_t bs = s->sack[b][0], be = s->sack[b][1];

		/* below snd_una (stale) or beyond what we sent: ignored */
		if (!SEQ_LT(bs, be) || SEQ_LT(bs, c->snd_una) || SEQ_GT(be, c->snd_max))
			continue;
		sb_insert(c, bs, be);
	}
	return dsack;
}

void tcp_sack_clip(struct hl_tcp_conn *c)
{
	unsigned i = 0, n = 0;

	for (; i < c->sb_n; i++) {
		if (SEQ_LEQ(c->sb[i][1], c->snd_una))
			continue;
		c->sb[n][0] = SEQ_LT(c->sb[i][0], c->snd_una) ? c->snd_una : c->sb[i][0];
		c->sb[n][1] = c->sb[i][1];
		n++;
	}
	c->sb_n = (uint8_t)n;
}

uint32_t tcp_sacked_below(const struct hl_tcp_conn *c, uint32_t seq)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->sb_n && SEQ_LT(c->sb[i][0], seq); i++)
		n += (SEQ_LT(c->sb[i][1], seq) ? c->sb[i][1] : seq) - c->sb[i][0];
	return n;
}

uint32_t tcp_sack_skip(const struct hl_tcp_conn *c, uint32_t seq, uint32_t *lim)
{
	*lim = UINT32_MAX;
	for (unsigned i = 0; i < c->sb_n; i++) {
		if (SEQ_LEQ(c->sb[i][1], seq))
			continue;
		if (SEQ_LEQ(c->sb[i][0], seq)) {
			seq = c->sb[i][1];
			continue;
		}
		*lim = c->sb[i][0] - seq;
		break;
	}
	return seq;
}

bool tcp_sack_is_lost(const struct hl_tcp_conn *c, uint32_t seq, unsigned dupthresh)
{
	uint32_t above = 0;
	unsigned blocks = 0;

	for (unsigned i = 0; i < c->sb_n; i++) {
		if (SEQ_LEQ(c->sb[i][1], seq))
			continue;
		above += c->sb[i][1] - (SEQ_LT(c->sb[i][0], seq) ? seq : c->sb[i][0]);
		blocks++;
	}
	return above > (dupthresh - 1) * (uint32_t)c->mss || blocks >= dupthresh;
}
