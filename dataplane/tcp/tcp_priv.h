/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP stack's private state: the connection object, the per-worker
 * stack, sequence arithmetic and the functions the stack's files share.
 *
 * Files: tcp_conn.c (table, pool, listeners, create/free, close),
 * tcp_in.c (segment input, state machine), tcp_out.c (segments out,
 * send queue, RST), tcp_timer.c (wheel, RTO, delayed ACK, TIME-WAIT),
 * tcp_cc.c (congestion control ops: NewReno, CUBIC), tcp_ooo.c (out-of-order queue and
 * the SACK blocks we send), tcp_app.c (the application API and the
 * echo/discard applications), tcp_challenge.c (RFC 5961 challenge ACKs and
 * their rate limit).
 *
 * Times are milliseconds on the worker's clock (uint32_t, compared with
 * wrap-safe arithmetic like sequence numbers).
 */
#ifndef HINTLB_TCP_PRIV_H
#define HINTLB_TCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "hintlb/tcp.h"
#include "rss.h"
#include "worker.h"

/* Sequence-space comparisons (RFC 9293 3.4), also used for ms timestamps. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define HL_TCP_RTO_INIT_MS    1000  /* RFC 6298 2.1 */
#define HL_TCP_RTO_MIN_MS     200   /* RFC 6298 says 1 s; Linux's 200 ms, as most stacks */
#define HL_TCP_RTO_MAX_MS     60000 /* RFC 6298 2.5 */
#define HL_TCP_RETRIES_MAX    10    /* RTOs in a row before giving up (-ETIMEDOUT) */
#define HL_TCP_SYNACK_RETRIES 5     /* default hl_tcp_params.synack_retries */
#define HL_TCP_SYN_RETRIES    4     /* default hl_tcp_params.syn_retries */
#define HL_TCP_DELACK_MS      40    /* delayed ACK (RFC 1122 4.2.3.2: < 500 ms) */
#define HL_TCP_TIME_WAIT_MS   60000 /* 2 MSL */
#define HL_TCP_FIN_WAIT2_MS   60000 /* bound on FIN-WAIT-2 (the peer may never close) */
#define HL_TCP_RCV_WSCALE     7     /* our window scale (RFC 7323) */
#define HL_TCP_INIT_CWND_SEGS 10    /* RFC 6928 */
#define HL_TCP_DEFAULT_MSS    536   /* peer sent no MSS option (RFC 9293 3.7.1) */
#define HL_TCP_WHEEL_SLOTS    4096  /* 1 ms per slot; later deadlines go round again */
#define HL_TCP_LISTENERS_MAX  64
#define HL_TCP_HDR_MAX        60
#define HL_TCP_MAX_WND        (1u << 30)
#define HL_TCP_SB_MAX         4   /* SACK scoreboard blocks kept per connection */
#define HL_TCP_REORDER_INIT   3   /* duplicate ACKs that start fast recovery (RFC 5681 3.2) */
#define HL_TCP_REORDER_MAX    127 /* ... at most, raised by spurious retransmissions */
#define HL_TCP_TS_OPTLEN      12  /* NOP NOP TS: on every segment when timestamps are on */
#define HL_TCP_OUT_PENDING    32  /* connections whose output waits for the end of a pass */
#define HL_TCP_PAWS_IDLE_MS   (24u * 86400 * 1000) /* RFC 7323 5.5: ts_recent expires */
#define HL_TCP_OOO_CONN_DEF   64   /* out-of-order mbufs per connection (params 0) */
#define HL_TCP_OOO_WORKER_DEF 1024 /* ... per worker, at most a quarter of the mbuf pool */

/* defaults of hl_tcp_params fields left 0 */
#define HL_TCP_CHALLENGE_ACK_DEF 1000    /* RFC 5961 7: challenge ACKs per second per worker */
#define HL_TCP_KA_IDLE_DEF       7200000 /* keepalive: idle ms before the first probe, */
#define HL_TCP_KA_INTVL_DEF      75000   /* ... ms between probes, */
#define HL_TCP_KA_PROBES_DEF     9       /* ... unanswered probes before the reset (Linux's) */
#define HL_TCP_KA_PROBES_MAX     127
#define HL_TCP_ZWND_TIMEOUT_DEF  60000 /* zero_window_timeout_ms (nginx's send_timeout) */

