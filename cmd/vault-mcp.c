/*
 * vault-mcp - the vault as a Model Context Protocol server on stdin and
 * stdout (see vault-mcp(1)), for Claude Code and any other MCP client.
 *
 * One JSON-RPC message a line in, one a line out; stdout carries nothing
 * else (diagnostics go to stderr). The tools read the vault, claim and
 * release work, create items and draft replies, posts and invoices for
 * the owner's approval;
 * none approves, rejects, executes or writes Dashboard.md (lib/mcp/).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mcp/mcp.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-mcp [-v] [-C DIR] [-a AGENT]\n"
	    "\n"
	    "An MCP server over stdio (protocol %s; 2025-03-26 and 2024-11-05\n"
	    "by negotiation). Tools: vault_status, list_items, read_item,\n"
	    "search, claim, release, create_item, draft_reply, draft_post,\n"
	    "draft_invoice, plan_create, plan_update. Resources:\n"
	    "vault://ID. It never approves, rejects, executes or writes\n"
	    "Dashboard.md.\n"
	    "\n"
	    "Connect Claude Code (from the directory it works in):\n"
	    "  claude mcp add vault -- vault-mcp -C /path/to/vault -a cloud\n"
	    "or copy share/claude/.mcp.json (installed in %s/claude/)\n"
	    "into the project and set the vault path in it; then /mcp in\n"
	    "Claude Code lists the vault's tools.\n", MCP_VERSION_LATEST, DATADIR);
	exit(status ? 2 : 0);
}

/* The directory this program is in: claim, release and the draft tools run
 * vault-claim, draft-email, draft-post and odoo-invoice from there, the
 * same build as this one. */
static int own_dir(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n < 0)
		return aie_fail_errno(EX_TEMP, "/proc/self/exe");
	self[n] = '\0';
	if ((size_t)snprintf(buf, size, "%s", dirname(self)) >= size)
		return aie_fail(EX_TEMP, "%s: path too long", self);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct mcp_session s;
	struct vault v;
	char bindir[PATH_MAX], *line = NULL, *reply;
	size_t cap = 0;
	ssize_t n;
	int c, status;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc || cli.json)
		usage(2);
	/* a client gone away is a write error here, not a signal */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || own_dir(bindir,
	    sizeof bindir) < 0) {
		cli_warnerr(NULL);
		return EX_TEMP;
	}
	if ((status = cli_open_vault(&v)) != 0)
		return status;
	mcp_session_init(&s, &v, bindir);
	if (cli.verbose)
		fprintf(stderr, "%s: serving %s as agent %s\n", cli.prog, v.root,
		    v.agent);
	status = 0;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (cli.verbose > 1)
			fprintf(stderr, "%s: <- %s\n", cli.prog, line);
		if (!(reply = mcp_handle(&s, line, (size_t)n)))
			continue;
		if (cli.verbose > 1)
			fprintf(stderr, "%s: -> %s\n", cli.prog, reply);
		if (printf("%s\n", reply) < 0 || fflush(stdout) == EOF) {
			cli_warn("stdout", "%s", strerror(errno));
			free(reply);
			status = EX_TEMP;
			break;
		}
		free(reply);
	}
	if (ferror(stdin)) {
		cli_warn("stdin", "%s", strerror(errno));
		status = EX_TEMP;
	}
	free(line);
	vault_close(&v);
	return status;
}
