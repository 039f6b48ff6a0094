/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintsim command line. Defaults are the reference workload; every bad flag or
 * value is reported by name and makes the tool exit 2.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

/* Largest cluster the simulator accepts: the router's id space is larger, but
 * nobody needs more here and the per-run arrays stay small. */
#define SIM_REPLICAS_MAX 4096
#define SIM_MODELS_MAX   10000000
#define SIM_REQUESTS_MAX SIM_TRACE_REQUESTS_MAX
/* A week: more than any model load or service time, small enough for ns. */
#define SIM_MS_MAX (7.0 * 24 * 3600 * 1000)

enum {
	OPT_REPLICAS = 256,
	OPT_SLOTS,
	OPT_MODELS,
	OPT_ZIPF,
	OPT_REQUESTS,
	OPT_RATE,
	OPT_LOAD_MS,
	OPT_SERVICE_MS,
	OPT_PATH_MS,
	OPT_CONCURRENCY,
	OPT_SEED,
	OPT_BALANCE_FACTOR,
	OPT_POLICY,
	OPT_LOAD_WAIT,
	OPT_JSON,
	OPT_QSBR,
	OPT_NO_GENERALIST,
	OPT_TRACE,
	OPT_WRITE_TRACE,
	OPT_SERVER_NAMES,
};

static const struct option long_opts[] = {
	{"replicas", required_argument, NULL, OPT_REPLICAS},
	{"slots", required_argument, NULL, OPT_SLOTS},
	{"models", required_argument, NULL, OPT_MODELS},
	{"zipf", required_argument, NULL, OPT_ZIPF},
	{"requests", required_argument, NULL, OPT_REQUESTS},
	{"rate", required_argument, NULL, OPT_RATE},
	{"load-ms", required_argument, NULL, OPT_LOAD_MS},
	{"service-ms", required_argument, NULL, OPT_SERVICE_MS},
	{"path-ms", required_argument, NULL, OPT_PATH_MS},
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	{"seed", required_argument, NULL, OPT_SEED},
	{"balance-factor", required_argument, NULL, OPT_BALANCE_FACTOR},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"load-wait", required_argument, NULL, OPT_LOAD_WAIT},
	{"json", no_argument, NULL, OPT_JSON},
	{"qsbr", no_argument, NULL, OPT_QSBR},
	{"no-generalist-preference", no_argument, NULL, OPT_NO_GENERALIST},
	{"trace", required_argument, NULL, OPT_TRACE},
	{"write-trace", required_argument, NULL, OPT_WRITE_TRACE},
	{"server-names", required_argument, NULL, OPT_SERVER_NAMES},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hintsim [options]\n"
		   "Replays one trace (Poisson arrivals, Zipf hints) through the real hintlb\n"
		   "router and the baselines, against simulated GPU replicas, and compares\n"
		   "model loads with Belady's optimum on a pooled cache of replicas x slots.\n"
		   "\n"
		   "  --replicas N         replicas (default 8)\n"
		   "  --slots K            model slots per replica, LRU (default 3)\n"
		   "  --models M           distinct models (default 100)\n"
		   "  --zipf S             Zipf exponent of hint popularity, >= 0 (default 1.0)\n"
		   "  --requests N         requests in the trace (default 200000)\n"
		   "  --rate R             arrivals per second, whole cluster (default 1.0)\n"
		   "  --load-ms MS         model load time (default 8000)\n"
		   "  --service-ms MS      service time once loaded (default 1000)\n"
		   "  --path-ms MS         network path per request, outside the replicas:\n"
		   "                       half before the replica, half after (default 0)\n"
		   "  --concurrency C      requests a replica serves at once (default 1)\n"
		   "  --seed N             trace seed (default 1)\n"
		   "  --balance-factor F   bounded-load factor, >= 1 (default 1.25)\n"
		   "  --policy NAME        the router's policy: bounded | ect\n"
		   "                       (default: the router's own default)\n"
		   "  --load-wait W        ect: most queue, in load times, a load may wait\n"
		   "                       behind for a better victim while another replica\n"
		   "                       could start it at once, 0..100 (default 0)\n"
		   "  --qsbr               register the router worker with QSBR\n"
		   "  --no-generalist-preference\n"
		   "                       the router does not prefer replicas with an empty list\n"
		   "  --trace FILE         replay FILE instead of generating a trace (then\n"
		   "                       --models, --zipf, --requests and --rate do not apply):\n"
		   "                       one request per line, '<arrival seconds> <hint>',\n"
		   "                       arrivals non-decreasing, '#' comments\n"
		   "  --write-trace FILE   save the trace of this run in that format\n"
		   "  --server-names LIST  policy nginx: the replicas' names in nginx.conf's\n"
		   "                       upstream, comma-separated, one per replica in\n"
		   "                       order (nginx hashes them onto its ring; default\n"
		   "                       r1,r2,...)\n"
		   "  --json               print one JSON object instead of a table\n"
		   "  --help               this text\n");
}

