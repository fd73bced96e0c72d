/*
 * internal.h - what the files of lib/wa/ share and nobody else uses.
 */
#ifndef AIE_WA_INTERNAL_H
#define AIE_WA_INTERNAL_H

#include <string.h>
#include <time.h>

#include "http/http.h"

/* The Graph API's (or Twilio's) error of a reply: its code (0 when there
 * is none) and "HTTP N: message (code C): details" in msg. */
long wa_api_error(const struct http_resp *rs, char *msg, size_t size);

/* lib/buf.h's appends, with the status notify.c and notelog.c test. */
static inline int buf_put(struct buf *b, const char *s, size_t n)
{
	buf_add(b, s, n);
	return b->oom ? aie_fail(EX_TEMP, "out of memory") : 0;
}

static inline int buf_str(struct buf *b, const char *s)
{
	buf_adds(b, s);
	return b->oom ? aie_fail(EX_TEMP, "out of memory") : 0;
}

/* config.c: what every reader of the Graph API's settings shares: *timeout
 * from WA_TIMEOUT (30 s), the API's base from WA_GRAPH_URL and
 * WA_API_VERSION (the strings belong to config). 0, or -1 (78). */
int wa_graph_config(long *timeout, const char **graph_url,
    const char **api_version);
/* Fill in rq (zeroed by the caller, who may set more) for lib/wa's
 * requests: url, the NULL-terminated headers, body (NULL for a GET), the
 * settings' timeout (and at most 10 s of it to connect) and a reply of at
 * most max bytes. */
static inline void wa_req(struct http_req *rq, const char *url,
    const char *const *hdrs, const char *body, long timeout, size_t max)
{
	rq->method = body ? NULL : "GET";
	rq->url = url;
	rq->headers = hdrs;
	rq->body = body;
	rq->bodylen = body ? strlen(body) : 0;
	rq->timeout = timeout;
	rq->connect_timeout = timeout < 10 ? timeout : 10;
	rq->max_response = max;
}

struct wa_cfg;
/* config.c: c zeroed, then what wa_config and wa_reply_config both read: the
 * Graph API's settings and WA_ATTEMPTS. 0, or -1 (78). */
int wa_cfg_common(struct wa_cfg *c);

struct vault;
/* Take .state/<agent>/notify.lock (dir: vault_statedir's): the fd, or -1. */
int wa_notify_lock(struct vault *v, const char *dir);

#endif
