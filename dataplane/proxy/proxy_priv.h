/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP proxy (`mode = http`), private to dataplane/proxy/. One
 * `struct hl_proxy` per worker; nothing here is shared between workers.
 *
 *   proxy.c         create/free, pools, timeouts, the SIGUSR1 report
 *   proxy_client.c  client connections: request heads in, routing, request
 *                   bodies out, responses delivered, keep-alive, errors
 *   proxy_server.c  replica connections: the pool per replica, connect,
 *                   response heads and bodies, completion, retry
 *   proxy_head.c    head rewriting (both directions) and canned responses
 *   proxy_learn.c   hint lists and health events to the control thread
 *
 * Objects: a client connection (struct px_client, pooled) has at most one
 * request in progress (struct px_req, pooled, holds both parsers); further
 * pipelined bytes wait unread in its input, so they are answered in order
 * and their receive window stays closed. A request is bound to one replica
 * connection (struct px_server, pooled, kept alive in a per-replica idle
 * list) from routing to the end of its response.
 */
#ifndef HINTLB_PROXY_PRIV_H
#define HINTLB_PROXY_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hintlb/config.h"
#include "hintlb/http1.h"
#include "hintlb/route.h"
#include "hintlb/tcp.h"
#include "proxy.h"
#include "worker.h"

/* Request bytes kept referenced for a retry until the replica acknowledges one. */
#define PX_REPLAY_MAX 8
/* Segments up to this size are copied into the previous mbuf of a stream (px_buf_push). */
#define PX_COALESCE_MAX 512

/* A byte stream of single-segment mbufs linked through ->next (ours, not a chain). */
struct px_buf {
	struct rte_mbuf *head, *tail;
	uint32_t bytes;
};

/* Timeouts; each object is on at most one list at a time (FIFO: one duration per list). */
/* Graceful stop: how long a kept-alive client whose response was already under way may
 * send one more request (answered with Connection: close) before it is closed. */
#define PX_DRAIN_IDLE_MS 1000

enum px_timer_kind {
	PX_T_NONE = 0,
	PX_T_CLIENT_HEAD,    /* client: head incomplete (408) */
	PX_T_CLIENT_IDLE,    /* client: keep-alive, no request */
	PX_T_SERVER_CONNECT, /* server: handshake */
	PX_T_SERVER_RESP,    /* server: request sent, response head not complete (504) */
	PX_T_SERVER_IDLE,    /* server: idle in the pool */
	PX_T_REQ_QUEUE,      /* request: waiting for a pooled connection (503) */
	PX_T_CHECK,          /* active health check: no status line yet */
	PX_T_CHECK_ROUND,    /* the next round of active checks */
	PX_T_COUNT
};

struct px_timer {
	TAILQ_ENTRY(px_timer) node;
	uint64_t deadline; /* TSC */
	uint8_t kind;      /* enum px_timer_kind; PX_T_NONE when not linked */
};
TAILQ_HEAD(px_timer_list, px_timer);

enum px_client_state {
	PXC_IDLE = 0, /* between requests (keep-alive) */
	PXC_HEAD,     /* reading a request head */
	PXC_BODY,     /* streaming the request body to the replica */
	PXC_WAIT,     /* request sent, response in progress */
	PXC_CLOSING,  /* shut down after the queue; input is discarded */
};

struct px_req;
struct px_server;

struct px_client {
	struct px_timer timer; /* first: container_of by cast */
	struct hl_proxy *px;
	struct hl_tcp_conn *conn;
	struct px_req *req; /* the request in progress, NULL between requests */
	struct px_buf in;   /* received bytes not consumed (head, body, pipelined) */
	uint32_t held;      /* received bytes whose window is not reopened yet */
	uint32_t deferred;  /* of them, forwarded: reopen when the replica's queue drains */
	uint32_t raddr;     /* client address, network order */
	uint64_t key;       /* routing key of its requests without a hint */
	uint16_t rport;     /* host order */
	uint8_t state;      /* enum px_client_state */
	bool peer_fin;      /* the client sent FIN */
	bool close_after;   /* close once the response in progress is delivered */
	uint8_t lst;        /* listener index (for its name in logs) */
};

enum px_server_state {
	PXS_CONNECTING = 0,
	PXS_IDLE,    /* in the replica's idle list */
	PXS_BUSY,    /* bound to a request */
	PXS_CLOSING, /* shut down or failed; never reused */
};

struct px_server {
	struct px_timer timer; /* first */
	struct hl_proxy *px;
	struct hl_tcp_conn *conn;
	struct px_req *req; /* NULL when idle */
	struct px_buf in;   /* response bytes not consumed yet */
	uint32_t held;      /* received bytes whose window is not reopened yet */
	uint32_t deferred;  /* of them, forwarded: reopen when the client's queue drains */
	uint32_t replica;
	uint8_t state; /* enum px_server_state */
	bool established;
	bool peer_fin;
	uint32_t uses; /* requests served */
	LIST_ENTRY(px_server) idle_node;
};
LIST_HEAD(px_server_list, px_server);

