/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mode = relay` (relay.c): a diagnostic L4 relay from a listener to the
 * replicas, one active open per accepted connection.
 */
#ifndef HINTLB_RELAY_H
#define HINTLB_RELAY_H

#include <stdint.h>

#include <rte_malloc.h>

#include "hintlb/config.h"
#include "hintlb/tcp.h"
#include "worker.h"

struct hl_relay;

/* The listener's application; its listen context is an hl_relay of the worker. */
extern const struct hl_tcp_app hl_relay_client_app;

/*
 * Worker @p w's relay state: a pool of @p max_pairs connection pairs (one per
 * relayed connection; at most half the stack's connections are clients).
 * @p cfg is borrowed (replica addresses, [tcp] source_address). @return NULL: no memory.
 */
struct hl_relay *hl_relay_create(struct hl_worker *w, const struct hl_config *cfg,
				 uint32_t max_pairs);

/* Free it, after the worker's TCP stack (whose connections point into it). */
void hl_relay_free(struct hl_relay *r);

/* The control thread: replica @p id is at @p addr (network order) : @p port (host
 * order), before the router may hand the id out. @return 0 or -EINVAL (no room). */
int hl_relay_replica_add(struct hl_relay *r, uint32_t id, uint32_t addr, uint16_t port);

#endif /* HINTLB_RELAY_H */
