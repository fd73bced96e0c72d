/*
 * imap.c - IMAP over libcurl for mail-fetch.
 *
 * One easy handle for the whole run, so libcurl logs in once and reuses
 * the connection. Custom commands (STATUS, UID SEARCH, UID STORE) hand
 * their untagged responses to the write callback, where we parse them;
 * a message is fetched by its UID URL with ;UIDVALIDITY= in it, so
 * libcurl itself refuses the fetch when the mailbox was recreated. The
 * password or bearer token is only given to libcurl and never printed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "vault/vault.h"
#include "base/base.h"
#include "mail/mail.h"

#define IMAP_MAX_MESSAGE (64UL << 20)

struct sink {
	struct buf b;
	size_t max;
	int truncated;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n, keep = len;

	if (s->b.len + keep > s->max) {
		keep = s->b.len < s->max ? s->max - s->b.len : 0;
		s->truncated = 1;
	}
	buf_add(&s->b, p, keep);
	return s->b.oom ? 0 : len;
}

static int curl_code(CURLcode rc, const char *what, const char *err,
    int bearer)
{
	int code = EX_TEMP;

	switch (rc) {
	case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_USE_SSL_FAILED: case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		code = EX_DOWN;
		break;
	case CURLE_LOGIN_DENIED:
		code = EX_CONFIG;
		break;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		code = EX_NEG;
		break;
	default:
		break;
	}
	return aie_fail(code, "imap %s: %s%s", what, *err ? err :
	    curl_easy_strerror(rc), rc != CURLE_LOGIN_DENIED ? "" :
	    mail_refused("IMAP", bearer));
}

int imap_state_key(char *buf, size_t size)
{
	const char *url = config_get("IMAP_URL"), *user = config_get("IMAP_USER");
	unsigned char h[8];
	crypto_generichash_state st;

	if (!url || size < 17)
		return aie_fail(EX_CONFIG, "IMAP_URL is not set");
	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)url, strlen(url) + 1);
	if (user)
		crypto_generichash_update(&st, (const unsigned char *)user,
		    strlen(user));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(buf, size, h, sizeof h);
	return 0;
}

int imap_open(struct imap *im)
{
	const char *url = config_get("IMAP_URL"), *user = config_get("IMAP_USER");
	const char *pw = config_get("IMAP_PASSWORD");
	const char *ca = config_get("MAIL_CA_FILE"), *host, *path;
	int tls = config_get_bool("IMAP_STARTTLS", 1);
	struct buf mb = { 0 };
	size_t i;
	CURL *c;

	memset(im, 0, sizeof *im);
	im->max = IMAP_MAX_MESSAGE;
	if (!url)
		return aie_fail(EX_CONFIG, "IMAP_URL is not set (e.g. "
		    "imaps://mail.example.com:993/INBOX)");
	if (strncmp(url, "imaps://", 8) != 0 && strncmp(url, "imap://", 7) != 0)
		return aie_fail(EX_CONFIG, "IMAP_URL must start with imaps:// or "
		    "imap://");
	if (!user)
		return aie_fail(EX_CONFIG, "IMAP_USER is not set");
	if (mail_bearer("IMAP", &im->bearer) < 0)
		return -1;
	if (!pw && !im->bearer)
		return aie_fail(EX_CONFIG, "set IMAP_PASSWORD, IMAP_OAUTH or "
		    "IMAP_BEARER");
	host = strstr(url, "://") + 3;
	path = strchr(host, '/');
	if (!path || !path[1]) {
		/* no mailbox: INBOX */
		size_t hl = path ? (size_t)(path - url) : strlen(url);
		if (asprintf(&im->base, "%.*s/", (int)hl, url) < 0 ||
		    asprintf(&im->url, "%.*s/INBOX", (int)hl, url) < 0)
			return aie_fail_errno(EX_TEMP, "imap");
		buf_adds(&mb, "INBOX");
	} else {
		if (asprintf(&im->base, "%.*s", (int)(path - url + 1), url) < 0 ||
		    !(im->url = strdup(url)))
			return aie_fail_errno(EX_TEMP, "imap");
		/* the mailbox name: the path up to any ;PARAM, %-decoded */
		for (i = 1; path[i] && path[i] != ';' && path[i] != '/'; i++) {
			int h, l;
			if (path[i] == '%' && (h = hex_value((unsigned char)path[i + 1])) >= 0
			    && (l = hex_value((unsigned char)path[i + 2])) >= 0) {
				buf_addc(&mb, h * 16 + l);
				i += 2;
			} else
				buf_addc(&mb, path[i]);
		}
		if (path[i]) {
			imap_close(im);
			buf_free(&mb);
			return aie_fail(EX_CONFIG, "IMAP_URL: give only the "
			    "mailbox after the host (e.g. /INBOX)");
		}
	}
	if (!(im->mailbox = buf_take(&mb, NULL)) ||
	    strpbrk(im->mailbox, "\"\\\r\n")) {
		imap_close(im);
		return aie_fail(EX_CONFIG, "IMAP_URL: unusable mailbox name");
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(c = curl_easy_init())) {
		imap_close(im);
		return aie_fail(EX_TEMP, "libcurl cannot start");
	}
	im->curl = c;
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, im->err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	if (im->bearer)
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, im->bearer);
	else
		curl_easy_setopt(c, CURLOPT_PASSWORD, pw);
	if (strncmp(url, "imap://", 7) == 0 && tls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	return 0;
}

