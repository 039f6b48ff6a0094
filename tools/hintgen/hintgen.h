/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintgen: an HTTP/1.1 load generator and responder on hintlb's own
 * dataplane (EAL, one port, ARP, the TCP stack), docs/hintgen.md.
 *
 * One process drives one port from one polling lcore (the EAL main lcore):
 * the loop in hintgen.c calls the mode's tick (send what is due, release
 * delayed answers), then hl_worker_poll() (rx, TCP, timers, tx flush), then
 * the worker's idle policy. The client (hg_client.c) and the responder
 * (hg_respond.c) are hl_tcp_app's on that worker's stack.
 */
#ifndef HINTGEN_H
#define HINTGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hintlb/config.h"
#include "hintlb/http1.h"
#include "hintlb/tcp.h"
#include "netconf.h"
#include "worker.h"

#define HG_EAL_ARGS_MAX  64
#define HG_HINTS_MAX_LEN 4096 /* --hints list, bytes */
#define HG_BODY_MAX      (1u << 20)
#define HG_MODELS_MAX    1000000u

/* How the client schedules requests. */
enum hg_load {
	HG_LOAD_CLOSED = 0, /* --connections C: C outstanding at all times */
	HG_LOAD_OPEN,       /* --rate R: one every 1/R s */
	HG_LOAD_REPLAY,     /* --trace alone: at the trace's arrival times */
};

enum hg_mode {
	HG_MODE_CLIENT = 0,
	HG_MODE_RESPOND,
};

/* What the command line asked for (hg_opts.c). Addresses network order, ports host order. */
struct hg_opts {
	enum hg_mode mode;
	int eal_argc;
	char *eal_argv[HG_EAL_ARGS_MAX + 2]; /* argv[0] = "hintgen"; point into eal_buf */
	char *eal_buf;
	uint32_t addr; /* --address A.B.C.D/LEN */
	uint32_t mask;
	uint32_t gateway;
	uint32_t mbufs;
	uint32_t max_conns; /* the TCP stack's connection table */
	uint16_t queues;    /* queue pairs of the port: all polled, tx on queue 0 */
	enum hl_idle_mode idle;
	bool idle_yield; /* --idle yield: sched_yield() after every empty poll */
	bool json;
	bool quiet; /* no progress line */
	double duration_s;
	/* responder */
	uint16_t listen_port;
	bool hints_set; /* --hints given: the field is sent (maybe empty) */
	char hints[HG_HINTS_MAX_LEN];
	bool hints_first_set; /* --hints-first: the first answer's value instead */
	char hints_first[HG_HINTS_MAX_LEN];
	char hints_header[HL_HTTP1_NAME_MAX];
	uint32_t delay_us;
	uint32_t body_bytes;
	/* client */
	uint32_t target_addr;
	uint16_t target_port;
	enum hg_load load;
	uint32_t connections;
	double rate;     /* open loop, requests/s; 0: closed loop */
	double warmup_s; /* load before the measured --duration, not counted */
	uint32_t models;
	double zipf_s;
	uint64_t seed;
	const char *trace;
	char hint_header[HL_HTTP1_NAME_MAX];
	char path[256];
	bool keep_alive;
	uint32_t timeout_ms;
};

/* Parse argv into @p o. @return 0, 1 (--help printed), 2 (bad usage, message printed). */
int hg_opts_parse(struct hg_opts *o, int argc, char **argv);
void hg_opts_free(struct hg_opts *o);

/* The process's dataplane: EAL, the port, one worker with a TCP stack (hg_net.c). */
struct hg {
	const struct hg_opts *o;
	struct hl_netconf net;
	struct rte_mempool *pool;
	struct hl_worker *w;
	bool stop;
	bool port_started;
	uint64_t hz;
};

/* EAL already initialised: pool, port, worker, TCP stack. @return 0 or -errno with @p err. */
int hg_net_start(struct hg *g, char *err, size_t errlen);
/* Poll until the port's link is up (memif: the peer connected). @return 0 or -ETIMEDOUT. */
int hg_net_wait_link(struct hg *g, unsigned timeout_ms, const volatile int *stop);
/* Poll until @p ip (network order) has a neighbour entry. @return 0 or -ETIMEDOUT. */
int hg_net_resolve(struct hg *g, uint32_t ip, unsigned timeout_ms, const volatile int *stop);
/* One loop iteration: rx, TCP, timers, tx flush. @return packets received. */
unsigned hg_net_poll(struct hg *g);
/* After an iteration that did @p work: the --idle policy (spin, sleep or yield). */
void hg_net_idle(struct hg *g, unsigned work);
void hg_net_stop(struct hg *g);

/* The responder (hg_respond.c). */
struct hg_respond;
struct hg_respond *hg_respond_create(struct hg *g, char *err, size_t errlen);
/* Send the delayed answers that are due. @return how many. */
unsigned hg_respond_tick(struct hg_respond *r, uint64_t now);
void hg_respond_progress(struct hg_respond *r, FILE *f, double elapsed_s);
void hg_respond_report(const struct hg_respond *r, FILE *f, bool json, double elapsed_s);
void hg_respond_free(struct hg_respond *r);

/* The client (hg_client.c). */
struct hg_client;
struct hg_client *hg_client_create(struct hg *g, char *err, size_t errlen);
/* Begin the run at @p now (connections open, the schedule starts). */
void hg_client_start(struct hg_client *c, uint64_t now);
/* Issue what is due, open connections, expire timeouts. @return work done. */
unsigned hg_client_tick(struct hg_client *c, uint64_t now);
/* The run is over (duration passed and nothing outstanding, or the drain ran out). */
bool hg_client_done(const struct hg_client *c, uint64_t now);
/* Stop: close every connection (FIN, then RST for what stays). Polls the worker. */
void hg_client_close_all(struct hg_client *c);
void hg_client_progress(struct hg_client *c, FILE *f, uint64_t now);
void hg_client_report(const struct hg_client *c, FILE *f, bool json);
/* Any request failed. */
bool hg_client_failed(const struct hg_client *c);
void hg_client_free(struct hg_client *c);

/* Hints of a trace file (hg_trace.c): arrival times (ns from the first) and names. */
struct hg_trace {
	uint32_t n;
	uint64_t *at_ns;
	uint32_t *hint; /* index into names */
	uint32_t n_names;
	char **names;
};
int hg_trace_load(struct hg_trace *t, const char *path, char *err, size_t errlen);
void hg_trace_free(struct hg_trace *t);

#endif /* HINTGEN_H */
