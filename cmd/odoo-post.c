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
#include <getopt.h>
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

static int worst(int a, int b)
{
	return a > b ? a : b;
}

static void warn(const char *item, const char *msg)
{
	cli_warn(item, "%s", msg);
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

struct run {
	struct exec_ctx *x;
	int status;
};

static int recover(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct run *r = ctx;

	(void)v;
	r->status = worst(r->status, exec_recover(r->x, ref));
	return 0;
}

/* One ID: an approved post_invoice item, executed. */
static int post_one(const char *arg, void *ctx)
{
	struct run *r = ctx;
	struct itemref ref;
	struct item it;
	char *action;
	int ok;

	if (vault_resolve(r->x->v, arg, &ref) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if (ref.stage != ST_APPROVED) {
		cli_warn(arg, "not approved: it is %s", ref.rel);
		return EX_NEG;
	}
	if (item_load(r->x->v, &ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	action = fm_get(&it, "action");
	ok = action && (strcmp(action, "post_invoice") == 0 ||
	    strcmp(action, "register_payment") == 0);
	fm_free(&it);
	if (!ok) {
		cli_warn(arg, "action %s is not Odoo's; vault-exec(1) runs it",
		    action ? action : "(none)");
		free(action);
		return EX_DATA;
	}
	free(action);
	return exec_item(r->x, &ref);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = warn, .result = print_result };
	struct run run = { &x, 0 };
	long max, window;
	int c, r, lock;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind == argc)
		usage(2);
	if ((r = cli_refuse_cloud()) != 0)
		return r;
	if (config_long("EXEC_MAX_PER_HOUR", 10, 0, 100000, &max) < 0 ||
	    config_seconds("EXEC_NOTIFY_WINDOW", 86400, 1, 31536000, &window) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	x.max_per_hour = (int)max;
	x.quiet = cli.quiet;
	if ((lock = state_lock(&v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	vault_walk(&v, ST_IN_PROGRESS, v.agent, recover, &run);
	r = worst(run.status, cli_each_arg(argc - optind, argv + optind, post_one,
	    &run));
	state_unlock(lock);
	vault_close(&v);
	return r;
}
