/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output: an aligned comparison table for people, or exactly one JSON object
 * (jansson) for scripts. The JSON holds no wall-clock figures, so the same
 * flags always print the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>

#include "hintsim.h"

static const char *route_policy_name(const struct sim_config *cfg)
{
	/* -1: the router's default, which is the zero value of the enum */
	return hl_route_policy_name(cfg->route_policy < 0
					    ? (enum hl_route_policy)0
					    : (enum hl_route_policy)cfg->route_policy);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* ------------------------------------------------------------------ */
/* Table                                                               */

static void print_header(const struct sim_config *cfg, uint64_t lower_bound)
{
	printf("workload: %u replicas x %u slots (concurrency %u), ", cfg->replicas, cfg->slots,
	       cfg->concurrency);
	if (cfg->trace_path != NULL)
		printf("trace %s: %u hints, ", cfg->trace_path, cfg->models);
	else
		printf("%u models zipf %.2f, ", cfg->models, cfg->zipf);
	printf("%" PRIu64 " requests at %.3g/s, load %.0f ms, service %.0f ms, ", cfg->requests,
	       cfg->rate, (double)cfg->load_ns / SIM_NS_PER_MS,
	       (double)cfg->service_ns / SIM_NS_PER_MS);
	if (cfg->path_ns != 0)
		printf("path %.3g ms, ", (double)cfg->path_ns / SIM_NS_PER_MS);
	printf("seed %" PRIu64 "\n", cfg->seed);
	printf("hintlb: router policy %s, balance factor %.2f, load wait %g; lower bound: Belady "
	       "on one pooled cache of %" PRIu64 " slots = %" PRIu64 " loads\n\n",
	       route_policy_name(cfg), cfg->balance_factor, cfg->load_wait,
	       (uint64_t)cfg->replicas * cfg->slots, lower_bound);
}

static void print_reasons(const struct sim_result *r)
{
	unsigned i;

	printf("%s decisions:", r->name);
	for (i = 0; i < HL_ROUTE_REASON_COUNT; i++) {
		printf(" %s %" PRIu64 " (%.1f%%)", hl_route_reason_name((enum hl_route_reason)i),
		       r->reason[i], 100.0 * ratio(r->reason[i], r->requests + r->unroutable));
	}
	printf("\n");
}

/* One pooled cache, online eviction: how far LRU is from the bound and what
 * protecting the most popular models from it would give. */
static void print_references(const struct sim_references *ref, uint64_t lower_bound)
{
	unsigned i;

	printf("pooled references (one cache of %" PRIu64 " slots, no replicas, no queues):",
	       ref->capacity);
	for (i = 0; i < ref->n; i++) {
		if (ref->pinned[i] == 0)
			printf(" LRU %" PRIu64 " (%.2fx)", ref->loads[i],
			       ratio(ref->loads[i], lower_bound));
		else
			printf("%s top %u pinned + LRU %" PRIu64 " (%.2fx)", i ? "," : "",
			       ref->pinned[i], ref->loads[i], ratio(ref->loads[i], lower_bound));
	}
	printf("\n\n");
}

static void print_table(const struct sim_config *cfg, const struct sim_result *res, unsigned n,
			uint64_t lower_bound, const struct sim_references *ref, double wall_s)
{
	unsigned i;

	print_header(cfg, lower_bound);
	printf("%-16s %11s %13s %11s %8s %8s %13s\n", "policy", "model loads", "x lower bound",
	       "miss rate %", "p50 s", "p99 s", "max/mean load");
	for (i = 0; i < n; i++) {
		const struct sim_result *r = &res[i];

		printf("%-16s %11" PRIu64 " %13.2f %11.2f %8.2f %8.2f %13.3f\n", r->name, r->loads,
		       ratio(r->loads, lower_bound), 100.0 * r->miss_rate, r->p50_ms / 1000.0,
		       r->p99_ms / 1000.0, r->max_mean_load);
	}
	printf("%-16s %11" PRIu64 " %13.2f\n", "lower_bound", lower_bound, 1.0);
	print_references(ref, lower_bound);
	for (i = 0; i < n; i++) {
		if (res[i].has_reasons)
			print_reasons(&res[i]);
		if (res[i].hint_errors)
			printf("%s: the router refused %" PRIu64 " hint lists\n", res[i].name,
			       res[i].hint_errors);
		if (res[i].unroutable)
			printf("%s: %" PRIu64 " requests found no replica\n", res[i].name,
			       res[i].unroutable);
	}
	printf("simulated in %.2f s (", wall_s);
	for (i = 0; i < n; i++)
		printf("%s%s %.2f s", i ? ", " : "", res[i].name, res[i].wall_s);
	printf(")\n");
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static json_t *workload_json(const struct sim_config *cfg)
{
	json_t *o = json_pack(
		"{s:I, s:I, s:I, s:f, s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:s, s:f, s:b}",
		"replicas", (json_int_t)cfg->replicas, "slots", (json_int_t)cfg->slots, "models",
		(json_int_t)cfg->models, "zipf", cfg->zipf, "requests", (json_int_t)cfg->requests,
		"rate", cfg->rate, "load_ms", (double)cfg->load_ns / SIM_NS_PER_MS, "service_ms",
		(double)cfg->service_ns / SIM_NS_PER_MS, "path_ms",
		(double)cfg->path_ns / SIM_NS_PER_MS, "concurrency", (json_int_t)cfg->concurrency,
		"seed", (json_int_t)cfg->seed, "balance_factor", cfg->balance_factor,
		"route_policy", route_policy_name(cfg), "load_wait", cfg->load_wait, "qsbr",
		cfg->qsbr);

	/* a trace read from a file: its path; Zipf does not describe it */
	if (o != NULL && cfg->trace_path != NULL &&
	    (json_object_set_new(o, "trace", json_string(cfg->trace_path)) != 0 ||
	     json_object_set_new(o, "zipf", json_null()) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *reasons_json(const struct sim_result *r)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; o != NULL && i < HL_ROUTE_REASON_COUNT; i++) {
		if (json_object_set_new(o, hl_route_reason_name((enum hl_route_reason)i),
					json_integer((json_int_t)r->reason[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *policy_json(const struct sim_result *r, uint32_t n_replicas, uint64_t lower_bound)
{
	json_t *o =
		json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I}", "name", r->name,
			  "model_loads", (json_int_t)r->loads, "miss_rate", r->miss_rate, "p50_ms",
			  r->p50_ms, "p99_ms", r->p99_ms, "max_mean_load", r->max_mean_load,
			  "x_lower_bound", ratio(r->loads, lower_bound), "requests",
			  (json_int_t)r->requests, "unroutable", (json_int_t)r->unroutable);

	if (o != NULL && r->replica_requests != NULL) {
		json_t *a = json_array();

		for (uint32_t i = 0; a != NULL && i < n_replicas; i++)
			if (json_array_append_new(a,
						  json_integer((json_int_t)r->replica_requests[i])))
				break;
		if (json_object_set_new(o, "replica_requests", a) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	if (o == NULL || !r->has_reasons)
		return o;
	if (json_object_set_new(o, "reasons", reasons_json(r)) != 0 ||
	    json_object_set_new(o, "route_policy", json_string(r->route_policy)) != 0 ||
	    json_object_set_new(o, "hint_errors", json_integer((json_int_t)r->hint_errors)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *references_json(const struct sim_references *ref, uint64_t lower_bound)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a != NULL && i < ref->n; i++) {
		if (json_array_append_new(a, json_pack("{s:I, s:I, s:f}", "pinned",
						       (json_int_t)ref->pinned[i], "model_loads",
						       (json_int_t)ref->loads[i], "x_lower_bound",
						       ratio(ref->loads[i], lower_bound))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int print_json(const struct sim_config *cfg, const struct sim_result *res, unsigned n,
		      uint64_t lower_bound, const struct sim_references *ref)
{
	json_t *root, *policies;
	unsigned i;
	int rc = -ENOMEM;

	policies = json_array();
	for (i = 0; policies != NULL && i < n; i++) {
		if (json_array_append_new(policies,
					  policy_json(&res[i], cfg->replicas, lower_bound)) != 0)
			goto out_policies;
	}
	/* "o" steals the references, also on failure. */
	root = json_pack("{s:o, s:o, s:{s:I, s:I}, s:{s:I, s:o}}", "workload", workload_json(cfg),
			 "policies", policies, "lower_bound", "model_loads",
			 (json_int_t)lower_bound, "pooled_slots",
			 (json_int_t)cfg->replicas * cfg->slots, "pooled_lru", "pooled_slots",
			 (json_int_t)ref->capacity, "caches", references_json(ref, lower_bound));
	if (root == NULL)
		return -ENOMEM;
	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) == 0 &&
	    fputc('\n', stdout) != EOF)
		rc = 0;
	json_decref(root);
	return rc;
out_policies:
	json_decref(policies);
	return rc;
}

int sim_report(const struct sim_config *cfg, const struct sim_result *res, unsigned n,
	       uint64_t lower_bound, const struct sim_references *ref, double wall_s)
{
	if (cfg->json)
		return print_json(cfg, res, n, lower_bound, ref);
	print_table(cfg, res, n, lower_bound, ref, wall_s);
	return 0;
}
