/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client: HTTP/1.1 requests over hintlb's TCP stack (active opens), one
 * outstanding request per connection, responses delimited by hintlb's
 * response parser.
 *
 * Every request first goes into one FIFO with its intended send time and
 * its hint; connections take requests from its head. Closed loop
 * (--connections C without --rate): C requests at the start, and one more
 * each time a request ends (answered or failed), intended "now"; so C are
 * outstanding all the time. Open loop (--rate R): the schedule puts request
 * n in at start + n / R whatever happened to the others, and its latency is
 * measured from that intended time, so a slow answer delays the requests
 * behind it and they are charged for it (no coordinated omission). Trace
 * replay: the same with the trace's arrival times. Keep-alive: a connection
 * whose response ended takes the next request (or waits, idle); at most C
 * connections. --new-connection: each request opens its own connection,
 * says Connection: close and both sides close after the response; at most C
 * requests outstanding. At most CL_CONNECTING_MAX handshakes are in flight.
 *
 * Errors, by kind: connect (refused, timed out, no source port), reset (the
 * connection ended before the whole response), timeout (--timeout-ms; the
 * connection is reset), non_2xx, parse (a response the parser refuses, or
 * bytes nobody asked for), overload (the FIFO was full: the open-loop
 * schedule is far ahead of what the connections can carry).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "hg_hist.h"
#include "hg_zipf.h"
#include "hintgen.h"

#define CL_FIELDS   32
#define CL_QUEUE    (1u << 20) /* requests waiting for a connection, a power of two */
#define CL_SWEEP_MS 10         /* timeout sweep period */
#define CL_DRAIN_MS 2000       /* after the duration: the most to wait for answers */
/* handshakes in flight at once: thousands of SYNs in one loop iteration
 * overflow the tx ring, and their retransmissions all come due together */
#define CL_CONNECTING_MAX 256

enum cl_state {
	CL_FREE = 0,
	CL_BUSY,    /* a request outstanding (connecting or established) */
	CL_IDLE,    /* keep-alive, waiting for a request */
	CL_CLOSING, /* closing or aborted: nothing more to count */
};

enum cl_err {
	CL_E_CONNECT = 0,
	CL_E_RESET,
	CL_E_TIMEOUT,
	CL_E_NON2XX,
	CL_E_PARSE,
	CL_E_OVERLOAD,
	CL_E_COUNT
};

static const char *const cl_err_name[CL_E_COUNT] = {
	"connect", "reset", "timeout", "non_2xx", "parse", "overload",
};

struct cl_conn {
	struct hg_client *cl;
	struct hl_tcp_conn *tc;
	uint32_t idx;
	uint8_t state;
	bool established;
	bool in_idle; /* on the idle stack (entries are checked when popped) */
	uint64_t intended;
	uint64_t deadline;
	struct hl_http1_parser p;
	struct hl_http1_field fields[CL_FIELDS];
};

struct cl_req {
	uint64_t intended;
	uint32_t hint;
};

struct hg_client {
	struct hg *g;
	const struct hg_opts *o;
	struct hl_http1_config http;
	struct hg_zipf zipf;
	struct hg_rng rng;
	struct hg_trace trace;
	bool use_trace, replay;
	uint32_t trace_pos;
	char **names; /* hints by id */
	uint16_t *name_len;
	uint32_t n_names;
	char prefix[512]; /* request up to the hint value */
	size_t prefix_len;
	const char *suffix;
	size_t suffix_len;
	bool closed_loop;
	uint32_t limit;
	uint32_t n_conns;
	struct cl_conn *conns;
	uint32_t *free_stack, n_free;
	uint32_t *idle_stack, n_idle;
	uint32_t live, busy, connecting;
	struct cl_req *q;
	uint32_t q_head, q_tail;
	bool generating;
	bool measuring;      /* past the warm-up: counting */
	uint64_t measure_at; /* start + --warmup: the counted part begins */
	/* answered by the end of the schedule, and when that was: the rate
	 * achieved in the measured window, without the drain after it */
	uint64_t window_done, window_end;
	uint64_t hz, start, end, drain_end, finished, next_sweep, n_sched, next_at;
	double tsc_per_req, ns_per_tsc;
	uint64_t sent, done, ok, opened, bytes_in, unfinished, err[CL_E_COUNT];
	uint64_t last_done, last_err, last_progress;
	struct hg_hist hist;
	struct hg_hist interval;
};

