/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker connection table (the 4-tuple to the connection: open
 * addressing with linear probing over a power of two of at least twice
 * max_conns slots, backward-shift deletion, no tombstones; a lookup is a
 * CRC32-C of the key and usually one slot), the connection pool
 * (rte_mempool sized at create: no malloc per connection), listeners, and the
 * bounded TIME-WAIT list.
 *
 * A closed connection leaves the table at once but goes back to the pool
 * only at the next reap (end of an input or a timer pass): callers up the
 * stack may still hold the pointer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "crc32c.h"
#include "net.h"
#include "tcp_priv.h"

int hl_tcp_create(struct hl_worker *w, const struct hl_tcp_params *p)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct hl_tcp *t;
	uint32_t slots;

	if (w->tcp != NULL)
		return -EEXIST;
	if (p->max_conns < 2 || p->max_syn_rcvd == 0 || p->rcv_buf < 4096 ||
	    p->rcv_buf >= HL_TCP_MAX_WND || tcp_cc_ops(p->cc) == NULL ||
	    p->syn_retries > HL_TCP_SYN_RETRIES_MAX || p->synack_retries > HL_TCP_SYN_RETRIES_MAX)
		return -EINVAL;
	t = rte_zmalloc("hl_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return -ENOMEM;
	t->w = w;
	t->p = *p;
	if (t->p.ooo_max_conn == 0)
		t->p.ooo_max_conn = HL_TCP_OOO_CONN_DEF;
	t->p.ooo_max_conn = RTE_MIN(t->p.ooo_max_conn, (uint32_t)UINT8_MAX);
	if (t->p.sq_mbufs_max == 0)
		t->p.sq_mbufs_max = RTE_MAX((w->pool != NULL ? w->pool->size : 4096u) /
						    (4 * RTE_MAX(w->net->n_workers, 1u)),
					    64u);
	if (t->p.ooo_max == 0)
		t->p.ooo_max = RTE_MIN((uint32_t)HL_TCP_OOO_WORKER_DEF,
				       w->pool != NULL ? w->pool->size / 4 : 0u);
	if (t->p.syn_retries == 0)
		t->p.syn_retries = HL_TCP_SYN_RETRIES;
	if (t->p.synack_retries == 0)
		t->p.synack_retries = HL_TCP_SYNACK_RETRIES;
	if (tcp_timer_params(&t->p) != 0) {
		rte_free(t);
		return -EINVAL;
	}
	t->cc = tcp_cc_ops(p->cc);
	if (t->p.sport_lo == 0 && t->p.sport_hi == 0) {
		t->p.sport_lo = HL_TCP_SPORT_LO;
		t->p.sport_hi = HL_TCP_SPORT_HI;
	}
	if (t->p.sport_lo == 0 || t->p.sport_lo > t->p.sport_hi) {
		rte_free(t);
		return -EINVAL;
	}
	t->sport_next = (uint16_t)(rte_rand() % (t->p.sport_hi - t->p.sport_lo + 1u));
	t->tsc_per_ms = RTE_MAX(rte_get_tsc_hz() / 1000, (uint64_t)1);
	t->now = (uint32_t)(w->now / t->tsc_per_ms);
	t->wheel_ms = t->now;
	tcp_syncookie_init(t);
	tcp_challenge_init(t);
	TAILQ_INIT(&t->tw);
	LIST_INIT(&t->dead);
	slots = rte_align32pow2(2 * RTE_MAX(p->max_conns, 8u)); /* max_conns <= 2^24 (config) */
	t->ctab = rte_zmalloc_socket("hl_tcp_ctab", sizeof(*t->ctab) * slots, RTE_CACHE_LINE_SIZE,
				     (int)rte_socket_id());
	if (t->ctab == NULL)
		goto fail;
	t->ctab_mask = slots - 1;
	snprintf(name, sizeof(name), "hl_tcp_c%u", w->id);
	/* no per-lcore cache: it would add RTE_MAX_LCORE caches (~1 MiB) per pool */
	t->pool = rte_mempool_create(name, p->max_conns, sizeof(struct hl_tcp_conn), 0, 0, NULL,
				     NULL, NULL, NULL, (int)rte_socket_id(),
				     RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (t->pool == NULL)
		goto fail;
	w->tcp = t;
	return 0;
fail:
	rte_free(t->ctab);
	rte_free(t);
	return -ENOMEM;
}

void hl_tcp_free(struct hl_worker *w)
{
	struct hl_tcp *t = w->tcp;
	struct hl_tcp_conn *batch[64];
	unsigned n;

	if (t == NULL)
		return;
	/* collect, then close: closing moves slots (backward shift), so each round scans
	 * from the start; an application aborting another connection from closed() must
	 * not free it under us: the reap waits (busy) */
	t->busy++;
	do {
		n = 0;
		for (uint32_t i = 0; i <= t->ctab_mask && n < RTE_DIM(batch); i++)
			if (t->ctab[i].c != NULL)
				batch[n++] = t->ctab[i].c;
		for (unsigned i = 0; i < n; i++)
			tcp_conn_close(t, batch[i], -ECONNABORTED);
	} while (n != 0);
	tcp_busy_end(t);
	rte_mempool_free(t->pool);
	rte_free(t->ctab);
	rte_free(t);
	w->tcp = NULL;
}

int hl_tcp_listen(struct hl_tcp *t, uint32_t vip, uint16_t port, const struct hl_tcp_app *app,
		  void *ctx)
{
	if (tcp_listener_find(t, vip, rte_cpu_to_be_16(port)) >= 0)
		return -EEXIST;
	if (port >= t->p.sport_lo && port <= t->p.sport_hi)
		return -EADDRINUSE; /* its flows would be owned by the source port rule */
	if (t->n_listeners == HL_TCP_LISTENERS_MAX)
		return -ENOSPC;
	t->lst[t->n_listeners++] = (struct hl_tcp_listener){.vip = vip,
							    .port = rte_cpu_to_be_16(port),
							    .listening = true,
							    .app = app,
							    .ctx = ctx};
	return 0;
}

void hl_tcp_close_listeners(struct hl_tcp *t)
{
	t->listeners_closed = true;
}

uint32_t hl_tcp_unacked(const struct hl_tcp *t)
{
	return t->sq_mbufs;
}

int tcp_listener_find(const struct hl_tcp *t, uint32_t vip, uint16_t port)
{
	for (unsigned i = 0; i < t->n_listeners; i++)
		if (t->lst[i].listening && t->lst[i].vip == vip && t->lst[i].port == port)
			return (int)i;
	return -1;
}

/* The entry of active-open application @p app: found, or added. @return index or -ENOSPC. */
static int tcp_client_app(struct hl_tcp *t, const struct hl_tcp_app *app)
{
	for (unsigned i = 0; i < t->n_listeners; i++)
		if (!t->lst[i].listening && t->lst[i].app == app)
			return (int)i;
	if (t->n_listeners == HL_TCP_LISTENERS_MAX)
		return -ENOSPC;
	t->lst[t->n_listeners] = (struct hl_tcp_listener){.app = app};
	return (int)t->n_listeners++;
}

unsigned hl_tcp_flow_owner(unsigned n_workers, uint16_t sport_lo, uint16_t sport_hi, uint32_t raddr,
			   uint16_t rport, uint32_t laddr, uint16_t lport)
{
	struct hl_tcp_key k = {.raddr = raddr, .laddr = laddr, .rport = rport, .lport = lport};
	uint16_t lp = rte_be_to_cpu_16(lport);

	if (n_workers <= 1)
		return 0;
	if (lp >= sport_lo && lp <= sport_hi)
		return (unsigned)(lp - sport_lo) % n_workers;
	return hl_crc32c(&k, sizeof(k), 0) % n_workers;
}

/*
 * A free source port for @p k (laddr, raddr, rport set; replies arrive on port
 * @p port) whose replies this worker owns: without RSS the ports LO + id + i*N,
 * with RSS any port the NIC's hash sends to our queue.
 */
static int tcp_pick_sport(struct hl_tcp *t, unsigned port, struct hl_tcp_key *k)
{
	const struct hl_netconf *nc = t->w->net;
	unsigned n = RTE_MAX(nc->n_workers, 1u), span = t->p.sport_hi - t->p.sport_lo + 1u;
	bool rss = n > 1 && nc->rss[port] != NULL;
	unsigned id = t->w->id % n;
	/* candidates: offset id + j*n (no RSS) or any offset j (RSS), j from the cursor */
	unsigned cnt = rss ? span : (span > id ? (span - id + n - 1) / n : 0);

	for (unsigned i = 0; i < cnt; i++) {
		unsigned j = (t->sport_next + i) % cnt, off = rss ? j : id + j * n;

		k->lport = rte_cpu_to_be_16((uint16_t)(t->p.sport_lo + off));
		if (rss && tcp_owner(t, port, k->raddr, k->rport, k->laddr, k->lport) != t->w->id)
			continue;
		if (tcp_conn_lookup(t, k) == NULL) {
			t->sport_next = (uint16_t)((j + 1) % cnt);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

int hl_tcp_connect(struct hl_tcp *t, uint32_t laddr, uint32_t raddr, uint16_t rport,
		   const struct hl_tcp_app *app, void *ctx, struct hl_tcp_conn **out)
{
	const struct hl_netconf *nc = t->w->net;
	struct hl_tcp_key k = {.raddr = raddr, .rport = rte_cpu_to_be_16(rport)};
	struct hl_tcp_conn *c;
	uint32_t nexthop;
	uint16_t mtu;
	int port, lst, rc;

	HL_COUNT(t->w, TCP_CONNECT);
	port = hl_net_egress(nc, raddr, &nexthop);
	if (port < 0) {
		HL_COUNT(t->w, TCP_CONNECT_NO_ROUTE);
		return -EHOSTUNREACH;
	}
	if (rport == 0 || (laddr != 0 && !hl_net_is_local(nc, laddr)))
		return -EINVAL;
	k.laddr = laddr != 0 ? laddr : nc->port[port].addr;
	lst = tcp_client_app(t, app);
	if (lst < 0)
		return lst;
	rc = tcp_pick_sport(t, (unsigned)port, &k);
	if (rc != 0) {
		HL_COUNT(t->w, TCP_CONNECT_NO_PORT);
		return rc;
	}
	t->now = tcp_clock(t);
	c = tcp_conn_new(t, &k, (unsigned)lst);
	if (c == NULL)
		return -ENOBUFS; /* counted */
	mtu = nc->port[port].mtu != 0 ? nc->port[port].mtu : RTE_ETHER_MTU;
	c->port = (uint8_t)port;
	c->app_ctx = ctx;
	c->iss = (uint32_t)rte_rand();
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->mss = (uint16_t)(mtu - 40); /* until the peer's MSS is known */
	/* offered; what the SYN-ACK does not return is turned off again */
	c->flags = HL_TCPF_WSCALE | HL_TCPF_SACK | HL_TCPF_TS | HL_TCPF_APP;
	c->ts_off = tcp_ts_offset(t, &k);
	c->rto = HL_TCP_RTO_INIT_MS;
	c->rtt_ts = t->now;
	tcp_conn_set_state(t, c, HL_TCP_SYN_SENT);
	tcp_send_syn(t, c);
	tcp_rto_arm(t, c);
	*out = c;
	return 0;
}

static inline uint32_t ctab_hash(const struct hl_tcp_key *k)
{
	return hl_crc32c(k, sizeof(*k), 0x6869746c);
}

static inline bool key_eq(const struct hl_tcp_key *a, const struct hl_tcp_key *b)
{
	return a->raddr == b->raddr && a->laddr == b->laddr && a->rport == b->rport &&
	       a->lport == b->lport;
}

struct hl_tcp_conn *tcp_conn_lookup(struct hl_tcp *t, const struct hl_tcp_key *k)
{
	uint32_t h = ctab_hash(k);

	for (uint32_t i = h & t->ctab_mask;; i = (i + 1) & t->ctab_mask) {
		const struct tcp_ctab_slot *s = &t->ctab[i];

		if (s->c == NULL)
			return NULL;
		if (s->hash == h && key_eq(&s->c->key, k))
			return s->c;
	}
}

/* Put @p c under its key (replacing a connection of the same key, as a hash table's
 * add does). Never full: the table has twice the pool's connections. */
static void ctab_insert(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	uint32_t h = ctab_hash(&c->key), i = h & t->ctab_mask;

	while (t->ctab[i].c != NULL &&
	       !(t->ctab[i].hash == h && key_eq(&t->ctab[i].c->key, &c->key)))
		i = (i + 1) & t->ctab_mask;
	t->ctab[i].hash = h;
	t->ctab[i].c = c;
}

/* Take @p c out, moving back the entries of its probe run that may fill its slot
 * (Knuth's deletion for linear probing: no tombstones, lookups stay short). */
static void ctab_remove(struct hl_tcp *t, const struct hl_tcp_conn *c)
{
	const uint32_t mask = t->ctab_mask;
	uint32_t i = ctab_hash(&c->key) & mask, j;

	while (t->ctab[i].c != c) {
		if (t->ctab[i].c == NULL)
			return; /* not in the table */
		i = (i + 1) & mask;
	}
	for (j = i;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (t->ctab[j].c == NULL)
			break;
		home = t->ctab[j].hash & mask;
		/* the entry at j stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->ctab[i] = t->ctab[j];
		i = j;
	}
	t->ctab[i].c = NULL;
}

struct hl_tcp_conn *tcp_conn_new(struct hl_tcp *t, const struct hl_tcp_key *k, unsigned lst)
{
	struct hl_tcp_conn *c;

	/* Under pressure the oldest TIME-WAIT connection makes room. */
	if (t->n_conns >= t->p.max_conns && !TAILQ_EMPTY(&t->tw)) {
		struct hl_tcp_conn *old = TAILQ_FIRST(&t->tw);

		HL_COUNT(t->w, TCP_TW_RECYCLED);
		tcp_conn_close(t, old, 0);
		/* nobody holds a TIME-WAIT connection: back to the pool now */
		LIST_REMOVE(old, tnode);
		rte_mempool_put(t->pool, old);
	}
	if (rte_mempool_get(t->pool, (void **)&c) != 0) {
		HL_COUNT(t->w, TCP_CONN_POOL_EMPTY);
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->key = *k;
	c->heard_at = t->now;
	c->lst = (uint8_t)lst;
	ctab_insert(t, c);
	t->n_conns++;
	return c;
}

void tcp_conn_set_state(struct hl_tcp *t, struct hl_tcp_conn *c, enum hl_tcp_state s)
{
	if (c->state == HL_TCP_SYN_RECEIVED)
		t->n_syn_rcvd--;
	if (c->state < HL_TCP_ESTABLISHED && s >= HL_TCP_ESTABLISHED)
		c->zwnd_since = 0; /* synchronized: irs's bytes are the zero-window episode's */
	if (c->state == HL_TCP_TIME_WAIT) {
		TAILQ_REMOVE(&t->tw, c, twnode);
		t->n_time_wait--;
		c->sq_head = c->sq_tail = NULL;
	}
	c->state = (uint8_t)s;
	if (s == HL_TCP_SYN_RECEIVED)
		t->n_syn_rcvd++;
	if (s == HL_TCP_TIME_WAIT) {
		tcp_sq_free(t, c);
		tcp_ooo_free(t, c);
		TAILQ_INSERT_TAIL(&t->tw, c, twnode);
		t->n_time_wait++;
	}
	if (s == HL_TCP_ESTABLISHED && t->p.keepalive)
		tcp_timer_update(t, c); /* keepalive applies from now on */
}

void tcp_conn_close(struct hl_tcp *t, struct hl_tcp_conn *c, int err)
{
	const struct hl_tcp_app *app = tcp_app(t, c);

	if (c->flags & HL_TCPF_DEAD)
		return;
	tcp_timer_cancel(t, c);
	tcp_conn_set_state(t, c, HL_TCP_CLOSED);
	tcp_sq_free(t, c);
	tcp_ooo_free(t, c);
	ctab_remove(t, c);
	t->n_conns--;
	c->flags |= HL_TCPF_DEAD;
	LIST_INSERT_HEAD(&t->dead, c, tnode);
	HL_COUNT(t->w, TCP_CLOSED);
	if ((c->flags & HL_TCPF_APP) && app->closed != NULL) {
		c->flags &= (uint16_t)~HL_TCPF_APP;
		app->closed(t, c, err);
	}
}

void tcp_conn_reap(struct hl_tcp *t)
{
	struct hl_tcp_conn *c;

	if (t->busy != 0)
		return;
	while ((c = LIST_FIRST(&t->dead)) != NULL) {
		LIST_REMOVE(c, tnode);
		rte_mempool_put(t->pool, c);
	}
}

void tcp_enter_time_wait(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (t->n_time_wait >= t->p.max_time_wait && !TAILQ_EMPTY(&t->tw)) {
		HL_COUNT(t->w, TCP_TW_RECYCLED);
		tcp_conn_close(t, TAILQ_FIRST(&t->tw), 0);
	}
	tcp_conn_set_state(t, c, HL_TCP_TIME_WAIT);
	c->flags &= (uint16_t)~HL_TCPF_DELACK;
	c->rto_at = t->now + HL_TCP_TIME_WAIT_MS;
	c->flags |= HL_TCPF_RTO;
	tcp_timer_update(t, c);
	/* The application is done with it: both directions are closed. */
	if ((c->flags & HL_TCPF_APP) && tcp_app(t, c)->closed != NULL) {
		c->flags &= (uint16_t)~HL_TCPF_APP;
		tcp_app(t, c)->closed(t, c, 0);
	}
}
