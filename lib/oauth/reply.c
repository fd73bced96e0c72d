/*
 * reply.c - what an authorization server answers (RFC 6749 section 5,
 * RFC 8628 section 3.2 and 3.5), read without trusting it.
 *
 * A success is 200 {"access_token","token_type":"Bearer","expires_in"
 * [,"refresh_token"][,"scope"]}; a refresh reply may bring a new refresh
 * token (rotation: X always, Microsoft often), and then it replaces the
 * old one. expires_in is a number (some servers have sent it as a
 * string). A token must be printable ASCII without spaces: it goes into
 * a file of lines and an Authorization header.
 *
 * An error is 400 (401 for a client that failed to authenticate)
 * {"error":"invalid_grant","error_description":…}: the grant is refused
 * (revoked, expired, or a code used twice), and the owner has to
 * authorise again. Graph (Facebook) sends its envelope instead,
 * {"error":{"message","type","code"}}. X answers a spent refresh token
 * with invalid_request. During the device flow, authorization_pending and
 * slow_down mean "ask again later", access_denied that the owner said no,
 * expired_token that the code ran out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "oauth/oauth.h"

/* The provider's words, one line of printable ASCII, cut. */
static void clean(char *dst, size_t size, const char *s)
{
	size_t n = 0;

	for (; s && *s && n + 1 < size && n < 160; s++)
		dst[n++] = (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ?
		    '?' : *s;
	dst[n] = '\0';
}

/* Is s a usable token of less than size bytes? */
static int token_ok(const char *s, size_t size)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= size)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* What the owner runs to authorise again. */
static const char *redo(const struct oauth_provider *p)
{
	return !strcmp(p->name, "google") || !strcmp(p->name, "microsoft") ?
	    "oauth-token init" : "social-auth";
}

/* A number of seconds, 1 to 10 years, from a JSON number or numeric
 * string: it, or -1. */
static long long seconds(json_t *v)
{
	long long n;
	char *end;

	if (json_is_integer(v))
		n = json_integer_value(v);
	else if (json_is_string(v) && *json_string_value(v)) {
		n = strtoll(json_string_value(v), &end, 10);
		if (*end)
			return -1;
	} else
		return -1;
	return n >= 1 && n <= 10LL * 366 * 86400 ? n : -1;
}

/* An error reply's code and words into err and desc: 1 when they came
 * in Graph's envelope (whose type says nothing of the cause), else 0. */
static int error_of(json_t *o, char *err, size_t esize, char *desc,
    size_t dsize)
{
	json_t *e = json_object_get(o, "error");

	*err = *desc = '\0';
	if (json_is_string(e)) {
		clean(err, esize, json_string_value(e));
		clean(desc, dsize, json_string_value(json_object_get(o,
		    "error_description")));
	} else if (json_is_object(e)) {
		clean(err, esize, json_string_value(json_object_get(e, "type")));
		clean(desc, dsize, json_string_value(json_object_get(e, "message")));
		return *err != '\0';
	}
	return 0;
}

static int failure(const struct oauth_provider *p, long status, json_t *o,
    int *pending)
{
	char err[64], desc[200];

	if (status == 429 || status >= 500)
		return aie_fail(EX_TEMP, "%s: the token endpoint is failing (HTTP "
		    "%ld); try again later", p->name, status);
	if (error_of(o, err, sizeof err, desc, sizeof desc) && status >= 400)
		return aie_fail(EX_CONFIG, "%s: the token endpoint refused (%s%s%s): "
		    "check %s_CLIENT_ID and %s_CLIENT_SECRET, or authorise again "
		    "with %s %s", p->name, err, *desc ? ": " : "", desc, p->prefix,
		    p->prefix, redo(p), p->name);
	if (!strcmp(err, "authorization_pending") || !strcmp(err, "slow_down")) {
		if (pending)
			*pending = err[0] == 'a' ? 1 : 2;
		return aie_fail(EX_TEMP, "%s: not approved yet", p->name);
	}
	if (!strcmp(err, "access_denied"))
		return aie_fail(EX_REFUSED, "%s: the owner declined the "
		    "authorisation", p->name);
	if (!strcmp(err, "expired_token"))
		return aie_fail(EX_CONFIG, "%s: the code expired before it was "
		    "approved; run %s %s again", p->name, redo(p), p->name);
	if (status < 400 || !*err)
		return aie_fail(EX_TEMP, "%s: the token endpoint's reply (HTTP %ld) "
		    "is not a token reply", p->name, status);
	if (!strcmp(err, "invalid_client") || !strcmp(err, "unauthorized_client"))
		return aie_fail(EX_CONFIG, "%s: the token endpoint refused the "
		    "client (%s%s%s): check %s_CLIENT_ID and %s_CLIENT_SECRET",
		    p->name, err, *desc ? ": " : "", desc, p->prefix, p->prefix);
	return aie_fail(EX_CONFIG, "%s: the token endpoint refused the grant "
	    "(%s%s%s): the token was revoked or expired; authorise again with "
	    "%s %s", p->name, err, *desc ? ": " : "", desc, redo(p), p->name);
}

