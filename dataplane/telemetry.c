/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands, read with dpdk-telemetry.py (docs/dpdk-tools.md):
 *
 *   /hintlb/stats            worker counters summed over workers (non-zero ones, as the
 *                            control socket's `stats`) and routing decisions by reason
 *   /hintlb/stats,W          the same for worker W alone
 *   /hintlb/replicas[,FIRST] replicas from id FIRST on (at most TEL_REPLICAS_PER_ANSWER)
 *   /hintlb/ctrl             the control thread's and the routing core's counters
 *   /hintlb/xdp              the XDP stage's packets and bytes by reason and verdict, per port
 *
 * Threads. DPDK runs these callbacks on its telemetry threads (one per connected client,
 * so several at once), never on the control thread. All of them and the control thread
 * share tel.lock:
 *  - Worker counters are read live, relaxed, as the control socket reads them. The lock
 *    only keeps the workers' memory alive: hl_telemetry_stop() unpublishes the daemon
 *    before hl_daemon_stop() frees anything.
 *  - What the control thread writes (the routing core's replica table, its own counters)
 *    or reads through scratch state (hl_xdp_read_counters() uses one buffer per port) is
 *    never touched here. A callback takes a ticket, wakes the control thread (the workers'
 *    eventfd) and waits for a snapshot newer than its ticket; the control thread copies
 *    one at its next pass (hl_telemetry_serve(), under the lock) and signals. When none
 *    comes within TEL_WAIT_MS the answer is the previous snapshot; `age_ms` says how old.
 *  - DPDK 22.11 has no way to unregister a command: after stop the published daemon is
 *    NULL and every command answers null (dpdk-telemetry.py prints {"/hintlb/...": null}).
 *
 * DPDK's callbacks take no argument, hence the one file-static state, written by the
 * control thread only under the lock (registration once, before any client can call).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "daemon.h"
#include "hintlb/log.h"
#include "hintlb/xdp.h"

#define TEL_WAIT_MS 200 /* how long a command waits for the control thread's snapshot */
/* A replica's dict is at most ~330 bytes of JSON (a 63-byte name); DPDK 22.11 writes at
 * most 16 KiB per answer and silently leaves out what does not fit. */
#define TEL_REPLICAS_PER_ANSWER 40

struct tel_snapshot {
	uint64_t when_ms;    /* CLOCK_MONOTONIC */
	uint32_t n_replicas; /* ids 0..n_replicas-1 */
	uint32_t cap;        /* entries in replicas[] */
	struct hl_replica_info *replicas;
	bool replica_ok[HL_CFG_REPLICAS_MAX];
	struct hl_ctrl_report ctrl;
	struct hl_router_counters router;
	bool xdp_ok[HL_PORTS_MAX];
	struct hl_xdp_counters xdp[HL_PORTS_MAX];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t taken; /* a snapshot was taken, or the daemon stopped */
	bool registered;      /* commands registered, cond initialised (once per process) */
	struct hl_daemon *d;  /* published between start and stop; NULL otherwise */
	uint64_t asked;       /* tickets handed to callbacks */
	uint64_t answered;    /* the last ticket a snapshot covers */
	bool want;            /* asked > answered; the control thread reads it unlocked */
	struct tel_snapshot *snap;
} tel = {.lock = PTHREAD_MUTEX_INITIALIZER};

static const char *const state_names[] = {"up", "down", "draining"};
static const char *const kind_names[] = {"none", "empty", "list"};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Copy what the control thread owns. Control thread, tel.lock held. */
static void take_snapshot(struct hl_daemon *d, struct tel_snapshot *s)
{
	uint32_t n = hl_router_replica_count(d->router);

	s->n_replicas = RTE_MIN(n, s->cap);
	for (uint32_t id = 0; id < s->n_replicas; id++)
		s->replica_ok[id] = hl_replica_get(d->router, id, &s->replicas[id]) == 0;
	hl_ctrl_get_report(d->ctrl, &s->ctrl);
	hl_router_get_counters(d->router, &s->router);
	for (unsigned p = 0; p < HL_PORTS_MAX; p++)
		s->xdp_ok[p] =
			d->xdp[p] != NULL && hl_xdp_read_counters(d->xdp[p], &s->xdp[p]) == 0;
	s->when_ms = now_ms();
}

void hl_telemetry_serve(struct hl_daemon *d)
{
	if (!__atomic_load_n(&tel.want, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&tel.lock);
	if (tel.d == d && tel.snap != NULL) {
		take_snapshot(d, tel.snap);
		tel.answered = tel.asked;
		__atomic_store_n(&tel.want, false, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&tel.taken);
	}
	pthread_mutex_unlock(&tel.lock);
}

/*
 * Telemetry thread: lock, and wait (up to TEL_WAIT_MS) for a snapshot taken after this
 * call. @return the daemon with tel.lock held, or NULL (not held) when it is stopped.
 */
static struct hl_daemon *lock_fresh(void)
{
	struct timespec dl;
	uint64_t ticket, one = 1;
	ssize_t woke = 0;

	pthread_mutex_lock(&tel.lock);
	if (tel.d == NULL)
		goto stopped;
	ticket = ++tel.asked;
	__atomic_store_n(&tel.want, true, __ATOMIC_RELAXED);
	/* a failed wake-up (the eventfd at its maximum) only delays the answer: the control
	 * thread looks every 10 ms anyway (hl_daemon_ctrl_poll) */
	if (tel.d->shared.wake_fd >= 0)
		woke = write(tel.d->shared.wake_fd, &one, sizeof(one));
	(void)woke;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += TEL_WAIT_MS * 1000000L;
	dl.tv_sec += dl.tv_nsec / 1000000000L;
	dl.tv_nsec %= 1000000000L;
	while (tel.d != NULL && tel.answered < ticket)
		if (pthread_cond_timedwait(&tel.taken, &tel.lock, &dl) == ETIMEDOUT)
			break;
	if (tel.d == NULL)
		goto stopped;
	return tel.d;
stopped:
	pthread_mutex_unlock(&tel.lock);
	return NULL;
}

/*
 * Add @p c (consumed; NULL: out of memory) to @p out as @p name. @return 0 or -errno.
 * DPDK 22.11 frees containers only when it writes the answer, and writes none when the
 * callback fails: once a container is in @p out the callback must return 0, whatever is
 * missing. rte_tel_data_free() does not free nested containers either.
 */
static int add_dict(struct rte_tel_data *out, const char *name, struct rte_tel_data *c)
{
	int rc = c != NULL ? rte_tel_data_add_dict_container(out, name, c, 0) : -ENOMEM;

	if (rc < 0)
		rte_tel_data_free(c);
	return rc < 0 ? rc : 0;
}

/* A dict of @p v's non-zero counters (by name), or NULL (ENOMEM). */
static struct rte_tel_data *counters_dict(const uint64_t *v)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	for (unsigned i = 0; i < HL_CTR_COUNT; i++)
		if (v[i] != 0)
			rte_tel_data_add_dict_u64(c, hl_counter_name(i), v[i]);
	return c;
}

static struct rte_tel_data *routing_dict(const uint64_t *v)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	for (unsigned r = 0; r < HL_ROUTE_REASON_COUNT; r++)
		rte_tel_data_add_dict_u64(c, hl_route_reason_name((enum hl_route_reason)r), v[r]);
	return c;
}

/* Worker @p w's counters added into @p ctr and @p route (relaxed loads). */
static void sum_worker(const struct hl_worker *w, uint64_t *ctr, uint64_t *route)
{
	for (unsigned c = 0; c < HL_CTR_COUNT; c++)
		ctr[c] += __atomic_load_n(&w->ctr[c], __ATOMIC_RELAXED);
	for (unsigned r = 0; r < HL_ROUTE_REASON_COUNT; r++)
		route[r] += __atomic_load_n(&w->route.stats.reason[r], __ATOMIC_RELAXED);
}

/* Parse a decimal id parameter; absent: @p dflt. @return 0 or -EINVAL. */
static int param_id(const char *params, unsigned long dflt, unsigned long *out)
{
	char *end;

	*out = dflt;
	if (params == NULL || params[0] == '\0')
		return 0;
	errno = 0;
	*out = strtoul(params, &end, 10);
	return errno == 0 && *end == '\0' && params[0] >= '0' && params[0] <= '9' ? 0 : -EINVAL;
}

/*
 * {"workers": N, "counters": {...}, "routing": {...}} or, for worker W, {"worker": W,
 * "lcore": L, ...}. At most ~5.5 KiB of JSON (133 counters with 20-digit values): one
 * block fits DPDK 22.11's 16 KiB answer, one per worker would not, hence the parameter.
 */
static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *out)
{
	uint64_t ctr[HL_CTR_COUNT] = {0}, route[HL_ROUTE_REASON_COUNT] = {0};
	unsigned long wid;
	struct hl_daemon *d;
	int rc;

	(void)cmd;
	pthread_mutex_lock(&tel.lock);
	d = tel.d;
	rc = d == NULL ? -ENODEV : param_id(params, ULONG_MAX, &wid);
	if (rc == 0 && wid != ULONG_MAX && (wid >= d->n_workers || d->workers[wid] == NULL))
		rc = -EINVAL;
	if (rc == 0) {
		rte_tel_data_start_dict(out);
		if (wid == ULONG_MAX) {
			rte_tel_data_add_dict_u64(out, "workers", d->n_workers);
			for (unsigned i = 0; i < d->n_workers; i++)
				if (d->workers[i] != NULL)
					sum_worker(d->workers[i], ctr, route);
		} else {
			rte_tel_data_add_dict_u64(out, "worker", wid);
			rte_tel_data_add_dict_u64(out, "lcore", d->workers[wid]->lcore);
			sum_worker(d->workers[wid], ctr, route);
		}
	}
	pthread_mutex_unlock(&tel.lock);
	if (rc != 0)
		return rc;
	add_dict(out, "counters", counters_dict(ctr));
	add_dict(out, "routing", routing_dict(route));
	return 0;
}

