/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration loading: rte_cfgfile reads the INI file; this file walks its
 * sections, refuses unknown sections and keys, and hands each known section
 * to its loader (config_section.c). Checks that span sections (an address
 * used twice, a port naming no device) run once everything is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>
#include <rte_common.h>

#include "config_priv.h"
#include "config_section.h"

/* A section type: its word, whether it takes a name, its keys, its loader. */
struct sec_type {
	const char *type;
	bool named;
	const char *const *keys; /* NULL-terminated */
	const char *repeatable;  /* the one key that may repeat, or NULL */
	int (*load)(struct hl_config *cfg, const struct cfg_sec *s, char *err, size_t errlen);
};

static const char *const eal_keys[] = {"args", NULL};
static const char *const port_keys[] = {"address", "gateway", "mtu", NULL};
static const char *const listener_keys[] = {"vip", "port", "mode", NULL};
static const char *const routing_keys[] = {
	"hint_header",  "hints_header", "balance_factor", "maglev_size", "policy", "max_hints",
	"max_replicas", "strip_hints",  "explain_header", "load_wait",   NULL};
static const char *const replica_keys[] = {"address", "weight", "concurrency", NULL};
static const char *const worker_keys[] = {"idle",    "idle_sleep_us", "mbufs",
					  "rx_desc", "tx_desc",       NULL};
static const char *const ctrl_keys[] = {"socket",  "group",    "max_clients",
					"metrics", "grace_ms", NULL};
static const char *const http_keys[] = {"client_head_timeout_ms",
					"client_idle_timeout_ms",
					"replica_connect_timeout_ms",
					"replica_response_timeout_ms",
					"replica_idle_timeout_ms",
					"replica_queue_timeout_ms",
					"replica_conns_max",
					"max_requests",
					"max_head",
					"max_fields",
					"max_body_kib",
					"queue_bytes",
					"x_forwarded_for",
					NULL};
static const char *const health_keys[] = {"passive_fall",
					  "down_backoff_ms",
					  "check_path",
					  "check_interval_ms",
					  "check_timeout_ms",
					  "rise",
					  "fall",
					  NULL};
static const char *const tcp_keys[] = {"max_conns",
				       "syn_backlog",
				       "time_wait",
				       "rcv_buf",
				       "ooo_per_conn",
				       "ooo_max",
				       "source_ports",
				       "source_address",
				       "congestion_control",
				       "challenge_ack_limit",
				       "keepalive",
				       "keepalive_idle_s",
				       "keepalive_interval_s",
				       "keepalive_probes",
				       "syn_retries",
				       "synack_retries",
				       "zero_window_timeout_ms",
				       NULL};

static const struct sec_type sec_types[] = {
	{"eal", false, eal_keys, "args", cfg_load_eal},
	{"port", true, port_keys, NULL, cfg_load_port},
	{"listener", true, listener_keys, NULL, cfg_load_listener},
	{"routing", false, routing_keys, NULL, cfg_load_routing},
	{"replica", true, replica_keys, NULL, cfg_load_replica},
	{"worker", false, worker_keys, NULL, cfg_load_worker},
	{"ctrl", false, ctrl_keys, NULL, cfg_load_ctrl},
	{"tcp", false, tcp_keys, NULL, cfg_load_tcp},
	{"http", false, http_keys, NULL, cfg_load_http},
	{"health", false, health_keys, NULL, cfg_load_health},
};

const char *cfg_get(const struct cfg_sec *s, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->e[i].name, key) == 0)
			return s->e[i].value;
	return NULL;
}

