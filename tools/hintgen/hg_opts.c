/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen command line. Every bad option or value is reported by name and
 * makes the tool exit 2, as hintreplica does.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "hintgen.h"
#include "tool_opts.h"

#define PROG "hintgen"

enum {
	OPT_RESPOND = 256,
	OPT_EAL,
	OPT_ADDRESS,
	OPT_GATEWAY,
	OPT_LISTEN,
	OPT_HINTS,
	OPT_HINTS_FIRST,
	OPT_HINTS_HEADER,
	OPT_DELAY_US,
	OPT_BODY_BYTES,
	OPT_TARGET,
	OPT_CONNECTIONS,
	OPT_RATE,
	OPT_DURATION,
	OPT_MODELS,
	OPT_ZIPF,
	OPT_SEED,
	OPT_TRACE,
	OPT_HINT_HEADER,
	OPT_PATH,
	OPT_KEEP_ALIVE,
	OPT_NEW_CONN,
	OPT_TIMEOUT_MS,
	OPT_JSON,
	OPT_QUIET,
	OPT_IDLE,
	OPT_MBUFS,
	OPT_MAX_CONNS,
	OPT_QUEUES,
	OPT_WARMUP,
};

static const struct option long_opts[] = {
	{"respond", no_argument, NULL, OPT_RESPOND},
	{"eal", required_argument, NULL, OPT_EAL},
	{"address", required_argument, NULL, OPT_ADDRESS},
	{"gateway", required_argument, NULL, OPT_GATEWAY},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"hints", required_argument, NULL, OPT_HINTS},
	{"hints-first", required_argument, NULL, OPT_HINTS_FIRST},
	{"hints-header", required_argument, NULL, OPT_HINTS_HEADER},
	{"delay-us", required_argument, NULL, OPT_DELAY_US},
	{"body-bytes", required_argument, NULL, OPT_BODY_BYTES},
	{"target", required_argument, NULL, OPT_TARGET},
	{"connections", required_argument, NULL, OPT_CONNECTIONS},
	{"rate", required_argument, NULL, OPT_RATE},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"models", required_argument, NULL, OPT_MODELS},
	{"zipf", required_argument, NULL, OPT_ZIPF},
	{"seed", required_argument, NULL, OPT_SEED},
	{"trace", required_argument, NULL, OPT_TRACE},
	{"hint-header", required_argument, NULL, OPT_HINT_HEADER},
	{"path", required_argument, NULL, OPT_PATH},
	{"keep-alive", no_argument, NULL, OPT_KEEP_ALIVE},
	{"new-connection", no_argument, NULL, OPT_NEW_CONN},
	{"timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS},
	{"json", no_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"idle", required_argument, NULL, OPT_IDLE},
	{"mbufs", required_argument, NULL, OPT_MBUFS},
	{"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	{"queues", required_argument, NULL, OPT_QUEUES},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hintgen --eal \"EAL ARGS\" --address A.B.C.D/LEN --target A.B.C.D:PORT\n"
		"               (--connections C | --rate R) [options]      (client)\n"
		"       hintgen --respond --eal \"EAL ARGS\" --address A.B.C.D/LEN --listen PORT\n"
		"               [--hints a,b,c] [--delay-us N] [--body-bytes N]  (responder)\n"
		"HTTP/1.1 load on hintlb's own TCP stack over one DPDK port (docs/hintgen.md).\n"
		"\n"
		"common:\n"
		"  --eal \"ARGS\"         EAL arguments, split on whitespace; exactly one port\n"
		"                       (e.g. --vdev=net_memif0,role=server,socket=/run/a.sock)\n"
		"  --address A.B.C.D/LEN  this end's address and subnet (answers ARP, ping)\n"
		"  --gateway A.B.C.D    next hop outside the subnet\n"
		"  --duration S         seconds to run (client default 10; responder: until\n"
		"                       SIGINT/SIGTERM unless given)\n"
		"  --idle poll|adaptive|yield  poll: spin (benchmarks); adaptive: sleep when\n"
		"                       idle; yield: sched_yield() after every empty poll\n"
		"                       (a CPU shared with the processes under test)\n"
		"                       (default poll)\n"
		"  --json               one JSON object at the end instead of a table\n"
		"  --quiet              no progress line on stderr\n"
		"  --mbufs N            packet pool (default 16383)\n"
		"  --max-conns N        TCP connection table (default 16384)\n"
		"  --queues N           queue pairs on the port, 1..%u (default 1): every rx\n"
		"                       queue is polled, all is sent on queue 0 (a memif\n"
		"                       peer with N queues, e.g. hintlb with N workers)\n"
		"client:\n"
		"  --target A.B.C.D:PORT  where requests go\n"
		"  --connections C      closed loop: C connections, one request outstanding on\n"
		"                       each; with --rate: the most connections (default 64)\n"
		"  --rate R             open loop: R requests/s at fixed intervals, latency from\n"
		"                       each request's intended send time\n"
		"  --warmup S           the same load for S seconds first, not counted: the\n"
		"                       figures are those of the --duration after it\n"
		"                       (default 0)\n"
		"  --models M           hints model-0..model-(M-1), drawn Zipf (default 100)\n"
		"  --zipf S             Zipf exponent (default 1.0; 0: uniform)\n"
		"  --seed N             random seed (default 1)\n"
		"  --trace FILE         hints from a hintsim trace ('<arrival s> <hint>' lines);\n"
		"                       without --rate and --connections its arrival times\n"
		"                       are the schedule (open loop)\n"
		"  --hint-header NAME   request hint header (default X-Fal-Runner-Hint)\n"
		"  --path PATH          request target (default /)\n"
		"  --keep-alive         reuse connections (default)\n"
		"  --new-connection     one connection per request (Connection: close)\n"
		"  --timeout-ms N       a request without a whole response by then is an\n"
		"                       error, its connection reset (default 10000)\n"
		"responder:\n"
		"  --respond            answer every request with 200\n"
		"  --listen PORT        TCP port (1..32767: the stack's active-open range is\n"
		"                       32768-60999)\n"
		"  --hints a,b,c        X-Fal-Runner-Hints value of every answer (\"\": present\n"
		"                       and empty; default: no such field)\n"
		"  --hints-first a,b,c  the first answer's value instead (a list the replica\n"
		"                       held before: one that --hints drops a model of makes\n"
		"                       hintlb count the replica's slots as full)\n"
		"  --hints-header NAME  its name (default X-Fal-Runner-Hints)\n"
		"  --delay-us N         hold each answer N microseconds (default 0)\n"
		"  --body-bytes N       body size, \"ok\\n\" repeated (default 2, max %u)\n"
		"Exit: 0 done, 1 start or run failure, 2 usage, 3 client errors occurred.\n",
		HL_PORTS_MAX, HG_BODY_MAX);
}

