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
 * by the caller once it has answered Meta (wa_status_tell). A status of
 * the owner's own notification is a row of the notification log; one of
 * a message the vault does not know yet is kept for later (late.c).
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
	const char *const *ids;  /* wamids sought */
	size_t n, left;
	struct itemref *refs;    /* refs[i]: the reply of ids[i] */
	char *found;             /* found[i]: 1 when refs[i] is set */
};

static int match(struct vault *v, const struct itemref *ref, void *vctx)
{
	struct find *f = vctx;
	struct item it;
	char *mid;
	size_t i;

	if (strncmp(ref->id, "DRAFT_WA_", 9) || item_load(v, ref, &it) < 0)
		return 0;
	mid = fm_get(&it, "exec_message_id");
	for (i = 0; mid && i < f->n; i++)
		if (!f->found[i] && !strcmp(mid, f->ids[i])) {
			f->refs[i] = *ref;
			f->found[i] = 1;
			f->left--;
		}
	free(mid);
	fm_free(&it);
	return f->left == 0;     /* stop the walk when all are found */
}

int wa_replies_find(struct vault *v, const char *const *ids, size_t n,
    struct itemref *refs, char *found)
{
	struct find f = { ids, n, n, refs, found };

	memset(found, 0, n);
	return n ? vault_walk(v, ST_DONE, NULL, match, &f) : 0;
}

int wa_status_onto(struct vault *v, const struct wa_status *s,
    const struct itemref *ref, char tell[AIE_ID_MAX + 1])
{
	char at[21], code[32];
	const char *kv[] = { "wa_status", s->status, "wa_status_at", at,
	    "wa_error", NULL, NULL, NULL };
	struct item it;
	char *old;
	int r;

	tell[0] = '\0';
	if (item_load(v, ref, &it) < 0)
		return -1;
	old = fm_get(&it, "wa_status");
	fm_free(&it);
	r = rank(s->status) > rank(old);
	free(old);
	if (!r)
		return 0;        /* an older or repeated status */
	time_rfc3339((time_t)s->timestamp, at);
	if (s->error_code) {
		snprintf(code, sizeof code, "%ld", s->error_code);
		kv[5] = code;
	}
	if (item_annotate(v, ref, kv) < 0)
		return -1;
	if (!strcmp(s->status, "failed"))
		snprintf(tell, AIE_ID_MAX + 1, "%s", ref->id);
	return 0;
}

void wa_status_note(const struct wa_status *s, const char *pre, char *note,
    size_t size)
{
	if (s->error_code)
		snprintf(note, size, "%s%s %s error %ld%s%s", pre, s->status,
		    s->id, s->error_code, s->error_title ? " " : "",
		    s->error_title ? s->error_title : "");
	else
		snprintf(note, size, "%s%s %s", pre, s->status, s->id);
}

int wa_status_apply(struct vault *v, const struct wa_status *s,
    char tell[AIE_ID_MAX + 1])
{
	const char *ids[1] = { s->id };
	struct itemref ref;
	char note[600], found;
	int r;

	tell[0] = '\0';
	memset(&ref, 0, sizeof ref);
	wa_status_note(s, "", note, sizeof note);
	if (wa_replies_find(v, ids, 1, &ref, &found) < 0)
		return -1;
	if (audit_event(v, "whatsapp_status", found ? ref.id : NULL,
	    "wa-webhook", found ? ref.rel : NULL, note) < 0)
		return -1;
	if (found)
		return wa_status_onto(v, s, &ref, tell);
	/* one of the owner's notifications, or a reply not synced yet */
	if ((r = wa_notify_status(v, s)) != 0)
		return r < 0 ? -1 : 1;
	return wa_late_keep(v, s) < 0 ? -1 : 1;
}
