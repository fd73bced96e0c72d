/*
 * tokenexp.c - the access tokens whose expiry is watched and the verdict
 * on one (see vault-health(1), "Token expiry"), from what is known of it:
 * pure, no network, so the dashboard's /settings tells the same words
 * as vault-health's tokens component from the configuration alone.
 */
#include <stdio.h>
#include <string.h>

#include "health/health.h"
#include "vault/vault.h"

const struct token_kind token_kinds[] = {
	{ "linkedin", "LINKEDIN_TOKEN", "LINKEDIN_TOKEN_EXPIRES_AT", NULL, NULL,
	  "authorise the app on LinkedIn again, set LINKEDIN_TOKEN and "
	  "LINKEDIN_TOKEN_EXPIRES_AT" },
	{ "x", "X_TOKEN", "X_TOKEN_EXPIRES_AT", NULL, NULL,
	  "authorise the app on X again, set X_TOKEN and X_REFRESH_TOKEN" },
	{ "facebook", "FACEBOOK_PAGE_TOKEN", "FACEBOOK_PAGE_TOKEN_EXPIRES_AT",
	  "FACEBOOK_GRAPH_URL", "FACEBOOK_API_VERSION",
	  "make a new Page access token, set FACEBOOK_PAGE_TOKEN" },
	/* Instagram's publishing goes through the Facebook Graph host and
	 * version (see social-post(1)), so debug_token is asked there */
	{ "instagram", "INSTAGRAM_TOKEN", "INSTAGRAM_TOKEN_EXPIRES_AT",
	  "FACEBOOK_GRAPH_URL", "FACEBOOK_API_VERSION",
	  "make a new long-lived token for the Instagram account, set "
	  "INSTAGRAM_TOKEN" },
	{ "whatsapp", "WA_TOKEN", "WA_TOKEN_EXPIRES_AT", "WA_GRAPH_URL",
	  "WA_API_VERSION", "make a new system user token, set WA_TOKEN" },
	{ NULL, NULL, NULL, NULL, NULL, NULL }
};

const struct token_kind *token_kind_named(const char *name)
{
	const struct token_kind *t;

	for (t = token_kinds; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int token_watched(const struct token_kind *t)
{
	const char *v = config_get(t->key), *refresh;

	if (!v || !*v)
		return 0;
	/* X's token refreshes itself: watched only when it cannot */
	refresh = config_get("X_REFRESH_TOKEN");
	return strcmp(t->name, "x") || (config_get(t->expires_key) &&
	    !(refresh && *refresh));
}

const char *token_judge(const struct token_kind *t, time_t at, int valid,
    time_t now, long warn_days, char *piece, size_t size)
{
	char day[21];
	/* whole days left, rounded up: "in 1 d" until it is out */
	long days = at ? (long)((at - now + 86399) / 86400) : 0;

	time_rfc3339(at, day);
	day[10] = '\0';
	if (!valid || (at && at <= now)) {
		snprintf(piece, size, "%s: expired%s%s: %s", t->name, at ? " " : "",
		    at ? day : "", t->fix);
		return "down";
	}
	if (at == 0) {
		snprintf(piece, size, "%s: never expires", t->name);
		return "up";
	}
	if (at - now <= warn_days * 86400L) {
		snprintf(piece, size, "%s: expires %s (in %ld d): %s", t->name, day,
		    days, t->fix);
		return "degraded";
	}
	snprintf(piece, size, "%s: expires %s (in %ld d)", t->name, day, days);
	return "up";
}

const char *token_config_expiry(const struct token_kind *t, time_t now,
    long warn_days, char *piece, size_t size, time_t *at)
{
	const char *exp = config_get(t->expires_key);

	*at = 0;
	if (!exp || !*exp)
		return NULL;
	if (time_parse_rfc3339(exp, at) < 0) {
		*at = 0;
		snprintf(piece, size, "%s: %s is not RFC 3339", t->name,
		    t->expires_key);
		return "unknown";
	}
	return token_judge(t, *at, 1, now, warn_days, piece, size);
}
