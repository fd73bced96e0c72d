/*
 * byhand.c - the common body of the tools that execute one approved item
 * by hand (see cli.h, cli_byhand_run; vault-exec(1)): mail-send,
 * social-post, wa-send and odoo-post differ only in the actions they take
 * and what they print, so the refusals and the path are written once.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "exec/exec.h"

static int worst(int a, int b)
{
	return a > b ? a : b;
}

static int is_one_of(const char *action, const char *const *actions)
{
	for (; action && *actions; actions++)
		if (strcmp(action, *actions) == 0)
			return 1;
	return 0;
}

/* The refusals, in vault-exec's order: 0 when the item may be executed. */
static int refused(const struct cli_byhand *h, const struct itemref *ref,
    const struct item *it)
{
	char key[EXECLOG_KEY_LEN + 1], *action = fm_get(it, "action");
	int spent, ok = is_one_of(action, h->actions);

	if (!ok)
		cli_warn(ref->id, "not %s (its action is %s); vault-exec(1) "
		    "executes it", h->what, action ? action : "none");
	free(action);
	if (!ok)
		return EX_DATA;
	if (ref->stage == ST_DONE) {
		cli_warn(ref->id, "already executed (it is %s); not %s again",
		    ref->rel, h->verb);
		return EX_NEG;
	}
	if (ref->stage != ST_APPROVED) {
		cli_warn(ref->id, "not in Approved/ (it is %s)", ref->rel);
		return EX_NEG;
	}
	if (exec_approval_ok(it, ref->id) < 0 ||
	    execlog_key(it, ref->id, key) < 0 || execlog_ready(h->x->v) < 0 ||
	    (spent = execlog_spent(h->x->v, key, NULL)) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	if (spent) {
		cli_warn(ref->id, "its approval was already executed; not %s "
		    "again", h->verb);
		return EX_NEG;
	}
	return 0;
}

static int one(const char *arg, void *ctx)
{
	struct cli_byhand *h = ctx;
	struct itemref ref;
	struct item it;
	int r;

	if (vault_resolve(h->x->v, arg, &ref) < 0 ||
	    item_load(h->x->v, &ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	r = refused(h, &ref, &it);
	if (r == 0 && h->dry_run && h->show)
		r = h->show(&ref, &it);
	fm_free(&it);
	if (r != 0 || (h->dry_run && h->show))
		return r;
	h->x->limit_told = h->x->waited = 0;
	return h->dry_run ? exec_check(h->x, &ref) : exec_item(h->x, &ref);
}

struct settling {
	struct exec_ctx *x;
	int status;
};

static int settle(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct settling *s = ctx;

	(void)v;
	s->status = worst(s->status, exec_recover(s->x, ref));
	return 0;
}

int cli_byhand_run(struct cli_byhand *h, int argc, char **argv)
{
	struct vault *v = h->x->v;
	struct settling st = { h->x, 0 };
	long max;
	int r, lock = -1;

	if ((r = cli_refuse_cloud()) != 0)
		return r;
	if (config_long("EXEC_MAX_PER_HOUR", 10, 0, 100000, &max) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(v)) != 0)
		return r;
	h->x->max_per_hour = (int)max;
	h->x->quiet = cli.quiet;
	/* one executor at a time: vault-exec holds the same lock */
	if (!h->dry_run && (lock = state_lock(v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		vault_close(v);
		return aie_errcode;
	}
	if (!h->dry_run)
		vault_walk(v, ST_IN_PROGRESS, v->agent, settle, &st);
	r = worst(st.status, cli_each_arg(argc, argv, one, h));
	state_unlock(lock);
	vault_close(v);
	return r;
}

int cli_byhand_args(struct cli_byhand *h, int argc, char **argv,
    int dry_run_ok, void (*usage)(int))
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int c;

	if (cli_init(argv[0]) < 0)
		return -1;
	while ((c = getopt_long(argc, argv, dry_run_ok ? CLI_SHORTOPTS "n" :
	    CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		if (c == 'n' && dry_run_ok)
			h->dry_run = 1;
		else
			usage(2);
	}
	if (optind == argc)
		usage(2);
	return optind;
}
