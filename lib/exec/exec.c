/*
 * exec.c - one approved item, executed at most once (see vault(5), ai-employee(7)).
 *
 * exec_item claims the item by one rename into In_Progress/<agent>/,
 * verifies its decision_sig on the claimed copy (so nothing can change it
 * between check and use), runs its action's check, writes exec_status:
 * sending (fsynced), runs its action's executor (both from the action
 * table, actions.c), then writes exec_status: sent and moves it and its
 * source to Done/<d>/<YYYY-MM>/. An item its action says is not due yet
 * (a post's schedule_at, or the end of a network's rate limit:
 * exec_action_due), or one approved less than EXEC_GRACE seconds ago
 * (grace.c: the owner may still undo it), is left in Approved/, not even
 * claimed.
 *
 * At most once: the "sending" mark is on disk before the first byte goes
 * to the SMTP server. exec_recover, given an item of the agent's own
 * In_Progress/ still marked sending, knows a run died mid-send; it cannot
 * know whether the mail left, so it never resends: the item goes to
 * Needs_Action/<d>/ with exec_status: unknown and the owner is told
 * (Updates/EXEC_<id>.md, and a WhatsApp message through lib/notify.c, the
 * path notify-wa takes, or its outbox). A failed send returns to Approved/<d>/ with
 * exec_error; the third failure goes to Needs_Action/<d>/. The caller
 * holds the flock of .state/<agent>/exec.lock, so recovery never mistakes
 * a live send for a dead one. Sends are limited to max_per_hour
 * (timestamps in .state/<agent>/exec-sends).
 *
 * At most once by construction, whatever the cloud does to the files: the
 * approval's key goes into the agent's own record (lib/execlog.c, outside
 * Git) and is fsynced before the action starts; an approval the record
 * holds is never executed again, from any folder, with any exec_* keys.
 * Such a replay goes to Needs_Action/<d>/ with exec_error; the owner is
 * told the first time only, so a cloud that keeps moving it back cannot
 * make us nag. Audit lines of executed items carry the key ("approval"),
 * from which a fresh clone seeds its record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vault/vault.h"
#include "approval/approval.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "plan/plan.h"
#include "wa/wa.h"

/* A diagnostic through the caller's warn. */
static void say(const struct exec_ctx *x, const char *item, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void say(const struct exec_ctx *x, const char *item, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (x->warn)
		x->warn(item, msg);
}

/* The last lib/ error, about item. */
static void sayerr(const struct exec_ctx *x, const char *item)
{
	say(x, item, "%s", aie_errmsg);
}

/* The WhatsApp message about an item given back to the owner, through
 * the notify-wa path (lib/notify.c: dedup, hourly limit, the outbox when no
 * provider is configured). Key exec-<event>-<id>, so a loop that meets the
 * same item and cause again does not repeat it within EXEC_NOTIFY_WINDOW
 * (default 1 day). A failure is only warned about: it never changes what
 * happened to the item. */
static void notify_owner(struct exec_ctx *x, const char *id,
    const char *title, const char *event, const char *why)
{
	struct wa_note n = { WA_ERROR, NULL, NULL, NULL, 86400, 0 };
	struct wa_outcome o;
	char key[256], head[300], *body = NULL, *sum = NULL, *text = NULL;

	if (x->wa_state == 0)
		x->wa_state = wa_config(&x->wa) == 0 ? 1 : -1;
	if (x->wa_state < 0) {
		say(x, id, "owner not notified on WhatsApp: %s", aie_errmsg);
		return;
	}
	/* vault-exec checked it before any item: this only guards other callers */
	if (config_seconds("EXEC_NOTIFY_WINDOW", 86400, 1, 31536000,
	    &n.window) < 0) {
		say(x, NULL, "%s; using 1d", aie_errmsg);
		n.window = 86400;
	}
	snprintf(key, sizeof key, "exec-%s-%s", event, id);
	snprintf(head, sizeof head, "*ai-employee: %s: %s*\n", title, id);
	if (asprintf(&body, "%s%s", head, why) < 0)
		body = NULL;
	if (body && (text = wa_compose(body, wa_dashboard_url())))
		sum = wa_oneline(body, WA_PARAM_MAX);
	n.text = text;
	n.summary = sum;
	n.key = key;
	if (!text || !sum)
		say(x, id, "owner not notified on WhatsApp: out of memory");
	else if (wa_notify(x->v, &x->wa, &n, &o) < 0)
		say(x, id, "owner not notified on WhatsApp: %s", aie_errmsg);
	else if (o.result == WA_OUTBOX && !x->quiet)
		say(x, id, "no WhatsApp provider configured (WA_PROVIDER); the "
		    "owner's message is in the outbox Logs/Notifications/");
	free(body);
	free(sum);
	free(text);
}

/* Tell the owner: Updates/EXEC_<id>.md (read by vault-status) and a
 * WhatsApp message. why is the item's exec_error, text the explanation. */
static void tell_owner(struct exec_ctx *x, const char *id,
    const char *event, const char *why, const char *text)
{
	char rel[200], now[21], *buf, *msg;
	int n;
	const char *title = strcmp(event, "exec_refused") == 0 ? "Not sent" :
	    strcmp(event, "exec_unknown") == 0 ? "Maybe sent" :
	    strcmp(event, "exec_replay") == 0 ? "Not sent again" :
	    "Not sent after 3 attempts";

	time_rfc3339(time(NULL), now);
	snprintf(rel, sizeof rel, "Updates/EXEC_%.115s.md", id);
	n = asprintf(&buf, "---\ntype: update\nid: EXEC_%.115s\ncreated: %s\n"
	    "title: \"%s: %s\"\nabout: %s\nevent: %s\n---\n%s\n", id, now,
	    title, id, id, event, text);
	if (n < 0 || file_writeat(x->v->dirfd, rel, buf, (size_t)n, 0644) < 0)
		say(x, id, "cannot write %s for the owner", rel);
	if (n >= 0)
		free(buf);
	if (asprintf(&msg, "%s\n%s", text, why) < 0)
		say(x, id, "owner not notified on WhatsApp: out of memory");
	else {
		notify_owner(x, id, title, event, msg);
		free(msg);
	}
}

/* An audit line, with the approval's key when there is one (execlog.h). */
static void audit_exec(struct vault *v, const char *event, const char *id,
    const char *from, const char *to, const char *note, const char *key)
{
	json_t *o = json_pack("{s:s, s:s}", "event", event, "id", id);

	if (o && from)
		json_object_set_new(o, "from", json_string(from));
	if (o && to)
		json_object_set_new(o, "to", json_string(to));
	if (o && note)
		json_object_set_new(o, "note", json_string(note));
	if (o && key)
		json_object_set_new(o, "approval", json_string(key));
	audit_json(v, o);
}

/* Set keys (key, value, ..., NULL; NULL value deletes) on the item. */
static int annotate(const struct exec_ctx *x, const struct itemref *ref,
    const char *const *kv)
{
	if (item_annotate(x->v, ref, kv) < 0) {
		sayerr(x, ref->id);
		return -1;
	}
	return 0;
}

/* Move to Needs_Action/<d>/ for the owner, with exec keys; key is the
 * approval's (or NULL); tell: 0 when the owner was already told. */
static int to_owner_as(struct exec_ctx *x, struct itemref *ref,
    const char *d, const char *status, const char *err, const char *event,
    const char *why, const char *key, int tell)
{
	char from[sizeof ref->rel];
	const char *kv[] = { "exec_status", status, "exec_error", err, NULL };

	snprintf(from, sizeof from, "%s", ref->rel);
	if (item_move(x->v, ref, ST_NEEDS_ACTION, d) < 0) {
		sayerr(x, ref->id);
		return aie_errcode;
	}
	annotate(x, ref, status ? kv : kv + 2);
	audit_exec(x->v, event, ref->id, from, ref->rel, err, key);
	if (tell)
		tell_owner(x, ref->id, event, err, why);
	if (!x->quiet || !tell)
		say(x, ref->id, "%s; moved to %s", err, ref->rel);
	return 0;
}

static int to_owner(struct exec_ctx *x, struct itemref *ref,
    const char *d, const char *status, const char *err, const char *event,
    const char *why, const char *key)
{
	return to_owner_as(x, ref, d, status, err, event, why, key, 1);
}

/* What the owner is told of an execution that may or may not have
 * happened, in the words of its action: died, a run died in the middle
 * (err the short form); lost, the answer was lost after the request went
 * out. The last entry, for a mail, is also for an item without action. */
struct maybe_words {
	const char *action, *died_err, *died, *lost;
};

static const struct maybe_words maybe_words[] = {
	{ "post",
	  "a run died while publishing; the post may or may not be out, so it "
	  "is not published again",
	  "vault-exec stopped in the middle of publishing this post. It may or "
	  "may not be on the network; it was not published again. Look at the "
	  "network, then move it to Done/ or approve it anew.",
	  "The network gave no answer after the post was sent: it may or may "
	  "not be published; it was not published again. Look at the network, "
	  "then move it to Done/ or approve it anew." },
	{ "send_whatsapp",
	  "a run died while sending; the message may or may not have gone "
	  "out, so it is not sent again",
	  "vault-exec stopped in the middle of sending this WhatsApp reply. It "
	  "may or may not have been sent; it was not sent again. Look at the "
	  "WhatsApp chat, then move it to Done/ or approve it anew.",
	  "WhatsApp gave no answer after the reply was sent: it may or may not "
	  "have gone out; it was not sent again. Look at the WhatsApp chat, "
	  "then move it to Done/ or approve it anew." },
	{ "post_invoice",
	  "a run died while posting; the invoice may or may not be posted, so "
	  "it is not posted again",
	  "vault-exec stopped in the middle of posting this invoice. It may or "
	  "may not be posted in Odoo; it was not posted again. Look at the "
	  "invoice in Odoo, then move this to Done/ or approve it anew.",
	  "Odoo gave no answer after the invoice was posted: it may or may not "
	  "be posted; it was not posted again. Look at the invoice in Odoo, "
	  "then move this to Done/ or approve it anew." },
	{ "register_payment",
	  "a run died while registering; the payment may or may not be in "
	  "Odoo, so it is not registered again",
	  "vault-exec stopped in the middle of registering this payment. It "
	  "may or may not be in Odoo; it was not registered again. Look at the "
	  "invoice in Odoo, then move this to Done/ or approve it anew.",
	  "Odoo gave no answer after the payment was registered: it may or may "
	  "not be in Odoo; it was not registered again. Look at the invoice in "
	  "Odoo, then move this to Done/ or approve it anew." },
	{ NULL,
	  "a run died while sending; the mail may or may not have gone out, so "
	  "it is not sent again",
	  "vault-exec stopped in the middle of sending this item. It may or "
	  "may not have been sent; it was not sent again. Check the sent "
	  "folder, then move it to Done/ or approve it anew.",
	  "The mail server lost its answer after the whole message was sent: "
	  "it may or may not have gone out; it was not sent again. Check the "
	  "sent folder, then move it to Done/ or approve it anew." },
};

static const struct maybe_words *maybe_for(const struct item *it)
{
	char *a = fm_get(it, "action");
	size_t i;

	for (i = 0; maybe_words[i].action; i++)
		if (a && strcmp(a, maybe_words[i].action) == 0)
			break;
	free(a);
	return &maybe_words[i];
}

/* ---- the hourly limit ---- */

int exec_sends_last_hour(struct vault *v, int record)
{
	char rel[128], dir[64], *buf = NULL, *line, *save = NULL;
	time_t now = time(NULL);
	size_t len;
	int count = 0;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, sizeof rel, "%s/exec-sends", dir);
	if (!(f = open_memstream(&out, &olen)))
		return aie_fail_errno(EX_TEMP, "memory");
	if (file_readat(v->dirfd, rel, &buf, &len) == 0)
		for (line = strtok_r(buf, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save)) {
			long long t = atoll(line);
			if (t > (long long)now - 3600 && t <= (long long)now + 60) {
				count++;
				fprintf(f, "%lld\n", t);
			}
		}
	free(buf);
	if (record)
		fprintf(f, "%lld\n", (long long)now);
	fclose(f);
	if (record && file_writeat(v->dirfd, rel, out, olen, 0600) < 0) {
		free(out);
		return -1;
	}
	free(out);
	return count + record;
}

