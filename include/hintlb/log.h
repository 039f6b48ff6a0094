/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * hintlb's own rte_log type ("hintlb", default level INFO; change it with
 * the EAL option --log-level=hintlb:debug). For rare events and errors only:
 * anything per packet is a counter (hintlb/counters.h).
 */
#ifndef HINTLB_LOG_H
#define HINTLB_LOG_H

#include <rte_log.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The log type; registered by hl_log_init(), RTE_LOGTYPE_USER1 before that. */
extern int hl_logtype;

/** Register the "hintlb" log type. Call once, after rte_eal_init(). */
void hl_log_init(void);

/** HL_LOG(NOTICE, "port %s: up\n", name): level is an RTE_LOG_ suffix. */
#define HL_LOG(level, ...) rte_log(RTE_LOG_##level, hl_logtype, "hintlb: " __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif /* HINTLB_LOG_H */
