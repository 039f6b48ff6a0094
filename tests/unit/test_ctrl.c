/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket without the socket: its line reader (ctrl_client_feed,
 * ctrl_socket.c) and its commands (ctrl_dispatch, ctrl_cmd.c), on a real
 * router, a real struct hl_ctrl from hl_ctrl_create() and a real ring and
 * message pool.
 *
 * Commands are tables of rows {request line, ok?, what the answer must say}
 * run in order through the line reader on one fixture, so a row may build on
 * the rows before it (add, then add the same name again). A new command gets
 * a table of its own and one cmocka_unit_test line in main(). What commands
 * do to the router is asserted on the router itself (hl_replica_get,
 * hl_route_explain), not only on their answers.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctrl_state.h"
#include "hintlb/ctrl_msg.h"
#include "hintlb/route.h"
#include "route_harness.h"

#define N_START      3 /* r0..r2, 10.0.0.1..3:8000, weight 1 */
#define MAX_REPLICAS 6
#define NOW          1000000 /* ms: the clock the tests feed with */

struct fx {
	struct hl_config *cfg;
	struct hl_router *r;
	struct rte_ring *ring;
	struct rte_mempool *msgs;
	struct hl_ctrl *c;
	struct ctrl_client cl;     /* one client's buffers (no fd) */
	struct hl_route_worker *w; /* the test's own reader for hl_route_explain */
	unsigned msgs_avail;       /* the pool's count at start */
};

static int fx_setup(void **state)
{
	struct hl_router_params rp = {.name = "test_ctrl", .max_replicas = MAX_REPLICAS};
	char err[HL_ROUTE_ERR_MAX], name[16];
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = f;
	f->cl.fd = -1;
	f->cfg = calloc(1, sizeof(*f->cfg));
	assert_non_null(f->cfg);
	f->cfg->routing.max_replicas = MAX_REPLICAS;
	/* hintlb's own addresses, which no replica may have */
	f->cfg->n_ports = 1;
	snprintf(f->cfg->ports[0].name, sizeof(f->cfg->ports[0].name), "net_af_xdp0");
	f->cfg->ports[0].addr = htonl(0x0a000064); /* 10.0.0.100 */
	f->cfg->n_listeners = 1;
	snprintf(f->cfg->listeners[0].name, sizeof(f->cfg->listeners[0].name), "web");
	f->cfg->listeners[0].vip = htonl(0x0a0000c8); /* 10.0.0.200 */
	f->r = rh_router_track(hl_router_create(&rp, err, sizeof(err)));
	if (f->r == NULL)
		fail_msg("hl_router_create: %s", err);
	for (uint32_t i = 0; i < N_START; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		struct hl_replica_params p = {
			.name = name, .ipv4 = 0x0a000001 + i, .port = 8000, .weight = 1};
		if (hl_replica_add(f->r, &p, err, sizeof(err)) != (int)i)
			fail_msg("hl_replica_add %s: %s", name, err);
	}
	f->ring = rte_ring_create("test_ctrl", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	f->msgs = rte_mempool_create("test_ctrl", 63, sizeof(struct hl_ctrl_msg), 0, 0, NULL, NULL,
				     NULL, NULL, SOCKET_ID_ANY, 0);
	assert_non_null(f->ring);
	assert_non_null(f->msgs);
	f->msgs_avail = rte_mempool_avail_count(f->msgs);
	f->c = hl_ctrl_create(f->r, f->cfg, f->ring, f->msgs);
	assert_non_null(f->c);
	/* what hl_ctrl_open_socket() does, without the socket */
	f->c->sock.handler = ctrl_dispatch;
	f->c->sock.arg = f->c;
	f->w = rh_worker_new(f->r, false);
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	/* every message taken off the ring went back to the pool */
	if (f->msgs != NULL)
		assert_int_equal(rte_mempool_avail_count(f->msgs), f->msgs_avail);
	ctrl_client_release(&f->cl);
	hl_ctrl_free(f->c);
	rh_teardown(NULL); /* the worker, then the router */
	rte_mempool_free(f->msgs);
	rte_ring_free(f->ring);
	free(f->cfg);
	free(f);
	return 0;
}

/* ---- the client's side ---- */

static bool feed_at(struct fx *f, const char *buf, size_t n, uint64_t now)
{
	return ctrl_client_feed(&f->c->sock, &f->cl, buf, n, now);
}

static bool feed(struct fx *f, const char *buf, size_t n)
{
	return feed_at(f, buf, n, NOW);
}

/* Take the answers queued for the client (as if written): each is one line holding one
 * JSON object with a boolean "ok". @return how many, into @p out (owned by the caller). */
static size_t take_answers(struct fx *f, json_t **out, size_t max)
{
	size_t n = 0, off = 0;

	while (off < f->cl.out_len) {
		const char *line = f->cl.out + off;
		const char *nl = memchr(line, '\n', f->cl.out_len - off);
		json_error_t jerr;
		json_t *j;

		assert_non_null(nl);
		j = json_loadb(line, (size_t)(nl - line), 0, &jerr);
		if (j == NULL)
			fail_msg("answer %zu is not JSON (%s): %.*s", n, jerr.text,
				 (int)(nl - line), line);
		assert_true(json_is_object(j) && json_is_boolean(json_object_get(j, "ok")));
		if (n < max)
			out[n] = j;
		else
			json_decref(j);
		n++;
		off = (size_t)(nl + 1 - f->cl.out);
	}
	f->cl.out_len = f->cl.out_off = 0;
	return n;
}

static void drop_answers(json_t **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(a[i]);
}

/* Send one request line; it must get exactly one answer (returned, owned). */
static json_t *ask(struct fx *f, const char *line)
{
	json_t *a[2];
	size_t n;

	if (!feed(f, line, strlen(line)) || !feed(f, "\n", 1))
		fail_msg("the client was dropped after: %s", line);
	n = take_answers(f, a, 2);
	if (n != 1) {
		drop_answers(a, RTE_MIN(n, (size_t)2));
		fail_msg("%zu answers to: %s", n, line);
	}
	return a[0];
}

/* The value at @p path ("replicas.1.weight": object keys and array indexes), or NULL. */
static json_t *at(json_t *j, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k != NULL && j != NULL;
	     k = strtok_r(NULL, ".", &save))
		j = json_is_array(j) ? json_array_get(j, strtoul(k, NULL, 10))
				     : json_object_get(j, k);
	return j;
}

/* A JSON value as the tables write it: a string's text, a number's digits, true/false. */
static void text_of(json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%g", json_real_value(v));
	else
		snprintf(buf, len, "%s",
			 json_is_true(v)    ? "true"
			 : json_is_false(v) ? "false"
					    : "null");
}

/* ---- the tables ---- */

struct ctrl_case {
	/* One request line, without its '\n'. Rows write JSON's " as ' (no request here needs
	 * a '), for legibility; the runner swaps them back. */
	const char *req;
	bool ok; /* the answer's "ok" */
	/* ok: "PATH" the answer must have, or "PATH=VALUE" (VALUE as text_of() writes it).
	 * Not ok: a substring of its "error". NULL: nothing more. */
	const char *want;
};