enum hl_tcp_state {
	HL_TCP_CLOSED = 0,
	HL_TCP_LISTEN, /* listeners only; never a connection's state */
	HL_TCP_SYN_SENT,
	HL_TCP_SYN_RECEIVED,
	HL_TCP_ESTABLISHED,
	HL_TCP_CLOSE_WAIT,
	HL_TCP_LAST_ACK,
	HL_TCP_FIN_WAIT_1,
	HL_TCP_FIN_WAIT_2,
	HL_TCP_CLOSING,
	HL_TCP_TIME_WAIT,
};

/* Connection flags. */
#define HL_TCPF_ACK_NOW    0x0001 /* send an ACK at the next output */
#define HL_TCPF_DELACK     0x0002 /* an ACK is owed; the delayed-ACK deadline is set */
#define HL_TCPF_RTO        0x0004 /* the retransmission (or persist) deadline is set */
#define HL_TCPF_FIN_QUEUED 0x0008 /* the application shut down: FIN after the queue */
#define HL_TCPF_FIN_SENT   0x0010 /* our FIN has been sent at least once */
#define HL_TCPF_FIN_ACKED  0x0020 /* our FIN is acknowledged */
#define HL_TCPF_WSCALE     0x0040 /* window scaling in use (both sides sent it) */
#define HL_TCPF_TIMING     0x0080 /* an RTT sample is running (rtt_seq, rtt_ts) */
#define HL_TCPF_APP        0x0100 /* established() was called: closed() is owed */
#define HL_TCPF_IN_TIMER   0x0200 /* linked on the wheel */
#define HL_TCPF_RECOVERY   0x0400 /* NewReno fast recovery */
#define HL_TCPF_DEAD       0x0800 /* closed; freed at the next reap */
#define HL_TCPF_TS         0x1000 /* timestamps in use (RFC 7323) */
#define HL_TCPF_SACK       0x2000 /* SACK permitted both ways (RFC 2018) */
#define HL_TCPF_DELACK_SEG 0x4000 /* data came since our last ACK: more is ACKed at once */
#define HL_TCPF_REO        0x8000 /* rto_at is the reordering window's deadline (tcp_in.c) */

/* The table key: peer and local endpoint, network byte order. */
struct hl_tcp_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
};

/* A listener, or the application of active opens (hl_tcp_connect: not listening). */
struct hl_tcp_listener {
	uint32_t vip;  /* network order */
	uint16_t port; /* network order */
	bool listening;
	const struct hl_tcp_app *app;
	void *ctx;
};

/*
 * One connection. Sizes: see docs/ARCHITECTURE.md, "The TCP stack" (the bytes per idle established
 * connection are sizeof(struct hl_tcp_conn) plus its table entry).
 */
struct hl_tcp_conn {
	struct hl_tcp_key key;
	uint8_t state;
	uint8_t port; /* the port the SYN came in on (MSS clamp) */
	uint8_t snd_wscale;
	uint8_t backoff; /* RTOs in a row */
	uint16_t flags;
	uint16_t mss; /* send MSS: the peer's, clamped to our MTU */
	uint8_t dupacks;
	uint8_t ooo_n;     /* mbufs in the out-of-order queue */
	uint8_t sb_n;      /* blocks in sb[] */
	uint8_t ka_probes; /* keepalive probes unanswered (tcp_timer.c) */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest sequence sent + 1 (snd_nxt goes back on RTO) */
	uint32_t snd_wnd; /* peer's window, scaled */
	uint32_t max_snd_wnd;
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	/* receive sequence space; irs is read in the handshake only, and its bytes then
	 * hold when the zero-window episode began (tcp_timer.c; 0: none) */
	union {
		uint32_t irs;
		uint32_t zwnd_since;
	};
	uint32_t rcv_nxt;
	uint32_t rcv_adv;  /* right edge we advertised (never moves left) */
	uint32_t rcv_held; /* bytes delivered, not yet hl_tcp_recved() */
	/* RTT and RTO (RFC 6298), ms; srtt and rttvar scaled by 8 and 4 (rto: below) */
	uint32_t srtt;
	uint32_t rttvar;
	uint32_t rtt_seq;
	uint32_t rtt_ts;
	/* congestion control (tcp_cc.c) */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover;
	/* undo of a spurious fast retransmit (tcp_cc.c): the window before the episode;
	 * prior_cwnd 0: nothing to undo */
	uint32_t prior_cwnd;
	uint32_t prior_ssthresh;
	/* deadlines (ms); timer_at is the earliest armed, the wheel's key */
	uint32_t timer_at;
	uint32_t rto_at;               /* retransmission, persist, TIME-WAIT and FIN-WAIT-2 */
	uint32_t ack_at;               /* delayed ACK */
	LIST_ENTRY(hl_tcp_conn) tnode; /* wheel slot, or the dead list */

