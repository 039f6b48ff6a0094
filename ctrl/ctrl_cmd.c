/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's commands (docs/CONFIG.md, "Control socket"): one JSON
 * object in — {"cmd": "replica drain", "name": "gpu-1"} — one out, {"ok":
 * true, ...} or {"ok": false, "error": "..."}. Each command checks its
 * arguments and names the bad one. They run on the control thread, the
 * routing core's writer, so they may call its writers directly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_byteorder.h>

#include "ctrl_priv.h"
#include "ctrl_state.h"
#include "hintlb/log.h"

json_t *ctrl_error(const char *fmt, ...)
{
	char msg[512];
	json_t *text;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A name or hint from the request, cut here or in the router's message, may end
	 * inside a UTF-8 character: json_string() refuses that, and a NULL answer would
	 * close the client without one. */
	text = json_string(msg);
	for (char *p = msg; text == NULL && *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	if (text == NULL)
		text = json_string(msg);
	return json_pack("{s:b, s:o}", "ok", 0, "error", text);
}

static json_t *ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static const char *const state_names[] = {"up", "down", "draining"};
static const char *const kind_names[] = {"none", "empty", "list"};

/* The string argument @p key, or NULL with *@p err set. */
static const char *arg_str(json_t *req, const char *key, json_t **err)
{
	json_t *v = json_object_get(req, key);

	if (v == NULL) {
		*err = ctrl_error("missing argument '%s'", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		*err = ctrl_error("argument '%s' must be a string", key);
		return NULL;
	}
	return json_string_value(v);
}

/* The replica named by argument @p key. @return its id, or -1 with *@p err set. */
static int arg_replica(struct hl_ctrl *c, json_t *req, const char *key, json_t **err)
{
	const char *name = arg_str(req, key, err);
	int id;

	if (name == NULL)
		return -1;
	id = hl_replica_find(c->r, name);
	if (id < 0)
		*err = ctrl_error("no replica '%s'", name);
	return id;
}

/*
 * arg_replica() for commands that change a replica: a removed one is down
 * for good (only a reload that lists it again brings it back), so changing
 * its weight, state or hints would answer ok and do nothing.
 */
static int arg_live_replica(struct hl_ctrl *c, json_t *req, const char *key, json_t **err)
{
	int id = arg_replica(c, req, key, err);

	if (id >= 0 && c->rep[id].removed) {
		*err = ctrl_error("replica '%s' was removed",
				  json_string_value(json_object_get(req, key)));
		return -1;
	}
	return id;
}

static json_t *replica_json(const struct hl_replica_info *i)
{
	uint32_t h = i->ipv4; /* host order */
	char addr[32];

	snprintf(addr, sizeof(addr), "%u.%u.%u.%u:%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255,
		 h & 255, i->port);
	return json_pack("{s:i, s:s, s:s, s:i, s:i, s:s, s:s, s:i, s:i}", "id", (int)i->id, "name",
			 i->name, "address", addr, "weight", (int)i->weight, "concurrency",
			 (int)i->concurrency, "state", state_names[i->state % 3], "hints_kind",
			 kind_names[i->hints_kind % 3], "hints", (int)i->n_hints, "inflight",
			 (int)i->inflight);
}

static json_t *cmd_replica_list(struct hl_ctrl *c, json_t *req)
{
	json_t *list = json_array();
	struct hl_replica_info info;

	(void)req;
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++) {
		json_t *one;

		if (hl_replica_get(c->r, id, &info) != 0)
			continue;
		one = replica_json(&info);
		if (c->rep[id].removed) /* down for good; its name stays taken */
			json_object_set_new(one, "state", json_string("removed"));
		json_array_append_new(list, one);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "replicas", list);
}

static json_t *set_state(struct hl_ctrl *c, json_t *req, enum hl_replica_state st)
{
	struct hl_replica_info info;
	json_t *err = NULL;
	int id = arg_live_replica(c, req, "name", &err);

	if (id < 0)
		return err;
	hl_replica_set_state(c->r, (uint32_t)id, st);
	c->rep[id].down = false; /* health starts over from what the operator said */
	c->rep[id].down_until = 0;
	c->rep[id].fails = 0;
	hl_replica_get(c->r, (uint32_t)id, &info);
	HL_LOG(NOTICE, "replica %s: %s (control socket)\n", info.name, state_names[st]);
	return json_pack("{s:b, s:o}", "ok", 1, "replica", replica_json(&info));
}

static json_t *cmd_replica_drain(struct hl_ctrl *c, json_t *req)
{
	return set_state(c, req, HL_REPLICA_DRAINING);
}

static json_t *cmd_replica_undrain(struct hl_ctrl *c, json_t *req)
{
	return set_state(c, req, HL_REPLICA_UP);
}

static json_t *cmd_replica_weight(struct hl_ctrl *c, json_t *req)
{
	json_t *err = NULL, *w = json_object_get(req, "weight");
	int id = arg_live_replica(c, req, "name", &err);
	int rc;

	if (id < 0)
		return err;
	if (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 1000000)
		return ctrl_error("argument 'weight' must be an integer 0..1000000");
	rc = hl_replica_set_weight(c->r, (uint32_t)id, (uint32_t)json_integer_value(w));
	if (rc != 0)
		return ctrl_error("weight: %s", strerror(-rc));
	return cmd_replica_list(c, req);
}

static json_t *cmd_replica_add(struct hl_ctrl *c, json_t *req)
{
	char err_buf[HL_ROUTE_ERR_MAX + 64] = "";
	json_t *err = NULL, *w = json_object_get(req, "weight"),
	       *cc = json_object_get(req, "concurrency");
	const char *name = arg_str(req, "name", &err), *addr;
	struct hl_replica_info info;
	struct hl_cfg_replica p = {.weight = 1};
	int rc;

	if (name == NULL)
		return err;
	addr = arg_str(req, "address", &err);
	if (addr == NULL)
		return err;
	if (hl_parse_endpoint(addr, &p.addr, &p.port) != 0)
		return ctrl_error("argument 'address' '%s' is not A.B.C.D:PORT", addr);
	if (hl_host_problem(p.addr) != NULL)
		return ctrl_error("argument 'address' '%s' %s", addr, hl_host_problem(p.addr));
	if (ctrl_replica_addr_problem(c, p.addr, p.port, err_buf, sizeof(err_buf)) != NULL)
		return ctrl_error("argument 'address' '%s' %s", addr, err_buf);
	if (w != NULL &&
	    (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 1000000))
		return ctrl_error("argument 'weight' must be an integer 0..1000000");
	if (cc != NULL &&
	    (!json_is_integer(cc) || json_integer_value(cc) < 1 || json_integer_value(cc) > 65535))
		return ctrl_error("argument 'concurrency' must be an integer 1..65535");
	if (!hl_replica_name_ok(name)) /* before the workers hear of it */
		return ctrl_error("replica name '%s' must be 1..%d token characters", name,
				  HL_REPLICA_NAME_MAX - 1);
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.weight = w != NULL ? (uint32_t)json_integer_value(w) : 1;
	p.concurrency = cc != NULL ? (uint32_t)json_integer_value(cc) : 0;
	rc = ctrl_replica_add(c, &p, err_buf, sizeof(err_buf));
	if (rc < 0)
		return ctrl_error("%s", err_buf);
	hl_replica_get(c->r, (uint32_t)rc, &info);
	HL_LOG(NOTICE, "replica %s: added at %s (control socket)\n", name, addr);
	return json_pack("{s:b, s:o}", "ok", 1, "replica", replica_json(&info));
}

/* See ctrl_replicas.c: the id stays, the name stays taken. Removing twice is ok. */
static json_t *cmd_replica_remove(struct hl_ctrl *c, json_t *req)
{
	json_t *err = NULL;
	int id = arg_replica(c, req, "name", &err);

	if (id < 0)
		return err;
	ctrl_replica_remove(c, (uint32_t)id);
	HL_LOG(NOTICE, "replica %s: removed (control socket)\n",
	       json_string_value(json_object_get(req, "name")));
	return ok();
}

static json_t *cmd_hints_set(struct hl_ctrl *c, json_t *req)
{
	const char *ptrs[HL_HINTS_PER_REPLICA_MAX];
	size_t lens[HL_HINTS_PER_REPLICA_MAX];
	json_t *err = NULL, *h = json_object_get(req, "hints"), *v;
	int id = arg_live_replica(c, req, "replica", &err);
	size_t i;
	int rc;

	if (id < 0)
		return err;
	if (!json_is_array(h) || json_array_size(h) > HL_HINTS_PER_REPLICA_MAX)
		return ctrl_error("argument 'hints' must be an array of at most %d strings",
				  HL_HINTS_PER_REPLICA_MAX);
	json_array_foreach(h, i, v)
	{
		if (!json_is_string(v))
			return ctrl_error("hints[%zu] is not a string", i);
		ptrs[i] = json_string_value(v);
		lens[i] = json_string_length(v);
		if (!hl_hint_is_list_entry(ptrs[i], lens[i]))
			return ctrl_error(
				"hints[%zu] '%s' is not a hint (1..%d token characters or '/')", i,
				ptrs[i], HL_HINT_MAX_LEN);
	}
	rc = hl_hints_replace(c->r, (uint32_t)id, i == 0 ? HL_HINTS_EMPTY : HL_HINTS_LIST, ptrs,
			      lens, (unsigned)i);
	if (rc < 0)
		return ctrl_error("hints set: %s", strerror(-rc));
	return json_pack("{s:b, s:i}", "ok", 1, "hints", rc);
}

static json_t *cmd_hints_clear(struct hl_ctrl *c, json_t *req)
{
	json_t *err = NULL;
	int id = arg_live_replica(c, req, "replica", &err);

	if (id < 0)
		return err;
	hl_hints_replace(c->r, (uint32_t)id, HL_HINTS_NONE, NULL, NULL, 0);
	return ok();
}

static void hint_to_array(const char *hint, size_t len, void *arg)
{
	json_array_append_new(arg, json_stringn(hint, len));
}

static json_t *replica_hints_json(struct hl_ctrl *c, uint32_t id)
{
	struct hl_replica_info info;
	json_t *list = json_array();

	hl_replica_get(c->r, id, &info);
	hl_hints_get(c->r, id, hint_to_array, list);
	return json_pack("{s:s, s:s, s:o}", "name", info.name, "hints_kind",
			 kind_names[info.hints_kind % 3], "hints", list);
}

/* Each replica's hints as the router holds them (all, or the one named). */
static json_t *cmd_hints_list(struct hl_ctrl *c, json_t *req)
{
	json_t *err = NULL, *out = json_array();

	if (json_object_get(req, "replica") != NULL) {
		int id = arg_replica(c, req, "replica", &err);

		if (id < 0) {
			json_decref(out);
			return err;
		}
		json_array_append_new(out, replica_hints_json(c, (uint32_t)id));
	} else {
		for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++)
			if (!c->rep[id].removed)
				json_array_append_new(out, replica_hints_json(c, id));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "replicas", out);
}

