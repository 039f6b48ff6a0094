/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's per-worker state: pools sized at start, the byte streams the
 * connections keep, the timeout lists, request objects, the report.
 *
 * Timeouts: one FIFO list per kind. Every entry of a list has the same
 * duration, so deadlines are in insertion order and the pass looks at the
 * heads only: arming, stopping and expiring are O(1), and an idle worker
 * pays a compare per list per loop. (A reload that changes a duration would
 * put a shorter deadline behind longer ones; durations are fixed at start.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "hintlb/ctrl.h"
#include "hintlb/log.h"
#include "hintlb/zero.h"
#include "proxy_priv.h"

/* ---- byte streams ---- */

/*
 * Append @p m (consumes; a chain is taken apart). A small segment is copied into the
 * tail mbuf when it fits there: a peer that sends one byte per segment would otherwise
 * hold one 2 KiB mbuf per byte (a head of max_head bytes, or a window of pipelined
 * requests, could empty the packet pool); so a stream holds about one mbuf per 2 KiB.
 */
void px_buf_push(struct px_buf *b, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next, *t = b->tail;

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else if (t != NULL && m->data_len <= PX_COALESCE_MAX && RTE_MBUF_DIRECT(t) &&
			   rte_mbuf_refcnt_read(t) == 1 && rte_pktmbuf_tailroom(t) >= m->data_len) {
			memcpy(rte_pktmbuf_mtod_offset(t, uint8_t *, t->data_len),
			       rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
			t->data_len = (uint16_t)(t->data_len + m->data_len);
			t->pkt_len = t->data_len;
			b->bytes += m->data_len;
			rte_pktmbuf_free_seg(m);
		} else {
			if (t != NULL)
				t->next = m;
			else
				b->head = m;
			b->tail = m;
			b->bytes += m->data_len;
		}
		m = next;
	}
}

struct rte_mbuf *px_buf_pop(struct px_buf *b)
{
	struct rte_mbuf *m = b->head;

	if (m == NULL)
		return NULL;
	b->head = m->next;
	if (b->head == NULL)
		b->tail = NULL;
	b->bytes -= m->data_len;
	m->next = NULL;
	return m;
}

void px_buf_drop(struct px_buf *b, uint32_t n)
{
	while (n != 0 && b->head != NULL) {
		struct rte_mbuf *m = b->head;

		if (m->data_len > n) {
			rte_pktmbuf_adj(m, (uint16_t)n);
			b->bytes -= n;
			return;
		}
		n -= m->data_len;
		rte_pktmbuf_free_seg(px_buf_pop(b));
	}
}

void px_buf_free(struct px_buf *b)
{
	while (b->head != NULL)
		rte_pktmbuf_free_seg(px_buf_pop(b));
}

unsigned px_buf_segs(const struct px_buf *b, uint32_t off, struct hl_http1_seg *segs, unsigned max)
{
	unsigned n = 0;

	for (const struct rte_mbuf *m = b->head; m != NULL && n < max; m = m->next) {
		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		segs[n].data = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
		segs[n].len = m->data_len - off;
		off = 0;
		n++;
	}
	return n;
}

bool px_buf_within(const struct px_buf *b, uint32_t len, unsigned max)
{
	const struct rte_mbuf *m = b->head;

	for (unsigned i = 0; i < max && m != NULL; i++, m = m->next) {
		if (len <= m->data_len)
			return true;
		len -= m->data_len;
	}
	return len == 0;
}

/* ---- timers ---- */

void px_timer_stop(struct hl_proxy *px, struct px_timer *t)
{
	if (t->kind != PX_T_NONE) {
		TAILQ_REMOVE(&px->timers[t->kind], t, node);
		t->kind = PX_T_NONE;
	}
}

/* Each kind's list is kept in deadline order. With one timeout per kind a new timer
 * goes last; after a reload shortened the timeout it goes before the older, longer
 * ones (a walk from the tail, only until then). */
void px_timer_arm(struct hl_proxy *px, struct px_timer *t, enum px_timer_kind kind)
{
	struct px_timer *after;

	px_timer_stop(px, t);
	t->kind = (uint8_t)kind;
	t->deadline = px_now(px) + __atomic_load_n(&px->timeout[kind], __ATOMIC_RELAXED);
	after = TAILQ_LAST(&px->timers[kind], px_timer_list);
	while (after != NULL && after->deadline > t->deadline)
		after = TAILQ_PREV(after, px_timer_list, node);
	if (after == NULL)
		TAILQ_INSERT_HEAD(&px->timers[kind], t, node);
	else
		TAILQ_INSERT_AFTER(&px->timers[kind], after, t, node);
}

void hl_proxy_timers(struct hl_proxy *px)
{
	uint64_t now = px_now(px);

	for (unsigned k = PX_T_NONE + 1; k < PX_T_COUNT; k++) {
		struct px_timer *t;

		while ((t = TAILQ_FIRST(&px->timers[k])) != NULL && t->deadline <= now) {
			px_timer_stop(px, t);
			switch (k) {
			case PX_T_CLIENT_HEAD:
			case PX_T_CLIENT_IDLE:
				px_client_timeout((struct px_client *)t, (enum px_timer_kind)k);
				break;
			case PX_T_REQ_QUEUE:
				px_req_queue_timeout((struct px_req *)t);
				break;
			case PX_T_CHECK:
				px_check_timeout((struct px_check *)t);
				break;
			case PX_T_CHECK_ROUND:
				px_check_round(px);
				break;
			default:
				px_server_timeout((struct px_server *)t, (enum px_timer_kind)k);
				break;
			}
		}
	}
}

/* ---- requests ---- */

struct px_req *px_req_new(struct hl_proxy *px, struct px_client *cl)
{
	struct px_req *req;

	if (rte_mempool_get(px->reqs, (void **)&req) != 0)
		return NULL;
	/* up to replay[] (about 180 bytes, not the 500 to the parsers: replay[] and hint[] are
	 * read only as far as they were written); hl_http1_parser_init clears what the parsers
	 * need (a whole px_req is 2 KiB) */
	hl_zero(req, offsetof(struct px_req, replay));
	req->cl = cl;
	req->t_first = px_now(px);
	hl_http1_parser_init(&req->reqp, &px->hcfg, HL_HTTP1_REQUEST, req->fields,
			     px->hcfg.max_fields);
	hl_http1_parser_init(&req->resp, &px->hcfg, HL_HTTP1_RESPONSE, req->fields,
			     px->hcfg.max_fields);
	px->n_reqs++;
	return req;
}

void px_replay_drop(struct px_req *req)
{
	if (req->n_replay != 0xff)
		for (unsigned i = 0; i < req->n_replay; i++)
			rte_pktmbuf_free_seg(req->replay[i]);
	req->n_replay = 0xff; /* nothing to replay any more */
}

void px_req_free(struct hl_proxy *px, struct px_req *req, uint64_t latency_ns)
{
	px_timer_stop(px, &req->timer);
	px_replay_drop(req);
	rte_pktmbuf_free(req->pending); /* a head still waiting for a connection */
	if (req->routed)
		hl_route_complete(&px->w->route, &req->route, latency_ns);
	if (req->phase == PXR_QUEUED)
		TAILQ_REMOVE(&px->rep[req->replica].waiting, req, wait_node);
	px->n_reqs--;
	rte_mempool_put(px->reqs, req);
}

/* ---- create / free ---- */

static struct rte_mempool *pool(struct hl_worker *w, const char *what, uint32_t n, size_t size)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "hl_px_%s_%u", what, w->id);
	return rte_mempool_create(name, RTE_MAX(n, 2u), (unsigned)size, 0, 0, NULL, NULL, NULL,
				  NULL, (int)rte_socket_id(),
				  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
}