	/* unacknowledged + unsent data: mbuf segments linked by ->next */
	union {
		struct {
			struct rte_mbuf *sq_head;
			struct rte_mbuf *sq_tail;
		};
		TAILQ_ENTRY(hl_tcp_conn) twnode; /* TIME-WAIT: the queue is empty */
	};
	uint32_t sq_bytes; /* from snd_una (the head's first sq_off bytes are acked) */
	uint16_t sq_off;
	uint16_t rto; /* ms, within [HL_TCP_RTO_MIN_MS, HL_TCP_RTO_MAX_MS] */
	void *app_ctx;
	/* timestamps (RFC 7323), ms: ours are t->now + ts_off */
	uint32_t ts_recent;     /* the peer's TSval to echo */
	uint32_t ts_recent_age; /* when ts_recent was set (PAWS: valid for 24 days) */
	uint32_t ts_off;
	uint32_t last_ack_sent; /* rcv_nxt in the last ACK we sent */
	/* out-of-order segments, ascending, disjoint: one mbuf each, data = payload,
	 * sequence number and FIN in the mbuf (tcp_ooo.c) */
	struct rte_mbuf *ooo_head;
	uint32_t sack_recent; /* start of the out-of-order segment received last */
	/* SACK scoreboard (tcp_sack.c): what the peer holds above snd_una, ascending,
	 * disjoint, the lowest HL_TCP_SB_MAX blocks */
	uint32_t sb[HL_TCP_SB_MAX][2];
	uint32_t rtx_hi;      /* recovery: retransmitted up to here */
	uint32_t heard_at;    /* when the peer last sent an acceptable segment (keepalive) */
	uint8_t lst;          /* index of the listener (or of the active-open application) */
	uint8_t reordering;   /* duplicate ACKs that start fast recovery (tcp_cc.c) */
	uint8_t undo_rtx;     /* segments retransmitted since prior_cwnd was set, not D-SACKed */
	uint8_t undo_dupacks; /* duplicate ACKs of that episode before its first new ACK */
	/* the congestion control's own state, opaque outside tcp_cc.c (CUBIC: 16 bytes) */
	uint32_t cc_priv[4];
};
/* 257 bytes would pad each pool object to 448 (tests/unit/test_tcp_cubic.c, test_conn_size) */
_Static_assert(sizeof(struct hl_tcp_conn) <= 256, "struct hl_tcp_conn grew past 256 bytes");
_Static_assert(HL_TCP_RTO_MAX_MS <= UINT16_MAX, "hl_tcp_conn.rto is 16 bits");
_Static_assert(HL_TCP_LISTENERS_MAX <= UINT8_MAX + 1, "hl_tcp_conn.lst is 8 bits");
_Static_assert(HL_TCP_REORDER_MAX <= UINT8_MAX, "hl_tcp_conn.reordering is 8 bits");

/* Our window scale: offered in the SYN and in use only when both sides sent it. */
static inline uint8_t tcp_rcv_wscale(const struct hl_tcp_conn *c)
{
	return (c->flags & HL_TCPF_WSCALE) ? HL_TCP_RCV_WSCALE : 0;
}

