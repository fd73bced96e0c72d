/*
 * decide.c - approve, reject and revise a draft (see vault(5)), for approve(1)
 * and the dashboard alike.
 *
 * The first step is always one rename of the draft out of Pending_Approval
 * into In_Progress/<agent>/: that is the race, and of any number of
 * deciders (a phone tap, a CLI reject, a second tab) exactly one wins. The
 * winner writes the decision keys - and on approval the signature, which is
 * computed over the final keys and body - while the draft is out of every
 * stage another tool acts on, then moves it to Approved or Rejected. If
 * anything fails in between, the draft goes back to Pending_Approval.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "approval/approval.h"
#include "vault/vault.h"

const char *decision_name(enum decision d)
{
	switch (d) {
	case DEC_APPROVE: return "approved";
	case DEC_REJECT: return "rejected";
	case DEC_REVISE: return "revise";
	}
	return "unknown";
}

/* Put a claimed draft back in Pending_Approval after a failure, without
 * any decision key (a signature must never survive a failed approval) and
 * without the expires an approval added (drop_expires), so the owner
 * finds the version seen; keeping the first error for the caller. */
static int give_back(struct vault *v, struct itemref *ref, const char *domain,
    int drop_expires)
{
	const char *const strip[] = { "decision", NULL, "decided_by",
	    NULL, "decided_at", NULL, "decided_via", NULL, "decision_note", NULL,
	    "decision_sig", NULL, "status", "pending",
	    drop_expires ? "expires" : NULL, NULL, NULL };
	char msg[sizeof aie_errmsg];
	int code = aie_errcode;

	snprintf(msg, sizeof msg, "%s", aie_errmsg);
	item_annotate(v, ref, strip);
	item_move(v, ref, ST_PENDING, domain);
	return aie_fail(code, "%s", msg);
}

/* The draft's source item, its claim ended (claim_end): moved to stage
 * to (Done: by month) of its own domain, with keys; a failure leaves it
 * where it is, for the owner to see (the draft's decision stands). */
static void move_source(struct vault *v, const char *source, enum stage to,
    const char *const *kv)
{
	struct itemref src;

	if (!source || !id_valid(source) || vault_find(v, source, &src) < 0)
		return;
	if (src.stage == ST_DONE)
		return;
	/* drafted without a claim, it may already be back: the note counts */
	claim_end(v, &src, to, kv, to == ST_DONE ? "source-done" :
	    "source-revise", NULL);
}

/* A draft that is not approved leaves its ID to the next draft of the
 * same source (draft-email names drafts DRAFT_<source>): in Rejected/ it
 * is kept as <ID>.<UTC time>, or under its own ID when that would be too
 * long. NULL keeps the ID. */
static const char *rejected_id(const char *id, enum decision d, int expired,
    time_t now, int attempt, char *buf, size_t size)
{
	struct tm tm;
	char stamp[17];
	int n;

	if (d == DEC_APPROVE && !expired)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	/* two decisions on one ID within a second: ID.<UTC>-2, -3, ... */
	if (attempt > 1)
		n = snprintf(buf, size, "%s.%s-%d", id, stamp, attempt);
	else
		n = snprintf(buf, size, "%s.%s", id, stamp);
	if (n < 0 || (size_t)n >= size || !id_valid(buf))
		return NULL;
	return buf;
}

/* DRAFT_EXPIRES_HOURS, kept to a range whose seconds fit any time_t sum. */
/* DRAFT_EXPIRES_HOURS, strictly: -1 (78) naming the key and its range. */
static int expires_hours(long *hours)
{
	return config_long("DRAFT_EXPIRES_HOURS", 72, 1, 1000000, hours);
}

/* Whether an approval of it now would come too late: its expires has
 * passed (or cannot be read), or, without one, created is more than
 * DRAFT_EXPIRES_HOURS ago (see vault(5)). */
static int is_expired(const struct item *it, const char *expires, time_t now,
    long hours)
{
	char *created;
	time_t t;
	int r = 0;

	if (expires)
		return time_parse_rfc3339(expires, &t) < 0 || t <= now;
	created = fm_get(it, "created");
	if (created && time_parse_rfc3339(created, &t) == 0 &&
	    t + hours * 3600 <= now)
		r = 1;
	free(created);
	return r;
}

int decide(struct vault *v, struct itemref *ref, enum decision d,
    struct decide_opts *o)
{
	char domain[sizeof ref->sub], now_s[21], exp_s[21], sig[65], from[512];
	char newid[AIE_ID_MAX + 1], found[DRAFT_DIGEST_HEX + 1];
	unsigned char key[32];
	const char *by = o && o->by ? o->by : v->agent;
	const char *via = o && o->via ? o->via : "cli";
	const char *note = o ? o->note : NULL;
	char *expires = NULL, *source = NULL;
	struct item it;
	time_t now = time(NULL);
	int expired = 0, added_expires = 0, attempt;
	long hours = 72;