/* ---- finishing ---- */

/* Done/<d>/<YYYY-MM>/ for the item and, if it has one, its source. */
static void to_done(const struct exec_ctx *x, struct itemref *ref,
    const char *d, const struct item *it, const char *key)
{
	struct vault *v = x->v;
	char sub[AIE_NAME_MAX * 2 + 2], from[sizeof ref->rel];
	char *src = fm_get(it, "source");
	struct itemref sref;

	snprintf(from, sizeof from, "%s", ref->rel);
	if (done_sub(d, time(NULL), sub, sizeof sub) < 0 ||
	    item_move(v, ref, ST_DONE, sub) < 0) {
		sayerr(x, ref->id);
		free(src);
		return;
	}
	audit_exec(v, "executed", ref->id, from, ref->rel, NULL, key);
	/* a plan's step that waited for this draft is done (see plan(1)) */
	if (plan_draft_executed(v, ref->id) < 0)
		sayerr(x, ref->id);
	if (src && id_valid(src) && vault_find(v, src, &sref) == 0 &&
	    sref.stage != ST_DONE) {
		const char *kv[] = { "status", "done", "replied_by", ref->id, NULL };
		if (claim_end(v, &sref, ST_DONE, kv, "done",
		    "source of an executed reply") < 0)
			sayerr(x, src);
	}
	free(src);
}

