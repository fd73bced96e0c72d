/*
 * http.h - the one wrapper around libcurl's easy interface for HTTP APIs
 * (LLM providers, WhatsApp, Twilio, Odoo): timeouts, a size-capped reply,
 * the status code, retry classification, and no auth header ever logged.
 */
#ifndef AIE_HTTP_H
#define AIE_HTTP_H

#include "base/base.h"

struct http_req {
	const char *method;            /* "GET", "POST"; NULL = POST if body */
	const char *url;
	const char *const *headers;    /* NULL-terminated "Name: value" list */
	const char *body;              /* may be NULL */
	size_t bodylen;
	const char *userpwd;           /* "user:password" for HTTP Basic */
	long connect_timeout;          /* seconds; 0 = 10 */
	long timeout;                  /* seconds; 0 = 120 */
	size_t max_response;           /* bytes; 0 = 4 MiB */
	const char *capture;           /* a reply header to keep, or NULL */
};

struct http_resp {
	long status;                   /* 0 when no HTTP reply came */
	char *body;                    /* NUL-terminated, malloc'd */
	size_t len;
	long retry_after;              /* seconds from Retry-After, or -1 */
	char *etag;                    /* ETag header value, or NULL */
	char *captured;                /* rq->capture's value, or NULL */
	const char *capture_;          /* private: rq->capture, for http.c */
};

/* Perform the request. 0 when an HTTP reply came (any status: look at
 * rs->status); -1 when none did, with aie_errcode 69 (refused, DNS, TLS)
 * or 75 (timeout, reset) and the reason. Free rs with http_resp_free. */
int http_do(const struct http_req *rq, struct http_resp *rs);
void http_resp_free(struct http_resp *rs);

/* Is this status worth a retry (429 500 502 503 504 529)? */
int http_status_retryable(long status);

/* Sleep before retry number attempt (1, 2, ...): base * 2^(attempt-1)
 * seconds, or retry_after when it is given (capped at 300). base may be
 * fractional; $AIE_HTTP_BACKOFF overrides base (tests use 0.01). */
void http_backoff(int attempt, double base, long retry_after);

/* GET url with "Authorization: Bearer token" (the header wiped once the
 * request is done), 30 seconds, a reply of at most max bytes: as http_do;
 * a token with a line break is refused (78) before anything is sent. */
int http_get_bearer(const char *url, const char *token, size_t max,
    struct http_resp *rs);

/* Percent-encode s for a URL or a form body; malloc'd. */
char *http_urlencode(const char *s);

#endif
