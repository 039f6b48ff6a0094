/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One loader per section type, then the checks that span sections. Keys are
 * already known to be valid names and unique (config.c); loaders check values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include <hintlb/tcp.h>

#include "config_priv.h"
#include "config_section.h"

/* Run a parser on @p key when present. */
#define OPT(s, key, call)                                                                          \
	do {                                                                                       \
		const char *v_ = cfg_get((s), (key));                                              \
		struct cfg_where w_ = {(s)->display, (key), err, errlen};                          \
		if (v_ != NULL) {                                                                  \
			const struct cfg_where *w = &w_;                                           \
			const char *v = v_;                                                        \
			int rc_ = (call);                                                          \
			if (rc_ != 0)                                                              \
				return rc_;                                                        \
		}                                                                                  \
	} while (0)

static int missing(const struct cfg_sec *s, const char *key, const char *example, char *err,
		   size_t errlen)
{
	struct cfg_where w = {s->display, key, err, errlen};

	if (cfg_get(s, key) != NULL)
		return 0;
	return cfg_errf(&w, "missing (e.g. %s = %s)", key, example);
}

static int too_many(const struct cfg_sec *s, unsigned max, char *err, size_t errlen)
{
	struct cfg_where w = {s->display, NULL, err, errlen};

	return cfg_errf(&w, "more than %u sections of this type", max);
}

static int name_fits(const struct cfg_sec *s, size_t max, char *err, size_t errlen)
{
	struct cfg_where w = {s->display, NULL, err, errlen};

	if (strlen(s->name) >= max)
		return cfg_errf(&w, "name '%s' is longer than %zu bytes", s->name, max - 1);
	return 0;
}

int cfg_load_eal(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	size_t len = 1;
	char *args;
	int rc;

	rc = missing(s, "args", "-l 0,1 --no-pci --vdev=net_af_xdp0,iface=hl0", err, errlen);
	if (rc != 0)
		return rc;
	for (int i = 0; i < s->n; i++)
		len += strlen(s->e[i].value) + 1;
	args = calloc(1, len);
	if (args == NULL)
		return -ENOMEM;
	for (int i = 0; i < s->n; i++) {
		strcat(args, s->e[i].value);
		strcat(args, " ");
	}
	rc = cfg_eal_args(cfg, args, err, errlen);
	free(args);
	return rc;
}

int cfg_load_port(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	struct hl_cfg_port *p = &cfg->ports[cfg->n_ports];
	uint32_t mtu;
	int rc;

	if (cfg->n_ports >= HL_CFG_PORTS_MAX)
		return too_many(s, HL_CFG_PORTS_MAX, err, errlen);
	rc = name_fits(s, sizeof(p->name), err, errlen);
	if (rc == 0)
		rc = missing(s, "address", "10.77.0.2/24", err, errlen);
	if (rc != 0)
		return rc;
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", s->name);
	OPT(s, "address", cfg_parse_cidr(w, v, &p->addr, &p->prefix_len));
	OPT(s, "gateway", cfg_parse_host(w, v, &p->gateway));
	OPT(s, "mtu", cfg_parse_u32(w, v, 576, 9000, &mtu));
	if (cfg_get(s, "mtu") != NULL)
		p->mtu = (uint16_t)mtu;
	cfg->n_ports++;
	return 0;
}

int cfg_load_listener(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	static const char *const modes[] = {"http", "echo", "discard", "relay"};
	struct hl_cfg_listener *l = &cfg->listeners[cfg->n_listeners];
	unsigned mode = HL_LISTEN_HTTP;
	uint32_t port;
	int rc;

	if (cfg->n_listeners >= HL_CFG_LISTENERS_MAX)
		return too_many(s, HL_CFG_LISTENERS_MAX, err, errlen);
	rc = name_fits(s, sizeof(l->name), err, errlen);
	if (rc == 0)
		rc = missing(s, "vip", "10.77.0.100", err, errlen);
	if (rc == 0)
		rc = missing(s, "port", "80", err, errlen);
	if (rc != 0)
		return rc;
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", s->name);
	OPT(s, "vip", cfg_parse_host(w, v, &l->vip));
	OPT(s, "port", cfg_parse_u32(w, v, 1, 65535, &port));
	OPT(s, "mode", cfg_parse_enum(w, v, modes, RTE_DIM(modes), &mode));
	l->port = (uint16_t)port;
	l->mode = (enum hl_listener_mode)mode;
	cfg->n_listeners++;
	return 0;
}

