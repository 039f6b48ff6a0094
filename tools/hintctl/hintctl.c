/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintctl: the control socket's client (docs/CONFIG.md, "Control socket").
 *
 *   hintctl [-s SOCKET] [--json] COMMAND ...
 *
 * Turns the command line into one JSON request line, prints the daemon's
 * answer: a table for people, or the answer as it came with --json (the
 * daemon's keys, re-serialised compactly). `top` asks for `stats` every
 * second and shows rates over the last second. Exit
 * status: 0 ok; 1 the daemon refused (its message on stderr); 2 usage; 3
 * the daemon could not be reached or did not answer.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define DEFAULT_SOCKET "/run/hintlb/ctrl.sock"
#define ANSWER_MAX     (16 * 1024 * 1024)
#define TIMEOUT_MS     10000

static void usage(FILE *f)
{
	fprintf(f, "usage: hintctl [-s SOCKET] [--json] COMMAND ...\n"
		   "  replica list\n"
		   "  replica drain NAME | replica undrain NAME\n"
		   "  replica weight NAME WEIGHT\n"
		   "  replica add NAME A.B.C.D:PORT [weight W] [concurrency C]\n"
		   "  replica remove NAME\n"
		   "  hints list [REPLICA]\n"
		   "  hints set REPLICA HINT...   (no HINT: an empty list)\n"
		   "  hints clear REPLICA\n"
		   "  route [HINT] [client A.B.C.D] [worker N]\n"
		   "                 (where that request would go now, and why, as worker N\n"
		   "                 would decide; no HINT: the client's Maglev key)\n"
		   "  maglev         (table size, each replica's share)\n"
		   "  reload         (re-read the config file: replicas, routing, timeouts)\n"
		   "  stats | config | xdp\n"
		   "  top [-n COUNT] (a live view, refreshed every second; COUNT refreshes)\n"
		   "SOCKET defaults to " DEFAULT_SOCKET " ([ctrl] socket).\n");
}

/* The request for argv[0..argc-1]. @return it, or NULL (usage). */
static json_t *build(int argc, char **argv)
{
	char cmd[64];

	if (argc < 1)
		return NULL;
	if ((strcmp(argv[0], "stats") == 0 || strcmp(argv[0], "config") == 0 ||
	     strcmp(argv[0], "xdp") == 0 || strcmp(argv[0], "maglev") == 0 ||
	     strcmp(argv[0], "reload") == 0) &&
	    argc == 1)
		return json_pack("{s:s}", "cmd", argv[0]);
	if (strcmp(argv[0], "route") == 0) {
		json_t *req = json_pack("{s:s}", "cmd", "route");
		int i = 1;

		if (i < argc && strcmp(argv[i], "client") != 0 && strcmp(argv[i], "worker") != 0)
			json_object_set_new(req, "hint", json_string(argv[i++]));
		for (; i + 1 < argc; i += 2) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);

			if (strcmp(argv[i], "client") == 0)
				json_object_set_new(req, "client", json_string(argv[i + 1]));
			else if (strcmp(argv[i], "worker") == 0 && *end == '\0' &&
				 end != argv[i + 1])
				json_object_set_new(req, "worker", json_integer(v));
			else
				break;
		}
		if (i == argc)
			return req;
		json_decref(req);
		return NULL;
	}
	if (argc < 2)
		return NULL;
	snprintf(cmd, sizeof(cmd), "%s %s", argv[0], argv[1]);
	if (strcmp(cmd, "replica list") == 0 && argc == 2)
		return json_pack("{s:s}", "cmd", cmd);
	if ((strcmp(cmd, "replica drain") == 0 || strcmp(cmd, "replica undrain") == 0) && argc == 3)
		return json_pack("{s:s, s:s}", "cmd", cmd, "name", argv[2]);
	if (strcmp(cmd, "replica weight") == 0 && argc == 4) {
		char *end;
		long w = strtol(argv[3], &end, 10);

		if (*end != '\0' || end == argv[3]) {
			fprintf(stderr, "hintctl: weight '%s' is not an integer\n", argv[3]);
			return NULL;
		}
		return json_pack("{s:s, s:s, s:I}", "cmd", cmd, "name", argv[2], "weight",
				 (json_int_t)w);
	}
	if (strcmp(cmd, "replica remove") == 0 && argc == 3)
		return json_pack("{s:s, s:s}", "cmd", cmd, "name", argv[2]);
	if (strcmp(cmd, "replica add") == 0 && argc >= 4 && argc % 2 == 0) {
		json_t *req = json_pack("{s:s, s:s, s:s}", "cmd", cmd, "name", argv[2], "address",
					argv[3]);

		for (int i = 4; i + 1 < argc; i += 2) {
			char *end;
			long v = strtol(argv[i + 1], &end, 10);

			if ((strcmp(argv[i], "weight") != 0 &&
			     strcmp(argv[i], "concurrency") != 0) ||
			    *end != '\0' || end == argv[i + 1]) {
				fprintf(stderr,
					"hintctl: '%s %s' is not weight N or concurrency N\n",
					argv[i], argv[i + 1]);
				json_decref(req);
				return NULL;
			}
			json_object_set_new(req, argv[i], json_integer(v));
		}
		return req;
	}
	if (strcmp(cmd, "hints set") == 0 && argc >= 3) {
		json_t *h = json_array();

		for (int i = 3; i < argc; i++)
			json_array_append_new(h, json_string(argv[i]));
		return json_pack("{s:s, s:s, s:o}", "cmd", cmd, "replica", argv[2], "hints", h);
	}
	if (strcmp(cmd, "hints list") == 0 && argc <= 3)
		return argc == 3 ? json_pack("{s:s, s:s}", "cmd", cmd, "replica", argv[2])
				 : json_pack("{s:s}", "cmd", cmd);
	if (strcmp(cmd, "hints clear") == 0 && argc == 3)
		return json_pack("{s:s, s:s}", "cmd", cmd, "replica", argv[2]);
	return NULL;
}

