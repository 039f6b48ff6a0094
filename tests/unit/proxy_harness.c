/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP proxy's test harness (see proxy_harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_lcore.h>
#include <rte_tcp.h>

#include "proxy_harness.h"

#define ACK RTE_TCP_ACK_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define TIME_WAIT_MS 60000

/* ---- the peers ---- */

struct ph_ep ph_eps[PH_EPS_MAX];
unsigned ph_n_eps, ph_syns;
static unsigned n_clients;
enum ph_rep_mode ph_rep_mode;

static bool ep_dead(const struct ph_ep *e)
{
	return e->rst_in || e->rst_out || (e->fin_in && e->fin_out);
}

static struct ph_ep *ep_new(void)
{
	struct ph_ep *e;

	assert_true(ph_n_eps < PH_EPS_MAX);
	e = &ph_eps[ph_n_eps++];
	memset(e, 0, sizeof(*e));
	e->wnd = 65535;
	return e;
}

struct ph_ep *ph_find(uint16_t hport, uint16_t pport)
{
	for (unsigned i = ph_n_eps; i-- > 0;)
		if (ph_eps[i].hport == hport && ph_eps[i].pport == pport)
			return &ph_eps[i];
	return NULL;
}

struct ph_ep *ph_rep(unsigned k)
{
	for (unsigned i = 0, n = 0; i < ph_n_eps; i++)
		if (ph_eps[i].replica && n++ == k)
			return &ph_eps[i];
	fail_msg("no replica connection #%u", k);
	return NULL;
}

struct ph_ep *ph_rep_with_rx(void)
{
	struct ph_ep *r = NULL;

	for (unsigned i = 0; i < ph_n_eps; i++) {
		if (ph_eps[i].replica && ph_eps[i].len != 0) {
			assert_null(r);
			r = &ph_eps[i];
		}
	}
	assert_non_null(r);
	return r;
}

unsigned ph_n_reps(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ph_n_eps; i++)
		n += ph_eps[i].replica;
	return n;
}

void ph_seg(struct ph_ep *e, uint8_t flags, const void *data, uint16_t len)
{
	t_rx(ph_frame(e, flags, data, len));
}

struct rte_mbuf *ph_frame(struct ph_ep *e, uint8_t flags, const void *data, uint16_t len)
{
	struct t_seg s = {.dst = e->replica ? T_OUR_IP : T_VIP,
			  .sport = e->pport,
			  .dport = e->hport,
			  .seq = e->seq,
			  .ack = e->hold_ack ? e->held_ack : e->ack,
			  .flags = flags,
			  .wnd = e->wnd,
			  .zero_wnd = e->wnd == 0,
			  .data = data,
			  .len = len};

	if (len != 0 && (int32_t)(e->edge - (e->seq + len)) < 0) /* the test stays in the window */
		fail_msg("%s %u: %u bytes at %u beyond hintlb's window edge %u",
			 e->replica ? "replica" : "client", e->pport, len, e->seq, e->edge);
	e->seq += len + ((flags & FIN) ? 1u : 0u);
	return t_tcp_frame(&s);
}

/* Take one segment hintlb sent. */
static void absorb(const struct t_out *o)
{
	struct ph_ep *e = ph_find(o->sport, o->dport);
	uint32_t skip;

	if (o->flags & SYN) { /* only active opens: the listener's SYN-ACKs go to t_tcp_connect */
		assert_int_equal(o->flags, SYN);
		assert_int_equal(o->dst, T_PEER_IP);
		assert_int_equal(o->src, T_OUR_IP);
		if (e == NULL || e->ack != o->seq + 1) { /* else a retransmission */
			e = ep_new();
			e->replica = true;
			e->hport = o->sport;
			e->pport = o->dport;
			e->ack = o->seq + 1;
		}
		e->syns++;
		ph_syns++;
		e->syn_pending = true;
		return;
	}
	if (e == NULL || ep_dead(e)) /* an ACK of our FIN, a RST after ours */
		return;
	if (o->flags & RST) {
		e->rst_in = true;
		return;
	}
	if (o->flags & ACK)
		e->edge = o->ack + ((uint32_t)o->wnd << 7);
	if (o->len != 0 && (int32_t)(o->seq + o->len - e->ack) > 0) {
		skip = e->ack - o->seq; /* a retransmission may overlap what we have */
		if (skip > o->len)
			fail_msg("%s %u: hintlb sent [%u, +%u) past a hole at %u",
				 e->replica ? "replica" : "client", e->pport, o->seq, o->len,
				 e->ack);
		assert_true(e->len + (o->len - skip) <= PH_RX_MAX);
		memcpy(e->rx + e->len, o->data + skip, o->len - skip);
		e->len += o->len - skip;
		e->rx[e->len] = '\0';
		e->ack += o->len - skip;
		e->need_ack = true;
	}
	if ((o->flags & FIN) && o->seq + o->len == e->ack && !e->fin_in) {
		e->ack++;
		e->fin_in = true;
		e->need_ack = true;
	}
}

