/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The out-of-order queue: segments that arrive beyond a hole are kept by
 * reference (the rx mbuf itself, its data trimmed to the payload) in a
 * list ascending by sequence number and disjoint: a new segment is trimmed
 * where it overlaps what is queued, and queued segments it covers are freed.
 * When the hole fills, tcp_in.c pulls them in order.
 *
 * Memory is bounded three ways: only data inside the advertised window is
 * queued, at most params.ooo_max_conn mbufs per connection and
 * params.ooo_max per worker; a segment beyond a cap is dropped and counted
 * (tcp_ooo_drop), and the peer retransmits it.
 *
 * The queue also gives the SACK blocks we send (RFC 2018): the block that
 * holds the most recently received segment first, then the others.
 *
 * A queued mbuf keeps its sequence number and FIN in the rx hash fields,
 * which nothing reads once the segment is parsed.
 */
#include "net.h"
#include "tcp_priv.h"

#define OOO_SEQ(m) ((m)->hash.fdir.lo)
#define OOO_FIN(m) ((m)->hash.fdir.hi)

static inline uint32_t ooo_end(const struct rte_mbuf *m)
{
	return OOO_SEQ(m) + m->data_len;
}

static void ooo_unlink_free(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf **pp)
{
	struct rte_mbuf *m = *pp;

	*pp = m->next;
	m->next = NULL;
	rte_pktmbuf_free(m);
	c->ooo_n--;
	t->n_ooo--;
}

void tcp_ooo_insert(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
		    uint32_t off, uint32_t len, bool fin)
{
	struct rte_mbuf **pp = &c->ooo_head, *p;
	uint32_t end = seq + len;

	/* one flat mbuf per entry: the queue links them by ->next */
	if (m->nb_segs != 1 || off + len > m->data_len) {
		HL_DROP(t->w, TCP_OOO_DROP, m);
		return;
	}
	/* skip what ends before us; a queued segment that overlaps our front trims it */
	while ((p = *pp) != NULL && SEQ_LEQ(ooo_end(p), seq))
		pp = &p->next;
	if (p != NULL && SEQ_LEQ(OOO_SEQ(p), seq)) {
		uint32_t d = RTE_MIN(ooo_end(p) - seq, len);

		off += d;
		len -= d;
		seq += d;
		if (len == 0 && !(fin && !OOO_FIN(p) && ooo_end(p) == end)) {
			rte_pktmbuf_free(m); /* nothing new */
			return;
		}
		if (len == 0) { /* only the FIN is new: it goes with the queued segment */
			OOO_FIN(p) = 1;
			rte_pktmbuf_free(m);
			return;
		}
		pp = &p->next;
	}
	/* queued segments we cover entirely go; one that overlaps our back trims us */
	while ((p = *pp) != NULL && SEQ_LT(OOO_SEQ(p), end)) {
		if (SEQ_GT(ooo_end(p), end) || (SEQ_GEQ(ooo_end(p), end) && OOO_FIN(p))) {
			len = OOO_SEQ(p) - seq;
			end = seq + len;
			fin = false;
			break;
		}
		ooo_unlink_free(t, c, pp);
	}
	if (len == 0 && !fin) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c->ooo_n >= t->p.ooo_max_conn || t->n_ooo >= t->p.ooo_max) {
		HL_DROP(t->w, TCP_OOO_DROP, m);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)off);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - len));
	OOO_SEQ(m) = seq;
	OOO_FIN(m) = fin;
	m->next = *pp;
	*pp = m;
	c->ooo_n++;
	t->n_ooo++;
	c->sack_recent = seq;
	HL_COUNT(t->w, TCP_OOO_QUEUED);
}

struct rte_mbuf *tcp_ooo_pull(struct hl_tcp *t, struct hl_tcp_conn *c, bool *fin)
{
	struct rte_mbuf *m;

	while ((m = c->ooo_head) != NULL && SEQ_LEQ(OOO_SEQ(m), c->rcv_nxt)) {
		if (SEQ_LT(ooo_end(m), c->rcv_nxt) || (ooo_end(m) == c->rcv_nxt && !OOO_FIN(m))) {
			ooo_unlink_free(t, c, &c->ooo_head); /* delivered already */
			continue;
		}
		c->ooo_head = m->next;
		m->next = NULL;
		c->ooo_n--;
		t->n_ooo--;
		rte_pktmbuf_adj(m, (uint16_t)(c->rcv_nxt - OOO_SEQ(m)));
		*fin = OOO_FIN(m) != 0;
		return m;
	}
	return NULL;
}

void tcp_ooo_free(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	while (c->ooo_head != NULL)
		ooo_unlink_free(t, c, &c->ooo_head);
}

unsigned tcp_ooo_sack_blocks(const struct hl_tcp_conn *c, uint32_t (*blk)[2], unsigned max)
{
	const struct rte_mbuf *m = c->ooo_head;
	unsigned n = 1, first = 0;

	if (m == NULL || max == 0)
		return 0;
	/* slot 0 is reserved for the block that holds sack_recent */
	while (m != NULL) {
		uint32_t s = OOO_SEQ(m), e = ooo_end(m);
		bool recent;

		recent = SEQ_LEQ(s, c->sack_recent) && SEQ_LT(c->sack_recent, e);
		while (m->next != NULL && OOO_SEQ(m->next) == e) { /* contiguous: one block */
			m = m->next;
			e = ooo_end(m);
			recent = recent || OOO_SEQ(m) == c->sack_recent;
		}
		m = m->next;
		if (s == e)
			continue; /* a FIN alone: nothing to SACK */
		if (recent && !first) {
			blk[0][0] = s;
			blk[0][1] = e;
			first = 1;
		} else if (n < max) {
			blk[n][0] = s;
			blk[n][1] = e;
			n++;
		}
	}
	if (!first) { /* the recent block is gone: shift the others down */
		for (unsigned i = 1; i < n; i++) {
			blk[i - 1][0] = blk[i][0];
			blk[i - 1][1] = blk[i][1];
		}
		return n - 1;
	}
	return n;
}