int exec_recover(struct exec_ctx *x, const struct itemref *r0)
{
	struct itemref ref = *r0;
	struct item it;
	char *st, *att, d[AIE_NAME_MAX + 1], key[EXECLOG_KEY_LEN + 1];
	const char *k;
	int status = 0, attempts;

	if (item_load(x->v, &ref, &it) < 0)
		return 0;
	k = execlog_key(&it, ref.id, key) == 0 ? key : NULL;
	st = fm_get(&it, "exec_status");
	att = fm_get(&it, "exec_attempts");
	attempts = att ? atoi(att) : 0;
	claim_domain(&it, &ref, d);
	if (st && strcmp(st, "sending") == 0)
		status = to_owner(x, &ref, d, "unknown", maybe_for(&it)->died_err,
		    "exec_unknown", maybe_for(&it)->died, k);
	else if (st && strcmp(st, "sent") == 0)
		to_done(x, &ref, d, &it, k);
	else if (st && strcmp(st, "failed") == 0) {
		if (attempts >= EXEC_MAX_ATTEMPTS)
			to_owner(x, &ref, d, NULL, "failed 3 times", "exec_failed",
			    "Sending this item failed 3 times; see exec_error.", k);
		else if (item_move(x->v, &ref, ST_APPROVED, d) < 0)
			sayerr(x, ref.id);
	}
	free(st);
	free(att);
	fm_free(&it);
	return status;
}

