/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What hintreplica says: response heads (its name, hit or miss, the models it holds, what it
 * received of the request body), the /stats document and the request log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hintreplica.h"

const char *rep_cache_name(unsigned int cache)
{
	static const char *const names[] = {"none", "hit", "miss"};

	return cache < 3 ? names[cache] : "?";
}

int rep_out_append(struct rep_conn *c, const void *data, size_t n)
{
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *p;

		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, n);
	c->out_len += n;
	return 0;
}

/* Header lines: names and values are bounded (64-byte names), so 512 bytes suffice. */
__attribute__((format(printf, 2, 3))) static int out_printf(struct rep_conn *c, const char *fmt,
							    ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -EINVAL;
	return rep_out_append(c, tmp, (size_t)n);
}

static const char *reason(unsigned int status)
{
	static const struct {
		uint16_t status;
		const char *text;
	} texts[] = {
		{200, "OK"},
		{201, "Created"},
		{202, "Accepted"},
		{204, "No Content"},
		{301, "Moved Permanently"},
		{302, "Found"},
		{304, "Not Modified"},
		{400, "Bad Request"},
		{404, "Not Found"},
		{408, "Request Timeout"},
		{413, "Content Too Large"},
		{414, "URI Too Long"},
		{429, "Too Many Requests"},
		{431, "Request Header Fields Too Large"},
		{500, "Internal Server Error"},
		{501, "Not Implemented"},
		{502, "Bad Gateway"},
		{503, "Service Unavailable"},
		{504, "Gateway Timeout"},
		{505, "HTTP Version Not Supported"},
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].status == status)
			return texts[i].text;
	return "Status";
}

/* The hints header: the models held at @p t, most recently used first, ", " between. */
static int out_hints(struct rep_conn *c, uint64_t t)
{
	struct rep_server *srv = c->srv;
	const uint32_t *idx;
	uint32_t i, n;
	int rc;

	if (srv->opts->no_hints)
		return 0;
	n = rep_sched_held(&srv->sched, t, false, &idx);
	rc = out_printf(c, "%s:", srv->opts->hints_header);
	for (i = 0; i < n && rc == 0; i++) {
		const struct rep_slot *sl = &srv->sched.slots[idx[i]];

		rc = rep_out_append(c, i ? ", " : " ", i ? 2 : 1);
		if (rc == 0)
			rc = rep_out_append(c, sl->model, sl->len);
	}
	return rc ?: rep_out_append(c, "\r\n", 2);
}

int rep_respond(struct rep_conn *c, const struct rep_reply *r)
{
	bool bodyless = r->status == 204 || r->status == 304;
	uint64_t len = r->body ? r->body_len : r->pattern_len;
	int rc;

	if (c->body_left)
		return -EBUSY; /* the previous body is not out yet: a bug in the caller */
	rc = out_printf(c, "HTTP/1.1 %u %s\r\nX-Replica: %s\r\nX-Replica-Cache: %s\r\n", r->status,
			reason(r->status), c->srv->name, rep_cache_name(r->cache));
	rc = rc ?: out_hints(c, r->hints_ns);
	if (rc == 0 && r->echo_body)
		rc = out_printf(c, "X-Body-Bytes: %" PRIu64 "\r\nX-Body-Crc32: 0x%08" PRIx32 "\r\n",
				r->body_len_in, r->body_crc_in);
	if (rc == 0 && !bodyless)
		rc = out_printf(c, "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n", r->ctype,
				len);
	if (rc == 0 && (r->close || r->http10))
		rc = out_printf(c, "Connection: %s\r\n", r->close ? "close" : "keep-alive");
	rc = rc ?: rep_out_append(c, "\r\n", 2);
	if (rc != 0 || bodyless || r->head_only)
		return rc;
	if (r->body != NULL)
		return rep_out_append(c, r->body, r->body_len);
	c->body_left = r->pattern_len;
	c->body_pos = 0;
	return 0;
}

/* A model name as a JSON string; bytes that are not UTF-8 become '?'. */
static json_t *model_json(const struct rep_slot *sl)
{
	char tmp[HL_HTTP1_HINT_MAX + 1];
	json_t *s = json_stringn(sl->model, sl->len);
	uint16_t i;

	if (s != NULL)
		return s;
	for (i = 0; i < sl->len; i++)
		tmp[i] = (unsigned char)sl->model[i] < 0x80 ? sl->model[i] : '?';
	return json_stringn(tmp, sl->len);
}