static const struct hl_tcp_app cl_app;

static uint32_t cl_hint(struct hg_client *cl)
{
	if (cl->use_trace) {
		uint32_t h = cl->trace.hint[cl->trace_pos % cl->trace.n];

		cl->trace_pos++;
		return h;
	}
	return hg_zipf_draw(&cl->zipf, &cl->rng);
}

static void cl_push(struct hg_client *cl, uint64_t intended, uint32_t hint)
{
	if (cl->q_tail - cl->q_head == CL_QUEUE) {
		cl->err[CL_E_OVERLOAD]++;
		return;
	}
	cl->q[cl->q_tail++ & (CL_QUEUE - 1)] = (struct cl_req){.intended = intended, .hint = hint};
}

/* A request ended, answered or not: the closed loop keeps C outstanding. */
static void cl_ended(struct hg_client *cl)
{
	cl->busy--;
	if (cl->closed_loop && cl->generating)
		cl_push(cl, rte_rdtsc(), cl_hint(cl));
}

static void cl_fail(struct hg_client *cl, struct cl_conn *c, enum cl_err e, bool abort)
{
	if (c->state == CL_BUSY) {
		cl->err[e]++;
		c->state = CL_CLOSING;
		cl_ended(cl);
	}
	c->state = CL_CLOSING;
	if (abort && c->tc != NULL)
		hl_tcp_abort(cl->g->w->tcp, c->tc); /* closed() frees the slot */
}

/* Send request @p r on @p c (connecting or idle). */
static void cl_send(struct hg_client *cl, struct cl_conn *c, const struct cl_req *r)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(cl->g->pool);
	uint16_t hl = cl->name_len[r->hint];
	char *d;

	c->state = CL_BUSY;
	cl->busy++;
	c->intended = r->intended;
	c->deadline = rte_rdtsc() + cl->hz * cl->o->timeout_ms / 1000;
	hl_http1_parser_reset(&c->p);
	hl_http1_set_request_method(&c->p, HL_HTTP1_M_GET);
	d = m != NULL ? rte_pktmbuf_append(m, (uint16_t)(cl->prefix_len + hl + cl->suffix_len))
		      : NULL;
	if (d == NULL) {
		rte_pktmbuf_free(m);
		cl_fail(cl, c, CL_E_RESET, true);
		return;
	}
	memcpy(d, cl->prefix, cl->prefix_len);
	memcpy(d + cl->prefix_len, cl->names[r->hint], hl);
	memcpy(d + cl->prefix_len + hl, cl->suffix, cl->suffix_len);
	cl->sent++;
	if (hl_tcp_send(cl->g->w->tcp, c->tc, m) != 0)
		cl_fail(cl, c, CL_E_RESET, true);
}

/* Open a connection for request @p r. @return 0, or -1 (counted, the request is lost). */
static int cl_open(struct hg_client *cl, const struct cl_req *r)
{
	struct cl_conn *c = &cl->conns[cl->free_stack[--cl->n_free]];
	int rc;

	c->state = CL_CLOSING;
	c->established = false;
	c->tc = NULL;
	rc = hl_tcp_connect(cl->g->w->tcp, 0, cl->o->target_addr, cl->o->target_port, &cl_app, c,
			    &c->tc);
	if (rc != 0) {
		c->state = CL_FREE;
		c->tc = NULL;
		cl->free_stack[cl->n_free++] = c->idx;
		cl->err[CL_E_CONNECT]++;
		if (cl->closed_loop && cl->generating)
			cl_push(cl, rte_rdtsc(), cl_hint(cl));
		return -1;
	}
	cl->live++;
	cl->connecting++;
	cl->opened++;
	cl_send(cl, c, r);
	return 0;
}

static struct cl_conn *cl_idle_pop(struct hg_client *cl)
{
	while (cl->n_idle > 0) {
		struct cl_conn *c = &cl->conns[cl->idle_stack[--cl->n_idle]];

		c->in_idle = false;
		if (c->state == CL_IDLE)
			return c;
	}
	return NULL;
}