/* NULL: @p resp says what @p row wants; else why not (static). */
static const char *check_row(const struct ctrl_case *row, json_t *resp)
{
	static char why[768];
	json_t *err = json_object_get(resp, "error");
	char path[128], got[256];
	const char *eq;
	json_t *v;

	if (json_is_true(json_object_get(resp, "ok")) != row->ok)
		return row->ok ? "refused" : "accepted";
	if (!row->ok) {
		if (!json_is_string(err) || json_object_size(resp) != 2)
			return "an error answer is {\"ok\":false,\"error\":STRING}";
		if (row->want != NULL && strstr(json_string_value(err), row->want) == NULL) {
			snprintf(why, sizeof(why), "the error does not say \"%s\"", row->want);
			return why;
		}
		return NULL;
	}
	if (err != NULL)
		return "an ok answer has an error";
	if (row->want == NULL)
		return NULL;
	eq = strchr(row->want, '=');
	snprintf(path, sizeof(path), "%.*s", (int)(eq ? eq - row->want : (int)strlen(row->want)),
		 row->want);
	v = at(resp, path);
	if (v == NULL) {
		snprintf(why, sizeof(why), "no %s", path);
		return why;
	}
	text_of(v, got, sizeof(got));
	if (eq != NULL && strcmp(got, eq + 1) != 0) {
		snprintf(why, sizeof(why), "%s is %s, want %s", path, got, eq + 1);
		return why;
	}
	return NULL;
}

static void run_table(struct fx *f, const char *table, const struct ctrl_case *rows, size_t n)
{
	uint64_t requests = f->c->sock.st.requests;

	for (size_t i = 0; i < n; i++) {
		char *line = strdup(rows[i].req);
		json_t *resp;
		const char *why;

		assert_non_null(line);
		for (char *p = line; *p != '\0'; p++)
			if (*p == '\'')
				*p = '"';
		resp = ask(f, line);
		why = check_row(&rows[i], resp);
		if (why != NULL) {
			char *text = json_dumps(resp, JSON_COMPACT);

			print_error("%s row %zu: %s\n  -> %s\n  %s\n", table, i, line, text, why);
			free(text);
			json_decref(resp);
			free(line);
			fail();
		}
		json_decref(resp);
		free(line);
	}
	/* every row was one request */
	assert_int_equal(f->c->sock.st.requests - requests, n);
}

#define RUN_TABLE(f, rows) run_table(f, #rows, rows, RTE_DIM(rows))

/* Long strings for the tables. */
#define X5     "xxxxx"
#define X50    X5 X5 X5 X5 X5 X5 X5 X5 X5 X5
#define X100   X50 X50
#define X255   X100 X100 X50 X5
#define X256   X255 "x"
#define X300   X100 X100 X100
#define E10    "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9" /* é: 2 bytes */
#define E73    E10 E10 E10 E10 E10 E10 E10 "\u00e9\u00e9\u00e9"
#define E100   E10 E10 E10 E10 E10 E10 E10 E10 E10 E10
#define E300   E100 E100 E100
#define NAME63 X50 "xxxxxxxxxxxxx"

/* Framing and dispatch: what every request goes through before its command. */
static const struct ctrl_case envelope_rows[] = {
	{"", false, "bad JSON"},
	{"\r", false, "bad JSON"},
	{"not json", false, "bad JSON"},
	{"{'cmd':", false, "bad JSON"},
	{"{'cmd':'stats'} {}", false, "bad JSON"}, /* one object per line */
	{"{'cmd':'stats',}", false, "bad JSON"},
	{"{'cmd':'st\\u0000ats'}", false, "bad JSON"}, /* NUL in a string */
	{"{'cmd':'\xff'}", false, "bad JSON"},         /* not UTF-8 */
	{"'replica list'", false, "bad JSON"},
	{"42", false, "bad JSON"},
	{"[{'cmd':'stats'}]", false, "a request is a JSON object"},
	{"[]", false, "a request is a JSON object"},
	{"{}", false, "missing string 'cmd'"},
	{"{'command':'stats'}", false, "missing string 'cmd'"},
	{"{'cmd':7}", false, "missing string 'cmd'"},
	{"{'cmd':null}", false, "missing string 'cmd'"},
	{"{'cmd':true}", false, "missing string 'cmd'"},
	{"{'cmd':['stats']}", false, "missing string 'cmd'"},
	{"{'cmd':{'name':'stats'}}", false, "missing string 'cmd'"},
	{"{'cmd':'nope'}", false, "unknown command 'nope' (known: 'replica list'"},
	{"{'cmd':''}", false, "unknown command ''"},
	{"{'cmd':'replica'}", false, "unknown command 'replica'"},
	{"{'cmd':'Replica List'}", false, "unknown command"},
	{"{'cmd':'replica list '}", false, "unknown command"},
	{"{'cmd':'replica  list'}", false, "unknown command"},
	{"{'cmd':'config'}", false, "unknown command 'config'"}, /* the daemon's: none here */
	{"{'cmd':'x" E300 "'}", false, "unknown command 'x"},
	{"{'cmd':'replica list'}", true, "replicas.2.name=r2"},
	{"{'cmd':'replica list'}\r", true, "replicas.0.name=r0"},           /* CRLF */
	{" \t{ 'cmd' :\r'replica list' } ", true, "replicas.1.name=r1"},    /* JSON whitespace */
	{"{'cmd':'replica list','extra':[1,{}]}", true, "replicas.0.id=0"}, /* extra: ignored */
	{"{'cmd':'stats','cmd':'replica list'}", true, "replicas"},         /* the last one */
	{"{'cmd':'stats'}", true, "socket.requests"},
};

static void test_envelope(void **state)
{
	struct fx *f = *state;
	uint64_t bad_json = f->c->sock.st.bad_json, errors = f->c->sock.st.errors;

	RUN_TABLE(f, envelope_rows);
	/* rows 0..11 never reach the handler; its refusals are `errors` */
	assert_int_equal(f->c->sock.st.bad_json - bad_json, 12);
	assert_int_equal(f->c->sock.st.errors - errors, RTE_DIM(envelope_rows) - 12 - 6);
}