/* Send @p req, read one answer line. @return the line (owned), or NULL with a message. */
static char *exchange(const char *path, json_t *req)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *line = json_dumps(req, JSON_COMPACT), *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "hintctl: %s: %s (is hintlb running? -s names [ctrl] socket)\n",
			path, strerror(errno));
		goto out;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		fprintf(stderr, "hintctl: %s: write: %s\n", path, strerror(errno));
		goto out;
	}
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "hintctl: %s: no answer within %d s\n", path,
				TIMEOUT_MS / 1000);
			break;
		}
		if (len + 65536 > cap) {
			char *g = cap + 65536 > ANSWER_MAX ? NULL : realloc(buf, cap + 65536);

			if (g == NULL) {
				fprintf(stderr, "hintctl: answer too long\n");
				break;
			}
			buf = g;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0) {
			fprintf(stderr, "hintctl: %s: the daemon closed the connection\n", path);
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if (memchr(buf, '\n', len) != NULL) {
			*strchr(buf, '\n') = '\0';
			close(fd);
			free(line);
			return buf;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(buf);
	return NULL;
}

static void print_replicas(json_t *list)
{
	size_t i;
	json_t *r;

	printf("%-16s %-21s %6s %5s %-9s %-6s %5s %8s\n", "REPLICA", "ADDRESS", "WEIGHT", "CONC",
	       "STATE", "HINTS", "N", "INFLIGHT");
	json_array_foreach(list, i, r)
	{
		printf("%-16s %-21s %6lld %5lld %-9s %-6s %5lld %8lld\n",
		       json_string_value(json_object_get(r, "name")),
		       json_string_value(json_object_get(r, "address")),
		       (long long)json_integer_value(json_object_get(r, "weight")),
		       (long long)json_integer_value(json_object_get(r, "concurrency")),
		       json_string_value(json_object_get(r, "state")),
		       json_string_value(json_object_get(r, "hints_kind")),
		       (long long)json_integer_value(json_object_get(r, "hints")),
		       (long long)json_integer_value(json_object_get(r, "inflight")));
	}
}

/* "PREFIX KEY VALUE" for every number under @p o, depth first. */
static void print_flat(const char *prefix, json_t *o)
{
	const char *k;
	json_t *v;
	size_t i;
	char p[256];

	if (json_is_object(o)) {
		json_object_foreach(o, k, v)
		{
			if (strcmp(k, "ok") == 0 || strcmp(k, "latency_buckets") == 0)
				continue; /* the histogram: --json has it */
			snprintf(p, sizeof(p), "%s%s%s", prefix, prefix[0] ? " " : "", k);
			print_flat(p, v);
		}
	} else if (json_is_array(o)) {
		json_array_foreach(o, i, v)
		{
			json_t *id = json_object_get(v, "id");

			snprintf(p, sizeof(p), "%s %lld", prefix,
				 id != NULL ? (long long)json_integer_value(id) : (long long)i);
			print_flat(p, v);
		}
	} else if (json_is_integer(o)) {
		printf("%s %lld\n", prefix, (long long)json_integer_value(o));
	} else if (json_is_string(o)) {
		printf("%s %s\n", prefix, json_string_value(o));
	} else if (json_is_real(o)) {
		printf("%s %g\n", prefix, json_real_value(o));
	} else if (json_is_boolean(o)) {
		printf("%s %s\n", prefix, json_is_true(o) ? "yes" : "no");
	}
}

static void print_hints(json_t *list)
{
	size_t i, j;
	json_t *r, *h;

	printf("%-16s %-6s %s\n", "REPLICA", "KIND", "HINTS");
	json_array_foreach(list, i, r)
	{
		printf("%-16s %-6s ", json_string_value(json_object_get(r, "name")),
		       json_string_value(json_object_get(r, "hints_kind")));
		json_array_foreach(json_object_get(r, "hints"), j, h)
			printf("%s%s", j ? "," : "", json_string_value(h));
		printf("\n");
	}
}

static void print_maglev(json_t *ans)
{
	size_t i;
	json_t *r;

	printf("table size %lld, built %lld time(s)\n",
	       (long long)json_integer_value(json_object_get(ans, "size")),
	       (long long)json_integer_value(json_object_get(ans, "builds")));
	printf("%-16s %6s %8s %7s\n", "REPLICA", "WEIGHT", "ENTRIES", "SHARE");
	json_array_foreach(json_object_get(ans, "replicas"), i, r)
		printf("%-16s %6lld %8lld %6.2f%%\n", json_string_value(json_object_get(r, "name")),
		       (long long)json_integer_value(json_object_get(r, "weight")),
		       (long long)json_integer_value(json_object_get(r, "entries")),
		       100.0 * json_number_value(json_object_get(r, "share")));
}

static void print_reload(json_t *ans)
{
	json_t *ch = json_object_get(ans, "changes"), *l;
	size_t i;

	printf("reloaded %s: %zu change(s)\n", json_string_value(json_object_get(ans, "file")),
	       json_array_size(ch));
	json_array_foreach(ch, i, l) printf("  %s\n", json_string_value(l));
}

/* A table for people, by command. */
static void print_answer(int argc, char **argv, json_t *ans)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "%s %s", argv[0], argc > 1 ? argv[1] : "");
	if (strcmp(cmd, "hints list") == 0)
		print_hints(json_object_get(ans, "replicas"));
	else if (strcmp(argv[0], "maglev") == 0)
		print_maglev(ans);
	else if (strcmp(argv[0], "reload") == 0)
		print_reload(ans);
	else if (strcmp(argv[0], "replica") == 0 && json_object_get(ans, "replicas") != NULL)
		print_replicas(json_object_get(ans, "replicas"));
	else if (strcmp(argv[0], "replica") == 0 &&
		 json_is_object(json_object_get(ans, "replica"))) {
		json_t *one = json_pack("[O]", json_object_get(ans, "replica"));

		print_replicas(one);
		json_decref(one);
	} else if (json_object_size(ans) == 1)
		printf("ok\n");
	else
		print_flat("", ans);
}

