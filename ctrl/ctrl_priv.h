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

/* {"ok":false,"error":"..."} (printf-style). */
json_t *ctrl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* HINTLB_CTRL_PRIV_H */
