/*
 * instagram.c - a post on an Instagram professional account through the
 * Graph API's content publishing (the Facebook Graph host and version).
 *
 * Instagram fetches the image itself, so it must be on a public URL:
 * SOCIAL_MEDIA_BASE_URL is where Media/public/ of the vault is served (the
 * cloud's web server), and the image a post names must be under it.
 *   1. POST /{INSTAGRAM_USER_ID}/media, form image_url and caption (and
 *      alt_text, the image's description, media_alt; image posts only):
 *      200 {"id":"<container>"}. Nothing is published yet. A carousel (2
 *      to 10 images): one container for each image, is_carousel_item=true
 *      without a caption, each waited for as in 2, then the carousel's:
 *      media_type=CAROUSEL, children (their ids, comma-separated) and
 *      caption, which 2 to 4 then take as a single image's.
 *   2. GET /{container}?fields=status_code until FINISHED (IN_PROGRESS
 *      while Instagram fetches and checks the image; ERROR it refused the
 *      image; EXPIRED not published within 24 h), every
 *      INSTAGRAM_POLL_SECONDS (default 10) at most INSTAGRAM_POLLS times
 *      (default 30); still IN_PROGRESS then is 75 and nothing published.
 *   3. POST /{INSTAGRAM_USER_ID}/media_publish, form creation_id:
 *      200 {"id":"<media>"}: the post. A time-out here may have published.
 *   4. GET /{media}?fields=permalink for post_url (a failure there leaves
 *      the post published, without a URL).
 * Errors are Graph's envelope, read as for Facebook (graph_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

#define IG_IDS "0123456789"

int instagram_reply(long status, const char *body, size_t len,
    long retry_after, struct social_result *r)
{
	if (status < 200 || status >= 300)
		return graph_error(NET_INSTAGRAM, status, body, len, retry_after, r);
	social_reply_id(body, len, "id", NULL, IG_IDS, 64, r->id, sizeof r->id);
	return 0;
}

int instagram_step_reply(long status, const char *body, size_t len,
    long retry_after, const char *field, char *val, size_t size,
    struct social_result *r)
{
	if (status < 200 || status >= 300)
		return graph_error(NET_INSTAGRAM, status, body, len, retry_after, r);
	social_reply_id(body, len, field, NULL, strcmp(field, "id") == 0 ?
	    IG_IDS : "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
	    "0123456789:/.-?=&%", size, val, size);
	return 0;
}

/* What the requests of one publish share. */
struct ig {
	char base[512], auth[4200], user[64];
	const char *form[3], *get[2];
};

/* One request; 2xx: 0 with the reply's field in id (or "unknown"); else
 * -1 by Graph's error. */
static int call(struct ig *ig, const char *method, const char *path,
    const char *body, char *id, size_t size, const char *field,
    struct social_result *r)
{
	char url[2048];
	struct http_resp rs;
	int rc;

	snprintf(url, sizeof url, "%s/%s", ig->base, path);
	if (social_request(method, url, body ? ig->form : ig->get, body,
	    body ? strlen(body) : 0, NULL, &rs, r) < 0)
		return -1;
	rc = instagram_step_reply(rs.status, rs.body, rs.len, rs.retry_after,
	    field, id, size, r);
	http_resp_free(&rs);
	return rc;
}

/* The public URL of the image: SOCIAL_MEDIA_BASE_URL and its path under
 * Media/public/. malloc'd, or NULL (78 not configured, 65 not public). */
static char *public_url(const char *path)
{
	const char *base;
	char *u = NULL;

	if (social_need("SOCIAL_MEDIA_BASE_URL", &base) < 0)
		return NULL;
	if (!path || strncmp(path, "Media/public/", 13) != 0 || !path[13]) {
		aie_fail(EX_DATA, "instagram: the image must be under Media/public/ "
		    "(served at SOCIAL_MEDIA_BASE_URL for Instagram to fetch), "
		    "not %.80s", path ? path : "(none)");
		return NULL;
	}
	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7))
		aie_fail(EX_CONFIG, "SOCIAL_MEDIA_BASE_URL is not an http(s) URL");
	else if (asprintf(&u, "%s%s%s", base, base[strlen(base) - 1] == '/' ?
	    "" : "/", path + 13) < 0) {
		u = NULL;
		aie_fail(EX_TEMP, "out of memory");
	}
	return u;
}

/* Wait for the container to be FINISHED. 0, or -1: ERROR 65, EXPIRED or
 * still IN_PROGRESS 75 (nothing published either way). */
static int wait_ready(struct ig *ig, const char *container,
    struct social_result *r)
{
	long every = config_get_long("INSTAGRAM_POLL_SECONDS", 10),
	    polls = config_get_long("INSTAGRAM_POLLS", 30), i;
	char path[128], st[64];

	every = every >= 0 && every <= 300 ? every : 10;
	polls = polls >= 1 && polls <= 1000 ? polls : 30;
	snprintf(path, sizeof path, "%s?fields=status_code", container);
	for (i = 0; i < polls; i++) {
		if (i && every)
			sleep((unsigned)every);
		if (call(ig, "GET", path, NULL, st, sizeof st, "status_code",
		    r) < 0)
			return -1;
		if (strcmp(st, "FINISHED") == 0)
			return 0;
		if (strcmp(st, "ERROR") == 0)
			return aie_fail(EX_DATA, "instagram: the image was refused "
			    "(container %s: status ERROR; a JPEG, aspect 4:5 to "
			    "1.91:1, at most 8 MB, reachable at its public URL)",
			    container);
		if (strcmp(st, "IN_PROGRESS") != 0)
			return aie_fail(EX_TEMP, "instagram: container %s is %s; not "
			    "published", container, st);
	}
	return aie_fail(EX_TEMP, "instagram: container %s still IN_PROGRESS "
	    "after %ld checks; not published", container, polls);
}