enum px_req_phase {
	PXR_HEAD = 0,  /* request head being read */
	PXR_QUEUED,    /* routed, waiting for a pooled connection */
	PXR_SENT,      /* on a connection (body may still stream) */
	PXR_RESP_BODY, /* response head delivered, body streaming */
	PXR_DONE,
};

struct px_req {
	struct px_timer timer; /* first: PX_T_REQ_QUEUE */
	struct px_client *cl;
	struct px_server *sv;
	struct hl_route_result route;
	uint64_t t_first;  /* TSC of the head's first byte */
	uint64_t t_sent;   /* TSC when bound to a connection */
	uint64_t body_in;  /* request body content forwarded (chunked: against max_body_kib) */
	uint32_t head_fed; /* request head bytes given to the parser */
	uint32_t resp_fed; /* response head bytes given to the parser */
	uint32_t acked;    /* request bytes the replica acknowledged */
	uint32_t replica;  /* routed replica (valid when routed) */
	uint8_t phase;     /* enum px_req_phase */
	uint8_t tries;     /* routing decisions made (a retry is the second) */
	bool routed;       /* route holds an in-flight slot */
	bool body_done;    /* the request body (if any) was fully forwarded */
	bool resp_started; /* response bytes went to the client */
	bool client_keep;  /* the client connection may stay open after the response */
	bool http10;       /* the client spoke HTTP/1.0 */
	bool head_method;  /* HEAD: the response has no body */
	bool dechunk;      /* chunked response to an HTTP/1.0 client: content only, then close */
	bool expect_wait;  /* Expect: 100-continue, no body byte yet: the replica's turn */
	uint8_t n_replay;  /* replay[] entries; 0xff: too many, no retry */
	uint8_t hint_len;  /* hint[] bytes (0: no hint), kept for a retry's decision */
	struct rte_mbuf *pending;      /* the rewritten head while PXR_QUEUED */
	TAILQ_ENTRY(px_req) wait_node; /* the replica's wait queue (PXR_QUEUED) */
	/* px_req_new() zeroes what comes before replay[]; these two are read only
	 * up to n_replay and hint_len */
	struct rte_mbuf *replay[PX_REPLAY_MAX];
	char hint[HL_HTTP1_HINT_MAX];
	struct hl_http1_parser reqp;
	struct hl_http1_parser resp;
	/* the fields array both parsers share: the response head is parsed only
	 * after the request head was rewritten, and bodies write no fields */
	struct hl_http1_field fields[];
};
TAILQ_HEAD(px_req_list, px_req);

/* Per worker and replica: the connection pool and what was learned. */
struct px_replica {
	struct px_server_list idle; /* LIFO: the most recently used first */
	struct px_req_list waiting; /* requests waiting for a connection, FIFO */
	uint32_t n_conns;           /* open or opening */
	uint32_t n_idle;
	uint64_t hints_hash; /* hash of the last hints value passed on (0: none yet) */
	bool health_bad;     /* a failure was reported since the last success */
	uint32_t addr;       /* network order */
	uint16_t port;       /* host order */
	char name[HL_REPLICA_NAME_MAX];
	struct hl_proxy_replica_stats st;
};

/* One replica's active health check (proxy_check.c, worker 0). */
struct px_check {
	struct px_timer timer; /* first: PX_T_CHECK */
	struct hl_proxy *px;
	struct hl_tcp_conn *conn; /* NULL: no check in flight */
	uint32_t replica;
	uint32_t fed; /* head bytes given to the parser */
	bool reported;
	struct px_buf in;
	struct hl_http1_parser p;
};

struct hl_proxy {
	struct hl_worker *w;
	const struct hl_config *cfg;
	struct hl_proxy_shared *shared;
	struct hl_http1_config hcfg;
	struct rte_mempool *clients, *servers, *reqs;
	uint32_t n_replicas;    /* known ids 0..n-1 (the control thread adds; release/acquire) */
	uint32_t cap_replicas;  /* rep[] entries: [routing] max_replicas */
	struct px_replica *rep; /* cap_replicas entries */
	struct px_timer_list timers[PX_T_COUNT];
	uint64_t timeout[PX_T_COUNT]; /* TSC */
	uint64_t tsc_per_us;
	uint32_t n_clients, n_servers, n_reqs;  /* in use */
	uint64_t req_err[HL_HTTP1_ERR__COUNT];  /* request rejections by parser reason */
	uint64_t resp_err[HL_HTTP1_ERR__COUNT]; /* response rejections by parser reason */
	uint16_t explain_len;
	char explain[HL_CFG_HEADER_MAX];
	struct px_check *checks; /* cap_replicas, worker 0 with [health] check_path; else NULL */
	struct hl_http1_field *check_fields;
	struct px_timer check_round;
	bool draining; /* graceful stop: every client closes after its response */
};

