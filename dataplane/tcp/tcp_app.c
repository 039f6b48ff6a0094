/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side of the stack (include/hintlb/tcp.h): send queue,
 * receive-window release, shutdown, abort; and the two diagnostic
 * applications of the listener modes `echo` and `discard`.
 */
#include <errno.h>

#include "net.h"
#include "tcp_priv.h"

int hl_tcp_send(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *last = m;
	uint32_t bytes = 0, segs = 0;

	if ((c->flags & (HL_TCPF_FIN_QUEUED | HL_TCPF_DEAD)) ||
	    (c->state != HL_TCP_ESTABLISHED && c->state != HL_TCP_CLOSE_WAIT &&
	     c->state != HL_TCP_SYN_SENT && c->state != HL_TCP_SYN_RECEIVED)) {
		rte_pktmbuf_free(m);
		return -EPIPE;
	}
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		bytes += s->data_len;
		last = s;
		segs++;
	}
	if (bytes == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	t->sq_mbufs += segs;
	/* the queue links segments; each is freed on its own once acknowledged */
	if (c->sq_tail != NULL)
		c->sq_tail->next = m;
	else
		c->sq_head = m;
	c->sq_tail = last;
	c->sq_bytes += bytes;
	tcp_output_later(t, c);
	return 0;
}

uint32_t hl_tcp_send_queued(const struct hl_tcp_conn *c)
{
	return c->state == HL_TCP_TIME_WAIT ? 0 : c->sq_bytes;
}

void hl_tcp_recved(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	uint32_t cur, wnd;

	c->rcv_held -= RTE_MIN(bytes, c->rcv_held);
	if ((c->flags & HL_TCPF_DEAD) || c->state == HL_TCP_SYN_RECEIVED)
		return;
	/* An explicit window update only when the window the peer knows is at most
	 * half of what it could be, and by at least one MSS (receiver SWS avoidance,
	 * RFC 9293 3.8.6.2.2); otherwise the next ACK carries it. */
	cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	wnd = tcp_rcv_window(t, c);
	if (wnd >= 2 * cur && wnd - cur >= c->mss) {
		c->flags |= HL_TCPF_ACK_NOW;
		tcp_output(t, c);
	}
}

void hl_tcp_shutdown(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (c->flags & (HL_TCPF_FIN_QUEUED | HL_TCPF_DEAD))
		return;
	if (c->state == HL_TCP_SYN_SENT || c->state == HL_TCP_SYN_RECEIVED) {
		c->flags |= HL_TCPF_FIN_QUEUED; /* FIN-WAIT-1 once established */
		return;
	}
	if (c->state == HL_TCP_ESTABLISHED)
		tcp_conn_set_state(t, c, HL_TCP_FIN_WAIT_1);
	else if (c->state == HL_TCP_CLOSE_WAIT)
		tcp_conn_set_state(t, c, HL_TCP_LAST_ACK);
	else
		return;
	c->flags |= HL_TCPF_FIN_QUEUED;
	tcp_output(t, c);
}

void hl_tcp_abort(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (c->flags & HL_TCPF_DEAD)
		return;
	if (c->state != HL_TCP_SYN_SENT) /* RFC 9293 3.10.5: SYN-SENT just goes */
		tcp_send_rst_conn(t, c);
	tcp_conn_close(t, c, -ECONNABORTED);
	tcp_conn_reap(t); /* not inside input or a timer pass: at once */
}

void hl_tcp_conn_endpoints(const struct hl_tcp_conn *c, uint32_t *raddr, uint16_t *rport,
			   uint32_t *laddr, uint16_t *lport)
{
	*raddr = c->key.raddr;
	*rport = rte_be_to_cpu_16(c->key.rport);
	*laddr = c->key.laddr;
	*lport = rte_be_to_cpu_16(c->key.lport);
}

void *hl_tcp_conn_ctx(const struct hl_tcp_conn *c)
{
	return c->app_ctx;
}

void hl_tcp_conn_set_ctx(struct hl_tcp_conn *c, void *ctx)
{
	c->app_ctx = ctx;
}

/*
 * echo: what arrives is queued back as is (the received mbufs themselves).
 * The receive window reopens only as the peer acknowledges the echo, so a
 * peer that does not read stops itself: memory per connection stays within
 * the receive window.
 */
static void echo_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	if (hl_tcp_send(t, c, m) != 0)
		hl_tcp_recved(t, c, len);
}

static void echo_sent(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	hl_tcp_recved(t, c, bytes);
}

static void diag_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	hl_tcp_shutdown(t, c); /* FIN after whatever is still queued */
}

const struct hl_tcp_app hl_tcp_app_echo = {
	.recv = echo_recv,
	.peer_fin = diag_peer_fin,
	.sent = echo_sent,
};

static void discard_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	rte_pktmbuf_free(m);
	hl_tcp_recved(t, c, len);
}

const struct hl_tcp_app hl_tcp_app_discard = {
	.recv = discard_recv,
	.peer_fin = diag_peer_fin,
};