static const struct ctrl_case replica_state_rows[] = {
	{"{'cmd':'replica list'}", true, "replicas.1.state=up"},
	{"{'cmd':'replica list'}", true, "replicas.2.address=10.0.0.3:8000"},
	{"{'cmd':'replica drain','name':'r1'}", true, "replica.state=draining"},
	{"{'cmd':'replica drain','name':'r1'}", true, "replica.name=r1"}, /* again: no change */
	{"{'cmd':'replica list'}", true, "replicas.1.state=draining"},
	{"{'cmd':'replica undrain','name':'r1'}", true, "replica.state=up"},
	{"{'cmd':'replica undrain','name':'r1'}", true, "replica.state=up"},
	{"{'cmd':'replica drain'}", false, "missing argument 'name'"},
	{"{'cmd':'replica drain','replica':'r1'}", false, "missing argument 'name'"},
	{"{'cmd':'replica drain','name':7}", false, "argument 'name' must be a string"},
	{"{'cmd':'replica drain','name':null}", false, "argument 'name' must be a string"},
	{"{'cmd':'replica drain','name':['r1']}", false, "argument 'name' must be a string"},
	{"{'cmd':'replica drain','name':{'r1':1}}", false, "argument 'name' must be a string"},
	{"{'cmd':'replica drain','name':'nope'}", false, "no replica 'nope'"},
	{"{'cmd':'replica drain','name':''}", false, "no replica ''"},
	{"{'cmd':'replica drain','name':'R1'}", false, "no replica 'R1'"},
	{"{'cmd':'replica drain','name':' r1'}", false, "no replica ' r1'"},
	{"{'cmd':'replica drain','name':'" X300 "'}", false, "no replica 'xxx"},
	{"{'cmd':'replica drain','name':'" E300 "'}", false, "no replica '"},
	{"{'cmd':'replica undrain'}", false, "missing argument 'name'"},
	{"{'cmd':'replica undrain','name':1}", false, "must be a string"},
	{"{'cmd':'replica undrain','name':'nope'}", false, "no replica 'nope'"},
	{"{'cmd':'replica list'}", true, "replicas.1.state=up"}, /* the refusals changed nothing */
	/* weight */
	{"{'cmd':'replica weight','name':'r1','weight':7}", true, "replicas.1.weight=7"},
	{"{'cmd':'replica weight','name':'r1','weight':-1}", false,
	 "'weight' must be an integer 0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':1000001}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':9223372036854775807}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':-9223372036854775808}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':99999999999999999999}", false, "bad JSON"},
	{"{'cmd':'replica weight','name':'r1','weight':1.5}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':1.0}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':1e3}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':'3'}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':null}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':true}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':[3]}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'r1'}", false, "0..1000000"},
	{"{'cmd':'replica weight','name':'nope','weight':3}", false, "no replica 'nope'"},
	{"{'cmd':'replica weight','name':5,'weight':3}", false, "argument 'name' must be a string"},
	{"{'cmd':'replica weight','weight':3}", false, "missing argument 'name'"},
	{"{'cmd':'replica list'}", true, "replicas.1.weight=7"}, /* the refusals changed nothing */
	{"{'cmd':'replica weight','name':'r1','weight':0}", true, "replicas.1.weight=0"},
	{"{'cmd':'replica weight','name':'r1','weight':1000000}", true,
	 "replicas.1.weight=1000000"},
	{"{'cmd':'replica weight','name':'r1','weight':1}", true, "replicas.1.weight=1"},
};

static void test_replica_state(void **state)
{
	RUN_TABLE((struct fx *)*state, replica_state_rows);
}

static const struct ctrl_case replica_add_rows[] = {
	{"{'cmd':'replica add','name':'r3','address':'10.0.0.4:8080'}", true,
	 "replica.address=10.0.0.4:8080"},
	{"{'cmd':'replica list'}", true, "replicas.3.weight=1"},
	{"{'cmd':'replica list'}", true, "replicas.3.concurrency=1"},
	{"{'cmd':'replica add','name':'r3','address':'10.0.0.5:80'}", false, "replica 'r3' exists"},
	{"{'cmd':'replica add','name':'r0','address':'10.0.0.5:80'}", false, "replica 'r0' exists"},
	{"{'cmd':'replica add','address':'10.0.0.9:80'}", false, "missing argument 'name'"},
	{"{'cmd':'replica add','name':7,'address':'10.0.0.9:80'}", false,
	 "argument 'name' must be a string"},
	{"{'cmd':'replica add','name':'r9'}", false, "missing argument 'address'"},
	{"{'cmd':'replica add','name':'r9','address':7}", false,
	 "argument 'address' must be a string"},
	{"{'cmd':'replica add','name':'r9','address':['10.0.0.9:80']}", false,
	 "argument 'address' must be a string"},
	/* addresses */
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9'}", false,
	 "'address' '10.0.0.9' is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:0'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:65536'}", false,
	 "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:-1'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:+80'}", false,
	 "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:8o'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80:80'}", false,
	 "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'256.1.1.1:80'}", false,
	 "'256.1.1.1:80' is not"},
	{"{'cmd':'replica add','name':'r9','address':'a.b.c.d:80'}", false, "'a.b.c.d:80' is not"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.9:80'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'010.0.0.9:80'}", false,
	 "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':' 10.0.0.9:80'}", false,
	 "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':':80'}", false, "is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':''}", false,
	 "'address' '' is not A.B.C.D:PORT"},
	{"{'cmd':'replica add','name':'r9','address':'0.0.0.0:80'}", false, "unspecified"},
	{"{'cmd':'replica add','name':'r9','address':'127.0.0.1:80'}", false, "loopback"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.100:80'}", false,
	 "'10.0.0.100:80' is [port net_af_xdp0]'s address"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.200:8080'}", false,
	 "'10.0.0.200:8080' is [listener web]'s VIP"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.2:8000'}", false,
	 "'10.0.0.2:8000' is also replica 'r1''s"},
	{"{'cmd':'replica add','name':'r9','address':'224.0.0.1:80'}", false, "multicast"},
	{"{'cmd':'replica add','name':'r9','address':'255.255.255.255:80'}", false, "broadcast"},
	/* weight and concurrency */
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','weight':-1}", false,
	 "'weight' must be an integer 0..1000000"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','weight':1000001}", false,
	 "0..1000000"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','weight':1.5}", false,
	 "0..1000000"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','weight':'3'}", false,
	 "0..1000000"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','weight':null}", false,
	 "0..1000000"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','concurrency':0}", false,
	 "'concurrency' must be an integer 1..65535"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','concurrency':65536}", false,
	 "1..65535"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','concurrency':-1}", false,
	 "1..65535"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','concurrency':2.5}", false,
	 "1..65535"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:80','concurrency':'2'}", false,
	 "1..65535"},
	/* names the router refuses */
	{"{'cmd':'replica add','name':'','address':'10.0.0.9:80'}", false, "token characters"},
	{"{'cmd':'replica add','name':'r 9','address':'10.0.0.9:80'}", false, "token characters"},
	{"{'cmd':'replica add','name':'r9/a','address':'10.0.0.9:80'}", false, "token characters"},
	{"{'cmd':'replica add','name':'" X100 "','address':'10.0.0.9:80'}", false,
	 "token characters"},
	{"{'cmd':'replica add','name':'" NAME63 "x','address':'10.0.0.9:80'}", false,
	 "token characters"},
	/* the message is cut inside a character: still an answer */
	{"{'cmd':'replica add','name':'" E300 "','address':'10.0.0.9:80'}", false,
	 "replica name '"},
	{"{'cmd':'replica add','name':'" E73 "','address':'10.0.0.9:80'}", false,
	 "' must be 1..63 token characters"},
	{"{'cmd':'replica list'}", true, "replicas.3.name=r3"}, /* the refusals added nothing */
	/* the bounds are in */
	{"{'cmd':'replica add','name':'" NAME63
	 "','address':'10.0.0.5:65535','weight':0,'concurrency':65535}",
	 true, "replica.concurrency=65535"},
	{"{'cmd':'replica "
	 "add','name':'r5','address':'10.0.0.6:1','weight':1000000,'concurrency':1}",
	 true, "replica.weight=1000000"},
	{"{'cmd':'replica add','name':'r6','address':'10.0.0.7:80'}", false,
	 "no room: [routing] max_replicas is 6"},
	/* remove: down for good, its name stays taken */
	{"{'cmd':'replica remove','name':'r3'}", true, "ok=true"},
	{"{'cmd':'replica list'}", true, "replicas.3.state=removed"},
	{"{'cmd':'replica list'}", true, "replicas.3.weight=0"},
	{"{'cmd':'replica list'}", true, "replicas.3.hints_kind=none"},
	{"{'cmd':'replica remove','name':'r3'}", true, NULL},
	{"{'cmd':'replica add','name':'r3','address':'10.0.0.4:8080'}", false,
	 "replica 'r3' exists"},
	{"{'cmd':'replica drain','name':'r3'}", false, "replica 'r3' was removed"},
	{"{'cmd':'replica undrain','name':'r3'}", false, "replica 'r3' was removed"},
	{"{'cmd':'replica weight','name':'r3','weight':5}", false, "replica 'r3' was removed"},
	{"{'cmd':'hints set','replica':'r3','hints':['m']}", false, "replica 'r3' was removed"},
	{"{'cmd':'hints clear','replica':'r3'}", false, "replica 'r3' was removed"},
	{"{'cmd':'replica list'}", true, "replicas.3.weight=0"},
	{"{'cmd':'replica list'}", true, "replicas.3.hints_kind=none"},
	{"{'cmd':'replica list'}", true, "replicas.3.state=removed"},
	{"{'cmd':'replica remove','name':'nope'}", false, "no replica 'nope'"},
	{"{'cmd':'replica remove'}", false, "missing argument 'name'"},
	{"{'cmd':'replica remove','name':1}", false, "argument 'name' must be a string"},
};