static int http1_config(struct hl_proxy *px, const struct hl_config *cfg, char *err, size_t errlen)
{
	hl_http1_config_init(&px->hcfg);
	px->hcfg.max_head = cfg->http.max_head;
	px->hcfg.max_fields = cfg->http.max_fields;
	/* below the head limit, or a long request line is a 431 and never a 414: a line
	 * that cannot fit in a head with its CRLF and the final CRLF is too long */
	if (px->hcfg.max_line > px->hcfg.max_head - 4)
		px->hcfg.max_line = px->hcfg.max_head - 4;
	if (hl_http1_config_set_name(&px->hcfg, 0, cfg->routing.hint_header) != 0 ||
	    hl_http1_config_set_name(&px->hcfg, 1, cfg->routing.hints_header) != 0) {
		snprintf(err, errlen, "[routing] hint_header/hints_header: not usable field names");
		return -EINVAL;
	}
	return 0;
}

void hl_proxy_set_timeouts(struct hl_proxy *px, const struct hl_cfg_http *h,
			   const struct hl_cfg_health *hc)
{
	uint64_t ms = rte_get_tsc_hz() / 1000;
	const uint64_t t[PX_T_COUNT] = {
		[PX_T_CLIENT_HEAD] = h->client_head_timeout_ms * ms,
		[PX_T_CLIENT_IDLE] = h->client_idle_timeout_ms * ms,
		[PX_T_SERVER_CONNECT] = h->replica_connect_timeout_ms * ms,
		[PX_T_SERVER_RESP] = h->replica_response_timeout_ms * ms,
		[PX_T_SERVER_IDLE] = h->replica_idle_timeout_ms * ms,
		[PX_T_REQ_QUEUE] = h->replica_queue_timeout_ms * ms,
		[PX_T_CHECK] = hc->check_timeout_ms * ms,
		[PX_T_CHECK_ROUND] = hc->check_interval_ms * ms,
	};

	/* the control thread (reload) while the worker arms timers: whole words */
	for (unsigned k = 0; k < PX_T_COUNT; k++)
		__atomic_store_n(&px->timeout[k], t[k], __ATOMIC_RELAXED);
}

