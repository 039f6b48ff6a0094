/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen's pieces that need no port (tools/hintgen): the log-linear latency
 * histogram (percentiles of known inputs are bracketed by the true value and
 * 1/128 above it), the Zipf sampler (draws against the distribution, a
 * chi-square test on a fixed seed) and the --trace parser (good files, and
 * bad lines refused with their line number).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hg_hist.h"
#include "hg_zipf.h"
#include "hintgen.h"

static struct hg_hist hist; /* 58 KiB: not on the stack */

/* @p got is the quantile reported for true value @p want: never below it, at
 * most one bucket (1/HG_HIST_SUB) above. */
static void assert_brackets(uint64_t got, uint64_t want)
{
	if (got < want || (double)got > (double)want * (1.0 + 1.0 / HG_HIST_SUB) + 1.0)
		fail_msg("quantile %llu does not bracket the true value %llu",
			 (unsigned long long)got, (unsigned long long)want);
}

/* Values below 2 * HG_HIST_SUB are kept exactly. */
static void test_hist_exact(void **state)
{
	(void)state;
	hg_hist_reset(&hist);
	assert_int_equal(hg_hist_quantile(&hist, 0.5), 0);
	for (uint64_t v = 1; v <= 100; v++)
		hg_hist_record(&hist, v);
	assert_int_equal(hist.count, 100);
	assert_int_equal(hist.min, 1);
	assert_int_equal(hist.max, 100);
	assert_int_equal(hg_hist_quantile(&hist, 0.5), 50);
	assert_int_equal(hg_hist_quantile(&hist, 0.9), 90);
	assert_int_equal(hg_hist_quantile(&hist, 0.99), 99);
	assert_int_equal(hg_hist_quantile(&hist, 0.999), 100);
	assert_int_equal(hg_hist_quantile(&hist, 1.0), 100);
	assert_int_equal(hg_hist_quantile(&hist, 0.0), 1);
	assert_true(fabs(hg_hist_mean(&hist) - 50.5) < 1e-9);
}

/* Every value lies in the bucket its index names; buckets tile the line. */
static void test_hist_buckets(void **state)
{
	struct hg_rng r;

	(void)state;
	for (unsigned i = 0; i + 1 < HG_HIST_BUCKETS; i++)
		assert_true(hg_hist_bucket_low(i) + hg_hist_bucket_width(i) ==
			    hg_hist_bucket_low(i + 1));
	hg_rng_seed(&r, 7);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = hg_rng_next(&r) >> (hg_rng_next(&r) % 64);
		unsigned idx = hg_hist_index(v);

		assert_true(idx < HG_HIST_BUCKETS);
		assert_true(hg_hist_bucket_low(idx) <= v);
		assert_true(v - hg_hist_bucket_low(idx) < hg_hist_bucket_width(idx));
		/* a bucket is at most 1/HG_HIST_SUB of the values in it */
		assert_true(hg_hist_bucket_width(idx) == 1 ||
			    hg_hist_bucket_width(idx) * HG_HIST_SUB <= hg_hist_bucket_low(idx));
	}
	assert_int_equal(hg_hist_index(UINT64_MAX), HG_HIST_BUCKETS - 1);
}