static void test_replica_add_remove(void **state)
{
	RUN_TABLE((struct fx *)*state, replica_add_rows);
}

static const struct ctrl_case hints_rows[] = {
	{"{'cmd':'hints set','replica':'r1','hints':['flux-dev','fal-ai/sdxl']}", true, "hints=2"},
	{"{'cmd':'replica list'}", true, "replicas.1.hints_kind=list"},
	{"{'cmd':'route','hint':'fal-ai/sdxl'}", true, "replica=r1"},
	{"{'cmd':'route','hint':'fal-ai/sdxl'}", true, "reason=hint_hit"},
	{"{'cmd':'hints set','replica':'r1','hints':[]}", true, "hints=0"},
	{"{'cmd':'replica list'}", true, "replicas.1.hints_kind=empty"},
	{"{'cmd':'hints set','replica':'r1','hints':['a','a','b']}", true, "hints=2"},
	{"{'cmd':'hints set','replica':'r1','hints':['" X255 "']}", true, "hints=1"},
	{"{'cmd':'route','hint':'" X255 "'}", true, "replica=r1"},
	{"{'cmd':'hints set','replica':'r1','hints':['" X256 "']}", false, "hints[0] 'xxx"},
	{"{'cmd':'hints set','replica':'r1','hints':['" X300 "']}", false, "is not a hint (1..255"},
	{"{'cmd':'hints set','replica':'r1','hints':['ok','" X300 "']}", false, "hints[1]"},
	{"{'cmd':'hints set','replica':'r1','hints':['" E300 "']}", false, "hints[0]"},
	{"{'cmd':'hints set','replica':'r1','hints':['a b']}", false,
	 "hints[0] 'a b' is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['a,b']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['a\\tb']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['a\\nb']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['a\\\"b']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['\\u00e9']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':['']}", false, "hints[0] '' is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':[' a']}", false, "is not a hint"},
	{"{'cmd':'hints set','replica':'r1','hints':[1]}", false, "hints[0] is not a string"},
	{"{'cmd':'hints set','replica':'r1','hints':['a',null]}", false,
	 "hints[1] is not a string"},
	{"{'cmd':'hints set','replica':'r1','hints':[['a']]}", false, "hints[0] is not a string"},
	{"{'cmd':'hints set','replica':'r1','hints':[{'a':1}]}", false, "hints[0] is not a string"},
	{"{'cmd':'hints set','replica':'r1','hints':{'a':1}}", false,
	 "'hints' must be an array of at most 256 strings"},
	{"{'cmd':'hints set','replica':'r1','hints':'a'}", false, "'hints' must be an array"},
	{"{'cmd':'hints set','replica':'r1','hints':null}", false, "'hints' must be an array"},
	{"{'cmd':'hints set','replica':'r1'}", false, "'hints' must be an array"},
	{"{'cmd':'hints set','hints':['a']}", false, "missing argument 'replica'"},
	{"{'cmd':'hints set','name':'r1','hints':['a']}", false, "missing argument 'replica'"},
	{"{'cmd':'hints set','replica':1,'hints':['a']}", false,
	 "argument 'replica' must be a string"},
	{"{'cmd':'hints set','replica':'nope','hints':['a']}", false, "no replica 'nope'"},
	{"{'cmd':'replica list'}", true, "replicas.1.hints=1"}, /* the refusals changed nothing */
	{"{'cmd':'hints clear','replica':'r1'}", true, "ok=true"},
	{"{'cmd':'replica list'}", true, "replicas.1.hints_kind=none"},
	{"{'cmd':'replica list'}", true, "replicas.1.hints=0"},
	{"{'cmd':'hints clear','replica':'r1'}", true, NULL},
	{"{'cmd':'hints clear'}", false, "missing argument 'replica'"},
	{"{'cmd':'hints clear','replica':['r1']}", false, "argument 'replica' must be a string"},
	{"{'cmd':'hints clear','replica':'nope'}", false, "no replica 'nope'"},
};

static void test_hints(void **state)
{
	RUN_TABLE((struct fx *)*state, hints_rows);
}

static const struct ctrl_case route_stats_rows[] = {
	{"{'cmd':'route'}", true, "reason=fallback_nohint"},
	{"{'cmd':'route','hint':''}", true, "reason=fallback_nohint"},
	{"{'cmd':'route','hint':'" X300 "'}", true, "reason=fallback_nohint"},  /* too long */
	{"{'cmd':'route','hint':'a\\u0001b'}", true, "reason=fallback_nohint"}, /* a CTL */
	{"{'cmd':'route','hint':'flux'}", true, "reason=fallback_hint"},
	{"{'cmd':'route','hint':'a b'}", true, "reason=fallback_hint"}, /* no list has it */
	{"{'cmd':'route','hint':'flux'}", true, "expect_warm=false"},
	{"{'cmd':'route','hint':'flux'}", true, "queued_ahead=0"},
	{"{'cmd':'route','hint':'flux'}", true, "why"},
	{"{'cmd':'route','hint':'flux'}", true, "est_cost_ms"},
	{"{'cmd':'hints set','replica':'r2','hints':['flux']}", true, "hints=1"},
	{"{'cmd':'route','hint':'flux'}", true, "replica=r2"},
	{"{'cmd':'route','hint':'flux'}", true, "expect_warm=true"},
	{"{'cmd':'replica drain','name':'r2'}", true, NULL},
	{"{'cmd':'route','hint':'flux'}", true, "expect_warm=false"}, /* not to r2 */
	{"{'cmd':'route','hint':7}", false, "argument 'hint' must be a string"},
	{"{'cmd':'route','hint':null}", false, "argument 'hint' must be a string"},
	{"{'cmd':'route','hint':['flux']}", false, "argument 'hint' must be a string"},
	{"{'cmd':'stats'}", true, "ctrl.msgs=0"},
	{"{'cmd':'stats'}", true, "ctrl.hints_apply_ns_p99=0"},
	{"{'cmd':'stats'}", true, "socket.clients=0"},
	{"{'cmd':'stats','verbose':true}", true, "socket.too_long=0"},
	{"{'cmd':'nope'}", false, NULL},
	{"[]", false, NULL},
	/* the rows before: 24 requests, 4 refused by commands, one not an object */
	{"{'cmd':'stats'}", true, "socket.requests=25"},
	{"{'cmd':'stats'}", true, "socket.errors=4"},
	{"{'cmd':'stats'}", true, "socket.bad_json=1"},
};

