/*
 * xauth.c - X's OAuth 2.0 user tokens: which to use, and a new one when X
 * refuses the old (401).
 *
 * X's access tokens last two hours; the refresh token (scope
 * offline.access) gets a new one: POST {X_TOKEN_URL} form
 * grant_type=refresh_token&refresh_token=R&client_id=C (a confidential
 * client also authenticates with HTTP Basic, X_CLIENT_SECRET) →
 * {"access_token","refresh_token","expires_in","token_type","scope"}; a
 * refresh token is good for one use, and a refused one is a 400 (X says
 * {"error":"invalid_request","error_description":"Value passed for the
 * token was invalid."}, the RFC invalid_grant): revoked or expired, the
 * owner authorises again. So the pair X answers with is written to the token file (0600,
 * created anew and renamed over the old) before the new access token is
 * used: a crash after the refresh loses nothing. The file, when there is
 * one, is newer than X_TOKEN and X_REFRESH_TOKEN and wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* The token file: X_TOKEN_FILE, else ai-employee/x.tokens under the
 * configuration directory. 0, or -1 (78). */
static int token_path(char *buf, size_t size)
{
	const char *p = config_get("X_TOKEN_FILE"), *xdg, *home;
	int n;

	if (p && *p)
		n = snprintf(buf, size, "%s", p);
	else if ((xdg = config_get("XDG_CONFIG_HOME")) && *xdg)
		n = snprintf(buf, size, "%s/ai-employee/x.tokens", xdg);
	else if ((home = config_get("HOME")) && *home)
		n = snprintf(buf, size, "%s/.config/ai-employee/x.tokens", home);
	else
		return aie_fail(EX_CONFIG, "no HOME and no X_TOKEN_FILE");
	if (n < 0 || (size_t)n >= size)
		return aie_fail(EX_CONFIG, "X_TOKEN_FILE: path too long");
	return 0;
}

/* key=value of the token file's line for key into dst; 0 or -1. */
static int file_value(const char *text, const char *key, char *dst,
    size_t size)
{
	size_t k = strlen(key), n;
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == '=') {
			n = strcspn(p + k + 1, "\r\n");
			if (n == 0 || n >= size)
				return -1;
			memcpy(dst, p + k + 1, n);
			dst[n] = '\0';
			return 0;
		}
	return -1;
}

int x_tokens(struct x_tokens *t)
{
	char path[4096], text[8192];
	const char *v;
	int n;

	memset(t, 0, sizeof *t);
	if (token_path(path, sizeof path) < 0)
		return -1;
	if ((n = secret_read(path, 1, text, sizeof text)) >= 0) {
		int bad = file_value(text, "access_token", t->access,
		    sizeof t->access) < 0;
		if (file_value(text, "refresh_token", t->refresh,
		    sizeof t->refresh) < 0)
			t->refresh[0] = '\0';
		sodium_memzero(text, sizeof text);
		if (bad)
			return aie_fail(EX_CONFIG, "%s: no access_token= line", path);
		t->from_file = 1;
		return 0;
	}
	if (errno != ENOENT)
		return -1;           /* unsafe or unreadable: said by secret_read */
	if (!(v = config_get("X_TOKEN")) || !*v)
		return aie_fail(EX_CONFIG, "X_TOKEN is not set");
	if (strlen(v) >= sizeof t->access)
		return aie_fail(EX_CONFIG, "X_TOKEN is too long");
	snprintf(t->access, sizeof t->access, "%s", v);
	if ((v = config_get("X_REFRESH_TOKEN")) && *v &&
	    strlen(v) < sizeof t->refresh)
		snprintf(t->refresh, sizeof t->refresh, "%s", v);
	return 0;
}

int x_configured(void)
{
	char path[4096];
	const char *v = config_get("X_TOKEN");

	if (v && *v)
		return 1;
	return token_path(path, sizeof path) == 0 && access(path, R_OK) == 0;
}

/* Write the pair to the token file (0600, atomically). 0, or -1 (78). */
static int store(const struct x_tokens *t)
{
	char path[4096], *slash, *buf = NULL;
	int dfd, n, r;

	if (token_path(path, sizeof path) < 0)
		return -1;
	if (!(slash = strrchr(path, '/')) || slash == path)
		return aie_fail(EX_CONFIG, "%s: not an absolute path", path);
	*slash = '\0';
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	n = asprintf(&buf, "access_token=%s\nrefresh_token=%s\n", t->access,
	    t->refresh);
	r = n < 0 ? aie_fail(EX_TEMP, "out of memory") :
	    file_writeat(dfd, slash + 1, buf, (size_t)n, 0600);
	if (r < 0 && n >= 0)
		aie_fail(EX_CONFIG, "%s/%s: the new X tokens cannot be stored: %s",
		    path, slash + 1, aie_errmsg);
	if (buf) {
		sodium_memzero(buf, (size_t)n);
		free(buf);
	}
	close(dfd);
	return r;
}

