/*
 * grace.c - the grace of an approval (see vault-exec(1) EXEC_GRACE): for
 * EXEC_GRACE seconds after decided_at vault-exec leaves it in Approved/,
 * and the owner may undo it (the dashboard's Undo, like undo-send in mail
 * clients). Undo and vault-exec race by one rename out of Approved/: the
 * winner acts, the other finds nothing. An undone approval goes into the
 * executor's record (execlog.h) before the file moves, so a copy of the
 * signed file that comes back (a sync, a backup) is refused as a replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vault/vault.h"
#include "exec/exec.h"

long exec_grace_left(const struct item *it, long grace, time_t now,
    char *why, size_t size)
{
	char *at = fm_get(it, "decided_at");
	time_t t;
	long left = 0;

	if (grace > 0 && at && time_parse_rfc3339(at, &t) == 0 &&
	    t + grace > now) {
		left = (long)(t + grace - now);
		snprintf(why, size, "approved at %s, within EXEC_GRACE=%lds "
		    "(%lds left for Undo)", at, grace, left);
	}
	free(at);
	return left;
}

/* Too late unless the claimed or seen copy is in its grace and untouched
 * by the executor. 0, or -1 (1) saying why. */
static int undoable(const struct item *it, const char *id, long grace)
{
	char why[200], *st = fm_get(it, "exec_status");
	int started = st != NULL;

	free(st);
	if (started)
		return aie_fail(EX_NEG, "%s: too late to undo: vault-exec has "
		    "begun executing it", id);
	if (exec_grace_left(it, grace, time(NULL), why, sizeof why) == 0)
		return aie_fail(EX_NEG, "%s: too late to undo: its grace of "
		    "%ld s (EXEC_GRACE) is over; it may be executed already", id,
		    grace);
	return 0;
}

static void audit_undo(struct vault *v, const char *id, const char *from,
    const char *to, const char *by, const char *key)
{
	audit_json(v, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "event",
	    "undo", "id", id, "from", from, "to", to, "note", by ? by :
	    v->agent, "approval", key));
}

int exec_undo(struct vault *v, struct itemref *ref, long grace,
    const char *by)
{
	const char *const strip[] = { "decision", NULL, "decided_by", NULL,
	    "decided_at", NULL, "decided_via", NULL, "decision_note", NULL,
	    "decision_sig", NULL, "status", "pending", NULL };
	char domain[sizeof ref->sub], from[sizeof ref->rel];
	char key[EXECLOG_KEY_LEN + 1];
	struct item it;
	int r;

	if (ref->stage != ST_APPROVED)
		return aie_fail(EX_NEG, "%s: too late to undo: it is not waiting "
		    "in Approved/ (it is %s)", ref->id, ref->rel);
	snprintf(domain, sizeof domain, "%s", ref->sub);
	snprintf(from, sizeof from, "%s", ref->rel);
	if (item_load(v, ref, &it) < 0)
		return -1;
	r = undoable(&it, ref->id, grace);
	fm_free(&it);
	if (r < 0)
		return -1;
	/* the race with vault-exec: one rename, one winner */
	if (item_move(v, ref, ST_IN_PROGRESS, v->agent) < 0)
		return aie_fail(EX_NEG, "%s: too late to undo: vault-exec took "
		    "it first", ref->id);
	if (item_load(v, ref, &it) < 0)
		goto back;
	/* the copy now held decides, as for vault-exec */
	if (undoable(&it, ref->id, grace) < 0 ||
	    execlog_key(&it, ref->id, key) < 0 ||
	    execlog_note(v, key, EXECLOG_UNDONE, ref->id) < 0) {
		fm_free(&it);
		goto back;
	}
	fm_free(&it);
	/* recorded: from here on this approval never runs, so the file goes
	 * back to the owner even if a step below fails */
	if (item_annotate(v, ref, strip) < 0 ||
	    item_move(v, ref, ST_PENDING, domain) < 0)
		return -1;
	audit_undo(v, ref->id, from, ref->rel, by, key);
	return 0;
back:
	{
		char msg[sizeof aie_errmsg];
		int code = aie_errcode;
		snprintf(msg, sizeof msg, "%s", aie_errmsg);
		item_move(v, ref, ST_APPROVED, domain);
		return aie_fail(code, "%s", msg);
	}
}