/* One request, its answer parsed. @return it (owned), or NULL: refused (message printed)
 * or unreachable (*unreachable set). */
static json_t *ask(const char *path, json_t *req, bool *unreachable)
{
	char *line = exchange(path, req);
	json_error_t jerr;
	json_t *ans;

	*unreachable = line == NULL;
	if (line == NULL)
		return NULL;
	ans = json_loads(line, 0, &jerr);
	if (ans == NULL) {
		fprintf(stderr, "hintctl: the daemon's answer is not JSON: %s\n", line);
		*unreachable = true;
	} else if (!json_is_true(json_object_get(ans, "ok"))) {
		fprintf(stderr, "hintctl: %s\n", json_string_value(json_object_get(ans, "error")));
		json_decref(ans);
		ans = NULL;
	}
	free(line);
	return ans;
}

/* ---- top ---- */

static uint64_t num(json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

/* Sum over workers of counters.NAME (or routing.NAME when @p routing). */
static uint64_t workers_sum(json_t *stats, const char *group, const char *name)
{
	json_t *w;
	size_t i;
	uint64_t sum = 0;

	json_array_foreach(json_object_get(stats, "workers"), i, w) sum +=
		num(json_object_get(w, group), name);
	return sum;
}

/* The replica named @p name in stats.replicas, or NULL. */
static json_t *replica_of(json_t *stats, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(stats, "replicas"), i,
			   r) if (strcmp(json_string_value(json_object_get(r, "name")), name) ==
				  0) return r;
	return NULL;
}

