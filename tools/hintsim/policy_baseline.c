/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The baselines: what users would run instead of hintlb.
 *
 *  - round_robin: the next replica, whatever the hint.
 *  - least_inflight: fewest requests in flight; ties go round-robin.
 *  - chash: HAProxy `balance hdr(X-Fal-Runner-Hint)` + `hash-type consistent`:
 *    a ring with SIM_CHASH_POINTS points per replica of weight 1, the hint's
 *    hash looked up clockwise.
 *  - chash_bounded: the same plus `hash-balance-factor 125`: a replica is
 *    eligible only while inflight + 1 <= ceil(factor * (total inflight + 1) / N);
 *    the lookup walks clockwise to the first eligible one.
 *  - haproxy: what HAProxy 2.6 itself does with `balance
 *    hdr(X-Fal-Runner-Hint)`, `hash-type consistent`, `hash-balance-factor
 *    125` and N servers of weight 1 declared in replica order (lb_chash.c,
 *    backend.c): full_hash() of the hint's sdbm hash (HAProxy 2.6.12 puts
 *    each of model-1..model-50 where that says, and nowhere near where the
 *    bare sdbm would: checked one request at a time against Debian 12's
 *    haproxy, 6 servers); 16 points per server at
 *    full_hash(puid * 4096 + i), puid = replica + 1; the nearer of the points
 *    either side of the hash; then forward past servers that are not
 *    eligible, a server's share of ceil((served + 1) * 1.25) slots being
 *    spread by cumulative weight (so the shares sum to the total, where
 *    chash_bounded gives each the ceiling). chash_bounded is the algorithm;
 *    this is HAProxy's placement of the very hints, which is what a measured
 *    HAProxy is compared with (tests/bench/bench_mission.sh).
 *  - nginx: what nginx 1.22 does with `hash $http_x_fal_runner_hint
 *    consistent` (ngx_http_upstream_hash_module.c): 160 points per server
 *    of weight 1, chained CRC-32s of the server's name as nginx.conf writes
 *    it (--server-names; the ring depends on them), the hint's CRC-32
 *    looked up to the first point at or after it. No load bound: a hot
 *    model's replica queues everything for it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hintsim.h"

/** Virtual points per replica of weight 1 on the hash ring. */
#define SIM_CHASH_POINTS 100

/* ------------------------------------------------------------------ */
/* round_robin and least_inflight                                      */

struct rr_state {
	uint32_t next;
};

static int rr_init(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen)
{
	(void)c;
	p->priv = calloc(1, sizeof(struct rr_state));
	if (p->priv == NULL) {
		snprintf(err, errlen, "%s: out of memory", p->ops->name);
		return -ENOMEM;
	}
	return 0;
}

static void rr_fini(struct sim_policy *p)
{
	free(p->priv);
	p->priv = NULL;
}

static int32_t rr_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	struct rr_state *st = p->priv;
	uint32_t r = st->next;

	(void)req;
	st->next = (r + 1) % c->n;
	return (int32_t)r;
}

/* Fewest in flight; scanning from the round-robin cursor makes ties rotate. */
static int32_t li_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	struct rr_state *st = p->priv;
	uint32_t best = st->next, i;

	(void)req;
	for (i = 1; i < c->n; i++) {
		uint32_t r = (st->next + i) % c->n;

		if (c->rep[r].inflight < c->rep[best].inflight)
			best = r;
	}
	st->next = (best + 1) % c->n;
	return (int32_t)best;
}

const struct sim_policy_ops sim_policy_round_robin = {
	.name = "round_robin",
	.init = rr_init,
	.pick = rr_pick,
	.fini = rr_fini,
};

const struct sim_policy_ops sim_policy_least_inflight = {
	.name = "least_inflight",
	.init = rr_init,
	.pick = li_pick,
	.fini = rr_fini,
};

/* ------------------------------------------------------------------ */
/* chash and chash_bounded                                             */

