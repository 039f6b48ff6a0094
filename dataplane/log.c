/* SPDX-License-Identifier: BSD-3-Clause */
/* The "hintlb" rte_log type. Written once at start, before any worker runs. */
#include "hintlb/log.h"

int hl_logtype = RTE_LOGTYPE_USER1;

void hl_log_init(void)
{
	int t = rte_log_register_type_and_pick_level("hintlb", RTE_LOG_INFO);

	if (t >= 0)
		hl_logtype = t;
}
