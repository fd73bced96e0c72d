/*
 * status.c - the statuses Meta reports for the messages we sent (sent,
 * delivered, read, failed), from the webhook, into the vault.
 *
 * Each status gets an audit line (the log is merged as a union, so the
 * cloud writing it never conflicts with the local agent). The reply it
 * belongs to, the item whose exec_message_id is its wamid, gets wa_status
 * and wa_status_at, moving only forward (Meta's deliveries come out of
 * order and again): sent < delivered < read, and failed over all. A reply
 * that failed (131047 outside the window, 131026 undeliverable, ...) is
 * told to the owner once, through the notification path of notify-wa(1),
 * by the caller once it has answered Meta (wa_status_tell).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "wa/wa.h"

static int rank(const char *s)
{
	static const char *const order[] = { "sent", "delivered", "read",
	    "failed", NULL };
	int i;

	for (i = 0; s && order[i]; i++)
		if (!strcmp(s, order[i]))
			return i + 1;
	return 0;
}

struct find {
	const char *wamid;
	struct itemref ref;
	int found;
};

static int match(struct vault *v, const struct itemref *ref, void *vctx)
{
	struct find *f = vctx;
	struct item it;
	char *mid;

	if (strncmp(ref->id, "DRAFT_WA_", 9) || item_load(v, ref, &it) < 0)
		return 0;
	mid = fm_get(&it, "exec_message_id");
	if (mid && !strcmp(mid, f->wamid)) {
		f->ref = *ref;
		f->found = 1;
	}
	free(mid);
	fm_free(&it);
	return f->found;
}

void wa_status_tell(struct vault *v, const struct wa_status *s,
    const char *id)
{
	struct wa_cfg c;
	struct wa_note n = { WA_ERROR, NULL, NULL, NULL, 7 * 86400, 0 };
	struct wa_outcome o;
	char key[300], body[1200], *text, *sum;

	if (wa_config(&c) < 0)
		return;
	snprintf(key, sizeof key, "wa-failed-%s", s->id);
	snprintf(body, sizeof body, "*ai-employee: WhatsApp reply not "
	    "delivered: %s*\nTo +%s: error %ld%s%s%s%s. Reply another way, or "
	    "with a template if the 24-hour window closed.", id,
	    s->recipient ? s->recipient : "?", s->error_code,
	    s->error_title ? " " : "", s->error_title ? s->error_title : "",
	    s->error_message ? ": " : "",
	    s->error_message ? s->error_message : "");
	text = wa_compose(body, wa_dashboard_url());
	sum = wa_oneline(body, WA_PARAM_MAX);
	n.text = text;
	n.summary = sum;
	n.key = key;
	if (text && sum)
		wa_notify(v, &c, &n, &o);
	free(text);
	free(sum);
}

int wa_status_apply(struct vault *v, const struct wa_status *s,
    char tell[AIE_ID_MAX + 1])
{
	struct find f = { s->id, { .id = "" }, 0 };
	char note[600], at[21];
	struct item it;
	char *old;
	int r;

	tell[0] = '\0';
	if (s->error_code)
		snprintf(note, sizeof note, "%s %s error %ld%s%s", s->status,
		    s->id, s->error_code, s->error_title ? " " : "",
		    s->error_title ? s->error_title : "");
	else
		snprintf(note, sizeof note, "%s %s", s->status, s->id);
	if (vault_walk(v, ST_DONE, NULL, match, &f) < 0)
		return -1;
	if (audit_event(v, "whatsapp_status", f.found ? f.ref.id : NULL,
	    "wa-webhook", f.found ? f.ref.rel : NULL, note) < 0)
		return -1;
	if (!f.found)
		return 1;
	if (item_load(v, &f.ref, &it) < 0)
		return -1;
	old = fm_get(&it, "wa_status");
	fm_free(&it);
	r = rank(s->status) > rank(old);
	free(old);
	if (!r)
		return 0;        /* an older or repeated status */
	time_rfc3339((time_t)s->timestamp, at);
	{
		char code[32];
		const char *kv[] = { "wa_status", s->status, "wa_status_at", at,
		    "wa_error", NULL, NULL, NULL };
		if (s->error_code) {
			snprintf(code, sizeof code, "%ld", s->error_code);
			kv[5] = code;
		}
		if (item_annotate(v, &f.ref, kv) < 0)
			return -1;
	}
	if (!strcmp(s->status, "failed"))
		snprintf(tell, AIE_ID_MAX + 1, "%s", f.ref.id);
	return 0;
}

/* An urgent message, told to the owner at once (as notify-wa --urgent
 * tells a mail): who, the first line, the item's ID and the dashboard. */
void wa_urgent_tell(struct vault *v, const struct itemref *ref)
{
	struct wa_cfg c;
	struct wa_note n = { WA_URGENT, NULL, NULL, NULL, 7 * 86400, 0 };
	struct wa_outcome o;
	struct item it;
	char key[300], *from, *line, *body = NULL, *text = NULL, *sum = NULL;

	if (wa_config(&c) < 0 || item_load(v, ref, &it) < 0)
		return;
	from = fm_get(&it, "from");
	line = wa_oneline(it.body ? it.body : "", 300);
	fm_free(&it);
	if (asprintf(&body, "*Urgent: a WhatsApp message from %s*\n\n%s\n%s",
	    from ? from : "a customer", line ? line : "", ref->id) < 0)
		body = NULL;
	if (body && (text = wa_compose(body, wa_dashboard_url())))
		sum = wa_oneline(body, WA_PARAM_MAX);
	snprintf(key, sizeof key, "wa-urgent-%s", ref->id);
	n.text = text;
	n.summary = sum;
	n.key = key;
	if (text && sum)
		wa_notify(v, &c, &n, &o);
	free(from);
	free(line);
	free(body);
	free(text);
	free(sum);
}
