/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments out: data from the send queue within the peer's window and the
 * congestion window, FIN after the queue, pure ACKs, SYN-ACK with our
 * options, RSTs. Every segment is a fresh mbuf from the worker's pool with
 * IPv4 + TCP headers and the payload copied from the send queue: the queue
 * keeps the application's mbufs by reference until they are acknowledged,
 * but the frame is flat because net_af_xdp takes no multi-segment mbufs
 * (no RTE_ETH_TX_OFFLOAD_MULTI_SEGS). The TCP checksum is computed in
 * software (net_af_xdp offers no TX checksum offload).
 */
#include <rte_ip.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "net.h"
#include "tcp_priv.h"

uint32_t tcp_rcv_window(const struct hl_tcp *t, const struct hl_tcp_conn *c)
{
	return t->p.rcv_buf > c->rcv_held ? t->p.rcv_buf - c->rcv_held : 0;
}

/* The window field for a non-SYN segment; moves rcv_adv (never left). */
static uint16_t tcp_wnd_field(const struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t wnd = tcp_rcv_window(t, c), field;
	uint8_t ws = tcp_rcv_wscale(c);

	if (SEQ_LT(c->rcv_nxt + wnd, c->rcv_adv))
		wnd = c->rcv_adv - c->rcv_nxt; /* RFC 9293 3.8.6.2.2: do not shrink */
	field = RTE_MIN(wnd >> ws, 0xffffu);
	if (SEQ_GT(c->rcv_nxt + (field << ws), c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + (field << ws);
	return (uint16_t)field;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* NOP NOP TS: our clock, the peer's last TSval. @return 12. */
static uint8_t tcp_opt_ts(const struct hl_tcp *t, const struct hl_tcp_conn *c, uint8_t *o)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	wr32(o + 4, t->now + c->ts_off);
	wr32(o + 8, c->ts_recent);
	return HL_TCP_TS_OPTLEN;
}

/* The options of a non-SYN segment of @p c into @p o (40 bytes): timestamps, then the
 * SACK blocks of the out-of-order queue (RFC 2018: 3 fit with timestamps). @return length. */
static uint8_t tcp_opts(const struct hl_tcp *t, const struct hl_tcp_conn *c, uint8_t *o)
{
	uint32_t blk[4][2];
	uint8_t n = 0;
	unsigned nb;

	if (c->flags & HL_TCPF_TS)
		n = tcp_opt_ts(t, c, o);
	if (!(c->flags & HL_TCPF_SACK) || c->ooo_head == NULL)
		return n;
	nb = tcp_ooo_sack_blocks(c, blk, (c->flags & HL_TCPF_TS) ? 3 : 4);
	if (nb == 0)
		return n;
	o[n++] = 1;
	o[n++] = 1;
	o[n++] = 5;
	o[n++] = (uint8_t)(2 + 8 * nb);
	for (unsigned b = 0; b < nb; b++, n += 8) {
		wr32(o + n, blk[b][0]);
		wr32(o + n + 4, blk[b][1]);
	}
	return n;
}

/* The payload that fits in one segment now: the MSS less the SACK option, if any. */
static uint32_t tcp_seg_max(const struct hl_tcp_conn *c)
{
	uint32_t blk[4][2];
	unsigned nb;

	if (!(c->flags & HL_TCPF_SACK) || c->ooo_head == NULL)
		return c->mss;
	nb = tcp_ooo_sack_blocks(c, blk, (c->flags & HL_TCPF_TS) ? 3 : 4);
	return nb == 0 ? c->mss : c->mss - (4u + 8u * nb);
}

/*
 * A frame with IPv4 and TCP headers (@p optlen bytes of options @p opts, @p paylen
 * of payload left for the caller to fill) from @p laddr:lport to
 * @p raddr:rport. @return owned, or NULL (counted).
 */
static struct rte_mbuf *tcp_frame(struct hl_tcp *t, const struct hl_tcp_key *k, uint32_t seq,
				  uint32_t ack, uint8_t flags, uint16_t wnd, const uint8_t *opts,
				  uint8_t optlen, uint32_t paylen, struct rte_tcp_hdr **thp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t->w->pool);
	uint16_t hlen = (uint16_t)(sizeof(struct rte_tcp_hdr) + optlen);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (unlikely(m == NULL)) {
		HL_COUNT(t->w, TCP_NO_MBUF);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + hlen + paylen));
	if (unlikely(ip == NULL)) {
		HL_DROP(t->w, TCP_NO_MBUF, m);
		return NULL;
	}
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + hlen + paylen));
	ip->packet_id = rte_cpu_to_be_16(t->ip_id++);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = k->laddr;
	ip->dst_addr = k->raddr;
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = k->lport;
	th->dst_port = k->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen != 0)
		rte_memcpy(th + 1, opts, optlen);
	m->l3_len = sizeof(*ip);
	m->l4_len = hlen;
	*thp = th;
	return m;
}

