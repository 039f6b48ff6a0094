/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The dataplane TCP stack's application interface (docs/ARCHITECTURE.md, "The TCP stack").
 *
 * One stack per worker (`struct hl_tcp`), owning that worker's connections;
 * nothing is shared between workers and nothing here takes a lock. Every
 * function must be called on the worker that owns the stack, either from a
 * callback (the stack calls the application while it processes a segment or
 * a timer) or from the application's own code on that worker.
 *
 * Data is zero-copy in both directions:
 * - received in-order payload is handed to hl_tcp_app::recv as an mbuf
 *   chain whose data starts at the first payload byte; the application
 *   owns it. The bytes count against the advertised receive window until
 *   the application calls hl_tcp_recved(), whether or not it still holds
 *   the mbufs (lwIP's tcp_recved model);
 * - hl_tcp_send() queues the application's mbufs by reference; the stack
 *   keeps them until the peer acknowledges their bytes, then frees them and
 *   reports the count through hl_tcp_app::sent.
 *
 * Connections are owned by the stack. A `struct hl_tcp_conn *` stays valid
 * from hl_tcp_app::established until hl_tcp_app::closed returns; after that
 * the application must not use it.
 */
#ifndef HINTLB_TCP_H
#define HINTLB_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hl_worker;
struct hl_tcp;
struct hl_tcp_conn;

/**
 * Congestion control algorithms (hl_tcp_params::cc). The values are stable: a
 * configuration may store them.
 */
enum hl_tcp_cc {
	HL_TCP_CC_NEWRENO = 0, /**< RFC 5681 + RFC 6582 fast recovery (the default) */
	HL_TCP_CC_CUBIC = 1,   /**< RFC 9438, with RFC 6582 fast recovery */
};

/**
 * The congestion control named @p name ("newreno", "cubic"; case-sensitive),
 * for a configuration parser. @return its enum hl_tcp_cc value (>= 0),
 * -ENOENT (no such algorithm), -EINVAL (@p name is NULL).
 */
int hl_tcp_cc_lookup(const char *name);

/** The name of congestion control @p cc ("newreno"), or NULL when it is none. */
const char *hl_tcp_cc_name(enum hl_tcp_cc cc);

/** Sizing and behaviour of one worker's stack, fixed at hl_tcp_create(). */
struct hl_tcp_params {
	uint32_t max_conns;     /**< connection objects (all states); also the table size */
	uint32_t max_syn_rcvd;  /**< half-open connections; SYNs beyond are dropped */
	uint32_t max_time_wait; /**< TIME-WAIT connections; the oldest is recycled beyond */
	uint32_t rcv_buf;       /**< receive window per connection, bytes (< 1 GiB) */
	/** out-of-order segments (mbufs) kept per connection, <= 255; 0: 64 */
	uint32_t ooo_max_conn;
	/** out-of-order segments kept by the worker; 0: 1024, at most a quarter of its mbufs */
	uint32_t ooo_max;
	/**
	 * Source ports of active opens (hl_tcp_connect), host order, inclusive;
	 * 0/0: 32768-60999 (Linux's ip_local_port_range). Every worker draws from
	 * the whole range but takes only ports whose replies it owns
	 * (hl_tcp_flow_owner()). Listeners must not use a port in it.
	 */
	uint16_t sport_lo;
	uint16_t sport_hi;
	/**
	 * mbufs all send queues of the stack may hold (hl_tcp_send() queues them by
	 * reference until acknowledged). Beyond it, in-order data that arrives is
	 * dropped unacknowledged (tcp_rx_mem_drop; the peer sends it again) so that
	 * the packet pool never runs dry: with an empty pool the port cannot receive
	 * the ACKs that would free the queues. 0: a quarter of the packet pool,
	 * shared by the workers (pool size / (4 x workers)).
	 */
	uint32_t sq_mbufs_max;
	/** congestion control of every connection of the stack; 0: NewReno */
	enum hl_tcp_cc cc;
	/**
	 * RFC 5961 challenge ACKs per second for the whole worker, on average: each
	 * second's budget is drawn from [limit / 2, limit * 3 / 2); beyond it they are
	 * not sent (tcp_challenge_ack_suppressed). 0: 1000; UINT32_MAX: no limit.
	 */
	uint32_t challenge_ack_limit;
	/**
	 * Keepalive (RFC 9293 3.8.4) for every connection, off by default: after
	 * keepalive_idle_ms without an acceptable segment from the peer, while nothing
	 * of ours waits for an acknowledgment (ESTABLISHED, CLOSE-WAIT), an ACK with
	 * SEG.SEQ = SND.NXT - 1 and no data goes out every keepalive_intvl_ms; any
	 * acceptable segment from the peer starts over, and keepalive_probes
	 * unanswered probes reset the connection (RST, closed(-ETIMEDOUT)).
	 * keepalive_idle_ms + keepalive_probes * keepalive_intvl_ms must stay below
	 * 2^31 ms.
	 */
	bool keepalive;
	uint32_t keepalive_idle_ms;  /**< 0: 7200 s */
	uint32_t keepalive_intvl_ms; /**< 0: 75 s */
	uint32_t keepalive_probes;   /**< <= 127; 0: 9 */
	/**
	 * Retransmissions of a SYN (active open) before hl_tcp_connect() gives up
	 * with closed(-ETIMEDOUT), and of a SYN-ACK before a half-open connection
	 * is dropped (tcp_synack_giveup). The RTO starts at 1 s and doubles, so n
	 * retransmissions give up after 2^(n+1) - 1 s. 0: 4 (31 s) and 5 (63 s);
	 * at most HL_TCP_SYN_RETRIES_MAX.
	 */
	uint8_t syn_retries;
	uint8_t synack_retries;
	/**
	 * How long the peer's receive window may stay closed (at zero) while data or a FIN
	 * of ours waits to go out, counted from the first zero-window probe; probes the
	 * peer answers with a zero window (even ones that ACK the probe's byte) do not
	 * restart the count, only a window that opens (or nothing of ours left to send)
	 * does. Then RST and closed(-ETIMEDOUT)
	 * (tcp_zero_window_timeout): a peer that never reads would otherwise hold the
	 * connection and its send queue for ever, also after hl_tcp_shutdown(). Checked
	 * at each probe and at the deadline itself. 0: 60 s; UINT32_MAX: never; otherwise
	 * below 2^31 ms.
	 */
	uint32_t zero_window_timeout_ms;
};

#define HL_TCP_SYN_RETRIES_MAX 10

#define HL_TCP_SPORT_LO 32768
#define HL_TCP_SPORT_HI 60999

/** Defaults: 16384 connections, 4096 half-open, 4096 TIME-WAIT, 128 KiB window. */
#define HL_TCP_PARAMS_DEFAULT                                                                      \
	((struct hl_tcp_params){.max_conns = 16384,                                                \
				.max_syn_rcvd = 4096,                                              \
				.max_time_wait = 4096,                                             \
				.rcv_buf = 128 * 1024})

/**
 * What a listener's connections call. Every callback runs on the worker,
 * inside hl_tcp_input() or the timer pass; it may call any function below
 * on the same connection (including hl_tcp_abort()). NULL callbacks are
 * allowed except recv.
 */
struct hl_tcp_app {
	/**
	 * The three-way handshake completed. Passive open: @p ctx is the
	 * listener's (hl_tcp_listen()); active open: the connection's own
	 * (hl_tcp_connect()'s, also hl_tcp_conn_ctx()).
	 */
	void (*established)(struct hl_tcp *t, struct hl_tcp_conn *c, void *ctx);
	/**
	 * In-order payload (non-empty). *Consumes* @p m: the application owns it.
	 * Call hl_tcp_recved() when the bytes may leave the receive window.
	 */
	void (*recv)(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m);
	/** The peer sent FIN (after all its data): no more recv. Sending still works. */
	void (*peer_fin)(struct hl_tcp *t, struct hl_tcp_conn *c);
	/** The peer acknowledged @p bytes more of what hl_tcp_send() queued (now freed). */
	void (*sent)(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes);
	/**
	 * The connection is gone: 0 after an orderly close (both FINs acknowledged),
	 * -ECONNRESET (RST received), -ETIMEDOUT (retransmissions or keepalive gave
	 * up, the peer's window stayed closed past zero_window_timeout_ms, or an
	 * active open had no answer), -ECONNREFUSED (an active open was
	 * answered with RST), -ECONNABORTED (hl_tcp_abort(), or the stack was
	 * freed). Last callback.
	 */
	void (*closed)(struct hl_tcp *t, struct hl_tcp_conn *c, int err);
};

/**
 * Create worker @p w's stack (connection table, connection pool, timer
 * wheel) and attach it (w->tcp). Not on the packet path.
 * @return 0, -EINVAL (bad params, e.g. an unknown cc), -ENOMEM, -EEXIST (w already has one).
 */
int hl_tcp_create(struct hl_worker *w, const struct hl_tcp_params *p);

/** Abort every connection (closed(-ECONNABORTED), no RST sent), free the stack, w->tcp = NULL. */
void hl_tcp_free(struct hl_worker *w);

/**
 * Accept connections to @p vip (network order) : @p port (host order) with
 * @p app; @p ctx is passed to established(). @return 0, -EEXIST, -ENOSPC,
 * -EADDRINUSE (@p port is in the source port range of active opens).
 */
int hl_tcp_listen(struct hl_tcp *t, uint32_t vip, uint16_t port, const struct hl_tcp_app *app,
		  void *ctx);

/**
 * Graceful stop: from now on a SYN (or a SYN cookie's ACK) for any listener
 * gets a RST, as for a closed socket (counted tcp_listener_closed); the
 * connections already there go on.
 */
void hl_tcp_close_listeners(struct hl_tcp *t);

/** Mbufs queued and not yet acknowledged by peers, all connections (0: all delivered). */
uint32_t hl_tcp_unacked(const struct hl_tcp *t);

/**
 * Active open: connect to @p raddr (network order) : @p rport (host order)
 * from the address of the port that routes to @p raddr, or from @p laddr
 * when it is not 0 (network order; it must be one of ours), and a source
 * port of the configured range whose replies this worker owns
 * (hl_tcp_flow_owner()) and that no connection to the same peer uses.
 * Sends the SYN (retransmitted 4 times: 1+2+4+8+16 s), then calls
 * @p app's established(t, c, @p ctx) or closed(t, c, err) with -ECONNREFUSED
 * or -ETIMEDOUT. @p ctx is also the connection's hl_tcp_conn_ctx().
 * hl_tcp_send() may queue data before the handshake completes.
 * @param out the connection, valid until closed() returns.
 * @return 0; -EHOSTUNREACH (no port routes there), -EADDRNOTAVAIL (no source
 * port left for that peer), -ENOBUFS (connection pool or table full), -ENOSPC
 * (more than 64 distinct apps/listeners), -EINVAL (rport 0, or @p laddr not ours).
 */
int hl_tcp_connect(struct hl_tcp *t, uint32_t laddr, uint32_t raddr, uint16_t rport,
		   const struct hl_tcp_app *app, void *ctx, struct hl_tcp_conn **out);

/**
 * The worker that owns the TCP flow of a segment from @p raddr:@p rport to
 * @p laddr:@p lport (all network order) arriving on port index @p port, out
 * of @p n_workers. Every worker computes the same answer: a segment that
 * arrives elsewhere is handed to the owner (docs/ARCHITECTURE.md, "Several
 * workers"). Replies to active opens (@p lport in the source port range
 * [@p sport_lo, @p sport_hi], host order): (lport - sport_lo) mod n_workers;
 * anything else: a CRC32 hash of the 4-tuple mod n_workers.
 */
unsigned hl_tcp_flow_owner(unsigned n_workers, uint16_t sport_lo, uint16_t sport_hi, uint32_t raddr,
			   uint16_t rport, uint32_t laddr, uint16_t lport);

/**
 * Queue @p m (a chain; data from its data offset) for sending. *Consumes*
 * @p m, also on error (freed). Zero-length chains are freed and ignored.
 * Before an active open completes (SYN-SENT) the data waits for the handshake.
 * Called from a callback (inside hl_tcp_input() or the timer pass), the
 * segments go out when that pass ends, so the sends of one callback (a head,
 * then a body) share segments; elsewhere, at once.
 * @return 0, -EPIPE (the connection was shut down for sending, or is closing).
 */
int hl_tcp_send(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m);

/** Bytes queued by hl_tcp_send() and not yet acknowledged (sent or not). */
uint32_t hl_tcp_send_queued(const struct hl_tcp_conn *c);

/** The application is done with @p bytes of received payload: reopen the window by that much. */
void hl_tcp_recved(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t bytes);

/** Send FIN after everything queued (half-close: receiving continues). Idempotent. */
void hl_tcp_shutdown(struct hl_tcp *t, struct hl_tcp_conn *c);

/**
 * Send RST (none in SYN-SENT: nothing to reset yet) and drop the connection;
 * closed(-ECONNABORTED) is called before this returns.
 */
void hl_tcp_abort(struct hl_tcp *t, struct hl_tcp_conn *c);

/** @p c's peer and local endpoint: addresses network order, ports host order. */
void hl_tcp_conn_endpoints(const struct hl_tcp_conn *c, uint32_t *raddr, uint16_t *rport,
			   uint32_t *laddr, uint16_t *lport);

/** The application's pointer for @p c (NULL until set). */
void *hl_tcp_conn_ctx(const struct hl_tcp_conn *c);
void hl_tcp_conn_set_ctx(struct hl_tcp_conn *c, void *ctx);

/**
 * The diagnostic applications of `mode = echo` (send back what arrives,
 * FIN after the peer's FIN) and `mode = discard` (read and drop).
 */
extern const struct hl_tcp_app hl_tcp_app_echo;
extern const struct hl_tcp_app hl_tcp_app_discard;

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_TCP_H */