/* Hand queued requests to connections: idle ones, else new ones within the limit. */
static unsigned cl_dispatch(struct hg_client *cl)
{
	unsigned n = 0;

	while (cl->q_head != cl->q_tail) {
		const struct cl_req *r = &cl->q[cl->q_head & (CL_QUEUE - 1)];
		struct cl_conn *c = cl->o->keep_alive ? cl_idle_pop(cl) : NULL;

		if (c != NULL) {
			cl->q_head++;
			cl_send(cl, c, r);
		} else if (cl->n_free > 0 && cl->connecting < CL_CONNECTING_MAX &&
			   (cl->o->keep_alive ? cl->live < cl->limit : cl->busy < cl->limit)) {
			struct cl_req copy = *r;

			cl->q_head++;
			if (cl_open(cl, &copy) != 0)
				break; /* no connection object or port now: retry next tick, not in
					  a loop */
		} else {
			break;
		}
		n++;
	}
	return n;
}

static void cl_complete(struct hg_client *cl, struct cl_conn *c)
{
	uint64_t now = rte_rdtsc();
	unsigned status = c->p.msg.status;
	bool keep = cl->o->keep_alive && (c->p.msg.flags & HL_HTTP1_F_KEEP_ALIVE);

	cl->done++;
	if (status >= 200 && status < 300) {
		uint64_t ns = (uint64_t)((double)(now - c->intended) * cl->ns_per_tsc);

		cl->ok++;
		hg_hist_record(&cl->hist, ns);
		hg_hist_record(&cl->interval, ns);
	} else {
		cl->err[CL_E_NON2XX]++;
	}
	cl_ended(cl);
	if (!keep) {
		c->state = CL_CLOSING;
		hl_tcp_shutdown(cl->g->w->tcp, c->tc);
		return;
	}
	c->state = CL_IDLE;
	if (cl->q_head != cl->q_tail) { /* the fast path: the next request on this connection */
		struct cl_req r = cl->q[cl->q_head++ & (CL_QUEUE - 1)];

		cl_send(cl, c, &r);
		return;
	}
	if (!c->in_idle) {
		c->in_idle = true;
		cl->idle_stack[cl->n_idle++] = c->idx;
	}
}

/* Parse one piece of a response; complete it when it ends. */
static void cl_parse(struct hg_client *cl, struct cl_conn *c, const uint8_t *d, size_t len)
{
	while (len > 0) {
		if (c->state != CL_BUSY) {
			cl->err[CL_E_PARSE]++; /* bytes nobody asked for */
			cl_fail(cl, c, CL_E_PARSE, true);
			return;
		}
		if (!hl_http1_in_body(&c->p)) {
			struct hl_http1_seg seg = {.data = d, .len = len};
			size_t used = 0;
			int rc = hl_http1_parse_head(&c->p, &seg, 1, &used);

			if (rc == -EAGAIN)
				return;
			if (rc != 0) {
				cl_fail(cl, c, CL_E_PARSE, true);
				return;
			}
			d += used;
			len -= used;
			if (c->p.msg.flags & HL_HTTP1_F_INTERIM)
				continue;
			if (c->p.msg.framing == HL_HTTP1_FRAMING_NONE)
				cl_complete(cl, c);
		} else {
			struct hl_http1_body res;
			int rc = hl_http1_parse_body(&c->p, d, len, &res);

			d += res.consumed;
			len -= res.consumed;
			if (rc == -EAGAIN)
				return;
			if (rc != 0) {
				cl_fail(cl, c, CL_E_PARSE, true);
				return;
			}
			cl_complete(cl, c);
		}
	}
}

static void cl_established(struct hl_tcp *t, struct hl_tcp_conn *tc, void *ctx)
{
	struct cl_conn *c = ctx;

	(void)t;
	(void)tc;
	c->established = true;
	c->cl->connecting--;
}

static void cl_recv(struct hl_tcp *t, struct hl_tcp_conn *tc, struct rte_mbuf *m)
{
	struct cl_conn *c = hl_tcp_conn_ctx(tc);
	struct hg_client *cl = c->cl;
	uint32_t len = m->pkt_len;

	cl->bytes_in += len;
	for (struct rte_mbuf *s = m; s != NULL && c->tc != NULL && c->state != CL_CLOSING;
	     s = s->next)
		cl_parse(cl, c, rte_pktmbuf_mtod(s, const uint8_t *), s->data_len);
	rte_pktmbuf_free(m);
	if (c->tc != NULL)
		hl_tcp_recved(t, tc, len);
}