/* Checksum and hand to IPv4. Consumes @p m. */
static void tcp_xmit(struct hl_tcp *t, struct rte_mbuf *m, struct rte_tcp_hdr *th)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

	th->cksum = hl_ipv4_l4_cksum(ip, th, rte_be_to_cpu_16(ip->total_length) - m->l3_len);
	HL_COUNT(t->w, TCP_SEG_OUT);
	hl_ipv4_output(t->w, m);
}

/* An ACK is being sent: whatever was owed is paid. */
static void tcp_acked_now(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	c->flags &= (uint16_t) ~(HL_TCPF_ACK_NOW | HL_TCPF_DELACK | HL_TCPF_DELACK_SEG);
	c->last_ack_sent = c->rcv_nxt;
	tcp_timer_update(t, c);
}

/* Copy @p len bytes at @p off (from snd_una) out of the send queue. */
static void sq_copy(const struct hl_tcp_conn *c, uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct rte_mbuf *s = c->sq_head;

	off += c->sq_off;
	while (s != NULL && off >= s->data_len) {
		off -= s->data_len;
		s = s->next;
	}
	while (len != 0 && s != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)s->data_len - off);

		rte_memcpy(dst, rte_pktmbuf_mtod_offset(s, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
		s = s->next;
	}
}

/* One segment at @p seq: @p len bytes from the queue, FIN if @p fin. @return 0 or -ENOBUFS. */
static int tcp_send_seg(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t seq, uint32_t len,
			bool fin)
{
	uint8_t flags =
		RTE_TCP_ACK_FLAG | (len != 0 ? RTE_TCP_PSH_FLAG : 0) | (fin ? RTE_TCP_FIN_FLAG : 0);
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t opts[40], optlen = tcp_opts(t, c, opts);

	m = tcp_frame(t, &c->key, seq, c->rcv_nxt, flags, tcp_wnd_field(t, c), opts, optlen, len,
		      &th);
	if (m == NULL)
		return -ENOBUFS;
	if (len != 0)
		sq_copy(c, seq - c->snd_una, (uint8_t *)(th + 1) + optlen, len);
	if (SEQ_LT(seq, c->snd_max)) {
		HL_COUNT(t->w, TCP_RETRANSMIT);
		tcp_undo_count_rtx(c);
	}
	tcp_acked_now(t, c);
	tcp_xmit(t, m, th);
	return 0;
}