/* ---- one item ---- */

int exec_approval_ok(const struct item *it, const char *id)
{
	char *exp;
	int none;

	if (approval_verify(it, id, time(NULL)) < 0)
		return -1;
	exp = fm_get(it, "expires");
	none = !exp || !*exp;
	free(exp);
	if (none)
		return aie_fail(EX_REFUSED, "the approval has no expires, so it "
		    "would never expire; approve it again");
	return 0;
}

/* Is the item's approval in the record (seeded first if need be)? 1 yes,
 * 0 no, -1 when that cannot be known: then it is not executed. */
static int spent(struct exec_ctx *x, const struct item *it, const char *id,
    char key[EXECLOG_KEY_LEN + 1], int *told)
{
	if (execlog_key(it, id, key) < 0)
		return -1;
	if (!x->log_ready) {
		if (execlog_ready(x->v) < 0)
			return -1;
		x->log_ready = 1;
	}
	return execlog_spent(x->v, key, told);
}

int exec_check(struct exec_ctx *x, const struct itemref *ref)
{
	const struct exec_action *act;
	struct item it;
	char *action, key[EXECLOG_KEY_LEN + 1], why[200];
	int r = 0, s;

	if (item_load(x->v, ref, &it) < 0) {
		sayerr(x, ref->id);
		return aie_errcode;
	}
	action = fm_get(&it, "action");
	act = exec_action_find(action);
	if (exec_approval_ok(&it, ref->id) < 0) {
		say(x, ref->id, "would be refused: %s", aie_errmsg);
		r = EX_REFUSED;
	} else if ((s = spent(x, &it, ref->id, key, NULL)) != 0) {
		say(x, ref->id, "would be refused: %s", s < 0 ? aie_errmsg :
		    "its approval was already executed");
		r = s < 0 ? aie_errcode : EX_REFUSED;
	} else if (!act) {
		say(x, ref->id, "unknown action %s", action ? action : "(none)");
		r = EX_DATA;
	} else if (exec_grace_left(&it, x->grace, time(NULL), why,
	    sizeof why) || !exec_action_due(act, &it, why, sizeof why)) {
		say(x, ref->id, "would wait: %s", why);
		r = EX_TEMP;
	} else if (act->check && act->check(&it, ref->id) < 0) {
		say(x, ref->id, "would be refused: %s", aie_errmsg);
		r = aie_errcode;
	} else if (x->result)
		x->result(ref, act->name, &it, NULL);
	free(action);
	fm_free(&it);
	return r;
}

