/*
 * inbox.c - inbound WhatsApp messages into the vault, one item each
 * (Needs_Action/whatsapp/WA_<UTC>_<hex>.md, see vault(5)), never two for
 * one wamid.
 *
 * Meta retries a webhook for days until it gets a 200, so the same message
 * comes again. The wamids seen are the lines of .state/<agent>/wa-ids
 * (outside Git: an item the owner deleted does not come back), split by
 * hash into the files of .state/<agent>/wa-ids.d/ (keyed.c) and read under
 * the flock of wa.lock, so two deliveries of one payload at once make one
 * item. The lock is held only for what orders deliveries: each item is
 * written and fsynced as a hidden temporary file before it
 * (wa_inbox_prepare, item_prepare), and under it come only the check of
 * the record, the rename into place and the record; the folder is
 * fsynced after the lock is released (wa_inbox_sync) by one fsync shared
 * with the deliveries at once (wa_group_sync, group.c). The webhook has
 * answered 200 before all this, once the delivery was durable in its
 * write-ahead record (wal.c), which is filed again when a crash cut the
 * filing; the wamid's line names the item it went to
 * ("<wamid> <ID>"), and a filing again (in->replay) counts a wamid seen
 * only when that item is in the vault: a crash may leave the line on disk
 * and lose the rename. The item is published first and its wamid
 * recorded after: a crash between the two makes a second item when the
 * record is filed again, never a lost message. A crash before the rename
 * leaves no item, only a temporary file, which wa_inbox_sweep removes
 * within the hour (sweep.c).
 *
 * Text messages from one sender that come within WA_JOIN_WINDOW seconds
 * of each other join one item (a conversation, not ten items) while it
 * waits untouched in Needs_Action/whatsapp/. The join takes the item as a
 * claim does, by one rename (to .<ID>.md.join in the same folder), so a
 * vault-claim racing it either wins first (the message then gets an item
 * of its own) or finds nothing to claim; then the item is rewritten and
 * renamed back. A join a crash interrupted is put back at the next open
 * (under wa.lock, so no join is live then), found through
 * .state/<agent>/wa-joining, which names it while it is under way. The item a sender's next text
 * may join is found through .state/<agent>/wa-last.d/, a line "<wa_id>
 * <received> <ID>" appended for each text filed to the file of the
 * sender's hash, the last line of a sender winning: one small file and one
 * item read per delivery, not every item waiting nor every sender (the
 * webhook's cost must not grow with Needs_Action/whatsapp/).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"

#define FOLDER "Needs_Action/whatsapp"
#define LAST_MAX (4L << 10)      /* a wa-last.d file past this: pruned */

/* The join under way, named in .state/<agent>/wa-joining before its
 * rename and removed after the rename back, so that a delivery looks for
 * a join a crash interrupted in one small file, not by listing every
 * item of the folder. */
static void joining_rel(const struct wa_inbox *in, char *rel, size_t size)
{
	snprintf(rel, size, ".state/%s/wa-joining", in->v->agent);
}

/* Put back the item of a join a crash interrupted: .<ID>.md.join ->
 * <ID>.md (the caller holds wa.lock). */
static int unjoin(struct wa_inbox *in)
{
	char rel[128], from[300], to[300], *name;
	struct vault *v = in->v;
	size_t len;

	joining_rel(in, rel, sizeof rel);
	if (file_readat(in->statefd, "wa-joining", &name, &len) < 0)
		return aie_errcode == EX_NEG ? 0 : -1;     /* none */
	len = strcspn(name, "\n");
	if (len >= 9 && len <= 200 && name[0] == '.' && !strchr(name, '/') &&
	    !strncmp(name + len - 8, ".md.join", 8)) {
		snprintf(from, sizeof from, FOLDER "/%.*s", (int)len, name);
		snprintf(to, sizeof to, FOLDER "/%.*s", (int)(len - 9), name + 1);
		strcat(to, ".md");
		if (renameat(v->dirfd, from, v->dirfd, to) < 0 && errno != ENOENT) {
			aie_fail_errno(EX_TEMP, "%s", from);
			free(name);
			return -1;
		}
	}
	free(name);
	if (unlinkat(v->dirfd, rel, 0) < 0 && errno != ENOENT)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	return 0;
}