/* 1..1,000,000 us in ns: quantile q is q * 1e9 ns, to one bucket. */
static void test_hist_uniform(void **state)
{
	const double qs[] = {0.5, 0.9, 0.99, 0.999};

	(void)state;
	hg_hist_reset(&hist);
	for (uint64_t us = 1; us <= 1000000; us++)
		hg_hist_record(&hist, us * 1000);
	for (unsigned i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		assert_brackets(hg_hist_quantile(&hist, qs[i]),
				(uint64_t)llround(qs[i] * 1e6) * 1000);
	assert_int_equal(hg_hist_quantile(&hist, 1.0), 1000000000ull);
	assert_int_equal(hist.min, 1000);
	assert_true(fabs(hg_hist_mean(&hist) - 500000500.0) < 1.0);
}

/* One value repeated (a responder's fixed delay): every quantile is that
 * value, since the top of its bucket is capped at the maximum. */
static void test_hist_constant(void **state)
{
	(void)state;
	hg_hist_reset(&hist);
	for (int i = 0; i < 1000; i++)
		hg_hist_record(&hist, 20000000); /* 20 ms */
	assert_int_equal(hg_hist_quantile(&hist, 0.5), 20000000);
	assert_int_equal(hg_hist_quantile(&hist, 0.999), 20000000);
	/* a slow tail: 1 % at 100 ms moves p99.9, not p50 or p90 (which are now
	 * the top of 20 ms's bucket: the maximum no longer caps them) */
	for (int i = 0; i < 11; i++)
		hg_hist_record(&hist, 100000000);
	assert_brackets(hg_hist_quantile(&hist, 0.5), 20000000);
	assert_brackets(hg_hist_quantile(&hist, 0.9), 20000000);
	assert_true(hg_hist_quantile(&hist, 0.9) < 20000000 * 1.01);
	assert_brackets(hg_hist_quantile(&hist, 0.999), 100000000);
	assert_int_equal(hist.max, 100000000);
}

/* Merging two halves gives the histogram of the whole. */
static void test_hist_merge(void **state)
{
	static struct hg_hist a, b;

	(void)state;
	hg_hist_reset(&a);
	hg_hist_reset(&b);
	hg_hist_reset(&hist);
	for (uint64_t v = 1; v <= 20000; v++) {
		hg_hist_record(v % 2 ? &a : &b, v * 37);
		hg_hist_record(&hist, v * 37);
	}
	hg_hist_merge(&a, &b);
	assert_int_equal(a.count, hist.count);
	assert_int_equal(a.min, hist.min);
	assert_int_equal(a.max, hist.max);
	assert_memory_equal(a.bucket, hist.bucket, sizeof(a.bucket));
	assert_int_equal(hg_hist_quantile(&a, 0.99), hg_hist_quantile(&hist, 0.99));
	assert_brackets(hg_hist_quantile(&a, 0.99), 19800 * 37);
}

static void test_zipf_probs(void **state)
{
	struct hg_zipf z;
	double h = 0, sum = 0;

	(void)state;
	assert_int_equal(hg_zipf_init(&z, 10, 1.0), 0);
	for (int k = 1; k <= 10; k++)
		h += 1.0 / k;
	for (uint32_t k = 0; k < 10; k++) {
		assert_true(fabs(hg_zipf_prob(&z, k) - 1.0 / (k + 1) / h) < 1e-12);
		sum += hg_zipf_prob(&z, k);
	}
	assert_true(fabs(sum - 1.0) < 1e-12);
	hg_zipf_free(&z);
	assert_int_equal(hg_zipf_init(&z, 0, 1.0), -EINVAL);
	assert_int_equal(hg_zipf_init(&z, 10, -0.5), -EINVAL);
	assert_int_equal(hg_zipf_init(&z, 10, NAN), -EINVAL);
	assert_int_equal(hg_zipf_init(&z, (1u << 26) + 1, 1.0), -EINVAL);
	assert_int_equal(hg_zipf_init(&z, 1, 1.0), 0);
	assert_int_equal(hg_zipf_prob(&z, 0), 1.0);
	hg_zipf_free(&z);
}

/*
 * Chi-square of @p draws draws over @p n ranks (exponent @p s) against the
 * distribution; ranks with fewer than 5 expected are pooled into one cell.
 * @return the statistic; *@p dof its degrees of freedom.
 */
static double zipf_chi2(uint32_t n, double s, uint32_t draws, uint64_t seed, unsigned *dof)
{
	struct hg_zipf z;
	struct hg_rng r;
	uint64_t *count = calloc(n, sizeof(*count));
	double chi2 = 0, pool_exp = 0, pool_obs = 0;
	unsigned cells = 0;

	assert_non_null(count);
	assert_int_equal(hg_zipf_init(&z, n, s), 0);
	hg_rng_seed(&r, seed);
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t k = hg_zipf_draw(&z, &r);

		assert_true(k < n);
		count[k]++;
	}
	for (uint32_t k = 0; k < n; k++) {
		double e = hg_zipf_prob(&z, k) * draws;

		if (e < 5) {
			pool_exp += e;
			pool_obs += (double)count[k];
			continue;
		}
		chi2 += ((double)count[k] - e) * ((double)count[k] - e) / e;
		cells++;
	}
	if (pool_exp > 0) {
		chi2 += (pool_obs - pool_exp) * (pool_obs - pool_exp) / pool_exp;
		cells++;
	}
	hg_zipf_free(&z);
	free(count);
	*dof = cells - 1;
	return chi2;
}

/* Draws against the distribution: the chi-square statistic below its 99.9 %
 * point (Wilson-Hilferty), on fixed seeds, for several shapes. */
static void test_zipf_chi2(void **state)
{
	static const struct {
		uint32_t n;
		double s;
	} cases[] = {{10, 1.0}, {100, 1.0}, {1000, 0.8}, {50, 0.0}, {20, 2.0}};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned dof;
		double chi2 = zipf_chi2(cases[i].n, cases[i].s, 1000000, 42 + i, &dof);
		double c = 2.0 / (9.0 * dof);
		double crit = dof * pow(1.0 - c + 3.0902 * sqrt(c), 3.0); /* z(0.999) */

		if (chi2 > crit)
			fail_msg("n %u s %g: chi2 %.1f over %u dof, above %.1f", cases[i].n,
				 cases[i].s, chi2, dof, crit);
	}
}

