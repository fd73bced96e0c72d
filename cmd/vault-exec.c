/*
 * vault-exec - execute approved items, at most once (see vault(5), ai-employee(7)).
 *
 * A pass takes .state/<agent>/exec.lock (flock: one vault-exec per agent,
 * so the recovery of items a dead run left in In_Progress/<agent>/ never
 * mistakes a live send for a dead one), recovers those items, then runs
 * each item of Approved/ (or those given), in ID order, through
 * exec_item (lib/exec/exec.c: verify, claim, check, mark, run the
 * executor its action's entry of the table in lib/exec/actions.c names,
 * finish); sends past the hourly limit wait, actions it does not limit
 * still run. --interval repeats passes for PM2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "base/base.h"
#include "mail/mail.h"

static int dry_run;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-exec [-C DIR] [-a AGENT] [-jqv] [-n] "
	    "[--once | --interval S] [ITEM...]\n");
	exit(status ? 2 : 0);
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* lib/exec.c speaks through these two: diagnostics to stderr, and one
 * line (or JSON object) per item sent, or that would be with --dry-run. */
static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	char *to = fm_get(it, "to"), *subj = fm_get(it, "subject");

	(void)res;

	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ref->id,
		    "path", ref->rel, "verdict", verdict, "to", to ? to : "",
		    "subject", subj ? subj : "");
		cli_print_json(o);
	} else if (dry_run)
		printf("%s\t%s\tto %s\t%s\n", ref->id, verdict, to ? to : "",
		    subj ? subj : "");
	else
		printf("%s\n", ref->rel);
	free(to);
	free(subj);
}

struct recovery { struct exec_ctx *x; int status; };

static int recover_one(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct recovery *r = ctx;
	(void)v;

	r->status = worst(r->status, exec_recover(r->x, ref));
	return 0;
}

/* ---- a pass ---- */

struct list { struct itemref *refs; size_t n, cap; };

static int collect(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct list *l = ctx;
	(void)v;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct itemref *nr = realloc(l->refs, nc * sizeof *nr);
		if (!nr)
			return aie_fail_errno(EX_TEMP, "memory");
		l->refs = nr;
		l->cap = nc;
	}
	l->refs[l->n++] = *ref;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct itemref *)a)->id,
	    ((const struct itemref *)b)->id);
}

/* An item named on the command line (or read from stdin for "-"). */
struct named {
	struct vault *v;
	struct list *l;
};

static int add_named(const char *arg, void *ctx)
{
	struct named *nm = ctx;
	struct itemref ref;

	if (vault_resolve(nm->v, arg, &ref) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if (ref.stage != ST_APPROVED) {
		cli_warn(arg, "not in Approved/ (it is %s)", ref.rel);
		return EX_NEG;
	}
	return collect(nm->v, &ref, nm->l) < 0 ? EX_TEMP : 0;
}

static int pass(struct exec_ctx *x, int argc, char **argv)
{
	struct vault *v = x->v;
	struct list l = { 0 };
	int lock, status = 0, done = 0;
	size_t k;

	if ((lock = state_lock(v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (!dry_run) {
		struct recovery rc = { x, 0 };
		vault_walk(v, ST_IN_PROGRESS, v->agent, recover_one, &rc);
		status = rc.status;
	}
	if (argc > 0) {
		struct named nm = { v, &l };
		status = worst(status, cli_each_arg(argc, argv, add_named, &nm));
	}
	if (argc == 0 && vault_walk(v, ST_APPROVED, NULL, collect, &l) < 0) {
		cli_warnerr(NULL);
		status = worst(status, aie_errcode);
	}
	if (l.n)
		qsort(l.refs, l.n, sizeof *l.refs, by_id);
	/* past the hourly limit the pass goes on: an action that is not
	 * limited (none) still runs; the sends wait, said once */
	x->limit_told = x->waited = 0;
	for (k = 0; k < l.n && !loop_stop; k++) {
		int r = dry_run ? exec_check(x, &l.refs[k]) :
		    exec_item(x, &l.refs[k]);
		status = worst(status, r);
		done += r == 0;
	}
	if (x->waited && !cli.quiet)
		cli_warn(NULL, "%d more item(s) wait for the hourly limit",
		    x->waited);
	free(l.refs);
	state_unlock(lock);
	if (!done && status == 0)
		status = EX_NEG;     /* nothing to do */
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = cli_warn_msg,
	    .result = print_result };
	double interval = 0;
	long max, window, grace;  /* window: checked, exec.c reads it */
	int c, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "n", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'n': dry_run = 1; break;
		case 'o': interval = 0; break;
		case 'i': interval = cli_interval(optarg, 1, usage); break;
		default: usage(2);
		}
	}
	if ((r = cli_refuse_cloud()) != 0)
		return r;
	if (config_long("EXEC_MAX_PER_HOUR", 10, 0, 100000, &max) < 0 ||
	    config_seconds("EXEC_NOTIFY_WINDOW", 86400, 1, 31536000, &window) < 0 ||
	    config_seconds("EXEC_GRACE", 10, 0, 3600, &grace) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if (smtp_configured() && !config_get("SMTP_FROM")) {
		cli_warn(NULL, "SMTP_URL is set but SMTP_FROM is not");
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	x.max_per_hour = (int)max;
	x.grace = grace;
	x.quiet = cli.quiet;
	loop_catch_term();
	for (;;) {
		r = pass(&x, argc - optind, argv + optind);
		if (!interval || loop_stop)
			break;
		loop_nap(interval);
		if (loop_stop)
			break;
	}
	vault_close(&v);
	return interval ? 0 : r;
}