/* Answer a SYN of the proxy as ph_rep_mode says. */
static void answer_syn(struct ph_ep *e)
{
	static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7}; /* MSS 1460, WS 7 */
	struct t_seg s = {
		.dst = T_OUR_IP, .sport = e->pport, .dport = e->hport, .ack = e->ack, .wnd = 65535};

	e->syn_pending = false;
	if (ph_rep_mode == PH_REP_SILENT)
		return;
	if (ph_rep_mode == PH_REP_REFUSE) {
		s.flags = RST | ACK;
		e->rst_out = true;
		t_rx(t_tcp_frame(&s));
		return;
	}
	s.seq = 500000u + 10000u * (unsigned)(e - ph_eps);
	s.flags = SYN | ACK;
	s.opts = opts;
	s.optlen = sizeof(opts);
	e->seq = s.seq + 1;
	e->edge = e->seq + T_RCV_BUF; /* the SYN's window, unscaled */
	t_rx(t_tcp_frame(&s));
}

void ph_pump(void)
{
	for (unsigned round = 0;; round++) {
		unsigned n = t_tx_count();
		bool acted = false;

		assert_true(round < 1000);
		for (unsigned i = 0; i < n; i++) {
			struct t_out o = t_tcp_out(i);

			absorb(&o);
		}
		t_tx_clear();
		for (unsigned i = 0; i < ph_n_eps; i++) {
			struct ph_ep *e = &ph_eps[i];

			if (e->syn_pending) {
				answer_syn(e);
				acted = true;
			}
			if (!e->need_ack || e->hold_ack || e->rst_in || e->rst_out)
				continue;
			e->need_ack = false;
			acted = true;
			if (e->fin_in && !e->fin_out && !e->manual_close) {
				e->fin_out = true;
				ph_seg(e, FIN | ACK, NULL, 0);
			} else {
				ph_seg(e, ACK, NULL, 0);
			}
		}
		if (!acted && t_tx_count() == 0)
			return;
	}
}

struct ph_ep *ph_client(void)
{
	struct ph_ep *e = ep_new();
	uint16_t off = (uint16_t)n_clients++;
	uint32_t isn = 1000000u * (off + 1u);

	e->hport = T_PORT_APP;
	e->pport = (uint16_t)(T_PEER_PORT + off);
	e->ack = t_tcp_connect(off, T_PORT_APP, isn) + 1;
	e->seq = isn + 1;
	e->edge = e->seq + T_RCV_BUF;
	return e;
}

void ph_send_segs(struct ph_ep *e, const void *data, size_t len, size_t seg)
{
	const uint8_t *p = data;

	while (len != 0) {
		uint16_t n = (uint16_t)RTE_MIN(len, seg);

		ph_seg(e, ACK | PSH, p, n);
		ph_pump();
		p += n;
		len -= n;
	}
}

void ph_send(struct ph_ep *e, const char *s)
{
	ph_send_segs(e, s, strlen(s), 1400);
}

void ph_fin(struct ph_ep *e)
{
	e->fin_out = true;
	ph_seg(e, FIN | ACK, NULL, 0);
	ph_pump();
}

void ph_rst(struct ph_ep *e)
{
	e->rst_out = true;
	ph_seg(e, RST | ACK, NULL, 0);
	ph_pump();
}

void ph_hold_acks(struct ph_ep *e)
{
	e->hold_ack = true;
	e->held_ack = e->ack;
}

void ph_expect_rx(struct ph_ep *e, const char *s)
{
	assert_string_equal(e->rx, s);
	e->len = 0;
	e->rx[0] = '\0';
}

void ph_answer(const char *resp)
{
	struct ph_ep *r = ph_rep_with_rx();

	r->len = 0;
	ph_send(r, resp);
}

/* ---- the proxy, its routing core and the control ring ---- */

struct hl_config ph_cfg;
static struct hl_cfg_replica cfg_rep[2];
struct hl_router *ph_router;
struct hl_proxy *ph_px;
struct hl_proxy_shared ph_shared;
static unsigned msgs_start;

