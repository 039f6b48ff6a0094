/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the request cases of the parser's table (tests/unit/http1_cases_request.h)
 * that the proxy must refuse, one per line, for http_smuggle.py:
 *   SECTION<TAB>NAME<TAB>HEX(INPUT)<TAB>WANT
 * where WANT is "E<status>:<reason>". Only single-message cases with the default
 * limits: those are the ones a client can send as they are.
 */
#include <stdio.h>
#include <string.h>

#include "http1_cases_request.h"

int main(void)
{
	for (size_t i = 0; i < sizeof(request_cases) / sizeof(request_cases[0]); i++) {
		const struct h1_case *c = &request_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in);

		if (c->cfg != CFG_DEFAULT || c->want[0] != 'E' || strchr(c->want, '|') != NULL)
			continue;
		printf("%s\t%s\t", c->sect, c->name);
		for (size_t j = 0; j < len; j++)
			printf("%02x", (unsigned char)c->in[j]);
		printf("\t%s\n", c->want);
	}
	return 0;
}