static void init_timers(struct hl_proxy *px, const struct hl_config *cfg)
{
	px->tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	hl_proxy_set_timeouts(px, &cfg->http, &cfg->health);
	for (unsigned k = 0; k < PX_T_COUNT; k++)
		TAILQ_INIT(&px->timers[k]);
}

struct hl_proxy *hl_proxy_create(struct hl_worker *w, const struct hl_config *cfg,
				 struct hl_proxy_shared *shared, char *err, size_t errlen)
{
	struct hl_proxy *px = rte_zmalloc("hl_proxy", sizeof(*px), RTE_CACHE_LINE_SIZE);
	uint32_t n_servers;
	int e = ENOMEM;

	if (px == NULL)
		goto nomem;
	px->w = w;
	px->cfg = cfg;
	px->shared = shared;
	if (http1_config(px, cfg, err, errlen) != 0) {
		e = EINVAL;
		goto fail;
	}
	init_timers(px, cfg);
	px->explain_len = (uint16_t)strlen(cfg->routing.explain_header);
	memcpy(px->explain, cfg->routing.explain_header, px->explain_len);
	/* room for every replica id the router may hand out ([routing] max_replicas):
	 * replicas added at runtime (hl_proxy_replica_add) need no new memory */
	px->cap_replicas = RTE_MAX(cfg->routing.max_replicas, cfg->n_replicas);
	px->rep = rte_zmalloc("hl_proxy_rep", sizeof(px->rep[0]) * RTE_MAX(px->cap_replicas, 1u),
			      RTE_CACHE_LINE_SIZE);
	if (px->rep == NULL)
		goto nomem;
	for (uint32_t i = 0; i < cfg->n_replicas; i++)
		hl_proxy_replica_add(px, i, cfg->replicas[i].name, cfg->replicas[i].addr,
				     cfg->replicas[i].port);
	n_servers = (uint32_t)RTE_MIN((uint64_t)cfg->tcp.max_conns,
				      (uint64_t)RTE_MAX(px->n_replicas, 1u) *
					      cfg->http.replica_conns_max);
	px->clients = pool(w, "cl", cfg->tcp.max_conns, sizeof(struct px_client));
	px->servers = pool(w, "sv", n_servers, sizeof(struct px_server));
	px->reqs =
		pool(w, "rq", cfg->http.max_requests,
		     sizeof(struct px_req) + sizeof(struct hl_http1_field) * cfg->http.max_fields);
	if (px->clients == NULL || px->servers == NULL || px->reqs == NULL ||
	    px_checks_create(px) != 0)
		goto nomem;
	return px;
nomem:
	snprintf(err, errlen,
		 "worker %u: proxy: no memory for %u client, %u request objects ([tcp] max_conns, "
		 "[http] max_requests; with --no-huge the EAL has 64 MiB unless -m says more)",
		 w->id, cfg->tcp.max_conns, cfg->http.max_requests);
fail:
	hl_proxy_free(px);
	errno = e;
	return NULL;
}

