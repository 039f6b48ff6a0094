/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the routing core's unit tests (test_maglev, test_hint_table,
 * test_route): routers and workers a test makes are tracked and released by
 * rh_teardown() too, so a failed assertion leaks nothing and ASan's leak
 * check stays meaningful; rh_main() runs a group under a device-less EAL.
 */
#ifndef HL_TEST_ROUTE_HARNESS_H
#define HL_TEST_ROUTE_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "hintlb/route.h"

#define RH_MAX 4 /* routers, and workers, one test may hold */

/* Track @r (may be NULL: returned as is). Fails the test past RH_MAX. */
struct hl_router *rh_router_track(struct hl_router *r);
/* Free a tracked router now. */
void rh_router_done(struct hl_router *r);
/* hl_route_worker_init() into a tracked slot; NULL with *rc on failure. */
struct hl_route_worker *rh_worker_try(struct hl_router *r, bool qsbr, int *rc);
/* rh_worker_try() that fails the test on error. */
struct hl_route_worker *rh_worker_new(struct hl_router *r, bool qsbr);
/* Release a tracked worker now. */
void rh_worker_done(struct hl_route_worker *w);
/* cmocka teardown: release every tracked worker, then every router. */
int rh_teardown(void **state);
/* Initialise the EAL (no hugepages, no devices, lcores 0 and 1), run the
 * group, clean up. Returns cmocka's result, or 1 when the EAL fails. */
int rh_main(const char *name, char *argv0, const struct CMUnitTest *tests, size_t n);

#endif /* HL_TEST_ROUTE_HARNESS_H */
