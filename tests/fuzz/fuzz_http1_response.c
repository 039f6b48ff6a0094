/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: HTTP/1 response streams (see fuzz_http1.h). */
#include "fuzz_http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(HL_HTTP1_RESPONSE, data, size);
	return 0;
}