/* The reply as a JSON object, or NULL with its failure said. */
static json_t *reply_object(const struct oauth_provider *p, const char *what,
    long status, const char *body, size_t len, int *pending)
{
	json_t *o = NULL;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && json_is_object(o))
		return o;
	if (status == 200)
		aie_fail(EX_TEMP, "%s: the %s endpoint's reply is not JSON",
		    p->name, what);
	else
		failure(p, status, o, pending);
	json_decref(o);
	return NULL;
}

int oauth_token_reply(const struct oauth_provider *p, long status,
    const char *body, size_t len, time_t now, struct oauth_tokens *t,
    int *pending)
{
	json_t *o, *v;
	const char *access, *refresh, *type, *scope;
	long long exp = 0;

	if (pending)
		*pending = 0;
	if (!(o = reply_object(p, "token", status, body, len, pending)))
		return -1;
	access = json_string_value(json_object_get(o, "access_token"));
	refresh = json_string_value(json_object_get(o, "refresh_token"));
	type = json_string_value(json_object_get(o, "token_type"));
	scope = json_string_value(json_object_get(o, "scope"));
	v = json_object_get(o, "expires_in");
	if (!access || !token_ok(access, sizeof t->access) ||
	    (refresh && !token_ok(refresh, sizeof t->refresh)) ||
	    (json_object_get(o, "refresh_token") && !refresh) ||
	    (type && strcasecmp(type, "bearer") != 0) ||
	    (v && !json_is_null(v) && (exp = seconds(v)) < 0)) {
		json_decref(o);
		return aie_fail(EX_TEMP, "%s: the token endpoint's reply has no "
		    "usable bearer access_token", p->name);
	}
	snprintf(t->access, sizeof t->access, "%s", access);
	if (refresh)
		snprintf(t->refresh, sizeof t->refresh, "%s", refresh);
	t->expires_at = exp ? (long long)now + exp : 0;
	if (scope && strlen(scope) < sizeof t->scope)
		clean(t->scope, sizeof t->scope, scope);
	json_decref(o);
	return 0;
}

int oauth_device_reply(const struct oauth_provider *p, long status,
    const char *body, size_t len, struct oauth_device *d)
{
	json_t *o;
	const char *dc, *uc, *url;
	long long exp, iv = 5;
	int r = 0;

	memset(d, 0, sizeof *d);
	if (!(o = reply_object(p, "device", status, body, len, NULL)))
		return -1;
	dc = json_string_value(json_object_get(o, "device_code"));
	uc = json_string_value(json_object_get(o, "user_code"));
	/* RFC 8628 says verification_uri; Google says verification_url */
	if (!(url = json_string_value(json_object_get(o, "verification_uri"))))
		url = json_string_value(json_object_get(o, "verification_url"));
	exp = seconds(json_object_get(o, "expires_in"));
	if (json_object_get(o, "interval"))
		iv = seconds(json_object_get(o, "interval"));
	if (!dc || !token_ok(dc, sizeof d->device_code) || !uc ||
	    !token_ok(uc, sizeof d->user_code) || !url ||
	    !oauth_url_ok(url) || !token_ok(url, sizeof d->verify_url) ||
	    exp < 0 || iv < 0 || iv > 600)
		r = aie_fail(EX_TEMP, "%s: the device endpoint's reply has no "
		    "usable device_code, user_code and verification URL", p->name);
	else {
		snprintf(d->device_code, sizeof d->device_code, "%s", dc);
		snprintf(d->user_code, sizeof d->user_code, "%s", uc);
		snprintf(d->verify_url, sizeof d->verify_url, "%s", url);
		d->expires_in = (long)exp;
		d->interval = (long)iv;
	}
	json_decref(o);
	return r;
}