/* Make one container from form (the caller's, freed here) and wait for
 * it to be FINISHED: its id into id. 0, or -1 (nothing published). */
static int container(struct ig *ig, char *form, char *id, size_t size,
    struct social_result *r)
{
	char path[128];
	int rc;

	if (!form)
		return aie_fail(EX_TEMP, "out of memory");
	snprintf(path, sizeof path, "%s/media", ig->user);
	rc = call(ig, "POST", path, form, id, size, "id", r) < 0 ||
	    (strcmp(id, "unknown") == 0 && aie_fail(EX_TEMP, "instagram: the "
	    "container was made without an id we can read; not published")) ||
	    wait_ready(ig, id, r) < 0 ? -1 : 0;
	free(form);
	r->maybe_sent = 0;
	return rc;
}

/* The form of an image's container: its public URL, its description,
 * and the caption (a single image) or is_carousel_item (a carousel's).
 * malloc'd, or NULL (78 or 65 by public_url, else 75). */
static char *image_form(const char *media, const char *alt_text,
    const char *caption)
{
	char *url, *img = NULL, *alt = NULL, *cap = NULL, *f = NULL;

	if (!(url = public_url(media)))
		return NULL;
	if (!(img = http_urlencode(url)) ||
	    (alt_text && !(alt = http_urlencode(alt_text))) ||
	    (caption && !(cap = http_urlencode(caption))) ||
	    asprintf(&f, "image_url=%s%s%s%s%s", img,
	    cap ? "&caption=" : "&is_carousel_item=true", cap ? cap : "",
	    alt ? "&alt_text=" : "", alt ? alt : "") < 0) {
		f = NULL;
		aie_fail(EX_TEMP, "out of memory");
	}
	free(url);
	free(img);
	free(alt);
	free(cap);
	return f;
}

int instagram_publish(const struct social_post *p, struct social_result *r)
{
	const struct social_images *im = p->images;
	const char *token, *user;
	char *body = NULL, *cap = NULL, *f, id[64], path[256];
	struct buf kids = { 0 };
	struct ig ig;
	int rc = -1;
	size_t i;

	if (social_need("INSTAGRAM_TOKEN", &token) < 0 ||
	    social_need("INSTAGRAM_USER_ID", &user) < 0)
		return -1;
	if (!*user || strlen(user) >= sizeof ig.user ||
	    user[strspn(user, IG_IDS)] != '\0')
		return aie_fail(EX_CONFIG, "INSTAGRAM_USER_ID is not a number");
	if (!im || !im->n)
		return aie_fail(EX_DATA, "instagram: a post needs an image");
	if (social_bearer(ig.auth, sizeof ig.auth, token) < 0)
		return -1;
	snprintf(ig.user, sizeof ig.user, "%s", user);
	graph_base(ig.base, sizeof ig.base);
	ig.form[0] = ig.get[0] = ig.auth;
	ig.form[1] = "Content-Type: application/x-www-form-urlencoded";
	ig.form[2] = ig.get[1] = NULL;
	/* 1 and 2: a container, ready; nothing published yet. A carousel:
	 * one for each image, then the carousel's of them all */
	if (im->n == 1) {
		if (!(f = image_form(im->path[0], im->alt[0], p->text)) ||
		    container(&ig, f, id, sizeof id, r) < 0)
			goto out;
	} else {
		for (i = 0; i < im->n; i++) {
			if (!(f = image_form(im->path[i], im->alt[i], NULL)) ||
			    container(&ig, f, id, sizeof id, r) < 0)
				goto out;
			buf_addf(&kids, "%s%s", i ? "%2C" : "", id);
		}
		f = NULL;
		if (!(cap = http_urlencode(p->text)) || !kids.p ||
		    asprintf(&f, "media_type=CAROUSEL&children=%s&caption=%s",
		    kids.p, cap) < 0)
			f = NULL;
		if (container(&ig, f, id, sizeof id, r) < 0)
			goto out;
	}
	/* 3: the one request that publishes */
	if (asprintf(&body, "creation_id=%s", id) < 0) {
		body = NULL;
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	snprintf(path, sizeof path, "%s/media_publish", ig.user);
	if ((rc = call(&ig, "POST", path, body, r->id, sizeof r->id, "id",
	    r)) < 0 || strcmp(r->id, "unknown") == 0)
		goto out;
	/* 4: its permalink, for post_url; published whatever this says */
	{
		struct social_result q = { 0 };
		snprintf(path, sizeof path, "%.64s?fields=permalink", r->id);
		if (call(&ig, "GET", path, NULL, r->url, sizeof r->url,
		    "permalink", &q) < 0 || strncmp(r->url, "https://", 8) != 0)
			r->url[0] = '\0';
	}
out:
	sodium_memzero(ig.auth, sizeof ig.auth);
	free(cap);
	free(body);
	free(kids.p);
	return rc;
}
