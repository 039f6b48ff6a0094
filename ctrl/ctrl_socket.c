/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket ([ctrl] socket): a UNIX stream socket on the control
 * thread, JSON lines both ways (jansson; docs/CONFIG.md, "Control socket").
 * Every request line gets exactly one response line.
 *
 * Nothing a client does can hold the daemon or another client: every fd
 * is non-blocking and polled; a request line longer than
 * HL_CTRL_LINE_MAX gets an error and the connection is closed; a line
 * must be whole within HL_CTRL_LINE_MS of its first byte and a connection
 * with no request for HL_CTRL_IDLE_MS is closed (a client that connects
 * and sends nothing, or one byte a second); a client that does not read
 * its answers is closed once HL_CTRL_OUT_MAX bytes wait for it; at most
 * [ctrl] max_clients connections, the next are accepted and closed at once.
 * Each of these is counted (`ctrl sock_*` in the report).
 *
 * The fd work (accept, read, write, deadlines) is here; what bytes mean is
 * ctrl_client_feed()'s, which knows nothing of sockets (the unit tests and
 * the fuzz target call it directly).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_common.h>

#include "ctrl_priv.h"
#include "hintlb/log.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* mkdir -p of the socket's directory, mode 0755 for the new ones. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(dir, 0755) != 0 && errno != EEXIST ? -errno : 0;
}

/* A socket file left by a daemon that died may be removed; a live one may not. */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen,
			 "[ctrl] socket: '%s' is in use (another hintlb runs with this config?)",
			 sa->sun_path);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED)
		unlink(sa->sun_path);
	return 0;
}

int ctrl_sock_open(struct ctrl_sock *s, const struct hl_config *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	gid_t gid = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->lfd = -1;
	s->max_clients = cfg->ctrl_max_clients;
	s->clients = calloc(s->max_clients, sizeof(s->clients[0]));
	if (s->clients == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->max_clients; i++)
		s->clients[i].fd = -1;
	if (cfg->ctrl_group[0] != '\0') {
		struct group *g = getgrnam(cfg->ctrl_group);

		if (g == NULL) {
			snprintf(err, errlen, "[ctrl] group: no group '%s'", cfg->ctrl_group);
			return -ENOENT;
		}
		gid = g->gr_gid;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", cfg->ctrl_socket);
	snprintf(s->path, sizeof(s->path), "%s", cfg->ctrl_socket);
	rc = make_parent(sa.sun_path);
	if (rc == 0)
		rc = clear_stale(&sa, err, errlen);
	if (rc == -EADDRINUSE)
		return rc;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rc != 0 || s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, 0660) != 0 || chown(sa.sun_path, 0, gid) != 0 ||
	    listen(s->lfd, 16) != 0) {
		rc = rc != 0 ? rc : -errno;
		snprintf(err, errlen, "[ctrl] socket: '%s': %s", sa.sun_path, strerror(-rc));
		ctrl_sock_close(s);
		return rc;
	}
	s->open = true;
	return 0;
}

static void client_drop(struct ctrl_sock *s, struct ctrl_client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	ctrl_client_release(c);
	s->n_clients--;
}

void ctrl_sock_close(struct ctrl_sock *s)
{
	for (uint32_t i = 0; s->clients != NULL && i < s->max_clients; i++)
		client_drop(s, &s->clients[i]);
	free(s->clients);
	s->clients = NULL;
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	s->lfd = -1;
	s->open = false;
}

static void accept_all(struct ctrl_sock *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctrl_client *c = NULL;

		if (fd < 0)
			return;
		for (uint32_t i = 0; i < s->max_clients && c == NULL; i++)
			if (s->clients[i].fd < 0)
				c = &s->clients[i];
		if (c == NULL) {
			s->st.refused_full++;
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->deadline = now_ms() + HL_CTRL_IDLE_MS;
		s->n_clients++;
		s->st.accepted++;
	}
}

/* Queue @p text and a newline for the client. @return false: it must go. */
static bool client_queue(struct ctrl_client *c, const char *text, size_t len)
{
	char *grown;

	if (c->out_len + len + 1 > HL_CTRL_OUT_MAX)
		return false;
	grown = realloc(c->out, c->out_len + len + 1);
	if (grown == NULL)
		return false;
	c->out = grown;
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	return true;
}

/* Queue @p resp (consumed; NULL: the handler ran out of memory) as one line. */
static bool client_answer(struct ctrl_client *c, json_t *resp)
{
	char *text = resp != NULL ? json_dumps(resp, JSON_COMPACT) : NULL;
	bool ok = text != NULL && client_queue(c, text, strlen(text));

	free(text);
	json_decref(resp);
	return ok;
}

