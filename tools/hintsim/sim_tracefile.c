/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traces on disk: `--trace FILE` replays recorded requests instead of
 * generating them, `--write-trace FILE` saves the trace a run uses.
 *
 * One request per line: its arrival in seconds (a decimal, up to 9 digits
 * after the point, non-decreasing down the file), one space or tab, and the
 * hint as a client would send it in X-Fal-Runner-Hint (trimmed and checked
 * as the router does, and one a replica could advertise: token characters
 * and '/'). Blank lines and lines starting with '#' are skipped.
 *
 *   # arrival_s hint
 *   0.512 fal-ai/flux-dev
 *   0.640 sdxl
 *
 * Model ids are given by popularity in the file (0 = the most requested,
 * ties in order of first appearance), as in a generated trace.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintsim.h"

#define LINE_MAX_BYTES 4096
#define ARRIVAL_S_MAX  (UINT64_MAX / SIM_NS_PER_S - 1)

/* One distinct hint of the file. */
struct hint_info {
	char *name;
	size_t len;
	uint64_t count;
	uint64_t first; /* request index of the first appearance */
};

/* Distinct hints seen so far: open addressing on their hash. */
struct hint_set {
	uint32_t *slot; /* id + 1; 0 = empty */
	size_t cap;
	struct hint_info *info; /* by id, in order of first appearance */
	uint32_t n;
	size_t info_cap;
};

static void set_free(struct hint_set *s)
{
	for (uint32_t i = 0; s->info != NULL && i < s->n; i++)
		free(s->info[i].name);
	free(s->slot);
	free(s->info);
	memset(s, 0, sizeof(*s));
}

static int set_grow_table(struct hint_set *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -ENOMEM;
	for (uint32_t id = 0; id < s->n; id++) {
		size_t i = sim_hash_bytes(s->info[id].name, s->info[id].len) & (cap - 1);
		while (slot[i] != 0)
			i = (i + 1) & (cap - 1);
		slot[i] = id + 1;
	}
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

/* The id of @hint, added when new. @return it, or -ENOMEM / -E2BIG. */
static int64_t set_id(struct hint_set *s, const char *hint, size_t len, uint64_t req)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap && set_grow_table(s) != 0)
		return -ENOMEM;
	for (i = sim_hash_bytes(hint, len) & (s->cap - 1); s->slot[i] != 0;
	     i = (i + 1) & (s->cap - 1)) {
		const struct hint_info *h = &s->info[s->slot[i] - 1];
		if (h->len == len && memcmp(h->name, hint, len) == 0)
			return s->slot[i] - 1;
	}
	if (s->n == UINT32_MAX - 1)
		return -E2BIG;
	if (s->n == s->info_cap) {
		size_t cap = s->info_cap ? s->info_cap * 2 : 256;
		struct hint_info *info = realloc(s->info, cap * sizeof(*info));
		if (info == NULL)
			return -ENOMEM;
		s->info = info;
		s->info_cap = cap;
	}
	char *name = strndup(hint, len);
	if (name == NULL)
		return -ENOMEM;
	s->info[s->n] = (struct hint_info){.name = name, .len = len, .first = req};
	s->slot[i] = s->n + 1;
	return s->n++;
}

/* "12.5" -> 12500000000 ns, exactly. @return 0 or -EINVAL. */
static int parse_arrival(const char *s, size_t len, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0, scale = SIM_NS_PER_S;
	size_t i = 0;

	if (len == 0 || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		sec = sec * 10 + (uint64_t)(s[i] - '0');
		if (sec > ARRIVAL_S_MAX)
			return -EINVAL;
	}
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (scale == 1)
				return -EINVAL; /* more than 9 digits */
			scale /= 10;
			frac += (uint64_t)(s[i] - '0') * scale;
		}
	}
	if (i != len)
		return -EINVAL;
	*ns = sec * SIM_NS_PER_S + frac;
	return 0;
}

struct reader {
	const char *path;
	char *err;
	size_t errlen;
	uint64_t line;
};

static int fail(struct reader *rd, const char *what)
{
	snprintf(rd->err, rd->errlen, "--trace: %s line %" PRIu64 ": %s", rd->path, rd->line, what);
	return -EINVAL;
}

