/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log-linear latency histogram in the manner of HdrHistogram: each power of
 * two [2^k, 2^(k+1)) is cut into HG_HIST_SUB equal buckets, so a recorded
 * value is known to within 1/HG_HIST_SUB of itself (0.78 %: two significant
 * decimal digits) whatever its magnitude; values below 2 * HG_HIST_SUB are
 * exact. Fixed size (58 KiB), no allocation, recording is a few instructions.
 * Units are the caller's (hintgen records nanoseconds). No DPDK here: the
 * unit test links it alone.
 */
#ifndef HINTGEN_HG_HIST_H
#define HINTGEN_HG_HIST_H

#include <stdint.h>

#define HG_HIST_SUB_BITS 7
#define HG_HIST_SUB      (1u << HG_HIST_SUB_BITS)
/* bucket indices for every uint64_t value: (64 - SUB_BITS) power-of-two groups
 * above the exact range, each HG_HIST_SUB wide, plus the exact range */
#define HG_HIST_BUCKETS ((64u - HG_HIST_SUB_BITS + 1u) * HG_HIST_SUB)

struct hg_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	double sum;
	uint64_t bucket[HG_HIST_BUCKETS];
};

/* Empty @p h. */
void hg_hist_reset(struct hg_hist *h);

/* The bucket of @p v. */
static inline unsigned hg_hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < 2 * HG_HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HG_HIST_SUB_BITS;
	return (shift + 1u) * HG_HIST_SUB + (unsigned)((v >> shift) - HG_HIST_SUB);
}

/* Smallest value of bucket @p idx, and the number of values it holds. */
uint64_t hg_hist_bucket_low(unsigned idx);
uint64_t hg_hist_bucket_width(unsigned idx);

static inline void hg_hist_record(struct hg_hist *h, uint64_t v)
{
	h->bucket[hg_hist_index(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += (double)v;
}

/* Add every value of @p src to @p dst. */
void hg_hist_merge(struct hg_hist *dst, const struct hg_hist *src);

/*
 * The value at or below which fraction @p q (0..1) of the recorded values lie:
 * the highest value of the bucket where the rank ceil(q * count) falls, but
 * never above the largest value recorded. So the answer is never below the
 * true one and at most 1/HG_HIST_SUB above it. 0 when empty; q >= 1: max.
 */
uint64_t hg_hist_quantile(const struct hg_hist *h, double q);

/* Arithmetic mean, 0 when empty. */
double hg_hist_mean(const struct hg_hist *h);

#endif /* HINTGEN_HG_HIST_H */