static void set_defaults(struct hl_config *cfg)
{
	snprintf(cfg->routing.hint_header, sizeof(cfg->routing.hint_header), "X-Fal-Runner-Hint");
	snprintf(cfg->routing.hints_header, sizeof(cfg->routing.hints_header),
		 "X-Fal-Runner-Hints");
	cfg->routing.balance_factor = 1.25;
	cfg->routing.maglev_size = 65537;
	snprintf(cfg->routing.policy, sizeof(cfg->routing.policy), "ect");
	cfg->routing.max_hints = 65536;
	cfg->routing.strip_hints = true;
	cfg->http.client_head_timeout_ms = 10000;
	cfg->http.client_idle_timeout_ms = 60000;
	cfg->http.replica_connect_timeout_ms = 3000;
	cfg->http.replica_response_timeout_ms = 120000;
	cfg->http.replica_idle_timeout_ms = 30000;
	cfg->http.replica_queue_timeout_ms = 10000;
	cfg->http.replica_conns_max = 256;
	cfg->http.max_requests = 1024;
	cfg->http.max_head = 32768;
	cfg->http.max_fields = 100;
	cfg->http.queue_bytes = 256 * 1024;
	cfg->http.x_forwarded_for = true;
	cfg->health.passive_fall = 3;
	cfg->health.down_backoff_ms = 5000;
	cfg->health.check_interval_ms = 2000;
	cfg->health.check_timeout_ms = 1000;
	cfg->health.rise = 2;
	cfg->health.fall = 3;
	cfg->worker.idle = HL_IDLE_ADAPTIVE;
	cfg->worker.idle_sleep_us = 100;
	cfg->worker.mbufs = 8191;
	cfg->worker.rx_desc = 1024;
	cfg->worker.tx_desc = 1024;
	cfg->tcp.max_conns = 16384;
	cfg->tcp.syn_backlog = 4096;
	cfg->tcp.time_wait = 4096;
	cfg->tcp.rcv_buf = 128 * 1024;
	cfg->tcp.sport_lo = 32768;
	cfg->tcp.sport_hi = 60999;
	cfg->tcp.challenge_ack_limit = 1000;
	cfg->tcp.keepalive_idle_s = 7200;
	cfg->tcp.keepalive_interval_s = 75;
	cfg->tcp.keepalive_probes = 9;
	cfg->tcp.syn_retries = 4;
	cfg->tcp.synack_retries = 5;
	cfg->tcp.zero_window_timeout_ms = 60000;
	snprintf(cfg->ctrl_socket, sizeof(cfg->ctrl_socket), "/run/hintlb/ctrl.sock");
	cfg->ctrl_max_clients = 16;
	cfg->ctrl_grace_ms = 10000;
	snprintf(cfg->ctrl_metrics, sizeof(cfg->ctrl_metrics), "127.0.0.1:9464");
}

/* Split "port net_af_xdp0" into its type and name; check the keys. */
static int check_section(struct cfg_sec *s, const struct sec_type **type, char *err, size_t errlen)
{
	struct cfg_where w = {s->display, NULL, err, errlen};
	size_t tn = strcspn(s->display, " \t");
	const struct sec_type *t = NULL;

	for (unsigned i = 0; i < RTE_DIM(sec_types); i++)
		if (strlen(sec_types[i].type) == tn &&
		    strncmp(sec_types[i].type, s->display, tn) == 0)
			t = &sec_types[i];
	if (t == NULL)
		return cfg_errf(&w, "unknown section (eal, port NAME, listener NAME, routing, "
				    "replica NAME, worker, tcp, ctrl)");
	s->name = s->display + tn + strspn(s->display + tn, " \t");
	if (t->named && *s->name == '\0')
		return cfg_errf(&w, "needs a name: [%s NAME]", t->type);
	if (!t->named && *s->name != '\0')
		return cfg_errf(&w, "takes no name: [%s]", t->type);
	if (strpbrk(s->name, " \t") != NULL)
		return cfg_errf(&w, "name '%s' has whitespace", s->name);

	for (int i = 0; i < s->n; i++) {
		const char *key = s->e[i].name;
		unsigned k;

		w.key = key;
		for (k = 0; t->keys[k] != NULL; k++)
			if (strcmp(t->keys[k], key) == 0)
				break;
		if (t->keys[k] == NULL)
			return cfg_errf(&w, "unknown key (value '%s')", s->e[i].value);
		if (strlen(s->e[i].value) >= CFG_VALUE_LEN - 1)
			return cfg_errf(&w,
					"value '%.40s...' is %d bytes or longer (rte_cfgfile's "
					"limit)%s",
					s->e[i].value, CFG_VALUE_LEN - 1,
					t->repeatable ? "; split it over several lines" : "");
		if (t->repeatable != NULL && strcmp(key, t->repeatable) == 0)
			continue;
		for (int j = 0; j < i; j++)
			if (strcmp(s->e[j].name, key) == 0)
				return cfg_errf(&w, "given twice ('%s' and '%s')", s->e[j].value,
						s->e[i].value);
	}
	*type = t;
	return 0;
}