static bool tcp_can_send_data(const struct hl_tcp_conn *c)
{
	switch (c->state) {
	case HL_TCP_ESTABLISHED:
	case HL_TCP_CLOSE_WAIT:
	case HL_TCP_FIN_WAIT_1:
	case HL_TCP_CLOSING:
	case HL_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

void tcp_output(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t seg_max;
	bool sent = false;

	/* The common call, after every segment in: every queued byte sent, no FIN to
	 * send, no ACK owed. Nothing below would act (the persist timer is for data
	 * or a FIN that waits). */
	if (c->snd_nxt - c->snd_una >= c->sq_bytes &&
	    !(c->flags & (HL_TCPF_ACK_NOW | HL_TCPF_FIN_QUEUED | HL_TCPF_DEAD)))
		return;
	if (c->flags & HL_TCPF_DEAD)
		return;
	seg_max = tcp_seg_max(c);
	while (tcp_can_send_data(c)) {
		uint32_t hole = UINT32_MAX, off, flight, avail, wnd, usable, len;
		bool fin;

		if (c->sb_n != 0 && SEQ_LT(c->snd_nxt, c->snd_max)) {
			/* going back over sent data: what the peer SACKed is skipped */
			c->snd_nxt = tcp_sack_skip(c, c->snd_nxt, &hole);
			if (SEQ_GT(c->snd_nxt, c->snd_max))
				c->snd_nxt = c->snd_max;
		}
		off = c->snd_nxt - c->snd_una;
		/* in recovery NewReno's inflation already counts what left the network */
		flight = tcp_flight(c) -
			 ((c->flags & HL_TCPF_RECOVERY) ? 0 : tcp_sacked_below(c, c->snd_nxt));
		avail = off < c->sq_bytes ? c->sq_bytes - off : 0;
		wnd = RTE_MIN(c->snd_wnd, c->cwnd);
		usable = wnd > flight ? wnd - flight : 0;
		len = RTE_MIN(RTE_MIN(avail, usable), RTE_MIN(seg_max, hole));
		fin = (c->flags & HL_TCPF_FIN_QUEUED) && !(c->flags & HL_TCPF_FIN_ACKED) &&
		      off <= c->sq_bytes && off + len == c->sq_bytes;

		if (len == 0 && !fin)
			break;
		/* sender silly-window avoidance (RFC 9293 3.8.6.2.1): no runt while data is
		 * in flight and the window, not the queue or a SACK hole, is what limits it */
		if (len < seg_max && len < avail && len != hole && flight != 0)
			break;
		if (tcp_send_seg(t, c, c->snd_nxt, len, fin) != 0)
			break;
		if (!(c->flags & HL_TCPF_TIMING) && c->snd_nxt == c->snd_max && len != 0) {
			c->flags |= HL_TCPF_TIMING;
			c->rtt_seq = c->snd_nxt + len;
			c->rtt_ts = t->now;
		}
		c->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			c->flags |= HL_TCPF_FIN_SENT;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!(c->flags & HL_TCPF_RTO))
			tcp_rto_arm(t, c);
		sent = true;
	}
	/* zero window with data waiting and nothing in flight: the persist timer
	 * (the RTO deadline) probes it */
	if (tcp_can_send_data(c) && !(c->flags & HL_TCPF_RTO) &&
	    (c->sq_bytes > c->snd_nxt - c->snd_una ||
	     ((c->flags & HL_TCPF_FIN_QUEUED) && !(c->flags & HL_TCPF_FIN_ACKED))))
		tcp_rto_arm(t, c);
	if (!sent && (c->flags & HL_TCPF_ACK_NOW))
		tcp_send_ack(t, c);
}

/* tcp_output() now, or at the end of the pass when inside input or the timer pass. */
void tcp_output_later(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	unsigned i;

	if (t->busy == 0) {
		tcp_output(t, c);
		return;
	}
	for (i = 0; i < t->n_out_pending && t->out_pending[i] != c; i++)
		;
	if (i < t->n_out_pending)
		return;
	if (unlikely(t->n_out_pending == HL_TCP_OUT_PENDING)) {
		tcp_output(t, c);
		return;
	}
	t->out_pending[t->n_out_pending++] = c;
}

/* The end of an input or a timer pass: the output put off meanwhile (a
 * connection closed since is skipped: its memory stays until the reap
 * below), then the reap. */
void tcp_busy_end(struct hl_tcp *t)
{
	if (--t->busy != 0)
		return;
	for (unsigned i = 0; i < t->n_out_pending; i++)
		tcp_output(t, t->out_pending[i]); /* returns at once for a dead one */
	t->n_out_pending = 0;
	tcp_conn_reap(t);
}

bool tcp_sack_retransmit(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t seq = SEQ_LT(c->rtx_hi, c->snd_una) ? c->snd_una : c->rtx_hi, hole, len, sent;

	if (c->sb_n == 0)
		return false;
	seq = tcp_sack_skip(c, seq, &hole);
	if (!SEQ_LT(seq, c->sb[c->sb_n - 1][1]))
		return false;
	/* a hole with enough SACKed above it is lost (RFC 6675 NextSeg (1)); one that may
	 * only be reordered goes when there is no new data to send instead (NextSeg (3)) */
	sent = c->snd_max - c->snd_una;
	if (c->sq_bytes > sent && c->snd_wnd > sent && !tcp_sack_is_lost(c, seq, tcp_dupthresh(c)))
		return false;
	len = RTE_MIN(RTE_MIN(hole, tcp_seg_max(c)), c->sq_bytes - (seq - c->snd_una));
	if (len == 0 || tcp_send_seg(t, c, seq, len, false) != 0)
		return false;
	HL_COUNT(t->w, TCP_SACK_RETRANSMIT);
	c->rtx_hi = seq + len;
	return true;
}

void tcp_retransmit(struct hl_tcp *t, struct hl_tcp_conn *c, bool one)
{
	uint32_t len, avail = c->sq_bytes;
	bool fin;

	c->flags &= (uint16_t)~HL_TCPF_TIMING; /* Karn: no sample from a retransmission */
	if (!one) {
		c->snd_nxt = c->snd_una;
		tcp_output(t, c);
		return;
	}
	if (tcp_sack_retransmit(t, c))
		return;
	if (c->sb_n != 0 && SEQ_GT(c->rtx_hi, c->snd_una))
		return; /* the holes below the SACKed data went already */
	len = RTE_MIN(avail, tcp_seg_max(c));
	fin = (c->flags & HL_TCPF_FIN_SENT) && !(c->flags & HL_TCPF_FIN_ACKED) && len == avail;
	if (len != 0 || fin)
		tcp_send_seg(t, c, c->snd_una, len, fin);
}

/* Probe a zero window with one byte beyond it (RFC 9293 3.8.6.1). */
void tcp_send_probe(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->snd_una;

	HL_COUNT(t->w, TCP_PERSIST_PROBE);
	if (off < c->sq_bytes) {
		if (tcp_send_seg(t, c, c->snd_nxt, 1, false) == 0) {
			c->snd_nxt++;
			if (SEQ_GT(c->snd_nxt, c->snd_max))
				c->snd_max = c->snd_nxt;
		}
	} else {
		tcp_send_ack(t, c);
	}
}

/* A pure ACK with sequence number @p seq. */
static void tcp_send_ack_seq(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t seq)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t opts[40], optlen = tcp_opts(t, c, opts);

	m = tcp_frame(t, &c->key, seq, c->rcv_nxt, RTE_TCP_ACK_FLAG, tcp_wnd_field(t, c), opts,
		      optlen, 0, &th);
	if (m == NULL)
		return;
	tcp_acked_now(t, c);
	tcp_xmit(t, m, th);
}

