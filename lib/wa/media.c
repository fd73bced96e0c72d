/*
 * media.c - a customer's media (image, audio, video, document, sticker)
 * from the WhatsApp Cloud API, in two requests as Meta serves it: GET
 * {graph}/{version}/{media-id} with the token gives a JSON description
 * (url, mime_type, sha256, file_size), then GET that url with the same
 * token gives the bytes.
 *
 * The token goes to the second URL too, so the URL must be Meta's: https
 * on a host of fbsbx.com, facebook.com or whatsapp.net, or the origin of
 * WA_GRAPH_URL itself (a test's fake). What comes back is checked before
 * anyone keeps it: its size (at most WA_MEDIA_MAX, and the size announced),
 * its type (announced and in the list below, which also gives the file
 * extension) and its SHA-256 (announced, base64).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "http/http.h"
#include "wa/wa.h"
#include "internal.h"

/* The types kept, and their extension: what WhatsApp carries, without
 * anything a browser or a desktop would run. */
static const struct { const char *type, *ext; } types[] = {
	{ "image/jpeg", "jpg" }, { "image/png", "png" }, { "image/webp", "webp" },
	{ "audio/ogg", "ogg" }, { "audio/mpeg", "mp3" }, { "audio/mp4", "m4a" },
	{ "audio/aac", "aac" }, { "audio/amr", "amr" }, { "video/mp4", "mp4" },
	{ "video/3gpp", "3gp" }, { "application/pdf", "pdf" },
	{ "text/plain", "txt" },
	{ NULL, NULL }
};

const char *wa_media_ext(const char *mime)
{
	size_t i, n;

	if (!mime)
		return NULL;
	n = strcspn(mime, ";");
	while (n && mime[n - 1] == ' ')
		n--;
	for (i = 0; types[i].type; i++)
		if (strlen(types[i].type) == n && !strncasecmp(mime, types[i].type, n))
			return types[i].ext;
	return NULL;
}

int wa_media_config(struct wa_media_cfg *c)
{
	long max;

	memset(c, 0, sizeof *c);
	if (wa_graph_config(&c->timeout, &c->graph_url, &c->api_version) < 0 ||
	    config_long("WA_MEDIA_MAX", 16L << 20, 1024, 100L << 20, &max) < 0)
		return -1;
	c->max = (size_t)max;
	c->token = config_get("WA_MEDIA_TOKEN");
	if (!c->token || !*c->token)
		c->token = config_get("WA_SEND_TOKEN");  /* the local agent's */
	if (!c->token || !*c->token)
		return aie_fail(EX_CONFIG, "neither WA_MEDIA_TOKEN nor WA_SEND_TOKEN "
		    "is set");
	return 0;
}

int wa_media_meta_parse(const char *body, size_t len, struct wa_media_meta *m)
{
	const char *url = NULL, *mime = NULL, *sha = NULL;
	json_int_t size = -1;
	json_t *root;
	size_t n;
	int r = -1;

	memset(m, 0, sizeof *m);
	if (!(root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)))
		return aie_fail(EX_DATA, "media: the description is not JSON");
	if (json_unpack(root, "{s:s, s:s, s:s, s:I}", "url", &url, "mime_type",
	    &mime, "sha256", &sha, "file_size", &size) < 0) {
		aie_fail(EX_DATA, "media: the description lacks url, mime_type, "
		    "sha256 or file_size");
		goto out;
	}
	if (strlen(url) >= sizeof m->url || strlen(mime) >= sizeof m->mime ||
	    size < 0) {
		aie_fail(EX_DATA, "media: a bad url, mime_type or file_size");
		goto out;
	}
	if (sodium_init() < 0 || sodium_base642bin(m->sha256, sizeof m->sha256,
	    sha, strlen(sha), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != sizeof m->sha256) {
		aie_fail(EX_DATA, "media: sha256 is not a base64 SHA-256");
		goto out;
	}
	strcpy(m->url, url);
	strcpy(m->mime, mime);
	m->size = (size_t)size;
	r = 0;
out:
	json_decref(root);
	return r;
}

/* 1 when url may be given the token: Meta's, over https, or the
 * configured Graph API's own origin. */
