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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "wa/wa.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: wa-send [-C DIR] [-a AGENT] [-jqv] [-n] ITEM...\n");
	exit(status ? 2 : 0);
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

int main(int argc, char **argv)
{
	static const char *const actions[] = { "send_whatsapp", NULL };
	struct vault v;
	struct exec_ctx x = { .v = &v, .warn = cli_warn_msg,
	    .result = print_result };
	struct cli_byhand h = { actions, "a WhatsApp reply", "sent", 0, show,
	    &x };
	int first = cli_byhand_args(&h, argc, argv, 1, usage);

	if (first < 0)
		return EX_CONFIG;
	return cli_byhand_run(&h, argc - first, argv + first);
}