static int bad_value(const char *flag, const char *value, const char *want)
{
	fprintf(stderr, "hintsim: --%s: '%s' is not %s\n", flag, value, want);
	return 2;
}

/* Parse an unsigned integer in [min, max]. @return 0, or 2 after a message. */
static int parse_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char want[96];
	char *end;
	unsigned long long v;

	snprintf(want, sizeof(want), "an integer in %" PRIu64 "..%" PRIu64, min, max);
	if (*s == '\0' || *s == '-' || *s == '+')
		return bad_value(flag, s, want);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return bad_value(flag, s, want);
	*out = v;
	return 0;
}

static int parse_u32(const char *flag, const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc = parse_u64(flag, s, min, max, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

/* Parse a finite number in [min, max] (strictly above min when @p open_min). */
static int parse_double(const char *flag, const char *s, double min, double max, bool open_min,
			double *out)
{
	char want[96];
	char *end;
	double v;

	snprintf(want, sizeof(want), "a number %s %g and <= %g", open_min ? ">" : ">=", min, max);
	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || errno != 0 || *end != '\0' || !isfinite(v) || v < min ||
	    (open_min && v == min) || v > max)
		return bad_value(flag, s, want);
	*out = v;
	return 0;
}

static int parse_ms(const char *flag, const char *s, uint64_t *out_ns)
{
	double ms;
	int rc = parse_double(flag, s, 0.0, SIM_MS_MAX, false, &ms);

	if (rc == 0)
		*out_ns = (uint64_t)llround(ms * (double)SIM_NS_PER_MS);
	return rc;
}

static int parse_policy(const char *s, int *out)
{
	int p = hl_route_policy_parse(s);

	if (p < 0) {
		fprintf(stderr, "hintsim: --policy: '%s' is not a router policy (bounded, ect)\n",
			s);
		return 2;
	}
	*out = p;
	return 0;
}

static void set_defaults(struct sim_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->replicas = 8;
	cfg->slots = 3;
	cfg->models = 100;
	cfg->zipf = 1.0;
	cfg->requests = 200000;
	cfg->rate = 1.0;
	cfg->load_ns = 8000 * SIM_NS_PER_MS;
	cfg->service_ns = 1000 * SIM_NS_PER_MS;
	cfg->concurrency = 1;
	cfg->seed = 1;
	cfg->balance_factor = 1.25;
	cfg->route_policy = -1;
}

/* Apply one parsed option. @return 0, or 2 after a message. */
static int apply_opt(struct sim_config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case OPT_REPLICAS:
		return parse_u32("replicas", arg, 1, SIM_REPLICAS_MAX, &cfg->replicas);
	case OPT_SLOTS:
		return parse_u32("slots", arg, 1, 1024, &cfg->slots);
	case OPT_MODELS:
		return parse_u32("models", arg, 1, SIM_MODELS_MAX, &cfg->models);
	case OPT_ZIPF:
		return parse_double("zipf", arg, 0.0, 100.0, false, &cfg->zipf);
	case OPT_REQUESTS:
		return parse_u64("requests", arg, 1, SIM_REQUESTS_MAX, &cfg->requests);
	case OPT_RATE:
		return parse_double("rate", arg, 0.0, 1e9, true, &cfg->rate);
	case OPT_LOAD_MS:
		return parse_ms("load-ms", arg, &cfg->load_ns);
	case OPT_SERVICE_MS:
		return parse_ms("service-ms", arg, &cfg->service_ns);
	case OPT_PATH_MS:
		return parse_ms("path-ms", arg, &cfg->path_ns);
	case OPT_CONCURRENCY:
		return parse_u32("concurrency", arg, 1, 1024, &cfg->concurrency);
	case OPT_SEED:
		return parse_u64("seed", arg, 0, INT64_MAX, &cfg->seed);
	case OPT_BALANCE_FACTOR:
		return parse_double("balance-factor", arg, 1.0, 100.0, false, &cfg->balance_factor);
	case OPT_POLICY:
		return parse_policy(arg, &cfg->route_policy);
	case OPT_LOAD_WAIT:
		return parse_double("load-wait", arg, 0.0, 100.0, false, &cfg->load_wait);
	case OPT_JSON:
		cfg->json = true;
		return 0;
	case OPT_QSBR:
		cfg->qsbr = true;
		return 0;
	case OPT_NO_GENERALIST:
		cfg->no_generalist_preference = true;
		return 0;
	case OPT_TRACE:
		cfg->trace_path = arg;
		return 0;
	case OPT_WRITE_TRACE:
		cfg->write_trace_path = arg;
		return 0;
	case OPT_SERVER_NAMES:
		cfg->server_names = arg;
		return 0;
	}
	return 2;
}

