/*
 * social.c - publishing one post (see social.h): the dispatch to each
 * network's publisher, and what all publishers share: the request and the
 * classes of failure the post action acts on (vault-exec(1): 65 to the
 * owner at once, 75 tried again, 78 the owner must re-authorise). Which
 * networks are configured is config.c's, without libcurl.
 *
 * A 2xx reply is a published post whatever its body says: a publisher
 * never turns it into a failure (the post would be retried and published
 * twice); an ID it cannot read is recorded as unknown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* What the owner does when a network refuses its token. */
static const char *const reauth[NET_COUNT] = {
	"authorise the app on LinkedIn again (tokens last 60 days) and put the "
	    "new access token in LINKEDIN_TOKEN",
	"authorise the app on X again and put the new user access token in "
	    "X_TOKEN (with X_REFRESH_TOKEN and X_CLIENT_ID it is refreshed by "
	    "itself)",
	"make a new Page access token (Meta Business settings) and put it in "
	    "FACEBOOK_PAGE_TOKEN",
	"make a new access token with instagram_content_publish (Meta "
	    "Business settings) and put it in INSTAGRAM_TOKEN",
};

int social_need(const char *key, const char **dst)
{
	const char *v = config_get(key);

	if (!v || !*v)
		return aie_fail(EX_CONFIG, "%s is not set", key);
	*dst = v;
	return 0;
}

long social_timeout(void)
{
	long t = config_get_long("SOCIAL_TIMEOUT", 60);

	return t >= 1 && t <= 600 ? t : 60;
}

int social_bearer(char *buf, size_t size, const char *token)
{
	int n = snprintf(buf, size, "Authorization: Bearer %s", token);

	if (n < 0 || (size_t)n >= size || strpbrk(token, "\r\n"))
		return aie_fail(EX_CONFIG, "the access token is too long or holds "
		    "a line break");
	return 0;
}

int social_send(const struct http_req *rq, struct http_resp *rs,
    struct social_result *r)
{
	if (http_do(rq, rs) == 0)
		return 0;
	/* 69: nothing connected; 75: a time-out or reset, perhaps after the
	 * whole request was read by the network */
	r->maybe_sent = aie_errcode == EX_TEMP;
	return -1;
}

int social_request(const char *method, const char *url,
    const char *const *hdrs, const char *body, size_t len,
    const char *capture, struct http_resp *rs, struct social_result *r)
{
	struct http_req rq = { 0 };

	rq.method = method;
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = len;
	rq.timeout = social_timeout();
	rq.max_response = 1 << 20;
	rq.capture = capture;
	return social_send(&rq, rs, r);
}

int social_get(const char *url, const char *token, const char *const *extra,
    size_t max, const char *capture, struct http_resp *rs)
{
	char auth[4200];
	const char *hdrs[6] = { auth, NULL };
	struct http_req rq = { 0 };
	struct social_result r;
	int i, rc;

	if (social_bearer(auth, sizeof auth, token) < 0)
		return -1;
	for (i = 0; extra && extra[i] && i < 4; i++)
		hdrs[i + 1] = extra[i];
	hdrs[i + 1] = NULL;
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.timeout = social_timeout();
	rq.max_response = max;
	rq.capture = capture;
	memset(&r, 0, sizeof r);
	rc = social_send(&rq, rs, &r);
	sodium_memzero(auth, sizeof auth);
	return rc;
}

void social_reply_id(const char *body, size_t len, const char *key1,
    const char *key2, const char *allowed, size_t max, char *id,
    size_t size)
{
	json_t *o = body && len ? json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    NULL) : NULL;
	json_t *v = json_object_get(o, key1);
	const char *s;

	if (key2)
		v = json_object_get(v, key2);
	s = json_string_value(v);
	if (s && *s && strlen(s) < max && strlen(s) < size &&
	    s[strspn(s, allowed)] == '\0')
		snprintf(id, size, "%s", s);
	else
		snprintf(id, size, "unknown");
	json_decref(o);
}

/* The network's message, one line, printable, cut at 200 bytes. */
static void clean(char *dst, size_t size, const char *what)
{
	size_t i, n = 0;

	for (i = 0; what && what[i] && n + 1 < size && n < 200; i++)
		dst[n++] = (unsigned char)what[i] < 0x20 || what[i] == 0x7f ?
		    ' ' : what[i];
	dst[n] = '\0';
}