static struct rte_tel_data *replica_dict(const struct hl_replica_info *i)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	uint32_t h = i->ipv4; /* host order */
	char addr[32];

	if (c == NULL)
		return NULL;
	snprintf(addr, sizeof(addr), "%u.%u.%u.%u:%u", h >> 24, (h >> 16) & 255, (h >> 8) & 255,
		 h & 255, i->port);
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "name", i->name);
	rte_tel_data_add_dict_string(c, "address", addr);
	rte_tel_data_add_dict_string(c, "state", state_names[i->state % 3]);
	rte_tel_data_add_dict_u64(c, "weight", i->weight);
	rte_tel_data_add_dict_u64(c, "concurrency", i->concurrency);
	rte_tel_data_add_dict_u64(c, "inflight", i->inflight);
	rte_tel_data_add_dict_string(c, "hints_kind", kind_names[i->hints_kind % 3]);
	rte_tel_data_add_dict_u64(c, "hints", i->n_hints);
	return c;
}

/* {"count": N, "age_ms": A, "replicas": {"ID": {...}, ...}, "next": ID (when more)} */
static int tel_replicas(const char *cmd, const char *params, struct rte_tel_data *out)
{
	struct rte_tel_data *list;
	const struct tel_snapshot *s;
	unsigned long first;
	uint32_t id;
	char key[16];
	int rc = param_id(params, 0, &first);

	(void)cmd;
	if (rc != 0)
		return rc;
	list = rte_tel_data_alloc();
	if (list == NULL)
		return -ENOMEM;
	if (lock_fresh() == NULL) {
		rte_tel_data_free(list);
		return -ENODEV;
	}
	s = tel.snap;
	rte_tel_data_start_dict(out);
	rte_tel_data_add_dict_u64(out, "count", s->n_replicas);
	rte_tel_data_add_dict_u64(out, "age_ms", now_ms() - s->when_ms);
	rte_tel_data_start_dict(list);
	for (id = (uint32_t)RTE_MIN(first, (unsigned long)s->n_replicas);
	     id < s->n_replicas && rc == 0; id++) {
		if (!s->replica_ok[id])
			continue;
		if (first + TEL_REPLICAS_PER_ANSWER <= id) {
			rte_tel_data_add_dict_u64(out, "next", id);
			break;
		}
		snprintf(key, sizeof(key), "%" PRIu32, id);
		rc = add_dict(list, key, replica_dict(&s->replicas[id]));
	}
	pthread_mutex_unlock(&tel.lock);
	add_dict(out, "replicas", list); /* a replica that did not fit is left out */
	return 0;
}