/* The Maglev table: its size and each replica's share of its entries. */
static json_t *cmd_maglev(struct hl_ctrl *c, json_t *req)
{
	uint32_t n = hl_router_replica_count(c->r), size;
	uint32_t *entries = calloc(n ? n : 1, sizeof(*entries));
	struct hl_router_counters rc;
	struct hl_replica_info info;
	json_t *list;

	(void)req;
	if (entries == NULL)
		return ctrl_error("maglev: out of memory");
	size = hl_maglev_entries(c->r, entries, n);
	hl_router_get_counters(c->r, &rc);
	list = json_array();
	for (uint32_t id = 0; id < n; id++) {
		if (c->rep[id].removed || hl_replica_get(c->r, id, &info) != 0)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:i, s:I, s:f}", "name", info.name,
						      "weight", (int)info.weight, "entries",
						      (json_int_t)entries[id], "share",
						      size ? (double)entries[id] / size : 0.0));
	}
	free(entries);
	return json_pack("{s:b, s:I, s:I, s:o}", "ok", 1, "size", (json_int_t)size, "builds",
			 (json_int_t)rc.maglev_builds, "replicas", list);
}

/* Where a request with this hint would go now, and why (nothing is reserved). */
static json_t *cmd_route(struct hl_ctrl *c, json_t *req)
{
	static const char *const why[HL_ROUTE_REASON_COUNT] = {
		[HL_ROUTE_HINT_HIT] = "the replica advertises the hint",
		[HL_ROUTE_HINT_SPILL] =
			"its advertisers are busy, draining or down: the hint's fallback",
		[HL_ROUTE_FALLBACK_HINT] = "nobody advertises the hint: its Maglev preference",
		[HL_ROUTE_FALLBACK_NOHINT] = "no hint: Maglev of the client key",
		[HL_ROUTE_NONE_AVAILABLE] = "no usable replica",
	};
	json_t *h = json_object_get(req, "hint"), *cl = json_object_get(req, "client"),
	       *wk = json_object_get(req, "worker");
	struct hl_route_req rr = {.client_key = 0};
	struct hl_route_result res;
	struct hl_replica_info info = {.name = ""};
	const struct hl_route_worker *like = NULL;
	uint32_t addr = 0;

	if (h != NULL && !json_is_string(h))
		return ctrl_error("argument 'hint' must be a string");
	if (cl != NULL && (!json_is_string(cl) || hl_parse_ipv4(json_string_value(cl), &addr) != 0))
		return ctrl_error("argument 'client' must be an IPv4 address A.B.C.D");
	if (wk != NULL &&
	    (!json_is_integer(wk) || json_integer_value(wk) < 0 || json_integer_value(wk) > 65535))
		return ctrl_error("argument 'worker' must be a worker number");
	if (!c->rw_ok)
		return ctrl_error("route: no routing context (out of memory at start)");
	if (c->dops != NULL && c->dops->route_worker != NULL) {
		like = c->dops->route_worker(c->dops_arg,
					     wk != NULL ? (unsigned)json_integer_value(wk) : 0);
		if (like == NULL && wk != NULL)
			return ctrl_error("no worker %lld", (long long)json_integer_value(wk));
	}
	if (h != NULL) {
		rr.hint = json_string_value(h);
		rr.hint_len = json_string_length(h);
	}
	rr.client_key = hl_route_client_key(addr);
	if (like != NULL) /* what that worker's policy learned, so the answer is its */
		hl_route_worker_mimic(&c->rw, like);
	hl_route_explain(&c->rw, &rr, &res);
	if (res.replica >= 0)
		hl_replica_get(c->r, (uint32_t)res.replica, &info);
	return json_pack("{s:b, s:s, s:s, s:s, s:b, s:i, s:f}", "ok", 1, "replica", info.name,
			 "reason", hl_route_reason_name(res.reason), "why", why[res.reason],
			 "expect_warm", res.expect_warm, "queued_ahead", (int)res.queued_ahead,
			 "est_cost_ms", (double)res.est_cost_ns / 1e6);
}