static void test_route_stats(void **state)
{
	RUN_TABLE((struct fx *)*state, route_stats_rows);
}

static const struct ctrl_case listing_rows[] = {
	{"{'cmd':'hints set','replica':'r1','hints':['flux-dev','fal-ai/sdxl']}", true, "hints=2"},
	{"{'cmd':'hints set','replica':'r2','hints':[]}", true, "hints=0"},
	{"{'cmd':'hints list','replica':'r1'}", true, "replicas.0.name=r1"},
	{"{'cmd':'hints list','replica':'r1'}", true, "replicas.0.hints_kind=list"},
	{"{'cmd':'hints list'}", true, "replicas.2.hints_kind=empty"},
	{"{'cmd':'hints list'}", true, "replicas.0.hints_kind=none"},
	{"{'cmd':'hints list','replica':'nope'}", false, "no replica 'nope'"},
	{"{'cmd':'hints list','replica':3}", false, "argument 'replica' must be a string"},
	{"{'cmd':'replica remove','name':'r0'}", true, NULL},
	{"{'cmd':'hints list'}", true, "replicas.0.name=r1"}, /* removed ones are left out */
	{"{'cmd':'maglev'}", true, "size=65537"},
	{"{'cmd':'maglev'}", true, "replicas.0.name=r1"},
	{"{'cmd':'maglev'}", true, "replicas.1.weight=1"},
	{"{'cmd':'replica weight','name':'r2','weight':0}", true, NULL},
	{"{'cmd':'maglev'}", true, "replicas.1.entries=0"},
	{"{'cmd':'maglev'}", true, "replicas.0.entries=65537"},
	{"{'cmd':'route','client':'10.77.0.1'}", true, "reason=fallback_nohint"},
	{"{'cmd':'route','client':'10.77.0.1'}", true, "replica=r1"}, /* the only weight */
	{"{'cmd':'route','hint':'flux-dev','client':'10.77.0.1'}", true, "reason=hint_hit"},
	{"{'cmd':'route','client':'300.1.1.1'}", false,
	 "argument 'client' must be an IPv4 address"},
	{"{'cmd':'route','client':17}", false, "argument 'client' must be an IPv4 address"},
	{"{'cmd':'route','worker':-1}", false, "argument 'worker' must be a worker number"},
	{"{'cmd':'route','worker':'0'}", false, "argument 'worker' must be a worker number"},
};

static void test_listing(void **state)
{
	RUN_TABLE((struct fx *)*state, listing_rows);
}

/* ---- what the commands do to the router ---- */

static struct hl_route_result explain(struct fx *f, const char *hint, uint64_t key)
{
	struct hl_route_req rq = {
		.hint = hint, .hint_len = hint ? strlen(hint) : 0, .client_key = key};
	struct hl_route_result res;

	hl_route_explain(f->w, &rq, &res);
	return res;
}

static struct hl_replica_info info_of(struct fx *f, uint32_t id)
{
	struct hl_replica_info i;

	assert_int_equal(hl_replica_get(f->r, id, &i), 0);
	return i;
}

static void expect_ok(struct fx *f, const char *line)
{
	json_t *a = ask(f, line);

	if (!json_is_true(json_object_get(a, "ok")))
		fail_msg("%s: %s", line, json_string_value(json_object_get(a, "error")));
	json_decref(a);
}

/* How many of @p n client keys (no hint) route to @p id. */
static unsigned keys_to(struct fx *f, int32_t id, unsigned n)
{
	unsigned hits = 0;

	for (uint64_t k = 0; k < n; k++)
		hits += explain(f, NULL, k * 0x9e3779b97f4a7c15ull).replica == id;
	return hits;
}

static void test_drain_effect(void **state)
{
	struct fx *f = *state;

	assert_true(keys_to(f, 1, 300) > 0);
	expect_ok(f, "{\"cmd\":\"replica drain\",\"name\":\"r1\"}");
	assert_int_equal(info_of(f, 1).state, HL_REPLICA_DRAINING);
	assert_int_equal(keys_to(f, 1, 300), 0);
	expect_ok(f, "{\"cmd\":\"hints set\",\"replica\":\"r1\",\"hints\":[\"only-r1\"]}");
	assert_int_not_equal(explain(f, "only-r1", 0).replica, 1); /* draining: no hint hits */
	expect_ok(f, "{\"cmd\":\"replica undrain\",\"name\":\"r1\"}");
	assert_int_equal(info_of(f, 1).state, HL_REPLICA_UP);
	assert_int_equal(explain(f, "only-r1", 0).replica, 1);
	assert_true(keys_to(f, 1, 300) > 0);
}

static void test_hints_effect(void **state)
{
	struct fx *f = *state;
	struct hl_route_result res;
	json_t *a;

	res = explain(f, "flux-dev", 0);
	assert_int_equal(res.reason, HL_ROUTE_FALLBACK_HINT);
	/* whichever replica Maglev gives the hint, advertise it on another */
	uint32_t other = ((uint32_t)res.replica + 1) % N_START;
	char line[128];

	snprintf(line, sizeof(line),
		 "{\"cmd\":\"hints set\",\"replica\":\"r%u\",\"hints\":"
		 "[\"flux-dev\",\"sdxl\"]}",
		 other);
	expect_ok(f, line);
	assert_int_equal(info_of(f, other).hints_kind, HL_HINTS_LIST);
	assert_int_equal(info_of(f, other).n_hints, 2);
	res = explain(f, "flux-dev", 0);
	assert_int_equal(res.replica, (int32_t)other);
	assert_int_equal(res.reason, HL_ROUTE_HINT_HIT);
	/* the `route` command says the same */
	a = ask(f, "{\"cmd\":\"route\",\"hint\":\"sdxl\"}");
	snprintf(line, sizeof(line), "r%u", other);
	assert_string_equal(json_string_value(json_object_get(a, "replica")), line);
	assert_string_equal(json_string_value(json_object_get(a, "reason")), "hint_hit");
	json_decref(a);
	snprintf(line, sizeof(line), "{\"cmd\":\"hints clear\",\"replica\":\"r%u\"}", other);
	expect_ok(f, line);
	assert_int_equal(info_of(f, other).hints_kind, HL_HINTS_NONE);
	assert_int_equal(explain(f, "flux-dev", 0).reason, HL_ROUTE_FALLBACK_HINT);
}

