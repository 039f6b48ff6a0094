/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replica changes while traffic flows, on the control thread: add, remove,
 * bring back; the socket's `replica add`/`replica remove` and `reload` both
 * come here, so they cannot disagree.
 *
 * The router never forgets an id (readers index its arrays without RCU): a
 * removed replica is down for good, weight 0 (out of the Maglev table, which
 * is rebuilt off to the side and published), no hints, and health leaves it
 * alone. Its name stays taken; a reload whose file names it again at the same
 * address brings it back. Requests in flight on a removed replica finish
 * there: nothing is cut.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "ctrl_state.h"
#include "hintlb/log.h"

int ctrl_replica_add(struct hl_ctrl *c, const struct hl_cfg_replica *p, char *err, size_t errlen)
{
	char why[HL_ROUTE_ERR_MAX] = "";
	uint32_t id = hl_router_replica_count(c->r);
	struct hl_replica_params rp = {
		.name = p->name,
		.ipv4 = rte_be_to_cpu_32(p->addr),
		.port = p->port,
		.weight = p->weight,
		.concurrency = p->concurrency,
	};
	int rc;

	if (!hl_replica_name_ok(p->name)) { /* before the workers hear of it */
		snprintf(err, errlen, "replica name '%s' must be 1..%d token characters", p->name,
			 HL_REPLICA_NAME_MAX - 1);
		return -EINVAL;
	}
	if (hl_replica_find(c->r, p->name) >= 0) {
		snprintf(err, errlen, "replica '%s' exists", p->name);
		return -EEXIST;
	}
	if (id >= c->n_replicas) {
		snprintf(err, errlen, "no room: [routing] max_replicas is %u", c->n_replicas);
		return -ENOSPC;
	}
	/* the workers learn the address before the router can hand out the id */
	if (c->dops != NULL && c->dops->replica_added != NULL &&
	    c->dops->replica_added(c->dops_arg, id, p->name, p->addr, p->port) != 0) {
		snprintf(err, errlen, "replica '%s': the workers have no room for it", p->name);
		return -ENOSPC;
	}
	rc = hl_replica_add(c->r, &rp, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "replica '%s': %s", p->name, why[0] ? why : strerror(-rc));
		return rc;
	}
	memset(&c->rep[rc], 0, sizeof(c->rep[rc]));
	return rc;
}

const char *ctrl_replica_addr_problem(const struct hl_ctrl *c, uint32_t addr, uint16_t port,
				      char *buf, size_t len)
{
	struct hl_replica_info info;

	for (unsigned i = 0; i < c->n_own; i++)
		if (c->own[i].addr == addr) {
			snprintf(buf, len, "is %s", c->own[i].what);
			return buf;
		}
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++)
		if (!c->rep[id].removed && hl_replica_get(c->r, id, &info) == 0 &&
		    info.ipv4 == rte_be_to_cpu_32(addr) && info.port == port) {
			snprintf(buf, len, "is also replica '%s''s", info.name);
			return buf;
		}
	return NULL;
}

bool hl_ctrl_replica_removed(const struct hl_ctrl *c, uint32_t id)
{
	return id < c->n_replicas && c->rep[id].removed;
}

void ctrl_replica_remove(struct hl_ctrl *c, uint32_t id)
{
	c->rep[id].removed = true;
	hl_replica_set_state(c->r, id, HL_REPLICA_DOWN);
	hl_replica_set_weight(c->r, id, 0);
	hl_hints_replace(c->r, id, HL_HINTS_NONE, NULL, NULL, 0);
}

/* ---- reload ---- */

static void say(json_t *changes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(json_t *changes, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	HL_LOG(NOTICE, "reload: %s\n", line);
	json_array_append_new(changes, json_string(line));
}

static void addr_str(uint32_t host_order, uint16_t port, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u:%u", host_order >> 24, (host_order >> 16) & 255,
		 (host_order >> 8) & 255, host_order & 255, port);
}

