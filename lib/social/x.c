/*
 * x.c - a post through the X API v2.
 *
 * POST {X_API_URL}/2/tweets {"text":...} with the owner's OAuth 2.0 user
 * access token (scope tweet.write) as bearer; 201 {"data":{"id","text"}}.
 * Errors are problem JSON {"title","detail","type","status"}: a duplicate
 * is 403 with a detail saying so ("You are not allowed to create a Tweet
 * with duplicate content."), another 403 a refusal by X's rules, 401 a
 * token expired or revoked, 429 a rate limit whose end is the epoch in
 * x-rate-limit-reset (X sends no Retry-After).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* The epoch seconds of x-rate-limit-reset, or 0. */
static time_t reset_time(const char *h)
{
	char *end;
	long long t;

	if (!h || !*h)
		return 0;
	t = strtoll(h, &end, 10);
	return *end == '\0' && t > 0 && t < 100000000000LL ? (time_t)t : 0;
}

int x_reply(long status, const char *body, size_t len, const char *reset,
    struct social_result *r)
{
	json_t *o = NULL;
	const char *id = NULL, *detail = NULL, *title = NULL;
	int rc, dup = 0;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status >= 200 && status < 300) {
		/* published: an ID we cannot read does not undo that */
		if (o && json_unpack(o, "{s:{s:s}}", "data", "id", &id) == 0 &&
		    *id && strlen(id) < 32 && id[strspn(id, "0123456789")] == '\0') {
			snprintf(r->id, sizeof r->id, "%s", id);
			snprintf(r->url, sizeof r->url, "https://x.com/i/web/status/%s",
			    id);
		} else
			snprintf(r->id, sizeof r->id, "unknown");
		json_decref(o);
		return 0;
	}
	if (json_is_object(o)) {
		json_unpack(o, "{s:s}", "detail", &detail);
		json_unpack(o, "{s:s}", "title", &title);
	}
	if (!detail)
		detail = title;
	dup = status == 403 && detail && strcasestr(detail, "duplicate");
	rc = social_fail(NET_X, status, dup, status == 403 && !dup, detail,
	    reset_time(reset), -1, r);
	json_decref(o);
	return rc;
}

/* One POST of body with the access token; *status gets the HTTP status
 * (0 when no reply came). Returns as x_reply. */
static int post_once(const char *url, const char *body, const char *token,
    struct social_result *r, long *status)
{
	char auth[4200];
	const char *hdrs[] = { auth, "Content-Type: application/json", NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	int rc = -1;

	*status = 0;
	if (social_bearer(auth, sizeof auth, token) < 0)
		return -1;
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.timeout = social_timeout();
	rq.max_response = 1 << 20;
	rq.capture = "x-rate-limit-reset";
	if (social_send(&rq, &rs, r) == 0) {
		*status = rs.status;
		rc = x_reply(rs.status, rs.body, rs.len, rs.captured, r);
		http_resp_free(&rs);
	}
	sodium_memzero(auth, sizeof auth);
	return rc;
}

int x_publish(const struct social_post *p, struct social_result *r)
{
	struct x_tokens t;
	char url[1024], *body = NULL;
	json_t *o = NULL;
	long status;
	int rc = -1;

	snprintf(url, sizeof url, "%s/2/tweets",
	    config_get_default("X_API_URL", "https://api.x.com"));
	if (x_tokens(&t) < 0)
		goto out;
	if (!(o = json_pack("{s:s}", "text", p->text)) ||
	    !(body = json_dumps(o, JSON_COMPACT))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	rc = post_once(url, body, t.access, r, &status);
	/* 401: the two-hour access token ran out (nothing was posted); one
	 * new one from the refresh token, and one more try */
	if (rc < 0 && status == 401) {
		if ((rc = x_refresh(&t)) == 0) {
			memset(r, 0, sizeof *r);
			rc = post_once(url, body, t.access, r, &status);
		}
	}
out:
	sodium_memzero(&t, sizeof t);
	json_decref(o);
	free(body);
	return rc;
}
