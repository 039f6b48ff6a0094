/* SPDX-License-Identifier: BSD-3-Clause */
#include "tool_opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int tool_opt_bad(const char *prog, const char *opt, const char *value, const char *why)
{
	fprintf(stderr, "%s: --%s '%s': %s\n", prog, opt, value, why);
	return 2;
}

int tool_opt_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	char why[80];
	char *end;
	unsigned long long v;

	snprintf(why, sizeof(why), "not an integer in %llu..%llu", (unsigned long long)min,
		 (unsigned long long)max);
	if (s[0] < '0' || s[0] > '9')
		return tool_opt_bad(prog, opt, s, why);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return tool_opt_bad(prog, opt, s, why);
	*out = v;
	return 0;
}

int tool_opt_u32(const char *prog, const char *opt, const char *s, uint32_t min, uint32_t max,
		 uint32_t *out)
{
	uint64_t v;

	if (tool_opt_u64(prog, opt, s, min, max, &v) != 0)
		return 2;
	*out = (uint32_t)v;
	return 0;
}

int tool_opt_double(const char *prog, const char *opt, const char *s, double min, double max,
		    double *out)
{
	char why[80];
	char *end;
	double v;

	snprintf(why, sizeof(why), "not a number in %g..%g", min, max);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return tool_opt_bad(prog, opt, s, why);
	*out = v;
	return 0;
}
