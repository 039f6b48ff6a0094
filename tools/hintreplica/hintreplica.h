/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintreplica: a simulated GPU replica behind hintlb. One process, one thread, one epoll loop,
 * kernel sockets. The parts:
 *   rep_opts.c     command line
 *   rep_sched.c    model slots (LRU), the FIFO of requests, the concurrency limit, timing
 *   rep_conn.c     connections: reading and parsing requests, writing responses
 *   rep_respond.c  what a response says: headers, /stats, the request log
 *   hintreplica.c  listeners, the event loop, start and stop
 *
 * Each connection has at most one request past its head at a time (pipelined requests wait
 * in its input buffer), so responses go out in request order without reordering.
 */
#ifndef HINTREPLICA_H
#define HINTREPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <hintlb/http1.h>

#define REP_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define REP_LISTEN_MAX  16
#define REP_NAME_MAX    64
#define REP_SLOTS_MAX   1024
#define REP_CONC_MAX    4096
#define REP_MS_MAX      3600000u /* an hour: any delay a test wants */
#define REP_BODY_MAX    (1ull << 32)
#define REP_IN_CAP      65536u        /* input buffer per connection; > the parser's max_head */
#define REP_OUT_HIGH    65536u        /* pending output above which pipelined requests wait */
#define REP_LINGER_NS   2000000000ull /* draining input after the last response, then close */
#define REP_TARGET_LOG  200           /* target bytes kept for the request log */
#define REP_PATTERN     "ok\n"        /* response bodies: this, repeated and cut */
#define REP_PATTERN_LEN 3

struct rep_opts {
	struct sockaddr_storage listen[REP_LISTEN_MAX];
	socklen_t listen_len[REP_LISTEN_MAX];
	unsigned int nlisten;
	char name[REP_NAME_MAX + 1]; /* empty: the first listening address */
	uint32_t slots;
	uint32_t concurrency;
	uint32_t load_ms;
	uint32_t service_ms;
	uint64_t body_bytes;
	bool no_hints;
	char hints_header[HL_HTTP1_NAME_MAX + 1]; /* as spelled on the command line */
	struct hl_http1_config http;              /* request hint header name, limits */
	char *initial_buf;                        /* owned: --initial with NULs between names */
	const char *initial[REP_SLOTS_MAX];       /* into initial_buf, first = most recent */
	uint32_t ninitial;
	const char *log_path;
};

/*
 * Parse the command line into @p o. @return 0 to run, 1 after --help (exit 0), or 2 after a
 * message naming the bad option on stderr (exit 2).
 */
int rep_opts_parse(struct rep_opts *o, int argc, char **argv);
void rep_opts_free(struct rep_opts *o);

enum rep_cache {
	REP_CACHE_NONE = 0, /* no hint, /stats, a refused request */
	REP_CACHE_HIT,
	REP_CACHE_MISS,
};

enum rep_job_where {
	REP_JOB_IDLE = 0,
	REP_JOB_QUEUED,
	REP_JOB_RUNNING,
};

/* One request as the scheduler sees it; embedded in its connection. */
struct rep_job {
	TAILQ_ENTRY(rep_job) link; /* in rep_sched.queue or .running */
	uint64_t arrive_ns;
	uint64_t start_ns;
	uint64_t done_ns;
	uint32_t delay_ms; /* X-Replica-Delay-Ms */
	int32_t slot;      /* model slot pinned while running, -1 for none */
	uint8_t cache;     /* enum rep_cache, set when it starts */
	uint8_t where;     /* enum rep_job_where */
	bool has_hint;
	uint16_t hint_len;
	char hint[HL_HTTP1_HINT_MAX + 1];
};
TAILQ_HEAD(rep_job_list, rep_job);

struct rep_slot {
	bool used;
	uint16_t len;
	uint32_t pins;     /* running requests that use the model */
	uint64_t ready_ns; /* loaded from then on */
	uint64_t last_use; /* LRU clock at the last request that used it */
	char model[HL_HTTP1_HINT_MAX + 1];
};

struct rep_stats {
	uint64_t requests; /* answered, /stats and refused requests not included */
	uint64_t hits;
	uint64_t misses; /* = model loads */
	uint64_t evictions;
	uint64_t no_hint;
	uint64_t cancelled; /* the client left before the answer */
	uint64_t queue_ns_total;
	uint64_t queue_ns_max;
	uint64_t conns_accepted;
	uint64_t conns_open;
	uint64_t bad_requests;
	uint64_t body_bytes;
	uint64_t stats_requests;
};

struct rep_sched {
	struct rep_slot *slots;
	uint32_t *order; /* scratch for rep_sched_held() */
	uint32_t nslots;
	uint32_t concurrency;
	uint32_t active;
	uint32_t queued;
	uint64_t load_ns;
	uint64_t service_ns;
	uint64_t lru_clock;
	struct rep_job_list queue;
	struct rep_job_list running;
	struct rep_stats *st;
};

/* Slots and limits from @p o, --initial models loaded. @return 0 or -ENOMEM. */
int rep_sched_init(struct rep_sched *s, const struct rep_opts *o, struct rep_stats *st);
void rep_sched_free(struct rep_sched *s);
/* Append @p j (hint and delay set) to the FIFO; it starts at the next rep_sched_pump(). */
void rep_sched_submit(struct rep_sched *s, struct rep_job *j, uint64_t now);
/* Start queued requests, in arrival order, while the limits allow; @p t is the start time. */
void rep_sched_pump(struct rep_sched *s, uint64_t t);
/* Remove @p j wherever it is (its client left); a model load it began goes on. */
void rep_sched_cancel(struct rep_sched *s, struct rep_job *j);
/* The running request that ends first if it ends by @p now, removed; else NULL. */
struct rep_job *rep_sched_pop_done(struct rep_sched *s, uint64_t now);
/* When the next running request ends; UINT64_MAX if none runs. */
uint64_t rep_sched_next_ns(const struct rep_sched *s);
/* Models loaded at @p t, most recently used first: fills @p idx, returns how many. */
uint32_t rep_sched_held(struct rep_sched *s, uint64_t t, bool loading, const uint32_t **idx);

