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
 *
 * With an image: POST .../{FACEBOOK_PAGE_ID}/photos, multipart/form-data
 * with the file as source and the text (and link) as message; 200
 * {"id":"<photo>","post_id":"<page>_<post>"}: the post is post_id.
 *
 * With several images (at most 10 kept here; Graph documents no limit):
 * each is a photo uploaded unpublished (.../photos, source and
 * published=false; 200 {"id":"<photo>"}, nothing shown on the Page), then
 * the one feed post that publishes carries them in order,
 * attached_media[0]={"media_fbid":"<photo>"}, ..., with the text and
 * the link as its message. The Graph API takes no description of a Page
 * photo (media_alt is refused before, 69).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

void graph_base(char *buf, size_t size)
{
	snprintf(buf, size, "%s/%.20s",
	    config_get_default("FACEBOOK_GRAPH_URL", "https://graph.facebook.com"),
	    config_get_default("FACEBOOK_API_VERSION", "v21.0"));
}

int graph_error(enum social_net net, long status, const char *body,
    size_t len, long retry_after, struct social_result *r)
{
	json_t *o = NULL;
	const char *msg = NULL;
	json_int_t code = 0;
	int rc;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (o)
		json_unpack(o, "{s:{s?s, s?I}}", "error", "message", &msg, "code",
		    &code);
	if (code == 190)
		rc = social_fail(net, 401, 0, 0, msg, 0, -1, r);
	else if (code == 4 || code == 17 || code == 32 || code == 341 ||
	    code == 613)
		rc = social_fail(net, 429, 0, 0, msg, 0, retry_after, r);
	else if (code == 1 || code == 2)
		rc = social_fail(net, status >= 500 ? status : 503, 0, 0, msg, 0,
		    retry_after, r);
	else if (code == 10 || (code >= 200 && code <= 299))
		rc = aie_fail(EX_CONFIG, "%s: the token lacks a permission (Graph "
		    "error %lld): %s", social_net_name(net), (long long)code,
		    net == NET_INSTAGRAM ? "make a token with "
		    "instagram_content_publish and put it in INSTAGRAM_TOKEN" :
		    "make a Page access token with pages_manage_posts and put it "
		    "in FACEBOOK_PAGE_TOKEN");
	else
		rc = social_fail(net, status, code == 506, code == 368, msg, 0,
		    retry_after, r);
	json_decref(o);
	return rc;
}

int facebook_reply(long status, const char *body, size_t len,
    long retry_after, struct social_result *r)
{
	static const char digits[] = "0123456789_";

	if (status < 200 || status >= 300)
		return graph_error(NET_FACEBOOK, status, body, len, retry_after, r);
	/* a photo's post is its post_id; a feed post is its id */
	social_reply_id(body, len, "post_id", NULL, digits, 100, r->id,
	    sizeof r->id);
	if (strcmp(r->id, "unknown") == 0)
		social_reply_id(body, len, "id", NULL, digits, 100, r->id,
		    sizeof r->id);
	if (strcmp(r->id, "unknown") != 0)
		snprintf(r->url, sizeof r->url, "https://www.facebook.com/%s",
		    r->id);
	return 0;
}

/* The photo post: the image as source, the text and the link (a photo
 * has no link of its own) as message. */
static int photo_body(const struct social_post *p,
    const struct social_media *m, struct multipart *mp)
{
	char *msg = NULL;
	int rc;

	if (asprintf(&msg, "%s%s%s", p->text, p->link && *p->link ? "\n\n" :
	    "", p->link ? p->link : "") < 0)
		return aie_fail(EX_TEMP, "out of memory");
	{
		const char *fields[] = { "message", msg, "published", "true",
		    NULL };
		rc = social_multipart(fields, "source", m, mp);
	}
	free(msg);
	return rc;
}

/* The feed post: a form of message and link; with photos (fbid, n of
 * them), their attached_media and the link in the message as a photo's. */