static int known_unknown(const struct exec_ctx *x, const struct itemref *ref,
    const struct item *it)
{
	char *action = fm_get(it, "action"), *e;
	int known = 0;

	if (!exec_action_find(action)) {
		e = fm_get(it, "exec_error");
		known = e && strncmp(e, "unknown action", 14) == 0;
		free(e);
		if (known)
			say(x, ref->id, "unknown action %.60s; left in Approved/",
			    action ? action : "(none)");
	}
	free(action);
	return known;
}

/* The claimed item's action is not one we know: back to Approved/ with
 * exec_error. */
static int unknown_action(const struct exec_ctx *x, struct itemref *ref,
    const char *d, const char *action)
{
	char why[200], known[100];
	const char *kv[] = { "exec_error", why, NULL };

	exec_action_names(known, sizeof known);
	snprintf(why, sizeof why, "unknown action %.60s (vault-exec knows: "
	    "%s)", action ? action : "(none)", known);
	annotate(x, ref, kv);
	if (item_move(x->v, ref, ST_APPROVED, d) < 0)
		sayerr(x, ref->id);
	say(x, ref->id, "%s; left in Approved/", why);
	return EX_DATA;
}

/* The send failed: back to Approved/, or to the owner after the last
 * attempt. Its exit status. */
/* The send failed; nothing left (the record says so). A draft that can
 * never be sent (65) goes to the owner at once, the rest back to
 * Approved/ until the last attempt. Its exit status. */
static int send_failed(struct exec_ctx *x, struct itemref *ref,
    const char *d, int attempts, const char *key)
{
	char why[sizeof aie_errmsg];
	const char *kv[] = { "exec_status", "failed", "exec_error", why, NULL };
	int code = aie_errcode;

	snprintf(why, sizeof why, "%s", aie_errmsg);
	if (execlog_note(x->v, key, EXECLOG_FAILED, ref->id) < 0)
		sayerr(x, ref->id);   /* fail closed: it stays started */
	annotate(x, ref, kv);
	/* refused for good: can never be done as it is (65), or the
	 * service denies this user the right to (77): to the owner at once */
	if (code == EX_DATA || code == EX_REFUSED)
		to_owner(x, ref, d, NULL, why, "exec_failed", "This item cannot "
		    "be executed as it is (see exec_error); nothing was done and "
		    "it is back with you.", key);
	else if (attempts >= EXEC_MAX_ATTEMPTS) {
		to_owner(x, ref, d, NULL, why, "exec_failed", "Sending this "
		    "item failed 3 times; it is back with you. See exec_error.",
		    key);
	} else {
		char from[sizeof ref->rel];
		snprintf(from, sizeof from, "%s", ref->rel);
		if (item_move(x->v, ref, ST_APPROVED, d) < 0)
			sayerr(x, ref->id);
		audit_exec(x->v, "exec_failed", ref->id, from, ref->rel, why, key);
		say(x, ref->id, "%s; back in Approved/ (attempt %d of %d)", why,
		    attempts, EXEC_MAX_ATTEMPTS);
	}
	return code == EX_DATA || code == EX_DOWN || code == EX_CONFIG ||
	    code == EX_REFUSED ? code : EX_TEMP;
}

