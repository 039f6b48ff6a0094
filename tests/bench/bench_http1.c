/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1 parser benchmark: a corpus of requests as model-serving clients send them (POST, JSON
 * body, 8-15 fields, a hint, keep-alive) and of replica responses, parsed in place from one
 * segment, head and body, in a loop. Also a ~700-byte browser-style GET (the shape of
 * picohttpparser's bench.c request, written here) and a ~400-byte header block. The best of
 * several rounds is reported, as `name: value unit`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hintlb/http1.h"

#define ROUNDS    31
#define TARGET_NS 20000000.0 /* per round; the best round counts */

#define JSON_BODY                                                                                  \
	"{\"model\":\"llama-3-70b-instruct\",\"messages\":[{\"role\":\"user\",\"content\":"        \
	"\"Summarise the attached document in three sentences.\"}],\"max_tokens\":256,"            \
	"\"temperature\":0.7,\"stream\":false}"

/* An OpenAI-style chat request head, without its Content-Length. */
#define CHAT_HEAD                                                                                  \
	"POST /v1/chat/completions HTTP/1.1\r\n"                                                   \
	"Host: inference.internal:8080\r\n"                                                        \
	"User-Agent: OpenAI/Python 1.35.3\r\n"                                                     \
	"Accept: application/json\r\n"                                                             \
	"Accept-Encoding: gzip, deflate\r\n"                                                       \
	"Content-Type: application/json\r\n"                                                       \
	"Authorization: Bearer sk-test-4f8a1c2e9b7d4e3fa1c2e9b7d4e3fa1c\r\n"                       \
	"X-Fal-Runner-Hint: llama-3-70b-instruct\r\n"                                              \
	"X-Request-Id: 7d1f3c9a-2b4e-4f6a-9c8d-1e2f3a4b5c6d\r\n"                                   \
	"Connection: keep-alive\r\n"

static const char *const requests[] = {
	CHAT_HEAD "Content-Length: 175\r\n\r\n" JSON_BODY,

	"POST /fal-ai/flux/dev HTTP/1.1\r\n"
	"Host: gpu-pool.example.net\r\n"
	"User-Agent: fal-client/0.4.1 python/3.11\r\n"
	"Accept: */*\r\n"
	"Content-Type: application/json\r\n"
	"Authorization: Key 9a8b7c6d:5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b\r\n"
	"X-Fal-Runner-Hint: flux-dev-fp8\r\n"
	"X-Fal-Request-Timeout: 120\r\n"
	"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
	"Connection: keep-alive\r\n"
	"Content-Length: 112\r\n\r\n"
	"{\"prompt\":\"a lighthouse at dusk, oil painting\",\"image_size\":\"landscape_16_9\","
	"\"num_inference_steps\":28,\"seed\":42}",

	"POST /v1/embeddings HTTP/1.1\r\n"
	"Host: embed.internal\r\n"
	"Content-Type: application/json\r\n"
	"Accept: application/json\r\n"
	"X-Fal-Runner-Hint: bge-large-en-v1.5\r\n"
	"User-Agent: node-fetch/3.3.2\r\n"
	"Accept-Encoding: gzip, br\r\n"
	"Connection: keep-alive\r\n"
	"Content-Length: 59\r\n\r\n"
	"{\"input\":[\"hintlb routes by model\"],\"model\":\"bge-large-en\"}",

	"POST /generate HTTP/1.1\r\n"
	"Host: 10.0.3.17:8000\r\n"
	"User-Agent: python-httpx/0.27.0\r\n"
	"Accept: application/json\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Content-Type: application/json\r\n"
	"X-Fal-Runner-Hint: mistral-7b-instruct-v0.3\r\n"
	"X-Request-Id: 01J5ZQ3K8W2M4N6P8R0T2V4X6Z\r\n"
	"X-Forwarded-For: 203.0.113.7\r\n"
	"X-Forwarded-Proto: https\r\n"
	"Cache-Control: no-cache\r\n"
	"Priority: u=1\r\n"
	"Connection: keep-alive\r\n"
	"Transfer-Encoding: chunked\r\n\r\n"
	"3f\r\n{\"inputs\":\"Write a haiku about load balancers\",\"parameters\":{}}\r\n"
	"0\r\n\r\n",
};

static const char *const responses[] = {
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Date: Tue, 12 Nov 2024 10:15:32 GMT\r\n"
	"Server: uvicorn\r\n"
	"X-Fal-Runner-Hints: llama-3-70b-instruct, mistral-7b-instruct-v0.3, bge-large-en-v1.5\r\n"
	"X-Request-Id: 7d1f3c9a-2b4e-4f6a-9c8d-1e2f3a4b5c6d\r\n"
	"Connection: keep-alive\r\n"
	"Content-Length: 146\r\n\r\n"
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
	"\"message\":{\"role\":\"assistant\",\"content\":\"Done.\"}}],\"usage\":{\"total_tokens\":"
	"9}}",

	"HTTP/1.1 200 OK\r\n"
	"Content-Type: text/event-stream\r\n"
	"Cache-Control: no-cache\r\n"
	"X-Fal-Runner-Hints: flux-dev-fp8, sdxl-turbo\r\n"
	"Transfer-Encoding: chunked\r\n\r\n"
	"1d\r\ndata: {\"token\":\"The\",\"i\":0}\n\n\r\n"
	"1d\r\ndata: {\"token\":\"end\",\"i\":1}\n\n\r\n"
	"d\r\ndata: [DONE]\n\r\n"
	"0\r\n\r\n",

	"HTTP/1.1 503 Service Unavailable\r\n"
	"Content-Type: application/json\r\n"
	"Retry-After: 2\r\n"
	"X-Fal-Runner-Hints:\r\n"
	"Content-Length: 24\r\n\r\n"
	"{\"error\":\"model busy\"}\r\n",
};

/*
 * A browser GET of 703 bytes, the size and shape of picohttpparser's bench.c request (written
 * here: picohttpparser parses that one in about 110 ns with -march=native, our target).
 */
static const char req_700[] =
	"GET /static/images/2023/05/mountain-lake-sunrise-panorama-large.jpg HTTP/1.1\r\n"
	"Host: photos.example.org\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0 "
	"Extra/1.2\r\n"
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8\r\n"
	"Accept-Language: fr,en-us;q=0.7,en;q=0.3\r\n"
	"Accept-Encoding: gzip,deflate\r\n"
	"Accept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n"
	"Keep-Alive: 115\r\n"
	"Connection: keep-alive\r\n"
	"Referer: https://photos.example.org/galleries/2023/05/mountain?page=2\r\n"
	"Cookie: session_visits=4; session_last=1683012345; _ga=GA1.2.1234567890.1683012345; "
	"_gid=GA1.2.9876543210.1683012345; pref=lang%3Dfr%7Ctheme%3Ddark|src=news.example.com|"
	"campaign=spring\r\n"
	"\r\n";
_Static_assert(sizeof(req_700) - 1 == 703, "the picohttpparser-shaped GET is 703 bytes");

/* A model-serving request head of about 400 bytes. */
static const char req_400[] = CHAT_HEAD "Content-Length: 0\r\n\r\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Parse one whole message in place; returns the bytes it spanned, 0 on error. */
static size_t parse_one(struct hl_http1_parser *p, const char *msg, size_t len)
{
	struct hl_http1_seg seg = {(const uint8_t *)msg, len};
	struct hl_http1_body res;
	size_t used;

	if (hl_http1_parse_head(p, &seg, 1, &used))
		return 0;
	if (!hl_http1_in_body(p))
		return used;
	if (hl_http1_parse_body(p, (const uint8_t *)msg + used, len - used, &res))
		return 0;
	return used + res.consumed;
}

/* Best ns per message over ROUNDS rounds of the corpus; *bytes gets bytes per message. */
static double bench(enum hl_http1_dir dir, const char *const *msgs, size_t n, double *bytes)
{
	static struct hl_http1_config cfg;
	static struct hl_http1_field fields[100];
	struct hl_http1_parser p;
	size_t lens[16], total = 0, iters = 1000;
	double best = 1e30;

	hl_http1_config_init(&cfg);
	if (hl_http1_parser_init(&p, &cfg, dir, fields, 100))
		exit(1);
	for (size_t i = 0; i < n; i++) {
		lens[i] = strlen(msgs[i]);
		total += lens[i];
		if (parse_one(&p, msgs[i], lens[i]) != lens[i]) {
			fprintf(stderr, "bench_http1: corpus message %zu does not parse: %s\n", i,
				hl_http1_err_name(hl_http1_error(&p)));
			exit(1);
		}
	}
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), dt;
		size_t sink = 0;

		for (size_t k = 0; k < iters; k++)
			for (size_t i = 0; i < n; i++)
				sink += parse_one(&p, msgs[i], lens[i]);
		dt = now_ns() - t0;
		if (sink != iters * total)
			exit(1);
		if (dt / (double)(iters * n) < best)
			best = dt / (double)(iters * n);
		if (dt < TARGET_NS / 4)
			iters = (size_t)((double)iters * TARGET_NS / (dt > 1 ? dt : 1));
	}
	*bytes = (double)total / (double)n;
	return best;
}

static void report(const char *name, double ns, double bytes, int gbs)
{
	printf("%s: %.1f ns/msg\n", name, ns);
	if (gbs)
		printf("%s: %.2f GB/s\n", name, bytes / ns);
}

int main(void)
{
	const char *one[1];
	double ns, bytes;

	ns = bench(HL_HTTP1_REQUEST, requests, sizeof(requests) / sizeof(requests[0]), &bytes);
	report("http1_request_parse", ns, bytes, 1);
	ns = bench(HL_HTTP1_RESPONSE, responses, sizeof(responses) / sizeof(responses[0]), &bytes);
	report("http1_response_parse", ns, bytes, 1);
	one[0] = req_700;
	ns = bench(HL_HTTP1_REQUEST, one, 1, &bytes);
	printf("http1_request_%.0fB_get: %.1f ns/msg\n", bytes, ns);
	one[0] = req_400;
	ns = bench(HL_HTTP1_REQUEST, one, 1, &bytes);
	printf("http1_request_%.0fB_head: %.1f ns/msg\n", bytes, ns);
	return 0;
}
