/*
 * vault-exec - execute approved items, at most once (SPEC 2, 6).
 *
 * For each item of Approved/ (or those given): claim it by one rename into
 * In_Progress/<agent>/, verify its decision_sig on the claimed copy (so
 * nothing can change it between check and use), write exec_status:
 * sending (fsynced), run its action, then write exec_status: sent and
 * move it and its source to Done/<d>/<YYYY-MM>/.
 *
 * At most once: the "sending" mark is on disk before the first byte goes
 * to the SMTP server. A run that finds an item of its own In_Progress/
 * still marked sending knows a run died mid-send; it cannot know whether
 * the mail left, so it never resends: the item goes to Needs_Action/<d>/
 * with exec_status: unknown and the owner is told (Updates/EXEC_<id>.md).
 * A failed send returns to Approved/<d>/ with exec_error; the third
 * failure goes to Needs_Action/<d>/. Only one vault-exec runs per agent
 * (flock on .state/<agent>/exec.lock), so the recovery pass never
 * mistakes a live send for a dead one. Sends are limited to
 * EXEC_MAX_PER_HOUR (timestamps in .state/<agent>/exec-sends).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aie.h"
#include "loop.h"
#include "lock.h"
#include "smtp.h"

#define MAX_ATTEMPTS 3

static int dry_run;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-exec [-C DIR] [-a AGENT] [-jqv] [-n] "
	    "[--once | --interval S] [ITEM...]\n");
	exit(status ? 2 : 0);
}

static int worst(int a, int b)
{
	return a > b ? a : b;
}

/* The item's domain, or "general" when it has none we can use. */
static void domain_of(const struct item *it, char d[AIE_NAME_MAX + 1])
{
	char *v = fm_get(it, "domain");

	snprintf(d, AIE_NAME_MAX + 1, "%s", v && name_valid(v) ? v : "general");
	free(v);
}

/* Tell the owner: Updates/EXEC_<id>.md (read by vault-status; notify-wa
 * picks it up later). */
static void tell_owner(struct vault *v, const char *id, const char *event,
    const char *text)
{
	char rel[200], now[21], *buf;
	int n;
	const char *title = strcmp(event, "exec_refused") == 0 ? "Not sent" :
	    strcmp(event, "exec_unknown") == 0 ? "Maybe sent" :
	    "Not sent after 3 attempts";

	time_rfc3339(time(NULL), now);
	snprintf(rel, sizeof rel, "Updates/EXEC_%.115s.md", id);
	n = asprintf(&buf, "---\ntype: update\nid: EXEC_%.115s\ncreated: %s\n"
	    "title: \"%s: %s\"\nabout: %s\nevent: %s\n---\n%s\n", id, now,
	    title, id, id, event, text);
	if (n < 0 || file_writeat(v->dirfd, rel, buf, (size_t)n, 0644) < 0)
		cli_warn(id, "cannot write %s for the owner", rel);
	if (n >= 0)
		free(buf);
}

/* Set keys (key, value, ..., NULL; NULL value deletes) on the item. */
static int annotate(struct vault *v, const struct itemref *ref,
    const char *const *kv)
{
	if (item_annotate(v, ref, kv) < 0) {
		cli_warnerr(ref->id);
		return -1;
	}
	return 0;
}

/* Move to Needs_Action/<d>/ for the owner, with exec keys. */
static int to_owner(struct vault *v, struct itemref *ref, const char *d,
    const char *status, const char *err, const char *event, const char *why)
{
	char from[sizeof ref->rel];
	const char *kv[] = { "exec_status", status, "exec_error", err, NULL };

	snprintf(from, sizeof from, "%s", ref->rel);
	if (item_move(v, ref, ST_NEEDS_ACTION, d) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	annotate(v, ref, status ? kv : kv + 2);
	audit_event(v, event, ref->id, from, ref->rel, err);
	tell_owner(v, ref->id, event, why);
	if (!cli.quiet)
		cli_warn(ref->id, "%s; moved to %s", err, ref->rel);
	return 0;
}

/* ---- the hourly limit ---- */

static int sends_state(struct vault *v, char *rel, size_t size)
{
	char dir[64];

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, size, "%s/exec-sends", dir);
	return 0;
}

