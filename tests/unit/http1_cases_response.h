/* SPDX-License-Identifier: BSD-3-Clause */
/* Response cases, grouped by the RFC section they exercise. See http1_cases.h. */
#ifndef HL_TEST_HTTP1_CASES_RESPONSE_H
#define HL_TEST_HTTP1_CASES_RESPONSE_H

#include "http1_cases.h"

#define OK200 "HTTP/1.1 200 OK\r\n"

static const struct h1_case response_cases[] = {
	/* RFC 9112 section 4: status line */
	C("9112-4", "200 with length", OK200 "Content-Length: 2\r\n\r\nhi", "200 1.1 len=2 ka b=2"),
	C("9112-4", "no reason phrase", "HTTP/1.1 204 \r\n\r\n", "204 1.1 none ka"),
	C("9112-4", "no SP after status", "HTTP/1.1 204\r\n\r\n", "204 1.1 none ka"),
	C("9112-4", "reason with obs-text", "HTTP/1.1 204 N\xc3\xa9 \t!\r\n\r\n",
	  "204 1.1 none ka"),
	C("9112-4", "reason with NUL", "HTTP/1.1 204 A\x01\r\n\r\n", "E502:field_value"),
	C("9112-4", "reason with bare LF", "HTTP/1.1 204 OK\n\r\n", "E502:bare_lf"),
	C("9112-4", "status of 4 digits", "HTTP/1.1 2000 OK\r\n\r\n", "E502:status"),
	C("9112-4", "status of 2 digits", "HTTP/1.1 20 OK\r\n\r\n", "E502:status"),
	C("9112-4", "status 099", "HTTP/1.1 099 X\r\n\r\n", "E502:status"),
	C("9112-4", "status 600", "HTTP/1.1 600 X\r\n\r\n", "E502:status"),
	C("9112-4", "two spaces before status", "HTTP/1.1  200 OK\r\n\r\n", "E502:status"),
	C("9112-4", "tab before status", "HTTP/1.1\t200 OK\r\n\r\n", "E502:start_line"),
	C("9112-4", "version 1.2", "HTTP/1.2 200 OK\r\n\r\n", "E502:version_unsupported"),
	C("9112-4", "version 2", "HTTP/2 200 OK\r\n\r\n", "E502:version"),
	C("9112-4", "not HTTP", "ICY 200 OK\r\n\r\n", "E502:version"),
	C("9112-4", "leading empty line", "\r\n" OK200 "\r\n", "E502:version"),
	C("9112-4", "status line truncated", "HTTP/1.1 200 O", "E502:truncated"),

	/* RFC 9112 section 5 and RFC 9110 section 5.5: field lines */
	C("9112-5.1", "space before colon", OK200 "Content-Length : 1\r\n\r\nx", "E502:name_ws"),
	C("9112-5.2", "obs-fold", OK200 "X: a\r\n b\r\nContent-Length: 0\r\n\r\n", "E502:obs_fold"),
	C("9112-2.2", "bare LF", OK200 "Content-Length: 0\n\r\n", "E502:bare_lf"),
	C("9112-2.2", "bare CR", OK200 "Content-Length: 0\r\r\n\r\n", "E502:bare_cr"),
	CB("9110-5.5", "NUL in value", OK200 "X: \0\r\n\r\n", "E502:field_value"),
	C("9110-5.5", "Host is not checked in responses",
	  OK200 "Host: a b\r\nHost: c\r\nContent-Length: 0\r\n\r\n", "200 1.1 none ka"),

	/* RFC 9112 section 6.3: response framing */
	C("9112-6.3", "close-delimited", OK200 "\r\nabc", "200 1.1 close close b=3"),
	C("9112-6.3", "close-delimited empty", OK200 "\r\n", "200 1.1 close close b=0"),
	C("9112-6.3", "HTTP/1.0 with length", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	  "200 1.0 len=1 close b=1"),
	C("9112-6.3", "HTTP/1.0 keep-alive",
	  "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
	  "200 1.0 len=1 ka b=1"),
	C("9112-6.3", "Content-Length 0", OK200 "Content-Length: 0\r\n\r\n", "200 1.1 none ka"),
	C("9112-6.3", "204 ignores Content-Length",
	  "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
	  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	  "204 1.1 none ka | 200 1.1 none ka"),
	C("9112-6.3", "304 ignores Content-Length",
	  "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", "304 1.1 none ka"),
	C("9112-6.3", "304 ignores Transfer-Encoding",
	  "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", "304 1.1 none ka"),
	CM("9112-6.3", "HEAD response has no body",
	   OK200 "Content-Length: 10\r\n\r\n" OK200 "Content-Length: 2\r\n\r\nhi", "HEAD GET",
	   "200 1.1 none ka | 200 1.1 len=2 ka b=2"),
	CM("9112-6.3", "HEAD response with chunked", OK200 "Transfer-Encoding: chunked\r\n\r\n",
	   "HEAD", "200 1.1 none ka"),
	C("9112-6.3", "100 then 200",
	  "HTTP/1.1 100 Continue\r\n\r\n" OK200 "Content-Length: 1\r\n\r\nx",
	  "100 1.1 none ka interim | 200 1.1 len=1 ka b=1"),
	CM("9112-6.3", "103 then HEAD 200",
	   "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" OK200 "Content-Length: 9\r\n\r\n",
	   "HEAD", "103 1.1 none ka interim | 200 1.1 none ka"),
	C("9112-6.3", "101 switches",
	  "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
	  "Upgrade: websocket\r\n\r\n\x81\x05hello",
	  "101 1.1 none close upgrade=websocket conn-upgrade switch"),
	C("9112-6.3", "chunked", OK200 "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
	  "200 1.1 chunked ka b=4"),
	C("9112-6.3", "gzip, chunked",
	  OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
	  "200 1.1 chunked ka b=1"),
	C("9112-6.3", "gzip only: close-delimited", OK200 "Transfer-Encoding: gzip\r\n\r\nxyz",
	  "200 1.1 close close b=3"),
	C("9112-6.3", "chunked, gzip", OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n",
	  "E502:te_invalid"),
	C("9112-6.3", "chunked twice",
	  OK200 "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	  "E502:te_invalid"),
	C("9112-6.3", "Content-Length and Transfer-Encoding",
	  OK200 "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "E502:cl_te"),
	C("9112-6.3", "Content-Length invalid", OK200 "Content-Length: 1a\r\n\r\n",
	  "E502:cl_invalid"),
	C("9112-6.3", "Content-Length differ",
	  OK200 "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", "E502:cl_mismatch"),
	C("9112-6.3", "Transfer-Encoding in HTTP/1.0",
	  "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "E502:te_http10"),
	C("9112-6.3", "body truncated", OK200 "Content-Length: 5\r\n\r\nab",
	  "200 1.1 len=5 ka b=2 E502:truncated"),
	C("9112-7.1", "chunked truncated", OK200 "Transfer-Encoding: chunked\r\n\r\n5\r\nab",
	  "200 1.1 chunked ka b=2 E502:truncated"),
	C("9112-7.1", "bad chunk size", OK200 "Transfer-Encoding: chunked\r\n\r\nx\r\n",
	  "200 1.1 chunked ka b=0 E502:chunk_size"),
	C("9112-7.1", "chunked with trailers",
	  OK200 "Transfer-Encoding: chunked\r\n\r\n"
		"2;x=1\r\nab\r\n0\r\nServer-Timing: a;dur=1\r\n\r\n" OK200
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 chunked ka b=2 | 200 1.1 none ka"),
	C("9112-9.3.2", "pipelined responses",
	  OK200 "Content-Length: 1\r\n\r\nx" OK200
		"Transfer-Encoding: chunked\r\n\r\n1\r\ny\r\n0\r\n\r\n"
		"HTTP/1.1 404 Not Found\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 len=1 ka b=1 | 200 1.1 chunked ka b=1 | 404 1.1 none ka"),
	C("9110-7.6.1", "Connection close", OK200 "Connection: close\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none close"),

	/* hintlb: the replica's hints field */
	C("hints", "hints list", OK200 "X-Fal-Runner-Hints: a, b,c\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[a,b,c]"),
	C("hints", "hints empty", OK200 "x-fal-runner-hints:\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=empty"),
	C("hints", "hints only commas",
	  OK200 "X-Fal-Runner-Hints: , ,\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=empty"),
	C("hints", "hints absent", OK200 "Content-Length: 0\r\n\r\n", "200 1.1 none ka"),
	C("hints", "hints with OWS, tabs and empty elements",
	  OK200 "X-Fal-Runner-Hints: \ta , b,\t c ,,\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[a,b,c]"),
	C("hints", "hints with a tab inside an entry",
	  OK200 "X-Fal-Runner-Hints: a\tb, c\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[c] dropped=1"),
	C("hints", "hints with invalid entries",
	  OK200 "X-Fal-Runner-Hints: a, b c, \"q\", d/e, f\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[a,d/e,f] dropped=2"),
	C("hints", "hints all invalid",
	  OK200 "X-Fal-Runner-Hints: a b\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[] dropped=1"),
	C("hints", "hints empty elements",
	  OK200 "X-Fal-Runner-Hints: ,a,,b,\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[a,b]"),
	C("hints", "hints over two fields",
	  OK200 "X-Fal-Runner-Hints: a\r\nX: y\r\nX-Fal-Runner-Hints: b, c\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[a,b,c]"),
	/* Hint entries are token characters and "/": models are named by path. */
	C("hints", "hints model names",
	  OK200 "X-Fal-Runner-Hints: fal-ai/flux.1-dev, stabilityai/sdxl\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[fal-ai/flux.1-dev,stabilityai/sdxl]"),
	C("hints", "hint model path",
	  OK200 "X-Fal-Runner-Hints: fal-ai/flux-dev\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[fal-ai/flux-dev]"),
	C("hints", "hint model paths, slashes anywhere",
	  OK200 "X-Fal-Runner-Hints: /, a//b, /lead, trail/ ,x/y/z\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[/,a//b,/lead,trail/,x/y/z]"),
	C("hints", "hint entry with SP dropped",
	  OK200 "X-Fal-Runner-Hints: fal-ai/a b, ok\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[ok] dropped=1"),
	C("hints", "hint entry with DQUOTE dropped",
	  OK200 "X-Fal-Runner-Hints: a\"b, fal-ai/\"x\"\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[] dropped=2"),
	C("hints", "hint entry with semicolon dropped",
	  OK200 "X-Fal-Runner-Hints: a;b, fal-ai/x;q=1, c\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[c] dropped=2"),
	C("hints", "hint entry with other separators dropped",
	  OK200 "X-Fal-Runner-Hints: a\\b, (c), d:e, f@g, h?i, j=k, [l], {m}, n<o>\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[] dropped=9"),
	C("hints", "slash still not a token in Connection",
	  OK200 "Connection: a/b\r\nContent-Length: 0\r\n\r\n", "E502:connection"),
	C("hints", "hints token chars",
	  OK200 "X-Fal-Runner-Hints: fal-ai_flux.1~dev, llama-3-70b!\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[fal-ai_flux.1~dev,llama-3-70b!]"),
	C("hints", "hints over 64 entries",
	  OK200 "X-Fal-Runner-Hints: "
		"a0,a1,a2,a3,a4,a5,a6,a7,a8,a9,b0,b1,b2,b3,b4,b5,b6,b7,b8,b9,c0,c1,c2,c3,c4,c5,c6,"
		"c7,c8,c9,"
		"d0,d1,d2,d3,d4,d5,d6,d7,d8,d9,e0,e1,e2,e3,e4,e5,e6,e7,e8,e9,f0,f1,f2,f3,f4,f5,f6,"
		"f7,f8,f9,"
		"g0,g1,g2,g3,g4,g5,g6\r\nContent-Length: 0\r\n\r\n",
	  "200 1.1 none ka "
	  "hints=[a0,a1,a2,a3,a4,a5,a6,a7,a8,a9,b0,b1,b2,b3,b4,b5,b6,b7,b8,b9,c0,c1,c2,"
	  "c3,c4,c5,c6,c7,c8,c9,d0,d1,d2,d3,d4,d5,d6,d7,d8,d9,e0,e1,e2,e3,e4,e5,e6,e7,e8,e9,f0,f1,"
	  "f2,"
	  "f3,f4,f5,f6,f7,f8,f9,g0,g1,g2,g3] overflow=3"),
	C("hints", "hint entry of 256 bytes",
	  OK200 "X-Fal-Runner-Hints: ok, "
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[ok] dropped=1"),
	C("hints", "hint path entry of 255 bytes",
	  OK200 "X-Fal-Runner-Hints: "
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde, ok\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=["
	  "0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
	  "0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
	  "0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
	  "0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde,ok]"),
	C("hints", "hint path entry of 256 bytes",
	  OK200 "X-Fal-Runner-Hints: ok, "
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/"
		"0123456789abcde/0123456789abcde/0123456789abcde/0123456789abcde/\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka hints=[ok] dropped=1"),
	C("hints", "request hint field ignored in responses",
	  OK200 "X-Fal-Runner-Hint: a\r\n"
		"Content-Length: 0\r\n\r\n",
	  "200 1.1 none ka"),
	CC("hints", "configured hints name", CFG_NAMES,
	   OK200 "X-Models: m1,m2\r\nX-Fal-Runner-Hints: z\r\n"
		 "Content-Length: 0\r\n\r\n",
	   "200 1.1 none ka hints=[m1,m2]"),

	/* Limits (CFG_SMALL): a response over a limit is a 502 */
	CC("limits", "status line over max_line", CFG_SMALL,
	   "HTTP/1.1 200 0123456789012345678901234\r\n\r\n", "E502:line_too_long"),
	CC("limits", "status line at max_line", CFG_SMALL,
	   "HTTP/1.1 204 0123456789012345678\r\n\r\n", "204 1.1 none ka"),
	CC("limits", "too many fields", CFG_SMALL,
	   OK200 "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", "E502:too_many_fields"),
};

#endif /* HL_TEST_HTTP1_CASES_RESPONSE_H */