	if (o) {
		o->found[0] = '\0';
		o->changed = 0;
	}
	if (agent_is_cloud(v->agent))
		return aie_fail(EX_REFUSED, "%s: refused: agent cloud may not "
		    "decide", ref->id);
	if (ref->stage != ST_PENDING)
		return aie_fail(EX_NEG, "%s: not waiting for approval (it is %s)",
		    ref->id, ref->rel);
	if (d == DEC_REVISE && (!note || !*note))
		return aie_fail(EX_ARGS, "%s: a revision needs a note", ref->id);
	snprintf(domain, sizeof domain, "%s", ref->sub);
	snprintf(from, sizeof from, "%s", ref->rel);
	if (item_move(v, ref, ST_IN_PROGRESS, v->agent) < 0)
		return -1;
	if (item_load(v, ref, &it) < 0)
		return give_back(v, ref, domain, 0);
	/* the version decided on is the one read here, after the claim: the
	 * bytes signed below, whatever a sync did before the rename */
	if (draft_digest(&it, ref->id, found) < 0)
		goto fail;
	if (o)
		memcpy(o->found, found, sizeof found);
	if (o && o->expect && strcmp(o->expect, found) != 0) {
		o->changed = 1;
		aie_fail(EX_NEG, "%s: changed since it was shown (version %.*s, "
		    "shown %.*s); look at it again", ref->id, DRAFT_DIGEST_SHORT,
		    found, DRAFT_DIGEST_SHORT, o->expect);
		goto fail;
	}
	time_rfc3339(now, now_s);
	expires = fm_get(&it, "expires");
	source = fm_get(&it, "source");
	if (d == DEC_APPROVE && expires_hours(&hours) < 0)
		goto fail;
	if (d == DEC_APPROVE)
		expired = is_expired(&it, expires, now, hours);
	if (d == DEC_APPROVE && !expired && (draft_signable(&it, ref->id) < 0 ||
	    approval_rules(v, &it, ref->id, now) < 0))
		goto fail;
	/* an approval always ends: a draft without expires gets the default
	 * from now, signed with the rest (see approve(1)) */
	if (d == DEC_APPROVE && !expired && !expires) {
		time_rfc3339(now + hours * 3600, exp_s);
		if (fm_set(&it, "expires", exp_s) < 0)
			goto fail;
		added_expires = 1;
	}
	if (fm_set(&it, "decision", expired ? "rejected" : decision_name(d)) < 0 ||
	    fm_set(&it, "decided_by", by) < 0 ||
	    fm_set(&it, "decided_at", now_s) < 0 ||
	    fm_set(&it, "decided_via", via) < 0 ||
	    (expired && fm_set(&it, "decision_note", "expired") < 0) ||
	    (!expired && note && fm_set(&it, "decision_note", note) < 0) ||
	    fm_set(&it, "status", expired ? "rejected" : decision_name(d)) < 0 ||
	    fm_del(&it, "decision_sig") < 0)
		goto fail;
	if (d == DEC_APPROVE && !expired) {
		if (approval_key_load(key) < 0)
			goto fail;
		approval_sig_compute(&it, ref->id, key, sig);
		sodium_memzero(key, sizeof key);
		if (fm_set(&it, "decision_sig", sig) < 0)
			goto fail;
	}
	if (item_store(v, ref, &it) < 0)
		goto fail;
	fm_free(&it);
	for (attempt = 1; ; attempt++) {
		const char *as = rejected_id(ref->id, d, expired, now, attempt,
		    newid, sizeof newid);
		if (item_move_as(v, ref, d == DEC_APPROVE && !expired ?
		    ST_APPROVED : ST_REJECTED, domain, as) == 0)
			break;
		if (as && aie_errcode == EX_DATA && attempt < 20)
			continue;       /* that name is taken: the next one */
		free(expires);
		free(source);
		return give_back(v, ref, domain, added_expires);
	}
	audit_event(v, expired ? "expired" : decision_name(d), ref->id, from,
	    ref->rel, expired ? "expired" : note);
	if (d == DEC_REJECT) {
		const char *kv[] = { "status", "rejected", NULL };
		move_source(v, source, ST_DONE, kv);
	} else if (d == DEC_REVISE) {
		const char *kv[] = { "status", "new", "revise_note", note, NULL };
		move_source(v, source, ST_NEEDS_ACTION, kv);
	}
	if (expired)
		aie_fail(EX_DATA, "%s: expired (%s); moved to %s", ref->id,
		    expires ? expires : "created too long ago", ref->rel);
	free(expires);
	free(source);
	return expired ? -1 : 0;
fail:
	fm_free(&it);
	free(expires);
	free(source);
	return give_back(v, ref, domain, added_expires);
}

struct copy_search { const char *id; size_t len; struct itemref *found; };

static int match_copy(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct copy_search *c = ctx;
	const char *p = ref->id + c->len;

	(void)v;
	if (strncmp(ref->id, c->id, c->len) != 0 || p[0] != '.' ||
	    strlen(p + 1) != 16 || p[9] != 'T' || p[16] != 'Z')
		return 0;
	*c->found = *ref;
	return 1;
}

int decided_copy(struct vault *v, const char *id, struct itemref *ref)
{
	struct copy_search c = { id, strlen(id), ref };

	if (!id_valid(id))
		return -1;
	return vault_walk(v, ST_REJECTED, NULL, match_copy, &c) == 1 ? 0 : -1;
}