static int feed_body(const struct social_post *p, char (*fbid)[64],
    size_t n, struct multipart *mp)
{
	char *msg = NULL, *link = NULL, *full = NULL;
	struct buf b = { 0 };
	size_t i;

	memset(mp, 0, sizeof *mp);
	snprintf(mp->ctype, sizeof mp->ctype,
	    "Content-Type: application/x-www-form-urlencoded");
	if (n && asprintf(&full, "%s%s%s", p->text, p->link && *p->link ?
	    "\n\n" : "", p->link ? p->link : "") < 0)
		return aie_fail(EX_TEMP, "out of memory");
	if ((msg = http_urlencode(n ? full : p->text)) && (n || !p->link ||
	    !*p->link || (link = http_urlencode(p->link)))) {
		buf_addf(&b, "message=%s%s%s", msg, link ? "&link=" : "",
		    link ? link : "");
		/* {"media_fbid":"<digits>"}, percent-encoded */
		for (i = 0; i < n; i++)
			buf_addf(&b, "&attached_media%%5B%zu%%5D=%%7B%%22media_fbid"
			    "%%22%%3A%%22%s%%22%%7D", i, fbid[i]);
		mp->body = buf_take(&b, &mp->len);
	}
	free(full);
	free(msg);
	free(link);
	return mp->body ? 0 : aie_fail(EX_TEMP, "out of memory");
}

/* Upload one image as an unpublished photo: its id into fbid. 0, or -1
 * (nothing published: never maybe_sent). */
static int unpublished(const char *url, const char *auth,
    const struct social_media *m, char *fbid, size_t size,
    struct social_result *r)
{
	const char *fields[] = { "published", "false", NULL };
	struct multipart mp;
	const char *hdrs[] = { auth, mp.ctype, NULL };
	struct http_resp rs;
	int rc = -1;

	if (social_multipart(fields, "source", m, &mp) < 0)
		return -1;
	if (social_request("POST", url, hdrs, mp.body, mp.len, NULL, &rs,
	    r) == 0) {
		if (rs.status < 200 || rs.status >= 300)
			rc = graph_error(NET_FACEBOOK, rs.status, rs.body, rs.len,
			    rs.retry_after, r);
		else {
			social_reply_id(rs.body, rs.len, "id", NULL, "0123456789",
			    size, fbid, size);
			rc = strcmp(fbid, "unknown") == 0 ? aie_fail(EX_TEMP,
			    "facebook: a photo was uploaded without an id we can "
			    "read; not published") : 0;
		}
		http_resp_free(&rs);
	}
	free(mp.body);
	r->maybe_sent = 0;
	return rc;
}

int facebook_publish(const struct social_post *p, struct social_result *r)
{
	const struct social_images *im = p->images;
	const char *page, *token;
	char auth[4200], base[512], url[1024], (*fbid)[64] = NULL;
	struct multipart mp = { 0 };
	const char *hdrs[] = { auth, mp.ctype, NULL };
	struct http_resp rs;
	size_t i, n = im ? im->n : 0;
	int rc = -1;

	if (social_need("FACEBOOK_PAGE_TOKEN", &token) < 0 ||
	    social_need("FACEBOOK_PAGE_ID", &page) < 0)
		return -1;
	if (!*page || page[strspn(page, "0123456789")] != '\0')
		return aie_fail(EX_CONFIG, "FACEBOOK_PAGE_ID is not a number");
	if (n > 1 && !(fbid = calloc(n, sizeof *fbid)))
		return aie_fail(EX_TEMP, "out of memory");
	if (social_bearer(auth, sizeof auth, token) < 0)
		goto out;
	graph_base(base, sizeof base);
	snprintf(url, sizeof url, "%s/%.40s/photos", base, page);
	/* several: each an unpublished photo first, then one feed post */
	for (i = 0; n > 1 && i < n; i++)
		if (unpublished(url, auth, &im->m[i], fbid[i], sizeof fbid[i],
		    r) < 0)
			goto out;
	snprintf(url, sizeof url, "%s/%.40s/%s", base, page,
	    n == 1 ? "photos" : "feed");
	if ((n == 1 ? photo_body(p, &im->m[0], &mp) :
	    feed_body(p, fbid, n, &mp)) < 0)
		goto out;
	if (social_request("POST", url, hdrs, mp.body, mp.len, NULL, &rs,
	    r) == 0) {
		rc = facebook_reply(rs.status, rs.body, rs.len, rs.retry_after, r);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(auth, sizeof auth);
	free(mp.body);
	free(fbid);
	return rc;
}