enum rep_conn_state {
	REP_C_HEAD = 0, /* reading a request head */
	REP_C_BODY,     /* reading its body */
	REP_C_WAIT,     /* the request is queued or served */
	REP_C_CLOSING,  /* the last response is being written */
	REP_C_LINGER,   /* written and shut down; input drained until EOF or a timeout */
};

enum rep_fd_kind {
	REP_FD_LISTEN = 1,
	REP_FD_SIGNAL,
	REP_FD_CONN,
};

struct rep_server;

/* The request being read or served on a connection. */
struct rep_req {
	struct rep_job job;
	uint8_t method; /* enum hl_http1_method */
	bool keep_alive;
	bool http10;
	bool has_body;
	bool is_stats;
	const char *bad;   /* a refused X-Replica-* header: the reason, answered with 400 */
	uint16_t status;   /* X-Replica-Status, else 200 */
	uint64_t body_len; /* content bytes received */
	uint32_t body_crc; /* CRC-32 (zlib) of them */
	char method_name[16];
	char target[REP_TARGET_LOG + 1];
};

struct rep_conn {
	uint8_t kind; /* REP_FD_CONN; first member: epoll data points here */
	uint8_t state;
	bool peer_eof;
	int fd;
	uint32_t events; /* the epoll mask registered */
	uint64_t id;     /* 1, 2, ... in accept order */
	uint64_t linger_until;
	TAILQ_ENTRY(rep_conn) link;        /* rep_server.conns */
	TAILQ_ENTRY(rep_conn) linger_link; /* rep_server.lingering, in REP_C_LINGER */
	struct rep_server *srv;
	/* input: bytes [start, len) are kept, [start, scan) were given to the parser */
	uint8_t *in;
	uint32_t start;
	uint32_t scan;
	uint32_t len;
	/* output: out[out_off, out_len), then body_left bytes of the pattern body */
	uint8_t *out;
	size_t out_off;
	size_t out_len;
	size_t out_cap;
	uint64_t body_left;
	uint64_t body_pos;
	struct rep_req req;
	struct hl_http1_parser parser;
	struct hl_http1_field fields[];
};
TAILQ_HEAD(rep_conn_list, rep_conn);

struct rep_listener {
	uint8_t kind; /* REP_FD_LISTEN */
	int fd;
	char addr[64];
};

struct rep_server {
	const struct rep_opts *opts;
	const char *name;
	int epfd;
	struct {
		uint8_t kind; /* REP_FD_SIGNAL */
		int fd;
	} sig;
	struct rep_listener listeners[REP_LISTEN_MAX];
	unsigned int nlisten;
	struct rep_conn_list conns;
	struct rep_conn_list lingering;
	uint64_t next_conn_id;
	uint64_t start_ns;
	bool stop;
	bool no_pwait2; /* the kernel has no epoll_pwait2() */
	FILE *log;
	const uint8_t *pattern; /* "ok\n" repeated: response bodies are cut from it */
	size_t pattern_len;
	struct rep_sched sched;
	struct rep_stats st;
};

uint64_t rep_now_ns(void);

/* Connections (rep_conn.c). Each returns nothing: a connection that fails is closed. */
void rep_conn_accept(struct rep_server *srv, struct rep_listener *l);
void rep_conn_event(struct rep_conn *c, uint32_t events);
void rep_conn_job_done(struct rep_conn *c);
void rep_conn_linger_check(struct rep_server *srv, uint64_t now, uint64_t *next);
void rep_conn_close(struct rep_conn *c);

static inline struct rep_conn *rep_conn_of_job(struct rep_job *j)
{
	return REP_CONTAINER_OF(j, struct rep_conn, req.job);
}

/* Responses (rep_respond.c). */
struct rep_reply {
	uint16_t status;
	uint8_t cache;        /* enum rep_cache */
	bool close;           /* Connection: close, and no further request is read */
	bool http10;          /* an HTTP/1.0 client: say Connection: keep-alive if kept */
	bool head_only;       /* HEAD: the headers of the response, no body */
	bool echo_body;       /* the request had a body: X-Body-Bytes, X-Body-Crc32 */
	uint64_t body_len_in; /* of the request body */
	uint32_t body_crc_in;
	const char *body;     /* borrowed: a body to copy, or NULL for pattern_len bytes */
	size_t body_len;      /* of body */
	uint64_t pattern_len; /* of REP_PATTERN repeated */
	const char *ctype;    /* Content-Type */
	uint64_t hints_ns;    /* the time the hint list is of */
};
/* "none", "hit", "miss" for enum rep_cache. */
const char *rep_cache_name(unsigned int cache);
/* Append a response to @p c's output. @return 0 or -ENOMEM. */
int rep_respond(struct rep_conn *c, const struct rep_reply *r);
/* Append @p n bytes to @p c's output. @return 0 or -ENOMEM. */
int rep_out_append(struct rep_conn *c, const void *data, size_t n);
/* The /stats document; returns owned (free()), or NULL on ENOMEM. */
char *rep_stats_json(struct rep_server *srv, uint64_t now);
/* One line for a served request in --log. */
void rep_log_request(struct rep_server *srv, const struct rep_conn *c, uint16_t status);

#endif /* HINTREPLICA_H */