static json_t *models_json(struct rep_server *srv, uint64_t now, bool loading)
{
	json_t *a = json_array();
	const uint32_t *idx;
	uint32_t i, n = rep_sched_held(&srv->sched, now, loading, &idx);

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, model_json(&srv->sched.slots[idx[i]]));
	return a;
}

static void set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

static void stats_counters(json_t *o, const struct rep_stats *st)
{
	static const struct {
		const char *key;
		size_t off;
	} counters[] = {
		{"requests", offsetof(struct rep_stats, requests)},
		{"hits", offsetof(struct rep_stats, hits)},
		{"misses", offsetof(struct rep_stats, misses)},
		{"loads", offsetof(struct rep_stats, misses)},
		{"evictions", offsetof(struct rep_stats, evictions)},
		{"no_hint", offsetof(struct rep_stats, no_hint)},
		{"cancelled", offsetof(struct rep_stats, cancelled)},
		{"connections_accepted", offsetof(struct rep_stats, conns_accepted)},
		{"connections_open", offsetof(struct rep_stats, conns_open)},
		{"bad_requests", offsetof(struct rep_stats, bad_requests)},
		{"body_bytes", offsetof(struct rep_stats, body_bytes)},
		{"stats_requests", offsetof(struct rep_stats, stats_requests)},
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		set_u64(o, counters[i].key,
			*(const uint64_t *)((const char *)st + counters[i].off));
}

char *rep_stats_json(struct rep_server *srv, uint64_t now)
{
	const struct rep_opts *opts = srv->opts;
	const struct rep_sched *s = &srv->sched;
	json_t *o = json_object(), *listen = json_array();
	char *text = NULL;
	unsigned int i;

	if (o == NULL || listen == NULL)
		goto out;
	json_object_set_new(o, "name", json_string(srv->name));
	for (i = 0; i < srv->nlisten; i++)
		json_array_append_new(listen, json_string(srv->listeners[i].addr));
	json_object_set(o, "listen", listen);
	set_u64(o, "slots", opts->slots);
	set_u64(o, "concurrency", opts->concurrency);
	set_u64(o, "load_ms", opts->load_ms);
	set_u64(o, "service_ms", opts->service_ms);
	stats_counters(o, &srv->st);
	json_object_set_new(o, "queue_ms_total", json_real(srv->st.queue_ns_total / 1e6));
	json_object_set_new(o, "queue_ms_max", json_real(srv->st.queue_ns_max / 1e6));
	set_u64(o, "in_flight", s->queued + s->active);
	set_u64(o, "queued", s->queued);
	set_u64(o, "active", s->active);
	json_object_set_new(o, "held", models_json(srv, now, false));
	json_object_set_new(o, "loading", models_json(srv, now, true));
	json_object_set_new(o, "uptime_ms", json_real((now - srv->start_ns) / 1e6));
	text = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(9));
out:
	json_decref(listen);
	json_decref(o);
	return text;
}

/* @p s with bytes outside visible ASCII, and '%', as %XX: the log stays one word a field. */
static void escape(char *dst, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch > ' ' && ch < 0x7f && ch != '%') {
			*dst++ = (char)ch;
			continue;
		}
		*dst++ = '%';
		*dst++ = hex[ch >> 4];
		*dst++ = hex[ch & 15];
	}
	*dst = '\0';
}

void rep_log_request(struct rep_server *srv, const struct rep_conn *c, uint16_t status)
{
	const struct rep_req *r = &c->req;
	const struct rep_job *j = &r->job;
	char hint[3 * HL_HTTP1_HINT_MAX + 2] = "-", target[3 * REP_TARGET_LOG + 1];

	if (srv->log == NULL)
		return;
	if (j->has_hint)
		escape(hint, j->hint, j->hint_len);
	escape(target, r->target, strlen(r->target));
	fprintf(srv->log,
		"%.3f conn=%" PRIu64 " %s %s hint=%s cache=%s status=%u body=%" PRIu64
		" queue_ms=%.3f\n",
		(j->done_ns - srv->start_ns) / 1e6, c->id, r->method_name, target, hint,
		rep_cache_name(j->cache), status, r->body_len, (j->start_ns - j->arrive_ns) / 1e6);
}
