/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The zero-window timeout (hl_tcp_params.zero_window_timeout_ms,
 * dataplane/tcp/tcp_timer.c): a peer whose receive window stays at zero while
 * our data waits is probed, and reset (RST, closed(-ETIMEDOUT),
 * tcp_zero_window_timeout) once the window has been closed for the timeout,
 * counted from the first probe of the episode, whatever the peer answers in
 * between; a window that opens starts over; UINT32_MAX keeps the old
 * behaviour (probe for ever). A small simulated peer answers every segment.
 * Virtual clock; pools checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>

#include "net_harness.h"
#include "tcp_priv.h"

#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define FIN RTE_TCP_FIN_FLAG

#define ZW   10000 /* the timeout the tests set, ms */
#define DATA 3000  /* bytes the application queues each time */

/*
 * The peer: takes in-order data while its window is open (and, when take_probe, a
 * probe's byte even while it is closed, as a reader that frees one byte at a time),
 * drops the rest, and answers each segment with data with an ACK of what it holds and
 * its window (0 while closed).
 */
static struct {
	uint32_t isn;  /* its ISN: its segments carry isn + 1 + sent */
	uint32_t sent; /* bytes it sent us */
	uint32_t base; /* our first data byte's sequence number */
	uint32_t rcv;  /* bytes of ours it holds */
	bool open;     /* its window: 65535 << 7, or 0 */
	bool take_probe;
	bool fin;             /* our FIN arrived in order */
	unsigned rst;         /* RSTs seen */
	unsigned closed_seg;  /* segments with data that met a closed window */
	uint16_t closed_max;  /* the longest of them, bytes */
	uint64_t now;         /* the test's clock, ms (advance() moves it) */
	uint64_t first_probe; /* when the first of them came (0: none yet) */
	uint8_t got[4 * DATA];
} peer;

static uint8_t buf[1000];
static uint32_t app_off; /* stream offset of the application's next byte */

static void peer_reset(uint32_t isn, uint32_t iss)
{
	memset(&peer, 0, sizeof(peer));
	peer.isn = isn;
	peer.base = iss + 1;
	peer.open = true;
	app_off = 0;
}

/* One ACK from the peer: what it holds, its window, optionally @p len bytes of data. */
static void peer_ack(uint16_t len)
{
	static const uint8_t junk[64];
	struct t_seg s = {.dport = T_PORT_APP,
			  .seq = peer.isn + 1 + peer.sent,
			  .ack = peer.base + peer.rcv + (peer.fin ? 1 : 0),
			  .flags = ACK,
			  .zero_wnd = !peer.open,
			  .data = junk,
			  .len = len};

	t_rx(t_tcp_frame(&s));
	peer.sent += len;
}

/* Read what hintlb sent and answer it, until it sends nothing more. */
static void peer_answer(void)
{
	for (unsigned round = 0; round < 64 && t_tx_count() != 0; round++) {
		unsigned n = t_tx_count(), acks = 0;

		for (unsigned i = 0; i < n; i++) {
			struct t_out o = t_tcp_out(i);
			uint32_t off = o.seq - peer.base;

			if (o.flags & RST) {
				peer.rst++;
				continue;
			}
			if (o.len == 0 && !(o.flags & FIN))
				continue;
			acks++;
			if (!peer.open) {
				peer.closed_seg++;
				peer.closed_max = RTE_MAX(peer.closed_max, o.len);
				if (peer.first_probe == 0)
					peer.first_probe = peer.now;
			}
			if (off <= peer.rcv && off + o.len > peer.rcv &&
			    (peer.open || (peer.take_probe && o.len == 1))) {
				uint32_t skip = peer.rcv - off;

				assert_true(off + o.len <= sizeof(peer.got));
				memcpy(peer.got + peer.rcv, o.data + skip, o.len - skip);
				peer.rcv += o.len - skip;
			}
			if ((o.flags & FIN) && peer.open && off + o.len == peer.rcv)
				peer.fin = true;
		}
		t_tx_clear();
		for (unsigned i = 0; i < acks; i++)
			peer_ack(0);
	}
}

static void advance(uint32_t ms)
{
	peer.now += ms;
	t_advance(ms);
}

/* Let @p ms pass a millisecond at a time, the peer answering as it goes. */
static void run_for(uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		advance(1);
		peer_answer();
	}
}

/* The application queues @p len more bytes of the pattern, in mbufs of 1000. */
static void app_send(uint32_t len)
{
	for (uint32_t n; len != 0; len -= n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);

		n = RTE_MIN(len, 1000u);
		assert_non_null(m);
		t_pattern(buf, app_off, n);
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf, n);
		assert_int_equal(hl_tcp_send(t_w->tcp, t_app.conn, m), 0);
		app_off += n;
	}
}