/* Sends of the last hour; with record, add one now (atomically). */
static int sends_last_hour(struct vault *v, int record)
{
	char rel[128], *buf = NULL, *line, *save = NULL;
	time_t now = time(NULL);
	size_t len;
	int count = 0;
	char *out = NULL;
	size_t olen = 0;
	FILE *f;

	if (sends_state(v, rel, sizeof rel) < 0)
		return -1;
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
static void to_done(struct vault *v, struct itemref *ref, const char *d,
    const struct item *it)
{
	char sub[AIE_NAME_MAX * 2 + 2], from[sizeof ref->rel];
	char *src = fm_get(it, "source");
	struct itemref sref;

	snprintf(from, sizeof from, "%s", ref->rel);
	if (done_sub(d, time(NULL), sub, sizeof sub) < 0 ||
	    item_move(v, ref, ST_DONE, sub) < 0) {
		cli_warnerr(ref->id);
		free(src);
		return;
	}
	audit_event(v, "executed", ref->id, from, ref->rel, NULL);
	if (src && id_valid(src) && vault_find(v, src, &sref) == 0 &&
	    sref.stage != ST_DONE) {
		struct item s;
		char sd[AIE_NAME_MAX + 1], ssub[AIE_NAME_MAX * 2 + 2];
		const char *kv[] = { "status", "done", "replied_by", ref->id, NULL };
		snprintf(from, sizeof from, "%s", sref.rel);
		if (item_load(v, &sref, &s) == 0) {
			domain_of(&s, sd);
			fm_free(&s);
			if (done_sub(sd, time(NULL), ssub, sizeof ssub) == 0 &&
			    item_move(v, &sref, ST_DONE, ssub) == 0) {
				annotate(v, &sref, kv);
				audit_event(v, "done", sref.id, from, sref.rel,
				    "source of an executed reply");
			} else
				cli_warnerr(src);
		}
	}
	free(src);
}

/* An item of In_Progress/<agent>/ left by a run that died: never resent. */
static int recover_one(struct vault *v, const struct itemref *r0, void *ctx)
{
	struct itemref ref = *r0;
	struct item it;
	char *st, *att, d[AIE_NAME_MAX + 1];
	int *status = ctx, attempts;

	if (item_load(v, &ref, &it) < 0)
		return 0;
	st = fm_get(&it, "exec_status");
	att = fm_get(&it, "exec_attempts");
	attempts = att ? atoi(att) : 0;
	domain_of(&it, d);
	if (st && strcmp(st, "sending") == 0)
		*status = worst(*status, to_owner(v, &ref, d, "unknown",
		    "a run died while sending; the mail may or may not have gone "
		    "out, so it is not sent again", "exec_unknown",
		    "vault-exec stopped in the middle of sending this item. It "
		    "may or may not have been sent; it was not sent again. Check "
		    "the sent folder, then move it to Done/ or approve it anew."));
	else if (st && strcmp(st, "sent") == 0)
		to_done(v, &ref, d, &it);
	else if (st && strcmp(st, "failed") == 0) {
		if (attempts >= MAX_ATTEMPTS)
			to_owner(v, &ref, d, NULL, "failed 3 times", "exec_failed",
			    "Sending this item failed 3 times; see exec_error.");
		else if (item_move(v, &ref, ST_APPROVED, d) < 0)
			cli_warnerr(ref.id);
	}
	free(st);
	free(att);
	fm_free(&it);
	return 0;
}

/* ---- one item ---- */

static void print_result(const struct itemref *ref, const char *verdict,
    const struct item *it)
{
	char *to = fm_get(it, "to"), *subj = fm_get(it, "subject");

	if (cli.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", ref->id,
		    "path", ref->rel, "verdict", verdict, "to", to ? to : "",
		    "subject", subj ? subj : "");
		cli_print_json(o);
	} else if (dry_run)
		printf("%s\t%s\tto %s\t%s\n", ref->id, verdict, to ? to : "",
		    subj ? subj : "");
	else
		printf("%s\n", ref->rel);
	free(to);
	free(subj);
}

