/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --trace FILE: hintsim's trace format (tools/hintsim/sim_tracefile.c): one
 * request per line, its arrival in seconds, a space or tab, the hint; blank
 * lines and lines starting with '#' are skipped; arrivals never decrease.
 * Arrivals are kept in ns from the first; hints as ids into a table of the
 * distinct names (a hash set while loading).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hintgen.h"

struct name_set {
	uint32_t *slot; /* id + 1; 0 = empty */
	uint32_t cap;   /* a power of two */
};

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elt)
{
	uint32_t n = *cap != 0 ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, (size_t)n * elt);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* The id of @p name (added when new). @return id or -ENOMEM. */
static long name_id(struct hg_trace *t, struct name_set *s, uint32_t *names_cap, const char *name,
		    size_t len)
{
	uint32_t i;

	if (2 * (t->n_names + 1) > s->cap) {
		uint32_t cap = s->cap != 0 ? s->cap * 2 : 1024;
		uint32_t *slot = calloc(cap, sizeof(uint32_t));

		if (slot == NULL)
			return -ENOMEM;
		for (uint32_t k = 0; k < t->n_names; k++) {
			i = fnv1a(t->names[k], strlen(t->names[k])) & (cap - 1);
			while (slot[i] != 0)
				i = (i + 1) & (cap - 1);
			slot[i] = k + 1;
		}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (i = fnv1a(name, len) & (s->cap - 1); s->slot[i] != 0; i = (i + 1) & (s->cap - 1)) {
		const char *n = t->names[s->slot[i] - 1];

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return s->slot[i] - 1;
	}
	if (grow((void **)&t->names, names_cap, t->n_names + 1, sizeof(char *)) != 0)
		return -ENOMEM;
	t->names[t->n_names] = strndup(name, len);
	if (t->names[t->n_names] == NULL)
		return -ENOMEM;
	s->slot[i] = t->n_names + 1;
	return t->n_names++;
}

int hg_trace_load(struct hg_trace *t, const char *path, char *err, size_t errlen)
{
	struct name_set set = {0};
	uint32_t cap = 0, cap_hint = 0, names_cap = 0, lineno = 0;
	double first = -1, last = 0;
	char line[4096];
	FILE *f = fopen(path, "r");
	int rc = -EINVAL;

	memset(t, 0, sizeof(*t));
	if (f == NULL) {
		snprintf(err, errlen, "--trace %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end, *h;
		double at;
		size_t hl;
		long id;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "--trace %s line %u: longer than %zu bytes", path,
				 lineno, sizeof(line) - 2);
			goto out;
		}
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		at = strtod(line, &end);
		if (end == line || (*end != ' ' && *end != '\t') || at < 0 || at < last) {
			snprintf(err, errlen,
				 "--trace %s line %u: not '<arrival seconds> <hint>' with arrivals "
				 "that never decrease",
				 path, lineno);
			goto out;
		}
		h = end + strspn(end, " \t");
		hl = strcspn(h, " \t\r\n");
		if (hl == 0 || hl > HL_HTTP1_HINT_MAX) {
			snprintf(err, errlen,
				 "--trace %s line %u: the hint is empty or over %d bytes", path,
				 lineno, HL_HTTP1_HINT_MAX);
			goto out;
		}
		if (first < 0)
			first = at;
		last = at;
		if (grow((void **)&t->at_ns, &cap, t->n + 1, sizeof(uint64_t)) != 0 ||
		    grow((void **)&t->hint, &cap_hint, t->n + 1, sizeof(uint32_t)) != 0 ||
		    (id = name_id(t, &set, &names_cap, h, hl)) < 0) {
			snprintf(err, errlen, "--trace %s: out of memory", path);
			rc = -ENOMEM;
			goto out;
		}
		t->at_ns[t->n] = (uint64_t)((at - first) * 1e9);
		t->hint[t->n++] = (uint32_t)id;
	}
	if (t->n == 0) {
		snprintf(err, errlen, "--trace %s: no requests in it", path);
		goto out;
	}
	rc = 0;
out:
	free(set.slot);
	fclose(f);
	if (rc != 0)
		hg_trace_free(t);
	return rc;
}

void hg_trace_free(struct hg_trace *t)
{
	for (uint32_t i = 0; i < t->n_names; i++)
		free(t->names[i]);
	free(t->names);
	free(t->at_ns);
	free(t->hint);
	memset(t, 0, sizeof(*t));
}