void imap_close(struct imap *im)
{
	if (im->curl)
		curl_easy_cleanup(im->curl);
	free(im->url);
	free(im->base);
	free(im->mailbox);
	if (im->bearer) {
		sodium_memzero(im->bearer, strlen(im->bearer));
		free(im->bearer);
	}
	memset(im, 0, sizeof *im);
}

/* Run one request: url, custom command (or NULL for a fetch). */
static int run(struct imap *im, const char *url, const char *custom,
    struct sink *s, const char *what)
{
	CURLcode rc;

	im->err[0] = '\0';
	curl_easy_setopt(im->curl, CURLOPT_URL, url);
	curl_easy_setopt(im->curl, CURLOPT_CUSTOMREQUEST, custom);
	curl_easy_setopt(im->curl, CURLOPT_WRITEDATA, s);
	rc = curl_easy_perform(im->curl);
	if (rc != CURLE_OK) {
		buf_free(&s->b);
		return curl_code(rc, what, im->err, im->bearer != NULL);
	}
	if (s->b.oom) {
		buf_free(&s->b);
		return aie_fail(EX_TEMP, "imap %s: out of memory", what);
	}
	return 0;
}

/* The number after "name " in s, or 0. */
static unsigned long number_after(const char *s, const char *name)
{
	const char *p = s;
	size_t nl = strlen(name);

	while ((p = strcasestr(p, name))) {
		p += nl;
		if (*p == ' ' && isdigit((unsigned char)p[1]))
			return strtoul(p + 1, NULL, 10);
	}
	return 0;
}

void imap_parse_status(const char *reply, unsigned long *uidvalidity,
    unsigned long *uidnext)
{
	*uidvalidity = reply ? number_after(reply, "UIDVALIDITY") : 0;
	*uidnext = reply ? number_after(reply, "UIDNEXT") : 0;
}

int imap_status(struct imap *im, unsigned long *uidvalidity,
    unsigned long *uidnext)
{
	struct sink s = { .max = 1 << 20 };
	char cmd[600];

	snprintf(cmd, sizeof cmd, "STATUS \"%s\" (UIDVALIDITY UIDNEXT)",
	    im->mailbox);
	if (run(im, im->base, cmd, &s, "STATUS") < 0)
		return -1;
	imap_parse_status(s.b.p, uidvalidity, uidnext);
	buf_free(&s.b);
	if (*uidvalidity == 0)
		return aie_fail(EX_DOWN, "imap STATUS: no UIDVALIDITY in the reply "
		    "(does the mailbox %s exist?)", im->mailbox);
	return 0;
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

int imap_parse_search(char *reply, unsigned long **uids, size_t *n)
{
	char *line, *save = NULL;
	size_t cap = 0;

	*uids = NULL;
	*n = 0;
	for (line = reply ? strtok_r(reply, "\r\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\r\n", &save)) {
		char *p, *end;
		if (strncasecmp(line, "* SEARCH", 8) != 0)
			continue;
		for (p = line + 8; *p; p = end) {
			unsigned long u;
			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				break;
			u = strtoul(p, &end, 10);
			if (u == 0)             /* not a UID (nz-number) */
				continue;
			if (*n == cap) {
				unsigned long *nu;
				cap = cap ? cap * 2 : 64;
				if (!(nu = realloc(*uids, cap * sizeof *nu))) {
					free(*uids);
					*uids = NULL;
					*n = 0;
					return aie_fail_errno(EX_TEMP, "imap search");
				}
				*uids = nu;
			}
			(*uids)[(*n)++] = u;
		}
	}
	if (*n)
		qsort(*uids, *n, sizeof **uids, cmp_ul);
	return 0;
}

int imap_search(struct imap *im, const char *criteria, unsigned long **uids,
    size_t *n)
{
	struct sink s = { .max = 16 << 20 };
	char cmd[256];
	int r;

	*uids = NULL;
	*n = 0;
	snprintf(cmd, sizeof cmd, "UID SEARCH %s", criteria);
	if (run(im, im->url, cmd, &s, "UID SEARCH") < 0)
		return -1;
	r = imap_parse_search(s.b.p, uids, n);
	buf_free(&s.b);
	return r;
}

int imap_fetch(struct imap *im, unsigned long uidvalidity, unsigned long uid,
    char **raw, size_t *len, int *truncated)
{
	struct sink s = { .max = im->max };
	char *url;

	if (asprintf(&url, "%s;UIDVALIDITY=%lu/;UID=%lu", im->url, uidvalidity,
	    uid) < 0)
		return aie_fail_errno(EX_TEMP, "imap");
	if (run(im, url, NULL, &s, "fetch") < 0) {
		free(url);
		return -1;
	}
	free(url);
	*truncated = s.truncated;
	if (!(*raw = buf_take(&s.b, len)))
		return aie_fail(EX_TEMP, "imap fetch: out of memory");
	return 0;
}

int imap_store_unseen(struct imap *im, unsigned long uid)
{
	struct sink s = { .max = 1 << 20 };
	char cmd[96];

	snprintf(cmd, sizeof cmd, "UID STORE %lu -FLAGS.SILENT (\\Seen)", uid);
	if (run(im, im->url, cmd, &s, "UID STORE") < 0)
		return -1;
	buf_free(&s.b);
	return 0;
}