/* The peer holds our first @p len bytes, in order and intact. */
static void assert_delivered(uint32_t len)
{
	uint8_t want[sizeof(peer.got)];

	assert_int_equal(peer.rcv, len);
	t_pattern(want, 0, len);
	assert_memory_equal(peer.got, want, len);
}

static int setup_zw(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.zero_window_timeout_ms = ZW;
	return t_tcp_setup_params(state, &p);
}

static int setup_zw_never(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	p.zero_window_timeout_ms = UINT32_MAX;
	return t_tcp_setup_params(state, &p);
}

/* A connection whose peer has closed its window, @p DATA bytes queued: @return the time
 * of the first probe (the peer answered it). @p take_probe: see the peer. */
static uint64_t open_closed(uint32_t isn, bool take_probe)
{
	peer_reset(isn, t_tcp_connect(0, T_PORT_APP, isn));
	peer.open = false;
	peer.take_probe = take_probe;
	peer_ack(0); /* the window closes */
	app_send(DATA);
	assert_int_equal(t_tx_count(), 0); /* nothing fits */
	run_for(HL_TCP_RTO_MIN_MS);        /* the handshake's RTT sample: the minimum RTO */
	assert_int_equal(peer.closed_seg, 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_PERSIST_PROBE), 1);
	return peer.first_probe;
}

/* Run to @p deadline: nothing reset 1 ms before, reset (RST, -ETIMEDOUT, counted) at it. */
static void expect_reset_at(uint64_t deadline)
{
	run_for((uint32_t)(deadline - 1 - peer.now));
	assert_int_equal(peer.rst, 0);
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_ZERO_WINDOW_TIMEOUT), 0);
	run_for(1);
	assert_int_equal(peer.rst, 1);
	assert_int_equal(t_app.closed, 1);
	assert_int_equal(t_app.closed_err, -ETIMEDOUT);
	assert_int_equal(t_ctr(HL_CTR_TCP_ZERO_WINDOW_TIMEOUT), 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_RTO_GIVEUP), 0);
	assert_int_equal(t_tcp_conns(), 0);
}

/* The peer answers every probe with a zero window: reset exactly ZW after the first
 * probe, not before, after probes all along. */
static void test_zero_window_timeout(void **state)
{
	uint64_t first;

	(void)state;
	first = open_closed(100, false);
	expect_reset_at(first + ZW);
	assert_true(peer.closed_seg >= 5); /* probes all along, backed off */
	assert_int_equal(peer.rcv, 0);
}

/* The peer's answers to the probes (its window still zero, the probe's byte dropped) are
 * no duplicate ACKs: nothing is lost, the receiver is full. No fast retransmit of a whole
 * segment into the closed window, one byte a probe. */
static void test_zero_window_no_dupacks(void **state)
{
	(void)state;
	open_closed(300, false);
	run_for(ZW / 2);
	assert_true(peer.closed_seg >= 4);
	assert_int_equal(peer.closed_max, 1);
	assert_int_equal(t_ctr(HL_CTR_TCP_DUPACK), 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_FAST_RETRANSMIT), 0);
	peer.open = true;
	peer_ack(0);
	run_for(200);
	assert_delivered(DATA);
}

/* The case that motivated it: the application shut down (FIN-WAIT-1, response and FIN
 * queued behind a closed window). */
static void test_zero_window_after_shutdown(void **state)
{
	uint64_t first;

	(void)state;
	first = open_closed(200, false);
	hl_tcp_shutdown(t_w->tcp, t_app.conn);
	assert_int_equal(t_app.conn->state, HL_TCP_FIN_WAIT_1);
	expect_reset_at(first + ZW);
}

/* Only our FIN waits (every byte delivered, then the window closed): the peer never
 * takes it, and the probes (pure ACKs: no byte left to send) get no answer. Reset the
 * timeout after the first probe, which is the FIN's RTO (the minimum) after it. */
static void test_zero_window_fin_only(void **state)
{
	uint64_t fin_at;

	(void)state;
	peer_reset(700, t_tcp_connect(0, T_PORT_APP, 700));
	app_send(DATA);
	run_for(100);
	assert_delivered(DATA);
	peer.open = false;
	peer_ack(0); /* the window closes, nothing of ours left */
	hl_tcp_shutdown(t_w->tcp, t_app.conn);
	fin_at = peer.now;
	peer_answer(); /* the FIN, refused */
	assert_int_equal(peer.closed_seg, 1);
	assert_false(peer.fin);
	expect_reset_at(fin_at + HL_TCP_RTO_MIN_MS + ZW);
	assert_true(t_ctr(HL_CTR_TCP_PERSIST_PROBE) >= 3);
}