/* ---- px_buf ---- */
void px_buf_push(struct px_buf *b, struct rte_mbuf *m);
/* Drop @p n bytes from the front. */
void px_buf_drop(struct px_buf *b, uint32_t n);
void px_buf_free(struct px_buf *b);
/* Detach the first mbuf (a single segment). */
struct rte_mbuf *px_buf_pop(struct px_buf *b);
/* Up to @p max segments of @p b from byte @p off on. @return the count. */
unsigned px_buf_segs(const struct px_buf *b, uint32_t off, struct hl_http1_seg *segs, unsigned max);
/* Do the first @p len bytes of @p b lie in its first @p max mbufs? (A head the parser
 * took in more pieces than px_buf_segs() returns cannot be rewritten whole.) */
bool px_buf_within(const struct px_buf *b, uint32_t len, unsigned max);

/* ---- timers (proxy.c) ---- */
void px_timer_arm(struct hl_proxy *px, struct px_timer *t, enum px_timer_kind kind);
void px_timer_stop(struct hl_proxy *px, struct px_timer *t);

/* ---- client side (proxy_client.c) ---- */
/* The response of the request in progress is delivered (cl->req already freed):
 * the next request, or close when !keep. */
void px_client_request_done(struct px_client *cl, bool keep);
/* Decide where @p req goes; a retry passes the replica it failed on as @p avoid (-1: a
 * first try), which is chosen again only when it is the only usable one.
 * @return 0, or -EAGAIN: no replica. */
int px_route(struct hl_proxy *px, struct px_req *req, int avoid);
void px_client_count_status(struct hl_proxy *px, unsigned status);
/* Reopen the client's window for forwarded bytes when the replica's queue allows. */
void px_client_release(struct px_client *cl);
/* Answer the request in progress with @p status and close; @p why is the body's reason. */
void px_client_error(struct px_client *cl, unsigned status, const char *why);
void px_client_timeout(struct px_client *cl, enum px_timer_kind kind);
/* Feed the request body bytes waiting in the client's input to the request's connection. */
void px_client_drive(struct px_client *cl);

/* ---- replica side (proxy_server.c) ---- */
/* Bind routed request @p req to a connection of its replica (idle, new, or wait). */
void px_server_dispatch(struct hl_proxy *px, struct px_req *req);
/* Send request bytes @p m (consumes) on the request's connection, keeping a replay reference. */
void px_server_send(struct px_req *req, struct rte_mbuf *m);
/* The whole request is on its connection (or it waits for a 100 Continue): the response
 * timeout starts. */
void px_server_request_sent(struct px_req *req);
/* Body bytes after an Expect: the replica's turn is over, the client's starts. */
void px_server_expect_done(struct px_req *req);
/* The request is gone from the client side (client closed): drop its connection. */
void px_server_abandon(struct px_req *req);
void px_server_timeout(struct px_server *sv, enum px_timer_kind kind);
void px_req_queue_timeout(struct px_req *req);
/* Reopen the replica's window for forwarded response bytes when the client's queue allows. */
void px_server_release(struct px_server *sv);

/* ---- heads and canned responses (proxy_head.c) ---- */
/* The request head for the replica, into a new chain. @return NULL when out of mbufs. */
struct rte_mbuf *px_head_request(struct hl_proxy *px, struct px_req *req, const struct px_buf *in);
/* The response head for the client. @return NULL when out of mbufs. */
struct rte_mbuf *px_head_response(struct hl_proxy *px, struct px_req *req, const struct px_buf *in,
				  bool close_client);
/* A whole response with a short text body. @return NULL when out of mbufs. */
struct rte_mbuf *px_canned(struct hl_proxy *px, unsigned status, const char *why, bool head_only);
const char *px_reason_phrase(unsigned status);
/* "A.B.C.D" of @p be (network order), ":PORT" when @p port > 0, at @p p (at most 21
 * bytes, no NUL). @return the byte after it. */
char *px_fmt_ipv4(char *p, uint32_t be, int port);

/* ---- learning (proxy_learn.c) ---- */
/* The final response head of @p req came in: pass its hint list on if it changed. */
void px_learn_hints(struct hl_proxy *px, struct px_req *req, const struct px_buf *in);
void px_learn_health(struct hl_proxy *px, uint32_t replica, enum hl_ctrl_health_event ev);

/* ---- active health checks (proxy_check.c) ---- */
int px_checks_create(struct hl_proxy *px);
void px_checks_free(struct hl_proxy *px);
void px_check_round(struct hl_proxy *px);
void px_check_timeout(struct px_check *ck);

/* ---- request objects (proxy.c) ---- */
struct px_req *px_req_new(struct hl_proxy *px, struct px_client *cl);
/* Give the routing slot back (latency 0: failed) and free the request. */
void px_req_free(struct hl_proxy *px, struct px_req *req, uint64_t latency_ns);
void px_replay_drop(struct px_req *req);

static inline uint64_t px_now(const struct hl_proxy *px)
{
	return px->w->now;
}

#endif /* HINTLB_PROXY_PRIV_H */
