/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks ([health] check_path), on worker 0 only: every
 * check_interval_ms each replica gets `GET check_path HTTP/1.1` on a new
 * connection over the dataplane (the path requests take), `Connection:
 * close`. A 2xx or 3xx status line within check_timeout_ms passes; a
 * refused or silent connect, a reset, an unparseable answer, another status
 * or the timeout fails. Each outcome goes to the control thread
 * (HL_CTRL_HEALTH_CHECK_OK / _FAIL), which counts rise and fall.
 */
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "proxy_priv.h"

static const struct hl_tcp_app check_app;

static void check_report(struct px_check *ck, bool ok)
{
	struct hl_proxy *px = ck->px;

	if (ck->reported)
		return;
	ck->reported = true;
	px_timer_stop(px, &ck->timer);
	px_learn_health(px, ck->replica, ok ? HL_CTRL_HEALTH_CHECK_OK : HL_CTRL_HEALTH_CHECK_FAIL);
}

static void check_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct px_check *ck = hl_tcp_conn_ctx(c);
	struct hl_http1_seg segs[16];
	uint32_t len = m->pkt_len;
	size_t used;
	unsigned n;
	int rc;

	px_buf_push(&ck->in, m);
	hl_tcp_recved(t, c, len);
	if (ck->reported)
		return;
	n = px_buf_segs(&ck->in, ck->fed, segs, 16);
	rc = hl_http1_parse_head(&ck->p, segs, n, &used);
	ck->fed += (uint32_t)used;
	if (rc == -EAGAIN && ck->in.bytes < 16384)
		return;
	check_report(ck, rc == 0 && ck->p.msg.status >= 200 && ck->p.msg.status < 400);
	hl_tcp_shutdown(t, c);
}

static void check_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct px_check *ck = hl_tcp_conn_ctx(c);

	check_report(ck, false); /* closed before a status line */
	hl_tcp_shutdown(t, c);
}

static void check_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct px_check *ck = hl_tcp_conn_ctx(c);

	(void)t;
	(void)err;
	check_report(ck, false);
	px_buf_free(&ck->in);
	ck->conn = NULL;
}

static const struct hl_tcp_app check_app = {
	.recv = check_recv,
	.peer_fin = check_peer_fin,
	.closed = check_closed,
};

/* Start the check of one replica (unless one is still in flight). */
static void check_start(struct px_check *ck)
{
	struct hl_proxy *px = ck->px;
	struct px_replica *rep = &px->rep[ck->replica];
	const uint8_t *a = (const uint8_t *)&rep->addr;
	char req[sizeof(px->cfg->health.check_path) + 128];
	struct rte_mbuf *m;
	int len;

	if (ck->conn != NULL)
		return;
	ck->reported = false;
	ck->fed = 0;
	hl_http1_parser_reset(&ck->p);
	hl_http1_set_request_method(&ck->p, HL_HTTP1_M_GET);
	if (hl_tcp_connect(px->w->tcp, px->cfg->tcp.source, rep->addr, rep->port, &check_app, ck,
			   &ck->conn) != 0) {
		ck->conn = NULL;
		check_report(ck, false);
		return;
	}
	px_timer_arm(px, &ck->timer, PX_T_CHECK);
	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\nUser-Agent: hintlb-health\r\n"
		       "Connection: close\r\n\r\n",
		       px->cfg->health.check_path, a[0], a[1], a[2], a[3], rep->port);
	m = rte_pktmbuf_alloc(px->w->pool);
	if (m == NULL || rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		rte_pktmbuf_free(m);
		check_report(ck, false);
		hl_tcp_abort(px->w->tcp, ck->conn);
		return;
	}
	memcpy(rte_pktmbuf_mtod(m, char *), req, (size_t)len);
	hl_tcp_send(px->w->tcp, ck->conn, m);
}

void px_check_timeout(struct px_check *ck)
{
	check_report(ck, false);
	if (ck->conn != NULL)
		hl_tcp_abort(ck->px->w->tcp, ck->conn); /* check_closed clears it */
}

void px_check_round(struct hl_proxy *px)
{
	uint32_t n = __atomic_load_n(&px->n_replicas, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < n; i++)
		check_start(&px->checks[i]);
	px_timer_arm(px, &px->check_round, PX_T_CHECK_ROUND);
}

int px_checks_create(struct hl_proxy *px)
{
	if (px->cfg->health.check_path[0] == '\0' || px->w->id != 0 || px->cap_replicas == 0)
		return 0;
	px->checks = rte_zmalloc("hl_px_checks", sizeof(px->checks[0]) * px->cap_replicas, 0);
	px->check_fields = rte_zmalloc(
		"hl_px_check_fields",
		sizeof(struct hl_http1_field) * px->hcfg.max_fields * px->cap_replicas, 0);
	if (px->checks == NULL || px->check_fields == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < px->cap_replicas; i++) {
		struct px_check *ck = &px->checks[i];

		ck->px = px;
		ck->replica = i;
		hl_http1_parser_init(&ck->p, &px->hcfg, HL_HTTP1_RESPONSE,
				     px->check_fields + (size_t)i * px->hcfg.max_fields,
				     px->hcfg.max_fields);
	}
	px_timer_arm(px, &px->check_round, PX_T_CHECK_ROUND);
	return 0;
}

void px_checks_free(struct hl_proxy *px)
{
	rte_free(px->checks);
	rte_free(px->check_fields);
	px->checks = NULL;
	px->check_fields = NULL;
}