/* getopt_long reported a problem with argv[optind - 1]: name it. */
static int bad_flag(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "hintsim: %s: needs a value (see --help)\n", arg);
	else
		fprintf(stderr, "hintsim: %s: unknown flag (see --help)\n", arg);
	return 2;
}

/* Flags that shape a generated trace: meaningless with --trace. */
static const int trace_shaping[] = {OPT_MODELS, OPT_ZIPF, OPT_REQUESTS, OPT_RATE};

static const char *opt_name(int opt)
{
	for (const struct option *o = long_opts; o->name != NULL; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

/* --server-names: one name per replica, none empty or longer than
 * SIM_SERVER_NAME_MAX. @return 0, or 2 after a message. */
static int check_server_names(const struct sim_config *cfg)
{
	const char *s = cfg->server_names;
	uint32_t n = 0;

	for (; s != NULL; n++) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len > SIM_SERVER_NAME_MAX) {
			fprintf(stderr,
				"hintsim: --server-names: '%s': name %u is %s (1..%d characters)\n",
				cfg->server_names, n + 1, len == 0 ? "empty" : "too long",
				SIM_SERVER_NAME_MAX);
			return 2;
		}
		s = s[len] == ',' ? s + len + 1 : NULL;
	}
	if (cfg->server_names != NULL && n != cfg->replicas) {
		fprintf(stderr, "hintsim: --server-names: %u name(s) for %u replicas\n", n,
			cfg->replicas);
		return 2;
	}
	return 0;
}

int sim_opts_parse(struct sim_config *cfg, int argc, char **argv)
{
	int c, rc, shaping = 0;

	set_defaults(cfg);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || c == ':')
			return bad_flag(c, argv);
		rc = apply_opt(cfg, c, optarg);
		if (rc != 0)
			return rc;
		for (size_t i = 0; i < sizeof(trace_shaping) / sizeof(trace_shaping[0]); i++)
			if (c == trace_shaping[i])
				shaping = c;
	}
	if (cfg->trace_path != NULL && shaping != 0) {
		fprintf(stderr,
			"hintsim: --trace: --%s does not apply to a trace read from a file\n",
			opt_name(shaping));
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "hintsim: '%s': unexpected argument (see --help)\n", argv[optind]);
		return 2;
	}
	return check_server_names(cfg);
}