LIST_HEAD(hl_tcp_conn_list, hl_tcp_conn);
TAILQ_HEAD(hl_tcp_tw_list, hl_tcp_conn);

/* Congestion control: a small ops table (tcp_cc.c), one per stack (hl_tcp_params::cc). */
struct hl_tcp_cc_ops {
	const char *name;
	void (*init)(struct hl_tcp_conn *c);
	/* @p acked new bytes acknowledged (snd_una already advanced) at @p now (ms); true:
	 * retransmit the segment at snd_una now (a partial ACK in recovery) */
	bool (*on_ack)(struct hl_tcp_conn *c, uint32_t acked, uint32_t now);
	/* a duplicate ACK (c->dupacks counts them); true: retransmit snd_una now */
	bool (*on_dupack)(struct hl_tcp_conn *c);
	void (*on_rto)(struct hl_tcp_conn *c);
	/* the last fast retransmit was spurious: cwnd and ssthresh are back (tcp_cc_undo());
	 * the congestion control's own state follows */
	void (*on_undo)(struct hl_tcp_conn *c);
};
extern const struct hl_tcp_cc_ops hl_tcp_newreno;
extern const struct hl_tcp_cc_ops hl_tcp_cubic;
/* The ops of @p cc, or NULL when it is not an enum hl_tcp_cc value. */
const struct hl_tcp_cc_ops *tcp_cc_ops(enum hl_tcp_cc cc);
/*
 * A D-SACK (RFC 2883) reported [@p start, @p end) received twice. When it
 * accounts for the last of the segments retransmitted since fast recovery
 * began (they were all spurious: reordering, not loss), the window goes back
 * to what it was, the duplicate-ACK threshold rises and @return true.
 */
bool tcp_cc_undo(const struct hl_tcp_cc_ops *cc, struct hl_tcp_conn *c, uint32_t start,
		 uint32_t end);
/*
 * DupThresh (RFC 6675 2): the duplicate ACKs, or segments SACKed above a hole, that show it
 * lost. c->reordering, but no more than one loss in the flight can bring (the segments
 * after it), and at least HL_TCP_REORDER_INIT.
 */
unsigned tcp_dupthresh(const struct hl_tcp_conn *c);
/* Outside recovery: the DupThresh-th duplicate ACK came or IsLost(snd_una), for data sent
 * after the last recovery began. */
bool tcp_loss_suspected(const struct hl_tcp_conn *c);

/* A segment below snd_max is sent again: one more that a D-SACK must show spurious. */
static inline void tcp_undo_count_rtx(struct hl_tcp_conn *c)
{
	if (c->prior_cwnd == 0)
		return;
	if (c->undo_rtx == UINT8_MAX)
		c->prior_cwnd = 0; /* too many to account for: no undo */
	else
		c->undo_rtx++;
}

/* A slot of the connection table: the key's hash, so that a probe compares keys
 * only on a hash match, and the connection (NULL: empty). */
struct tcp_ctab_slot {
	uint32_t hash;
	struct hl_tcp_conn *c;
};

