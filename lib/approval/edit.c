/*
 * edit.c - the owner's edit of a draft waiting for approval (see
 * approval.h and ai-employee-dashboard(1), "Edit, then approve").
 *
 * An edit names the version it was made on (its draft_digest), as a
 * decision does: the draft read now must still be that version, or
 * nothing is written and the caller shows both. The read, the compare
 * and the write happen under this agent's sync lock, so vault-sync cannot
 * bring in another version between them; the write replaces the file only
 * while it is there (file_replaceat), so a draft decided meanwhile (moved
 * out by one rename) is never brought back. Only the body and the fields
 * a person writes change; everything else of the file stays byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "approval/approval.h"

/* The sync lock of vault-sync(1), .state/<agent>/sync.lock: held, not
 * waited for (a sync may take as long as the network), so a sync that
 * runs is a "try again". */
#define SYNC_LOCK "sync"

/* Apply e's changes to it. A NULL value is kept; "" removes the key. */
static int apply(struct item *it, const struct draft_edit *e)
{
	const char *const keys[] = { "to", "cc", "subject" };
	const char *vals[] = { e->to, e->cc, e->subject };
	char *body;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof *keys; i++) {
		if (!vals[i])
			continue;
		if (!*vals[i] ? fm_del(it, keys[i]) < 0 :
		    fm_set(it, keys[i], vals[i]) < 0)
			return -1;
	}
	if (!e->body)
		return 0;
	if (!(body = strdup(e->body)))
		return aie_fail(EX_TEMP, "out of memory");
	free(it->body);
	it->body = body;
	it->bodylen = strlen(body);
	return 0;
}

static int edit_locked(struct vault *v, const struct itemref *ref,
    struct draft_edit *e)
{
	struct item it;
	char *buf;
	size_t len;
	int r = -1;

	if (item_load(v, ref, &it) < 0)
		return -1;
	if (draft_digest(&it, ref->id, e->found) < 0)
		goto out;
	if (strcmp(e->found, e->expect)) {
		e->changed = 1;
		aie_fail(EX_NEG, "%s changed since the version edited (%.*s, now "
		    "%.*s); nothing was written", ref->id, DRAFT_DIGEST_SHORT,
		    e->expect, DRAFT_DIGEST_SHORT, e->found);
		goto out;
	}
	if (apply(&it, e) < 0 || draft_signable(&it, ref->id) < 0 ||
	    (e->check && e->check(v, &it, ref->id, e->now) < 0) ||
	    draft_digest(&it, ref->id, e->digest) < 0)
		goto out;
	if (!strcmp(e->digest, e->found)) {      /* nothing to write */
		r = 0;
		goto out;
	}
	if (fm_serialize(&it, &buf, &len) < 0)
		goto out;
	r = file_replaceat(v->dirfd, ref->rel, buf, len, 0644);
	free(buf);
	if (r == 0 && (r = audit_event(v, "edited", ref->id, ref->rel, ref->rel,
	    e->digest)) < 0)
		aie_fail(aie_errcode, "%s: edited, but the audit line was not "
		    "written: %s", ref->id, aie_errmsg);
out:
	fm_free(&it);
	return r;
}

int draft_edit(struct vault *v, const struct itemref *ref,
    struct draft_edit *e)
{
	int lock, r;

	e->changed = 0;
	e->found[0] = e->digest[0] = '\0';
	if (agent_is_cloud(v->agent))
		return aie_fail(EX_REFUSED, "%s: refused: agent cloud may not edit "
		    "a draft waiting for approval", ref->id);
	if (ref->stage != ST_PENDING)
		return aie_fail(EX_NEG, "%s is not waiting for approval (now %s)",
		    ref->id, ref->rel);
	if (!e->expect || !draft_digest_valid(e->expect))
		return aie_fail(EX_DATA, "%s: the edit does not name the version "
		    "it was made on", ref->id);
	if ((lock = state_lock(v, SYNC_LOCK, 0)) < 0)
		return aie_fail(EX_TEMP, "%s: a sync is running; try again in a "
		    "moment", ref->id);
	r = edit_locked(v, ref, e);
	state_unlock(lock);
	return r;
}
