/*
 * mail-send - send approved email drafts over SMTP (see ai-employee(7)).
 *
 * By hand, one item at a time, through the very path vault-exec takes:
 * under the exec lock of .state/<agent>/, the item (which must be in
 * Approved/) goes through exec_item (lib/exec.c), so its approval is
 * verified, written to the record of started approvals before the mail
 * leaves, and the item ends in Done/ like any executed one. An item in
 * Done/, or whose approval the record already holds, is refused before
 * anything is touched: an approval is executed at most once, whichever
 * tool runs it. --dry-run prints the message and changes nothing. Without
 * SMTP_URL the message goes to Logs/Outbox/<id>.eml and mail-send says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "mail/mail.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mail-send [-C DIR] [-a AGENT] [-jqv] [-n] ITEM...\n");
	exit(status ? 2 : 0);
}

static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it, const struct send_result *res)
{
	(void)verdict;
	(void)it;
	if (cli.json && res) {
		json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "id", ref->id,
		    "message_id", res->message_id, "outbox", res->outbox,
		    "result", res->detail);
		cli_print_json(o);
	} else
		printf("%s\n", ref->id);
}

/* --dry-run: the message as it would leave. */
static int show(const struct itemref *ref, const struct item *it)
{
	struct outmail o;
	const char *from = config_get_default("SMTP_FROM",
	    "ai-employee@localhost");

	if (smtp_compose(it, ref->id, from, time(NULL), &o) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	fwrite(o.eml, 1, o.len, stdout);
	outmail_free(&o);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const actions[] = { "send_email", NULL };
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = cli_warn_msg,
	    .result = print_result };
	struct cli_byhand h = { actions, "an email draft", "sent", 0, show,
	    &x };
	int first = cli_byhand_args(&h, argc, argv, 1, usage);

	if (first < 0)
		return EX_CONFIG;
	if (h.dry_run && cli.json) {
		cli_warn(NULL, "-n with -j refused: the dry run prints the message "
		    "as it would leave (RFC 5322), not JSON");
		return EX_ARGS;
	}
	if (smtp_configured() && !config_get("SMTP_FROM")) {
		cli_warn(NULL, "SMTP_URL is set but SMTP_FROM is not");
		return EX_CONFIG;
	}
	return cli_byhand_run(&h, argc - first, argv + first);
}