static int parse_maglev_size(const struct cfg_where *w, const char *v, uint32_t *out)
{
	int rc = cfg_parse_u32(w, v, 3, 1u << 24, out);

	if (rc == 0 && !cfg_is_prime(*out))
		return cfg_errf(w, "'%s' is not a prime (Maglev needs one; e.g. 65537)", v);
	return rc;
}

static int parse_load_wait(const struct cfg_where *w, const char *v, double *out)
{
	int rc = cfg_parse_double(w, v, 0.0, out);

	if (rc == 0 && *out > 100.0)
		return cfg_errf(w, "'%s' is above 100 (load times)", v);
	return rc;
}

int cfg_load_routing(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	static const char *const policies[] = {"ect", "bounded"};
	struct hl_cfg_routing *r = &cfg->routing;
	unsigned policy;

	OPT(s, "hint_header", cfg_parse_header(w, v, r->hint_header, sizeof(r->hint_header)));
	OPT(s, "hints_header", cfg_parse_header(w, v, r->hints_header, sizeof(r->hints_header)));
	OPT(s, "balance_factor", cfg_parse_double(w, v, 1.0, &r->balance_factor));
	OPT(s, "maglev_size", parse_maglev_size(w, v, &r->maglev_size));
	OPT(s, "policy", cfg_parse_enum(w, v, policies, RTE_DIM(policies), &policy));
	if (cfg_get(s, "policy") != NULL)
		snprintf(r->policy, sizeof(r->policy), "%s", policies[policy]);
	OPT(s, "max_hints", cfg_parse_u32(w, v, 1, 1u << 24, &r->max_hints));
	OPT(s, "max_replicas", cfg_parse_u32(w, v, 1, HL_CFG_REPLICAS_MAX, &r->max_replicas));
	OPT(s, "strip_hints", cfg_parse_bool(w, v, &r->strip_hints));
	OPT(s, "load_wait", parse_load_wait(w, v, &r->load_wait));
	OPT(s, "explain_header",
	    cfg_parse_header(w, v, r->explain_header, sizeof(r->explain_header)));
	if (strcasecmp(r->hint_header, r->hints_header) == 0) {
		struct cfg_where w = {s->display, "hints_header", err, errlen};

		return cfg_errf(&w, "'%s' is the same field as hint_header", r->hints_header);
	}
	return 0;
}