void hl_proxy_free(struct hl_proxy *px)
{
	if (px == NULL)
		return;
	/* the TCP stack was freed first: every connection's closed() ran and gave
	 * its objects back; what a pool still lacks is a leak the report names */
	if (px->n_clients || px->n_servers || px->n_reqs)
		HL_LOG(WARNING, "worker %u: proxy freed with %u clients, %u servers, %u requests\n",
		       px->w->id, px->n_clients, px->n_servers, px->n_reqs);
	px_checks_free(px);
	rte_mempool_free(px->clients);
	rte_mempool_free(px->servers);
	rte_mempool_free(px->reqs);
	rte_free(px->rep);
	rte_free(px);
}

int hl_proxy_replica_add(struct hl_proxy *px, uint32_t id, const char *name, uint32_t addr,
			 uint16_t port)
{
	struct px_replica *rep;

	if (id >= px->cap_replicas || id > px->n_replicas)
		return -EINVAL;
	rep = &px->rep[id];
	memset(rep, 0, sizeof(*rep));
	LIST_INIT(&rep->idle);
	TAILQ_INIT(&rep->waiting);
	rep->addr = addr;
	rep->port = port;
	snprintf(rep->name, sizeof(rep->name), "%s", name);
	if (id == px->n_replicas) /* the entry is whole before the worker may see the id */
		__atomic_store_n(&px->n_replicas, id + 1, __ATOMIC_RELEASE);
	return 0;
}

int hl_proxy_replica_stats_add(const struct hl_proxy *px, uint32_t id,
			       struct hl_proxy_replica_stats *acc)
{
	const uint64_t *from;
	uint64_t *to = (uint64_t *)acc;

	if (id >= __atomic_load_n(&px->n_replicas, __ATOMIC_ACQUIRE))
		return -ENOENT;
	from = (const uint64_t *)&px->rep[id].st;
	for (size_t i = 0; i < sizeof(*acc) / sizeof(uint64_t); i++)
		to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
	return 0;
}

void hl_proxy_in_use(const struct hl_proxy *px, uint32_t *clients, uint32_t *servers,
		     uint32_t *reqs)
{
	*clients = px->n_clients;
	*servers = px->n_servers;
	*reqs = px->n_reqs;
}

/* ---- the report ---- */

static uint64_t rd(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* The latency below which @p q of the histogram's samples lie (bucket upper bound, µs). */
static uint64_t lat_quantile(const uint64_t *lat, double q)
{
	uint64_t total = 0, seen = 0;

	for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS; i++)
		total += rd(&lat[i]);
	if (total == 0)
		return 0;
	for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS; i++) {
		seen += rd(&lat[i]);
		if ((double)seen >= q * (double)total)
			return (uint64_t)2 << i;
	}
	return UINT64_MAX;
}