/* Execute the item at ref (in Approved/); its exit status. */
static int exec_one(struct vault *v, struct itemref *ref, int max)
{
	struct item it;
	struct send_result res;
	char d[AIE_NAME_MAX + 1], *action = NULL, *att = NULL, n[16], now[21];
	int attempts, sent, r = 0;

	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	domain_of(&it, d);
	if (dry_run) {
		action = fm_get(&it, "action");
		if (approval_verify(&it, ref->id, time(NULL)) < 0) {
			cli_warn(ref->id, "would be refused: %s", aie_errmsg);
			r = EX_REFUSED;
		} else if (!action || strcmp(action, "send_email") != 0) {
			cli_warn(ref->id, "unknown action %s", action ? action : "(none)");
			r = EX_DATA;
		} else
			print_result(ref, "send_email", &it);
		goto out;
	}
	action = fm_get(&it, "action");
	if (!action || strcmp(action, "send_email") != 0) {
		/* seen before: say so again, touch nothing */
		char *e = fm_get(&it, "exec_error");
		int known = e && strncmp(e, "unknown action", 14) == 0;
		free(e);
		if (known) {
			cli_warn(ref->id, "unknown action %.60s; left in Approved/",
			    action ? action : "(none)");
			r = EX_DATA;
			goto out;
		}
	}
	free(action);
	action = NULL;
	if ((sent = sends_last_hour(v, 0)) >= max) {
		r = EX_TEMP;
		cli_warn(ref->id, "waits: %d sends in the last hour "
		    "(EXEC_MAX_PER_HOUR=%d)", sent, max);
		goto out;
	}
	fm_free(&it);
	/* claim first, then verify the copy we hold */
	if (item_move(v, ref, ST_IN_PROGRESS, v->agent) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	if (item_load(v, ref, &it) < 0) {
		cli_warnerr(ref->id);
		return aie_errcode;
	}
	if (approval_verify(&it, ref->id, time(NULL)) < 0) {
		char why[sizeof aie_errmsg + 16];
		snprintf(why, sizeof why, "not executed: %s", aie_errmsg);
		to_owner(v, ref, d, NULL, why, "exec_refused", "vault-exec refused "
		    "this item: its approval does not verify (unsigned, changed "
		    "after approval, copied from another item, or expired). It "
		    "was not executed.");
		r = EX_REFUSED;
		goto out;
	}
	action = fm_get(&it, "action");
	if (!action || strcmp(action, "send_email") != 0) {
		char why[200];
		const char *kv[] = { "exec_error", why, NULL };
		snprintf(why, sizeof why, "unknown action %.60s (vault-exec knows: "
		    "send_email)", action ? action : "(none)");
		fm_free(&it);
		annotate(v, ref, kv);
		if (item_move(v, ref, ST_APPROVED, d) < 0)
			cli_warnerr(ref->id);
		cli_warn(ref->id, "%s; left in Approved/", why);
		free(action);
		return EX_DATA;
	}
	att = fm_get(&it, "exec_attempts");
	attempts = (att ? atoi(att) : 0) + 1;
	snprintf(n, sizeof n, "%d", attempts);
	time_rfc3339(time(NULL), now);
	/* the at-most-once mark: on disk before anything is sent */
	if (fm_set(&it, "exec_status", "sending") < 0 ||
	    fm_set(&it, "exec_attempts", n) < 0 || fm_set(&it, "exec_at", now) < 0 ||
	    item_store(v, ref, &it) < 0 || sends_last_hour(v, 1) < 0) {
		cli_warnerr(ref->id);
		r = aie_errcode;
		goto out;
	}
	if (mail_send_draft(v, ref, &it, &res) == 0) {
		const char *kv[] = { "exec_status", "sent", "exec_result", res.detail,
		    "exec_message_id", res.message_id, "exec_error", NULL, NULL };
		if (annotate(v, ref, kv) == 0)
			to_done(v, ref, d, &it);
		if (res.outbox && !cli.quiet)
			cli_warn(ref->id, "no SMTP_URL configured: not sent; the "
			    "message is in Logs/Outbox/%s.eml", ref->id);
		print_result(ref, "sent", &it);
	} else {
		char why[sizeof aie_errmsg];
		const char *kv[] = { "exec_status", "failed", "exec_error", why, NULL };
		int code = aie_errcode;
		snprintf(why, sizeof why, "%s", aie_errmsg);
		annotate(v, ref, kv);
		if (attempts >= MAX_ATTEMPTS) {
			to_owner(v, ref, d, NULL, why, "exec_failed", "Sending this "
			    "item failed 3 times; it is back with you. See "
			    "exec_error.");
		} else {
			char from[sizeof ref->rel];
			snprintf(from, sizeof from, "%s", ref->rel);
			if (item_move(v, ref, ST_APPROVED, d) < 0)
				cli_warnerr(ref->id);
			audit_event(v, "exec_failed", ref->id, from, ref->rel, why);
			cli_warn(ref->id, "%s; back in Approved/ (attempt %d of %d)",
			    why, attempts, MAX_ATTEMPTS);
		}
		r = code == EX_DOWN ? EX_DOWN : EX_TEMP;
	}
out:
	free(action);
	free(att);
	fm_free(&it);
	return r;
}

/* ---- a pass ---- */

struct list { struct itemref *refs; size_t n, cap; };

static int collect(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct list *l = ctx;
	(void)v;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct itemref *nr = realloc(l->refs, nc * sizeof *nr);
		if (!nr)
			return aie_fail_errno(EX_TEMP, "memory");
		l->refs = nr;
		l->cap = nc;
	}
	l->refs[l->n++] = *ref;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct itemref *)a)->id,
	    ((const struct itemref *)b)->id);
}