static void cl_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *tc)
{
	struct cl_conn *c = hl_tcp_conn_ctx(tc);

	if (c->state == CL_BUSY) {
		/* a close-delimited response ends here; anything else was cut short */
		bool body = hl_http1_in_body(&c->p);

		if (body && hl_http1_parse_eof(&c->p) == 0)
			cl_complete(c->cl, c);
		else
			cl_fail(c->cl, c, CL_E_RESET, false);
	}
	c->state = CL_CLOSING;
	hl_tcp_shutdown(t, tc);
}

static void cl_closed(struct hl_tcp *t, struct hl_tcp_conn *tc, int err)
{
	struct cl_conn *c = hl_tcp_conn_ctx(tc);
	struct hg_client *cl = c->cl;

	(void)t;
	if (c->state == CL_BUSY)
		cl_fail(cl, c,
			!c->established     ? CL_E_CONNECT
			: err == -ETIMEDOUT ? CL_E_TIMEOUT
					    : CL_E_RESET,
			false);
	if (!c->established)
		cl->connecting--;
	c->state = CL_FREE;
	c->tc = NULL;
	cl->live--;
	cl->free_stack[cl->n_free++] = c->idx;
}

static const struct hl_tcp_app cl_app = {
	.established = cl_established,
	.recv = cl_recv,
	.peer_fin = cl_peer_fin,
	.closed = cl_closed,
};

/* Timeouts: every CL_SWEEP_MS, each outstanding request past its deadline. */
static void cl_sweep(struct hg_client *cl, uint64_t now)
{
	for (uint32_t i = 0; i < cl->n_conns; i++) {
		struct cl_conn *c = &cl->conns[i];

		if (c->state == CL_BUSY && now > c->deadline)
			cl_fail(cl, c, CL_E_TIMEOUT, true);
	}
}

/*
 * The warm-up is over: forget what it counted, so that every figure is that
 * of the measured --duration. Requests still outstanding from the warm-up
 * count when they end (their latency runs from their intended time).
 */
static void cl_measure_begin(struct hg_client *cl, uint64_t now)
{
	cl->measuring = true;
	cl->measure_at = now;
	cl->sent = cl->done = cl->ok = cl->opened = cl->bytes_in = 0;
	memset(cl->err, 0, sizeof(cl->err));
	cl->last_done = cl->last_err = 0;
	hg_hist_reset(&cl->hist);
}

unsigned hg_client_tick(struct hg_client *cl, uint64_t now)
{
	unsigned n = 0;

	if (!cl->measuring && now >= cl->measure_at)
		cl_measure_begin(cl, now);
	if (cl->generating) {
		if (cl->replay) {
			while (cl->trace_pos < cl->trace.n &&
			       cl->start + (uint64_t)((double)cl->trace.at_ns[cl->trace_pos] /
						      cl->ns_per_tsc) <=
				       now) {
				cl_push(cl,
					cl->start +
						(uint64_t)((double)cl->trace.at_ns[cl->trace_pos] /
							   cl->ns_per_tsc),
					cl->trace.hint[cl->trace_pos]);
				cl->trace_pos++;
				n++;
			}
			if (cl->trace_pos == cl->trace.n)
				cl->end = now;
		} else if (!cl->closed_loop) {
			while (cl->next_at <= now && cl->next_at < cl->end) {
				cl_push(cl, cl->next_at, cl_hint(cl));
				cl->n_sched++;
				cl->next_at = cl->start +
					      (uint64_t)((double)cl->n_sched * cl->tsc_per_req);
				n++;
			}
		}
		if (now >= cl->end) {
			cl->generating = false;
			cl->window_done = cl->done;
			cl->window_end = now;
			cl->drain_end = now + cl->hz *
						      RTE_MIN((uint64_t)CL_DRAIN_MS,
							      (uint64_t)cl->o->timeout_ms) /
						      1000;
			if (cl->closed_loop) /* what the loop queued is not sent */
				cl->q_head = cl->q_tail;
		}
	}
	n += cl_dispatch(cl);
	if (now >= cl->next_sweep) {
		cl_sweep(cl, now);
		cl->next_sweep = now + cl->hz * CL_SWEEP_MS / 1000;
	}
	return n;
}

