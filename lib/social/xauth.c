/*
 * xauth.c - X's OAuth 2.0 user tokens: which to use, and a new one when X
 * refuses the old (401) or it is about to run out.
 *
 * X's access tokens last two hours; the refresh token (scope
 * offline.access) gets a new one through lib/oauth's refresh, the one
 * every provider uses (oauth_renew: POST X_TOKEN_URL, grant_type=
 * refresh_token, the client authenticating with HTTP Basic when
 * X_CLIENT_SECRET is set, see oauth.h). X rotates the refresh token: the
 * one sent is good once, and a refused one (X says invalid_request,
 * "Value passed for the token was invalid.") means the owner authorises
 * again with social-auth x (social-auth(1)). The new pair is written to
 * the token file before its access token is used, under the file's lock,
 * so a crash after the refresh loses nothing and two tools refreshing at
 * once spend the refresh token once. The file, when there is one, is
 * newer than X_TOKEN and X_REFRESH_TOKEN and wins.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

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
		/* renewed ahead when social-auth or a refresh said when it
		 * runs out, rather than after a 401 */
		return oauth_due(&t->o) ? x_refresh(t) : 0;
	}
	if (errno != ENOENT)
		return -1;           /* unsafe or unreadable: said by oauth_load */
	if (!(v = config_get("X_TOKEN")) || !*v)
		return aie_fail(EX_CONFIG, "X_TOKEN is not set and there is no "
		    "token file: run social-auth x");
	if (strlen(v) >= sizeof t->o.access)
		return aie_fail(EX_CONFIG, "X_TOKEN is too long");
	snprintf(t->o.access, sizeof t->o.access, "%s", v);
	if ((v = config_get("X_REFRESH_TOKEN")) && *v &&
	    strlen(v) < sizeof t->o.refresh)
		snprintf(t->o.refresh, sizeof t->o.refresh, "%s", v);
	return 0;
}

int x_refresh(struct x_tokens *t)
{
	if (!*t->o.refresh)
		return aie_fail(EX_CONFIG, "x: the access token expired or was "
		    "revoked and there is no refresh token: run social-auth x (or "
		    "put new tokens in X_TOKEN and X_REFRESH_TOKEN, scope "
		    "offline.access)");
	if (oauth_renew(xp(), &t->o) < 0)
		return -1;           /* what to run is said (social-auth x) */
	t->from_file = 1;
	return 0;
}
