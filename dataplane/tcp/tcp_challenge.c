/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Challenge ACKs (RFC 5961) and their rate limit (RFC 5961 7).
 *
 * A segment that may come from a blind attacker gets an ACK instead of
 * acting: an in-window RST whose sequence number is not exact (3.2), a SYN
 * on a synchronized connection (4.2), an ACK outside [SND.UNA -
 * MAX.SND.WND, SND.MAX] (5.2). Each such ACK comes from one budget per
 * worker and second of the worker's clock: hl_tcp_params.challenge_ack_limit
 * per second on average (1000 by default, Linux's tcp_challenge_ack_limit).
 * What is over the budget is dropped without an ACK and counted
 * (tcp_challenge_ack_suppressed); the segment is discarded either way.
 *
 * The budget of each second is drawn uniformly from [limit / 2, limit * 3 / 2)
 * (as Linux does since 4.7): with a fixed budget shared by all connections,
 * an off-path attacker can count the challenge ACKs its own connection gets
 * in a second and learn whether its spoofed segments hit another
 * connection's window (CVE-2016-5696). The draw makes that count noisy, not
 * useless; Linux >= 6.0 therefore defaults to no shared limit and a 0.5 s
 * per-socket limit instead, which would cost bytes in every connection here.
 */
#include <rte_random.h>

#include "net.h"
#include "tcp_priv.h"

void tcp_challenge_init(struct hl_tcp *t)
{
	if (t->p.challenge_ack_limit == 0)
		t->p.challenge_ack_limit = HL_TCP_CHALLENGE_ACK_DEF;
	t->chack_sec = t->now / 1000 - 1; /* the first challenge opens its second */
	t->chack_left = 0;
}

/* Take one challenge ACK from this second's budget. @return false: spent. */
static bool tcp_challenge_allowed(struct hl_tcp *t)
{
	uint32_t limit = t->p.challenge_ack_limit, sec = t->now / 1000;

	if (limit == UINT32_MAX)
		return true;
	if (sec != t->chack_sec) {
		t->chack_sec = sec;
		t->chack_left =
			(uint32_t)RTE_MIN(limit / 2 + rte_rand_max(limit), (uint64_t)UINT32_MAX);
	}
	if (t->chack_left == 0)
		return false;
	t->chack_left--;
	return true;
}

void tcp_send_challenge_ack(struct hl_tcp *t, struct hl_tcp_conn *c)
{
	if (!tcp_challenge_allowed(t)) {
		HL_COUNT(t->w, TCP_CHALLENGE_ACK_SUPPRESSED);
		return;
	}
	HL_COUNT(t->w, TCP_CHALLENGE_ACK);
	tcp_send_ack(t, c);
}