int social_fail(enum social_net net, long status, int duplicate, int policy,
    const char *what, time_t reset, long retry_after,
    struct social_result *r)
{
	const char *name = social_net_name(net);
	char msg[256], when[21];

	clean(msg, sizeof msg, what);
	if (duplicate)
		return aie_fail(EX_DATA, "%s: a duplicate: the network already has "
		    "this post (HTTP %ld%s%s)", name, status, *msg ? ": " : "", msg);
	if (policy)
		return aie_fail(EX_DATA, "%s: refused by the network's rules (HTTP "
		    "%ld%s%s)", name, status, *msg ? ": " : "", msg);
	if (status == 401)
		return aie_fail(EX_CONFIG, "%s: the access token expired or was "
		    "revoked (HTTP 401%s%s): %s", name, *msg ? ": " : "", msg,
		    reauth[net]);
	if (status == 429 || status >= 500) {
		if (reset > 0)
			r->retry_at = reset;
		else if (retry_after >= 0)
			r->retry_at = time(NULL) + retry_after;
		if (r->retry_at > 0)
			time_rfc3339(r->retry_at, when);
		return aie_fail(EX_TEMP, "%s: %s (HTTP %ld%s%s)%s%s", name,
		    status == 429 ? "rate limited" : "the network is failing",
		    status, *msg ? ": " : "", msg, r->retry_at > 0 ?
		    "; try again after " : "", r->retry_at > 0 ? when : "");
	}
	if (status >= 400)
		return aie_fail(EX_DATA, "%s: the post was refused (HTTP %ld%s%s)",
		    name, status, *msg ? ": " : "", msg);
	return aie_fail(EX_TEMP, "%s: unexpected HTTP status %ld", name, status);
}

int social_publish(const struct social_post *p, struct social_result *r)
{
	const struct social_images *im = p->images;
	size_t i;

	memset(r, 0, sizeof *r);
	if (social_check(p->net, p->text, im && im->n ? im->path[0] : NULL) < 0)
		return -1;
	if (im && im->n > social_images_max(p->net))
		return aie_fail(EX_DATA, "%s: %zu images, over the %zu a post may "
		    "have", social_net_name(p->net), im->n,
		    social_images_max(p->net));
	for (i = 0; im && i < im->n; i++)
		if (social_check(p->net, p->text, im->path[i]) < 0 ||
		    social_media_check(p->net, &im->m[i]) < 0 ||
		    (im->alt[i] && social_alt_check(p->net, im->alt[i]) < 0))
			return -1;
	switch (p->net) {
	case NET_LINKEDIN: return linkedin_publish(p, r);
	case NET_X: return x_publish(p, r);
	case NET_FACEBOOK: return facebook_publish(p, r);
	case NET_INSTAGRAM: return instagram_publish(p, r);
	default: return aie_fail(EX_DATA, "unknown network");
	}
}

int social_reply(enum social_net net, long status, const char *body,
    size_t len, const char *header, long retry_after,
    struct social_result *r)
{
	memset(r, 0, sizeof *r);
	switch (net) {
	case NET_LINKEDIN:
		return linkedin_reply(status, body, len, header, retry_after, r);
	case NET_X: return x_reply(status, body, len, header, r);
	case NET_FACEBOOK: return facebook_reply(status, body, len, retry_after, r);
	case NET_INSTAGRAM:
		return instagram_reply(status, body, len, retry_after, r);
	default:
		return aie_fail(EX_DOWN, "%s: no publisher", social_net_name(net));
	}
}

int social_upload_reply(enum social_net net, int step, long status,
    const char *body, size_t len, const char *header, long retry_after,
    char *id, size_t isize, char *url, size_t usize,
    struct social_result *r)
{
	memset(r, 0, sizeof *r);
	switch (net) {
	case NET_LINKEDIN:
		if (step)
			return linkedin_image_reply(status, body, len, retry_after,
			    id, isize, r);
		return linkedin_upload_reply(status, body, len, header,
		    retry_after, url, usize, id, isize, r);
	case NET_X: return x_upload_reply(status, body, len, header, id, isize, r);
	case NET_INSTAGRAM:
		return instagram_step_reply(status, body, len, retry_after,
		    step ? "status_code" : "id", id, isize, r);
	default:
		return aie_fail(EX_DATA, "%s: no upload step",
		    social_net_name(net));
	}
}