void tcp_send_ack(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	tcp_send_ack_seq(t, c, c->snd_nxt);
}

/* One below the peer's window: it is not acceptable there, and the answer is an ACK. */
void tcp_send_keepalive(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	tcp_send_ack_seq(t, c, c->snd_nxt - 1);
}

void tcp_send_syn(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint16_t mtu = t->w->net->port[c->port].mtu;
	uint16_t wnd = (uint16_t)RTE_MIN(tcp_rcv_window(t, c), 0xffffu);
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t o[40], n = 0;

	if (mtu == 0)
		mtu = RTE_ETHER_MTU;
	o[n++] = 2; /* MSS: what our MTU takes */
	o[n++] = 4;
	o[n++] = (uint8_t)((mtu - 40) >> 8);
	o[n++] = (uint8_t)(mtu - 40);
	if (c->flags & HL_TCPF_WSCALE) {
		o[n++] = 1; /* NOP */
		o[n++] = 3; /* window scale */
		o[n++] = 3;
		o[n++] = tcp_rcv_wscale(c);
	}
	if (c->flags & HL_TCPF_SACK) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4; /* SACK permitted */
		o[n++] = 2;
	}
	if (c->flags & HL_TCPF_TS)
		n = (uint8_t)(n + tcp_opt_ts(t, c, o + n));
	if (c->state == HL_TCP_SYN_SENT) { /* nothing to acknowledge yet */
		m = tcp_frame(t, &c->key, c->iss, 0, RTE_TCP_SYN_FLAG, wnd, o, n, 0, &th);
		if (m != NULL)
			tcp_xmit(t, m, th);
		return;
	}
	m = tcp_frame(t, &c->key, c->iss, c->rcv_nxt, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, wnd, o,
		      n, 0, &th);
	if (m == NULL)
		return;
	c->rcv_adv = c->rcv_nxt + wnd;
	tcp_acked_now(t, c);
	tcp_xmit(t, m, th);
}