/* A peer that takes each probe's byte (and ACKs it) but keeps its window at zero
 * makes progress of a byte a probe, and is reset all the same: only an open window
 * counts. */
static void test_zero_window_probe_bytes_taken(void **state)
{
	uint64_t first;

	(void)state;
	first = open_closed(300, true);
	assert_int_equal(peer.rcv, 1);
	expect_reset_at(first + ZW);
	assert_true(peer.rcv > 5);
	assert_delivered(peer.rcv);
}

/* The window opens 1 ms before the deadline: the connection stays, everything arrives,
 * and nothing is reset long after. */
static void test_zero_window_opens_in_time(void **state)
{
	uint64_t first;

	(void)state;
	first = open_closed(400, false);
	run_for((uint32_t)(first + ZW - 1 - peer.now));
	assert_int_equal(peer.rst, 0);
	peer.open = true;
	peer_ack(0); /* the window update */
	run_for(2000);
	assert_delivered(DATA);
	run_for(3 * ZW);
	assert_int_equal(peer.rst, 0);
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_app.sent, DATA);
	assert_int_equal(t_ctr(HL_CTR_TCP_ZERO_WINDOW_TIMEOUT), 0);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* The timeout counts from the episode's first probe, not the last one, nor the peer's
 * last segment (here it also sends data); a window that opens ends the episode, and the
 * next one counts from its own first probe. */
static void test_zero_window_counts_from_first_probe(void **state)
{
	uint64_t first, second;

	(void)state;
	first = open_closed(500, false);
	run_for(ZW / 2);
	peer.open = true;
	peer_ack(0);
	run_for(2000);
	assert_delivered(DATA);
	/* closed again, more data queued: a new episode */
	peer.open = false;
	peer.first_probe = 0;
	peer_ack(0);
	app_send(DATA);
	run_for(HL_TCP_RTO_MIN_MS);
	second = peer.first_probe;
	assert_true(second > first + ZW / 2);
	/* past the first episode's deadline: nothing, though the peer talks all along */
	while (peer.now < first + ZW + 1000) {
		run_for(500);
		peer_ack(10);
		peer_answer();
	}
	assert_int_equal(peer.rst, 0);
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_app.rcvd_len, peer.sent);
	expect_reset_at(second + ZW);
	assert_delivered(DATA);
}

/* UINT32_MAX: probes for ever (ten minutes here), and the window that opens at last
 * gets everything. */
static void test_zero_window_never(void **state)
{
	(void)state;
	open_closed(600, false);
	for (unsigned i = 0; i < 600; i++) {
		advance(1000);
		peer_answer();
	}
	assert_int_equal(peer.rst, 0);
	assert_int_equal(t_app.closed, 0);
	assert_int_equal(t_ctr(HL_CTR_TCP_ZERO_WINDOW_TIMEOUT), 0);
	assert_true(t_ctr(HL_CTR_TCP_PERSIST_PROBE) >= 10);
	peer.open = true;
	peer_ack(0);
	run_for(2000);
	assert_delivered(DATA);
	hl_tcp_abort(t_w->tcp, t_app.conn);
}

/* 0 is the default (60 s), UINT32_MAX never; what the ms clock cannot compare is
 * refused. */
static void test_zero_window_params(void **state)
{
	struct hl_tcp_params p = t_tcp_params();

	(void)state;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	assert_int_equal(t_w->tcp->p.zero_window_timeout_ms, 60000);
	hl_tcp_free(t_w);
	p.zero_window_timeout_ms = 1u << 31;
	assert_int_equal(hl_tcp_create(t_w, &p), -EINVAL);
	assert_null(t_w->tcp);
	p.zero_window_timeout_ms = (1u << 31) - 1;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	hl_tcp_free(t_w);
	p.zero_window_timeout_ms = UINT32_MAX;
	assert_int_equal(hl_tcp_create(t_w, &p), 0);
	assert_int_equal(t_w->tcp->p.zero_window_timeout_ms, UINT32_MAX);
	hl_tcp_free(t_w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zero_window_timeout, setup_zw, t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_no_dupacks, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_after_shutdown, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_probe_bytes_taken, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_fin_only, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_opens_in_time, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_counts_from_first_probe, setup_zw,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_never, setup_zw_never,
						t_tcp_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_params, t_net_setup,
						t_net_teardown),
	};

	return cmocka_run_group_tests(tests, t_net_group_setup, t_net_group_teardown);
}