void hl_proxy_print(const struct hl_proxy *px, unsigned worker, FILE *f)
{
	static const char *const cls[6] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

	fprintf(f,
		"worker %u proxy_clients %u\nworker %u proxy_servers %u\nworker %u proxy_inflight "
		"%u\n",
		worker, __atomic_load_n(&px->n_clients, __ATOMIC_RELAXED), worker,
		__atomic_load_n(&px->n_servers, __ATOMIC_RELAXED), worker,
		__atomic_load_n(&px->n_reqs, __ATOMIC_RELAXED));
	for (unsigned e = 1; e < HL_HTTP1_ERR__COUNT; e++) {
		if (rd(&px->req_err[e]) != 0)
			fprintf(f, "worker %u http_req_rejected_%s %" PRIu64 "\n", worker,
				hl_http1_err_name((enum hl_http1_err)e), rd(&px->req_err[e]));
		if (rd(&px->resp_err[e]) != 0)
			fprintf(f, "worker %u http_resp_rejected_%s %" PRIu64 "\n", worker,
				hl_http1_err_name((enum hl_http1_err)e), rd(&px->resp_err[e]));
	}
	for (uint32_t r = 0; r < px->n_replicas; r++) {
		const struct hl_proxy_replica_stats *s = &px->rep[r].st;
		const char *n = px->rep[r].name;

		if (rd(&s->requests) == 0 && rd(&s->conns_opened) == 0)
			continue;
		fprintf(f,
			"worker %u replica %s requests %" PRIu64
			"\nworker %u replica %s errors %" PRIu64
			"\nworker %u replica %s bytes_out %" PRIu64
			"\nworker %u replica %s bytes_in %" PRIu64
			"\nworker %u replica %s conns_opened %" PRIu64
			"\nworker %u replica %s conns_reused %" PRIu64 "\n",
			worker, n, rd(&s->requests), worker, n, rd(&s->errors), worker, n,
			rd(&s->bytes_out), worker, n, rd(&s->bytes_in), worker, n,
			rd(&s->conns_opened), worker, n, rd(&s->conns_reused));
		for (unsigned c = 0; c < 6; c++)
			if (rd(&s->status[c]) != 0)
				fprintf(f, "worker %u replica %s status_%s %" PRIu64 "\n", worker,
					n, cls[c], rd(&s->status[c]));
		fprintf(f,
			"worker %u replica %s latency_us_p50 %" PRIu64
			"\nworker %u replica %s latency_us_p99 %" PRIu64 "\n",
			worker, n, lat_quantile(s->lat, 0.5), worker, n,
			lat_quantile(s->lat, 0.99));
	}
}