static void test_remove_effect(void **state)
{
	struct fx *f = *state;
	struct hl_replica_info i;

	expect_ok(f, "{\"cmd\":\"hints set\",\"replica\":\"r0\",\"hints\":[\"only-r0\"]}");
	assert_int_equal(explain(f, "only-r0", 0).replica, 0);
	assert_true(keys_to(f, 0, 300) > 0);
	expect_ok(f, "{\"cmd\":\"replica remove\",\"name\":\"r0\"}");
	i = info_of(f, 0);
	assert_int_equal(i.state, HL_REPLICA_DOWN);
	assert_int_equal(i.weight, 0);
	assert_int_equal(i.hints_kind, HL_HINTS_NONE);
	assert_int_not_equal(explain(f, "only-r0", 0).replica, 0);
	assert_int_equal(keys_to(f, 0, 300), 0);
	/* hints set cannot bring it back, nor undrain; health leaves it alone */
	json_t *a = ask(f, "{\"cmd\":\"hints set\",\"replica\":\"r0\",\"hints\":[\"only-r0\"]}");
	assert_true(json_is_false(json_object_get(a, "ok")));
	json_decref(a);
	assert_int_not_equal(explain(f, "only-r0", 0).replica, 0);
	a = ask(f, "{\"cmd\":\"replica undrain\",\"name\":\"r0\"}");
	assert_true(json_is_false(json_object_get(a, "ok")));
	json_decref(a);
	assert_int_equal(info_of(f, 0).state, HL_REPLICA_DOWN);
	assert_int_equal(keys_to(f, 0, 300), 0);
}

static void test_weight_effect(void **state)
{
	struct fx *f = *state;

	expect_ok(f, "{\"cmd\":\"replica weight\",\"name\":\"r2\",\"weight\":0}");
	assert_int_equal(info_of(f, 2).weight, 0);
	assert_int_equal(keys_to(f, 2, 300), 0); /* out of the Maglev table */
	expect_ok(f, "{\"cmd\":\"replica weight\",\"name\":\"r2\",\"weight\":1000}");
	assert_int_equal(info_of(f, 2).weight, 1000);
	assert_true(keys_to(f, 2, 300) > 250); /* 1000 to 1 each for the other two */
	assert_int_equal(info_of(f, 1).weight, 1);
}

static void test_add_effect(void **state)
{
	struct fx *f = *state;
	struct hl_replica_info i;

	expect_ok(f, "{\"cmd\":\"replica add\",\"name\":\"gpu-9\",\"address\":\"10.1.2.3:8080\","
		     "\"weight\":2,\"concurrency\":3}");
	assert_int_equal(hl_replica_find(f->r, "gpu-9"), N_START);
	i = info_of(f, N_START);
	assert_int_equal(i.ipv4, 0x0a010203);
	assert_int_equal(i.port, 8080);
	assert_int_equal(i.weight, 2);
	assert_int_equal(i.concurrency, 3);
	assert_int_equal(i.state, HL_REPLICA_UP);
	assert_true(keys_to(f, N_START, 300) > 0);
	expect_ok(f, "{\"cmd\":\"hints set\",\"replica\":\"gpu-9\",\"hints\":[\"new\"]}");
	assert_int_equal(explain(f, "new", 0).replica, N_START);
	/* what a refused add leaves: nothing */
	json_t *a =
		ask(f, "{\"cmd\":\"replica add\",\"name\":\"gpu-10\",\"address\":\"10.1.2.4\"}");
	json_decref(a);
	assert_int_equal(hl_router_replica_count(f->r), N_START + 1);
	assert_int_equal(hl_replica_find(f->r, "gpu-10"), -ENOENT);
}

/* The daemon's hooks: told of a replica before the router has it, and only of one the
 * router then takes; other commands go to it; its refusal refuses the add. */
struct daemon_rec {
	unsigned calls;
	uint32_t id, addr;
	uint16_t port;
	char name[HL_REPLICA_NAME_MAX];
	uint32_t count_then; /* the router's replicas when it was told */
	int rc;
	struct hl_router *r;
};

static int rec_added(void *arg, uint32_t id, const char *name, uint32_t addr, uint16_t port)
{
	struct daemon_rec *d = arg;

	d->calls++;
	d->id = id;
	d->addr = addr;
	d->port = port;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->count_then = hl_router_replica_count(d->r);
	return d->rc;
}

static json_t *rec_command(void *arg, const char *cmd, json_t *req)
{
	(void)arg;
	(void)req;
	return strcmp(cmd, "config") == 0 ? json_pack("{s:b, s:s}", "ok", 1, "from", "daemon")
					  : NULL;
}

static const struct hl_ctrl_daemon_ops rec_ops = {.replica_added = rec_added,
						  .command = rec_command};

static const struct ctrl_case daemon_rows[] = {
	{"{'cmd':'config'}", true, "from=daemon"},
	{"{'cmd':'xdp'}", false, "unknown command 'xdp'"},
	{"{'cmd':'replica add','name':'r 9','address':'10.0.0.9:80'}", false, "token characters"},
	{"{'cmd':'replica add','name':'" X100 "','address':'10.0.0.9:80'}", false,
	 "token characters"},
	{"{'cmd':'replica add','name':'r0','address':'10.0.0.9:80'}", false, "exists"},
	{"{'cmd':'replica add','name':'r9','address':'10.0.0.9:0'}", false, "A.B.C.D:PORT"},
};

static void test_daemon_ops(void **state)
{
	struct fx *f = *state;
	struct daemon_rec d = {.r = f->r};
	json_t *a;

	hl_ctrl_set_daemon_ops(f->c, &rec_ops, &d);
	RUN_TABLE(f, daemon_rows);
	assert_int_equal(d.calls, 0); /* nothing the router would refuse reached the workers */
	expect_ok(f, "{\"cmd\":\"replica add\",\"name\":\"r9\",\"address\":\"10.0.0.9:8080\"}");
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.id, N_START);
	assert_int_equal(d.count_then, N_START); /* before the router had it */
	assert_string_equal(d.name, "r9");
	assert_int_equal(d.addr, htonl(0x0a000009));
	assert_int_equal(d.port, 8080);
	d.rc = -1;
	a = ask(f, "{\"cmd\":\"replica add\",\"name\":\"r10\",\"address\":\"10.0.0.10:80\"}");
	assert_true(json_is_false(json_object_get(a, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(a, "error")), "no room"));
	json_decref(a);
	assert_int_equal(hl_router_replica_count(f->r), N_START + 1);
	hl_ctrl_set_daemon_ops(f->c, NULL, NULL);
}

/* Messages from workers through the real ring and pool show in `stats` and the router. */
static void test_ring_messages(void **state)
{
	struct fx *f = *state;
	struct hl_ctrl_msg *m;
	json_t *a;

	assert_int_equal(rte_mempool_get(f->msgs, (void **)&m), 0);
	memset(m, 0, sizeof(*m));
	m->type = HL_CTRL_MSG_HINTS;
	m->kind = HL_HINTS_LIST;
	m->replica = 2;
	m->tsc = rte_rdtsc();
	m->len = (uint32_t)snprintf(m->value, sizeof(m->value), "a,b,c");
	assert_int_equal(rte_ring_enqueue(f->ring, m), 0);
	assert_int_equal(rte_mempool_get(f->msgs, (void **)&m), 0);
	memset(m, 0, sizeof(*m));
	m->type = HL_CTRL_MSG_HINTS;
	m->replica = MAX_REPLICAS; /* no such replica */
	assert_int_equal(rte_ring_enqueue(f->ring, m), 0);
	assert_int_equal(hl_ctrl_poll(f->c, rte_rdtsc()), 2);
	assert_int_equal(info_of(f, 2).n_hints, 3);
	a = ask(f, "{\"cmd\":\"stats\"}");
	assert_int_equal(json_integer_value(at(a, "ctrl.msgs")), 2);
	assert_int_equal(json_integer_value(at(a, "ctrl.hints_applied")), 1);
	assert_int_equal(json_integer_value(at(a, "ctrl.bad_msgs")), 1);
	json_decref(a);
	/* fx_teardown checks the pool is whole again */
}

