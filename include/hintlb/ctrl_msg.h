/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What workers tell the control thread, the one wire format both sides use.
 *
 * Workers never write shared state (the router's tables, replica health):
 * they put a message on the control thread's ring (MP/SC rte_ring) and the
 * control thread, the router's only writer, applies it. Messages come from
 * one shared mempool (MP/MC) and go back to it once applied. A full ring or
 * an empty pool loses the message, counted by the worker
 * (ctrl_msg_dropped): a hint list that was not passed on is passed on with
 * the replica's next response, a health event is one of a run.
 */
#ifndef HINTLB_CTRL_MSG_H
#define HINTLB_CTRL_MSG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of one message object (header and value). */
#define HL_CTRL_MSG_SIZE 2048
/** Messages in the shared pool, and ring entries. */
#define HL_CTRL_MSGS 1024

enum hl_ctrl_msg_type {
	HL_CTRL_MSG_HINTS = 1,  /**< a replica's hints response header changed */
	HL_CTRL_MSG_HEALTH = 2, /**< a request to a replica failed or succeeded */
};

/** HL_CTRL_MSG_HEALTH events. */
enum hl_ctrl_health_event {
	HL_CTRL_HEALTH_OK = 0,           /**< a response after failures (resets the run) */
	HL_CTRL_HEALTH_CONNECT_FAIL = 1, /**< refused, timed out, no source port */
	HL_CTRL_HEALTH_RESET = 2,        /**< reset or closed during a request */
	HL_CTRL_HEALTH_TIMEOUT = 3,      /**< no response within replica_response_timeout_ms */
	HL_CTRL_HEALTH_5XX = 4,          /**< answered 5xx */
	HL_CTRL_HEALTH_CHECK_OK = 5,     /**< an active check passed */
	HL_CTRL_HEALTH_CHECK_FAIL = 6,   /**< an active check failed */
	HL_CTRL_HEALTH_EVENT_COUNT
};

struct hl_ctrl_msg {
	uint8_t type;     /**< enum hl_ctrl_msg_type */
	uint8_t kind;     /**< HINTS: enum hl_hints_kind; HEALTH: enum hl_ctrl_health_event */
	uint16_t worker;  /**< sender's worker id */
	uint32_t replica; /**< replica id */
	uint64_t tsc;     /**< the sender's rte_rdtsc() when it sent it */
	uint32_t len;     /**< HINTS: bytes of value */
	uint32_t pad;
	/** HINTS with kind HL_HINTS_LIST: the valid entries, comma separated */
	char value[HL_CTRL_MSG_SIZE - 24];
};

_Static_assert(sizeof(struct hl_ctrl_msg) == HL_CTRL_MSG_SIZE, "one message per pool object");

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_CTRL_MSG_H */
