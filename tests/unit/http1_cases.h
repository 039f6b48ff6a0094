/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Case tables for the HTTP/1 parser tests: an input stream and the summary the parser must
 * produce (see http1_harness.h). A summary has one entry per message, separated by " | ":
 *   request:  METHOD TARGET 1.V FRAMING[=CL] ka|close [extras] [b=PAYLOAD]
 *   response: STATUS 1.V FRAMING[=CL] ka|close [extras] [b=PAYLOAD]
 *   rejected: E<status>:<reason>
 * Every case is also run cut at every byte boundary and at random multi-segment cuts.
 */
#ifndef HL_TEST_HTTP1_CASES_H
#define HL_TEST_HTTP1_CASES_H

#include <stddef.h>

enum h1_cfg { CFG_DEFAULT = 0, CFG_SMALL, CFG_NAMES };

struct h1_case {
	const char *sect; /* RFC section the case is about */
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
	const char *methods; /* responses: the requests' methods */
	enum h1_cfg cfg;
};

#define C(sect, name, in, want)                                                                    \
	{                                                                                          \
		sect, name, in, 0, want, NULL, CFG_DEFAULT                                         \
	}
#define CB(sect, name, in, want)                                                                   \
	{                                                                                          \
		sect, name, in, sizeof(in) - 1, want, NULL, CFG_DEFAULT                            \
	}
#define CM(sect, name, in, methods, want)                                                          \
	{                                                                                          \
		sect, name, in, 0, want, methods, CFG_DEFAULT                                      \
	}
#define CC(sect, name, cfg, in, want)                                                              \
	{                                                                                          \
		sect, name, in, 0, want, NULL, cfg                                                 \
	}

/* A request head with Host, for brevity. */
#define RQ(line, fields) line "\r\nHost: h\r\n" fields "\r\n"

#endif /* HL_TEST_HTTP1_CASES_H */
