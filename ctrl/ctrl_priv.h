/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the control thread (ctrl/ctrl_*.c): the control socket's
 * state and the command table's entry point.
 */
#ifndef HINTLB_CTRL_PRIV_H
#define HINTLB_CTRL_PRIV_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hintlb/config.h"

/* The control socket's limits (docs/CONFIG.md, "Control socket"). */
#define HL_CTRL_LINE_MAX (64 * 1024)        /* a request line and its '\n' */
#define HL_CTRL_OUT_MAX  (16 * 1024 * 1024) /* answers waiting for one client */
#define HL_CTRL_READ_MAX (256 * 1024)       /* read from one client per pass */
#define HL_CTRL_LINE_MS  10000              /* first byte of a line to its '\n' */
#define HL_CTRL_IDLE_MS  60000              /* a connection with no request in progress */

struct ctrl_client {
	int fd;            /* -1: free slot */
	uint64_t deadline; /* ms (CLOCK_MONOTONIC): the line in progress, or the next one */
	char *in;          /* HL_CTRL_LINE_MAX bytes, allocated on first read */
	size_t in_len;
	char *out; /* answers not written yet */
	size_t out_len, out_off;
	bool closing; /* close once out is written */
};

struct ctrl_sock_stats {
	uint64_t accepted, refused_full, requests, errors, bad_json, too_long, timeouts;
};

struct ctrl_sock {
	bool open;
	int lfd;
	char path[108];
	uint32_t max_clients, n_clients;
	struct ctrl_client *clients;
	/* one request object in, one response object out (owned by the caller) */
	json_t *(*handler)(void *arg, json_t *req);
	void *arg;
	struct ctrl_sock_stats st;
};

/* Create the socket ([ctrl] socket, group, max_clients). @return 0 or -errno, @p err filled. */
int ctrl_sock_open(struct ctrl_sock *s, const struct hl_config *cfg, char *err, size_t errlen);
/* Close every client and the socket; unlink its path. */
void ctrl_sock_close(struct ctrl_sock *s);
/* The fds to poll (the listening socket first). @return how many were written. */
unsigned ctrl_sock_fds(const struct ctrl_sock *s, struct pollfd *fds, unsigned max);
/* Accept, read, answer, write, expire: never blocks. */
void ctrl_sock_serve(struct ctrl_sock *s);

/*
 * The line reader, without the socket: feed @p n bytes client @p c sent (borrowed; split
 * anywhere) and answer, in order, every line they complete — one line of JSON appended to
 * c->out per request line, whatever the line holds (an empty line, or "\r" alone, is bad
 * JSON and is answered as such; a '\r' before the '\n' is JSON whitespace). Request
 * objects go to s->handler; bad JSON and non-objects are answered here. A line without a
 * '\n' within HL_CTRL_LINE_MAX bytes gets one error answer and sets c->closing; bytes after
 * that, or fed once c->closing is set, are ignored. Deadlines: c->deadline becomes
 * @p now (ms) + HL_CTRL_LINE_MS when a line starts, + HL_CTRL_IDLE_MS when the last line
 * fed is whole. Counts into s->st.
 * @return false: the client must go at once (out of memory, or its answers would pass
 *   HL_CTRL_OUT_MAX bytes); what was answered before stays in c->out.
 */
bool ctrl_client_feed(struct ctrl_sock *s, struct ctrl_client *c, const char *buf, size_t n,
		      uint64_t now);
/* Free a client's buffers and clear it (fd -1); the fd is the caller's to close. */
void ctrl_client_release(struct ctrl_client *c);

/* {"ok":false,"error":"..."} (printf-style). */
json_t *ctrl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* HINTLB_CTRL_PRIV_H */
