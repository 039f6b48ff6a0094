/* SPDX-License-Identifier: BSD-3-Clause */
/* The Zipf sampler (hg_zipf.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "hg_zipf.h"

int hg_zipf_init(struct hg_zipf *z, uint32_t n, double s)
{
	double total = 0.0, acc = 0.0;

	z->cdf = NULL;
	if (n == 0 || n > (1u << 26) || !(s >= 0.0 && s <= 10.0))
		return -EINVAL;
	z->cdf = malloc(sizeof(double) * n);
	if (z->cdf == NULL)
		return -ENOMEM;
	z->n = n;
	z->s = s;
	for (uint32_t k = 0; k < n; k++)
		total += pow((double)k + 1.0, -s);
	for (uint32_t k = 0; k < n; k++) {
		acc += pow((double)k + 1.0, -s);
		z->cdf[k] = acc / total;
	}
	z->cdf[n - 1] = 1.0; /* rounding must not leave a gap at the top */
	return 0;
}

void hg_zipf_free(struct hg_zipf *z)
{
	free(z->cdf);
	z->cdf = NULL;
}

double hg_zipf_prob(const struct hg_zipf *z, uint32_t k)
{
	return k == 0 ? z->cdf[0] : z->cdf[k] - z->cdf[k - 1];
}