static int pass(struct vault *v, int argc, char **argv, int max)
{
	struct list l = { 0 };
	int lock, status = 0, done = 0, i;
	size_t k;

	if ((lock = state_lock(v, "exec", 0)) < 0) {
		cli_warnerr(NULL);
		return aie_errcode;
	}
	if (!dry_run)
		vault_walk(v, ST_IN_PROGRESS, v->agent, recover_one, &status);
	for (i = 0; i < argc; i++) {
		struct itemref ref;
		if (vault_resolve(v, argv[i], &ref) < 0) {
			cli_warnerr(argv[i]);
			status = worst(status, aie_errcode);
		} else if (ref.stage != ST_APPROVED) {
			cli_warn(argv[i], "not in Approved/ (it is %s)", ref.rel);
			status = worst(status, EX_NEG);
		} else if (collect(v, &ref, &l) < 0)
			status = worst(status, EX_TEMP);
	}
	if (argc == 0 && vault_walk(v, ST_APPROVED, NULL, collect, &l) < 0) {
		cli_warnerr(NULL);
		status = worst(status, aie_errcode);
	}
	if (l.n)
		qsort(l.refs, l.n, sizeof *l.refs, by_id);
	for (k = 0; k < l.n && !loop_stop; k++) {
		int r = exec_one(v, &l.refs[k], max);
		status = worst(status, r);
		done += r == 0;
		if (r == EX_TEMP && sends_last_hour(v, 0) >= max) {
			if (!cli.quiet && k + 1 < l.n)
				cli_warn(NULL, "%zu more item(s) wait for the hourly "
				    "limit", l.n - k - 1);
			break;
		}
	}
	free(l.refs);
	state_unlock(lock);
	if (!done && status == 0)
		status = EX_NEG;     /* nothing to do */
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	long interval = 0, max;
	int c, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG_;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS "n", longopts,
	    NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		switch (c) {
		case 'n': dry_run = 1; break;
		case 'o': interval = 0; break;
		case 'i':
			if (duration_parse(optarg, &interval) < 0 || interval < 1) {
				cli_warn(optarg, "bad interval");
				usage(2);
			}
			break;
		default: usage(2);
		}
	}
	if ((r = cli_refuse_cloud()) != 0)
		return r;
	max = config_get_long("EXEC_MAX_PER_HOUR", 10);
	if (max < 0 || max > 100000) {
		cli_warn(NULL, "EXEC_MAX_PER_HOUR: want a number from 0 to 100000");
		return EX_CONFIG_;
	}
	if (smtp_configured() && !config_get("SMTP_FROM")) {
		cli_warn(NULL, "SMTP_URL is set but SMTP_FROM is not");
		return EX_CONFIG_;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	loop_catch_term();
	for (;;) {
		r = pass(&v, argc - optind, argv + optind, (int)max);
		if (!interval || loop_stop)
			break;
		loop_nap(interval);
		if (loop_stop)
			break;
	}
	vault_close(&v);
	return interval ? 0 : r;
}
