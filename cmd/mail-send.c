/*
 * mail-send - send approved email drafts over SMTP (SPEC 3, 6).
 *
 * A thin command over mail_send_draft() in lib/smtp.c, which vault-exec
 * calls too. An item is sent only when its decision_sig verifies (an
 * unsigned, altered, copied or expired approval is refused with 77), and
 * never as agent cloud. mail-send does not move the item: vault-exec is
 * what executes approvals at most once; mail-send is for a single
 * message by hand, or to see one with --dry-run. Without SMTP_URL the
 * message goes to Logs/Outbox/<id>.eml and mail-send says so.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aie.h"
#include "smtp.h"

struct ctx {
	struct vault *v;
	int dry_run;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mail-send [-C DIR] [-a AGENT] [-jqv] [-n] ITEM...\n");
	exit(status ? 2 : 0);
}

static int send_one(const char *arg, void *vctx)
{
	struct ctx *c = vctx;
	struct itemref ref;
	struct item it;
	struct send_result res;
	int r;

	if (vault_resolve(c->v, arg, &ref) < 0 || item_load(c->v, &ref, &it) < 0) {
		cli_warnerr(arg);
		return aie_errcode;
	}
	if (approval_verify(&it, ref.id, time(NULL)) < 0) {
		cli_warnerr(arg);
		fm_free(&it);
		return aie_errcode;
	}
	if (c->dry_run) {
		struct outmail o;
		const char *from = config_get_default("SMTP_FROM",
		    "ai-employee@localhost");
		r = smtp_compose(&it, ref.id, from, time(NULL), &o);
		fm_free(&it);
		if (r < 0) {
			cli_warnerr(arg);
			return aie_errcode;
		}
		fwrite(o.eml, 1, o.len, stdout);
		outmail_free(&o);
		return 0;
	}
	r = mail_send_draft(c->v, &ref, &it, &res);
	fm_free(&it);
	if (r < 0) {
		cli_warnerr(arg);
		audit_event(c->v, "mail_send_failed", ref.id, ref.rel, NULL,
		    aie_errmsg);
		return aie_errcode;
	}
	audit_event(c->v, res.outbox ? "mail_outbox" : "mail_sent", ref.id,
	    ref.rel, res.message_id, res.detail);
	if (res.outbox && !cli.quiet)
		cli_warn(ref.id, "no SMTP_URL configured: not sent; the message is "
		    "in Logs/Outbox/%s.eml", ref.id);
	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "id", ref.id,
		    "message_id", res.message_id, "outbox", res.outbox, "result",
		    res.detail);
		cli_print_json(o);
	} else
		printf("%s\n", ref.id);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct ctx c = { &v, 0 };
	int ch, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG_;
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
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	r = cli_each_arg(argc - optind, argv + optind, send_one, &c);
	vault_close(&v);
	return r;
}