void ph_config(unsigned n_replicas)
{
	memset(&ph_cfg, 0, sizeof(ph_cfg));
	memset(cfg_rep, 0, sizeof(cfg_rep));
	for (unsigned i = 0; i < n_replicas; i++) {
		snprintf(cfg_rep[i].name, sizeof(cfg_rep[i].name), "r%u", i);
		cfg_rep[i].addr = rte_cpu_to_be_32(T_PEER_IP);
		cfg_rep[i].port = (uint16_t)(PH_REP_PORT + i);
		cfg_rep[i].weight = 1;
		cfg_rep[i].concurrency = 8;
	}
	ph_cfg.n_replicas = n_replicas;
	ph_cfg.replicas = cfg_rep;
	snprintf(ph_cfg.routing.hint_header, sizeof(ph_cfg.routing.hint_header),
		 "X-Fal-Runner-Hint");
	snprintf(ph_cfg.routing.hints_header, sizeof(ph_cfg.routing.hints_header),
		 "X-Fal-Runner-Hints");
	ph_cfg.routing.strip_hints = true;
	ph_cfg.http = (struct hl_cfg_http){.client_head_timeout_ms = PH_HEAD_MS,
					   .client_idle_timeout_ms = PH_IDLE_MS,
					   .replica_connect_timeout_ms = PH_CONNECT_MS,
					   .replica_response_timeout_ms = PH_RESP_MS,
					   .replica_idle_timeout_ms = PH_POOL_IDLE_MS,
					   .replica_queue_timeout_ms = PH_QUEUE_MS,
					   .replica_conns_max = 4,
					   .max_requests = 8,
					   .max_head = 1024,
					   .max_fields = 16,
					   .queue_bytes = 65536,
					   .x_forwarded_for = true};
	ph_cfg.tcp.max_conns = t_tcp_params().max_conns;
}

int ph_setup(void **state)
{
	struct hl_tcp_params p = t_tcp_params();
	char err[256];

	memset(ph_eps, 0, sizeof(ph_eps));
	ph_n_eps = n_clients = ph_syns = 0;
	ph_rep_mode = PH_REP_ACCEPT;
	if (t_tcp_setup_bare(state, &p) != 0)
		return -1;
	ph_router = hl_router_create(
		&(struct hl_router_params){.name = "t_px", .max_replicas = 4, .maglev_size = 251},
		err, sizeof(err));
	if (ph_router == NULL)
		return -1;
	for (unsigned i = 0; i < ph_cfg.n_replicas; i++) {
		struct hl_replica_params rp = {.name = cfg_rep[i].name,
					       .ipv4 = T_PEER_IP,
					       .port = cfg_rep[i].port,
					       .weight = cfg_rep[i].weight,
					       .concurrency = cfg_rep[i].concurrency};

		if (hl_replica_add(ph_router, &rp, err, sizeof(err)) != (int)i)
			return -1;
	}
	if (hl_route_worker_init(ph_router, &t_w->route, false) != 0 ||
	    hl_proxy_shared_create(&ph_shared, (int)rte_socket_id()) != 0)
		return -1;
	msgs_start = rte_mempool_avail_count(ph_shared.msgs);
	ph_px = hl_proxy_create(t_w, &ph_cfg, &ph_shared, err, sizeof(err));
	if (ph_px == NULL) {
		print_error("hl_proxy_create: %s\n", err);
		return -1;
	}
	t_w->proxy = ph_px;
	return hl_tcp_listen(t_w->tcp, rte_cpu_to_be_32(T_VIP), T_PORT_APP, &hl_proxy_client_app,
			     ph_px);
}

int ph_setup1(void **state)
{
	ph_config(1);
	return ph_setup(state);
}

int ph_teardown(void **state)
{
	uint32_t cl, sv, rq;
	int rc = t_tcp_free_checked(); /* every connection's closed(): proxy objects go back */
	void *m;

	hl_proxy_in_use(ph_px, &cl, &sv, &rq);
	if (cl != 0 || sv != 0 || rq != 0) {
		print_error("proxy: %u clients, %u servers, %u requests left\n", cl, sv, rq);
		rc = -1;
	}
	for (uint32_t i = 0; i < ph_cfg.n_replicas; i++) {
		struct hl_replica_info info = {.inflight = 0};

		if (hl_replica_get(ph_router, i, &info) != 0 || info.inflight != 0) {
			print_error("replica %u: %u requests in flight\n", i, info.inflight);
			rc = -1;
		}
	}
	hl_proxy_free(ph_px);
	ph_px = NULL;
	t_w->proxy = NULL;
	while (rte_ring_sc_dequeue(ph_shared.to_ctrl, &m) == 0)
		rte_mempool_put(ph_shared.msgs, m);
	if (rte_mempool_avail_count(ph_shared.msgs) != msgs_start) {
		print_error("control messages: %u free, %u at start\n",
			    rte_mempool_avail_count(ph_shared.msgs), msgs_start);
		rc = -1;
	}
	hl_proxy_shared_free(&ph_shared);
	hl_route_worker_fini(&t_w->route);
	hl_router_free(ph_router);
	ph_router = NULL;
	if (t_net_teardown(state) != 0)
		rc = -1;
	return rc;
}