bool hg_client_done(const struct hg_client *cl, uint64_t now)
{
	if (cl->generating)
		return false;
	return (cl->busy == 0 && cl->q_head == cl->q_tail) || now >= cl->drain_end;
}

void hg_client_start(struct hg_client *cl, uint64_t now)
{
	cl->start = now;
	cl->measure_at = now + (uint64_t)(cl->o->warmup_s * (double)cl->hz);
	cl->measuring = cl->measure_at == now;
	cl->end = cl->measure_at + (uint64_t)(cl->o->duration_s * (double)cl->hz);
	cl->next_at = now;
	cl->next_sweep = now;
	cl->last_progress = now;
	cl->generating = true;
	if (cl->closed_loop)
		for (uint32_t i = 0; i < cl->limit; i++)
			cl_push(cl, now, cl_hint(cl));
}

void hg_client_close_all(struct hg_client *cl)
{
	struct hl_tcp *t = cl->g->w->tcp;
	uint64_t end = rte_rdtsc() + cl->hz / 2;

	cl->finished = cl->finished != 0 ? cl->finished : rte_rdtsc();
	cl->generating = false;
	cl->q_head = cl->q_tail;
	for (uint32_t i = 0; i < cl->n_conns; i++) {
		struct cl_conn *c = &cl->conns[i];

		if (c->tc == NULL)
			continue;
		if (c->state == CL_BUSY) { /* still outstanding when the drain ran out */
			c->state = CL_CLOSING;
			cl->busy--;
			cl->unfinished++;
			hl_tcp_abort(t, c->tc);
		} else if (c->state == CL_IDLE) {
			c->state = CL_CLOSING;
			hl_tcp_shutdown(t, c->tc);
		}
	}
	while (cl->live > 0 && rte_rdtsc() < end)
		hg_net_poll(cl->g);
	for (uint32_t i = 0; i < cl->n_conns; i++)
		if (cl->conns[i].tc != NULL)
			hl_tcp_abort(t, cl->conns[i].tc);
}

static uint64_t err_total(const struct hg_client *cl)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < CL_E_COUNT; i++)
		n += cl->err[i];
	return n;
}

