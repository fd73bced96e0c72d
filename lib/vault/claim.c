/*
 * claim.c - claims (see vault(5), "Claim keys", and vault-claim(1)).
 *
 * The only code that writes or clears the claim keys: claimed_by,
 * claimed_at and the status: in_progress a claim sets. It also holds the
 * one rule for the domain of an item (claim_domain): its domain key, else
 * the folder it came from. A claim writes that folder as domain: when the
 * item has no usable one, so every tool that later moves it out of
 * In_Progress/ (a release, a give-back, a reap, an executed reply, a
 * decision on its draft) sends it back to the same folder.
 *
 * A claim and a release are all or nothing: the move, then the keys and
 * the audit line; if either of those fails the item gets its old content
 * back and is renamed back to where it was.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vault/vault.h"

void claim_domain(const struct item *it, const struct itemref *ref,
    char d[AIE_NAME_MAX + 1])
{
	char *key = it ? fm_get(it, "domain") : NULL;
	size_t n;

	if (key && name_valid(key)) {
		snprintf(d, AIE_NAME_MAX + 1, "%s", key);
	} else if (ref && ref->stage != ST_IN_PROGRESS &&
	    (n = strcspn(ref->sub, "/")) > 0 && n <= AIE_NAME_MAX) {
		/* Done/<domain>/<YYYY-MM>: the part before the month */
		snprintf(d, AIE_NAME_MAX + 1, "%.*s", (int)n, ref->sub);
		if (!name_valid(d))
			snprintf(d, AIE_NAME_MAX + 1, "general");
	} else {
		/* in In_Progress/ with no usable domain: not claimed by a
		 * tool (those write it), so nothing says where it came from */
		snprintf(d, AIE_NAME_MAX + 1, "general");
	}
	free(key);
}

/* Does the item lack a domain key a tool can use? */
static int domain_missing(const struct item *it)
{
	char *key = fm_get(it, "domain");
	int missing = !key || !name_valid(key);

	free(key);
	return missing;
}

/* Remove claimed_by and claimed_at. */
static void drop_claim_keys(struct item *it)
{
	fm_del(it, "claimed_by");
	fm_del(it, "claimed_at");
}

/* The move has won; write kv into the item and the audit line event.
 * Either failing (a full disk) undoes the move: the content put back as
 * it was, the file renamed back to stage back/backsub; the message then
 * says "not <verb>" and where the item is, or exactly what could not be
 * undone. An item whose front matter cannot be read or updated (65: its
 * own fault, not the machine's) stays moved as it is, its error in warn. */
static int settle(struct vault *v, struct itemref *ref, const char *from,
    const char *const *kv, const char *event, const char *verb,
    enum stage back, const char *backsub, char *warn, size_t wsize)
{
	char why[sizeof aie_errmsg], again[sizeof aie_errmsg], at[512];
	char *orig = NULL;
	size_t len = 0;
	int annotated = 0, code;

	if (file_readat(v->dirfd, ref->rel, &orig, &len) == 0 &&
	    item_annotate(v, ref, kv) == 0)
		annotated = 1;
	else if (aie_errcode == EX_DATA)
		snprintf(warn, wsize, "%s", aie_errmsg);
	else
		goto undo;
	if (audit_event(v, event, ref->id, from, ref->rel, NULL) == 0) {
		free(orig);
		return 0;
	}
undo:
	code = aie_errcode ? aie_errcode : EX_TEMP;
	snprintf(why, sizeof why, "%s", aie_errmsg);
	snprintf(at, sizeof at, "%s", ref->rel);
	if (annotated && file_writeat(v->dirfd, ref->rel, orig, len, 0644) < 0) {
		snprintf(again, sizeof again, "%s", aie_errmsg);
		free(orig);
		return aie_fail(code, "%s: %s, but %s; its old content could not be "
		    "put back (%s): it stays at %s with the new keys and no audit "
		    "line", ref->id, verb, why, again, at);
	}
	free(orig);
	if (item_move(v, ref, back, backsub) < 0) {
		snprintf(again, sizeof again, "%s", aie_errmsg);
		return aie_fail(code, "%s: %s, but %s; it could not be moved back "
		    "(%s): it stays at %s, unchanged and without an audit line",
		    ref->id, verb, why, again, at);
	}
	return aie_fail(code, "%s: not %s: %s; it is back at %s", ref->id, verb,
	    why, ref->rel);
}

int claim_item(struct vault *v, struct itemref *ref, char *warn,
    size_t wsize)
{
	char now[21], dom[AIE_NAME_MAX + 1];
	const char *kv[] = { "claimed_by", v->agent, "claimed_at", now,
	    "status", "in_progress", NULL, NULL, NULL };
	struct itemref was = *ref;
	struct item it;

	*warn = '\0';
	if (ref->stage != ST_NEEDS_ACTION)
		return aie_fail(EX_NEG, "%s: not in Needs_Action (it is %s)",
		    ref->id, ref->rel);
	if (item_move(v, ref, ST_IN_PROGRESS, v->agent) < 0)
		return -1;
	time_rfc3339(time(NULL), now);
	if (item_load(v, ref, &it) == 0) {
		if (domain_missing(&it)) {
			/* the folder it came from, so that it goes back there */
			claim_domain(NULL, &was, dom);
			kv[6] = "domain";
			kv[7] = dom;
		}
		fm_free(&it);
	}
	return settle(v, ref, was.rel, kv, "claim", "claimed", ST_NEEDS_ACTION,
	    was.sub, warn, wsize);
}

