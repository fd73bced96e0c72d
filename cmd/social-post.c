/*
 * social-post - publish approved social posts by hand, one ID at a time
 * (see social-post(1), vault(5)).
 *
 * The post action's executor is vault-exec's: this tool runs the very same
 * path (lib/exec/exec.c, exec_item: verify the approval on the claimed
 * copy, the record of started approvals, exec_status: sending before the
 * first byte, post_id and post_url, Done/), under the same lock, so a post
 * is published at most once whichever of the two runs it. Only items whose
 * action is post; a post left by a run that died (In_Progress/<agent>/) is
 * recovered as vault-exec recovers it, never published again.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "base/base.h"

static int dry_run;
static struct vault *vault;      /* for print_result */

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: social-post [-C DIR] [-a AGENT] [-jqv] [-n] ID|PATH|- ...\n");
	exit(status ? 2 : 0);
}

static void warn(const char *item, const char *msg)
{
	cli_warn(item, "%s", msg);
}

/* A published post: its path in Done/ and its URL (read back from the
 * item, where the executor recorded it); with -n, what would be posted. */
static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	struct vault *v = vault;
	struct item done;
	char *net = fm_get(it, "network"), *url = NULL;

	(void)res;
	if (!dry_run && v && item_load(v, ref, &done) == 0) {
		url = fm_get(&done, "post_url");
		fm_free(&done);
	}
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ref->id,
		    "path", ref->rel, "verdict", dry_run ? verdict : "published",
		    "network", net ? net : "", "post_url", url ? url : "");
		cli_print_json(o);
	} else if (dry_run)
		printf("%s\twould post\t%s\n", ref->id, net ? net : "");
	else
		printf("%s\t%s\n", ref->rel, url ? url : "");
	free(net);
	free(url);
}

/* Is the item at ref a post? 0, or an exit status said. */
static int is_post(struct vault *v, const char *arg, const struct itemref *ref)
{
	struct item it;
	char *action;
	int r = 0;

	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	action = fm_get(&it, "action");
	if (!action || strcmp(action, "post") != 0) {
		cli_warn(arg, "not a post (action: %s); vault-exec(1) executes it",
		    action ? action : "none");
		r = EX_DATA;
	}
	free(action);
	fm_free(&it);
	return r;
}

static int post_one(const char *arg, void *ctx)
{
	struct exec_ctx *x = ctx;
	struct itemref ref;
	int r;

	if (vault_resolve(x->v, arg, &ref) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if ((r = is_post(x->v, arg, &ref)) != 0)
		return r;
	/* a run that died mid-publish left it here: never published again */
	if (!dry_run && ref.stage == ST_IN_PROGRESS &&
	    strcmp(ref.sub, x->v->agent) == 0)
		return exec_recover(x, &ref);
	if (ref.stage != ST_APPROVED) {
		cli_warn(arg, "not in Approved/ (it is %s)", ref.rel);
		return EX_NEG;
	}
	x->limit_told = x->waited = 0;
	return dry_run ? exec_check(x, &ref) : exec_item(x, &ref);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = warn, .result = print_result };
	long max;
	int c, r, lock;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "n", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'n': dry_run = 1; break;
		default: usage(2);
		}
	}
	if (optind == argc)
		usage(2);
	if ((r = cli_refuse_cloud()) != 0)
		return r;
	if (config_long("EXEC_MAX_PER_HOUR", 10, 0, 100000, &max) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	vault = &v;
	x.max_per_hour = (int)max;
	x.quiet = cli.quiet;
	/* vault-exec's lock: one executor at a time for this agent */
	if ((lock = state_lock(&v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	r = cli_each_arg(argc - optind, argv + optind, post_one, &x);
	state_unlock(lock);
	vault_close(&v);
	return r;
}
