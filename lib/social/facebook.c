/*
 * facebook.c - a post on a Facebook Page through the Graph API.
 *
 * POST {FACEBOOK_GRAPH_URL}/{FACEBOOK_API_VERSION}/{FACEBOOK_PAGE_ID}/feed,
 * a form body message (and link), the Page access token as bearer; 200
 * {"id":"<page>_<post>"}. Errors are the Graph envelope {"error":{
 * "message","type","code","error_subcode","fbtrace_id"}}, told apart by
 * code, not by HTTP status (an expired token is often a 400): 190 the
 * token expired or was revoked, 4, 17, 32, 341 and 613 throttling, 1 and
 * 2 a failing service, 506 a duplicate post, 368 a refusal by policy, 10
 * and 200-299 a permission the token lacks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

int facebook_reply(long status, const char *body, size_t len,
    long retry_after, struct social_result *r)
{
	json_t *o = NULL;
	const char *id = NULL, *msg = NULL;
	json_int_t code = 0;
	int rc;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status >= 200 && status < 300) {
		/* published: an ID we cannot read does not undo that */
		if (o && json_unpack(o, "{s:s}", "id", &id) == 0 && *id &&
		    strlen(id) < 100 && id[strspn(id, "0123456789_")] == '\0') {
			snprintf(r->id, sizeof r->id, "%s", id);
			snprintf(r->url, sizeof r->url, "https://www.facebook.com/%s",
			    id);
		} else
			snprintf(r->id, sizeof r->id, "unknown");
		json_decref(o);
		return 0;
	}
	if (o)
		json_unpack(o, "{s:{s?s, s?I}}", "error", "message", &msg, "code",
		    &code);
	if (code == 190)
		rc = social_fail(NET_FACEBOOK, 401, 0, 0, msg, 0, -1, r);
	else if (code == 4 || code == 17 || code == 32 || code == 341 ||
	    code == 613)
		rc = social_fail(NET_FACEBOOK, 429, 0, 0, msg, 0, retry_after, r);
	else if (code == 1 || code == 2)
		rc = social_fail(NET_FACEBOOK, status >= 500 ? status : 503, 0, 0,
		    msg, 0, retry_after, r);
	else if (code == 10 || (code >= 200 && code <= 299))
		rc = aie_fail(EX_CONFIG, "facebook: the Page token lacks a "
		    "permission (Graph error %lld): make a Page access token with "
		    "pages_manage_posts and put it in FACEBOOK_PAGE_TOKEN",
		    (long long)code);
	else
		rc = social_fail(NET_FACEBOOK, status, code == 506, code == 368, msg,
		    0, retry_after, r);
	json_decref(o);
	return rc;
}

int facebook_publish(const struct social_post *p, struct social_result *r)
{
	const char *base, *version, *page, *token;
	char auth[4200], url[1024], *msg = NULL, *link = NULL, *body = NULL;
	const char *hdrs[] = { auth,
	    "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	int rc = -1;

	base = config_get_default("FACEBOOK_GRAPH_URL", "https://graph.facebook.com");
	version = config_get_default("FACEBOOK_API_VERSION", "v21.0");
	if (social_need("FACEBOOK_PAGE_TOKEN", &token) < 0 ||
	    social_need("FACEBOOK_PAGE_ID", &page) < 0)
		return -1;
	if (!*page || page[strspn(page, "0123456789")] != '\0')
		return aie_fail(EX_CONFIG, "FACEBOOK_PAGE_ID is not a number");
	if (social_bearer(auth, sizeof auth, token) < 0)
		return -1;
	snprintf(url, sizeof url, "%s/%.20s/%.40s/feed", base, version, page);
	if (!(msg = http_urlencode(p->text)) ||
	    (p->link && *p->link && !(link = http_urlencode(p->link))) ||
	    asprintf(&body, "message=%s%s%s", msg, link ? "&link=" : "",
	    link ? link : "") < 0) {
		body = NULL;
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = strlen(body);
	rq.timeout = social_timeout();
	rq.max_response = 1 << 20;
	if (social_send(&rq, &rs, r) == 0) {
		rc = facebook_reply(rs.status, rs.body, rs.len, rs.retry_after, r);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(auth, sizeof auth);
	free(msg);
	free(link);
	free(body);
	return rc;
}
