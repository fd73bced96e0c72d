/*
 * linkedin.c - a text post through the LinkedIn Posts API.
 *
 * POST {LINKEDIN_API_URL}/rest/posts with the member's (or organization's)
 * URN as author, LinkedIn-Version (LINKEDIN_VERSION, YYYYMM; LinkedIn
 * keeps each version about a year) and X-Restli-Protocol-Version 2.0.0.
 * Success is 201 with an empty body and the post's URN in x-restli-id.
 * Errors are {"message","status","serviceErrorCode"}, and for a duplicate
 * 422 with errorDetails.inputErrors[].code DUPLICATE_POST. commentary is
 * "little text": \ | { } @ [ ] ( ) < > # * _ ~ are escaped with a
 * backslash, or LinkedIn reads them as markup (a mention, a hashtag
 * template) and may drop the rest of the text.
 *
 * With an image (the Images API): POST /rest/images?action=initializeUpload
 * {"initializeUploadRequest":{"owner":<author>}}, 200 {"value":{
 * "uploadUrlExpiresAt","uploadUrl","image":"urn:li:image:..."}}; PUT the
 * bytes to uploadUrl with the same bearer (201); LinkedIn then processes
 * the image: GET /rest/images/{image URN, percent-encoded} (the versioned
 * headers) → {"id","owner","status","downloadUrl",...}, status one of
 * WAITING_UPLOAD, PROCESSING, AVAILABLE, PROCESSING_FAILED, is asked
 * until AVAILABLE (LINKEDIN_IMAGE_POLLS times, 10 by default, waiting
 * LINKEDIN_POLL_SECONDS, 1 by default, doubled each time up to 10
 * times that), as a post naming an image not yet AVAILABLE may be refused
 * or shown without it. Then the post carries "content":{"media":{"id":
 * <image URN>,"altText":<media_alt>}} (altText only when the draft has
 * one; LinkedIn takes at most 4,086 characters); with 2 to 20 images,
 * each uploaded so, "content":{"multiImage":{"images":[{"id","altText"},
 * ...]}} in the draft's order. None of the steps before
 * the post publishes, so a time-out there is not a post that may be out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* The characters of a URN we record or send on. */
#define URN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-"

/* The text with little text's reserved characters escaped; malloc'd. */
static char *little_text(const char *s)
{
	struct buf b = { 0 };
	size_t len;

	for (; *s; s++) {
		if (strchr("\\|{}@[]()<>#*_~", *s))
			buf_addc(&b, '\\');
		buf_addc(&b, *s);
	}
	return buf_take(&b, &len);
}

/* Is DUPLICATE_POST the code of the error or of one of its input errors? */
static int duplicate(json_t *o)
{
	json_t *errs, *e;
	const char *code;
	size_t i;

	if (json_unpack(o, "{s:s}", "code", &code) == 0 &&
	    strcmp(code, "DUPLICATE_POST") == 0)
		return 1;
	if (json_unpack(o, "{s:{s:o}}", "errorDetails", "inputErrors",
	    &errs) < 0 || !json_is_array(errs))
		return 0;
	json_array_foreach(errs, i, e)
		if (json_unpack(e, "{s:s}", "code", &code) == 0 &&
		    strcmp(code, "DUPLICATE_POST") == 0)
			return 1;
	return 0;
}

/* A reply that is not a success, by its class. */
static int linkedin_error(long status, const char *body, size_t len,
    long retry_after, struct social_result *r)
{
	json_t *o = NULL;
	const char *msg = NULL;
	int dup = 0, rc;

	if (body && len && (o = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    NULL)) && json_is_object(o)) {
		json_unpack(o, "{s:s}", "message", &msg);
		dup = duplicate(o);
	}
	if (status == 403)
		rc = aie_fail(EX_CONFIG, "linkedin: the token may not post for "
		    "LINKEDIN_AUTHOR (HTTP 403): authorise the app again with the "
		    "w_member_social (or w_organization_social) permission");
	else
		rc = social_fail(NET_LINKEDIN, status, dup && status == 422, 0, msg,
		    0, retry_after, r);
	json_decref(o);
	return rc;
}

int linkedin_reply(long status, const char *body, size_t len,
    const char *restli_id, long retry_after, struct social_result *r)
{
	if (status < 200 || status >= 300)
		return linkedin_error(status, body, len, retry_after, r);
	/* published: an ID we cannot read does not undo that */
	if (restli_id && strncmp(restli_id, "urn:li:", 7) == 0 &&
	    strlen(restli_id) < sizeof r->id &&
	    restli_id[strspn(restli_id, URN_CHARS)] == '\0') {
		snprintf(r->id, sizeof r->id, "%s", restli_id);
		snprintf(r->url, sizeof r->url,
		    "https://www.linkedin.com/feed/update/%s/", restli_id);
	} else
		snprintf(r->id, sizeof r->id, "unknown");
	return 0;
}