void hl_proxy_metrics(const struct hl_proxy *px, unsigned worker, struct hl_metrics_buf *b,
		      bool help)
{
	static const char *const cls[6] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
	static const struct {
		const char *name, *help;
		size_t off;
	} ctrs[] = {
		{"requests", "Requests sent to the replica (retries included).",
		 offsetof(struct hl_proxy_replica_stats, requests)},
		{"hint_hits", "Requests sent to the replica because it advertised their hint.",
		 offsetof(struct hl_proxy_replica_stats, hint_hits)},
		{"errors", "Requests that failed at the replica.",
		 offsetof(struct hl_proxy_replica_stats, errors)},
		{"sent_bytes", "Request bytes queued to the replica.",
		 offsetof(struct hl_proxy_replica_stats, bytes_out)},
		{"received_bytes", "Response bytes from the replica.",
		 offsetof(struct hl_proxy_replica_stats, bytes_in)},
		{"connections_opened", "Connections opened to the replica.",
		 offsetof(struct hl_proxy_replica_stats, conns_opened)},
		{"connections_reused", "Requests on an idle pooled connection.",
		 offsetof(struct hl_proxy_replica_stats, conns_reused)},
	};

	for (size_t k = 0; k < RTE_DIM(ctrs); k++) {
		if (help)
			hl_metrics_printf(b,
					  "# HELP hintlb_replica_%s_total %s\n# TYPE "
					  "hintlb_replica_%s_total counter\n",
					  ctrs[k].name, ctrs[k].help, ctrs[k].name);
		for (uint32_t r = 0; r < px->n_replicas; r++)
			hl_metrics_printf(
				b,
				"hintlb_replica_%s_total{worker=\"%u\",replica=\"%s\"} %" PRIu64
				"\n",
				ctrs[k].name, worker, px->rep[r].name,
				rd((const uint64_t *)((const char *)&px->rep[r].st + ctrs[k].off)));
	}
	if (help)
		hl_metrics_printf(b, "# HELP hintlb_replica_responses_total Responses passed on, "
				     "by status class.\n"
				     "# TYPE hintlb_replica_responses_total counter\n");
	for (uint32_t r = 0; r < px->n_replicas; r++)
		for (unsigned c = 1; c < 6; c++)
			hl_metrics_printf(b,
					  "hintlb_replica_responses_total{worker=\"%u\",replica=\"%"
					  "s\",class=\"%s\"} %" PRIu64 "\n",
					  worker, px->rep[r].name, cls[c],
					  rd(&px->rep[r].st.status[c]));
	if (help)
		hl_metrics_printf(b, "# HELP hintlb_replica_latency_seconds From binding a request "
				     "to a connection to the end of its response.\n"
				     "# TYPE hintlb_replica_latency_seconds histogram\n");
	for (uint32_t r = 0; r < px->n_replicas; r++) {
		const struct hl_proxy_replica_stats *s = &px->rep[r].st;
		uint64_t acc = 0;

		for (unsigned i = 0; i < HL_PROXY_LAT_BUCKETS; i++) {
			acc += rd(&s->lat[i]);
			hl_metrics_printf(b,
					  "hintlb_replica_latency_seconds_bucket{worker=\"%u\","
					  "replica=\"%s\",le=\"%g\"} %" PRIu64 "\n",
					  worker, px->rep[r].name, (double)(2ull << i) * 1e-6, acc);
		}
		hl_metrics_printf(
			b,
			"hintlb_replica_latency_seconds_bucket{worker=\"%u\",replica=\"%s\",le=\"+"
			"Inf\"} %" PRIu64 "\n"
			"hintlb_replica_latency_seconds_sum{worker=\"%u\",replica=\"%s\"} %g\n"
			"hintlb_replica_latency_seconds_count{worker=\"%u\",replica=\"%s\"} "
			"%" PRIu64 "\n",
			worker, px->rep[r].name, acc, worker, px->rep[r].name,
			(double)rd(&s->lat_sum_us) * 1e-6, worker, px->rep[r].name, acc);
	}
	if (help)
		hl_metrics_printf(
			b, "# HELP hintlb_http_inflight Requests in progress on the worker.\n"
			   "# TYPE hintlb_http_inflight gauge\n");
	hl_metrics_printf(b, "hintlb_http_inflight{worker=\"%u\"} %u\n", worker,
			  __atomic_load_n(&px->n_reqs, __ATOMIC_RELAXED));
}

/* ---- shared ---- */

int hl_proxy_shared_create(struct hl_proxy_shared *s, int socket)
{
	memset(s, 0, sizeof(*s));
	/* messages are rare (a hint list changed, a failure): a write() each wakes the
	 * control thread at once instead of at its next poll */
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->to_ctrl = rte_ring_create("hl_to_ctrl", HL_CTRL_MSGS, socket, RING_F_SC_DEQ);
	s->msgs = rte_mempool_create("hl_ctrl_msgs", HL_CTRL_MSGS - 1, sizeof(struct hl_ctrl_msg),
				     0, 0, NULL, NULL, NULL, NULL, socket, 0);
	if (s->to_ctrl == NULL || s->msgs == NULL || s->wake_fd < 0) {
		hl_proxy_shared_free(s);
		return -ENOMEM;
	}
	return 0;
}

void hl_proxy_shared_free(struct hl_proxy_shared *s)
{
	void *m;

	if (s->to_ctrl != NULL)
		while (rte_ring_sc_dequeue(s->to_ctrl, &m) == 0)
			rte_mempool_put(s->msgs, m);
	rte_ring_free(s->to_ctrl);
	rte_mempool_free(s->msgs);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	s->to_ctrl = NULL;
	s->msgs = NULL;
	s->wake_fd = -1;
}
