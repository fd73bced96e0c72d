/*
 * httputil.c - what the callers of http_do share beyond the transport: which
 * statuses are worth a retry, the backoff between tries, URL encoding, and
 * a GET with a bearer token.
 * Kept apart from http.c so that a fuzz harness can link the API clients
 * against a transport of its own (t/fuzz/api_reply.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http/http.h"

int http_status_retryable(long status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 ||
	    status == 504 || status == 529;
}

void http_backoff(int attempt, double base, long retry_after)
{
	const char *o = getenv("AIE_HTTP_BACKOFF");
	double secs;
	struct timespec ts;

	if (o && *o)
		base = strtod(o, NULL);
	secs = base;
	while (--attempt > 0)
		secs *= 2;
	if (retry_after >= 0)
		secs = retry_after > 300 ? 300 : (double)retry_after;
	if (o && *o && retry_after >= 0)
		secs = base;    /* tests: never wait what a fake server asks */
	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *http_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(3 * n + 1);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

int http_get_bearer(const char *url, const char *token, size_t max,
    struct http_resp *rs)
{
	static const char pre[] = "Authorization: Bearer ";
	size_t size = sizeof pre + strlen(token);
	char *auth;
	const char *hdrs[] = { NULL, NULL };
	struct http_req rq = { 0 };
	int r;

	if (strpbrk(token, "\r\n"))
		return aie_fail(EX_CONFIG, "the bearer token holds a line break");
	if (!(auth = malloc(size)))
		return aie_fail_errno(EX_TEMP, "bearer header");
	snprintf(auth, size, "%s%s", pre, token);
	hdrs[0] = auth;
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.timeout = 30;
	rq.max_response = max;
	r = http_do(&rq, rs);
	sodium_memzero(auth, size);
	free(auth);
	return r;
}