static int url_ours(const struct wa_media_cfg *c, const char *url)
{
	static const char *const hosts[] = { "fbsbx.com", "facebook.com",
	    "whatsapp.net", NULL };
	const char *h, *e, *p = strstr(c->graph_url, "://");
	size_t n, i, o;

	/* the origin of WA_GRAPH_URL: scheme://authority */
	if (p) {
		o = (size_t)(p + 3 - c->graph_url) + strcspn(p + 3, "/?#");
		if (!strncmp(url, c->graph_url, o) && url[o] == '/')
			return 1;
	}
	if (strncmp(url, "https://", 8))
		return 0;
	h = url + 8;
	e = h + strcspn(h, "/?#:@");
	if (*e == '@')
		return 0;
	n = (size_t)(e - h);
	for (i = 0; hosts[i]; i++) {
		size_t k = strlen(hosts[i]);
		if (n == k && !strncasecmp(h, hosts[i], k))
			return 1;
		if (n > k && h[n - k - 1] == '.' &&
		    !strncasecmp(h + n - k, hosts[i], k))
			return 1;
	}
	return 0;
}

/* GET url with the token into rs; 0 with a 2xx, else -1 classified. */
static int get(const struct wa_media_cfg *c, const char *url, size_t max,
    struct http_resp *rs)
{
	char auth[1024], msg[400];
	const char *hdrs[] = { auth, NULL };
	struct http_req rq = { 0 };
	int r;

	if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
	    c->token) >= sizeof auth)
		return aie_fail(EX_CONFIG, "the media token is too long");
	wa_req(&rq, url, hdrs, NULL, c->timeout, max);
	r = http_do(&rq, rs);
	sodium_memzero(auth, sizeof auth);
	if (r < 0)
		return -1;
	if (rs->status >= 200 && rs->status < 300)
		return 0;
	wa_api_error(rs, msg, sizeof msg);
	r = rs->status == 401 ? EX_CONFIG : rs->status == 429 ||
	    rs->status >= 500 ? EX_TEMP : EX_DATA;
	http_resp_free(rs);
	return aie_fail(r, "%s", msg);
}

int wa_media_fetch(const struct wa_media_cfg *c, const char *media_id,
    struct wa_media *out)
{
	struct wa_media_meta m;
	struct http_resp rs;
	unsigned char sum[crypto_hash_sha256_BYTES];
	char url[1024];
	const char *ext;
	int n;

	memset(out, 0, sizeof *out);
	n = snprintf(url, sizeof url, "%s/%s/%s", c->graph_url, c->api_version,
	    media_id);
	if (n < 0 || (size_t)n >= sizeof url)
		return aie_fail(EX_CONFIG, "WA_GRAPH_URL is too long");
	if (get(c, url, 64 << 10, &rs) < 0)
		return -1;
	n = wa_media_meta_parse(rs.body, rs.len, &m);
	http_resp_free(&rs);
	if (n < 0)
		return -1;
	if (!(ext = wa_media_ext(m.mime)))
		return aie_fail(EX_DATA, "media %s: type %s is not kept", media_id,
		    m.mime);
	if (m.size > c->max)
		return aie_fail(EX_DATA, "media %s: %zu bytes, over WA_MEDIA_MAX "
		    "(%zu)", media_id, m.size, c->max);
	if (!url_ours(c, m.url))
		return aie_fail(EX_DATA, "media %s: its URL is not Meta's; the "
		    "token is not sent there", media_id);
	if (get(c, m.url, c->max, &rs) < 0)
		return -1;
	crypto_hash_sha256(sum, (const unsigned char *)rs.body, rs.len);
	if (rs.len != m.size || sodium_memcmp(sum, m.sha256, sizeof sum)) {
		http_resp_free(&rs);
		return aie_fail(EX_DATA, "media %s: the bytes are not those "
		    "announced (size or SHA-256)", media_id);
	}
	out->data = rs.body;
	out->len = rs.len;
	snprintf(out->mime, sizeof out->mime, "%s", m.mime);
	snprintf(out->ext, sizeof out->ext, "%s", ext);
	free(rs.etag);
	return 0;
}