struct hl_tcp {
	struct hl_worker *w;
	/* the 4-tuple table (tcp_conn.c): open addressing, linear probing, at least
	 * twice as many slots as connections, so a probe ends at an empty slot */
	struct tcp_ctab_slot *ctab;
	uint32_t ctab_mask;
	struct rte_mempool *pool;
	const struct hl_tcp_cc_ops *cc;
	struct hl_tcp_params p;
	uint64_t tsc_per_ms;
	uint32_t now;      /* ms, refreshed at each input and timer pass */
	uint32_t wheel_ms; /* next slot (ms) the wheel will process */
	uint32_t n_conns;
	uint32_t n_syn_rcvd;
	uint32_t n_time_wait;
	uint32_t n_ooo;    /* mbufs in all out-of-order queues */
	uint32_t sq_mbufs; /* mbufs in all send queues (p.sq_mbufs_max bounds them) */
	/* RFC 5961 7: challenge ACKs left in second chack_sec of the clock (tcp_challenge.c) */
	uint32_t chack_sec;
	uint32_t chack_left;
	/* SYN cookies and timestamp offsets (tcp_syncookie.c) */
	uint64_t ts_key[2];
	uint64_t ck_key[2][2]; /* per counter parity */
	uint32_t ck_epoch[2];
	uint32_t ck_sent_at;
	bool ck_used;
	uint16_t ip_id;
	unsigned busy; /* inside input or the timer pass: the reap waits for its end */
	/* Connections hl_tcp_send() queued data on while busy: their output runs
	 * once, as the pass ends (tcp_busy_end), so what one segment's
	 * processing queues (a response head and its body, say) leaves as one
	 * segment, not one per call. Distinct; a full list sends at once. */
	unsigned n_out_pending;
	struct hl_tcp_conn *out_pending[HL_TCP_OUT_PENDING];
	uint16_t sport_next; /* active opens: the next source port to try */
	unsigned n_listeners;
	bool listeners_closed; /* graceful stop: SYNs to listeners get a RST */
	struct hl_tcp_listener lst[HL_TCP_LISTENERS_MAX];
	struct hl_tcp_tw_list tw; /* oldest first */
	struct hl_tcp_conn_list dead;
	struct hl_tcp_conn_list wheel[HL_TCP_WHEEL_SLOTS];
};

/* A parsed incoming segment. */
struct hl_tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes (SYN and FIN not counted) */
	uint16_t wnd; /* unscaled field */
	uint8_t flags;
	uint8_t hlen;
	/* options */
	uint16_t opt_mss; /* 0: absent */
	uint8_t opt_ws;   /* 0xff: absent */
	bool opt_ts;
	bool opt_sack_ok;
	uint8_t nsack;
	uint32_t tsval;
	uint32_t tsecr;
	uint32_t sack[4][2]; /* SACK blocks [start, end), as sent */
};

static inline uint32_t tcp_clock(const struct hl_tcp *t)
{
	return (uint32_t)(t->w->now / t->tsc_per_ms);
}

static inline const struct hl_tcp_app *tcp_app(const struct hl_tcp *t, const struct hl_tcp_conn *c)
{
	return t->lst[c->lst].app;
}

static inline uint32_t tcp_flight(const struct hl_tcp_conn *c)
{
	return c->snd_nxt - c->snd_una;
}

/* The established() callback: the listener's context, or an active open's own. */
static inline void tcp_app_established(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	const struct hl_tcp_listener *l = &t->lst[c->lst];

	c->flags |= HL_TCPF_APP;
	if (l->app->established != NULL)
		l->app->established(t, c, l->listening ? l->ctx : c->app_ctx);
}

/*
 * The worker that owns the flow of a segment from @p raddr:@p rport to
 * @p laddr:@p lport arriving on port @p port (network order). When the port's
 * NIC RSS could be read (Toeplitz), the worker polling the queue the NIC
 * picks; otherwise hl_tcp_flow_owner()'s rule.
 */
static inline unsigned tcp_owner(const struct hl_tcp *t, unsigned port, uint32_t raddr,
				 uint16_t rport, uint32_t laddr, uint16_t lport)
{
	const struct hl_netconf *nc = t->w->net;
	const struct hl_rss *r = nc->rss[port];

	if (nc->n_workers <= 1)
		return 0;
	if (r != NULL) {
		unsigned q = hl_rss_queue(r, hl_rss_hash_ipv4_tcp(r, raddr, laddr, rport, lport));

		if (q >= nc->rss_queue0[port] && q - nc->rss_queue0[port] < nc->n_workers)
			return q - nc->rss_queue0[port];
	}
	return hl_tcp_flow_owner(nc->n_workers, t->p.sport_lo, t->p.sport_hi, raddr, rport, laddr,
				 lport);
}

/* An acceptable segment came from the peer: keepalive starts over (lazily: the wheel entry
 * stays where it is and is moved when it comes due). */
static inline void tcp_keepalive_heard(const struct hl_tcp *t, struct hl_tcp_conn *c)
{
	c->heard_at = t->now;
	c->ka_probes = 0;
}

