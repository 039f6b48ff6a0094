/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintreplica command line. Every bad option or value is reported by name, with the usage,
 * and makes the tool exit 2.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintreplica.h"
#include "tool_opts.h"

#define PROG "hintreplica"

enum {
	OPT_LISTEN = 256,
	OPT_NAME,
	OPT_SLOTS,
	OPT_LOAD_MS,
	OPT_SERVICE_MS,
	OPT_CONCURRENCY,
	OPT_NO_HINTS,
	OPT_HINTS_HEADER,
	OPT_HINT_HEADER,
	OPT_BODY_BYTES,
	OPT_INITIAL,
	OPT_LOG,
};

static const struct option long_opts[] = {
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"name", required_argument, NULL, OPT_NAME},
	{"slots", required_argument, NULL, OPT_SLOTS},
	{"load-ms", required_argument, NULL, OPT_LOAD_MS},
	{"service-ms", required_argument, NULL, OPT_SERVICE_MS},
	{"concurrency", required_argument, NULL, OPT_CONCURRENCY},
	{"no-hints", no_argument, NULL, OPT_NO_HINTS},
	{"hints-header", required_argument, NULL, OPT_HINTS_HEADER},
	{"hint-header", required_argument, NULL, OPT_HINT_HEADER},
	{"body-bytes", required_argument, NULL, OPT_BODY_BYTES},
	{"initial", required_argument, NULL, OPT_INITIAL},
	{"log", required_argument, NULL, OPT_LOG},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hintreplica --listen ADDR:PORT [options]\n"
		"A simulated GPU replica: an HTTP/1.1 server with K model slots (LRU). A request\n"
		"naming a model in the hint header loads it on a miss (--load-ms), then is served\n"
		"(--service-ms); every response lists the models held in the hints header.\n"
		"\n"
		"  --listen ADDR:PORT   address to listen on, IPv4 or [IPv6]; port 0 picks one\n"
		"                       (repeatable, up to %d; at least one)\n"
		"  --name NAME          X-Replica header and /stats name (default: first address)\n"
		"  --slots K            model slots, LRU eviction (default 3)\n"
		"  --load-ms N          model load time on a miss (default 0)\n"
		"  --service-ms N       service time of each request (default 0)\n"
		"  --concurrency C      requests served at once; the rest wait FIFO (default 1)\n"
		"  --initial M1,M2,...  models held at start, the first most recently used\n"
		"  --no-hints           never send the hints header\n"
		"  --hints-header NAME  response hints header (default X-Fal-Runner-Hints)\n"
		"  --hint-header NAME   request hint header (default X-Fal-Runner-Hint)\n"
		"  --body-bytes N       response body size: \"ok\\n\" repeated (default 3)\n"
		"  --log FILE           one line per answered request (FILE is truncated)\n"
		"  --help               this text\n"
		"\n"
		"Request headers: X-Replica-Delay-Ms: N adds N ms of service; X-Replica-Status: "
		"NNN\n"
		"(200..599) answers with that status. GET /stats: counters as JSON, answered at "
		"once.\n"
		"Startup prints 'hintreplica NAME: listening on ADDR:PORT[ ADDR:PORT...]'.\n"
		"SIGTERM or SIGINT: exit 0.\n",
		REP_LISTEN_MAX);
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT" into a socket address. @return 0, or 2 after a message. */
static int parse_listen(struct rep_opts *o, const char *arg)
{
	char host[INET6_ADDRSTRLEN + 2], why[160];
	const char *colon = strrchr(arg, ':'), *port, *h = arg;
	struct addrinfo hints = {0}, *ai = NULL;
	size_t hlen;
	uint64_t pnum;
	int rc;

	if (o->nlisten == REP_LISTEN_MAX)
		return tool_opt_bad(PROG, "listen", arg, "too many addresses");
	if (colon == NULL || colon == arg)
		return tool_opt_bad(PROG, "listen", arg, "not ADDR:PORT");
	port = colon + 1;
	hlen = (size_t)(colon - arg);
	if (arg[0] == '[') {
		if (colon[-1] != ']')
			return tool_opt_bad(PROG, "listen", arg, "not [IPv6]:PORT");
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return tool_opt_bad(PROG, "listen", arg, "no address before the port");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) ||
	    (pnum = strtoull(port, NULL, 10)) > 65535)
		return tool_opt_bad(PROG, "listen", arg, "the port is not a number in 0..65535");
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(why, sizeof(why), "'%s' is not an IPv4 or IPv6 address", host);
		return tool_opt_bad(PROG, "listen", arg, why);
	}
	memcpy(&o->listen[o->nlisten], ai->ai_addr, ai->ai_addrlen);
	o->listen_len[o->nlisten++] = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* NAME: 1..64 visible ASCII characters (it goes into a header value). */
static int parse_name(struct rep_opts *o, const char *arg)
{
	size_t i, n = strlen(arg);

	if (n == 0 || n > REP_NAME_MAX)
		return tool_opt_bad(PROG, "name", arg, "must be 1 to 64 characters");
	for (i = 0; i < n; i++)
		if (arg[i] <= ' ' || arg[i] > '~')
			return tool_opt_bad(PROG, "name", arg,
					    "only visible ASCII characters, no spaces");
	memcpy(o->name, arg, n + 1);
	return 0;
}