/* "A.B.C.D/LEN", LEN 1..32. */
static int parse_cidr(struct hg_opts *o, const char *s)
{
	char a[32];
	const char *slash = strchr(s, '/');
	uint32_t len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(a))
		return tool_opt_bad(PROG, "address", s, "not A.B.C.D/LEN");
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	if (hl_parse_ipv4(a, &o->addr) != 0)
		return tool_opt_bad(PROG, "address", s, "not an IPv4 address before the '/'");
	if (tool_opt_u32(PROG, "address", slash + 1, 1, 32, &len) != 0)
		return 2;
	o->mask = rte_cpu_to_be_32(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
	return 0;
}

/* Split the EAL string on whitespace into eal_argv (argv[0] "hintgen"). */
static int parse_eal(struct hg_opts *o, const char *s)
{
	char *save = NULL, *tok;

	free(o->eal_buf);
	o->eal_buf = strdup(s);
	if (o->eal_buf == NULL)
		return tool_opt_bad(PROG, "eal", s, "out of memory");
	o->eal_argc = 0;
	o->eal_argv[o->eal_argc++] = (char *)"hintgen";
	for (tok = strtok_r(o->eal_buf, " \t\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (o->eal_argc > HG_EAL_ARGS_MAX)
			return tool_opt_bad(PROG, "eal", s, "too many arguments");
		o->eal_argv[o->eal_argc++] = tok;
	}
	o->eal_argv[o->eal_argc] = NULL;
	return 0;
}

/* a,b,c: a field value as it will be sent (what a replica could advertise) into @p dst
 * (HG_HINTS_MAX_LEN bytes); --@p opt names it in an error. */
static int parse_hints(char *dst, bool *set, const char *opt, const char *s)
{
	if (strlen(s) >= HG_HINTS_MAX_LEN)
		return tool_opt_bad(PROG, opt, s, "longer than 4095 bytes");
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return tool_opt_bad(PROG, opt, s,
					    "control characters are not allowed in a header");
	snprintf(dst, HG_HINTS_MAX_LEN, "%s", s);
	*set = true;
	return 0;
}

static int parse_header_name(char *dst, const char *opt, const char *s)
{
	struct hl_http1_config cfg;

	hl_http1_config_init(&cfg);
	if (hl_http1_config_set_name(&cfg, 0, s) != 0)
		return tool_opt_bad(PROG, opt, s,
				    "not a header name (a token of 1 to 63 characters)");
	snprintf(dst, HL_HTTP1_NAME_MAX, "%s", s);
	return 0;
}

static int parse_one(struct hg_opts *o, int c, const char *arg, bool *rate_set)
{
	uint64_t v;

	switch (c) {
	case OPT_RESPOND:
		o->mode = HG_MODE_RESPOND;
		return 0;
	case OPT_EAL:
		return parse_eal(o, arg);
	case OPT_ADDRESS:
		return parse_cidr(o, arg);
	case OPT_GATEWAY:
		return hl_parse_ipv4(arg, &o->gateway) == 0
			       ? 0
			       : tool_opt_bad(PROG, "gateway", arg, "not A.B.C.D");
	case OPT_LISTEN:
		if (tool_opt_u64(PROG, "listen", arg, 1, HL_TCP_SPORT_LO - 1, &v) != 0)
			return 2;
		o->listen_port = (uint16_t)v;
		return 0;
	case OPT_HINTS:
		return parse_hints(o->hints, &o->hints_set, "hints", arg);
	case OPT_HINTS_FIRST:
		return parse_hints(o->hints_first, &o->hints_first_set, "hints-first", arg);
	case OPT_HINTS_HEADER:
		return parse_header_name(o->hints_header, "hints-header", arg);
	case OPT_DELAY_US:
		return tool_opt_u32(PROG, "delay-us", arg, 0, 60000000, &o->delay_us);
	case OPT_BODY_BYTES:
		return tool_opt_u32(PROG, "body-bytes", arg, 0, HG_BODY_MAX, &o->body_bytes);
	case OPT_TARGET:
		return hl_parse_endpoint(arg, &o->target_addr, &o->target_port) == 0
			       ? 0
			       : tool_opt_bad(PROG, "target", arg, "not A.B.C.D:PORT");
	case OPT_CONNECTIONS:
		return tool_opt_u32(PROG, "connections", arg, 1, 1000000, &o->connections);
	case OPT_RATE:
		*rate_set = true;
		return tool_opt_double(PROG, "rate", arg, 0.001, 1e9, &o->rate);
	case OPT_DURATION:
		return tool_opt_double(PROG, "duration", arg, 0.001, 86400.0 * 365, &o->duration_s);
	case OPT_WARMUP:
		return tool_opt_double(PROG, "warmup", arg, 0.0, 3600.0, &o->warmup_s);
	case OPT_MODELS:
		return tool_opt_u32(PROG, "models", arg, 1, HG_MODELS_MAX, &o->models);
	case OPT_ZIPF:
		return tool_opt_double(PROG, "zipf", arg, 0.0, 10.0, &o->zipf_s);
	case OPT_SEED:
		return tool_opt_u64(PROG, "seed", arg, 0, UINT64_MAX, &o->seed);
	case OPT_TRACE:
		o->trace = arg;
		return 0;
	case OPT_HINT_HEADER:
		return parse_header_name(o->hint_header, "hint-header", arg);
	case OPT_PATH:
		if (arg[0] != '/' || strlen(arg) >= sizeof(o->path) || strpbrk(arg, " \r\n\t"))
			return tool_opt_bad(PROG, "path", arg,
					    "must start with '/', no spaces, < 256 bytes");
		snprintf(o->path, sizeof(o->path), "%s", arg);
		return 0;
	case OPT_KEEP_ALIVE:
		o->keep_alive = true;
		return 0;
	case OPT_NEW_CONN:
		o->keep_alive = false;
		return 0;
	case OPT_TIMEOUT_MS:
		return tool_opt_u32(PROG, "timeout-ms", arg, 1, 3600000, &o->timeout_ms);
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_QUIET:
		o->quiet = true;
		return 0;
	case OPT_IDLE:
		if (strcmp(arg, "poll") == 0)
			o->idle = HL_IDLE_POLL;
		else if (strcmp(arg, "adaptive") == 0)
			o->idle = HL_IDLE_ADAPTIVE;
		else if (strcmp(arg, "yield") == 0)
			o->idle = HL_IDLE_POLL; /* hintgen's own: hg_net_idle() */
		else
			return tool_opt_bad(PROG, "idle", arg, "not poll, adaptive or yield");
		o->idle_yield = strcmp(arg, "yield") == 0;
		return 0;
	case OPT_MBUFS:
		return tool_opt_u32(PROG, "mbufs", arg, 1023, 4194303, &o->mbufs);
	case OPT_MAX_CONNS:
		return tool_opt_u32(PROG, "max-conns", arg, 16, 4000000, &o->max_conns);
	case OPT_QUEUES:
		if (tool_opt_u64(PROG, "queues", arg, 1, HL_PORTS_MAX, &v) != 0)
			return 2;
		o->queues = (uint16_t)v;
		return 0;
	default:
		usage(stderr);
		return 2;
	}
}

static void defaults(struct hg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mbufs = 16383;
	o->max_conns = 16384;
	o->queues = 1;
	o->idle = HL_IDLE_POLL;
	o->body_bytes = 2;
	o->models = 100;
	o->zipf_s = 1.0;
	o->seed = 1;
	o->keep_alive = true;
	o->timeout_ms = 10000;
	snprintf(o->hint_header, sizeof(o->hint_header), "X-Fal-Runner-Hint");
	snprintf(o->hints_header, sizeof(o->hints_header), "X-Fal-Runner-Hints");
	snprintf(o->path, sizeof(o->path), "/");
}

/* What the options together must satisfy. */
static int check(struct hg_opts *o, bool rate_set)
{
	if (o->eal_argc == 0) {
		fprintf(stderr, "hintgen: --eal is required\n");
		return 2;
	}
	if (o->addr == 0) {
		fprintf(stderr, "hintgen: --address is required\n");
		return 2;
	}
	if (o->mode == HG_MODE_RESPOND) {
		if (o->listen_port == 0) {
			fprintf(stderr, "hintgen: --respond needs --listen PORT\n");
			return 2;
		}
		if (o->hints_first_set && !o->hints_set) {
			fprintf(stderr, "hintgen: --hints-first needs --hints (what the "
					"answers after the first advertise)\n");
			return 2;
		}
		return 0;
	}
	if (o->target_port == 0) {
		fprintf(stderr, "hintgen: the client needs --target A.B.C.D:PORT\n");
		return 2;
	}
	if (rate_set)
		o->load = HG_LOAD_OPEN;
	else if (o->connections != 0)
		o->load = HG_LOAD_CLOSED;
	else if (o->trace != NULL)
		o->load = HG_LOAD_REPLAY;
	else {
		fprintf(stderr, "hintgen: say --connections C (closed loop) or --rate R (open "
				"loop)\n");
		return 2;
	}
	if (o->connections == 0)
		o->connections = 64;
	if (o->duration_s == 0)
		o->duration_s = 10;
	return 0;
}

int hg_opts_parse(struct hg_opts *o, int argc, char **argv)
{
	bool rate_set = false;
	int c, rc;

	defaults(o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		rc = parse_one(o, c, optarg, &rate_set);
		if (rc != 0)
			return rc;
	}
	if (optind != argc) {
		fprintf(stderr, "hintgen: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return check(o, rate_set);
}

void hg_opts_free(struct hg_opts *o)
{
	free(o->eal_buf);
	o->eal_buf = NULL;
}
