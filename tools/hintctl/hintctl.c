/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintctl: the control socket's client (docs/CONFIG.md, "Control socket").
 *
 *   hintctl [-s SOCKET] [--json] COMMAND ...
 *
 * Turns the command line into one JSON request line, prints the daemon's
 * answer: a table for people, or the answer as it came with --json. Exit
 * status: 0 ok; 1 the daemon refused (its message on stderr); 2 usage; 3
 * the daemon could not be reached or did not answer.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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
		   "  hints set REPLICA HINT...   (no HINT: an empty list)\n"
		   "  hints clear REPLICA\n"
		   "  route [HINT]   (where a request with HINT would go now, and why)\n"
		   "  stats | config | xdp\n"
		   "SOCKET defaults to " DEFAULT_SOCKET " ([ctrl] socket).\n");
}

/* The request for argv[0..argc-1]. @return it, or NULL (usage). */
static json_t *build(int argc, char **argv)
{
	char cmd[64];

	if (argc < 1)
		return NULL;
	if ((strcmp(argv[0], "stats") == 0 || strcmp(argv[0], "config") == 0 ||
	     strcmp(argv[0], "xdp") == 0) &&
	    argc == 1)
		return json_pack("{s:s}", "cmd", argv[0]);
	if (strcmp(argv[0], "route") == 0 && argc <= 2)
		return argc == 2 ? json_pack("{s:s, s:s}", "cmd", "route", "hint", argv[1])
				 : json_pack("{s:s}", "cmd", "route");
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
			if (strcmp(k, "ok") == 0)
				continue;
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
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *path = DEFAULT_SOCKET;
	bool raw = false;
	json_t *req, *ans;
	json_error_t jerr;
	char *line;
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
	req = build(argc - optind, argv + optind);
	if (req == NULL) {
		usage(stderr);
		return 2;
	}
	line = exchange(path, req);
	json_decref(req);
	if (line == NULL)
		return 3;
	ans = json_loads(line, 0, &jerr);
	if (ans == NULL) {
		fprintf(stderr, "hintctl: the daemon's answer is not JSON: %s\n", line);
		free(line);
		return 3;
	}
	if (raw)
		printf("%s\n", line);
	free(line);
	if (!json_is_true(json_object_get(ans, "ok"))) {
		fprintf(stderr, "hintctl: %s\n", json_string_value(json_object_get(ans, "error")));
		json_decref(ans);
		return 1;
	}
	if (!raw) {
		if (json_object_get(ans, "replicas") != NULL)
			print_replicas(json_object_get(ans, "replicas"));
		else if (json_is_object(json_object_get(ans, "replica"))) {
			json_t *one = json_pack("[O]", json_object_get(ans, "replica"));

			print_replicas(one);
			json_decref(one);
		} else
			print_flat("", ans);
	}
	json_decref(ans);
	return 0;
}
