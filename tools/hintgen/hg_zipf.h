/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hint popularity: a seeded generator (splitmix64) and a Zipf sampler over
 * ranks 0..n-1, P(rank k) proportional to 1 / (k + 1)^s (s = 0: uniform).
 * The sampler keeps the cumulative distribution (n doubles) and draws by
 * binary search: O(log n) per draw, exact to double precision. No DPDK here.
 */
#ifndef HINTGEN_HG_ZIPF_H
#define HINTGEN_HG_ZIPF_H

#include <stdint.h>

struct hg_rng {
	uint64_t s;
};

static inline void hg_rng_seed(struct hg_rng *r, uint64_t seed)
{
	r->s = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014): a 64-bit state stepped by the golden
 * ratio constant and mixed; passes BigCrush, enough for load generation */
static inline uint64_t hg_rng_next(struct hg_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static inline double hg_rng_unit(struct hg_rng *r)
{
	return (double)(hg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

struct hg_zipf {
	uint32_t n;
	double s;
	double *cdf; /* cdf[k] = P(rank <= k); cdf[n - 1] = 1 */
};

/*
 * Prepare @p z for @p n ranks (1..2^26) and exponent @p s (0..10).
 * @return 0, -EINVAL (out of range), -ENOMEM.
 */
int hg_zipf_init(struct hg_zipf *z, uint32_t n, double s);
void hg_zipf_free(struct hg_zipf *z);

/* The probability of rank @p k (0-based). */
double hg_zipf_prob(const struct hg_zipf *z, uint32_t k);

/* A rank in 0..n-1 (0 the most popular). */
static inline uint32_t hg_zipf_draw(const struct hg_zipf *z, struct hg_rng *r)
{
	double u = hg_rng_unit(r);
	uint32_t lo = 0, hi = z->n - 1;

	while (lo < hi) { /* the first k with cdf[k] > u */
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

#endif /* HINTGEN_HG_ZIPF_H */