void ph_advance(uint32_t ms)
{
	while (ms != 0) {
		uint32_t step = RTE_MIN(ms, 10u);

		t_advance(step);
		hl_proxy_timers(ph_px);
		ph_pump();
		ms -= step;
	}
}

bool ph_msg_take(struct hl_ctrl_msg *out)
{
	void *m;

	if (rte_ring_sc_dequeue(ph_shared.to_ctrl, &m) != 0)
		return false;
	memcpy(out, m, sizeof(*out));
	rte_mempool_put(ph_shared.msgs, m);
	return true;
}

void ph_expect_hints(uint32_t replica, enum hl_hints_kind kind, const char *value)
{
	struct hl_ctrl_msg m;

	assert_true(ph_msg_take(&m));
	assert_int_equal(m.type, HL_CTRL_MSG_HINTS);
	assert_int_equal(m.kind, kind);
	assert_int_equal(m.replica, replica);
	assert_int_equal(m.worker, t_w->id);
	assert_int_equal(m.len, strlen(value));
	assert_memory_equal(m.value, value, m.len);
}

void ph_expect_health(uint32_t replica, enum hl_ctrl_health_event ev)
{
	struct hl_ctrl_msg m;

	assert_true(ph_msg_take(&m));
	assert_int_equal(m.type, HL_CTRL_MSG_HEALTH);
	assert_int_equal(m.kind, ev);
	assert_int_equal(m.replica, replica);
}

void ph_expect_no_msg(void)
{
	struct hl_ctrl_msg m;

	assert_false(ph_msg_take(&m));
}

void ph_expect_report(const char *name, unsigned long value)
{
	char *buf = NULL, line[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	hl_proxy_print(ph_px, 0, f);
	fclose(f);
	snprintf(line, sizeof(line), "worker 0 %s %lu\n", name, value);
	if (strstr(buf, line) == NULL)
		fail_msg("report lacks '%s':\n%s", line, buf);
	free(buf);
}

void ph_settle(void)
{
	uint32_t cl, sv, rq;

	for (unsigned i = 0; i < ph_n_eps; i++)
		if (!ph_eps[i].replica && !ep_dead(&ph_eps[i]) && !ph_eps[i].fin_out)
			ph_fin(&ph_eps[i]);
	ph_advance(PH_POOL_IDLE_MS + TIME_WAIT_MS + 1000);
	assert_int_equal(t_tcp_conns(), 0);
	hl_proxy_in_use(ph_px, &cl, &sv, &rq);
	assert_int_equal(cl, 0);
	assert_int_equal(sv, 0);
	assert_int_equal(rq, 0);
	for (uint32_t i = 0; i < ph_cfg.n_replicas; i++) {
		struct hl_replica_info info;

		assert_int_equal(hl_replica_get(ph_router, i, &info), 0);
		assert_int_equal(info.inflight, 0);
	}
}

/* ---- conversations ---- */

struct ph_ep *ph_get(struct ph_ep *c, struct ph_ep *r, const char *resp)
{
	unsigned n = ph_n_reps();

	ph_send(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
	if (r == NULL) {
		assert_int_equal(ph_n_reps(), n + 1);
		r = ph_rep(n);
	}
	ph_expect_rx(r, "GET /x HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\n\r\n");
	ph_send(r, resp);
	return r;
}

struct ph_ep *ph_get_ok(struct ph_ep *c, struct ph_ep *r)
{
	r = ph_get(c, r, PH_RESP_OK);
	ph_expect_rx(c, PH_RESP_OK);
	return r;
}

void ph_send_window(struct ph_ep *e, const uint8_t *data, uint32_t *off, uint32_t len)
{
	while (*off < len) {
		uint32_t room = e->edge - e->seq;
		uint16_t n = (uint16_t)RTE_MIN(RTE_MIN(len - *off, room), 1400u);

		if ((int32_t)room <= 0 || n == 0)
			return;
		ph_seg(e, ACK | PSH, data + *off, n);
		ph_pump();
		*off += n;
	}
}

void ph_send_rest(struct ph_ep *e, const uint8_t *data, uint32_t *off, uint32_t len)
{
	while (*off < len) {
		uint32_t before = *off;

		ph_send_window(e, data, off, len);
		assert_true(*off > before);
	}
}

void ph_set_wnd(struct ph_ep *e, uint16_t wnd)
{
	e->wnd = wnd;
	ph_seg(e, ACK, NULL, 0);
	ph_pump();
}