static int tel_ctrl(const char *cmd, const char *params, struct rte_tel_data *out)
{
	struct rte_tel_data *router = rte_tel_data_alloc();
	const struct hl_ctrl_report *c;
	const struct hl_router_counters *r;

	(void)cmd;
	(void)params;
	if (router == NULL)
		return -ENOMEM;
	if (lock_fresh() == NULL) {
		rte_tel_data_free(router);
		return -ENODEV;
	}
	c = &tel.snap->ctrl;
	r = &tel.snap->router;
	rte_tel_data_start_dict(out);
	rte_tel_data_add_dict_u64(out, "age_ms", now_ms() - tel.snap->when_ms);
	rte_tel_data_add_dict_u64(out, "msgs", c->st.msgs);
	rte_tel_data_add_dict_u64(out, "hints_applied", c->st.hints_applied);
	rte_tel_data_add_dict_u64(out, "hints_refused", c->st.hints_refused);
	rte_tel_data_add_dict_u64(out, "health_events", c->st.health_events);
	rte_tel_data_add_dict_u64(out, "marked_down", c->st.marked_down);
	rte_tel_data_add_dict_u64(out, "marked_up", c->st.marked_up);
	rte_tel_data_add_dict_u64(out, "bad_msgs", c->st.bad_msgs);
	rte_tel_data_add_dict_u64(out, "hints_apply_ns_p50", c->hints_apply_ns_p50);
	rte_tel_data_add_dict_u64(out, "hints_apply_ns_p99", c->hints_apply_ns_p99);
	rte_tel_data_add_dict_u64(out, "hints_apply_ns_max", c->hints_apply_ns_max);
	rte_tel_data_add_dict_u64(out, "sock_accepted", c->sock_accepted);
	rte_tel_data_add_dict_u64(out, "sock_refused_full", c->sock_refused_full);
	rte_tel_data_add_dict_u64(out, "sock_requests", c->sock_requests);
	rte_tel_data_add_dict_u64(out, "sock_errors", c->sock_errors);
	rte_tel_data_add_dict_u64(out, "sock_bad_json", c->sock_bad_json);
	rte_tel_data_add_dict_u64(out, "sock_too_long", c->sock_too_long);
	rte_tel_data_add_dict_u64(out, "sock_timeouts", c->sock_timeouts);
	rte_tel_data_add_dict_u64(out, "sock_clients", c->sock_clients);
	rte_tel_data_add_dict_u64(out, "metrics_requests", c->metrics_requests);
	rte_tel_data_start_dict(router);
	rte_tel_data_add_dict_u64(router, "hints", r->hints);
	rte_tel_data_add_dict_u64(router, "maglev_builds", r->maglev_builds);
	rte_tel_data_add_dict_u64(router, "reclaimed", r->reclaimed);
	rte_tel_data_add_dict_u64(router, "est_service_ns", r->est_service_ns);
	rte_tel_data_add_dict_u64(router, "est_load_ns", r->est_load_ns);
	pthread_mutex_unlock(&tel.lock);
	add_dict(out, "router", router);
	return 0;
}