/* ---- the line reader ---- */

/* Lines whose answers do not depend on time or on what came before. */
static const char *const script[] = {
	"{\"cmd\":\"replica list\"}",
	"{\"cmd\":\"nope\"}",
	"",
	"{\"cmd\":",
	"[1]",
	"{\"cmd\":\"replica drain\",\"name\":7}",
	"{\"cmd\":\"replica weight\",\"name\":\"r1\",\"weight\":-1}",
	"{\"cmd\":\"replica list\"}\r",
	"\r",
	"{\"cmd\":\"hints set\",\"replica\":\"nope\",\"hints\":[]}",
};

static size_t script_text(char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < RTE_DIM(script); i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\n", script[i]);
	assert_true(n < len);
	return n;
}

static void test_feed_byte_by_byte(void **state)
{
	struct fx *f = *state;
	char text[1024];
	size_t n = script_text(text, sizeof(text)), lines = 0;
	json_t *a[RTE_DIM(script)];

	for (size_t i = 0; i < n; i++) {
		assert_true(feed(f, text + i, 1));
		lines += text[i] == '\n';
		/* an answer exactly when a line is whole */
		size_t got = 0;
		for (size_t k = 0; k < f->cl.out_len; k++)
			got += f->cl.out[k] == '\n';
		assert_int_equal(got, lines);
	}
	assert_int_equal(take_answers(f, a, RTE_DIM(a)), RTE_DIM(script));
	assert_true(json_is_true(json_object_get(a[0], "ok")));
	assert_true(json_is_false(json_object_get(a[1], "ok")));
	assert_true(json_is_true(json_object_get(a[7], "ok"))); /* CRLF */
	assert_true(json_is_false(json_object_get(a[8], "ok")));
	drop_answers(a, RTE_DIM(a));
	assert_int_equal(f->cl.in_len, 0);
	assert_false(f->cl.closing);
}

/* Any split of the same bytes gives the same answers, byte for byte. */
static void test_feed_any_split(void **state)
{
	struct fx *f = *state;
	char text[1024], *whole;
	size_t n = script_text(text, sizeof(text)), whole_len;
	uint64_t rng = 88172645463325252ull;

	assert_true(feed(f, text, n));
	whole_len = f->cl.out_len;
	whole = malloc(whole_len);
	assert_non_null(whole);
	memcpy(whole, f->cl.out, whole_len);
	f->cl.out_len = 0;
	for (int round = 0; round < 200; round++) {
		for (size_t off = 0; off < n;) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			size_t step = RTE_MIN(n - off, (size_t)(rng % 40) + 1);

			assert_true(feed(f, text + off, step));
			off += step;
		}
		assert_int_equal(f->cl.out_len, whole_len);
		assert_memory_equal(f->cl.out, whole, whole_len);
		f->cl.out_len = 0;
	}
	free(whole);
}

/* Many lines in one chunk, more bytes than a line may have: each answered, in order. */
static void test_feed_many_lines(void **state)
{
	struct fx *f = *state;
	const size_t lines = 5000;
	size_t len = 0, cap = lines * 64;
	char *buf = malloc(cap);
	json_t **a = calloc(lines, sizeof(*a));

	assert_non_null(buf);
	assert_non_null(a);
	for (size_t i = 0; i < lines; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\n",
					i % 3 == 0   ? "{\"cmd\":\"replica list\"}"
					: i % 3 == 1 ? "{\"cmd\":\"no such\"}"
						     : "");
	assert_true(len > HL_CTRL_LINE_MAX);
	assert_true(feed(f, buf, len));
	assert_int_equal(take_answers(f, a, lines), lines);
	for (size_t i = 0; i < lines; i++) {
		assert_int_equal(json_is_true(json_object_get(a[i], "ok")), i % 3 == 0);
		if (i % 3 == 2)
			assert_non_null(strstr(json_string_value(json_object_get(a[i], "error")),
					       "bad JSON"));
	}
	drop_answers(a, lines);
	assert_int_equal(f->c->sock.st.requests, lines);
	assert_int_equal(f->c->sock.st.bad_json, lines / 3);
	assert_int_equal(f->c->sock.st.too_long, 0);
	free(a);
	free(buf);
}

/* An empty line is a request like any other: it is answered (bad JSON), so a client can
 * count answers against lines. So is "\r" alone (CRLF of an empty line). */
static void test_feed_empty_lines(void **state)
{
	struct fx *f = *state;
	json_t *a[4];

	assert_true(feed(f, "\n\r\n\n{\"cmd\":\"replica list\"}\n", 28));
	assert_int_equal(take_answers(f, a, 4), 4);
	for (int i = 0; i < 3; i++)
		assert_non_null(
			strstr(json_string_value(json_object_get(a[i], "error")), "bad JSON"));
	assert_true(json_is_true(json_object_get(a[3], "ok")));
	drop_answers(a, 4);
	assert_int_equal(f->c->sock.st.bad_json, 3);
}