static json_t *cmd_stats(struct hl_ctrl *c, json_t *req)
{
	const struct hl_ctrl_stats *s = &c->st;
	const struct ctrl_sock_stats *k = &c->sock.st;
	json_t *out = json_pack(
		"{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, "
		"s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}}",
		"ok", 1, "ctrl", "msgs", (json_int_t)s->msgs, "hints_applied",
		(json_int_t)s->hints_applied, "hints_refused", (json_int_t)s->hints_refused,
		"health_events", (json_int_t)s->health_events, "marked_down",
		(json_int_t)s->marked_down, "marked_up", (json_int_t)s->marked_up, "bad_msgs",
		(json_int_t)s->bad_msgs, "hints_apply_ns_p50",
		(json_int_t)hl_ctrl_hints_latency(c, 0.5), "hints_apply_ns_p99",
		(json_int_t)hl_ctrl_hints_latency(c, 0.99), "hints_apply_ns_max",
		(json_int_t)hl_ctrl_hints_latency(c, 1.0), "socket", "accepted",
		(json_int_t)k->accepted, "refused_full", (json_int_t)k->refused_full, "requests",
		(json_int_t)k->requests, "errors", (json_int_t)k->errors, "bad_json",
		(json_int_t)k->bad_json, "too_long", (json_int_t)k->too_long, "timeouts",
		(json_int_t)k->timeouts, "clients", (int)c->sock.n_clients);

	(void)req;
	if (c->stats_fn != NULL)
		c->stats_fn(c->stats_arg, out);
	return out;
}