/* One request line (without its '\n'): parse, dispatch, answer. */
static bool client_line(struct ctrl_sock *s, struct ctrl_client *c, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, 0, &jerr);
	json_t *resp;

	s->st.requests++;
	if (req == NULL) {
		s->st.bad_json++;
		resp = ctrl_error("bad JSON at byte %d: %s", jerr.position, jerr.text);
	} else if (!json_is_object(req)) {
		s->st.bad_json++;
		resp = ctrl_error("a request is a JSON object, e.g. {\"cmd\":\"replica list\"}");
	} else {
		resp = s->handler(s->arg, req);
		if (!json_is_true(json_object_get(resp, "ok")))
			s->st.errors++;
	}
	json_decref(req);
	return client_answer(c, resp);
}

bool ctrl_client_feed(struct ctrl_sock *s, struct ctrl_client *c, const char *buf, size_t n,
		      uint64_t now)
{
	while (n > 0 && !c->closing) {
		size_t take, done = 0, scan = c->in_len; /* what is there holds no '\n' */
		char *nl;

		if (c->in == NULL) {
			c->in = malloc(HL_CTRL_LINE_MAX);
			if (c->in == NULL)
				return false;
		}
		if (c->in_len == 0)
			c->deadline = now + HL_CTRL_LINE_MS;
		take = RTE_MIN(n, HL_CTRL_LINE_MAX - c->in_len);
		memcpy(c->in + c->in_len, buf, take);
		c->in_len += take;
		buf += take;
		n -= take;
		/* answer every whole line, then move what is left down once */
		while ((nl = memchr(c->in + scan, '\n', c->in_len - scan)) != NULL) {
			size_t len = (size_t)(nl - (c->in + done));

			if (!client_line(s, c, c->in + done, len))
				return false;
			done = scan = done + len + 1;
		}
		if (done > 0) {
			memmove(c->in, c->in + done, c->in_len - done);
			c->in_len -= done;
			c->deadline = now + (c->in_len != 0 ? HL_CTRL_LINE_MS : HL_CTRL_IDLE_MS);
		}
		if (c->in_len == HL_CTRL_LINE_MAX) { /* no '\n' in a whole buffer */
			s->st.too_long++;
			client_answer(c,
				      ctrl_error("request line over %d bytes", HL_CTRL_LINE_MAX));
			c->closing = true;
		}
	}
	return true;
}

void ctrl_client_release(struct ctrl_client *c)
{
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Read what is there, at most HL_CTRL_READ_MAX bytes a pass so that a client that never
 * stops sending cannot keep the others waiting (poll says when there is more).
 * @return false: the client must go. */
static bool client_read(struct ctrl_sock *s, struct ctrl_client *c)
{
	char buf[16384];

	for (size_t total = 0; total < HL_CTRL_READ_MAX && !c->closing;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));

		if (n == 0) { /* the client is done: what is queued still goes, then close */
			c->closing = true;
			return true;
		}
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (!ctrl_client_feed(s, c, buf, (size_t)n, now_ms()))
			return false;
		total += (size_t)n;
	}
	return true;
}

/* Write what is queued. @return -1: the client is gone, 0: more to write, 1: all written. */
static int client_write(struct ctrl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return 1;
}

unsigned ctrl_sock_fds(const struct ctrl_sock *s, struct pollfd *fds, unsigned max)
{
	unsigned n = 0;

	if (!s->open || max == 0)
		return 0;
	fds[n++] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
	for (uint32_t i = 0; i < s->max_clients && n < max; i++) {
		const struct ctrl_client *c = &s->clients[i];

		if (c->fd >= 0)
			fds[n++] = (struct pollfd){
				.fd = c->fd,
				.events =
					(short)(POLLIN | (c->out_off < c->out_len ? POLLOUT : 0))};
	}
	return n;
}

void ctrl_sock_serve(struct ctrl_sock *s)
{
	uint64_t now = now_ms();
	int rc;

	if (!s->open)
		return;
	accept_all(s);
	for (uint32_t i = 0; i < s->max_clients; i++) {
		struct ctrl_client *c = &s->clients[i];

		if (c->fd < 0)
			continue;
		if (!c->closing && !client_read(s, c)) {
			client_drop(s, c);
			continue;
		}
		rc = client_write(c);
		if (rc < 0 || (rc == 1 && c->closing)) {
			client_drop(s, c);
			continue;
		}
		if (now > c->deadline) {
			s->st.timeouts++;
			client_drop(s, c);
		}
	}
}
