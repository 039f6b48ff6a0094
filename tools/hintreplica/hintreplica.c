/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hintreplica: a simulated GPU replica (see hintreplica.h for the parts). This file opens the
 * listeners, runs the event loop and stops cleanly on SIGTERM or SIGINT.
 *
 * Exit status: 0 after a signal, 1 when it cannot start (the reason on stderr), 2 for a bad
 * command line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "hintreplica.h"

#define EVENTS_MAX 64

uint64_t rep_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void addr_string(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, cap, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, cap, "%s:%u", host, ntohs(a->sin_port));
	}
}

static int epoll_add(struct rep_server *srv, int fd, void *tag, char *err, size_t cap)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		return 0;
	snprintf(err, cap, "epoll_ctl: %s", strerror(errno));
	return -errno;
}

/* Bind and listen on opts->listen[i]. @return 0, or -errno with @p err naming the address. */
static int listen_one(struct rep_server *srv, unsigned int i, char *err, size_t cap)
{
	const struct rep_opts *o = srv->opts;
	struct rep_listener *l = &srv->listeners[i];
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	const char *what = "socket";
	int one = 1, rc;

	l->kind = REP_FD_LISTEN;
	addr_string(&o->listen[i], l->addr, sizeof(l->addr));
	l->fd = socket(o->listen[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto fail;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->listen[i].ss_family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	what = "bind";
	if (bind(l->fd, (const struct sockaddr *)&o->listen[i], o->listen_len[i]) != 0)
		goto fail;
	what = "listen";
	if (listen(l->fd, 1024) != 0)
		goto fail;
	what = "getsockname";
	if (getsockname(l->fd, (struct sockaddr *)&bound, &blen) != 0)
		goto fail;
	addr_string(&bound, l->addr, sizeof(l->addr)); /* the port chosen for port 0 */
	return epoll_add(srv, l->fd, l, err, cap);
fail:
	rc = -errno;
	snprintf(err, cap, "--listen %s: %s: %s", l->addr, what, strerror(errno));
	return rc;
}

/* Signals, and more descriptors than the default 1024 where the hard limit allows. */
static int setup_process(struct rep_server *srv, char *err, size_t cap)
{
	struct rlimit rl;
	sigset_t set;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (srv->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		snprintf(err, cap, "signalfd: %s", strerror(errno));
		return -errno;
	}
	srv->sig.kind = REP_FD_SIGNAL;
	srv->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epfd < 0) {
		snprintf(err, cap, "epoll_create1: %s", strerror(errno));
		return -errno;
	}
	return epoll_add(srv, srv->sig.fd, &srv->sig, err, cap);
}

/* Response bodies are cut from REP_PATTERN repeated: 64 KiB of it, whole repeats. */
static int make_pattern(struct rep_server *srv)
{
	size_t i, n = 65536 / REP_PATTERN_LEN * REP_PATTERN_LEN;
	uint8_t *p = malloc(n);

	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i += REP_PATTERN_LEN)
		memcpy(p + i, REP_PATTERN, REP_PATTERN_LEN);
	srv->pattern = p;
	srv->pattern_len = n;
	return 0;
}

static int server_init(struct rep_server *srv, const struct rep_opts *o, char *err, size_t cap)
{
	unsigned int i;
	int rc;

	memset(srv, 0, sizeof(*srv));
	srv->opts = o;
	srv->epfd = srv->sig.fd = -1;
	TAILQ_INIT(&srv->conns);
	TAILQ_INIT(&srv->lingering);
	srv->start_ns = rep_now_ns();
	rc = setup_process(srv, err, cap);
	for (i = 0; rc == 0 && i < o->nlisten; i++) {
		rc = listen_one(srv, i, err, cap);
		srv->nlisten = i + 1;
	}
	if (rc != 0)
		return rc;
	srv->name = o->name[0] ? o->name : srv->listeners[0].addr;
	if (make_pattern(srv) != 0 || rep_sched_init(&srv->sched, o, &srv->st) != 0) {
		snprintf(err, cap, "out of memory");
		return -ENOMEM;
	}
	if (o->log_path != NULL) {
		srv->log = fopen(o->log_path, "w");
		if (srv->log == NULL) {
			snprintf(err, cap, "--log %s: %s", o->log_path, strerror(errno));
			return -errno;
		}
		setvbuf(srv->log, NULL, _IOLBF, 0);
	}
	return 0;
}