/* Is the hourly limit reached? 0 no, else EX_TEMP (said the first time,
 * then counted in x->waited). */
static int over_limit(struct exec_ctx *x, const struct itemref *ref)
{
	int sent = exec_sends_last_hour(x->v, 0);

	if (sent < x->max_per_hour)
		return 0;
	if (x->limit_told)
		x->waited++;
	else
		say(x, ref->id, "waits: %d sends in the last hour "
		    "(EXEC_MAX_PER_HOUR=%d)", sent, x->max_per_hour);
	x->limit_told = 1;
	return EX_TEMP;
}

/* The action's check found the claimed item can never be executed as it
 * is (65): to the owner at once, marked as a failed attempt, though
 * nothing was started. Any other failure of the check (configuration,
 * memory) puts it back in Approved/ untouched, for the next pass. Its
 * exit status. */
static int check_failed(struct exec_ctx *x, struct itemref *ref,
    const char *d, const char *attempts, const char *key)
{
	char why[sizeof aie_errmsg], now[21];
	const char *kv[] = { "exec_status", "failed", "exec_attempts", attempts,
	    "exec_at", now, "exec_error", why, NULL };
	int code = aie_errcode;

	snprintf(why, sizeof why, "%s", aie_errmsg);
	if (code != EX_DATA) {
		say(x, ref->id, "%s", why);
		if (item_move(x->v, ref, ST_APPROVED, d) < 0)
			sayerr(x, ref->id);
		return code;
	}
	time_rfc3339(time(NULL), now);
	annotate(x, ref, kv);
	to_owner(x, ref, d, NULL, why, "exec_failed", "This item cannot be "
	    "executed as it is (see exec_error); nothing was done and it is "
	    "back with you.", key);
	return EX_DATA;
}

/* The approval was started before (key in the record): never again. The
 * owner is told the first time; after that only the audit line and a
 * warning remain. */
static int replayed(struct exec_ctx *x, struct itemref *ref, const char *d,
    const char *key, int told)
{
	if (!told && execlog_note(x->v, key, EXECLOG_REPLAY, ref->id) < 0)
		sayerr(x, ref->id);
	to_owner_as(x, ref, d, NULL, "not executed: this approval was already "
	    "executed here (a replay)", "exec_replay", "vault-exec refused this "
	    "item: its approval was executed before on this machine (it came "
	    "back from Done/, was copied, or was left unknown). It was not "
	    "executed again; to send it anew, approve a new draft.", key,
	    !told);
	return EX_REFUSED;
}