/* What the requests to LinkedIn's API share. */
struct li {
	const char *base, *author;
	char auth[4200], ver[64];
};

/* initializeUpload's reply: the upload URL and the image's URN. The URL
 * gets the bearer token: it must be https (LinkedIn's), or under base
 * (LINKEDIN_API_URL: a test's fake). */
int linkedin_upload_reply(long status, const char *body, size_t len,
    const char *base, long retry_after, char *url, size_t usize, char *urn,
    size_t nsize, struct social_result *r)
{
	json_t *o = NULL;
	const char *u = NULL, *n = NULL;
	size_t blen = base ? strlen(base) : 0;
	int ok;

	if (status < 200 || status >= 300)
		return linkedin_error(status, body, len, retry_after, r);
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_unpack(o, "{s:{s:s, s:s}}", "value", "uploadUrl", &u, "image", &n);
	ok = u && n && strlen(u) < usize && strlen(n) < nsize &&
	    !strpbrk(u, " \r\n") && (strncmp(u, "https://", 8) == 0 ||
	    (blen && strncmp(u, base, blen) == 0 && u[blen] == '/')) &&
	    strncmp(n, "urn:li:image:", 13) == 0 && n[strspn(n, URN_CHARS)] == 0;
	if (ok) {
		snprintf(url, usize, "%s", u);
		snprintf(urn, nsize, "%s", n);
	}
	json_decref(o);
	return ok ? 0 : aie_fail(EX_TEMP, "linkedin: initializeUpload answered "
	    "without a usable uploadUrl and image URN");
}

/* The image's status reply: its status (one word of capitals) into st.
 * 0, or -1 as the other replies. */
int linkedin_image_reply(long status, const char *body, size_t len,
    long retry_after, char *st, size_t size, struct social_result *r)
{
	json_t *o = NULL;
	const char *s = NULL;
	int ok;

	if (status < 200 || status >= 300)
		return linkedin_error(status, body, len, retry_after, r);
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_unpack(o, "{s:s}", "status", &s);
	ok = s && *s && strlen(s) < size && strlen(s) < 32 &&
	    s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_")] == '\0';
	if (ok)
		snprintf(st, size, "%s", s);
	json_decref(o);
	return ok ? 0 : aie_fail(EX_TEMP, "linkedin: the image's status "
	    "answered without a status");
}

/* Ask for the image's status until it is AVAILABLE. 0, or -1: 65
 * PROCESSING_FAILED, 75 still processing after the polls (or a status we
 * do not know); nothing published either way. */
static int wait_available(const struct li *li, const char *urn,
    struct social_result *r)
{
	const char *hdrs[] = { li->auth, li->ver,
	    "X-Restli-Protocol-Version: 2.0.0", NULL };
	long every = config_get_long("LINKEDIN_POLL_SECONDS", 1),
	    polls = config_get_long("LINKEDIN_IMAGE_POLLS", 10), wait, i;
	char url[1024], st[32], *enc;
	struct http_resp rs;
	int rc;

	every = every >= 0 && every <= 60 ? every : 1;
	polls = polls >= 1 && polls <= 100 ? polls : 10;
	if (!(enc = http_urlencode(urn)))
		return aie_fail(EX_TEMP, "out of memory");
	snprintf(url, sizeof url, "%s/rest/images/%s", li->base, enc);
	free(enc);
	for (i = 0, wait = every; i < polls; i++) {
		if (i && wait) {
			sleep((unsigned)wait);
			wait = wait * 2 > every * 10 ? every * 10 : wait * 2;
		}
		if (social_request("GET", url, hdrs, NULL, 0, NULL, &rs, r) < 0)
			return -1;
		rc = linkedin_image_reply(rs.status, rs.body, rs.len,
		    rs.retry_after, st, sizeof st, r);
		http_resp_free(&rs);
		if (rc < 0)
			return -1;
		if (strcmp(st, "AVAILABLE") == 0)
			return 0;
		if (strcmp(st, "PROCESSING_FAILED") == 0)
			return aie_fail(EX_DATA, "linkedin: the image was refused (%s: "
			    "PROCESSING_FAILED); not published", urn);
		if (strcmp(st, "PROCESSING") != 0 &&
		    strcmp(st, "WAITING_UPLOAD") != 0)
			return aie_fail(EX_TEMP, "linkedin: image %s is %s; not "
			    "published", urn, st);
	}
	return aie_fail(EX_TEMP, "linkedin: image %s still %s after %ld checks; "
	    "not published", urn, st, polls);
}

/* Upload the image: its URN into urn, once LinkedIn has it AVAILABLE. 0,
 * or -1 (nothing published: never maybe_sent). */
