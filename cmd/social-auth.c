/*
 * social-auth - authorise ai-employee to post for the owner on LinkedIn,
 * X or a Facebook Page (see social-auth(1)): the OAuth 2.0 authorization
 * code flow with PKCE on a loopback redirect (lib/oauth), its tokens put
 * where social-post reads them.
 *
 * X: the pair in X's token file (X_TOKEN_FILE, else x.tokens), which the
 * publisher prefers to X_TOKEN and refreshes itself. LinkedIn: the token
 * (60 days, no refresh for most apps), the author URN from /v2/userinfo
 * and the expiry into the configuration file, as LINKEDIN_TOKEN,
 * LINKEDIN_AUTHOR and LINKEDIN_TOKEN_EXPIRES_AT. Facebook: the user token
 * made long-lived, then the Page's own token (lib/oauth/pages.c) as
 * FACEBOOK_PAGE_ID and FACEBOOK_PAGE_TOKEN. Tokens only on the local
 * agent: refused on the cloud one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "oauth/oauth.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: social-auth [-jqv] [-a AGENT] linkedin|x|facebook "
	    "[--timeout SECONDS]\n");
	exit(status ? 2 : 0);
}

/* A key set in the environment wins over the file: say so. */
static void shadowed(const char *const *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (getenv(keys[i]))
			cli_warn(keys[i], "set in the environment, which wins over "
			    "the configuration file: unset it to use the new value");
}

static int x_done(const struct oauth_provider *p, struct oauth_tokens *t)
{
	char path[4096];

	if (oauth_path(p, path, sizeof path) < 0 || oauth_store(p, t) < 0)
		return -1;
	if (!*t->refresh)
		cli_warn(p->name, "no refresh token came (the app needs the scope "
		    "offline.access): the token stops working in two hours");
	if (cli.json)
		return cli_print_json(json_pack("{s:s, s:s, s:I, s:b}", "network",
		    p->name, "file", path, "expires_at", (json_int_t)t->expires_at,
		    "refresh", *t->refresh != 0));
	if (!cli.quiet)
		fprintf(stderr, "x: authorised; stored in %s (social-post "
		    "refreshes it)\n", path);
	return 0;
}

static int linkedin_done(struct oauth_tokens *t)
{
	static const char *const keys[] = { "LINKEDIN_TOKEN", "LINKEDIN_AUTHOR",
	    "LINKEDIN_TOKEN_EXPIRES_AT" };
	char urn[128], until[32] = "", where[4096];
	const char *values[3];

	if (oauth_linkedin_author(t->access, urn, sizeof urn) < 0)
		return -1;
	if (t->expires_at)
		time_rfc3339((time_t)t->expires_at, until);
	values[0] = t->access;
	values[1] = urn;
	values[2] = until;
	if (oauth_config_set(keys, values, *until ? 3 : 2, where,
	    sizeof where) < 0)
		return -1;
	shadowed(keys, 3);
	if (cli.json)
		return cli_print_json(json_pack("{s:s, s:s, s:s, s:s?}", "network",
		    "linkedin", "file", where, "author", urn, "expires",
		    *until ? until : NULL));
	if (!cli.quiet)
		fprintf(stderr, "linkedin: authorised as %s; LINKEDIN_TOKEN and "
		    "LINKEDIN_AUTHOR written to %s%s%s%s\n", urn, where,
		    *until ? "; the token lasts until " : "", until,
		    *until ? ": run social-auth linkedin again before then" : "");
	return 0;
}

static int facebook_done(const struct oauth_provider *p,
    struct oauth_tokens *t)
{
	static const char *const keys[] = { "FACEBOOK_PAGE_ID",
	    "FACEBOOK_PAGE_TOKEN" };
	struct oauth_page *pg = malloc(sizeof *pg);
	const char *values[2];
	char where[4096];
	int r = -1;

	if (!pg)
		return aie_fail(EX_TEMP, "out of memory");
	if (oauth_facebook_page(p, t, pg) < 0)
		goto out;
	values[0] = pg->id;
	values[1] = pg->token;
	if (oauth_config_set(keys, values, 2, where, sizeof where) < 0)
		goto out;
	shadowed(keys, 2);
	if (cli.json)
		r = cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "network",
		    "facebook", "file", where, "page_id", pg->id, "page", pg->name));
	else {
		r = 0;
		if (!cli.quiet)
			fprintf(stderr, "facebook: authorised for the Page %s (%s); "
			    "FACEBOOK_PAGE_ID and FACEBOOK_PAGE_TOKEN written to %s\n",
			    pg->name, pg->id, where);
	}
out:
	sodium_memzero(pg, sizeof *pg);
	free(pg);
	return r;
}

int main(int argc, char **argv)
{
	enum { O_TIMEOUT = 300 };
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ NULL, 0, NULL, 0 }
	};
	const struct oauth_provider *p;
	struct oauth_tokens t;
	long timeout = 300;
	int c, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (c == O_TIMEOUT)
			timeout = cli_whole("--timeout", optarg, 1, 3600, usage);
		else if (!cli_option(c, optarg, usage))
			usage(2);
	if (argc - optind != 1)
		usage(2);
	if (!(p = oauth_provider(argv[optind])) || !strcmp(p->name, "google") ||
	    !strcmp(p->name, "microsoft")) {
		cli_warn(argv[optind], "not a network social-auth knows (linkedin, "
		    "x, facebook; the mailboxes: oauth-token)");
		return EX_ARGS;
	}
	if (cli_refuse_cloud())
		return EX_REFUSED;
	r = oauth_authorize(p, 0, timeout, cli_show_link, (void *)p->name, &t);
	if (r == 0)
		r = !strcmp(p->name, "x") ? x_done(p, &t) :
		    !strcmp(p->name, "facebook") ? facebook_done(p, &t) :
		    linkedin_done(&t);
	sodium_memzero(&t, sizeof t);
	if (r < 0) {
		cli_warnerr(p->name);
		return aie_errcode;
	}
	return 0;
}