/* NUL bytes and lone '\r's inside a line: the line is answered, and the next ones too. */
static void test_feed_nul_and_cr(void **state)
{
	struct fx *f = *state;
	static const char text[] = "{\"cmd\":\"replica list\"}\0\n"
				   "{\"cmd\":\"repl\0ica list\"}\n"
				   "\0\n"
				   "{\"cmd\":\r\"replica list\"\r}\r\r\n"
				   "{\"cmd\":\"replica\rlist\"}\n";
	json_t *a[5];

	assert_true(feed(f, text, sizeof(text) - 1));
	assert_int_equal(take_answers(f, a, 5), 5);
	for (int i = 0; i < 3; i++)
		assert_non_null(
			strstr(json_string_value(json_object_get(a[i], "error")), "bad JSON"));
	assert_true(json_is_true(json_object_get(a[3], "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(a[4], "error")), "bad JSON"));
	drop_answers(a, 5);
}

/* A request line of HL_CTRL_LINE_MAX - 1 bytes (+ '\n') is served; a line of
 * HL_CTRL_LINE_MAX bytes without '\n' gets one error, and nothing after it is read. */
static void test_feed_too_long(void **state)
{
	struct fx *f = *state;
	char *big = malloc(HL_CTRL_LINE_MAX + 64);
	const char *req = "{\"cmd\":\"replica list\"";
	json_t *a[3];

	assert_non_null(big);
	/* the longest line: padded with JSON whitespace, fed in 1000-byte pieces */
	memset(big, ' ', HL_CTRL_LINE_MAX + 64);
	memcpy(big, req, strlen(req));
	big[HL_CTRL_LINE_MAX - 2] = '}';
	big[HL_CTRL_LINE_MAX - 1] = '\n';
	for (size_t off = 0; off < HL_CTRL_LINE_MAX; off += 1000)
		assert_true(feed(f, big + off, RTE_MIN((size_t)1000, HL_CTRL_LINE_MAX - off)));
	assert_int_equal(take_answers(f, a, 3), 1);
	assert_true(json_is_true(json_object_get(a[0], "ok")));
	drop_answers(a, 1);
	assert_false(f->cl.closing);
	/* one byte more, after a good line in the same chunk: that line is answered, then the
	 * long one gets the error */
	memcpy(big, "{}\n", 3);
	memcpy(big + 3, req, strlen(req));
	memset(big + 3 + strlen(req), ' ', HL_CTRL_LINE_MAX - strlen(req) - 1);
	big[3 + HL_CTRL_LINE_MAX - 1] = '}';
	big[3 + HL_CTRL_LINE_MAX] = '\n';
	assert_true(feed(f, big, 3 + HL_CTRL_LINE_MAX + 1));
	assert_int_equal(take_answers(f, a, 3), 2);
	assert_non_null(strstr(json_string_value(json_object_get(a[0], "error")), "missing"));
	assert_non_null(strstr(json_string_value(json_object_get(a[1], "error")),
			       "request line over 65536 bytes"));
	drop_answers(a, 2);
	assert_true(f->cl.closing);
	assert_int_equal(f->c->sock.st.too_long, 1);
	/* closing: whole lines are not answered any more */
	assert_true(feed(f, "{\"cmd\":\"replica list\"}\n", 24));
	assert_int_equal(f->cl.out_len, 0);
	assert_int_equal(f->c->sock.st.requests, 2);
	free(big);
}

/* The same without a single '\n', in small pieces: the error comes at the limit. */
static void test_feed_too_long_no_newline(void **state)
{
	struct fx *f = *state;
	char chunk[4096];
	size_t fed = 0;
	json_t *a[2];

	memset(chunk, 'x', sizeof(chunk));
	while (fed < HL_CTRL_LINE_MAX - sizeof(chunk)) {
		assert_true(feed(f, chunk, sizeof(chunk)));
		fed += sizeof(chunk);
		assert_int_equal(f->cl.out_len, 0);
	}
	assert_true(feed(f, chunk, HL_CTRL_LINE_MAX - fed - 1));
	assert_false(f->cl.closing); /* one byte short */
	assert_true(feed(f, chunk, sizeof(chunk)));
	assert_true(f->cl.closing);
	assert_int_equal(take_answers(f, a, 2), 1);
	assert_non_null(strstr(json_string_value(json_object_get(a[0], "error")), "over 65536"));
	drop_answers(a, 1);
	assert_int_equal(f->c->sock.st.requests, 0);
}

/* A line must be whole within HL_CTRL_LINE_MS of its first byte; with nothing in
 * progress a connection may idle for HL_CTRL_IDLE_MS. */
static void test_feed_deadlines(void **state)
{
	struct fx *f = *state;

	assert_true(feed_at(f, "{\"cmd\":", 7, 1000));
	assert_int_equal(f->cl.deadline, 1000 + HL_CTRL_LINE_MS);
	assert_true(feed_at(f, "\"replica", 8, 5000)); /* still the same line */
	assert_int_equal(f->cl.deadline, 1000 + HL_CTRL_LINE_MS);
	assert_true(feed_at(f, " list\"}\n", 8, 7000));
	assert_int_equal(f->cl.deadline, 7000 + HL_CTRL_IDLE_MS);
	assert_true(feed_at(f, "{}\n{", 4, 9000)); /* a line answered, the next begun */
	assert_int_equal(f->cl.deadline, 9000 + HL_CTRL_LINE_MS);
	assert_true(feed_at(f, "}\n", 2, 9500));
	assert_int_equal(f->cl.deadline, 9500 + HL_CTRL_IDLE_MS);
	json_t *a[4];
	assert_int_equal(take_answers(f, a, 4), 3);
	drop_answers(a, 3);
}

/* Answers wait for a client up to HL_CTRL_OUT_MAX bytes; the one that would pass it
 * drops the client. This handler answers lines of answer_len bytes with their '\n'. */
static size_t answer_len;

static json_t *sized_answer(void *arg, json_t *req)
{
	static const char overhead[] = "{\"ok\":true,\"pad\":\"\"}\n";
	static char pad[(2 << 20) + 1];
	size_t n = answer_len - (sizeof(overhead) - 1);

	(void)arg;
	(void)req;
	assert_true(n < sizeof(pad));
	memset(pad, 'p', n);
	pad[n] = '\0';
	return json_pack("{s:b, s:s}", "ok", 1, "pad", pad);
}

static bool feed_sized(struct ctrl_sock *s, struct ctrl_client *c, size_t len)
{
	answer_len = len;
	return ctrl_client_feed(s, c, "{}\n", 3, NOW);
}

static void test_feed_output_bound(void **state)
{
	struct ctrl_sock s = {.handler = sized_answer};
	struct ctrl_client c = {.fd = -1};
	const size_t mib = 1 << 20;

	(void)state;
	_Static_assert(HL_CTRL_OUT_MAX % (1 << 20) == 0, "whole MiB");
	assert_true(feed_sized(&s, &c, mib));
	assert_int_equal(c.out_len, mib);
	/* written (client_write empties the queue once all is out): room again */
	c.out_len = c.out_off = 0;
	for (size_t i = 0; i < HL_CTRL_OUT_MAX / mib - 1; i++)
		assert_true(feed_sized(&s, &c, mib));
	assert_false(feed_sized(&s, &c, mib + 1)); /* one byte too many */
	ctrl_client_release(&c);                   /* false: the caller drops the client */
	assert_null(c.in);
	assert_int_equal(c.fd, -1);
	for (size_t i = 0; i < HL_CTRL_OUT_MAX / mib - 1; i++)
		assert_true(feed_sized(&s, &c, mib));
	assert_true(feed_sized(&s, &c, mib)); /* exactly full */
	assert_int_equal(c.out_len, HL_CTRL_OUT_MAX);
	assert_false(feed_sized(&s, &c, 22)); /* the shortest answer: no room */
	assert_int_equal(c.out_len, HL_CTRL_OUT_MAX);
	assert_int_equal(s.st.requests, 2 * (HL_CTRL_OUT_MAX / mib + 1)); /* refused ones too */
	ctrl_client_release(&c);
}

/* ctrl_dispatch() called directly, as the socket's handler is. */
static void test_dispatch_direct(void **state)
{
	struct fx *f = *state;
	json_t *req = json_pack("{s:s, s:s}", "cmd", "replica drain", "name", "r2");
	json_t *resp = ctrl_dispatch(f->c, req);

	assert_true(json_is_true(json_object_get(resp, "ok")));
	assert_int_equal(info_of(f, 2).state, HL_REPLICA_DRAINING);
	json_decref(resp);
	json_decref(req);
	/* a request that is not an object never reaches it through the reader, but if it did */
	req = json_pack("[s]", "stats");
	resp = ctrl_dispatch(f->c, req);
	assert_true(json_is_false(json_object_get(resp, "ok")));
	json_decref(resp);
	json_decref(req);
}

int main(int argc, char **argv)
{
	(void)argc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_envelope, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replica_state, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replica_add_remove, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hints, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_route_stats, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_listing, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drain_effect, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_hints_effect, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_remove_effect, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_weight_effect, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_add_effect, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_ops, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ring_messages, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_direct, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_byte_by_byte, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_any_split, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_many_lines, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_empty_lines, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_nul_and_cr, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_too_long, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_too_long_no_newline, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_deadlines, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_feed_output_bound, fx_setup, fx_teardown),
	};

	return rh_main("test_ctrl", argv[0], tests, RTE_DIM(tests));
}
