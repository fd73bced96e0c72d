/*
 * notify.c - the path of one notification to the owner, shared by
 * notify-wa(1) and vault-health(1).
 *
 * Everything happens under one flock on .state/<agent>/notify.lock, so two
 * processes never both send a message under the same key nor both take
 * the last slot of the hour. The state is three small line files beside
 * the lock, rewritten atomically (file_writeat):
 *   notify-keys   "<epoch> <window> <key>"  keys sent or kept recently
 *   notify-sent   "<epoch>"                 sends of the last hour
 *   notify-held   "<epoch> <kind> <summary>" kept by the rate limit
 * The log of what happened is the vault's Logs/Notifications/YYYY-MM-DD.md,
 * a Markdown table appended a row at a time (Git merges it by union).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "base/base.h"
#include "wa/wa.h"
#include "internal.h"

#define KEY_MAX 200
#define HELD_LIST_MAX 20         /* summaries quoted in the next message */

/* A state file, or an empty one when it is not there yet. */
static int read_state(struct vault *v, const char *rel, char **out)
{
	size_t len;

	if (file_readat(v->dirfd, rel, out, &len) == 0)
		return 0;
	if (aie_errcode != EX_NEG)
		return -1;
	if (!(*out = strdup("")))
		return aie_fail(EX_TEMP, "out of memory");
	return 0;
}

static int write_state(struct vault *v, const char *rel, const struct buf *b)
{
	return file_writeat(v->dirfd, rel, b->p ? b->p : "", b->len, 0600);
}

/* Is key in the keys file within its window? Rewrites the file without
 * the expired lines and, when add, with key added (keys[] holds it). */