/* A point of a hash ring: a key (64-bit here, 32-bit on the real balancers'
 * rings below) and the replica it belongs to. */
struct ring_point {
	uint64_t key;
	uint32_t replica;
};

struct chash_state {
	struct ring_point *points; /**< sorted by key */
	uint32_t n_points;
	uint64_t *model_hash; /**< per model: hash of its name */
	uint64_t factor100;   /**< balance factor in percent, as HAProxy takes it */
	bool bounded;
};

/* By key, then replica. */
static int cmp_point(const void *a, const void *b)
{
	const struct ring_point *x = a, *y = b;

	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (x->replica > y->replica) - (x->replica < y->replica);
}

/* The index of the first of the @p n sorted @p points whose key is >= @p key;
 * n when none (the caller wraps). */
static uint32_t ring_lower_bound(const struct ring_point *points, uint32_t n, uint64_t key)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (points[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int chash_build(struct chash_state *st, const struct sim_cluster *c)
{
	const struct sim_trace *t = c->trace;
	uint32_t r, v, i = 0;

	st->n_points = c->n * SIM_CHASH_POINTS;
	st->points = malloc(sizeof(*st->points) * st->n_points);
	st->model_hash = malloc(sizeof(*st->model_hash) * t->n_models);
	if (st->points == NULL || st->model_hash == NULL)
		return -ENOMEM;
	for (r = 0; r < c->n; r++) {
		for (v = 0; v < SIM_CHASH_POINTS; v++) {
			st->points[i].key = sim_mix64(((uint64_t)(r + 1) << 32) | v);
			st->points[i++].replica = r;
		}
	}
	qsort(st->points, st->n_points, sizeof(*st->points), cmp_point);
	for (i = 0; i < t->n_models; i++)
		st->model_hash[i] = sim_hash_bytes(t->names[i], t->name_len[i]);
	return 0;
}

static void chash_fini(struct sim_policy *p)
{
	struct chash_state *st = p->priv;

	if (st != NULL) {
		free(st->points);
		free(st->model_hash);
		free(st);
	}
	p->priv = NULL;
}

static int chash_init_common(struct sim_policy *p, const struct sim_cluster *c, bool bounded,
			     char *err, size_t errlen)
{
	struct chash_state *st = calloc(1, sizeof(*st));

	p->priv = st;
	if (st == NULL || chash_build(st, c) != 0) {
		chash_fini(p);
		snprintf(err, errlen, "%s: out of memory", p->ops->name);
		return -ENOMEM;
	}
	st->bounded = bounded;
	st->factor100 = (uint64_t)llround(c->cfg->balance_factor * 100.0);
	return 0;
}

static int chash_init(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen)
{
	return chash_init_common(p, c, false, err, errlen);
}

static int chash_bounded_init(struct sim_policy *p, const struct sim_cluster *c, char *err,
			      size_t errlen)
{
	return chash_init_common(p, c, true, err, errlen);
}

/* inflight + 1 <= ceil(factor * (total + 1) / N), in integers. */
static bool chash_eligible(const struct chash_state *st, const struct sim_cluster *c, uint32_t r)
{
	uint64_t den = 100ULL * c->n;
	uint64_t cap = (st->factor100 * (c->total_inflight + 1) + den - 1) / den;

	return c->rep[r].inflight + 1 <= cap;
}

static int32_t chash_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	const struct chash_state *st = p->priv;
	uint32_t first =
		ring_lower_bound(st->points, st->n_points, st->model_hash[c->trace->model[req]]);
	uint32_t i;

	first = first == st->n_points ? 0 : first; /* the first point clockwise, wrapping */
	if (!st->bounded)
		return (int32_t)st->points[first].replica;
	for (i = 0; i < st->n_points; i++) {
		uint32_t r = st->points[(first + i) % st->n_points].replica;

		if (chash_eligible(st, c, r))
			return (int32_t)r;
	}
	/* Unreachable: the least loaded replica is always under the cap. */
	return (int32_t)st->points[first].replica;
}

const struct sim_policy_ops sim_policy_chash_bounded = {
	.name = "chash_bounded",
	.init = chash_bounded_init,
	.pick = chash_pick,
	.fini = chash_fini,
};

const struct sim_policy_ops sim_policy_chash = {
	.name = "chash",
	.init = chash_init,
	.pick = chash_pick,
	.fini = chash_fini,
};

/* ------------------------------------------------------------------ */
/* 32-bit hash rings: the real balancers' (haproxy, nginx)              */

struct ring32 {
	struct ring_point *points; /**< 32-bit keys; sorted by key, then replica */
	uint32_t n_points;
	uint32_t *model_hash; /**< per model: the balancer's hash of its name */
};

static void ring32_free(struct ring32 *rg)
{
	free(rg->points);
	free(rg->model_hash);
	rg->points = NULL;
	rg->model_hash = NULL;
}

/* Room for @p n_points points and the trace's model hashes. @return 0 or
 * -ENOMEM with @p err filled. */
static int ring32_alloc(struct ring32 *rg, uint32_t n_points, const struct sim_trace *t,
			const char *name, char *err, size_t errlen)
{
	rg->n_points = n_points;
	rg->points = malloc(sizeof(*rg->points) * n_points);
	rg->model_hash = malloc(sizeof(*rg->model_hash) * t->n_models);
	if (rg->points == NULL || rg->model_hash == NULL) {
		ring32_free(rg);
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	return 0;
}

static void ring32_sort(struct ring32 *rg)
{
	qsort(rg->points, rg->n_points, sizeof(*rg->points), cmp_point);
}

/* ------------------------------------------------------------------ */
/* haproxy: HAProxy 2.6's own hdr() consistent hash with bounded loads */

#define HAP_BE_WEIGHT_SCALE 16u                          /* eweight of a weight-1 server */
#define HAP_SRV_EWGHT_RANGE (256u * HAP_BE_WEIGHT_SCALE) /* SRV_UWGHT_RANGE x scale */

struct hap_state {
	struct ring32 ring; /**< model_hash: full_hash(sdbm(its name)) */
	uint32_t factor100;
};

/* Bob Jenkins' full avalanche integer hash, times HAProxy's prime (full_hash()). */
static uint32_t hap_full_hash(uint32_t a)
{
	a = (a + 0x7ed55d16u) + (a << 12);
	a = (a ^ 0xc761c23cu) ^ (a >> 19);
	a = (a + 0x165667b1u) + (a << 5);
	a = (a + 0xd3a2646cu) ^ (a << 9);
	a = (a + 0xfd7046c5u) + (a << 3);
	a = (a ^ 0xb55a4f09u) ^ (a >> 16);
	return a * 3221225473u;
}

/* HAProxy's hash_sdbm() (the default hash function of `hash-type`); chars
 * are signed there, which only matters above 0x7f. */
static uint32_t hap_sdbm(const char *key, size_t len)
{
	uint32_t hash = 0;

	while (len--) {
		int c = (signed char)*key++;

		hash = (uint32_t)c + (hash << 6) + (hash << 16) - hash;
	}
	return hash;
}

static void hap_fini(struct sim_policy *p)
{
	struct hap_state *st = p->priv;

	if (st != NULL) {
		ring32_free(&st->ring);
		free(st);
	}
	p->priv = NULL;
}

static int hap_init(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen)
{
	const struct sim_trace *t = c->trace;
	struct hap_state *st = calloc(1, sizeof(*st));
	uint32_t r, v, i = 0;
	int rc;

	p->priv = st;
	if (st == NULL) {
		snprintf(err, errlen, "%s: out of memory", p->ops->name);
		return -ENOMEM;
	}
	rc = ring32_alloc(&st->ring, c->n * HAP_BE_WEIGHT_SCALE, t, p->ops->name, err, errlen);
	if (rc != 0) {
		hap_fini(p);
		return rc;
	}
	for (r = 0; r < c->n; r++) {
		for (v = 0; v < HAP_BE_WEIGHT_SCALE; v++) {
			st->ring.points[i].key = hap_full_hash((r + 1) * HAP_SRV_EWGHT_RANGE + v);
			st->ring.points[i++].replica = r;
		}
	}
	ring32_sort(&st->ring);
	for (i = 0; i < t->n_models; i++)
		st->ring.model_hash[i] = hap_full_hash(hap_sdbm(t->names[i], t->name_len[i]));
	st->factor100 = (uint32_t)llround(c->cfg->balance_factor * 100.0);
	return 0;
}

/* chash_server_is_eligible(): every server weighs 16, cumulative weight 16 r. */
static bool hap_eligible(const struct hap_state *st, const struct sim_cluster *c, uint32_t r)
{
	uint64_t tot_weight = (uint64_t)HAP_BE_WEIGHT_SCALE * c->n;
	uint64_t tot_slots = ((c->total_inflight + 1) * st->factor100 + 99) / 100;
	uint64_t rem = tot_slots % tot_weight;
	uint64_t cum = (uint64_t)HAP_BE_WEIGHT_SCALE * r;
	uint64_t slots = HAP_BE_WEIGHT_SCALE * (tot_slots / tot_weight);

	slots += (cum + HAP_BE_WEIGHT_SCALE) * rem / tot_weight - cum * rem / tot_weight;
	if (slots == 0)
		slots = 1;
	return c->rep[r].inflight < slots;
}

/* chash_get_server_hash() */
static int32_t hap_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	const struct hap_state *st = p->priv;
	const struct ring32 *rg = &st->ring;
	uint32_t hash = rg->model_hash[c->trace->model[req]];
	uint32_t next = ring_lower_bound(rg->points, rg->n_points, hash), prev, i;

	next = next == rg->n_points ? 0 : next; /* wrapping */
	prev = next == 0 ? rg->n_points - 1 : next - 1;
	if ((uint32_t)(hash - rg->points[prev].key) <= (uint32_t)(rg->points[next].key - hash))
		next = prev;
	for (i = 0; i < rg->n_points; i++) {
		uint32_t r = rg->points[(next + i) % rg->n_points].replica;

		if (hap_eligible(st, c, r))
			return (int32_t)r;
	}
	/* HAProxy gives up after one turn of the ring and takes where it stopped */
	return (int32_t)rg->points[next].replica;
}

const struct sim_policy_ops sim_policy_haproxy = {
	.name = "haproxy",
	.init = hap_init,
	.pick = hap_pick,
	.fini = hap_fini,
};

/* ------------------------------------------------------------------ */
/* nginx: `hash $http_x_fal_runner_hint consistent`                    */

#define NGX_POINTS_PER_SERVER 160 /* of weight 1 */

static void ngx_crc_table(uint32_t *t)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		t[i] = c;
	}
}