/* .state/<agent> (its path into dir), opened once for the records and
 * wa-joining. */
static int open_state(struct wa_inbox *in, char *dir, size_t size)
{
	if (vault_statedir(in->v, dir, size) < 0)
		return -1;
	if ((in->statefd = openat(in->v->dirfd, dir, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", dir);
	return 0;
}

int wa_inbox_open(struct wa_inbox *in, struct vault *v)
{
	memset(in, 0, sizeof *in);
	in->v = v;
	in->lockfd = in->ids.dirfd = in->last.dirfd = in->statefd = -1;
	/* what needs no lock is read before it: the other delivery that
	 * fcgiwrap runs at once waits only for the records */
	if (urgent_keywords_load(v, &in->urgent) < 0 ||
	    config_seconds("WA_JOIN_WINDOW", 120, 0, 86400, &in->join) < 0) {
		wa_inbox_close(in);
		return -1;
	}
	return 0;
}

int wa_inbox_lock(struct wa_inbox *in)
{
	char dir[64];

	if ((in->lockfd = state_lock(in->v, "wa", 1)) < 0)
		return -1;
	if (open_state(in, dir, sizeof dir) < 0 ||
	    wa_keyed_open(&in->ids, in->statefd, dir, "wa-ids") < 0 ||
	    wa_keyed_open(&in->last, in->statefd, dir, "wa-last") < 0 ||
	    unjoin(in) < 0) {
		wa_inbox_unlock(in);
		return -1;
	}
	return 0;
}

void wa_inbox_unlock(struct wa_inbox *in)
{
	wa_keyed_close(&in->ids);
	wa_keyed_close(&in->last);
	if (in->statefd >= 0)
		close(in->statefd);
	if (in->lockfd >= 0)
		state_unlock(in->lockfd);
	in->lockfd = in->ids.dirfd = in->last.dirfd = in->statefd = -1;
}

int wa_inbox_sync(struct wa_inbox *in)
{
	if (!in->touched)
		return 0;
	/* the renames durable: one fsync of the folder covers the renames
	 * of every delivery made before it began */
	if (wa_group_sync(in->v) < 0)
		return -1;
	in->touched = 0;
	return 0;
}

void wa_inbox_close(struct wa_inbox *in)
{
	wa_inbox_unlock(in);
	keywords_free(&in->urgent);
	memset(in, 0, sizeof *in);
	in->lockfd = in->ids.dirfd = in->last.dirfd = in->statefd = -1;
}

/* The ID recorded with wamid (a line "<wamid> <ID>"; a line of the
 * wamid alone, from earlier versions, has none) into id: 1 when wamid
 * was recorded, 0 when not, -1 on error. */
static int seen(struct wa_inbox *in, const char *wamid, char id[AIE_ID_MAX + 1])
{
	size_t n = strlen(wamid), k;
	const char *p, *hit = NULL;
	char *lines;
	size_t len;

	*id = '\0';
	if (wa_keyed_read(&in->ids, wamid, &lines, &len) < 0)
		return -1;
	for (p = lines; p && (p = strstr(p, wamid)); p += n)
		if ((p == lines || p[-1] == '\n') && (p[n] == '\n' ||
		    p[n] == ' '))
			hit = p + n;
	if (hit && *hit == ' ' && (k = strcspn(hit + 1, "\n")) > 0 &&
	    k <= AIE_ID_MAX) {
		memcpy(id, hit + 1, k);
		id[k] = '\0';
	}
	free(lines);
	return hit != NULL;
}

/* Whether a wamid seen is filed: always, but when a delivery is filed
 * again from the write-ahead record (in->replay), whose first filing a
 * crash may have cut between the record and the item (the item's rename
 * not yet durable): then only when the item recorded with it is in the
 * vault (a line without one is trusted). */
static int filed(struct wa_inbox *in, const char *id)
{
	struct itemref ref;

	if (!in->replay || !*id)
		return 1;
	if (vault_find(in->v, id, &ref) == 0)
		return 1;
	return aie_errcode == EX_DATA ? 0 : -1;
}

/* "<wamid> <ID>" (the item it went to) appended to its file in one write (a line is in the record whole
 * or not at all); a file past WA_IDS_MAX keeps only its newer half (Meta
 * stops retrying after 7 days; the half holds far more than a week of
 * messages for a small business). */
static int record(struct wa_inbox *in, const char *wamid, const char *id)
{
	struct buf b = { 0 };
	const char *keep;
	char *lines;
	size_t len;
	int r;

	if (wa_keyed_read(&in->ids, wamid, &lines, &len) < 0)
		return -1;
	if (len + strlen(wamid) + 1 <= WA_IDS_MAX) {
		free(lines);
		buf_addf(&b, "%s %s\n", wamid, id);
		r = b.oom ? aie_fail(EX_TEMP, "out of memory") :
		    wa_keyed_append(&in->ids, b.p, b.len);
		buf_free(&b);
		return r;
	}
	keep = lines + len - WA_IDS_MAX / 2;
	keep = (keep = strchr(keep, '\n')) ? keep + 1 : lines + len;
	buf_adds(&b, keep);
	buf_addf(&b, "%s %s\n", wamid, id);
	free(lines);
	r = b.oom ? aie_fail(EX_TEMP, "out of memory") :
	    wa_keyed_rewrite(&in->ids, wamid, b.p, b.len);
	buf_free(&b);
	return r;
}

static int set_opt(struct item *it, const char *key, const char *v)
{
	return v && *v ? fm_set(it, key, v) : 0;
}

/* The body of the item: the text, and a line for what has no text. */
static char *body_of(const struct wa_msg *m)
{
	struct buf b = { 0 };

	if (m->text && *m->text)
		buf_addf(&b, "%s\n", m->text);
	if (m->media_id)
		buf_addf(&b, "%s(%s %s%s%s, media id %s: not fetched)\n",
		    m->text ? "\n" : "", m->type,
		    m->mime_type ? m->mime_type : "of unknown type",
		    m->filename ? ", " : "", m->filename ? m->filename : "",
		    m->media_id);
	if (m->has_location)
		buf_addf(&b, "(location %.6f, %.6f%s%s%s%s)\n", m->lat, m->lon,
		    m->loc_name ? ": " : "", m->loc_name ? m->loc_name : "",
		    m->loc_address ? ", " : "",
		    m->loc_address ? m->loc_address : "");
	if (!strcmp(m->type, "reaction"))
		buf_addf(&b, "(a reaction %s to %s)\n", m->text && *m->text ?
		    "" : "taken back", m->context_id);
	if (m->unsupported)
		buf_addf(&b, "(a %s message: not read by ai-employee; see it in "
		    "WhatsApp)\n", m->type);
	return buf_take(&b, NULL);
}

static int make_item(struct wa_inbox *in, struct item *it, const char *id,
    const struct wa_msg *m)
{
	char created[21], received[21], from[300], subject[320], num[64];
	int high = keywords_match(&in->urgent, m->text);

	if (fm_parse(it, "---\n---\n", 8) < 0)
		return -1;
	free(it->body);
	if (!(it->body = body_of(m)))
		return aie_fail_errno(EX_TEMP, "%s", id);
	it->bodylen = strlen(it->body);
	time_rfc3339(time(NULL), created);
	time_rfc3339((time_t)m->timestamp, received);
	snprintf(from, sizeof from, "%s%s+%s%s", m->name ? m->name : "",
	    m->name ? " (" : "", m->from, m->name ? ")" : "");
	snprintf(subject, sizeof subject, "WhatsApp from %s", from);
	if (fm_set(it, "type", "whatsapp") < 0 || fm_set(it, "id", id) < 0 ||
	    fm_set(it, "created", created) < 0 ||
	    fm_set(it, "domain", "whatsapp") < 0 ||
	    fm_set(it, "status", "new") < 0 || fm_set(it, "from", from) < 0 ||
	    fm_set(it, "wa_id", m->from) < 0 ||
	    set_opt(it, "profile_name", m->name) < 0 ||
	    fm_set(it, "subject", subject) < 0 ||
	    fm_set(it, "message_type", m->type) < 0 ||
	    fm_set(it, "wamid", m->id) < 0 ||
	    set_opt(it, "context_id", m->context_id) < 0 ||
	    set_opt(it, "reply_id", m->reply_id) < 0 ||
	    fm_set(it, "received", received) < 0 ||
	    set_opt(it, "media_id", m->media_id) < 0 ||
	    set_opt(it, "media_type", m->mime_type) < 0 ||
	    set_opt(it, "filename", m->filename) < 0 ||
	    set_opt(it, "phone_number_id", m->phone_id) < 0 ||
	    fm_set(it, "priority", high ? "high" : "normal") < 0)
		return -1;
	if (m->has_location) {
		snprintf(num, sizeof num, "%.6f", m->lat);
		if (fm_set(it, "latitude", num) < 0)
			return -1;
		snprintf(num, sizeof num, "%.6f", m->lon);
		if (fm_set(it, "longitude", num) < 0)
			return -1;
	}
	return 0;
}

struct peer {
	const struct wa_inbox *in;
	const struct wa_msg *m;
	struct itemref best;
	time_t best_t;
};

/* An item m may join: a text from the same sender, new and unclaimed,
 * whose last message came within the window; the latest such. */
static int peer_fn(struct vault *v, const struct itemref *ref, void *vctx)
{
	struct peer *p = vctx;
	struct item it;
	char *waid, *type, *st, *claimed, *recv;
	time_t t;

	if (strncmp(ref->id, "WA_", 3) || item_load(v, ref, &it) < 0)
		return 0;
	waid = fm_get(&it, "wa_id");
	type = fm_get(&it, "message_type");
	st = fm_get(&it, "status");
	claimed = fm_get(&it, "claimed_by");
	recv = fm_get(&it, "received");
	if (waid && !strcmp(waid, p->m->from) && type && !strcmp(type, "text") &&
	    st && !strcmp(st, "new") && !claimed && recv &&
	    time_parse_rfc3339(recv, &t) == 0 &&
	    (long long)t <= p->m->timestamp &&
	    p->m->timestamp - (long long)t <= p->in->join && t >= p->best_t) {
		p->best = *ref;
		p->best_t = t;
	}
	free(waid);
	free(type);
	free(st);
	free(claimed);
	free(recv);
	fm_free(&it);
	return 0;
}

/* The item of from's last text (wa-last.d) into *ref: 0, or 1 when there
 * is none or it has left Needs_Action/whatsapp/, -1 on error. */
static int last_of(struct wa_inbox *in, const char *from,
    struct itemref *ref)
{
	const char *p, *nl, *hit = NULL;
	size_t n = strlen(from), len;
	char id[AIE_ID_MAX + 1], *lines;
	int r = 1;

	if (wa_keyed_read(&in->last, from, &lines, &len) < 0)
		return -1;
	for (p = lines; p && *p; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (!strncmp(p, from, n) && p[n] == ' ')
			hit = p + n + 1;
	}
	if (hit && (hit = strchr(hit, ' ')) &&
	    (len = strcspn(++hit, "\n")) > 0 && len <= AIE_ID_MAX) {
		memcpy(id, hit, len);
		id[len] = '\0';
		if (item_ref_set(ref, id, ST_NEEDS_ACTION, "whatsapp") == 0 &&
		    faccessat(in->v->dirfd, ref->rel, F_OK,
		    AT_SYMLINK_NOFOLLOW) == 0)
			r = 0;
	}
	free(lines);
	return r;
}

/* from's text went to id: a line appended to from's file of wa-last.d;
 * past LAST_MAX that file is rewritten with the lines still inside the
 * join window, when that drops half of it (else it would be rewritten at
 * every message of a busy window). */
static int last_set(struct wa_inbox *in, const char *from, const char *id,
    long long received)
{
	struct buf keep = { 0 };
	char line[300], *lines;
	const char *p, *nl;
	size_t len;
	int n, r;

	n = snprintf(line, sizeof line, "%s %lld %s\n", from, received, id);
	if (n < 0 || (size_t)n >= sizeof line)
		return 0;        /* no index then: a join missed, nothing lost */
	if (wa_keyed_read(&in->last, from, &lines, &len) < 0)
		return -1;
	if (len > LAST_MAX) {
		for (p = lines; *p; p = nl ? nl + 1 : p + strlen(p)) {
			const char *sp = strchr(p, ' ');
			nl = strchr(p, '\n');
			if (sp && nl && atoll(sp + 1) + in->join >= received)
				buf_add(&keep, p, (size_t)(nl - p + 1));
		}
		buf_adds(&keep, line);
		if (keep.oom) {
			free(lines);
			buf_free(&keep);
			return aie_fail(EX_TEMP, "out of memory");
		}
		if (keep.len < len / 2) {
			free(lines);
			r = wa_keyed_rewrite(&in->last, from, keep.p, keep.len);
			buf_free(&keep);
			return r;
		}
		buf_free(&keep);
	}
	free(lines);
	return wa_keyed_append(&in->last, line, (size_t)n);
}

/* Join m to an item of its conversation: 0 joined (*ref that item), 1
 * none to join, -1 on error (the item put back as it was). */
static int join(struct wa_inbox *in, const struct wa_msg *m,
    struct itemref *ref)
{
	struct peer p = { in, m, { .id = "" }, 0 };
	struct itemref tmp;
	struct item it;
	char received[21], *count, n[24], *body = NULL, mark[128];
	int r = -1, high;

	if (in->join <= 0 || strcmp(m->type, "text") || m->context_id)
		return 1;        /* a reply to one of ours starts its own */
	if ((r = last_of(in, m->from, &tmp)) < 0)
		return -1;
	if (r == 0)
		peer_fn(in->v, &tmp, &p);        /* still joinable? */
	r = -1;
	if (!*p.best.id)
		return 1;
	tmp = p.best;
	if ((size_t)snprintf(tmp.rel, sizeof tmp.rel, FOLDER "/.%s.md.join",
	    p.best.id) >= sizeof tmp.rel)
		return 1;
	joining_rel(in, mark, sizeof mark);
	if (file_writeat(in->v->dirfd, mark, tmp.rel + strlen(FOLDER "/"),
	    strlen(tmp.rel + strlen(FOLDER "/")), 0600) < 0)
		return -1;
	if (renameat(in->v->dirfd, p.best.rel, in->v->dirfd, tmp.rel) < 0) {
		int e = errno;
		unlinkat(in->v->dirfd, mark, 0);
		return e == ENOENT ? 1 : aie_fail_errno(EX_TEMP, "%s",
		    p.best.rel);     /* ENOENT: claimed meanwhile */
	}
	if (item_load(in->v, &tmp, &it) < 0)
		goto back;
	high = keywords_match(&in->urgent, m->text);
	count = fm_get(&it, "messages");
	snprintf(n, sizeof n, "%ld", (count ? atol(count) : 1) + 1);
	free(count);
	time_rfc3339((time_t)m->timestamp, received);
	/* a paragraph a message, as Markdown shows them */
	if (asprintf(&body, "%.*s\n%s\n", (int)it.bodylen, it.body ?
	    it.body : "", m->text) < 0) {
		body = NULL;
		aie_fail(EX_TEMP, "out of memory");
		fm_free(&it);
		goto back;
	}
	free(it.body);
	it.body = body;
	it.bodylen = strlen(body);
	/* the reply threads under the latest message */
	if (fm_set(&it, "wamid", m->id) < 0 ||
	    fm_set(&it, "received", received) < 0 ||
	    fm_set(&it, "messages", n) < 0 ||
	    (high && fm_set(&it, "priority", "high") < 0) ||
	    item_store(in->v, &tmp, &it) < 0) {
		fm_free(&it);
		goto back;
	}
	fm_free(&it);
	r = 0;
back:
	if (renameat(in->v->dirfd, tmp.rel, in->v->dirfd, p.best.rel) < 0)
		return aie_fail_errno(EX_TEMP, "%s: left as %s", p.best.rel,
		    tmp.rel);        /* wa-joining stays: the next open puts it back */
	if (unlinkat(in->v->dirfd, mark, 0) < 0 && errno != ENOENT)
		return aie_fail_errno(EX_TEMP, "%s", mark);
	if (r == 0) {
		*ref = p.best;
		audit_event(in->v, "whatsapp_joined", ref->id, "wa-webhook",
		    ref->rel, high ? "urgent" : NULL);
	}
	return r;
}

int wa_inbox_prepare(struct wa_inbox *in, const struct wa_msg *m,
    struct wa_pre *p)
{
	struct item it;
	int r;

	memset(p, 0, sizeof *p);
	p->t.pfd = -1;
	if (id_generate(p->id, sizeof p->id, "WA") < 0 ||
	    item_ref_set(&p->ref, p->id, ST_NEEDS_ACTION, "whatsapp") < 0)
		return -1;
	if (make_item(in, &it, p->id, m) < 0) {
		fm_free(&it);
		return -1;
	}
	r = item_prepare(in->v, &p->ref, &it, &p->t);
	fm_free(&it);
	if (r == 0)
		p->ready = 1;
	return r;
}

void wa_pre_drop(struct wa_pre *p)
{
	if (p && p->ready) {
		item_tmp_drop(&p->t);
		p->ready = 0;
	}
}

/* m's own item at ref: the prepared one renamed into place, or (none
 * prepared, or its ID taken meanwhile) one written here under new IDs. */
static int publish(struct wa_inbox *in, const struct wa_msg *m,
    struct wa_pre *p, struct itemref *ref)
{
	char id[AIE_ID_MAX + 1];
	struct item it;
	int r, tries;

	if (p && p->ready) {
		r = item_publish(&p->t, 0);
		if (r == 0) {
			*ref = p->ref;
			wa_pre_drop(p);
			return 0;
		}
		wa_pre_drop(p);
		if (aie_errcode != EX_DATA)
			return -1;
	}
	for (tries = 0; ; tries++) {
		if (id_generate(id, sizeof id, "WA") < 0 ||
		    item_ref_set(ref, id, ST_NEEDS_ACTION, "whatsapp") < 0)
			return -1;
		if (make_item(in, &it, id, m) < 0) {
			fm_free(&it);
			return -1;
		}
		r = item_create(in->v, ref, &it);
		fm_free(&it);
		if (r == 0)
			return 0;
		if (aie_errcode != EX_DATA || tries >= 5)
			return -1;   /* 65: that ID exists; draw another */
	}
}

int wa_inbox_add(struct wa_inbox *in, const struct wa_msg *m,
    struct wa_pre *p, struct itemref *ref)
{
	char id[AIE_ID_MAX + 1];
	int r;

	if ((r = seen(in, m->id, id)) == 1)
		r = filed(in, id);
	if (r != 0) {
		wa_pre_drop(p);
		/* the delivery that published it may not have synced yet:
		 * this one's record is done only after the folder is */
		in->touched |= r == 1;
		return r;
	}
	if ((r = join(in, m, ref)) < 0) {
		wa_pre_drop(p);
		return -1;
	}
	if (r == 0) {
		wa_pre_drop(p);
		in->touched = 1;
		return record(in, m->id, ref->id) < 0 ||
		    last_set(in, m->from, ref->id, m->timestamp) < 0 ? -1 : 0;
	}
	if (publish(in, m, p, ref) < 0)
		return -1;
	in->touched = 1;
	if (record(in, m->id, ref->id) < 0 || (!strcmp(m->type, "text") &&
	    last_set(in, m->from, ref->id, m->timestamp) < 0))
		return -1;
	audit_event(in->v, "whatsapp_new", ref->id, "wa-webhook", ref->rel,
	    keywords_match(&in->urgent, m->text) ? "urgent" : NULL);
	return 0;
}
