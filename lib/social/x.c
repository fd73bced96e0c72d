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
 *
 * With an image: first POST {X_API_URL}/2/media/upload, multipart/form-
 * data with the bytes as media and media_category tweet_image (images of
 * at most 5 MB), 200 {"data":{"id","media_key","size",
 * "expires_after_secs"}}; then the post carries
 * {"media":{"media_ids":["<id>"]}}, up to 4 ids, one upload each. An
 * upload publishes nothing, so one that timed out is not a post that may
 * be out.
 *
 * The image's description (media_alt) between the two: POST
 * {X_API_URL}/2/media/metadata {"id":"<media id>","metadata":{"alt_text":
 * {"text":...}}} (at most 1,000 characters), 200 {"data":{"id",
 * "associated_metadata":{...}}}; its errors are the upload's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

time_t x_reset_time(const char *h)
{
	char *end;
	long long t;

	if (!h || !*h)
		return 0;
	t = strtoll(h, &end, 10);
	return *end == '\0' && t > 0 && t < 100000000000LL ? (time_t)t : 0;
}

/* A reply that is not a success, by its class (social_fail). */
static int x_error(long status, const char *body, size_t len,
    const char *reset, struct social_result *r)
{
	json_t *o = NULL;
	const char *detail = NULL, *title = NULL;
	int rc, dup;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(o)) {
		json_unpack(o, "{s:s}", "detail", &detail);
		json_unpack(o, "{s:s}", "title", &title);
	}
	if (!detail)
		detail = title;
	dup = status == 403 && detail && strcasestr(detail, "duplicate");
	rc = social_fail(NET_X, status, dup, status == 403 && !dup, detail,
	    x_reset_time(reset), -1, r);
	json_decref(o);
	return rc;
}

int x_reply(long status, const char *body, size_t len, const char *reset,
    struct social_result *r)
{
	if (status < 200 || status >= 300)
		return x_error(status, body, len, reset, r);
	/* published: an ID we cannot read does not undo that */
	social_reply_id(body, len, "data", "id", "0123456789", 32, r->id,
	    sizeof r->id);
	if (strcmp(r->id, "unknown") != 0)
		snprintf(r->url, sizeof r->url, "https://x.com/i/web/status/%s",
		    r->id);
	return 0;
}

int x_upload_reply(long status, const char *body, size_t len,
    const char *reset, char *id, size_t size, struct social_result *r)
{
	if (status < 200 || status >= 300)
		return x_error(status, body, len, reset, r);
	social_reply_id(body, len, "data", "id", "0123456789", 32, id, size);
	return strcmp(id, "unknown") == 0 ? aie_fail(EX_TEMP, "x: the media "
	    "upload answered HTTP %ld without a media id", status) : 0;
}

/* One request with the access token; on a 401 (the two-hour token ran
 * out: nothing was done) one new token from the refresh token and one
 * more try, once per publish (*refreshed). 0 with rs, or -1. */
static int x_send(const char *url, const char *ctype, const char *body,
    size_t len, struct x_tokens *t, int *refreshed, struct http_resp *rs,
    struct social_result *r)
{
	char auth[4200];
	const char *hdrs[] = { auth, ctype, NULL };
	int rc;

	for (;;) {
		if (social_bearer(auth, sizeof auth, t->o.access) < 0)
			return -1;
		rc = social_request("POST", url, hdrs, body, len,
		    "x-rate-limit-reset", rs, r);
		sodium_memzero(auth, sizeof auth);
		if (rc < 0 || rs->status != 401 || *refreshed)
			return rc;
		http_resp_free(rs);
		*refreshed = 1;
		if (x_refresh(t) < 0)
			return -1;
	}
}

/* Upload the image: its media id into id. 0, or -1 (nothing published:
 * never maybe_sent). */
static int x_upload(const char *api, const struct social_media *m,
    struct x_tokens *t, int *refreshed, char *id, size_t size,
    struct social_result *r)
{
	const char *fields[] = { "media_category", "tweet_image", NULL };
	struct multipart mp;
	struct http_resp rs;
	char url[1024];
	int rc = -1;

	snprintf(url, sizeof url, "%s/2/media/upload", api);
	if (social_multipart(fields, "media", m, &mp) < 0)
		return -1;
	if (x_send(url, mp.ctype, mp.body, mp.len, t, refreshed, &rs, r) == 0) {
		rc = x_upload_reply(rs.status, rs.body, rs.len, rs.captured, id,
		    size, r);
		http_resp_free(&rs);
	}
	free(mp.body);
	r->maybe_sent = 0;
	return rc;
}

/* Describe the uploaded image id (X's media metadata). 0, or -1 as the
 * upload (nothing published). */
static int x_alt(const char *api, const char *id, const char *alt,
    struct x_tokens *t, int *refreshed, struct social_result *r)
{
	struct http_resp rs;
	char url[1024], *body = NULL;
	json_t *o;
	int rc = -1;

	snprintf(url, sizeof url, "%s/2/media/metadata", api);
	if (!(o = json_pack("{s:s,s:{s:{s:s}}}", "id", id, "metadata",
	    "alt_text", "text", alt)) || !(body = json_dumps(o, JSON_COMPACT))) {
		json_decref(o);
		return aie_fail(EX_TEMP, "out of memory");
	}
	if (x_send(url, "Content-Type: application/json", body, strlen(body), t,
	    refreshed, &rs, r) == 0) {
		rc = rs.status >= 200 && rs.status < 300 ? 0 :
		    x_error(rs.status, rs.body, rs.len, rs.captured, r);
		http_resp_free(&rs);
	}
	json_decref(o);
	free(body);
	r->maybe_sent = 0;
	return rc;
}

int x_publish(const struct social_post *p, struct social_result *r)
{
	const char *api = config_get_default("X_API_URL", "https://api.x.com");
	const struct social_images *im = p->images;
	struct x_tokens t;
	struct http_resp rs;
	char url[1024], media[64], *body = NULL;
	json_t *o = NULL, *ids = NULL;
	int rc = -1, refreshed = 0;
	size_t i;

	snprintf(url, sizeof url, "%s/2/tweets", api);
	if (x_tokens(&t) < 0)
		goto out;
	if (!(o = json_pack("{s:s}", "text", p->text)) || !(ids = json_array())) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	/* every image uploaded (and described) before the one request that
	 * publishes; the post carries their ids in the draft's order */
	for (i = 0; im && i < im->n; i++) {
		if (x_upload(api, &im->m[i], &t, &refreshed, media, sizeof media,
		    r) < 0 || (im->alt[i] && x_alt(api, media, im->alt[i], &t,
		    &refreshed, r) < 0))
			goto out;
		if (json_array_append_new(ids, json_string(media)) < 0) {
			aie_fail(EX_TEMP, "out of memory");
			goto out;
		}
	}
	if ((json_array_size(ids) && json_object_set_new(o, "media",
	    json_pack("{s:O}", "media_ids", ids)) < 0) ||
	    !(body = json_dumps(o, JSON_COMPACT))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (x_send(url, "Content-Type: application/json", body, strlen(body),
	    &t, &refreshed, &rs, r) == 0) {
		rc = x_reply(rs.status, rs.body, rs.len, rs.captured, r);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(&t, sizeof t);
	json_decref(o);
	json_decref(ids);
	free(body);
	return rc;
}