static void server_fini(struct rep_server *srv)
{
	unsigned int i;

	while (!TAILQ_EMPTY(&srv->conns))
		rep_conn_close(TAILQ_FIRST(&srv->conns));
	for (i = 0; i < srv->nlisten; i++)
		if (srv->listeners[i].fd >= 0)
			close(srv->listeners[i].fd);
	if (srv->sig.fd >= 0)
		close(srv->sig.fd);
	if (srv->epfd >= 0)
		close(srv->epfd);
	if (srv->log != NULL)
		fclose(srv->log);
	rep_sched_free(&srv->sched);
	free((void *)srv->pattern);
}

/* Answer the requests whose time has come, in the order they end. */
static void complete_due(struct rep_server *srv, uint64_t now)
{
	struct rep_job *j;

	/* the clock is read again: a pipelined request answered here arrives after @p now */
	for (; (j = rep_sched_pop_done(&srv->sched, now)) != NULL; now = rep_now_ns()) {
		uint64_t t = j->done_ns;

		rep_conn_job_done(rep_conn_of_job(j)); /* may free j */
		rep_sched_pump(&srv->sched, t);
	}
}

/*
 * Wait for events until @p next (UINT64_MAX: no deadline). epoll_pwait2() (Linux 5.11) wakes
 * at the nanosecond; older kernels get epoll_wait() with the milliseconds rounded up.
 */
static int wait_events(struct rep_server *srv, struct epoll_event *evs, uint64_t now, uint64_t next)
{
	uint64_t left = next > now ? next - now : 0, ms;
	struct timespec ts = {(time_t)(left / 1000000000ull), (long)(left % 1000000000ull)};
	int n;

	if (!srv->no_pwait2) {
		n = epoll_pwait2(srv->epfd, evs, EVENTS_MAX, next == UINT64_MAX ? NULL : &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		srv->no_pwait2 = true;
	}
	ms = (left + 999999) / 1000000;
	return epoll_wait(srv->epfd, evs, EVENTS_MAX,
			  next == UINT64_MAX ? -1
			  : ms > INT_MAX     ? INT_MAX
					     : (int)ms);
}

static void dispatch(struct rep_server *srv, const struct epoll_event *ev)
{
	uint8_t kind = *(const uint8_t *)ev->data.ptr;
	struct signalfd_siginfo si;

	if (kind == REP_FD_LISTEN)
		rep_conn_accept(srv, ev->data.ptr);
	else if (kind == REP_FD_CONN)
		rep_conn_event(ev->data.ptr, ev->events);
	else if (read(srv->sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		srv->stop = true;
}

static int server_run(struct rep_server *srv)
{
	struct epoll_event evs[EVENTS_MAX];
	uint64_t now = rep_now_ns(), next;
	int n, i;

	while (!srv->stop) {
		next = rep_sched_next_ns(&srv->sched);
		rep_conn_linger_check(srv, now, &next);
		n = wait_events(srv, evs, now, next);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "hintreplica %s: epoll_wait: %s\n", srv->name,
				strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++)
			dispatch(srv, &evs[i]);
		now = rep_now_ns();
		rep_sched_pump(&srv->sched, now);
		complete_due(srv, now);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rep_opts opts;
	struct rep_server srv;
	char err[256];
	unsigned int i;
	int rc;

	rc = rep_opts_parse(&opts, argc, argv);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	rc = server_init(&srv, &opts, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "hintreplica: %s\n", err);
	} else {
		printf("hintreplica %s: listening on", srv.name);
		for (i = 0; i < srv.nlisten; i++)
			printf(" %s", srv.listeners[i].addr);
		printf("\n");
		fflush(stdout);
		rc = server_run(&srv);
	}
	server_fini(&srv);
	rep_opts_free(&opts);
	return rc == 0 ? 0 : 1;
}