/* Append one request, growing the arrays. */
static int push(struct sim_trace *t, uint64_t *cap, uint64_t ns, uint32_t model)
{
	if (t->n == *cap) {
		uint64_t c = *cap ? *cap * 2 : 4096;
		uint64_t *a = realloc(t->arrival_ns, c * sizeof(*a));
		if (a == NULL)
			return -ENOMEM;
		t->arrival_ns = a;
		uint32_t *m = realloc(t->model, c * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		t->model = m;
		*cap = c;
	}
	t->arrival_ns[t->n] = ns;
	t->model[t->n++] = model;
	return 0;
}

/* One line (without its newline). @return 0, 1 (skipped), or -errno. */
static int read_line(struct reader *rd, char *line, size_t len, struct sim_trace *t,
		     struct hint_set *set, uint64_t *cap)
{
	const char *hint;
	size_t sep, hint_len;
	enum hl_route_drop why;
	uint64_t ns;
	int64_t id;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#')
		return 1;
	for (sep = 0; sep < len && line[sep] != ' ' && line[sep] != '\t'; sep++)
		;
	if (parse_arrival(line, sep, &ns) != 0)
		return fail(rd, "the arrival is not a number of seconds (digits, '.', at most 9 "
				"decimals)");
	if (t->n > 0 && ns < t->arrival_ns[t->n - 1])
		return fail(rd, "arrivals go back in time (the file must be in arrival order)");
	if (sep == len)
		return fail(rd, "no hint after the arrival");
	if (hl_hint_check(line + sep, len - sep, &hint, &hint_len, &why) != 0) {
		char what[96];
		snprintf(what, sizeof(what), "the hint is refused by the router (%s)",
			 hl_route_drop_name(why));
		return fail(rd, what);
	}
	if (!hl_hint_is_list_entry(hint, hint_len))
		return fail(rd, "no replica could advertise this hint in X-Fal-Runner-Hints "
				"(token characters and '/' only)");
	id = set_id(set, hint, hint_len, t->n);
	if (id < 0)
		return id == -E2BIG ? fail(rd, "too many distinct hints") : (int)id;
	if (t->n == SIM_TRACE_REQUESTS_MAX)
		return fail(rd, "too many requests");
	set->info[id].count++;
	return push(t, cap, ns, (uint32_t)id);
}

static int by_popularity(const void *a, const void *b, void *set)
{
	const struct hint_info *info = ((const struct hint_set *)set)->info;
	const struct hint_info *x = &info[*(const uint32_t *)a], *y = &info[*(const uint32_t *)b];

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

/* Renumber models by popularity and hand the names over to @t. */
static int rank_models(struct sim_trace *t, struct hint_set *set)
{
	uint32_t *order = malloc(sizeof(*order) * set->n), *rank = malloc(sizeof(*rank) * set->n);

	t->names = calloc(set->n, sizeof(*t->names));
	t->name_len = calloc(set->n, sizeof(*t->name_len));
	if (order == NULL || rank == NULL || t->names == NULL || t->name_len == NULL) {
		free(order);
		free(rank);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < set->n; i++)
		order[i] = i;
	qsort_r(order, set->n, sizeof(*order), by_popularity, set);
	for (uint32_t r = 0; r < set->n; r++) {
		rank[order[r]] = r;
		t->names[r] = set->info[order[r]].name;
		t->name_len[r] = set->info[order[r]].len;
		set->info[order[r]].name = NULL;
	}
	t->n_models = set->n;
	for (uint64_t i = 0; i < t->n; i++)
		t->model[i] = rank[t->model[i]];
	free(order);
	free(rank);
	return 0;
}

int sim_trace_read(struct sim_trace *t, const char *path, char *err, size_t errlen)
{
	struct reader rd = {.path = path, .err = err, .errlen = errlen};
	struct hint_set set = {0};
	char *line = NULL;
	size_t line_cap = 0;
	uint64_t cap = 0;
	ssize_t got;
	int rc = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "--trace: %s: %s", path, strerror(errno));
		return -errno;
	}
	while (rc >= 0 && (got = getline(&line, &line_cap, f)) >= 0) {
		size_t len = (size_t)got;
		rd.line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > LINE_MAX_BYTES) {
			rc = fail(&rd, "longer than 4096 bytes");
			break;
		}
		if (memchr(line, '\0', len) != NULL) {
			rc = fail(&rd, "holds a NUL byte");
			break;
		}
		rc = read_line(&rd, line, len, t, &set, &cap);
	}
	if (rc >= 0 && ferror(f)) {
		snprintf(err, errlen, "--trace: %s: read error", path);
		rc = -EIO;
	}
	if (rc >= 0 && t->n == 0) {
		snprintf(err, errlen, "--trace: %s: no requests in the file", path);
		rc = -EINVAL;
	}
	if (rc >= 0)
		rc = rank_models(t, &set);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "--trace: %s: out of memory", path);
	free(line);
	fclose(f);
	set_free(&set);
	if (rc < 0) {
		sim_trace_free(t);
		return rc;
	}
	return 0;
}

int sim_trace_write(const struct sim_trace *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (f == NULL) {
		snprintf(err, errlen, "--write-trace: %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "# hintsim trace: arrival_s hint (%" PRIu64 " requests, %u hints)\n", t->n,
		t->n_models);
	for (uint64_t i = 0; i < t->n; i++) {
		uint32_t m = t->model[i];
		uint64_t s = t->arrival_ns[i] / SIM_NS_PER_S, ns = t->arrival_ns[i] % SIM_NS_PER_S;
		fprintf(f, "%" PRIu64 ".%09" PRIu64 " %.*s\n", s, ns, (int)t->name_len[m],
			t->names[m]);
	}
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		snprintf(err, errlen, "--write-trace: %s: %s", path, strerror(-rc));
	return rc;
}
