/*
 * odoo-post - post approved invoice drafts and payments in Odoo by hand
 * (see odoo-post(1)): the post_invoice or register_payment action of the
 * items named, through the
 * path vault-exec(1) takes (lib/exec: the approval verified on the claimed
 * copy, the record of started approvals, the move read back and compared
 * with what was signed, then action_post, odoo_name, Done/).
 *
 * Like vault-exec it runs on the local agent only, holds the exec lock
 * (one executor at a time, so a dead run's items are told from live ones)
 * and first settles the items a dead run left in In_Progress/<agent>/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "mail/mail.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-post [-C DIR] [-a AGENT] "
	    "[-jqv] ID...\n");
	exit(status ? 2 : 0);
}

static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	char *oid = fm_get(it, "odoo_id");

	if (cli.json)
		cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ref->id,
		    "path", ref->rel, "verdict", verdict, "odoo_id", oid ? oid : "",
		    "result", res ? res->detail : ""));
	else
		printf("%s\t%s\n", ref->rel, res ? res->detail : verdict);
	free(oid);
}

int main(int argc, char **argv)
{
	static const char *const actions[] = { "post_invoice",
	    "register_payment", NULL };
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = cli_warn_msg,
	    .result = print_result };
	struct cli_byhand h = { actions, "an Odoo action", "posted", 0, NULL,
	    &x };
	int first = cli_byhand_args(&h, argc, argv, 0, usage);

	if (first < 0)
		return EX_CONFIG;
	return cli_byhand_run(&h, argc - first, argv + first);
}