void tcp_send_rst_conn(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	m = tcp_frame(t, &c->key, c->snd_nxt, c->rcv_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0,
		      NULL, 0, 0, &th);
	if (m == NULL)
		return;
	HL_COUNT(t->w, TCP_RST_OUT);
	tcp_xmit(t, m, th);
}

void tcp_send_rst_reply(struct hl_tcp *t, const struct rte_ipv4_hdr *ip,
			const struct rte_tcp_hdr *th, const struct hl_tcp_seg *s)
{
	struct hl_tcp_key k = {.laddr = ip->dst_addr,
			       .raddr = ip->src_addr,
			       .lport = th->dst_port,
			       .rport = th->src_port};
	struct rte_tcp_hdr *oh;
	struct rte_mbuf *m;

	if (s->flags & RTE_TCP_ACK_FLAG)
		m = tcp_frame(t, &k, s->ack, 0, RTE_TCP_RST_FLAG, 0, NULL, 0, 0, &oh);
	else
		m = tcp_frame(t, &k, 0,
			      s->seq + s->len + !!(s->flags & RTE_TCP_SYN_FLAG) +
				      !!(s->flags & RTE_TCP_FIN_FLAG),
			      RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, NULL, 0, 0, &oh);
	if (m == NULL)
		return;
	HL_COUNT(t->w, TCP_RST_OUT);
	tcp_xmit(t, m, oh);
}

void tcp_sq_drop(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t n)
{
	c->sq_bytes -= n;
	n += c->sq_off;
	while (c->sq_head != NULL && n >= c->sq_head->data_len) {
		struct rte_mbuf *s = c->sq_head;

		n -= s->data_len;
		c->sq_head = s->next;
		s->next = NULL;
		s->nb_segs = 1;
		rte_pktmbuf_free_seg(s);
		t->sq_mbufs--;
	}
	if (c->sq_head == NULL)
		c->sq_tail = NULL;
	c->sq_off = (uint16_t)n;
}

void tcp_sq_free(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (c->state == HL_TCP_TIME_WAIT)
		return; /* the queue's pointers hold the TIME-WAIT list */
	while (c->sq_head != NULL) {
		struct rte_mbuf *s = c->sq_head;

		c->sq_head = s->next;
		s->next = NULL;
		s->nb_segs = 1;
		rte_pktmbuf_free_seg(s);
		t->sq_mbufs--;
	}
	c->sq_tail = NULL;
	c->sq_bytes = 0;
	c->sq_off = 0;
}
