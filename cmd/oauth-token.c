/*
 * oauth-token - the OAuth 2.0 token of the owner's mailbox at Google or
 * Microsoft, for XOAUTH2 in mail-fetch, mail-send and vault-health (see
 * oauth-token(1)).
 *
 * init runs the authorization once (the loopback flow with PKCE, or with
 * --device the device flow) and stores the pair 0600; get prints an
 * access token good for at least five more minutes, refreshing it (and
 * storing the new pair first) when it is not. The mail tools do what get
 * does themselves, given IMAP_OAUTH or SMTP_OAUTH.
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
	    "usage: oauth-token [-jqv] init google|microsoft [--device] "
	    "[--timeout SECONDS]\n"
	    "       oauth-token [-jqv] get google|microsoft [--refresh]\n");
	exit(status ? 2 : 0);
}

static int init(const struct oauth_provider *p, int device, long timeout)
{
	struct oauth_tokens t;
	char path[4096];
	int r;

	if (oauth_path(p, path, sizeof path) < 0 ||
	    oauth_authorize(p, device, timeout, cli_show_link,
	    (void *)p->name, &t) < 0 ||
	    oauth_store(p, &t) < 0)
		r = -1;
	else {
		r = 0;
		if (!*t.refresh)
			cli_warn(p->name, "no refresh token came: the access token "
			    "works until it expires, then run oauth-token init %s "
			    "again", p->name);
		if (cli.json)
			cli_print_json(json_pack("{s:s, s:s, s:I, s:b}", "provider",
			    p->name, "file", path, "expires_at",
			    (json_int_t)t.expires_at, "refresh", *t.refresh != 0));
		else if (!cli.quiet)
			fprintf(stderr, "%s: authorised; stored in %s\n", p->name,
			    path);
	}
	sodium_memzero(&t, sizeof t);
	return r;
}

static int get(const struct oauth_provider *p, int force)
{
	struct oauth_tokens t;
	int r = oauth_access(p, force, &t);

	if (r == 0) {
		if (cli.json)
			r = cli_print_json(json_pack("{s:s, s:s, s:I}", "provider",
			    p->name, "access_token", t.access, "expires_at",
			    (json_int_t)t.expires_at));
		else
			printf("%s\n", t.access);
	}
	sodium_memzero(&t, sizeof t);
	return r;
}

int main(int argc, char **argv)
{
	enum { O_DEVICE = 300, O_REFRESH, O_TIMEOUT };
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "device", no_argument, NULL, O_DEVICE },
		{ "refresh", no_argument, NULL, O_REFRESH },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ NULL, 0, NULL, 0 }
	};
	const struct oauth_provider *p;
	int c, device = 0, refresh = 0, r;
	long timeout = 300;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (c == O_DEVICE)
			device = 1;
		else if (c == O_REFRESH)
			refresh = 1;
		else if (c == O_TIMEOUT)
			timeout = cli_whole("--timeout", optarg, 1, 3600, usage);
		else if (!cli_option(c, optarg, usage))
			usage(2);
	if (argc - optind != 2)
		usage(2);
	if (!(p = oauth_provider(argv[optind + 1])) ||
	    (strcmp(p->name, "google") && strcmp(p->name, "microsoft"))) {
		cli_warn(argv[optind + 1], "not a mail provider oauth-token knows "
		    "(google, microsoft; the social networks: social-auth)");
		return EX_ARGS;
	}
	if (!strcmp(argv[optind], "init") && !refresh)
		r = init(p, device, timeout);
	else if (!strcmp(argv[optind], "get") && !device)
		r = get(p, refresh);
	else
		usage(2);
	if (r < 0) {
		cli_warnerr(p->name);
		return aie_errcode;
	}
	return 0;
}
