/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text exposition ([ctrl] metrics, default 127.0.0.1:9464), served
 * by libmicrohttpd on the control thread: no thread of its own, its epoll fd
 * is polled with the control socket and the workers' eventfd and MHD_run()
 * answers what is ready. `GET /metrics` renders through the daemon's
 * callback (every worker's counters, the proxy's per replica, the control
 * thread's, the XDP stage's); anything else is 404 (405 for other methods).
 * Connections are bounded (HL_METRICS_CONNS, 10 s timeout, 16 KiB of request
 * memory each): a scraper cannot hold the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ctrl_state.h"

#define HL_METRICS_CONNS 16

/* A growing text buffer for the renderer. */
struct hl_metrics_buf {
	char *text;
	size_t len, cap;
	bool failed;
};

void hl_metrics_printf(struct hl_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *g = realloc(b->text, cap);

		if (g == NULL) {
			b->failed = true;
			return;
		}
		b->text = g;
		b->cap = cap;
	}
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct hl_ctrl *c = cls;
	struct hl_metrics_buf b = {.cap = 65536};
	struct MHD_Response *resp;
	enum MHD_Result rc;
	unsigned status = MHD_HTTP_OK;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	c->metrics_requests++;
	b.text = malloc(b.cap);
	if (b.text == NULL)
		return MHD_NO;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		hl_metrics_printf(&b, "only GET /metrics\n");
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		hl_metrics_printf(&b, "not found: GET /metrics\n");
	} else {
		ctrl_metrics_render(c, &b);
		if (c->metrics_fn != NULL)
			c->metrics_fn(c->metrics_arg, &b);
	}
	if (b.failed) {
		free(b.text);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(b.len, b.text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(b.text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						      : "text/plain");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

int hl_ctrl_open_metrics(struct hl_ctrl *c, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uint16_t port;

	if (listen == NULL || listen[0] == '\0')
		return 0; /* off */
	if (hl_parse_endpoint(listen, &sa.sin_addr.s_addr, &port) != 0) {
		snprintf(err, errlen, "[ctrl] metrics: '%s' is not A.B.C.D:PORT", listen);
		return -EINVAL;
	}
	sa.sin_port = htons(port);
	c->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(sa.sin_port), NULL, NULL, answer, c,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)HL_METRICS_CONNS, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
	if (c->mhd == NULL) {
		snprintf(err, errlen,
			 "[ctrl] metrics: cannot listen on %s (in use? 'metrics =' "
			 "empty turns it off)",
			 listen);
		return -EADDRINUSE;
	}
	return 0;
}

void ctrl_metrics_close(struct hl_ctrl *c)
{
	if (c->mhd != NULL)
		MHD_stop_daemon(c->mhd);
	c->mhd = NULL;
}

unsigned ctrl_metrics_fds(const struct hl_ctrl *c, struct pollfd *fds, unsigned max)
{
	const union MHD_DaemonInfo *i;

	if (c->mhd == NULL || max == 0)
		return 0;
	i = MHD_get_daemon_info(c->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (i == NULL)
		return 0;
	fds[0] = (struct pollfd){.fd = i->epoll_fd, .events = POLLIN};
	return 1;
}

void ctrl_metrics_serve(struct hl_ctrl *c)
{
	if (c->mhd != NULL)
		MHD_run(c->mhd);
}

/* The control thread's own series. */
void ctrl_metrics_render(struct hl_ctrl *c, struct hl_metrics_buf *b)
{
	const struct hl_ctrl_stats *s = &c->st;
	static const char *const states[] = {"up", "down", "draining"};
	struct hl_replica_info info;

	hl_metrics_printf(
		b,
		"# HELP hintlb_ctrl_hints_applied_total Hint lists the control thread gave "
		"the router.\n# TYPE hintlb_ctrl_hints_applied_total counter\n"
		"hintlb_ctrl_hints_applied_total %llu\n"
		"# HELP hintlb_ctrl_health_events_total Health events from the workers.\n"
		"# TYPE hintlb_ctrl_health_events_total counter\n"
		"hintlb_ctrl_health_events_total %llu\n"
		"# HELP hintlb_ctrl_marked_down_total Replicas marked down by health.\n"
		"# TYPE hintlb_ctrl_marked_down_total counter\n"
		"hintlb_ctrl_marked_down_total %llu\n"
		"# HELP hintlb_ctrl_marked_up_total Replicas brought back by health.\n"
		"# TYPE hintlb_ctrl_marked_up_total counter\n"
		"hintlb_ctrl_marked_up_total %llu\n"
		"# HELP hintlb_ctrl_socket_requests_total Control socket requests.\n"
		"# TYPE hintlb_ctrl_socket_requests_total counter\n"
		"hintlb_ctrl_socket_requests_total %llu\n",
		(unsigned long long)s->hints_applied, (unsigned long long)s->health_events,
		(unsigned long long)s->marked_down, (unsigned long long)s->marked_up,
		(unsigned long long)c->sock.st.requests);
	hl_metrics_printf(b, "# HELP hintlb_replica_state 1 for the replica's current state.\n"
			     "# TYPE hintlb_replica_state gauge\n");
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++) {
		if (hl_replica_get(c->r, id, &info) != 0)
			continue;
		for (unsigned st = 0; st < 3; st++)
			hl_metrics_printf(b,
					  "hintlb_replica_state{replica=\"%s\",state=\"%s\"} %d\n",
					  info.name, states[st], info.state == st);
	}
	hl_metrics_printf(b, "# HELP hintlb_replica_hints Hints the replica advertises.\n"
			     "# TYPE hintlb_replica_hints gauge\n");
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++)
		if (hl_replica_get(c->r, id, &info) == 0)
			hl_metrics_printf(b, "hintlb_replica_hints{replica=\"%s\"} %u\n", info.name,
					  info.n_hints);
	hl_metrics_printf(b, "# HELP hintlb_replica_inflight Requests in flight to the replica.\n"
			     "# TYPE hintlb_replica_inflight gauge\n");
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++)
		if (hl_replica_get(c->r, id, &info) == 0)
			hl_metrics_printf(b, "hintlb_replica_inflight{replica=\"%s\"} %u\n",
					  info.name, info.inflight);
}
