/*
 * wasend.c - the send_whatsapp action's check and executor (see
 * wa-send(1), vault(5) Actions): the approved reply of a draft goes to the
 * customer through lib/wa's reply sender, once.
 *
 * The check is what the draft alone shows (a wa_id, a body WhatsApp takes).
 * The executor checks the 24-hour window again (it may have closed since
 * the approval) before anything is sent, and leaves the rest to
 * exec_item: the record of started approvals and exec_status: sending are
 * on disk before the POST, the wamid Meta returns becomes exec_message_id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "exec/exec.h"
#include "wa/wa.h"
#include "internal.h"

/* The reply of a draft; its strings are malloc'd (wa_reply_free). */
static void reply_of(const struct item *it, struct wa_reply *r)
{
	memset(r, 0, sizeof *r);
	r->to = fm_get(it, "to");
	r->reply_to = fm_get(it, "reply_to");
	r->template_name = fm_get(it, "template");
	r->template_lang = fm_get(it, "template_lang");
	r->text = it->body;
	if (r->template_name && !*r->template_name) {
		free((char *)r->template_name);
		r->template_name = NULL;
	}
}

static void reply_free(struct wa_reply *r)
{
	free((char *)r->to);
	free((char *)r->reply_to);
	free((char *)r->template_name);
	free((char *)r->template_lang);
}

/* The body without the trailing line ends a Markdown file has. */
static char *trimmed(const struct item *it)
{
	size_t n = it->body ? it->bodylen : 0;

	while (n && (it->body[n - 1] == '\n' || it->body[n - 1] == '\r'))
		n--;
	return strndup(it->body ? it->body : "", n);
}

int wa_reply_check(const struct item *it, const char *id)
{
	(void)id;       /* the caller names the item */
	struct wa_reply r;
	char *body, *text;

	if (!(text = trimmed(it)))
		return aie_fail_errno(EX_TEMP, "body");
	reply_of(it, &r);
	r.text = text;
	body = wa_reply_body(&r);
	reply_free(&r);
	free(text);
	if (!body)
		return -1;
	free(body);
	return 0;
}

int wa_reply_run(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res)
{
	struct wa_cfg c;
	struct wa_reply r;
	struct wa_sent sent;
	char *text;
	int maybe = 0, rc = -1;

	memset(res, 0, sizeof *res);
	if (wa_reply_config(&c) < 0)
		return -1;
	if (!(text = trimmed(it)))
		return aie_fail_errno(EX_TEMP, "%s", ref->id);
	reply_of(it, &r);
	r.text = text;
	if (!r.template_name &&
	    wa_window_check(v, r.to, time(NULL)) < 0)
		goto out;
	if (wa_reply_send(&c, &r, &sent, &maybe) < 0) {
		res->maybe_sent = maybe;
		goto out;
	}
	snprintf(res->message_id, sizeof res->message_id, "%s", sent.id);
	snprintf(res->detail, sizeof res->detail, "whatsapp %s to +%s%s%s",
	    *sent.id ? sent.id : "(no message id)", r.to,
	    r.template_name ? ", template " : "",
	    r.template_name ? r.template_name : "");
	rc = 0;
out:
	reply_free(&r);
	free(text);
	return rc;
}