static int load_sections(struct hl_config *cfg, struct rte_cfgfile *f, char *err, size_t errlen)
{
	int nsec = rte_cfgfile_num_sections(f, NULL, 0);
	struct cfg_sec *secs;
	int rc = 0;

	if (nsec < 0)
		return -EINVAL;
	secs = calloc((size_t)nsec + 1, sizeof(*secs));
	if (secs == NULL)
		return -ENOMEM;
	for (int i = 0; i < nsec && rc == 0; i++) {
		struct cfg_sec *s = &secs[i];
		const struct sec_type *t = NULL;

		s->n = rte_cfgfile_section_num_entries_by_index(f, s->display, i);
		if (s->n < 0) {
			rc = -EINVAL;
			break;
		}
		s->e = calloc((size_t)s->n + 1, sizeof(*s->e));
		if (s->e == NULL) {
			rc = -ENOMEM;
			break;
		}
		rte_cfgfile_section_entries_by_index(f, i, s->display, s->e, s->n);
		rc = check_section(s, &t, err, errlen);
		for (int j = 0; j < i && rc == 0; j++) {
			if (strcmp(secs[j].display, s->display) == 0) {
				struct cfg_where w = {s->display, NULL, err, errlen};

				rc = cfg_errf(&w, "section given twice");
			}
		}
		if (rc == 0)
			rc = t->load(cfg, s, err, errlen);
	}
	for (int i = 0; i < nsec; i++)
		free(secs[i].e);
	free(secs);
	return rc;
}

/*
 * rte_cfgfile silently skips lines that are neither "[section]" nor
 * "key = value", and refuses others without saying where. This only names
 * the first such line for the error message; rte_cfgfile does the parsing.
 */
static int lint(const char *path, char *err, size_t errlen)
{
	char line[CFG_NAME_LEN + CFG_VALUE_LEN + 8];
	bool in_section = false;
	int n = 0, rc = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0; /* rte_cfgfile_load reports it */
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *p = line, *semi;

		n++;
		if (len >= CFG_NAME_LEN + CFG_VALUE_LEN + 3 && line[len - 1] != '\n') {
			snprintf(err, errlen,
				 "%s:%d: line longer than %d bytes (rte_cfgfile's limit)", path, n,
				 CFG_NAME_LEN + CFG_VALUE_LEN + 2);
			rc = -EINVAL;
			break;
		}
		semi = strchr(line, ';');
		if (semi != NULL)
			*semi = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, "\r\n");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		p[len] = '\0';
		if (len == 0)
			continue;
		if (p[0] == '#' && strchr(p, '=') == NULL)
			continue;
		if (p[0] == '#')
			snprintf(err, errlen,
				 "%s:%d: '%.60s': a '#' comment holding '=' is read as a key; use "
				 "';'",
				 path, n, p);
		else if (p[0] == '[')
			in_section = true;
		else if (strchr(p, '=') == NULL)
			snprintf(err, errlen, "%s:%d: '%.60s' is neither [section] nor key = value",
				 path, n, p);
		else if (!in_section)
			snprintf(err, errlen, "%s:%d: '%.60s' comes before any [section]", path, n,
				 p);
		else if (p[len - 1] == '=')
			snprintf(err, errlen, "%s:%d: '%.60s' has an empty value", path, n, p);
		else
			continue;
		if (p[0] != '[')
			rc = -EINVAL;
		else if (strchr(p, ']') == NULL) {
			snprintf(err, errlen, "%s:%d: '%.60s' has no closing ']'", path, n, p);
			rc = -EINVAL;
		}
	}
	fclose(f);
	return rc;
}

int hl_config_load(const char *path, struct hl_config *cfg, char *err, size_t errlen)
{
	struct rte_cfgfile *f;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (access(path, R_OK) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return rc == -ENOENT ? -ENOENT : -EINVAL;
	}
	rc = lint(path, err, errlen);
	if (rc != 0)
		return rc;
	f = rte_cfgfile_load(path, 0);
	if (f == NULL) {
		snprintf(err, errlen,
			 "%s: not an INI file rte_cfgfile can read (every line must be [section], "
			 "key = value, or a ';' comment; keys before any section are refused)",
			 path);
		return -EINVAL;
	}
	set_defaults(cfg);
	cfg->path = strdup(path);
	rc = cfg->path == NULL ? -ENOMEM : load_sections(cfg, f, err, errlen);
	rte_cfgfile_close(f);
	if (rc == 0)
		rc = cfg_check_all(cfg, err, errlen);
	if (rc != 0)
		hl_config_free(cfg);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	return rc;
}

void hl_config_free(struct hl_config *cfg)
{
	for (int i = 0; i < cfg->eal_argc; i++)
		free(cfg->eal_argv[i]);
	free(cfg->replicas);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

const char *hl_listener_mode_name(enum hl_listener_mode mode)
{
	switch (mode) {
	case HL_LISTEN_HTTP:
		return "http";
	case HL_LISTEN_ECHO:
		return "echo";
	case HL_LISTEN_DISCARD:
		return "discard";
	case HL_LISTEN_RELAY:
		return "relay";
	}
	return "?";
}

const char *hl_idle_mode_name(enum hl_idle_mode mode)
{
	return mode == HL_IDLE_POLL ? "poll" : "adaptive";
}