/* Something of ours waits to go out or to be acknowledged: data, or a FIN. */
static inline bool tcp_sending(const struct hl_tcp_conn *c)
{
	return c->sq_bytes != 0 ||
	       (c->flags & (HL_TCPF_FIN_QUEUED | HL_TCPF_FIN_ACKED)) == HL_TCPF_FIN_QUEUED;
}

/* tcp_conn.c */
struct hl_tcp_conn *tcp_conn_lookup(struct hl_tcp *t, const struct hl_tcp_key *k);
struct hl_tcp_conn *tcp_conn_new(struct hl_tcp *t, const struct hl_tcp_key *k, unsigned lst);
/* Close: unlink, free queues, call closed() if owed, state CLOSED; freed at the next reap. */
void tcp_conn_close(struct hl_tcp *t, struct hl_tcp_conn *c, int err);
void tcp_conn_reap(struct hl_tcp *t);
void tcp_conn_set_state(struct hl_tcp *t, struct hl_tcp_conn *c, enum hl_tcp_state s);
int tcp_listener_find(const struct hl_tcp *t, uint32_t vip, uint16_t port);

/* tcp_out.c */
/* Send what the windows allow, then FIN, then a pure ACK if one is owed now. */
void tcp_output(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_output_later(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_busy_end(struct hl_tcp *t);
/* Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with the options @p c's flags offer. */
void tcp_send_syn(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_send_ack(struct hl_tcp *t, struct hl_tcp_conn *c);
/* A keepalive probe: an ACK with SEG.SEQ = SND.NXT - 1 and no data (RFC 9293 3.8.4). */
void tcp_send_keepalive(struct hl_tcp *t, struct hl_tcp_conn *c);
/* Probe a zero window: one byte beyond it, or an ACK when nothing waits. */
void tcp_send_probe(struct hl_tcp *t, struct hl_tcp_conn *c);
/* RST with our sequence @p seq on @p c's 4-tuple. */
void tcp_send_rst_conn(struct hl_tcp *t, struct hl_tcp_conn *c);
/* Answer segment @p s (IP header @p ip, TCP header @p th) with a RST (RFC 9293 3.10.7.1). */
void tcp_send_rst_reply(struct hl_tcp *t, const struct rte_ipv4_hdr *ip,
			const struct rte_tcp_hdr *th, const struct hl_tcp_seg *s);
/* Retransmit from snd_una: the first segment only (@p one) or go back to it. */
void tcp_retransmit(struct hl_tcp *t, struct hl_tcp_conn *c, bool one);
/* Free @p n acknowledged bytes from the head of the send queue. */
void tcp_sq_drop(struct hl_tcp *t, struct hl_tcp_conn *c, uint32_t n);
void tcp_sq_free(struct hl_tcp *t, struct hl_tcp_conn *c);
/* The window we would advertise now (bytes). */
uint32_t tcp_rcv_window(const struct hl_tcp *t, const struct hl_tcp_conn *c);

/* tcp_ooo.c */
/* Queue out-of-order payload [@p seq, +@p len) at @p off in @p m (and FIN). Consumes @p m. */
void tcp_ooo_insert(struct hl_tcp *t, struct hl_tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
		    uint32_t off, uint32_t len, bool fin);
/*
 * Take the queue's head if it starts at or below rcv_nxt: @return it trimmed to
 * start at rcv_nxt (owned; may be empty), *fin set if it carries the FIN; NULL when
 * the head is still beyond a hole. Segments wholly below rcv_nxt are freed.
 */
struct rte_mbuf *tcp_ooo_pull(struct hl_tcp *t, struct hl_tcp_conn *c, bool *fin);
void tcp_ooo_free(struct hl_tcp *t, struct hl_tcp_conn *c);
/* Up to @p max SACK blocks [start, end) for the queue, the most recent first. @return n. */
unsigned tcp_ooo_sack_blocks(const struct hl_tcp_conn *c, uint32_t (*blk)[2], unsigned max);

/* tcp_sack.c */
/* Merge the SACK blocks of segment @p s (those inside (snd_una, snd_max]) into the scoreboard.
 * @return true: its first block is a D-SACK (RFC 2883 4), not merged. */
bool tcp_sack_update(struct hl_tcp_conn *c, const struct hl_tcp_seg *s);
/* snd_una moved: forget what it covers. */
void tcp_sack_clip(struct hl_tcp_conn *c);
/* SACKed bytes in [snd_una, @p seq). */
uint32_t tcp_sacked_below(const struct hl_tcp_conn *c, uint32_t seq);
/* @p seq moved past a SACKed block that holds it; *@p lim: bytes from there to the next
 * SACKed block (UINT32_MAX: none). */
uint32_t tcp_sack_skip(const struct hl_tcp_conn *c, uint32_t seq, uint32_t *lim);
/*
 * RFC 6675 IsLost(@p seq): more than (@p dupthresh - 1) * SMSS bytes, or @p dupthresh
 * discontiguous blocks, above @p seq are SACKed. Only the scoreboard's blocks count (the
 * lowest HL_TCP_SB_MAX): an underestimate when more were reported, never an overestimate.
 */
bool tcp_sack_is_lost(const struct hl_tcp_conn *c, uint32_t seq, unsigned dupthresh);
/* Retransmit the next hole at or above rtx_hi below the highest SACKed byte (one segment).
 * @return true: sent. (tcp_out.c) */
bool tcp_sack_retransmit(struct hl_tcp *t, struct hl_tcp_conn *c);

/* tcp_in.c */
/* The reordering window (HL_TCPF_REO) passed: fast retransmit if snd_una is still suspected
 * lost; the retransmission deadline is re-armed. */
void tcp_reo_fire(struct hl_tcp *t, struct hl_tcp_conn *c);

/* tcp_syncookie.c */
void tcp_syncookie_init(struct hl_tcp *t);
/* Our TSval offset for a 4-tuple (keyed: the same for a cookie connection). */
uint32_t tcp_ts_offset(const struct hl_tcp *t, const struct hl_tcp_key *k);
/* The ISN of a cookie SYN-ACK for the peer's @p peer_isn and MSS @p mss. */
uint32_t tcp_syncookie_make(struct hl_tcp *t, const struct hl_tcp_key *k, uint32_t peer_isn,
			    uint16_t mss);
/* @return the MSS the cookie @p cookie (ACK - 1) carries, or -1 (forged or expired). */
int tcp_syncookie_check(struct hl_tcp *t, const struct hl_tcp_key *k, uint32_t peer_isn,
			uint32_t cookie);
/* Cookies were sent in the last two periods: a stray ACK may carry one. */
bool tcp_syncookie_recent(const struct hl_tcp *t);
/* TSval for a cookie SYN-ACK carrying the peer's window scale (0xff: none) and SACK. */
uint32_t tcp_syncookie_tsval(const struct hl_tcp *t, uint32_t ts_off, uint8_t ws, bool sack);
/* The options a cookie's echoed TSval carries; *ws 15: none. */
void tcp_syncookie_ts_opts(uint32_t tsecr, uint8_t *ws, bool *sack);

/* tcp_challenge.c */
void tcp_challenge_init(struct hl_tcp *t);
/* A challenge ACK (RFC 5961 3.2, 4.2, 5.2) for @p c, if this second's budget allows. */
void tcp_send_challenge_ack(struct hl_tcp *t, struct hl_tcp_conn *c);

/* tcp_timer.c */
/* Fill in the timer defaults of @p p (keepalive, zero-window timeout). @return 0, -EINVAL
 * (out of range). */
int tcp_timer_params(struct hl_tcp_params *p);
void tcp_timer_update(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_timer_cancel(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_rto_arm(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_rto_stop(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_delack_arm(struct hl_tcp *t, struct hl_tcp_conn *c);
void tcp_rtt_sample(struct hl_tcp_conn *c, uint32_t rtt_ms);
void tcp_enter_time_wait(struct hl_tcp *t, struct hl_tcp_conn *c);

#endif /* HINTLB_TCP_PRIV_H */
