/*
 * showlink.c - the link of an OAuth first grant for the owner to open
 * (oauth-token(1), social-auth(1)): alone on stdout, so that a script or
 * a test can take it (with -j as {"open","code"}), and the words around
 * it on stderr (the device flow's code there too, even with -q).
 */
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"

void cli_show_link(void *ctx, const char *url, const char *code)
{
	const char *name = ctx;

	/* the code even with -q: without it the owner cannot approve */
	if (code)
		fprintf(stderr, "%s: open this page on any device and enter the "
		    "code %s:\n", name, code);
	else if (!cli.quiet)
		fprintf(stderr, "%s: open this link in a browser on this machine "
		    "(the redirect comes back to 127.0.0.1):\n", name);
	if (cli.json)
		cli_print_json(json_pack("{s:s, s:s?}", "open", url, "code", code));
	else
		printf("%s\n", url);
	fflush(stdout);
}
