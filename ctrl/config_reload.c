/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What `reload` may change while the daemon runs, and what needs a restart.
 *
 * Every key of every section is listed here once, live or not: a key added to
 * the loader and forgotten here would be silently ignored by reload, so the
 * unit test (test_config.c) changes each documented key and checks reload
 * either takes it or names it. Live: the replica list (applied by the control thread), [routing]
 * balance_factor and load_wait (the router's atomics), the proxy's timeouts,
 * [health] but check_path (active checks on or off need their state), and
 * [ctrl] grace_ms. Everything else is read once at start: ports, EAL, listeners,
 * memory sizes, the TCP stack, header names, the control socket itself.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "config_priv.h"
#include "hintlb/config.h"

enum key_kind { K_U32, K_U16, K_DBL, K_STR, K_BOOL, K_ENUM, K_ADDR };

struct reload_key {
	const char *section;
	const char *key;
	size_t off, size;
	enum key_kind kind;
	bool live;
};

#define FIELD(f) offsetof(struct hl_config, f), sizeof(((struct hl_config *)0)->f)
#define KEY(s, k, f, t)                                                                            \
	{                                                                                          \
		s, k, FIELD(f), t, false                                                           \
	}
#define LIVE(s, k, f, t)                                                                           \
	{                                                                                          \
		s, k, FIELD(f), t, true                                                            \
	}

static const struct reload_key keys[] = {
	KEY("routing", "hint_header", routing.hint_header, K_STR),
	KEY("routing", "hints_header", routing.hints_header, K_STR),
	LIVE("routing", "balance_factor", routing.balance_factor, K_DBL),
	KEY("routing", "maglev_size", routing.maglev_size, K_U32),
	KEY("routing", "policy", routing.policy, K_STR),
	KEY("routing", "max_hints", routing.max_hints, K_U32),
	KEY("routing", "max_replicas", routing.max_replicas, K_U32),
	KEY("routing", "strip_hints", routing.strip_hints, K_BOOL),
	LIVE("routing", "load_wait", routing.load_wait, K_DBL),
	KEY("routing", "explain_header", routing.explain_header, K_STR),
	LIVE("http", "client_head_timeout_ms", http.client_head_timeout_ms, K_U32),
	LIVE("http", "client_idle_timeout_ms", http.client_idle_timeout_ms, K_U32),
	LIVE("http", "replica_connect_timeout_ms", http.replica_connect_timeout_ms, K_U32),
	LIVE("http", "replica_response_timeout_ms", http.replica_response_timeout_ms, K_U32),
	LIVE("http", "replica_idle_timeout_ms", http.replica_idle_timeout_ms, K_U32),
	LIVE("http", "replica_queue_timeout_ms", http.replica_queue_timeout_ms, K_U32),
	KEY("http", "replica_conns_max", http.replica_conns_max, K_U32),
	KEY("http", "max_requests", http.max_requests, K_U32),
	KEY("http", "max_head", http.max_head, K_U32),
	KEY("http", "max_fields", http.max_fields, K_U32),
	KEY("http", "max_body_kib", http.max_body_kib, K_U32),
	KEY("http", "queue_bytes", http.queue_bytes, K_U32),
	KEY("http", "x_forwarded_for", http.x_forwarded_for, K_BOOL),
	LIVE("health", "passive_fall", health.passive_fall, K_U32),
	LIVE("health", "down_backoff_ms", health.down_backoff_ms, K_U32),
	KEY("health", "check_path", health.check_path, K_STR),
	LIVE("health", "check_interval_ms", health.check_interval_ms, K_U32),
	LIVE("health", "check_timeout_ms", health.check_timeout_ms, K_U32),
	LIVE("health", "rise", health.rise, K_U32),
	LIVE("health", "fall", health.fall, K_U32),
	KEY("worker", "idle", worker.idle, K_ENUM),
	KEY("worker", "idle_sleep_us", worker.idle_sleep_us, K_U32),
	KEY("worker", "mbufs", worker.mbufs, K_U32),
	KEY("worker", "rx_desc", worker.rx_desc, K_U16),
	KEY("worker", "tx_desc", worker.tx_desc, K_U16),
	KEY("tcp", "max_conns", tcp.max_conns, K_U32),
	KEY("tcp", "syn_backlog", tcp.syn_backlog, K_U32),
	KEY("tcp", "time_wait", tcp.time_wait, K_U32),
	KEY("tcp", "rcv_buf", tcp.rcv_buf, K_U32),
	KEY("tcp", "ooo_per_conn", tcp.ooo_per_conn, K_U32),
	KEY("tcp", "ooo_max", tcp.ooo_max, K_U32),
	KEY("tcp", "source_ports", tcp.sport_lo, K_U16),
	KEY("tcp", "source_ports", tcp.sport_hi, K_U16),
	KEY("tcp", "source_address", tcp.source, K_ADDR),
	KEY("tcp", "congestion_control", tcp.cc, K_ENUM),
	KEY("tcp", "challenge_ack_limit", tcp.challenge_ack_limit, K_U32),
	KEY("tcp", "keepalive", tcp.keepalive, K_BOOL),
	KEY("tcp", "keepalive_idle_s", tcp.keepalive_idle_s, K_U32),
	KEY("tcp", "keepalive_interval_s", tcp.keepalive_interval_s, K_U32),
	KEY("tcp", "keepalive_probes", tcp.keepalive_probes, K_U32),
	KEY("tcp", "syn_retries", tcp.syn_retries, K_U32),
	KEY("tcp", "synack_retries", tcp.synack_retries, K_U32),
	KEY("tcp", "zero_window_timeout_ms", tcp.zero_window_timeout_ms, K_U32),
	KEY("ctrl", "socket", ctrl_socket, K_STR),
	KEY("ctrl", "group", ctrl_group, K_STR),
	KEY("ctrl", "max_clients", ctrl_max_clients, K_U32),
	KEY("ctrl", "metrics", ctrl_metrics, K_STR),
	LIVE("ctrl", "grace_ms", ctrl_grace_ms, K_U32),
};

/* The value at @p base + k->off as text. */
static void value_str(const struct reload_key *k, const struct hl_config *cfg, char *out,
		      size_t len)
{
	const char *p = (const char *)cfg + k->off;
	uint32_t u32;
	uint16_t u16;
	double d;

	switch (k->kind) {
	case K_U32:
	case K_ENUM:
	case K_ADDR:
		memcpy(&u32, p, sizeof(u32));
		if (k->kind == K_ADDR) {
			const uint8_t *b = (const uint8_t *)p; /* network order */
			snprintf(out, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		} else {
			snprintf(out, len, "%u", u32);
		}
		break;
	case K_U16:
		memcpy(&u16, p, sizeof(u16));
		snprintf(out, len, "%u", u16);
		break;
	case K_DBL:
		memcpy(&d, p, sizeof(d));
		snprintf(out, len, "%g", d);
		break;
	case K_BOOL:
		snprintf(out, len, "%s", *(const bool *)p ? "yes" : "no");
		break;
	case K_STR:
		snprintf(out, len, "'%.*s'", (int)k->size, p);
		break;
	}
}

static bool key_differs(const struct reload_key *k, const struct hl_config *a,
			const struct hl_config *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;

	if (k->kind == K_STR)
		return strncmp(pa, pb, k->size) != 0;
	if (k->kind == K_BOOL)
		return *(const bool *)pa != *(const bool *)pb;
	return memcmp(pa, pb, k->size) != 0;
}

static int restart(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen,
		 "%s needs a restart (reload changes replicas, [routing] "
		 "balance_factor/load_wait, [http] timeouts, [health] but check_path, "
		 "[ctrl] grace_ms); nothing was applied",
		 what);
	return -EINVAL;
}

static bool port_same(const struct hl_cfg_port *a, const struct hl_cfg_port *b)
{
	return strcmp(a->name, b->name) == 0 && a->addr == b->addr &&
	       a->prefix_len == b->prefix_len && a->gateway == b->gateway && a->mtu == b->mtu;
}

static bool listener_same(const struct hl_cfg_listener *a, const struct hl_cfg_listener *b)
{
	return strcmp(a->name, b->name) == 0 && a->vip == b->vip && a->port == b->port &&
	       a->mode == b->mode;
}

int hl_config_reload_check(const struct hl_config *running, const struct hl_config *next, char *err,
			   size_t errlen)
{
	char what[HL_CFG_ERR_MAX / 2], a[96], b[96];
	bool eal_same = running->eal_argc == next->eal_argc;

	for (int i = 0; eal_same && i < running->eal_argc; i++)
		eal_same = strcmp(running->eal_argv[i], next->eal_argv[i]) == 0;
	if (!eal_same)
		return restart(err, errlen, "[eal] args: changed:");
	for (unsigned i = 0; i < RTE_MAX(running->n_ports, next->n_ports); i++) {
		const struct hl_cfg_port *p = i < running->n_ports ? &running->ports[i] : NULL;
		const struct hl_cfg_port *q = i < next->n_ports ? &next->ports[i] : NULL;

		if (p == NULL || q == NULL || !port_same(p, q)) {
			snprintf(what, sizeof(what),
				 "[port %s]: %s:", p != NULL ? p->name : q->name,
				 p == NULL   ? "added"
				 : q == NULL ? "removed"
					     : "changed");
			return restart(err, errlen, what);
		}
	}
	for (unsigned i = 0; i < RTE_MAX(running->n_listeners, next->n_listeners); i++) {
		const struct hl_cfg_listener *p =
			i < running->n_listeners ? &running->listeners[i] : NULL;
		const struct hl_cfg_listener *q =
			i < next->n_listeners ? &next->listeners[i] : NULL;

		if (p == NULL || q == NULL || !listener_same(p, q)) {
			snprintf(what, sizeof(what),
				 "[listener %s]: %s:", p != NULL ? p->name : q->name,
				 p == NULL   ? "added"
				 : q == NULL ? "removed"
					     : "changed");
			return restart(err, errlen, what);
		}
	}
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct reload_key *k = &keys[i];

		if (k->live || !key_differs(k, running, next))
			continue;
		value_str(k, running, a, sizeof(a));
		value_str(k, next, b, sizeof(b));
		snprintf(what, sizeof(what), "[%s] %s: %s -> %s", k->section, k->key, a, b);
		return restart(err, errlen, what);
	}
	return 0;
}

