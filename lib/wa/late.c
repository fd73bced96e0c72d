/*
 * late.c - statuses that came before their message, kept until it is in
 * the vault (see wa-webhook(1)).
 *
 * The local agent sends a reply and records its wamid in the reply's
 * item; Meta tells the cloud's webhook "sent" and "delivered" within
 * seconds, long before the next sync brings that item to the cloud. Such
 * a status is kept in .state/<agent>/wa-late (not synced: the webhook's
 * agent alone reads it), a JSON object a line, and wa_late_settle applies
 * it once the reply (or the owner's notification, logged by the local
 * agent) is there: at each delivery, after Meta has its answer, and at
 * each run of wa-media(1) on the cloud's minute timer. A notification's
 * failure outside the owner's window (131047) applied so is handed back
 * to be sent again as the template, as one applied at once is. Lines past
 * WA_LATE_DAYS or WA_LATE_MAX are dropped, so a wamid the vault never
 * holds (a message sent by hand from the phone) costs a bounded file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "vault/vault.h"
#include "wa/wa.h"

static int late_rel(struct vault *v, char *rel, size_t size)
{
	char dir[64];

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, size, "%s/wa-late", dir);
	return 0;
}

int wa_late_keep(struct vault *v, const struct wa_status *s)
{
	char rel[96], *line;
	struct buf b = { 0 };
	json_t *j;
	int r;

	if (late_rel(v, rel, sizeof rel) < 0)
		return -1;
	/* s* leaves out a key whose string is NULL, which read_kept wants */
	j = json_pack("{s:s, s:s, s:s*, s:I, s:I, s:s*, s:s*, s:I}", "id", s->id,
	    "status", s->status, "recipient", s->recipient, "timestamp",
	    (json_int_t)s->timestamp, "error_code", (json_int_t)s->error_code,
	    "error_title", s->error_title, "error_message", s->error_message,
	    "kept", (json_int_t)time(NULL));
	line = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!line)
		return aie_fail(EX_TEMP, "out of memory");
	buf_addf(&b, "%s\n", line);
	r = b.oom ? aie_fail(EX_TEMP, "out of memory") :
	    file_appendat(v->dirfd, rel, b.p, b.len);
	buf_free(&b);
	free(line);
	return r;
}

/* One kept status: its record (which owns the strings) and the status. */
struct kept {
	json_t *rec;
	struct wa_status st;
	json_int_t kept;
};

/* Parse line into k: 0, or -1 for a line that is not a kept status. */
static int parse(const char *line, struct kept *k)
{
	json_int_t ts = 0, code = 0;

	memset(k, 0, sizeof *k);
	if (!(k->rec = json_loads(line, JSON_REJECT_DUPLICATES, NULL)))
		return -1;
	if (json_unpack(k->rec, "{s:s, s:s, s?s, s?I, s?I, s?s, s?s, s:I}",
	    "id", &k->st.id, "status", &k->st.status, "recipient",
	    &k->st.recipient, "timestamp", &ts, "error_code", &code,
	    "error_title", &k->st.error_title, "error_message",
	    &k->st.error_message, "kept", &k->kept) < 0) {
		json_decref(k->rec);
		k->rec = NULL;
		return -1;
	}
	k->st.timestamp = ts;
	k->st.error_code = (long)code;
	return 0;
}

/* The kept statuses of text, the newest WA_LATE_MAX not past
 * WA_LATE_DAYS, into ks (*n of them). */
static size_t read_kept(char *text, time_t now, struct kept *ks)
{
	char *line, *save = NULL;
	size_t n = 0, i;

	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		struct kept k;
		if (parse(line, &k) < 0)
			continue;
		if (k.kept + WA_LATE_DAYS * 86400L <= (json_int_t)now) {
			json_decref(k.rec);
			continue;
		}
		if (n == WA_LATE_MAX) {          /* the oldest goes */
			json_decref(ks[0].rec);
			for (i = 1; i < n; i++)
				ks[i - 1] = ks[i];
			n--;
		}
		ks[n++] = k;
	}
	return n;
}

/* s failed outside the owner's 24-hour window: a notification to send
 * again as the template. */
static int outside_window(const struct wa_status *s)
{
	return s->error_code == 131047 && s->status &&
	    !strcmp(s->status, "failed");
}

int wa_late_settle(struct vault *v, wa_tell_fn *told, wa_again_fn *again,
    void *ctx)
{
	char rel[96], note[600], (*tell)[AIE_ID_MAX + 1] = NULL;
	char *resend = NULL;
	const char **ids = NULL;
	struct itemref *refs = NULL;
	struct kept *ks = NULL;
	struct buf keep = { 0 };
	char *text = NULL, *found = NULL;
	size_t len, n = 0, i;
	int fd, applied = 0, err = 0;

	if (late_rel(v, rel, sizeof rel) < 0)
		return -1;
	if (faccessat(v->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
		    aie_fail_errno(EX_TEMP, "%s", rel);
	if ((fd = state_lock(v, "wa", 1)) < 0)
		return -1;
	if (file_readat(v->dirfd, rel, &text, &len) < 0) {
		state_unlock(fd);
		return aie_errcode == EX_NEG ? 0 : -1;
	}
	if (!(ks = calloc(WA_LATE_MAX, sizeof *ks))) {
		err = aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	n = read_kept(text, time(NULL), ks);
	ids = calloc(n + 1, sizeof *ids);
	refs = calloc(n + 1, sizeof *refs);
	found = calloc(n + 1, 1);
	tell = calloc(n + 1, sizeof *tell);
	resend = calloc(n + 1, 1);
	if (!ids || !refs || !found || !tell || !resend) {
		err = aie_fail(EX_TEMP, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		ids[i] = ks[i].st.id;
	if (wa_replies_find(v, ids, n, refs, found) < 0) {
		err = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char *line;
		int r;
		if (found[i]) {
			wa_status_note(&ks[i].st, "late: ", note, sizeof note);
			r = audit_event(v, "whatsapp_status", refs[i].id,
			    "wa-webhook", refs[i].rel, note) < 0 ||
			    wa_status_onto(v, &ks[i].st, &refs[i], tell[i]) < 0 ?
			    -1 : 1;
		} else {
			r = wa_notify_status(v, &ks[i].st);
			resend[i] = r == 1 && outside_window(&ks[i].st);
		}
		if (r == 1) {
			applied++;
			continue;
		}
		if (r < 0)
			err = -1;        /* kept for the next time */
		if ((line = json_dumps(ks[i].rec, JSON_COMPACT)))
			buf_addf(&keep, "%s\n", line);
		free(line);
		if (!line || keep.oom) {
			err = aie_fail(EX_TEMP, "out of memory");
			goto out;
		}
	}
	if (keep.len ? file_writeat(v->dirfd, rel, keep.p, keep.len, 0600) < 0 :
	    unlinkat(v->dirfd, rel, 0) < 0 && errno != ENOENT &&
	    aie_fail_errno(EX_TEMP, "%s", rel) < 0)
		err = -1;
out:
	state_unlock(fd);
	for (i = 0; i < n && tell; i++)
		if (tell[i][0])
			told(v, &ks[i].st, tell[i], ctx);
	for (i = 0; i < n && resend && again; i++)
		if (resend[i])
			again(v, &ks[i].st, ctx);
	for (i = 0; i < n; i++)
		json_decref(ks[i].rec);
	free(ks);
	free(ids);
	free(refs);
	free(found);
	free(tell);
	free(resend);
	free(text);
	buf_free(&keep);
	return err < 0 ? -1 : applied;
}