/* Read the token endpoint's reply into t. 0, or -1 (78 refused). */
int x_refresh_reply(long status, const char *body, size_t len,
    struct x_tokens *t)
{
	json_t *o = NULL;
	const char *access = NULL, *refresh = NULL, *err = NULL;
	int r = -1;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && o && json_unpack(o, "{s:s, s?s}", "access_token",
	    &access, "refresh_token", &refresh) == 0 && *access &&
	    strlen(access) < sizeof t->access && !strpbrk(access, "\r\n") &&
	    (!refresh || (strlen(refresh) < sizeof t->refresh &&
	    !strpbrk(refresh, "\r\n")))) {
		snprintf(t->access, sizeof t->access, "%s", access);
		if (refresh && *refresh)
			snprintf(t->refresh, sizeof t->refresh, "%s", refresh);
		r = 0;
	} else if (status == 200)
		aie_fail(EX_TEMP, "x: the token endpoint's reply has no usable "
		    "access_token");
	else if (status == 429 || status >= 500)
		aie_fail(EX_TEMP, "x: the token endpoint is failing (HTTP %ld)",
		    status);
	else {
		if (o)
			json_unpack(o, "{s:s}", "error", &err);
		aie_fail(EX_CONFIG, "x: the access token expired and the refresh "
		    "token was refused (HTTP %ld%s%.40s): authorise the app on X "
		    "again and put the new tokens in X_TOKEN and X_REFRESH_TOKEN "
		    "(and remove the token file)", status, err ? ": " : "",
		    err ? err : "");
	}
	json_decref(o);
	return r;
}

int social_x_token_reply(long status, const char *body, size_t len)
{
	struct x_tokens t;
	int r;

	memset(&t, 0, sizeof t);
	r = x_refresh_reply(status, body, len, &t);
	sodium_memzero(&t, sizeof t);
	return r;
}

int x_refresh(struct x_tokens *t)
{
	const char *url, *client, *secret;
	char *rt = NULL, *cid = NULL, *body = NULL, *userpwd = NULL;
	const char *hdrs[] = { "Content-Type: application/x-www-form-urlencoded",
	    NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	int r = -1, n = -1;

	if (!*t->refresh)
		return aie_fail(EX_CONFIG, "x: the access token expired or was "
		    "revoked (HTTP 401) and there is no refresh token: authorise "
		    "the app on X again (scope offline.access) and put the tokens "
		    "in X_TOKEN and X_REFRESH_TOKEN");
	if (social_need("X_CLIENT_ID", &client) < 0)
		return aie_fail(EX_CONFIG, "x: the access token expired; to refresh "
		    "it X_CLIENT_ID (the app's OAuth 2.0 client ID) must be set");
	url = config_get_default("X_TOKEN_URL", "https://api.x.com/2/oauth2/token");
	secret = config_get("X_CLIENT_SECRET");
	if (!(rt = http_urlencode(t->refresh)) || !(cid = http_urlencode(client)) ||
	    (n = asprintf(&body, "grant_type=refresh_token&refresh_token=%s"
	    "&client_id=%s", rt, cid)) < 0 ||
	    (secret && *secret && asprintf(&userpwd, "%s:%s", client, secret) < 0)) {
		if (n < 0)
			body = NULL;
		userpwd = NULL;
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = body;
	rq.bodylen = (size_t)n;
	rq.userpwd = userpwd;
	rq.timeout = social_timeout();
	rq.max_response = 1 << 16;
	if (http_do(&rq, &rs) < 0)
		goto out;
	r = x_refresh_reply(rs.status, rs.body, rs.len, t);
	http_resp_free(&rs);
	/* the new pair is on disk before the new access token is used */
	if (r == 0)
		r = store(t);
out:
	if (rt)
		sodium_memzero(rt, strlen(rt));
	if (body)
		sodium_memzero(body, (size_t)n);
	if (userpwd)
		sodium_memzero(userpwd, strlen(userpwd));
	free(rt);
	free(cid);
	free(body);
	free(userpwd);
	return r;
}
