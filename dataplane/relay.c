/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mode = relay`: a diagnostic L4 relay on the dataplane TCP stack. Each
 * accepted connection gets a replica from the routing core (no hint: Maglev
 * on the client's address and port), an active open to it (hl_tcp_connect)
 * and the bytes of both directions passed through, zero-copy: what one side
 * receives is queued on the other by reference, and the receiving side's
 * window reopens only as the other peer acknowledges it, so a slow reader
 * holds the sender back and memory stays within two windows per pair. A FIN
 * is passed on as a FIN (half-close), a reset or failure of either side as
 * a RST on the other. The routing core's in-flight slot is held for the
 * life of the replica connection.
 *
 * It is not the HTTP proxy: it looks at no byte. It exists to exercise
 * active open and the relay of data between two connections on one worker.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_mempool.h>

#include "hintlb/log.h"
#include "crc32c.h"
#include "relay.h"

/* One relayed connection: the client's side and the replica's. */
struct relay_pair {
	struct hl_relay *r;
	struct hl_tcp_conn *client; /* NULL once closed */
	struct hl_tcp_conn *server; /* NULL once closed (or never opened) */
	struct hl_route_result route;
	bool routed; /* route holds an in-flight slot */
};

/* Where a replica id is: a copy the worker owns, so the control thread may add
 * replicas (hl_relay_replica_add) and reload the configuration meanwhile. */
struct relay_replica {
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
};

struct hl_relay {
	struct hl_worker *w;
	const struct hl_config *cfg;
	struct rte_mempool *pairs;
	uint32_t n_rep; /* ids 0..n-1 known (release/acquire) */
	uint32_t cap_rep;
	struct relay_replica *rep;
};

static void pair_put(struct relay_pair *p)
{
	if (p->client == NULL && p->server == NULL)
		rte_mempool_put(p->r->pairs, p);
}

static void pair_unroute(struct relay_pair *p)
{
	if (p->routed) {
		hl_route_complete(&p->r->w->route, &p->route, 0);
		p->routed = false;
	}
}

/* Pass @p m from one side to @p to; without a peer to take it, release it at once. */
static void relay_pass(struct hl_tcp *t, struct relay_pair *p, struct hl_tcp_conn *from,
		       struct hl_tcp_conn *to, struct rte_mbuf *m)
{
	uint32_t len = m->pkt_len;

	if (to != NULL && hl_tcp_send(t, to, m) == 0)
		return;
	if (to == NULL)
		rte_pktmbuf_free(m);
	/* the other side is gone or shut: these bytes cannot be delivered */
	HL_COUNT(p->r->w, RELAY_UNDELIVERED);
	hl_tcp_recved(t, from, len);
	hl_tcp_abort(t, from);
}

static void client_recv(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m)
{
	struct relay_pair *p = hl_tcp_conn_ctx(c);

	relay_pass(t, p, c, p->server, m);
}

static void server_recv(struct hl_tcp *t, struct hl_tcp_conn *s, struct rte_mbuf *m)
{
	struct relay_pair *p = hl_tcp_conn_ctx(s);

	relay_pass(t, p, s, p->client, m);
}

/* The replica acknowledged client bytes: the client may send that much more. */
static void server_sent(struct hl_tcp *t, struct hl_tcp_conn *s, uint32_t bytes)
{
	struct relay_pair *p = hl_tcp_conn_ctx(s);

	if (p->client != NULL)
		hl_tcp_recved(t, p->client, bytes);
}

static void client_sent(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes)
{
	struct relay_pair *p = hl_tcp_conn_ctx(c);

	if (p->server != NULL)
		hl_tcp_recved(t, p->server, bytes);
}

static void client_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	struct relay_pair *p = hl_tcp_conn_ctx(c);

	if (p->server != NULL)
		hl_tcp_shutdown(t, p->server);
}

static void server_peer_fin(struct hl_tcp *t, struct hl_tcp_conn *s)
{
	struct relay_pair *p = hl_tcp_conn_ctx(s);

	if (p->client != NULL)
		hl_tcp_shutdown(t, p->client);
}

static void client_closed(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	struct relay_pair *p = hl_tcp_conn_ctx(c);

	p->client = NULL;
	if (err != 0 && p->server != NULL) {
		hl_tcp_abort(t, p->server); /* server_closed runs, and frees the pair */
		return;
	}
	pair_put(p);
}

static void server_established(struct hl_tcp *t, struct hl_tcp_conn *s, void *ctx)
{
	struct relay_pair *p = ctx;

	(void)t;
	(void)s;
	HL_COUNT(p->r->w, RELAY_CONNECTED);
}

static void server_closed(struct hl_tcp *t, struct hl_tcp_conn *s, int err)
{
	struct relay_pair *p = hl_tcp_conn_ctx(s);

	p->server = NULL;
	pair_unroute(p);
	if (err == -ECONNREFUSED || err == -ETIMEDOUT)
		HL_COUNT(p->r->w, RELAY_CONNECT_FAILED);
	if (err != 0 && p->client != NULL) {
		hl_tcp_abort(t, p->client); /* client_closed runs, and frees the pair */
		return;
	}
	pair_put(p);
}

static const struct hl_tcp_app relay_server_app = {
	.established = server_established,
	.recv = server_recv,
	.peer_fin = server_peer_fin,
	.sent = server_sent,
	.closed = server_closed,
};

/* A client connection is up: pick a replica and connect to it. */
static void client_established(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx)
{
	struct hl_relay *r = ctx;
	const struct relay_replica *rep;
	struct hl_route_req req = {0};
	struct relay_pair *p;
	uint32_t raddr, laddr;
	uint16_t rport, lport;
	uint64_t key[2];
	int rc;

	if (rte_mempool_get(r->pairs, (void **)&p) != 0) {
		HL_COUNT(r->w, RELAY_NO_MEMORY);
		hl_tcp_abort(t, c);
		return;
	}
	*p = (struct relay_pair){.r = r, .client = c};
	hl_tcp_conn_set_ctx(c, p);
	hl_tcp_conn_endpoints(c, &raddr, &rport, &laddr, &lport);
	key[0] = (uint64_t)raddr << 16 | rport;
	key[1] = (uint64_t)laddr << 16 | lport;
	req.client_key =
		(uint64_t)hl_crc32c(key, sizeof(key), 0) << 32 | hl_crc32c(key, sizeof(key), 1);
	if (hl_route_decide(&r->w->route, &req, &p->route) != 0) {
		HL_COUNT(r->w, RELAY_NO_REPLICA);
		hl_tcp_abort(t, c); /* client_closed frees the pair */
		return;
	}
	p->routed = true;
	if ((uint32_t)p->route.replica >= __atomic_load_n(&r->n_rep, __ATOMIC_ACQUIRE)) {
		HL_COUNT(r->w, RELAY_NO_REPLICA); /* not possible: workers learn ids first */
		pair_unroute(p);
		hl_tcp_abort(t, c);
		return;
	}
	rep = &r->rep[p->route.replica];
	rc = hl_tcp_connect(t, r->cfg->tcp.source, rep->addr, rep->port, &relay_server_app, p,
			    &p->server);
	if (rc != 0) {
		p->server = NULL;
		HL_COUNT(r->w, RELAY_CONNECT_FAILED);
		pair_unroute(p);
		hl_tcp_abort(t, c);
		return;
	}
	HL_COUNT(r->w, RELAY_OPENED);
}

const struct hl_tcp_app hl_relay_client_app = {
	.established = client_established,
	.recv = client_recv,
	.peer_fin = client_peer_fin,
	.sent = client_sent,
	.closed = client_closed,
};

struct hl_relay *hl_relay_create(struct hl_worker *w, const struct hl_config *cfg,
				 uint32_t max_pairs)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct hl_relay *r = rte_zmalloc("hl_relay", sizeof(*r), RTE_CACHE_LINE_SIZE);

	if (r == NULL)
		return NULL;
	r->w = w;
	r->cfg = cfg;
	r->cap_rep = RTE_MAX(RTE_MAX(cfg->routing.max_replicas, cfg->n_replicas), 1u);
	r->rep = rte_zmalloc("hl_relay_rep", sizeof(r->rep[0]) * r->cap_rep, 0);
	if (r->rep == NULL) {
		rte_free(r);
		return NULL;
	}
	for (uint32_t i = 0; i < cfg->n_replicas; i++)
		hl_relay_replica_add(r, i, cfg->replicas[i].addr, cfg->replicas[i].port);
	snprintf(name, sizeof(name), "hl_relay_%u", w->id);
	r->pairs = rte_mempool_create(name, RTE_MAX(max_pairs, 2u), sizeof(struct relay_pair), 0, 0,
				      NULL, NULL, NULL, NULL, (int)rte_socket_id(),
				      RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (r->pairs == NULL) {
		rte_free(r->rep);
		rte_free(r);
		return NULL;
	}
	return r;
}

int hl_relay_replica_add(struct hl_relay *r, uint32_t id, uint32_t addr, uint16_t port)
{
	if (id >= r->cap_rep || id > r->n_rep)
		return -EINVAL;
	r->rep[id] = (struct relay_replica){.addr = addr, .port = port};
	if (id == r->n_rep) /* the entry is whole before the worker may see the id */
		__atomic_store_n(&r->n_rep, id + 1, __ATOMIC_RELEASE);
	return 0;
}

void hl_relay_free(struct hl_relay *r)
{
	if (r == NULL)
		return;
	rte_mempool_free(r->pairs);
	rte_free(r->rep);
	rte_free(r);
}
