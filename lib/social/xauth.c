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
 * owner authorises again. So the pair X answers with is written to the
 * token file (lib/oauth's store: 0600, created anew and renamed over the
 * old) before the new access token is used: a crash after the refresh
 * loses nothing. The file, when there is one, is newer than X_TOKEN and
 * X_REFRESH_TOKEN and wins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "internal.h"

/* X's provider of lib/oauth: its token file is X_TOKEN_FILE, else
 * ai-employee/x.tokens under the configuration directory, the file
 * social-auth(1) writes (see oauth.h, store.c). */
static const struct oauth_provider *xp(void)
{
	return oauth_provider("x");
}

int x_tokens(struct x_tokens *t)
{
	const char *v;

	memset(t, 0, sizeof *t);
	if (oauth_load(xp(), &t->o) == 0) {
		t->from_file = 1;
		return 0;
	}
	if (errno != ENOENT)
		return -1;           /* unsafe or unreadable: said by oauth_load */
	if (!(v = config_get("X_TOKEN")) || !*v)
		return aie_fail(EX_CONFIG, "X_TOKEN is not set");
	if (strlen(v) >= sizeof t->o.access)
		return aie_fail(EX_CONFIG, "X_TOKEN is too long");
	snprintf(t->o.access, sizeof t->o.access, "%s", v);
	if ((v = config_get("X_REFRESH_TOKEN")) && *v &&
	    strlen(v) < sizeof t->o.refresh)
		snprintf(t->o.refresh, sizeof t->o.refresh, "%s", v);
	return 0;
}

/* Read the token endpoint's reply into t. 0, or -1 (78 refused). */
int x_refresh_reply(long status, const char *body, size_t len,
    struct x_tokens *t)
{
	json_t *o = NULL;
	const char *access = NULL, *refresh = NULL, *err = NULL;
	json_int_t expires_in = 0;
	int r = -1;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && o && json_unpack(o, "{s:s, s?s}", "access_token",
	    &access, "refresh_token", &refresh) == 0 && *access &&
	    strlen(access) < sizeof t->o.access && !strpbrk(access, "\r\n") &&
	    (!refresh || (strlen(refresh) < sizeof t->o.refresh &&
	    !strpbrk(refresh, "\r\n")))) {
		snprintf(t->o.access, sizeof t->o.access, "%s", access);
		if (refresh && *refresh)
			snprintf(t->o.refresh, sizeof t->o.refresh, "%s", refresh);
		/* kept in the file as social-auth keeps it (expires_at) */
		json_unpack(o, "{s?I}", "expires_in", &expires_in);
		t->o.expires_at = expires_in > 0 && expires_in < 100000000 ?
		    (long long)time(NULL) + expires_in : 0;
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

	if (!*t->o.refresh)
		return aie_fail(EX_CONFIG, "x: the access token expired or was "
		    "revoked (HTTP 401) and there is no refresh token: authorise "
		    "the app on X again (scope offline.access) and put the tokens "
		    "in X_TOKEN and X_REFRESH_TOKEN");
	if (social_need("X_CLIENT_ID", &client) < 0)
		return aie_fail(EX_CONFIG, "x: the access token expired; to refresh "
		    "it X_CLIENT_ID (the app's OAuth 2.0 client ID) must be set");
	url = config_get_default("X_TOKEN_URL", "https://api.x.com/2/oauth2/token");
	secret = config_get("X_CLIENT_SECRET");
	if (!(rt = http_urlencode(t->o.refresh)) || !(cid = http_urlencode(client)) ||
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
		r = oauth_store(xp(), &t->o);
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