/* The latency (ms) under which fraction @p q of the requests between two samples ended:
 * the upper bound of the power-of-two bucket (latency_buckets[i]: [2^i, 2^(i+1)) µs). */
static double window_quantile_ms(json_t *now, json_t *before, double q)
{
	json_t *a = json_object_get(now, "latency_buckets"),
	       *b = before ? json_object_get(before, "latency_buckets") : NULL;
	uint64_t d[64] = {0}, n = 0, acc = 0;
	size_t k = json_array_size(a) < 64 ? json_array_size(a) : 64;

	for (size_t i = 0; i < k; i++) {
		d[i] = (uint64_t)json_integer_value(json_array_get(a, i)) -
		       (b ? (uint64_t)json_integer_value(json_array_get(b, i)) : 0);
		n += d[i];
	}
	for (size_t i = 0; i < k && n != 0; i++) {
		acc += d[i];
		if ((double)acc >= q * (double)n)
			return (double)(2ull << i) / 1000.0;
	}
	return 0;
}

/* Counters that count something gone wrong (drops, refusals, errors, timeouts). */
static bool is_trouble(const char *name)
{
	static const char *const words[] = {
		"drop",   "bad",     "full",  "fail",    "error", "refus", "unresolved", "no_",
		"reject", "truncat", "abort", "timeout", "_4",    "_5",    "malformed",  "too_"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(name, words[i]) != NULL)
			return true;
	return false;
}