/* The head of the distribution, rank by rank: within 1 % of its probability. */
static void test_zipf_top_ranks(void **state)
{
	struct hg_zipf z;
	struct hg_rng r;
	uint64_t count[5] = {0};
	const uint32_t draws = 2000000;

	(void)state;
	assert_int_equal(hg_zipf_init(&z, 100, 1.0), 0);
	hg_rng_seed(&r, 1);
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t k = hg_zipf_draw(&z, &r);

		if (k < 5)
			count[k]++;
	}
	for (uint32_t k = 0; k < 5; k++) {
		double want = hg_zipf_prob(&z, k) * draws;

		if (fabs((double)count[k] - want) > 0.01 * want)
			fail_msg("rank %u: %llu draws, expected %.0f", k,
				 (unsigned long long)count[k], want);
	}
	/* the same seed gives the same draws */
	{
		struct hg_rng a, b;

		hg_rng_seed(&a, 99);
		hg_rng_seed(&b, 99);
		for (int i = 0; i < 1000; i++)
			assert_int_equal(hg_zipf_draw(&z, &a), hg_zipf_draw(&z, &b));
	}
	hg_zipf_free(&z);
}

/* Write @p text to a temporary file; @p path receives its name. */
static void write_tmp(char *path, size_t len, const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, len, "/tmp/test_hintgen_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_trace_good(void **state)
{
	char path[64], err[256] = "";
	struct hg_trace t;

	(void)state;
	write_tmp(path, sizeof(path),
		  "# arrival hint\n"
		  "10.0 flux-dev\n"
		  "\n"
		  "10.5\tsdxl\r\n"
		  "10.5 flux-dev trailing words ignored\n"
		  "12.25   llama-70b\n");
	assert_int_equal(hg_trace_load(&t, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.n_names, 3);
	assert_int_equal(t.at_ns[0], 0);
	assert_int_equal(t.at_ns[1], 500000000ull);
	assert_int_equal(t.at_ns[2], 500000000ull);
	assert_int_equal(t.at_ns[3], 2250000000ull);
	assert_string_equal(t.names[t.hint[0]], "flux-dev");
	assert_string_equal(t.names[t.hint[1]], "sdxl");
	assert_int_equal(t.hint[2], t.hint[0]);
	assert_string_equal(t.names[t.hint[3]], "llama-70b");
	hg_trace_free(&t);
	assert_int_equal(t.n, 0);
	assert_null(t.names);
}

/* Many distinct names: the name set grows and keeps ids stable. */
static void test_trace_many_names(void **state)
{
	char path[64], err[256] = "";
	struct hg_trace t;
	size_t cap = 5000 * 24, len = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(text + len, cap - len, "%d.0 m%d\n", i, i % 3000);
	write_tmp(path, sizeof(path), text);
	free(text);
	assert_int_equal(hg_trace_load(&t, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(t.n, 5000);
	assert_int_equal(t.n_names, 3000);
	for (uint32_t i = 0; i < 5000; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%u", i % 3000);
		assert_string_equal(t.names[t.hint[i]], want);
	}
	hg_trace_free(&t);
}

/* A bad file is refused with an error naming the file and the line. */
static void expect_bad(const char *text, const char *want_in_err)
{
	char path[64], err[512] = "";
	struct hg_trace t;

	write_tmp(path, sizeof(path), text);
	assert_int_equal(hg_trace_load(&t, path, err, sizeof(err)), -EINVAL);
	unlink(path);
	if (strstr(err, want_in_err) == NULL || strstr(err, path) == NULL)
		fail_msg("error '%s' does not say '%s' and name the file", err, want_in_err);
	assert_int_equal(t.n, 0);
	assert_null(t.at_ns);
}

static void test_trace_bad(void **state)
{
	char err[256] = "";
	struct hg_trace t;

	(void)state;
	expect_bad("1.0 a\nabc b\n", "line 2: not '<arrival seconds> <hint>'");
	expect_bad("1.0 a\n2.0 b\n1.5 c\n", "line 3: not '<arrival seconds> <hint>' with "
					    "arrivals that never decrease");
	expect_bad("# c\n-1 a\n", "line 2:");
	expect_bad("1.0a b\n", "line 1:");
	expect_bad("1.0\n", "line 1:");
	expect_bad("1.0   \n", "line 1: the hint is empty");
	{
		char line[HL_HTTP1_HINT_MAX + 16];

		snprintf(line, sizeof(line), "1.0 %0*d\n", HL_HTTP1_HINT_MAX + 1, 0);
		expect_bad(line, "line 1: the hint is empty or over");
	}
	{
		char *line = malloc(5000);

		assert_non_null(line);
		memset(line, 'x', 4998);
		memcpy(line, "1.0 ", 4);
		line[4998] = '\n';
		line[4999] = '\0';
		expect_bad(line, "line 1: longer than 4094 bytes");
		free(line);
	}
	expect_bad("# only a comment\n\n", "no requests in it");
	assert_int_equal(hg_trace_load(&t, "/nonexistent/trace", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/trace: No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_exact),   cmocka_unit_test(test_hist_buckets),
		cmocka_unit_test(test_hist_uniform), cmocka_unit_test(test_hist_constant),
		cmocka_unit_test(test_hist_merge),   cmocka_unit_test(test_zipf_probs),
		cmocka_unit_test(test_zipf_chi2),    cmocka_unit_test(test_zipf_top_ranks),
		cmocka_unit_test(test_trace_good),   cmocka_unit_test(test_trace_many_names),
		cmocka_unit_test(test_trace_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