static const struct {
	const char *cmd;
	json_t *(*fn)(struct hl_ctrl *c, json_t *req);
	const char *usage;
} commands[] = {
	{"replica list", cmd_replica_list, "{}"},
	{"replica drain", cmd_replica_drain, "{\"name\": REPLICA}"},
	{"replica undrain", cmd_replica_undrain, "{\"name\": REPLICA}"},
	{"replica weight", cmd_replica_weight, "{\"name\": REPLICA, \"weight\": 0..1000000}"},
	{"replica add", cmd_replica_add, "{\"name\": NAME, \"address\": \"A.B.C.D:PORT\"}"},
	{"replica remove", cmd_replica_remove, "{\"name\": REPLICA}"},
	{"hints set", cmd_hints_set, "{\"replica\": REPLICA, \"hints\": [HINT, ...]}"},
	{"hints clear", cmd_hints_clear, "{\"replica\": REPLICA}"},
	{"hints list", cmd_hints_list, "{} or {\"replica\": REPLICA}"},
	{"maglev", cmd_maglev, "{}"},
	{"route", cmd_route, "{\"hint\": HINT, \"client\": A.B.C.D, \"worker\": N}"},
	{"stats", cmd_stats, "{}"},
};

json_t *ctrl_dispatch(void *arg, json_t *req)
{
	struct hl_ctrl *c = arg;
	json_t *cmd = json_object_get(req, "cmd");
	char known[640] = "";
	size_t len = 0;

	if (!json_is_string(cmd))
		return ctrl_error("missing string 'cmd' (e.g. {\"cmd\":\"replica list\"})");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(json_string_value(cmd), commands[i].cmd) == 0)
			return commands[i].fn(c, req);
		if (len < sizeof(known)) /* a list too long for the buffer is cut, not overrun */
			len += (size_t)snprintf(known + len, sizeof(known) - len, "%s'%s'",
						i ? ", " : "", commands[i].cmd);
	}
	if (c->dops != NULL && c->dops->command != NULL) {
		json_t *r = c->dops->command(c->dops_arg, json_string_value(cmd), req);

		if (r != NULL)
			return r;
	}
	return ctrl_error("unknown command '%s' (known: %s, 'config', 'xdp', 'reload')",
			  json_string_value(cmd), known);
}