static int keys_check(struct vault *v, const char *dir, const char *key,
    long window, time_t now, int add, int *seen)
{
	char rel[256], *all, *line, *save = NULL;
	struct buf keep = { 0 };
	int r = -1;

	*seen = 0;
	snprintf(rel, sizeof rel, "%s/notify-keys", dir);
	if (read_state(v, rel, &all) < 0)
		return -1;
	for (line = strtok_r(all, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		long long t, w;
		int off = 0;
		if (sscanf(line, "%lld %lld %n", &t, &w, &off) != 2 || !off)
			continue;
		if (t + w <= (long long)now)
			continue;                  /* expired: dropped */
		if (!strcmp(line + off, key)) {
			/* the window of this call decides, not the stored one */
			if (t + window > (long long)now)
				*seen = 1;
			if (add)
				continue;          /* replaced below */
		}
		if (buf_str(&keep, line) < 0 || buf_str(&keep, "\n") < 0)
			goto out;
	}
	if (add) {
		char l[KEY_MAX + 64];
		/* kept a day at least: a later call may ask a longer window */
		snprintf(l, sizeof l, "%lld %ld %s\n", (long long)now,
		    window > 86400 ? window : 86400L, key);
		if (buf_str(&keep, l) < 0)
			goto out;
	}
	r = (add || keep.len) ? write_state(v, rel, &keep) : 0;
out:
	free(all);
	free(keep.p);
	return r;
}

/* Sends of the last hour: count them; with add, record one more now. */
static int sent_count(struct vault *v, const char *dir, time_t now, int add,
    long *count)
{
	char rel[256], *all, *line, *save = NULL, l[32];
	struct buf keep = { 0 };
	int r = -1;

	*count = 0;
	snprintf(rel, sizeof rel, "%s/notify-sent", dir);
	if (read_state(v, rel, &all) < 0)
		return -1;
	for (line = strtok_r(all, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		long long t = atoll(line);
		if (t <= (long long)now - 3600 || t > (long long)now + 3600)
			continue;
		(*count)++;
		if (buf_str(&keep, line) < 0 || buf_str(&keep, "\n") < 0)
			goto out;
	}
	if (add) {
		snprintf(l, sizeof l, "%lld\n", (long long)now);
		if (buf_str(&keep, l) < 0)
			goto out;
		(*count)++;
	}
	r = add ? write_state(v, rel, &keep) : 0;
out:
	free(all);
	free(keep.p);
	return r;
}

/* The held messages as a paragraph for the next message ("" when none). */
static int held_text(const char *held, struct buf *b, int *n)
{
	char *copy = strdup(held), *line, *save = NULL;
	int shown = 0;

	*n = 0;
	if (!copy)
		return aie_fail(EX_TEMP, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		(*n)++;
	free(copy);
	if (*n == 0)
		return buf_str(b, "");
	if (!(copy = strdup(held)))
		return aie_fail(EX_TEMP, "out of memory");
	char hd[96];
	snprintf(hd, sizeof hd, "\n\n%d more held back by the hourly limit:", *n);
	if (buf_str(b, hd) < 0)
		goto fail;
	for (line = strtok_r(copy, "\n", &save); line && shown < HELD_LIST_MAX;
	    line = strtok_r(NULL, "\n", &save), shown++) {
		char *sp = strchr(line, ' ');          /* after the epoch */
		if (!sp || buf_str(b, "\n- ") < 0 || buf_str(b, sp + 1) < 0)
			goto fail;
	}
	if (*n > shown && buf_str(b, "\n- ...") < 0)
		goto fail;
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

static int key_valid(const char *k)
{
	size_t n = strlen(k), i;

	if (n == 0 || n > KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] <= ' ' || k[i] == 0x7f)
			return 0;
	return 1;
}

int wa_notify(struct vault *v, const struct wa_cfg *c,
    const struct wa_note *n, struct wa_outcome *o)
{
	char dir[128], rel[256], *held = NULL, *text = NULL;
	const char *kind = wa_kind_name(n->kind), *prov = wa_provider_name(c->provider);
	struct buf more = { 0 }, body = { 0 };
	time_t now = time(NULL);
	long count, max;
	int fd, seen, nheld = 0, r = -1;

	memset(o, 0, sizeof *o);
	o->result = WA_FAILED;
	if (config_long("WA_MAX_PER_HOUR", 20, -1, 100000, &max) < 0)
		return -1;
	if (n->key && !key_valid(n->key))
		return aie_fail(EX_DATA, "bad key (1 to %d printable bytes, no "
		    "blanks)", KEY_MAX);
	if (vault_statedir(v, dir, sizeof dir) < 0 || (fd = wa_notify_lock(v, dir)) < 0)
		return -1;
	if (n->key) {
		if (keys_check(v, dir, n->key, n->window, now, 0, &seen) < 0)
			goto out;
		if (seen) {
			o->result = WA_DUPLICATE;
			r = 0;
			goto out;
		}
	}
	if (c->provider == WA_NONE) {
		if (wa_log_row(v, now, kind, prov, "outbox", "not sent: no provider "
		    "configured", n->text) < 0)
			goto out;
		o->result = WA_OUTBOX;
		goto done;
	}
	if (sent_count(v, dir, now, 0, &count) < 0)
		goto out;
	snprintf(rel, sizeof rel, "%s/notify-held", dir);
	if (read_state(v, rel, &held) < 0)
		goto out;
	if (max >= 0 && count >= max) {
		char l[WA_PARAM_MAX + 64];
		struct buf all = { 0 };
		snprintf(l, sizeof l, "%lld %s: %s\n", (long long)now, kind,
		    n->summary);
		if (buf_str(&all, held) < 0 || buf_str(&all, l) < 0 ||
		    write_state(v, rel, &all) < 0) {
			free(all.p);
			goto out;
		}
		free(all.p);
		if (wa_log_row(v, now, kind, prov, "held", "rate limit: "
		    "summarised in the next message", n->text) < 0)
			goto out;
		o->result = WA_HELD;
		goto done;
	}
	if (held_text(held, &more, &nheld) < 0)
		goto out;
	if (nheld) {
		if (buf_str(&body, n->text) < 0 || buf_str(&body, more.p) < 0 ||
		    !(text = wa_compose(body.p, NULL))) {
			aie_fail(EX_TEMP, "out of memory");
			goto out;
		}
	} else if (!(text = strdup(n->text))) {
		aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	if (wa_send(c, text, n->summary, n->force_template, &o->sent) < 0) {
		char why[sizeof aie_errmsg];
		int code = aie_errcode;
		snprintf(why, sizeof why, "%s", aie_errmsg);
		wa_log_row(v, now, kind, prov, "failed", why, text);
		aie_fail(code, "%s", why);
		goto out;
	}
	o->result = WA_SENT;
	o->held_summarised = nheld;
	if (sent_count(v, dir, now, 1, &count) < 0)
		goto out;
	if (nheld) {
		struct buf none = { 0 };
		if (write_state(v, rel, &none) < 0)
			goto out;
	}
	if (wa_log_row(v, now, kind, prov, o->sent.template ? "sent (template)" :
	    "sent", o->sent.id, text) < 0)
		goto out;
done:
	if (n->key && keys_check(v, dir, n->key, n->window, now, 1, &seen) < 0)
		goto out;
	r = 0;
out:
	close(fd);      /* releases the flock */
	free(held);
	free(text);
	free(more.p);
	free(body.p);
	return r;
}
