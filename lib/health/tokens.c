/*
 * tokens.c - when the access tokens this agent holds run out (see
 * vault-health(1), "Token expiry").
 *
 * LinkedIn's member tokens last 60 days and cannot be refreshed without
 * the owner; a Facebook Page token, the Instagram account's (a Facebook
 * login token, 60 days when long-lived) or a WhatsApp (system user) token
 * may last for ever or expire. What is known of each: its <KEY>_EXPIRES_AT
 * (RFC 3339 UTC; written by whoever makes the token: the owner from the
 * developer portal's "expires in", or a future social-auth), else, for the
 * Meta tokens, Graph's debug_token, asked with the token itself:
 * GET {graph}/{version}/debug_token?input_token=T (bearer T) →
 * {"data":{"is_valid":true|false,"expires_at":EPOCH (0: never),
 * "data_access_expires_at",...}}; a token Graph no longer takes answers
 * 400 with the Graph error 190. X's user token lasts two hours and is
 * refreshed by itself (social-post(1)), so it is watched only when set
 * with X_TOKEN_EXPIRES_AT and without X_REFRESH_TOKEN.
 *
 * The state: down when a token has expired (or Graph says it is no longer
 * valid), degraded when one expires within the warning, up when every
 * expiry known is further off, unknown when none is known, unconfigured
 * when no such token is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "health/health.h"
#include "http/http.h"
#include "vault/vault.h"

/* Graph's answer about a token into *at (0: never) and *valid. 0, or -1
 * when it said nothing usable. */
int token_debug_reply(long status, const char *body, size_t len,
    time_t *at, int *valid)
{
	json_t *o = NULL, *d;
	json_int_t exp = -1, code = 0;
	int ok = -1, v = 0;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && (d = json_object_get(o, "data")) &&
	    json_unpack(d, "{s:b, s?I}", "is_valid", &v, "expires_at",
	    &exp) == 0 && exp >= 0 && exp < 100000000000LL) {
		*at = (time_t)exp;
		*valid = v;
		ok = 0;
	} else if (status >= 400 && status < 500 && json_unpack(o,
	    "{s:{s:I}}", "error", "code", &code) == 0 && code == 190) {
		*at = 0;                 /* refused: expired or revoked */
		*valid = 0;
		ok = 0;
	}
	json_decref(o);
	return ok;
}

/* debug_token for token t; 0 with *at and *valid, else -1 with aie_errmsg. */
static int debug_token(const struct token_kind *t, const char *token, long timeout,
    time_t *at, int *valid)
{
	const char *base = config_get_default(t->graph_key,
	    "https://graph.facebook.com");
	const char *ver = config_get_default(t->version_key, "v21.0");
	char auth[4200], url[8400], *enc;
	const char *hdrs[] = { auth, NULL };
	struct http_req rq = { 0 };
	struct http_resp rs;
	int n, rc = -1;

	if (strpbrk(token, "\r\n") || !(enc = http_urlencode(token)))
		return aie_fail(EX_CONFIG, "%s holds a line break", t->key);
	n = snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	if (n < 0 || (size_t)n >= sizeof auth ||
	    (size_t)snprintf(url, sizeof url, "%s/%.20s/debug_token?"
	    "input_token=%s", base, ver, enc) >= sizeof url) {
		free(enc);
		sodium_memzero(auth, sizeof auth);
		return aie_fail(EX_CONFIG, "%s is too long", t->key);
	}
	free(enc);
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.timeout = timeout;
	rq.max_response = 1 << 20;
	if (http_do(&rq, &rs) == 0) {
		if ((rc = token_debug_reply(rs.status, rs.body, rs.len, at,
		    valid)) < 0)
			aie_fail(EX_TEMP, "debug_token: HTTP %ld", rs.status);
		http_resp_free(&rs);
	}
	sodium_memzero(url, sizeof url);
	sodium_memzero(auth, sizeof auth);
	return rc;
}

/* The rank of a state word, worst last. */
static int rank(const char *s)
{
	static const char *const order[] = { "unconfigured", "unknown", "up",
	    "degraded", "down", NULL };
	int i;

	for (i = 0; order[i]; i++)
		if (!strcmp(s, order[i]))
			return i;
	return 0;
}

void probe_tokens(long timeout, long warn_days, time_t now,
    struct health *h, char *key, size_t keysize)
{
	char detail[HEALTH_DETAIL_MAX] = "", piece[HEALTH_DETAIL_MAX], day[21];
	const char *state = "unconfigured", *st;
	const struct token_kind *t;
	size_t len = 0;

	key[0] = '\0';
	for (t = token_kinds; t->name; t++) {
		time_t at = 0;
		int valid = 1;

		if (!token_watched(t))
			continue;
		st = token_config_expiry(t, now, warn_days, piece, sizeof piece, &at);
		if (!st && !t->graph_key) {
			snprintf(piece, sizeof piece, "%s: expiry unknown (set %s)",
			    t->name, t->expires_key);
			st = "unknown";
		} else if (!st && debug_token(t, config_get(t->key), timeout, &at,
		    &valid) == 0)
			st = token_judge(t, at, valid, now, warn_days, piece,
			    sizeof piece);
		else if (!st) {
			snprintf(piece, sizeof piece, "%s: expiry unknown (%.120s)",
			    t->name, aie_errmsg);
			st = "unknown";
		}
		/* the first token to warn about names the notice */
		if (!key[0] && (!strcmp(st, "degraded") || !strcmp(st, "down"))) {
			time_rfc3339(at, day);
			day[10] = '\0';
			snprintf(key, keysize, "token-%s-%s", t->name, at ? day :
			    "invalid");
		}
		if (rank(st) > rank(state))
			state = st;
		len += (size_t)snprintf(detail + len, sizeof detail - len, "%s%s",
		    len ? "; " : "", piece);
		if (len >= sizeof detail)
			len = sizeof detail - 1;
	}
	if (!strcmp(state, "unconfigured"))
		health_set(h, state, "no token with an expiry set here");
	else
		health_set(h, state, "%s", detail);
}
