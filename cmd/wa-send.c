/*
 * wa-send - send approved WhatsApp replies to customers (see wa-send(1)).
 *
 * By hand, one item at a time, through the very path vault-exec takes:
 * under the exec lock of .state/<agent>/, the item (which must be in
 * Approved/ with action send_whatsapp) goes through exec_item (lib/exec),
 * so its approval is verified, written to the record of started approvals
 * before the request leaves, and the item ends in Done/ like any executed
 * one. An item in Done/, or whose approval the record already holds, is
 * refused before anything is touched. --dry-run prints the request's JSON
 * body and changes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "wa/wa.h"

struct ctx {
	struct exec_ctx *x;
	int dry_run;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: wa-send [-C DIR] [-a AGENT] [-jqv] [-n] ITEM...\n");
	exit(status ? 2 : 0);
}

static void warn(const char *item, const char *msg)
{
	cli_warn(item, "%s", msg);
}

static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	(void)verdict;
	(void)it;
	if (cli.json && res) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "id", ref->id,
		    "wamid", res->message_id, "result", res->detail);
		cli_print_json(o);
	} else
		printf("%s\n", ref->id);
}

/* May the item at ref be sent? 0, or its exit status (told). */
static int sendable(struct exec_ctx *x, const struct itemref *ref,
    const struct item *it)
{
	char key[EXECLOG_KEY_LEN + 1], *action = fm_get(it, "action");
	int s, wa = action && strcmp(action, "send_whatsapp") == 0;

	free(action);
	if (!wa) {
		cli_warn(ref->id, "not a WhatsApp reply (its action is not "
		    "send_whatsapp); vault-exec executes the other actions");
		return EX_DATA;
	}
	if (ref->stage == ST_DONE) {
		cli_warn(ref->id, "already executed (it is %s); not sent again",
		    ref->rel);
		return EX_NEG;
	}
	if (exec_approval_ok(it, ref->id) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	if (execlog_key(it, ref->id, key) < 0 || execlog_ready(x->v) < 0 ||
	    (s = execlog_spent(x->v, key, NULL)) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	if (s) {
		cli_warn(ref->id, "its approval was already executed; not sent "
		    "again");
		return EX_NEG;
	}
	if (ref->stage != ST_APPROVED) {
		cli_warn(ref->id, "not in Approved/ (it is %s)", ref->rel);
		return EX_NEG;
	}
	return 0;
}

/* --dry-run: the request's body as it would leave. */
static int show(const struct itemref *ref, const struct item *it)
{
	struct wa_reply r = { 0 };
	char *tpl = fm_get(it, "template"), *body;
	size_t n = it->bodylen;
	int st = 0;

	while (n && (it->body[n - 1] == '\n' || it->body[n - 1] == '\r'))
		n--;
	r.to = fm_get(it, "to");
	r.reply_to = fm_get(it, "reply_to");
	r.template_name = tpl && *tpl ? tpl : NULL;
	r.template_lang = fm_get(it, "template_lang");
	r.text = strndup(it->body ? it->body : "", n);
	if (!r.text || !(body = wa_reply_body(&r))) {
		cli_warnerr(ref->id);
		st = aie_errcode;
	} else {
		printf("%s\n", body);
		free(body);
	}
	free((char *)r.to);
	free((char *)r.reply_to);
	free((char *)r.template_lang);
	free((char *)r.text);
	free(tpl);
	return st;
}

static int send_one(const char *arg, void *vctx)
{
	struct ctx *c = vctx;
	struct itemref ref;
	struct item it;
	int r;

	if (vault_resolve(c->x->v, arg, &ref) < 0 ||
	    item_load(c->x->v, &ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	r = sendable(c->x, &ref, &it);
	if (r == 0 && c->dry_run)
		r = show(&ref, &it);
	fm_free(&it);
	if (r == 0 && !c->dry_run)
		r = exec_item(c->x, &ref);
	return r;
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
	struct ctx c = { &x, 0 };
	long max;
	int ch, r, lock = -1;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "n", longopts,
	    NULL)) != -1) {
		if (cli_option(ch, optarg, usage))
			continue;
		if (ch == 'n')
			c.dry_run = 1;
		else
			usage(2);
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
	x.max_per_hour = (int)max;
	x.quiet = cli.quiet;
	/* one executor at a time: vault-exec and mail-send hold the same lock */
	if (!c.dry_run && (lock = state_lock(&v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	r = cli_each_arg(argc - optind, argv + optind, send_one, &c);
	state_unlock(lock);
	vault_close(&v);
	return r;
}
