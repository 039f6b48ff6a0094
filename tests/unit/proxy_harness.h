/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy (dataplane/proxy/) through the real TCP stack, with no NIC,
 * for test_proxy.c and test_proxy_errors.c: a worker from net_harness.h with
 * a routing core (replicas r0, r1 at 10.0.0.7:8080, :8081), a proxy made by
 * hl_proxy_create() from a configuration filled in code, its listener on
 * VIP:80, and the control ring (hl_proxy_shared) whose messages the tests
 * read.
 *
 * The test plays both the clients (connections to VIP:80) and the replicas
 * (the proxy's active opens). A small peer model (struct ph_ep) keeps each
 * connection's sequence numbers, reads what hintlb sends in order,
 * acknowledges it, answers the proxy's SYNs as ph_rep_mode says, and answers
 * hintlb's FIN with its own. ph_pump() delivers until hintlb is quiet;
 * every ph_* that sends pumps afterwards.
 *
 * ph_teardown checks that mbufs, TCP connections, proxy objects, routing
 * slots and control messages are all back to their starting counts.
 */
#ifndef HINTLB_TEST_PROXY_HARNESS_H
#define HINTLB_TEST_PROXY_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hintlb/config.h"
#include "hintlb/ctrl_msg.h"
#include "hintlb/route.h"
#include "net_harness.h"
#include "proxy.h"

#define PH_REP_PORT 8080 /* replica i listens on PH_REP_PORT + i */

/* [http] timeouts of ph_config(), ms: small, and all different */
#define PH_HEAD_MS      1000
#define PH_IDLE_MS      2000
#define PH_CONNECT_MS   500
#define PH_RESP_MS      3000
#define PH_POOL_IDLE_MS 5000
#define PH_QUEUE_MS     2500

#define PH_EPS_MAX 32
#define PH_RX_MAX  (256 * 1024)

#define PH_RESP_OK "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

/* One TCP connection as the peer (client or replica) sees it. */
struct ph_ep {
	bool replica;   /* the proxy's active open (we are the replica) */
	uint16_t hport; /* hintlb's port: 80, or the source port of an active open */
	uint16_t pport; /* the peer's port */
	uint32_t seq;   /* the peer's next sequence number */
	uint32_t ack;   /* the next byte expected from hintlb */
	uint32_t edge;  /* right edge of hintlb's receive window */
	uint16_t wnd;   /* the window the peer advertises (scaled by 7) */
	unsigned syns;  /* SYNs hintlb sent for it */
	bool syn_pending, need_ack;
	bool fin_in, fin_out, rst_in, rst_out;
	bool manual_close; /* do not answer hintlb's FIN with ours */
	bool hold_ack;     /* acknowledge nothing past held_ack (data is still read) */
	uint32_t held_ack;
	uint32_t len; /* bytes in rx */
	char rx[PH_RX_MAX + 1];
};

/* How the replicas answer the proxy's SYNs. */
enum ph_rep_mode {
	PH_REP_ACCEPT = 0, /* SYN-ACK */
	PH_REP_REFUSE,     /* RST */
	PH_REP_SILENT,     /* nothing */
};

/* Connections in the order they opened; SYNs the proxy sent (retransmissions too). */
extern struct ph_ep ph_eps[PH_EPS_MAX];
extern unsigned ph_n_eps, ph_syns;
extern enum ph_rep_mode ph_rep_mode;

extern struct hl_config ph_cfg;
extern struct hl_router *ph_router;
extern struct hl_proxy *ph_px;
extern struct hl_proxy_shared ph_shared;

/* ---- setup ---- */

/* ph_cfg with @p n_replicas replicas and the timeouts above; a test may change it before
 * ph_setup(). */
void ph_config(unsigned n_replicas);
/* cmocka setup: worker, stack, router, proxy and listener from ph_cfg. */
int ph_setup(void **state);
/* ph_config(1) and ph_setup(). */
int ph_setup1(void **state);
/* cmocka teardown: frees everything, fails when something did not come back. */
int ph_teardown(void **state);

/* ---- the peers ---- */

/* A new client connection to VIP:80 (handshake done). */
struct ph_ep *ph_client(void);
/* The @p k-th connection the proxy opened to a replica (0: the first). */
struct ph_ep *ph_rep(unsigned k);
unsigned ph_n_reps(void);
/* The one replica connection holding unread bytes (what the last request sent). */
struct ph_ep *ph_rep_with_rx(void);
/* The most recent connection between hintlb's @p hport and the peer's @p pport. */
struct ph_ep *ph_find(uint16_t hport, uint16_t pport);

/* One segment from @p e's peer (not delivered: call ph_pump()). */
void ph_seg(struct ph_ep *e, uint8_t flags, const void *data, uint16_t len);
/* The frame of that segment, returned owned instead of received (feed it with t_rx()). */
struct rte_mbuf *ph_frame(struct ph_ep *e, uint8_t flags, const void *data, uint16_t len);
/* Deliver what hintlb sent until it is quiet: data read, ACKs, SYNs and FINs answered. */
void ph_pump(void);
/* @p len bytes from @p e in segments of at most @p seg bytes, delivering after each. */
void ph_send_segs(struct ph_ep *e, const void *data, size_t len, size_t seg);
void ph_send(struct ph_ep *e, const char *s);
/* Send what hintlb's window takes of [*off, len), delivering after each segment. */
void ph_send_window(struct ph_ep *e, const uint8_t *data, uint32_t *off, uint32_t len);
/* All of [*off, len), window after window; fails when a window takes nothing (a stall). */
void ph_send_rest(struct ph_ep *e, const uint8_t *data, uint32_t *off, uint32_t len);
void ph_fin(struct ph_ep *e);
void ph_rst(struct ph_ep *e);
/* A window update from @p e (0: a zero window). */
void ph_set_wnd(struct ph_ep *e, uint16_t wnd);
/* From now on @p e acknowledges nothing more (until hold_ack is cleared). */
void ph_hold_acks(struct ph_ep *e);
/* What @p e received is exactly @p s; forget it. */
void ph_expect_rx(struct ph_ep *e, const char *s);
/* The replica that holds the last request answers it with @p resp. */
void ph_answer(const char *resp);
/*
 * "GET /x" from client @p c, checked as the replica receives it on @p r
 * (NULL: a new connection), answered with @p resp. @return the replica's
 * connection.
 */
struct ph_ep *ph_get(struct ph_ep *c, struct ph_ep *r, const char *resp);
/* ph_get() answered with PH_RESP_OK, which @p c receives as is. */
struct ph_ep *ph_get_ok(struct ph_ep *c, struct ph_ep *r);

/* ---- the clock, the control ring, the report ---- */

/* Move the clock in 10 ms steps, running the stack's and the proxy's timers and the peers. */
void ph_advance(uint32_t ms);
/* The next message to the control thread, copied into @p out. @return false: none. */
bool ph_msg_take(struct hl_ctrl_msg *out);
void ph_expect_hints(uint32_t replica, enum hl_hints_kind kind, const char *value);
void ph_expect_health(uint32_t replica, enum hl_ctrl_health_event ev);
void ph_expect_no_msg(void);
/* The proxy's SIGUSR1 report holds the line "worker 0 NAME VALUE". */
void ph_expect_report(const char *name, unsigned long value);
/*
 * Every client closes; pooled replica connections reach their idle
 * timeout; TIME-WAIT passes. Then no connection, proxy object or routing
 * slot is left. Each test ends with it.
 */
void ph_settle(void);

#endif