int claim_take(struct vault *v, struct itemref *ref)
{
	char dom[AIE_NAME_MAX + 1], why[sizeof aie_errmsg];
	const char *kv[] = { "domain", dom, NULL };
	struct itemref was = *ref;
	struct item it;
	int missing, code;

	if (item_move(v, ref, ST_IN_PROGRESS, v->agent) < 0)
		return -1;
	if (item_load(v, ref, &it) < 0)
		return 0;       /* unreadable: the caller's own load says so */
	missing = domain_missing(&it);
	fm_free(&it);
	if (!missing)
		return 0;
	/* the folder it came from, so that whatever moves it on finds it */
	claim_domain(NULL, &was, dom);
	if (item_annotate(v, ref, kv) == 0)
		return 0;
	code = aie_errcode;
	snprintf(why, sizeof why, "%s", aie_errmsg);
	if (item_move(v, ref, was.stage, was.sub) < 0) {
		char again[sizeof aie_errmsg];
		snprintf(again, sizeof again, "%s", aie_errmsg);
		return aie_fail(code, "%s: taken, but %s; it could not be moved "
		    "back (%s): it stays at %s, unchanged", ref->id, why, again,
		    ref->rel);
	}
	return aie_fail(code, "%s: not taken: %s; it is back at %s", ref->id,
	    why, ref->rel);
}

int claim_release(struct vault *v, struct itemref *ref, const char *event,
    char *warn, size_t wsize)
{
	struct item it;
	char dom[AIE_NAME_MAX + 1], *type, *exec, from[sizeof ref->rel];
	char sub[sizeof ref->sub];
	enum stage to = ST_NEEDS_ACTION;
	const char *kv[] = { "claimed_by", NULL, "claimed_at", NULL,
	    "status", "new", NULL, NULL, NULL };

	*warn = '\0';
	if (ref->stage != ST_IN_PROGRESS)
		return aie_fail(EX_NEG, "%s: not claimed (it is %s)", ref->id,
		    ref->rel);
	if (item_load(v, ref, &it) < 0)
		return -1;
	claim_domain(&it, ref, dom);
	type = fm_get(&it, "type");
	exec = fm_get(&it, "exec_status");
	fm_free(&it);
	if (type && (!strcmp(type, "email_draft") ||
	    !strcmp(type, "whatsapp_draft")) && !exec) {
		to = ST_PENDING;
		kv[5] = "pending";
	}
	if (exec && !strcmp(exec, "sending")) {
		/* a crash mid-send: never resent by itself (see vault(5)) */
		kv[6] = "exec_status";
		kv[7] = "unknown";
	}
	free(type);
	free(exec);
	snprintf(from, sizeof from, "%s", ref->rel);
	snprintf(sub, sizeof sub, "%s", ref->sub);
	if (item_move(v, ref, to, dom) < 0)
		return -1;
	return settle(v, ref, from, kv, event, "released", ST_IN_PROGRESS, sub,
	    warn, wsize);
}

time_t claim_time(struct vault *v, const struct itemref *ref,
    const struct item *it)
{
	char *s = fm_get(it, "claimed_at");
	struct stat st;
	time_t t = 0;

	if (s && time_parse_rfc3339(s, &t) == 0) {
		free(s);
		return t;
	}
	free(s);
	if (fstatat(v->dirfd, ref->rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return st.st_mtime;
	return 0;
}

int claim_reap(struct vault *v, struct itemref *ref, long max_age,
    char *warn, size_t wsize)
{
	struct item it;
	time_t at;

	*warn = '\0';
	if (item_load(v, ref, &it) < 0)
		return 0;       /* unreadable: nothing says it is stale */
	at = claim_time(v, ref, &it);
	fm_free(&it);
	if (time(NULL) - at < max_age)
		return 0;
	return claim_release(v, ref, "reap", warn, wsize) < 0 ? -1 : 1;
}

int claim_end(struct vault *v, struct itemref *ref, enum stage to,
    const char *const *kv, const char *event, const char *note)
{
	char dom[AIE_NAME_MAX + 1], sub[AIE_NAME_MAX * 2 + 2];
	char from[sizeof ref->rel];
	struct item it;
	int r;

	if (item_load(v, ref, &it) < 0)
		return -1;
	claim_domain(&it, ref, dom);
	fm_free(&it);
	snprintf(from, sizeof from, "%s", ref->rel);
	if (ref->stage != to) {
		if (to == ST_DONE) {
			if (done_sub(dom, time(NULL), sub, sizeof sub) < 0)
				return -1;
		} else {
			snprintf(sub, sizeof sub, "%s", dom);
		}
		if (item_move(v, ref, to, sub) < 0)
			return -1;
	}
	/* read again: the copy that won the move is the one changed */
	if ((r = item_load(v, ref, &it)) == 0) {
		drop_claim_keys(&it);
		for (; r == 0 && kv[0]; kv += 2)
			r = kv[1] ? fm_set(&it, kv[0], kv[1]) : fm_del(&it, kv[0]);
		if (r == 0)
			r = item_store(v, ref, &it);
		fm_free(&it);
	}
	if (r == 0)
		return audit_event(v, event, ref->id, from, ref->rel, note);
	if (strcmp(from, ref->rel) != 0) {
		/* moved all the same: the log says where it went */
		char why[sizeof aie_errmsg];
		int code = aie_errcode;
		snprintf(why, sizeof why, "%s", aie_errmsg);
		audit_event(v, event, ref->id, from, ref->rel, note);
		aie_fail(code, "%s", why);
	}
	return -1;
}

void claim_keys_strip(struct item *claimed, struct item *other)
{
	char *st = fm_get(claimed, "status");
	int status = st && strcmp(st, "in_progress") == 0;
	int domain = domain_missing(other);
	struct item *both[] = { claimed, other };
	size_t i;

	free(st);
	for (i = 0; i < 2; i++) {
		drop_claim_keys(both[i]);
		if (status)
			fm_del(both[i], "status");
		if (domain)
			fm_del(both[i], "domain");
	}
}
