/*
 * grant.c - the requests to an authorization server: the token endpoint
 * (refresh_token, authorization_code with the PKCE verifier, device_code)
 * and the device authorization endpoint. Each is a form POST (Graph:
 * a GET with the same fields in the query) carrying client_id, and the
 * client secret when one is set: in the body, or as HTTP Basic for a
 * provider that wants that (X).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http/http.h"
#include "vault/vault.h"
#include "oauth/oauth.h"

/* Send the form of kv (name, value, ..., NULL) to p's endpoint what
 * ("TOKEN", "DEVICE"). 0 with rs, or -1 (69/75 no reply, 78). */
static int send_form(const struct oauth_provider *p, const char *what,
    const char *const *kv, struct http_resp *rs)
{
	static const char *const hdrs[] = {
	    "Content-Type: application/x-www-form-urlencoded",
	    "Accept: application/json", NULL };
	const char *id = oauth_get(p, "CLIENT_ID");
	const char *secret = oauth_get(p, "CLIENT_SECRET");
	char url[2048], *form, *full = NULL, *userpwd = NULL;
	struct http_req rq = { 0 };
	struct buf b = { 0 };
	size_t len, i;
	int r = -1;

	if (!id)
		return aie_fail(EX_CONFIG, "%s_CLIENT_ID is not set (the OAuth "
		    "client ID of the app you registered with %s)", p->prefix,
		    p->name);
	if (oauth_url(p, what, url, sizeof url) < 0)
		return -1;
	for (i = 0; kv[i]; i += 2) {
		char *e = http_urlencode(kv[i + 1]);
		buf_addf(&b, "%s%s=%s", i ? "&" : "", kv[i], e ? e : "");
		if (!e)
			b.oom = 1;
		else
			sodium_memzero(e, strlen(e));
		free(e);
	}
	if (!p->basic_auth || !secret) {
		char *e = http_urlencode(id);
		buf_addf(&b, "&client_id=%s", e ? e : "");
		b.oom |= !e;
		free(e);
	}
	if (secret && !p->basic_auth) {
		char *e = http_urlencode(secret);
		buf_addf(&b, "&client_secret=%s", e ? e : "");
		b.oom |= !e;
		free(e);
	}
	if (!(form = buf_take(&b, &len))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (p->basic_auth && secret && asprintf(&userpwd, "%s:%s", id,
	    secret) < 0) {
		userpwd = NULL;
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (p->get_exchange && asprintf(&full, "%s?%s", url, form) < 0) {
		full = NULL;
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	rq.method = p->get_exchange ? "GET" : "POST";
	rq.url = full ? full : url;
	rq.headers = hdrs;
	rq.body = full ? NULL : form;
	rq.bodylen = full ? 0 : len;
	rq.userpwd = userpwd;
	rq.timeout = 30;
	rq.max_response = 1 << 16;
	if ((r = http_do(&rq, rs)) < 0) {
		char why[sizeof aie_errmsg];   /* aie_fail writes aie_errmsg */
		snprintf(why, sizeof why, "%s", aie_errmsg);
		aie_fail(aie_errcode, "%s: the token endpoint: %s", p->name, why);
	}
out:
	if (form)
		sodium_memzero(form, len);
	if (full)
		sodium_memzero(full, strlen(full));
	if (userpwd)
		sodium_memzero(userpwd, strlen(userpwd));
	free(form);
	free(full);
	free(userpwd);
	return r;
}

/* One token request, its reply into t. */
static int token_request(const struct oauth_provider *p,
    const char *const *kv, struct oauth_tokens *t, int *pending)
{
	struct http_resp rs;
	time_t now = time(NULL);
	int r;

	if (send_form(p, "TOKEN", kv, &rs) < 0)
		return -1;
	r = oauth_token_reply(p, rs.status, rs.body, rs.len, now, t, pending);
	if (rs.body)
		sodium_memzero(rs.body, rs.len);
	http_resp_free(&rs);
	return r;
}

int oauth_refresh(const struct oauth_provider *p, struct oauth_tokens *t)
{
	const char *scope = oauth_get(p, "SCOPE");
	const char *kv[] = { "grant_type", "refresh_token", "refresh_token",
	    t->refresh, p->refresh_scope ? "scope" : NULL,
	    scope ? scope : p->scope, NULL };

	if (!*t->refresh)
		return aie_fail(EX_CONFIG, "%s: the access token expired and there "
		    "is no refresh token: authorise again with %s %s", p->name,
		    strcmp(p->name, "google") && strcmp(p->name, "microsoft") ?
		    "social-auth" : "oauth-token init", p->name);
	return token_request(p, kv, t, NULL);
}

int oauth_exchange(const struct oauth_provider *p, const char *code,
    const char *verifier, const char *redirect, struct oauth_tokens *t)
{
	const char *kv[] = { "grant_type", "authorization_code", "code", code,
	    "redirect_uri", redirect, "code_verifier", verifier, NULL };

	return token_request(p, kv, t, NULL);
}

int oauth_long_lived(const struct oauth_provider *p, struct oauth_tokens *t)
{
	char *user = strdup(t->access);
	const char *kv[] = { "grant_type", "fb_exchange_token",
	    "fb_exchange_token", user, NULL };
	int r;

	if (!user)
		return aie_fail(EX_TEMP, "out of memory");
	r = token_request(p, kv, t, NULL);
	sodium_memzero(user, strlen(user));
	free(user);
	return r;
}

int oauth_device_start(const struct oauth_provider *p,
    struct oauth_device *d)
{
	const char *scope = oauth_get(p, "SCOPE");
	const char *kv[] = { "scope", scope ? scope : p->scope, NULL };
	struct http_resp rs;
	int r;

	if (send_form(p, "DEVICE", kv, &rs) < 0)
		return -1;
	r = oauth_device_reply(p, rs.status, rs.body, rs.len, d);
	http_resp_free(&rs);
	return r;
}

int oauth_device_poll(const struct oauth_provider *p,
    const struct oauth_device *d, struct oauth_tokens *t)
{
	const char *kv[] = { "grant_type",
	    "urn:ietf:params:oauth:grant-type:device_code", "device_code",
	    d->device_code, NULL };
	time_t end = time(NULL) + d->expires_in;
	long interval = d->interval > 0 ? d->interval : 5;
	int pending;

	for (;;) {
		loop_nap((double)interval);
		if (loop_stop)
			return aie_fail(EX_TEMP, "%s: stopped while waiting for the "
			    "approval", p->name);
		if (token_request(p, kv, t, &pending) == 0)
			return 0;
		if (!pending)
			return -1;
		if (pending == 2)        /* slow_down: RFC 8628 adds 5 s */
			interval += 5;
		if (time(NULL) + interval > end)
			return aie_fail(EX_CONFIG, "%s: the code expired before it "
			    "was approved; run it again", p->name);
	}
}