static void top_frame(json_t *now, json_t *before, double dt, bool tty)
{
	static const char *const reasons[] = {"hint_hit", "hint_spill", "fallback_hint",
					      "fallback_nohint", "none_available"};
	json_t *r, *w;
	size_t i;
	double total = 0;

	if (tty)
		printf("\033[H\033[J");
	printf("hintlb: %.1f s sample\n\nrequests/s by routing reason\n", dt);
	for (size_t k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++) {
		double v = (double)(workers_sum(now, "routing", reasons[k]) -
				    (before ? workers_sum(before, "routing", reasons[k]) : 0)) /
			   dt;

		total += v;
		printf("  %-16s %10.1f\n", reasons[k], v);
	}
	printf("  %-16s %10.1f\n\n", "total", total);
	printf("%-16s %8s %8s %7s %9s %9s %6s %6s\n", "REPLICA", "REQ/S", "INFLIGHT", "HIT%",
	       "P50_MS", "P99_MS", "5XX/S", "ERR/S");
	json_array_foreach(json_object_get(now, "replicas"), i, r)
	{
		json_t *b =
			before ? replica_of(before, json_string_value(json_object_get(r, "name")))
			       : NULL;
		uint64_t req = num(r, "requests") - (b ? num(b, "requests") : 0);
		uint64_t hit = num(r, "hint_hits") - (b ? num(b, "hint_hits") : 0);
		uint64_t x5 = num(json_object_get(r, "responses"), "5xx") -
			      (b ? num(json_object_get(b, "responses"), "5xx") : 0);
		uint64_t err = num(r, "errors") - (b ? num(b, "errors") : 0);

		printf("%-16s %8.1f %8llu %6.1f%% %9.3f %9.3f %6.1f %6.1f\n",
		       json_string_value(json_object_get(r, "name")), (double)req / dt,
		       (unsigned long long)num(r, "inflight"),
		       req ? 100.0 * (double)hit / (double)req : 0.0, window_quantile_ms(r, b, 0.5),
		       window_quantile_ms(r, b, 0.99), (double)x5 / dt, (double)err / dt);
	}
	printf("\ndrops and errors/s\n");
	/* every worker counter that counts trouble and moved */
	json_t *names = json_object();
	json_array_foreach(json_object_get(now, "workers"), i, w)
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(w, "counters"), k, v) if (is_trouble(k))
			json_object_set_new(names, k, json_true());
	}
	const char *k;
	json_t *v;
	unsigned shown = 0;
	json_object_foreach(names, k, v)
	{
		uint64_t d = workers_sum(now, "counters", k) -
			     (before ? workers_sum(before, "counters", k) : 0);

		if (d != 0) {
			printf("  %-32s %10.1f\n", k, (double)d / dt);
			shown++;
		}
	}
	if (shown == 0)
		printf("  none\n");
	json_decref(names);
	fflush(stdout);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `top [-n COUNT]`: stats every second, shown as rates over the last second. */
static int top(const char *path, int argc, char **argv)
{
	long count = -1;
	json_t *req = json_pack("{s:s}", "cmd", "stats"), *before = NULL;
	double t_before = 0;
	bool tty = isatty(STDOUT_FILENO), down;
	int rc = 0;

	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		count = strtol(argv[2], NULL, 10);
	else if (argc != 1) {
		json_decref(req);
		usage(stderr);
		return 2;
	}
	for (long n = 0; count < 0 || n <= count; n++) {
		json_t *now = ask(path, req, &down);
		double t = mono_s();

		if (now == NULL) {
			rc = down ? 3 : 1;
			break;
		}
		if (before != NULL)
			top_frame(now, before, t - t_before, tty);
		json_decref(before);
		before = now;
		t_before = t;
		if (count < 0 || n < count)
			sleep(1);
	}
	json_decref(before);
	json_decref(req);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *path = DEFAULT_SOCKET;
	bool raw = false, down;
	json_t *req, *ans;
	int c;

	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			raw = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "top") == 0)
		return top(path, argc - optind, argv + optind);
	req = build(argc - optind, argv + optind);
	if (req == NULL) {
		usage(stderr);
		return 2;
	}
	ans = ask(path, req, &down);
	json_decref(req);
	if (ans == NULL)
		return down ? 3 : 1;
	if (raw) {
		char *line = json_dumps(ans, JSON_COMPACT);

		printf("%s\n", line);
		free(line);
	} else {
		print_answer(argc - optind, argv + optind, ans);
	}
	json_decref(ans);
	return 0;
}