void hg_client_progress(struct hg_client *cl, FILE *f, uint64_t now)
{
	double secs = (double)(now - cl->last_progress) / (double)cl->hz;
	uint64_t e = err_total(cl);

	if (secs <= 0)
		return;
	fprintf(f,
		"hintgen: %6.1f s  %10.0f req/s  p50 %8.3f ms  p99 %8.3f ms  errors %" PRIu64
		"  conns %u  queued %u\n",
		(double)(now - cl->start) / (double)cl->hz,
		(double)(cl->done - cl->last_done) / secs,
		(double)hg_hist_quantile(&cl->interval, 0.5) / 1e6,
		(double)hg_hist_quantile(&cl->interval, 0.99) / 1e6, e - cl->last_err, cl->live,
		cl->q_tail - cl->q_head);
	cl->last_done = cl->done;
	cl->last_err = e;
	cl->last_progress = now;
	hg_hist_reset(&cl->interval);
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

void hg_client_report(const struct hg_client *cl, FILE *f, bool json)
{
	uint64_t fin = cl->finished != 0 ? cl->finished : rte_rdtsc();
	/* stopped (SIGINT) during the warm-up: nothing measured */
	double elapsed = fin > cl->measure_at ? (double)(fin - cl->measure_at) / (double)cl->hz : 0;
	double rps = elapsed > 0 ? (double)cl->done / elapsed : 0;
	double window = cl->window_end > cl->measure_at
				? (double)(cl->window_end - cl->measure_at) / (double)cl->hz
				: 0;
	double window_rps = window > 0 ? (double)cl->window_done / window : 0;
	const struct hg_hist *h = &cl->hist;
	const char *mode = cl->replay ? "trace" : cl->closed_loop ? "closed" : "open";

	if (json) {
		json_t *errs = json_object(), *lat, *o;
		char target[32];
		uint32_t a = rte_be_to_cpu_32(cl->o->target_addr);

		snprintf(target, sizeof(target), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255, cl->o->target_port);
		for (unsigned i = 0; i < CL_E_COUNT; i++)
			json_object_set_new(errs, cl_err_name[i],
					    json_integer((json_int_t)cl->err[i]));
		lat = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "p50",
				ms(hg_hist_quantile(h, 0.5)), "p90", ms(hg_hist_quantile(h, 0.9)),
				"p99", ms(hg_hist_quantile(h, 0.99)), "p99_9",
				ms(hg_hist_quantile(h, 0.999)), "max", ms(h->max), "min",
				ms(h->min), "mean", hg_hist_mean(h) / 1e6);
		o = json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:o, s:f, "
			      "s:f, s:I, s:f, s:o, s:I, s:I, s:I}",
			      "mode", mode, "target", target, "connection",
			      cl->o->keep_alive ? "keep-alive" : "new", "connections",
			      (int)cl->limit, "rate", cl->closed_loop ? 0.0 : cl->o->rate,
			      "warmup_s", cl->o->warmup_s, "elapsed_s", elapsed, "sent",
			      (json_int_t)cl->sent, "requests", (json_int_t)cl->done, "ok",
			      (json_int_t)cl->ok, "errors_total", (json_int_t)err_total(cl),
			      "errors", errs, "req_per_s", rps, "window_s", window,
			      "window_requests", (json_int_t)cl->window_done, "window_req_per_s",
			      window_rps, "latency_ms", lat, "connections_opened",
			      (json_int_t)cl->opened, "bytes_in", (json_int_t)cl->bytes_in,
			      "unfinished", (json_int_t)cl->unfinished);
		json_dumpf(o, f, JSON_COMPACT);
		fputc('\n', f);
		json_decref(o);
		return;
	}
	fprintf(f, "hintgen: %s, %u %s, %.2f s",
		cl->replay        ? "trace replay"
		: cl->closed_loop ? "closed loop"
				  : "open loop",
		cl->limit,
		cl->o->keep_alive ? "keep-alive connections" : "requests at once, new connections",
		elapsed);
	if (cl->o->warmup_s > 0)
		fprintf(f, " after a %.2f s warm-up", cl->o->warmup_s);
	fputc('\n', f);
	fprintf(f,
		"  requests  %" PRIu64 " (sent %" PRIu64 ", 2xx %" PRIu64 ", unfinished %" PRIu64
		")\n",
		cl->done, cl->sent, cl->ok, cl->unfinished);
	fprintf(f, "  req/s     %.1f (%.1f until the schedule ended, %.2f s)\n", rps, window_rps,
		window);
	fprintf(f, "  errors    %" PRIu64 " (", err_total(cl));
	for (unsigned i = 0; i < CL_E_COUNT; i++)
		fprintf(f, "%s%s %" PRIu64, i ? ", " : "", cl_err_name[i], cl->err[i]);
	fprintf(f, ")\n");
	fprintf(f,
		"  latency   p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms (mean %.3f)\n",
		ms(hg_hist_quantile(h, 0.5)), ms(hg_hist_quantile(h, 0.9)),
		ms(hg_hist_quantile(h, 0.99)), ms(hg_hist_quantile(h, 0.999)), ms(h->max),
		hg_hist_mean(h) / 1e6);
	fprintf(f, "  connections opened %" PRIu64 "\n", cl->opened);
}

bool hg_client_failed(const struct hg_client *cl)
{
	return err_total(cl) != 0;
}

/* Hint names: the trace's, or model-0..model-(M-1). */
static int cl_names(struct hg_client *cl, char *err, size_t errlen)
{
	if (cl->use_trace) {
		cl->n_names = cl->trace.n_names;
		cl->names = cl->trace.names;
	} else {
		cl->n_names = cl->o->models;
		cl->names = calloc(cl->n_names, sizeof(char *));
		if (cl->names == NULL)
			goto nomem;
		for (uint32_t i = 0; i < cl->n_names; i++)
			if (asprintf(&cl->names[i], "model-%u", i) < 0)
				goto nomem;
	}
	cl->name_len = calloc(cl->n_names, sizeof(uint16_t));
	if (cl->name_len == NULL)
		goto nomem;
	for (uint32_t i = 0; i < cl->n_names; i++)
		cl->name_len[i] = (uint16_t)strlen(cl->names[i]);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for %u hint names", cl->n_names);
	return -ENOMEM;
}