int cfg_load_replica(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	struct hl_cfg_replica *r, *grown;
	int rc;

	if (cfg->n_replicas >= HL_CFG_REPLICAS_MAX)
		return too_many(s, HL_CFG_REPLICAS_MAX, err, errlen);
	rc = name_fits(s, sizeof(r->name), err, errlen);
	if (rc == 0)
		rc = missing(s, "address", "10.77.1.11:8000", err, errlen);
	if (rc != 0)
		return rc;
	grown = realloc(cfg->replicas, (cfg->n_replicas + 1) * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	cfg->replicas = grown;
	r = &cfg->replicas[cfg->n_replicas];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", s->name);
	r->weight = 1;
	OPT(s, "address", cfg_parse_endpoint(w, v, &r->addr, &r->port));
	OPT(s, "weight", cfg_parse_u32(w, v, 0, 1000000, &r->weight));
	OPT(s, "concurrency", cfg_parse_u32(w, v, 1, 65535, &r->concurrency));
	cfg->n_replicas++;
	return 0;
}

static int parse_desc(const struct cfg_where *w, const char *v, uint16_t *out)
{
	uint32_t x;
	int rc = cfg_parse_u32(w, v, 64, 4096, &x);

	if (rc == 0 && (x & (x - 1)) != 0)
		return cfg_errf(w, "'%s' is not a power of two", v);
	if (rc == 0)
		*out = (uint16_t)x;
	return rc;
}

int cfg_load_worker(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	static const char *const idles[] = {"adaptive", "poll"};
	struct hl_cfg_worker *wk = &cfg->worker;
	unsigned idle;

	OPT(s, "idle", cfg_parse_enum(w, v, idles, RTE_DIM(idles), &idle));
	if (cfg_get(s, "idle") != NULL)
		wk->idle = (enum hl_idle_mode)idle;
	OPT(s, "idle_sleep_us", cfg_parse_u32(w, v, 1, 10000, &wk->idle_sleep_us));
	OPT(s, "mbufs", cfg_parse_u32(w, v, 1023, 1u << 22, &wk->mbufs));
	OPT(s, "rx_desc", parse_desc(w, v, &wk->rx_desc));
	OPT(s, "tx_desc", parse_desc(w, v, &wk->tx_desc));
	return 0;
}

/* 0 (off), or @p min..@p max. */
static int parse_u32_or_off(const struct cfg_where *w, const char *v, uint32_t min, uint32_t max,
			    uint32_t *out)
{
	if (strcmp(v, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (cfg_parse_u32(w, v, 0, max, out) != 0 || *out < min)
		return cfg_errf(w, "'%s' is neither 0 (off) nor in range (%u..%u)", v, min, max);
	return 0;
}

/* "LO-HI", 1024 <= LO <= HI <= 65535. */
static int parse_port_range(const struct cfg_where *w, const char *v, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(v, &end, 10);
	if (end == v || *end != '-' || v[0] == '-' || v[0] == '+')
		return cfg_errf(w, "'%s' is not LO-HI (e.g. 32768-60999)", v);
	b = strtoul(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || end[-1] == '-')
		return cfg_errf(w, "'%s' is not LO-HI (e.g. 32768-60999)", v);
	if (a < 1024 || b > 65535 || a > b)
		return cfg_errf(w, "'%s': need 1024 <= LO <= HI <= 65535", v);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

int cfg_load_tcp(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	static const char *const ccs[] = {"newreno", "cubic"}; /* enum hl_tcp_cc order */
	struct hl_cfg_tcp *t = &cfg->tcp;

	OPT(s, "max_conns", cfg_parse_u32(w, v, 2, 1u << 24, &t->max_conns));
	OPT(s, "syn_backlog", cfg_parse_u32(w, v, 1, 1u << 24, &t->syn_backlog));
	OPT(s, "time_wait", cfg_parse_u32(w, v, 0, 1u << 24, &t->time_wait));
	OPT(s, "rcv_buf", cfg_parse_u32(w, v, 4096, (1u << 30) - 1, &t->rcv_buf));
	OPT(s, "ooo_per_conn", cfg_parse_u32(w, v, 0, 255, &t->ooo_per_conn));
	OPT(s, "ooo_max", cfg_parse_u32(w, v, 0, 1u << 22, &t->ooo_max));
	OPT(s, "source_ports", parse_port_range(w, v, &t->sport_lo, &t->sport_hi));
	OPT(s, "source_address", cfg_parse_host(w, v, &t->source));
	OPT(s, "congestion_control", cfg_parse_enum(w, v, ccs, RTE_DIM(ccs), &t->cc));
	OPT(s, "challenge_ack_limit", cfg_parse_u32(w, v, 0, 1000000, &t->challenge_ack_limit));
	OPT(s, "keepalive", cfg_parse_bool(w, v, &t->keepalive));
	OPT(s, "keepalive_idle_s", cfg_parse_u32(w, v, 1, 86400, &t->keepalive_idle_s));
	OPT(s, "keepalive_interval_s", cfg_parse_u32(w, v, 1, 3600, &t->keepalive_interval_s));
	OPT(s, "keepalive_probes", cfg_parse_u32(w, v, 1, 127, &t->keepalive_probes));
	OPT(s, "syn_retries", cfg_parse_u32(w, v, 1, HL_TCP_SYN_RETRIES_MAX, &t->syn_retries));
	OPT(s, "synack_retries",
	    cfg_parse_u32(w, v, 1, HL_TCP_SYN_RETRIES_MAX, &t->synack_retries));
	OPT(s, "zero_window_timeout_ms",
	    parse_u32_or_off(w, v, 1000, 86400000, &t->zero_window_timeout_ms));
	return 0;
}

static int parse_group(const struct cfg_where *w, const char *v, char *out, size_t outlen)
{
	if (strlen(v) >= outlen)
		return cfg_errf(w, "'%s' is longer than %zu bytes", v, outlen - 1);
	for (const char *c = v; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return cfg_errf(w, "'%s' is not a group name", v);
	snprintf(out, outlen, "%s", v);
	return 0;
}

/* "A.B.C.D:PORT" (loopback is fine: it is ours), or "off" / "none" for no endpoint. */
static int parse_metrics(const struct cfg_where *w, const char *v, char *out, size_t outlen)
{
	uint32_t a;
	uint16_t port;

	if (strcmp(v, "off") == 0 || strcmp(v, "none") == 0) {
		out[0] = '\0';
		return 0;
	}
	if (hl_parse_endpoint(v, &a, &port) != 0)
		return cfg_errf(w, "'%s' is not A.B.C.D:PORT (or off)", v);
	snprintf(out, outlen, "%s", v);
	return 0;
}

int cfg_load_ctrl(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	const char *v = cfg_get(s, "socket");
	struct cfg_where w = {s->display, "socket", err, errlen};

	OPT(s, "group", parse_group(w, v, cfg->ctrl_group, sizeof(cfg->ctrl_group)));
	OPT(s, "max_clients", cfg_parse_u32(w, v, 1, 1024, &cfg->ctrl_max_clients));
	OPT(s, "grace_ms", cfg_parse_u32(w, v, 0, 3600000, &cfg->ctrl_grace_ms));
	OPT(s, "metrics", parse_metrics(w, v, cfg->ctrl_metrics, sizeof(cfg->ctrl_metrics)));
	if (v == NULL)
		return 0;
	if (v[0] != '/')
		return cfg_errf(&w, "'%s' is not an absolute path", v);
	if (strlen(v) >= sizeof(cfg->ctrl_socket))
		return cfg_errf(&w, "'%s' is longer than %zu bytes (a unix socket path)", v,
				sizeof(cfg->ctrl_socket) - 1);
	snprintf(cfg->ctrl_socket, sizeof(cfg->ctrl_socket), "%s", v);
	return 0;
}

int cfg_load_http(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	struct hl_cfg_http *h = &cfg->http;
	const uint32_t day = 86400000;

	OPT(s, "client_head_timeout_ms", cfg_parse_u32(w, v, 1, day, &h->client_head_timeout_ms));
	OPT(s, "client_idle_timeout_ms", cfg_parse_u32(w, v, 1, day, &h->client_idle_timeout_ms));
	OPT(s, "replica_connect_timeout_ms",
	    cfg_parse_u32(w, v, 1, day, &h->replica_connect_timeout_ms));
	OPT(s, "replica_response_timeout_ms",
	    cfg_parse_u32(w, v, 1, day, &h->replica_response_timeout_ms));
	OPT(s, "replica_idle_timeout_ms", cfg_parse_u32(w, v, 1, day, &h->replica_idle_timeout_ms));
	OPT(s, "replica_queue_timeout_ms",
	    cfg_parse_u32(w, v, 1, day, &h->replica_queue_timeout_ms));
	OPT(s, "replica_conns_max", cfg_parse_u32(w, v, 1, 65535, &h->replica_conns_max));
	OPT(s, "max_requests", cfg_parse_u32(w, v, 2, 1u << 20, &h->max_requests));
	OPT(s, "max_head", cfg_parse_u32(w, v, 256, 1u << 20, &h->max_head));
	OPT(s, "max_fields", cfg_parse_u32(w, v, 8, 1000, &h->max_fields));
	OPT(s, "max_body_kib", cfg_parse_u32(w, v, 0, UINT32_MAX, &h->max_body_kib));
	OPT(s, "queue_bytes", cfg_parse_u32(w, v, 4096, 1u << 30, &h->queue_bytes));
	OPT(s, "x_forwarded_for", cfg_parse_bool(w, v, &h->x_forwarded_for));
	return 0;
}

static int parse_path(const struct cfg_where *w, const char *v, char *out, size_t outlen)
{
	if (v[0] != '/')
		return cfg_errf(w, "'%s' is not an origin-form path (starts with '/')", v);
	if (strlen(v) >= outlen)
		return cfg_errf(w, "'%s' is longer than %zu bytes", v, outlen - 1);
	for (const char *c = v; *c != '\0'; c++)
		if (*c <= ' ' || *c == 0x7f)
			return cfg_errf(w, "'%s' holds a space or control character", v);
	snprintf(out, outlen, "%s", v);
	return 0;
}

int cfg_load_health(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen)
{
	struct hl_cfg_health *h = &cfg->health;

	OPT(s, "passive_fall", cfg_parse_u32(w, v, 0, 1000, &h->passive_fall));
	OPT(s, "down_backoff_ms", cfg_parse_u32(w, v, 10, 3600000, &h->down_backoff_ms));
	OPT(s, "check_path", parse_path(w, v, h->check_path, sizeof(h->check_path)));
	OPT(s, "check_interval_ms", cfg_parse_u32(w, v, 10, 3600000, &h->check_interval_ms));
	OPT(s, "check_timeout_ms", cfg_parse_u32(w, v, 10, 3600000, &h->check_timeout_ms));
	OPT(s, "rise", cfg_parse_u32(w, v, 1, 100, &h->rise));
	OPT(s, "fall", cfg_parse_u32(w, v, 1, 100, &h->fall));
	if (h->check_timeout_ms > h->check_interval_ms) {
		struct cfg_where w = {s->display, "check_timeout_ms", err, errlen};

		return cfg_errf(&w, "'%u' is above check_interval_ms (%u)", h->check_timeout_ms,
				h->check_interval_ms);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Checks across sections.                                            */

static int check_port(struct hl_config *cfg, unsigned i, char *err, size_t errlen)
{
	struct hl_cfg_port *p = &cfg->ports[i];
	char sec[HL_CFG_NAME_MAX + 8], a[16], b[16];
	struct cfg_where w = {sec, NULL, err, errlen};
	uint32_t mask = cfg_prefix_mask(p->prefix_len);
	int rc;

	snprintf(sec, sizeof(sec), "port %s", p->name);
	if (!cfg_eal_has_dev(cfg, p->name))
		return cfg_errf(&w, "no device '%s' in [eal] args (add --vdev=%s,... or -a %s)",
				p->name, p->name, p->name);
	rc = cfg_eal_port_devargs(cfg, p, err, errlen);
	if (rc != 0)
		return rc;
	if (p->gateway != 0) {
		w.key = "gateway";
		if (p->gateway == p->addr)
			return cfg_errf(&w, "'%s' is the port's own address",
					cfg_ip_str(p->gateway, a));
		if ((p->gateway & mask) != (p->addr & mask))
			return cfg_errf(&w, "'%s' is not in the port's subnet %s/%u",
					cfg_ip_str(p->gateway, a), cfg_ip_str(p->addr & mask, b),
					p->prefix_len);
	}
	w.key = "address";
	for (unsigned j = 0; j < i; j++) {
		const struct hl_cfg_port *q = &cfg->ports[j];
		uint32_t m = p->prefix_len < q->prefix_len ? mask : cfg_prefix_mask(q->prefix_len);

		if ((p->addr & m) == (q->addr & m))
			return cfg_errf(&w,
					"'%s/%u' overlaps [port %s]'s subnet %s/%u (egress "
					"by connected subnet would be ambiguous)",
					cfg_ip_str(p->addr, a), p->prefix_len, q->name,
					cfg_ip_str(q->addr, b), q->prefix_len);
	}
	return 0;
}

static int check_listener(struct hl_config *cfg, unsigned i, char *err, size_t errlen)
{
	const struct hl_cfg_listener *l = &cfg->listeners[i];
	char sec[HL_CFG_NAME_MAX + 12], a[16];
	struct cfg_where w = {sec, "vip", err, errlen};

	snprintf(sec, sizeof(sec), "listener %s", l->name);
	for (unsigned j = 0; j < cfg->n_ports; j++)
		if (cfg->ports[j].addr == l->vip)
			return cfg_errf(&w, "'%s' is the address of [port %s]",
					cfg_ip_str(l->vip, a), cfg->ports[j].name);
	for (unsigned j = 0; j < i; j++)
		if (cfg->listeners[j].vip == l->vip && cfg->listeners[j].port == l->port)
			return cfg_errf(&w, "'%s' port %u is also [listener %s]'s",
					cfg_ip_str(l->vip, a), l->port, cfg->listeners[j].name);
	w.key = "port";
	if (l->port >= cfg->tcp.sport_lo && l->port <= cfg->tcp.sport_hi)
		return cfg_errf(&w,
				"%u is inside [tcp] source_ports %u-%u (the ports of hintlb's own "
				"connections; move one of them)",
				l->port, cfg->tcp.sport_lo, cfg->tcp.sport_hi);
	w.key = "mode";
	if ((l->mode == HL_LISTEN_RELAY || l->mode == HL_LISTEN_HTTP) && cfg->n_replicas == 0)
		return cfg_errf(&w, "%s needs at least one [replica NAME] to send to",
				hl_listener_mode_name(l->mode));
	return 0;
}

static int check_tcp(struct hl_config *cfg, char *err, size_t errlen)
{
	struct cfg_where w = {"tcp", "source_address", err, errlen};
	char a[16];

	if (cfg->tcp.source == 0)
		return 0;
	for (unsigned j = 0; j < cfg->n_ports; j++)
		if (cfg->ports[j].addr == cfg->tcp.source)
			return 0;
	return cfg_errf(&w, "'%s' is not the address of a [port]", cfg_ip_str(cfg->tcp.source, a));
}

static int check_replica(struct hl_config *cfg, unsigned i, char *err, size_t errlen)
{
	const struct hl_cfg_replica *r = &cfg->replicas[i];
	char sec[HL_CFG_NAME_MAX + 12], a[16];
	struct cfg_where w = {sec, "address", err, errlen};

	snprintf(sec, sizeof(sec), "replica %s", r->name);
	for (unsigned j = 0; j < cfg->n_ports; j++)
		if (cfg->ports[j].addr == r->addr)
			return cfg_errf(&w, "'%s:%u' is the address of [port %s]",
					cfg_ip_str(r->addr, a), r->port, cfg->ports[j].name);
	for (unsigned j = 0; j < i; j++)
		if (cfg->replicas[j].addr == r->addr && cfg->replicas[j].port == r->port)
			return cfg_errf(&w, "'%s:%u' is also [replica %s]'s",
					cfg_ip_str(r->addr, a), r->port, cfg->replicas[j].name);
	for (unsigned j = 0; j < cfg->n_listeners; j++)
		if (cfg->listeners[j].vip == r->addr)
			return cfg_errf(&w, "'%s:%u' is the VIP of [listener %s]",
					cfg_ip_str(r->addr, a), r->port, cfg->listeners[j].name);
	return 0;
}

int cfg_check_all(struct hl_config *cfg, char *err, size_t errlen)
{
	uint32_t max_replicas = cfg->routing.max_replicas;
	int rc = 0;

	if (cfg->eal_argc == 0) {
		snprintf(err, errlen, "[eal]: missing (the section with args = EAL arguments)");
		return -EINVAL;
	}
	if (cfg->n_ports == 0) {
		snprintf(err, errlen, "[port DEVICE]: missing (hintlb needs at least one port)");
		return -EINVAL;
	}
	for (unsigned i = 0; i < cfg->n_ports && rc == 0; i++)
		rc = check_port(cfg, i, err, errlen);
	for (unsigned i = 0; i < cfg->n_listeners && rc == 0; i++)
		rc = check_listener(cfg, i, err, errlen);
	for (unsigned i = 0; i < cfg->n_replicas && rc == 0; i++)
		rc = check_replica(cfg, i, err, errlen);
	if (rc == 0)
		rc = check_tcp(cfg, err, errlen);
	if (rc != 0)
		return rc;
	if (cfg->tcp.syn_backlog > cfg->tcp.max_conns) {
		snprintf(err, errlen, "[tcp] syn_backlog: '%u' is above max_conns (%u)",
			 cfg->tcp.syn_backlog, cfg->tcp.max_conns);
		return -EINVAL;
	}
	if (max_replicas != 0 && max_replicas < cfg->n_replicas) {
		snprintf(err, errlen,
			 "[routing] max_replicas: '%u' is below the %u [replica] sections",
			 max_replicas, cfg->n_replicas);
		return -EINVAL;
	}
	if (max_replicas == 0)
		max_replicas = RTE_MAX(256u, cfg->n_replicas);
	if (cfg->routing.maglev_size <= max_replicas) {
		snprintf(err, errlen,
			 "[routing] maglev_size: '%u' must be above max_replicas (%u); e.g. 65537",
			 cfg->routing.maglev_size, max_replicas);
		return -EINVAL;
	}
	cfg->routing.max_replicas = max_replicas;
	return 0;
}
