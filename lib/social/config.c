/*
 * config.c - which networks' publishers are configured here (see
 * social.h): the keys each needs, read from the configuration, no network
 * asked. Apart from the publishers, which call libcurl, so that the static
 * dashboard CGI can say it too (ai-employee-dashboard(1), /settings).
 */
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "oauth/oauth.h"
#include "social/social.h"

/* The keys that make each network usable; X's token may instead be the
 * token file social-auth(1) writes (lib/oauth's store). */
static const char *const needed[NET_COUNT][4] = {
	{ "LINKEDIN_TOKEN", "LINKEDIN_AUTHOR", NULL, NULL },
	{ "X_TOKEN", NULL, NULL, NULL },
	{ "FACEBOOK_PAGE_TOKEN", "FACEBOOK_PAGE_ID", NULL, NULL },
	{ "INSTAGRAM_TOKEN", "INSTAGRAM_USER_ID", "SOCIAL_MEDIA_BASE_URL", NULL },
};

/* X's keys besides the token: set, they say X was meant to be set up. */
static const char *const x_more[] = { "X_REFRESH_TOKEN", "X_CLIENT_ID", NULL };

static int set(const char *key)
{
	const char *v = config_get(key);

	return v && *v;
}

/* Is there an X token file here (X_TOKEN_FILE, else under the
 * configuration directory)? */
static int x_token_file(void)
{
	char path[4096];

	return oauth_path(oauth_provider("x"), path, sizeof path) == 0 &&
	    access(path, R_OK) == 0;
}

int social_missing(enum social_net net, const char **key)
{
	const char *first = NULL;
	int i, some = 0;

	*key = NULL;
	if (net >= NET_COUNT || !needed[net][0])
		return 2;
	if (net == NET_X && x_token_file())
		return 0;
	for (i = 0; needed[net][i]; i++) {
		if (set(needed[net][i]))
			some = 1;
		else if (!first)
			first = needed[net][i];
	}
	for (i = 0; net == NET_X && x_more[i]; i++)
		some |= set(x_more[i]);
	if (!first)
		return 0;
	*key = first;
	return some ? 1 : 2;
}

int social_configured(enum social_net net)
{
	const char *key;

	return social_missing(net, &key) == 0;
}