static bool in_file(const struct hl_config *next, const char *name)
{
	for (unsigned i = 0; i < next->n_replicas; i++)
		if (strcmp(next->replicas[i].name, name) == 0)
			return true;
	return false;
}

int hl_ctrl_reload_check(struct hl_ctrl *c, const struct hl_config *next, char *err, size_t errlen)
{
	uint32_t fresh = 0;
	struct hl_replica_info info;
	char was[32], now[32];

	for (unsigned i = 0; i < next->n_replicas; i++) {
		const struct hl_cfg_replica *p = &next->replicas[i];
		int id = hl_replica_find(c->r, p->name);

		if (id < 0) {
			fresh++;
			continue;
		}
		hl_replica_get(c->r, (uint32_t)id, &info);
		if (info.ipv4 != rte_be_to_cpu_32(p->addr) || info.port != p->port) {
			addr_str(info.ipv4, info.port, was, sizeof(was));
			addr_str(rte_be_to_cpu_32(p->addr), p->port, now, sizeof(now));
			snprintf(
				err, errlen,
				"[replica %s] address: %s -> %s: a replica keeps its address; give "
				"the new one another name (the old name is then removed); nothing "
				"was applied",
				p->name, was, now);
			return -EINVAL;
		}
	}
	if (hl_router_replica_count(c->r) + fresh > c->n_replicas) {
		snprintf(
			err, errlen,
			"%u new replica(s) do not fit: [routing] max_replicas is %u and %u ids are "
			"taken (removed replicas keep theirs); nothing was applied",
			fresh, c->n_replicas, hl_router_replica_count(c->r));
		return -ENOSPC;
	}
	return 0;
}

int hl_ctrl_reload_apply(struct hl_ctrl *c, const struct hl_config *next, json_t *changes,
			 char *err, size_t errlen)
{
	struct hl_replica_info info;
	int rc;

	for (unsigned i = 0; i < next->n_replicas; i++) {
		const struct hl_cfg_replica *p = &next->replicas[i];
		int id = hl_replica_find(c->r, p->name);
		uint32_t conc = p->concurrency != 0 ? p->concurrency : 1;

		if (id < 0) {
			rc = ctrl_replica_add(c, p, err, errlen);
			if (rc < 0)
				return rc;
			say(changes, "[replica %s] added", p->name);
			continue;
		}
		hl_replica_get(c->r, (uint32_t)id, &info);
		if (c->rep[id].removed) {
			memset(&c->rep[id], 0, sizeof(c->rep[id]));
			hl_replica_set_state(c->r, (uint32_t)id, HL_REPLICA_UP);
			say(changes, "[replica %s] back (it was removed)", p->name);
			info.weight = 0;
		}
		if (info.weight != p->weight) {
			rc = hl_replica_set_weight(c->r, (uint32_t)id, p->weight);
			if (rc != 0) {
				snprintf(err, errlen, "[replica %s] weight: %s", p->name,
					 strerror(-rc));
				return rc;
			}
			say(changes, "[replica %s] weight: %u -> %u", p->name, info.weight,
			    p->weight);
		}
		if (info.concurrency != conc) {
			hl_replica_set_concurrency(c->r, (uint32_t)id, conc);
			say(changes, "[replica %s] concurrency: %u -> %u", p->name,
			    info.concurrency, conc);
		}
	}
	for (uint32_t id = 0; id < hl_router_replica_count(c->r); id++) {
		if (c->rep[id].removed || hl_replica_get(c->r, id, &info) != 0 ||
		    in_file(next, info.name))
			continue;
		ctrl_replica_remove(c, id);
		say(changes, "[replica %s] removed", info.name);
	}
	rc = hl_router_set_balance(c->r, next->routing.balance_factor, next->routing.load_wait);
	if (rc != 0) {
		snprintf(err, errlen, "[routing] balance_factor/load_wait: refused by the router");
		return rc;
	}
	hl_ctrl_set_health(c, &next->health);
	return 0;
}