static int parse_header_name(struct rep_opts *o, int which, const char *opt, const char *arg)
{
	if (hl_http1_config_set_name(&o->http, which, arg) != 0)
		return tool_opt_bad(PROG, opt, arg,
				    "not a header name (a token of 1 to 64 characters)");
	if (which == 1)
		memcpy(o->hints_header, arg, strlen(arg) + 1);
	return 0;
}

/* M1,M2,...: names of 1..255 bytes without controls, spaces around commas trimmed. */
static int parse_initial(struct rep_opts *o, const char *arg)
{
	char *s, *save = NULL, *tok;
	uint32_t i;

	free(o->initial_buf);
	o->ninitial = 0;
	o->initial_buf = s = strdup(arg);
	if (s == NULL)
		return tool_opt_bad(PROG, "initial", arg, "out of memory");
	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		tok += strspn(tok, " \t");
		for (end = tok + strlen(tok); end > tok && (end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (*tok == '\0' || strlen(tok) > HL_HTTP1_HINT_MAX)
			return tool_opt_bad(PROG, "initial", arg,
					    "a model name is empty or over 255 bytes");
		for (end = tok; *end; end++)
			if ((unsigned char)*end < ' ' || *end == 0x7f)
				return tool_opt_bad(PROG, "initial", arg,
						    "a model name has a control character");
		for (i = 0; i < o->ninitial; i++)
			if (strcmp(o->initial[i], tok) == 0)
				return tool_opt_bad(PROG, "initial", arg, "a model is named twice");
		if (o->ninitial == REP_SLOTS_MAX)
			return tool_opt_bad(PROG, "initial", arg,
					    "more models than --slots can hold");
		o->initial[o->ninitial++] = tok;
	}
	return 0;
}

static int parse_one(struct rep_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_LISTEN:
		return parse_listen(o, arg);
	case OPT_NAME:
		return parse_name(o, arg);
	case OPT_SLOTS:
		return tool_opt_u32(PROG, "slots", arg, 1, REP_SLOTS_MAX, &o->slots);
	case OPT_LOAD_MS:
		return tool_opt_u32(PROG, "load-ms", arg, 0, REP_MS_MAX, &o->load_ms);
	case OPT_SERVICE_MS:
		return tool_opt_u32(PROG, "service-ms", arg, 0, REP_MS_MAX, &o->service_ms);
	case OPT_CONCURRENCY:
		return tool_opt_u32(PROG, "concurrency", arg, 1, REP_CONC_MAX, &o->concurrency);
	case OPT_NO_HINTS:
		o->no_hints = true;
		return 0;
	case OPT_HINTS_HEADER:
		return parse_header_name(o, 1, "hints-header", arg);
	case OPT_HINT_HEADER:
		return parse_header_name(o, 0, "hint-header", arg);
	case OPT_BODY_BYTES:
		return tool_opt_u64(PROG, "body-bytes", arg, 0, REP_BODY_MAX, &o->body_bytes);
	case OPT_INITIAL:
		return parse_initial(o, arg);
	case OPT_LOG:
		if (*arg == '\0')
			return tool_opt_bad(PROG, "log", arg, "empty file name");
		o->log_path = arg;
		return 0;
	}
	return 2;
}

static void opts_defaults(struct rep_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->slots = 3;
	o->concurrency = 1;
	o->body_bytes = REP_PATTERN_LEN;
	hl_http1_config_init(&o->http);
	strcpy(o->hints_header, "X-Fal-Runner-Hints");
}

/* The option getopt_long() stopped at, for the message. */
static const char *failed_opt(char **argv, int argc)
{
	int i = optind - 1;

	return i > 0 && i < argc ? argv[i] : "?";
}

static int check_all(struct rep_opts *o, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "hintreplica: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->nlisten == 0) {
		fprintf(stderr, "hintreplica: --listen ADDR:PORT is required\n");
		return 2;
	}
	if (o->ninitial > o->slots) {
		fprintf(stderr, "hintreplica: --initial names %u models, more than --slots %u\n",
			o->ninitial, o->slots);
		return 2;
	}
	return 0;
}

int rep_opts_parse(struct rep_opts *o, int argc, char **argv)
{
	int c, rc = 0;

	opts_defaults(o);
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		} else if (c == '?') {
			fprintf(stderr, "hintreplica: unknown option '%s'\n",
				failed_opt(argv, argc));
			rc = 2;
		} else if (c == ':') {
			fprintf(stderr, "hintreplica: option '%s' needs a value\n",
				failed_opt(argv, argc));
			rc = 2;
		} else {
			rc = parse_one(o, c, optarg);
		}
	}
	if (rc == 0)
		rc = check_all(o, argc, argv);
	if (rc != 0) {
		fprintf(stderr,
			"usage: hintreplica --listen ADDR:PORT [options] (--help lists them)\n");
		rep_opts_free(o);
	}
	return rc;
}

void rep_opts_free(struct rep_opts *o)
{
	free(o->initial_buf);
	o->initial_buf = NULL;
	o->ninitial = 0;
}