static int upload(const struct li *li, const struct social_media *m,
    char *urn, size_t size, struct social_result *r)
{
	const char *hdrs[] = { li->auth, li->ver,
	    "X-Restli-Protocol-Version: 2.0.0", "Content-Type: application/json",
	    NULL };
	const char *put_hdrs[] = { li->auth, "Content-Type: "
	    "application/octet-stream", NULL };
	char url[2048], *body = NULL;
	struct http_resp rs;
	json_t *o;
	int rc = -1;

	snprintf(url, sizeof url, "%s/rest/images?action=initializeUpload",
	    li->base);
	if (!(o = json_pack("{s:{s:s}}", "initializeUploadRequest", "owner",
	    li->author)) || !(body = json_dumps(o, JSON_COMPACT))) {
		json_decref(o);
		return aie_fail(EX_TEMP, "out of memory");
	}
	json_decref(o);
	if (social_request("POST", url, hdrs, body, strlen(body), NULL, &rs,
	    r) == 0) {
		rc = linkedin_upload_reply(rs.status, rs.body, rs.len, li->base,
		    rs.retry_after, url, sizeof url, urn, size, r);
		http_resp_free(&rs);
	}
	free(body);
	if (rc == 0 && (rc = social_request("PUT", url, put_hdrs, m->data,
	    m->len, NULL, &rs, r)) == 0) {
		if (rs.status < 200 || rs.status >= 300)
			rc = linkedin_error(rs.status, rs.body, rs.len,
			    rs.retry_after, r);
		http_resp_free(&rs);
	}
	if (rc == 0)
		rc = wait_available(li, urn, r);
	r->maybe_sent = 0;
	return rc;
}

/* The post's content: one image as "media", several as "multiImage"
 * (2 to 20), each its URN and, when the draft has one, its altText. NULL
 * (75) out of memory. */
static json_t *li_content(const struct social_images *im,
    char urn[][256])
{
	json_t *a, *one;
	size_t i;

	if (im->n == 1)
		return json_pack("{s:{s:s, s:s*}}", "media", "id", urn[0],
		    "altText", im->alt[0]);
	if (!(a = json_array()))
		return NULL;
	for (i = 0; i < im->n; i++)
		if (!(one = json_pack("{s:s, s:s*}", "id", urn[i], "altText",
		    im->alt[i])) || json_array_append_new(a, one) < 0) {
			json_decref(a);
			return NULL;
		}
	return json_pack("{s:{s:o}}", "multiImage", "images", a);
}

int linkedin_publish(const struct social_post *p, struct social_result *r)
{
	const char *token, *version;
	const struct social_images *im = p->images;
	struct li li;
	char url[1024], (*urn)[256] = NULL, *text = NULL, *body = NULL;
	const char *hdrs[] = { li.auth, li.ver, "X-Restli-Protocol-Version: 2.0.0",
	    "Content-Type: application/json", NULL };
	struct http_resp rs;
	json_t *o = NULL;
	int rc = -1;
	size_t i, n = im ? im->n : 0;

	li.base = config_get_default("LINKEDIN_API_URL",
	    "https://api.linkedin.com");
	version = config_get_default("LINKEDIN_VERSION", "202511");
	if (social_need("LINKEDIN_TOKEN", &token) < 0 ||
	    social_need("LINKEDIN_AUTHOR", &li.author) < 0)
		return -1;
	if (strncmp(li.author, "urn:li:person:", 14) != 0 &&
	    strncmp(li.author, "urn:li:organization:", 20) != 0)
		return aie_fail(EX_CONFIG, "LINKEDIN_AUTHOR is not a urn:li:person: "
		    "or urn:li:organization: URN");
	if (n && !(urn = calloc(n, sizeof *urn)))
		return aie_fail(EX_TEMP, "out of memory");
	if (social_bearer(li.auth, sizeof li.auth, token) < 0) {
		free(urn);
		return -1;
	}
	snprintf(li.ver, sizeof li.ver, "LinkedIn-Version: %.20s", version);
	snprintf(url, sizeof url, "%s/rest/posts", li.base);
	/* every image uploaded and AVAILABLE before the post */
	for (i = 0; i < n; i++)
		if (upload(&li, &im->m[i], urn[i], sizeof urn[i], r) < 0)
			goto out;
	if (!(text = little_text(p->text)) ||
	    !(o = json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:[]}, s:s, s:b}",
	    "author", li.author, "commentary", text, "visibility", "PUBLIC",
	    "distribution", "feedDistribution", "MAIN_FEED", "targetEntities",
	    "thirdPartyDistributionChannels", "lifecycleState", "PUBLISHED",
	    "isReshareDisabledByAuthor", 0)) || (n &&
	    json_object_set_new(o, "content", li_content(im, urn)) < 0) ||
	    !(body = json_dumps(o, JSON_COMPACT))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (social_request("POST", url, hdrs, body, strlen(body), "x-restli-id",
	    &rs, r) == 0) {
		rc = linkedin_reply(rs.status, rs.body, rs.len, rs.captured,
		    rs.retry_after, r);
		http_resp_free(&rs);
	}
out:
	sodium_memzero(li.auth, sizeof li.auth);
	json_decref(o);
	free(urn);
	free(text);
	free(body);
	return rc;
}