void hl_config_live_changes(const struct hl_config *running, const struct hl_config *next,
			    void (*fn)(void *arg, const char *line), void *arg)
{
	char line[256], a[96], b[96];

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct reload_key *k = &keys[i];

		if (!k->live || !key_differs(k, running, next))
			continue;
		value_str(k, running, a, sizeof(a));
		value_str(k, next, b, sizeof(b));
		snprintf(line, sizeof(line), "[%s] %s: %s -> %s", k->section, k->key, a, b);
		fn(arg, line);
	}
}

void hl_config_take_live(struct hl_config *running, struct hl_config *next)
{
	struct hl_cfg_replica *rep = running->replicas;
	unsigned n = running->n_replicas;

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].live)
			memcpy((char *)running + keys[i].off, (const char *)next + keys[i].off,
			       keys[i].size);
	running->replicas = next->replicas;
	running->n_replicas = next->n_replicas;
	next->replicas = rep;
	next->n_replicas = n;
}

/* For the unit test: how many keys the table has, and whether each is live. */
unsigned hl_config_reload_keys(const char **section, const char **key, bool *live, unsigned i)
{
	if (i < sizeof(keys) / sizeof(keys[0])) {
		*section = keys[i].section;
		*key = keys[i].key;
		*live = keys[i].live;
	}
	return sizeof(keys) / sizeof(keys[0]);
}