/* One port's non-zero (reason/verdict) cells: {"packets": {...}, "bytes": {...}}. */
static struct rte_tel_data *xdp_port_dict(const struct hl_xdp_counters *x, const char *iface)
{
	struct rte_tel_data *c = rte_tel_data_alloc(), *pk = rte_tel_data_alloc(),
			    *by = rte_tel_data_alloc();
	char key[64];

	if (c == NULL || pk == NULL || by == NULL) {
		rte_tel_data_free(c);
		rte_tel_data_free(pk);
		rte_tel_data_free(by);
		return NULL;
	}
	rte_tel_data_start_dict(c);
	rte_tel_data_start_dict(pk);
	rte_tel_data_start_dict(by);
	rte_tel_data_add_dict_string(c, "iface", iface);
	for (unsigned r = 0; r < HL_XDP_REASON_SLOTS; r++)
		for (unsigned v = 0; v < HL_XDP_VERDICT_MAX; v++) {
			if (x->by[r][v].packets == 0 || hl_xdp_reason_name(r) == NULL ||
			    hl_xdp_verdict_name(v) == NULL)
				continue;
			snprintf(key, sizeof(key), "%s/%s", hl_xdp_reason_name(r),
				 hl_xdp_verdict_name(v));
			rte_tel_data_add_dict_u64(pk, key, x->by[r][v].packets);
			rte_tel_data_add_dict_u64(by, key, x->by[r][v].bytes);
		}
	add_dict(c, "packets", pk);
	add_dict(c, "bytes", by);
	return c;
}

/* {"PORT_INDEX": {"iface": IF, "packets": {...}, "bytes": {...}}, ...} for XDP-stage ports. */
static int tel_xdp(const char *cmd, const char *params, struct rte_tel_data *out)
{
	struct hl_daemon *d;
	char key[16];
	int rc = 0;

	(void)cmd;
	(void)params;
	d = lock_fresh();
	if (d == NULL)
		return -ENODEV;
	rte_tel_data_start_dict(out);
	rte_tel_data_add_dict_u64(out, "age_ms", now_ms() - tel.snap->when_ms);
	for (unsigned p = 0; p < d->cfg->n_ports && rc == 0; p++) {
		if (!tel.snap->xdp_ok[p])
			continue;
		snprintf(key, sizeof(key), "%u", p);
		rc = add_dict(out, key, xdp_port_dict(&tel.snap->xdp[p], d->cfg->ports[p].iface));
	}
	pthread_mutex_unlock(&tel.lock);
	return 0;
}

