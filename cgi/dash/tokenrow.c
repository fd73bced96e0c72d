/*
 * tokenrow.c - a token's expiry for /settings (see
 * ai-employee-dashboard(1)), in vault-health's words: lib/health's table
 * of watched tokens and its verdict on a known expiry, from this agent's
 * configuration alone (no network, never a value).
 *
 * A file apart because lib/health's struct health (a probe's result) and
 * lib/status's (a health report) share a name: this file includes the
 * one, dash.h the other. Its prototype is in dash.h, restated here.
 */
#include <stdio.h>
#include <string.h>

#include "health/health.h"
#include "vault/vault.h"

enum dash_token { TOKEN_UNWATCHED, TOKEN_UNSET, TOKEN_REFRESHES,
	TOKEN_ASK_GRAPH, TOKEN_KNOWN };
int dash_token_expiry(const char *name, time_t now, const char **key,
    const char **state, char *words, size_t size);

int dash_token_expiry(const char *name, time_t now, const char **key,
    const char **state, char *words, size_t size)
{
	const struct token_kind *t = token_kind_named(name);
	const char *v;
	long warn;
	time_t at;

	*words = '\0';
	*state = NULL;
	*key = t ? t->key : NULL;
	if (!t)
		return TOKEN_UNWATCHED;
	if (!(v = config_get(t->key)) || !*v)
		return TOKEN_UNSET;
	if (!token_watched(t))
		return TOKEN_REFRESHES;
	/* vault-health's warning, so the words are the same */
	if (config_long("TOKEN_WARN_DAYS", 7, 1, 365, &warn) < 0)
		warn = 7;
	if (!(*state = token_config_expiry(t, now, warn, words, size, &at)))
		return TOKEN_ASK_GRAPH;
	return TOKEN_KNOWN;
}
