/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace: seeded random numbers (xoshiro256** seeded by splitmix64; no
 * libc rand), Poisson arrivals and Zipf-distributed hints. Built once and
 * replayed by every policy, so all of them see the same requests.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

static uint64_t splitmix64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return sim_mix64(*state);
}

uint64_t sim_mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t sim_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return sim_mix64(h);
}

void sim_rng_seed(struct sim_rng *rng, uint64_t seed)
{
	uint64_t sm = seed;
	int i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&sm);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(struct sim_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double sim_rng_double(struct sim_rng *rng)
{
	/* 53 random bits: every value a double can hold exactly in [0, 1). */
	return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Cumulative Zipf(s) weights over ranks 1..m: cdf[i] = sum_{k<=i+1} k^-s. */
static double *zipf_cdf(uint32_t m, double s)
{
	double *cdf = malloc(sizeof(*cdf) * m);
	double sum = 0.0;
	uint32_t i;

	if (cdf == NULL)
		return NULL;
	for (i = 0; i < m; i++) {
		sum += pow((double)(i + 1), -s);
		cdf[i] = sum;
	}
	return cdf;
}

/* The first index whose cumulative weight exceeds u * total. */
static uint32_t zipf_draw(const double *cdf, uint32_t m, double u)
{
	double x = u * cdf[m - 1];
	uint32_t lo = 0, hi = m - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Names "model-007": rank, zero padded to at least three digits. */
static int build_names(struct sim_trace *t)
{
	int width = snprintf(NULL, 0, "%u", t->n_models);
	uint32_t i;

	if (width < 3)
		width = 3;
	t->names = calloc(t->n_models, sizeof(*t->names));
	t->name_len = calloc(t->n_models, sizeof(*t->name_len));
	if (t->names == NULL || t->name_len == NULL)
		return -ENOMEM;
	for (i = 0; i < t->n_models; i++) {
		int len = asprintf(&t->names[i], "model-%0*u", width, i + 1);

		if (len < 0) {
			t->names[i] = NULL;
			return -ENOMEM;
		}
		t->name_len[i] = (size_t)len;
	}
	return 0;
}

static void draw_requests(struct sim_trace *t, const struct sim_config *cfg, const double *cdf)
{
	struct sim_rng rng;
	double now_ns = 0.0;
	double mean_gap_ns = (double)SIM_NS_PER_S / cfg->rate;
	uint64_t i;

	sim_rng_seed(&rng, cfg->seed);
	for (i = 0; i < t->n; i++) {
		/* Exponential gap; 1 - u is in (0, 1], so the log is finite. */
		now_ns += -log1p(-sim_rng_double(&rng)) * mean_gap_ns;
		t->arrival_ns[i] = (uint64_t)llround(now_ns);
		t->model[i] = zipf_draw(cdf, t->n_models, sim_rng_double(&rng));
	}
}

int sim_trace_build(struct sim_trace *t, const struct sim_config *cfg)
{
	double *cdf;
	int rc;

	memset(t, 0, sizeof(*t));
	t->n = cfg->requests;
	t->n_models = cfg->models;
	t->arrival_ns = malloc(sizeof(*t->arrival_ns) * t->n);
	t->model = malloc(sizeof(*t->model) * t->n);
	cdf = zipf_cdf(cfg->models, cfg->zipf);
	if (t->arrival_ns == NULL || t->model == NULL || cdf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = build_names(t);
	if (rc != 0)
		goto out;
	draw_requests(t, cfg, cdf);
out:
	free(cdf);
	if (rc != 0)
		sim_trace_free(t);
	return rc;
}

void sim_trace_free(struct sim_trace *t)
{
	uint32_t i;

	if (t->names != NULL) {
		for (i = 0; i < t->n_models; i++)
			free(t->names[i]);
	}
	free(t->names);
	free(t->name_len);
	free(t->arrival_ns);
	free(t->model);
	memset(t, 0, sizeof(*t));
}