/* The running CRC-32 (IEEE, reflected) @p crc over @p len bytes, neither
 * preset nor inverted here: callers start at 0xffffffff and invert the end. */
static uint32_t ngx_crc_update(const uint32_t *t, uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		crc = t[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

static void ngx_fini(struct sim_policy *p)
{
	struct ring32 *rg = p->priv;

	if (rg != NULL) {
		ring32_free(rg);
		free(rg);
	}
	p->priv = NULL;
}

/* Replica @p r's server name as nginx.conf gives it: the r-th of
 * --server-names, else "r<r+1>". @return its length. */
static size_t ngx_server_name(const struct sim_config *cfg, uint32_t r, char *buf, size_t size)
{
	const char *s = cfg->server_names;

	if (s == NULL)
		return (size_t)snprintf(buf, size, "r%u", r + 1);
	for (uint32_t i = 0; i < r; i++)
		s = strchr(s, ',') + 1; /* sim_opts_parse counted them */
	size_t n = strcspn(s, ",");
	n = n < size - 1 ? n : size - 1; /* sim_opts_parse bounded it */
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n;
}

/* The ring of ngx_http_upstream_init_chash(): a server name splits into host
 * and port at its last ':' when only digits follow it (a "unix:" path is all
 * host); the server's points are the CRC-32s of host, a 0 byte, port and the
 * previous point's four bytes (little-endian, 0 for the first), chained. */
static void ngx_server_points(const uint32_t *crc, const char *name, size_t len, uint32_t r,
			      struct ring_point *out)
{
	size_t host_len = len, port_off = len;
	uint32_t base = 0xffffffffu, prev = 0;

	if (len >= 5 && strncasecmp(name, "unix:", 5) == 0) {
		name += 5;
		host_len = len = len - 5;
		port_off = len;
	} else {
		for (size_t j = len; j > 0; j--) {
			char c = name[j - 1];

			if (c == ':') {
				host_len = j - 1;
				port_off = j;
				break;
			}
			if (c < '0' || c > '9')
				break;
		}
	}
	base = ngx_crc_update(crc, base, name, host_len);
	base = ngx_crc_update(crc, base, "", 1);
	base = ngx_crc_update(crc, base, name + port_off, len - port_off);
	for (uint32_t j = 0; j < NGX_POINTS_PER_SERVER; j++) {
		uint8_t b[4] = {(uint8_t)prev, (uint8_t)(prev >> 8), (uint8_t)(prev >> 16),
				(uint8_t)(prev >> 24)};
		uint32_t h = ngx_crc_update(crc, base, b, 4) ^ 0xffffffffu;

		out[j].key = h;
		out[j].replica = r;
		prev = h;
	}
}

static int ngx_init(struct sim_policy *p, const struct sim_cluster *c, char *err, size_t errlen)
{
	const struct sim_trace *t = c->trace;
	struct ring32 *rg = calloc(1, sizeof(*rg));
	char name[SIM_SERVER_NAME_MAX + 1];
	uint32_t crc[256], i, j;
	int rc;

	p->priv = rg;
	if (rg == NULL) {
		snprintf(err, errlen, "%s: out of memory", p->ops->name);
		return -ENOMEM;
	}
	rc = ring32_alloc(rg, c->n * NGX_POINTS_PER_SERVER, t, p->ops->name, err, errlen);
	if (rc != 0) {
		ngx_fini(p);
		return rc;
	}
	ngx_crc_table(crc);
	for (uint32_t r = 0; r < c->n; r++) {
		size_t len = ngx_server_name(c->cfg, r, name, sizeof(name));
		ngx_server_points(crc, name, len, r,
				  rg->points + (size_t)r * NGX_POINTS_PER_SERVER);
	}
	ring32_sort(rg);
	for (i = 0, j = 1; j < rg->n_points; j++) /* equal keys: the first stays */
		if (rg->points[i].key != rg->points[j].key)
			rg->points[++i] = rg->points[j];
	rg->n_points = i + 1;
	for (i = 0; i < t->n_models; i++)
		rg->model_hash[i] =
			ngx_crc_update(crc, 0xffffffffu, t->names[i], t->name_len[i]) ^ 0xffffffffu;
	return 0;
}

/* The first point at or after the hint's hash, wrapping: its server. nginx
 * has no load bound; it walks on only past servers that are down or failed,
 * which simulated replicas never are. */
static int32_t ngx_pick(struct sim_policy *p, const struct sim_cluster *c, uint64_t req)
{
	const struct ring32 *rg = p->priv;
	uint32_t i =
		ring_lower_bound(rg->points, rg->n_points, rg->model_hash[c->trace->model[req]]);

	return (int32_t)rg->points[i % rg->n_points].replica;
}

const struct sim_policy_ops sim_policy_nginx = {
	.name = "nginx",
	.init = ngx_init,
	.pick = ngx_pick,
	.fini = ngx_fini,
};
