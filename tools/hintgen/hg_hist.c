/* SPDX-License-Identifier: BSD-3-Clause */
/* The log-linear histogram (hg_hist.h). */
#include <math.h>
#include <string.h>

#include "hg_hist.h"

void hg_hist_reset(struct hg_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t hg_hist_bucket_low(unsigned idx)
{
	unsigned shift;

	if (idx < 2 * HG_HIST_SUB)
		return idx;
	shift = idx / HG_HIST_SUB - 1u;
	return (uint64_t)(HG_HIST_SUB + idx % HG_HIST_SUB) << shift;
}

uint64_t hg_hist_bucket_width(unsigned idx)
{
	return idx < 2 * HG_HIST_SUB ? 1 : 1ull << (idx / HG_HIST_SUB - 1u);
}

void hg_hist_merge(struct hg_hist *dst, const struct hg_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < HG_HIST_BUCKETS; i++)
		dst->bucket[i] += src->bucket[i];
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
}

uint64_t hg_hist_quantile(const struct hg_hist *h, double q)
{
	uint64_t rank, acc = 0;

	if (h->count == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	if (q <= 0.0)
		return h->min;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < HG_HIST_BUCKETS; i++) {
		acc += h->bucket[i];
		if (acc >= rank) {
			uint64_t top = hg_hist_bucket_low(i) + (hg_hist_bucket_width(i) - 1);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

double hg_hist_mean(const struct hg_hist *h)
{
	return h->count == 0 ? 0.0 : h->sum / (double)h->count;
}
