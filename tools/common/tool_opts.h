/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command-line values of the tools (hintgen, hintreplica): each refusal
 * prints "PROG: --OPT 'VALUE': why" on stderr and returns 2 (bad usage);
 * an accepted value returns 0.
 */
#ifndef HINTLB_TOOL_OPTS_H
#define HINTLB_TOOL_OPTS_H

#include <stdint.h>

int tool_opt_bad(const char *prog, const char *opt, const char *value, const char *why);
/* An unsigned decimal in [min, max] (no sign, no spaces). */
int tool_opt_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
		 uint64_t *out);
int tool_opt_u32(const char *prog, const char *opt, const char *s, uint32_t min, uint32_t max,
		 uint32_t *out);
/* A finite number in [min, max]. */
int tool_opt_double(const char *prog, const char *opt, const char *s, double min, double max,
		    double *out);

#endif /* HINTLB_TOOL_OPTS_H */