struct hg_client *hg_client_create(struct hg *g, char *err, size_t errlen)
{
	const struct hg_opts *o = g->o;
	struct hg_client *cl = rte_zmalloc("hg_client", sizeof(*cl), RTE_CACHE_LINE_SIZE);
	uint32_t a = rte_be_to_cpu_32(o->target_addr);
	int rc;

	if (cl == NULL) {
		snprintf(err, errlen, "client: out of memory");
		return NULL;
	}
	cl->g = g;
	cl->o = o;
	cl->hz = g->hz;
	cl->ns_per_tsc = 1e9 / (double)g->hz;
	hl_http1_config_init(&cl->http);
	cl->http.max_fields = CL_FIELDS;
	hg_rng_seed(&cl->rng, o->seed);
	cl->closed_loop = o->load == HG_LOAD_CLOSED;
	cl->replay = o->load == HG_LOAD_REPLAY;
	if (o->trace != NULL) {
		rc = hg_trace_load(&cl->trace, o->trace, err, errlen);
		if (rc != 0)
			goto fail;
		cl->use_trace = true;
	} else {
		rc = hg_zipf_init(&cl->zipf, o->models, o->zipf_s);
		if (rc != 0) {
			snprintf(err, errlen, "--models %u --zipf %g: %s", o->models, o->zipf_s,
				 strerror(-rc));
			goto fail;
		}
	}
	rc = cl_names(cl, err, errlen);
	if (rc != 0)
		goto fail;
	cl->limit = o->connections;
	cl->tsc_per_req = o->rate > 0 ? (double)g->hz / o->rate : 0;
	/* new connections linger while they close: room for as many again */
	cl->n_conns = o->keep_alive ? cl->limit : cl->limit * 4;
	if (cl->n_conns > o->max_conns) {
		snprintf(err, errlen,
			 "--connections %u needs %u connection slots, more than "
			 "--max-conns %u",
			 o->connections, cl->n_conns, o->max_conns);
		rc = -EINVAL;
		goto fail;
	}
	cl->conns =
		rte_zmalloc("hg_cl_conns", sizeof(*cl->conns) * cl->n_conns, RTE_CACHE_LINE_SIZE);
	cl->free_stack = rte_malloc("hg_cl_free", sizeof(uint32_t) * cl->n_conns, 0);
	cl->idle_stack = rte_malloc("hg_cl_idle", sizeof(uint32_t) * cl->n_conns, 0);
	cl->q = rte_malloc("hg_cl_q", sizeof(*cl->q) * CL_QUEUE, RTE_CACHE_LINE_SIZE);
	if (cl->conns == NULL || cl->free_stack == NULL || cl->idle_stack == NULL ||
	    cl->q == NULL) {
		snprintf(err, errlen, "client: out of memory for %u connections", cl->n_conns);
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < cl->n_conns; i++) {
		struct cl_conn *c = &cl->conns[i];

		c->cl = cl;
		c->idx = i;
		hl_http1_parser_init(&c->p, &cl->http, HL_HTTP1_RESPONSE, c->fields, CL_FIELDS);
		cl->free_stack[cl->n_free++] = cl->n_conns - 1 - i;
	}
	cl->prefix_len = (size_t)snprintf(
		cl->prefix, sizeof(cl->prefix),
		"GET %s HTTP/1.1\r\nHost: %u.%u.%u.%u:%u\r\n%s: ", o->path, a >> 24,
		(a >> 16) & 255, (a >> 8) & 255, a & 255, o->target_port, o->hint_header);
	cl->suffix = o->keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
	cl->suffix_len = strlen(cl->suffix);
	return cl;
fail:
	hg_client_free(cl);
	return NULL;
}

void hg_client_free(struct hg_client *cl)
{
	if (cl == NULL)
		return;
	if (!cl->use_trace && cl->names != NULL)
		for (uint32_t i = 0; i < cl->n_names; i++)
			free(cl->names[i]);
	if (!cl->use_trace)
		free(cl->names);
	free(cl->name_len);
	hg_trace_free(&cl->trace);
	hg_zipf_free(&cl->zipf);
	rte_free(cl->conns);
	rte_free(cl->free_stack);
	rte_free(cl->idle_stack);
	rte_free(cl->q);
	rte_free(cl);
}