int exec_item(struct exec_ctx *x, struct itemref *ref)
{
	struct vault *v = x->v;
	const struct exec_action *act;
	struct item it;
	struct send_result res;
	char d[AIE_NAME_MAX + 1], *action = NULL, *att = NULL, n[16], now[21];
	char key[EXECLOG_KEY_LEN + 1], until[200];
	int attempts, told, s, r = 0;

	if (item_load(v, ref, &it) < 0) {
		sayerr(x, ref->id);
		return aie_errcode;
	}
	claim_domain(&it, ref, d);
	if (known_unknown(x, ref, &it)) {
		r = EX_DATA;
		goto out;
	}
	action = fm_get(&it, "action");
	act = exec_action_find(action);
	if (act && !exec_action_due(act, &it, until, sizeof until)) {
		/* not yet: left where it is, untouched (the check after the
		 * claim holds the signed copy to the same time) */
		if (!x->quiet)
			say(x, ref->id, "%s; waits in Approved/", until);
		r = EX_TEMP;
		goto out;
	}
	if (exec_grace_left(&it, x->grace, time(NULL), until, sizeof until)) {
		/* the owner may still undo it: not even claimed */
		if (!x->quiet)
			say(x, ref->id, "%s; waits in Approved/", until);
		r = EX_TEMP;
		goto out;
	}
	if ((!act || act->limited) && (r = over_limit(x, ref)) != 0)
		goto out;
	free(action);
	action = NULL;
	fm_free(&it);
	/* claim first, then verify the copy we hold */
	if (claim_take(v, ref) < 0) {
		sayerr(x, ref->id);
		return aie_errcode;
	}
	if (item_load(v, ref, &it) < 0) {
		sayerr(x, ref->id);
		return aie_errcode;
	}
	if (exec_approval_ok(&it, ref->id) < 0) {
		char why[sizeof aie_errmsg + 16];
		snprintf(why, sizeof why, "not executed: %s", aie_errmsg);
		to_owner(x, ref, d, NULL, why, "exec_refused", "vault-exec refused "
		    "this item: its approval does not verify (unsigned, changed "
		    "after approval, copied from another item, expired, or "
		    "without an expiry). It was not executed.", NULL);
		r = EX_REFUSED;
		goto out;
	}
	if (exec_grace_left(&it, x->grace, time(NULL), until, sizeof until)) {
		/* the signed copy holds to the same grace as the one seen */
		say(x, ref->id, "%s; back in Approved/", until);
		if (item_move(v, ref, ST_APPROVED, d) < 0)
			sayerr(x, ref->id);
		r = EX_TEMP;
		goto out;
	}
	if ((s = spent(x, &it, ref->id, key, &told)) != 0) {
		if (s > 0)
			r = replayed(x, ref, d, key, told);
		else {
			/* cannot know: not executed; back for the next pass */
			r = aie_errcode;
			sayerr(x, ref->id);
			if (item_move(v, ref, ST_APPROVED, d) < 0)
				sayerr(x, ref->id);
		}
		goto out;
	}
	action = fm_get(&it, "action");
	if (!(act = exec_action_find(action))) {
		r = unknown_action(x, ref, d, action);
		goto out;
	}
	/* the claimed copy's action decides; it may differ from the one seen
	 * before the claim */
	if (act->limited && (r = over_limit(x, ref)) != 0) {
		if (item_move(v, ref, ST_APPROVED, d) < 0)
			sayerr(x, ref->id);
		goto out;
	}
	att = fm_get(&it, "exec_attempts");
	attempts = (att ? atoi(att) : 0) + 1;
	snprintf(n, sizeof n, "%d", attempts);
	time_rfc3339(time(NULL), now);
	if (act->check && act->check(&it, ref->id) < 0) {
		r = check_failed(x, ref, d, n, key);
		goto out;
	}
	/* the at-most-once marks, on disk before anything is sent: the record
	 * first (ours alone), then the item */
	if (execlog_note(v, key, EXECLOG_START, ref->id) < 0) {
		sayerr(x, ref->id);
		r = aie_errcode;
		if (item_move(v, ref, ST_APPROVED, d) < 0)
			sayerr(x, ref->id);
		goto out;
	}
	if (fm_set(&it, "exec_status", "sending") < 0 ||
	    fm_set(&it, "exec_attempts", n) < 0 || fm_set(&it, "exec_at", now) < 0 ||
	    item_store(v, ref, &it) < 0 ||
	    (act->limited && exec_sends_last_hour(v, 1) < 0)) {
		sayerr(x, ref->id);
		r = aie_errcode;
		goto out;
	}
	if (act->run(v, ref, &it, &res) == 0) {
		const char *kv[] = { "exec_status", "sent", "exec_result", res.detail,
		    "exec_message_id", *res.message_id ? res.message_id : NULL,
		    "exec_error", NULL, NULL };
		if (execlog_note(v, key, EXECLOG_SENT, ref->id) < 0)
			sayerr(x, ref->id);
		if (annotate(x, ref, kv) == 0)
			to_done(x, ref, d, &it, key);
		if (res.outbox && !x->quiet)
			say(x, ref->id, "no SMTP_URL configured: not sent; the "
			    "message is in Logs/Outbox/%s.eml", ref->id);
		if (x->result)
			x->result(ref, "sent", &it, &res);
	} else if (res.maybe_sent) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		to_owner(x, ref, d, "unknown", why, "exec_unknown",
		    maybe_for(&it)->lost, key);
		r = EX_TEMP;
	} else
		r = send_failed(x, ref, d, attempts, key);
out:
	free(action);
	free(att);
	fm_free(&it);
	return r;
}