static bool eal_has(const struct hl_config *cfg, const char *arg)
{
	for (int i = 0; i < cfg->eal_argc; i++)
		if (cfg->eal_argv[i] != NULL && strcmp(cfg->eal_argv[i], arg) == 0)
			return true;
	return false;
}

/* Help texts: rte_telemetry_register_cmd() refuses RTE_TEL_MAX_STRING_LEN bytes or more. */
#define HELP_STATS                                                                                 \
	"hintlb worker counters (non-zero) and routing decisions, summed over workers. "           \
	"Parameters: int worker id (optional)"
#define HELP_REPLICAS                                                                              \
	"hintlb replicas: name, address, state, weight, inflight, hints. "                         \
	"Parameters: int first id (optional)"
#define HELP_CTRL                                                                                  \
	"hintlb control thread counters (messages, control socket, metrics), routing core's. "     \
	"No parameters"
#define HELP_XDP "hintlb XDP stage packets and bytes by reason/verdict, per port. No parameters"
_Static_assert(sizeof(HELP_STATS) <= RTE_TEL_MAX_STRING_LEN, "help text too long");
_Static_assert(sizeof(HELP_REPLICAS) <= RTE_TEL_MAX_STRING_LEN, "help text too long");
_Static_assert(sizeof(HELP_CTRL) <= RTE_TEL_MAX_STRING_LEN, "help text too long");
_Static_assert(sizeof(HELP_XDP) <= RTE_TEL_MAX_STRING_LEN, "help text too long");

/* Once per process: the condition variable on CLOCK_MONOTONIC, the commands. */
static int register_commands(void)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{"/hintlb/stats", tel_stats, HELP_STATS},
		{"/hintlb/replicas", tel_replicas, HELP_REPLICAS},
		{"/hintlb/ctrl", tel_ctrl, HELP_CTRL},
		{"/hintlb/xdp", tel_xdp, HELP_XDP},
	};
	pthread_condattr_t ca;
	int rc;

	if (pthread_condattr_init(&ca) != 0)
		return -ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = -pthread_cond_init(&tel.taken, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0)
			return rc; /* the ones before stay: they answer null until published */
	}
	return 0;
}

int hl_telemetry_start(struct hl_daemon *d, char *err, size_t errlen)
{
	struct tel_snapshot *s;
	int rc;

	if (eal_has(d->cfg, "--no-telemetry")) {
		HL_LOG(INFO, "telemetry: off ([eal] args has --no-telemetry)\n");
		return 0;
	}
	if (!tel.registered) {
		rc = register_commands();
		if (rc != 0) {
			snprintf(err, errlen, "telemetry: cannot register /hintlb/ commands: %s",
				 strerror(-rc));
			return rc;
		}
		tel.registered = true;
	}
	s = calloc(1, sizeof(*s));
	if (s != NULL) {
		/* the router's ids: [routing] max_replicas, resolved by the config */
		s->cap = RTE_MIN(d->cfg->routing.max_replicas, (uint32_t)HL_CFG_REPLICAS_MAX);
		s->replicas = calloc(s->cap, sizeof(*s->replicas));
	}
	if (s == NULL || s->replicas == NULL) {
		free(s);
		snprintf(err, errlen, "telemetry: out of memory for the snapshot");
		return -ENOMEM;
	}
	take_snapshot(d, s);
	pthread_mutex_lock(&tel.lock);
	tel.snap = s;
	tel.d = d;
	pthread_mutex_unlock(&tel.lock);
	return 0;
}

void hl_telemetry_stop(struct hl_daemon *d)
{
	struct tel_snapshot *s;

	pthread_mutex_lock(&tel.lock);
	if (tel.d != d) {
		pthread_mutex_unlock(&tel.lock);
		return;
	}
	tel.d = NULL;
	s = tel.snap;
	tel.snap = NULL;
	pthread_cond_broadcast(&tel.taken);
	pthread_mutex_unlock(&tel.lock);
	free(s->replicas);
	free(s);
}
