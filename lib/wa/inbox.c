/*
 * inbox.c - inbound WhatsApp messages into the vault, one item each
 * (Needs_Action/whatsapp/WA_<UTC>_<hex>.md, see vault(5)), never two for
 * one wamid.
 *
 * Meta retries a webhook for days until it gets a 200, so the same message
 * comes again. The wamids seen are the lines of .state/<agent>/wa-ids
 * (outside Git: an item the owner deleted does not come back), read once
 * per request under the flock of wa.lock, so two deliveries of one
 * payload at once make one item. The item is created first and its wamid
 * recorded after: a crash between the two makes a second item on Meta's
 * retry, never a lost message.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"

/* Keep the record small: past WA_IDS_MAX bytes, only its newer half
 * (Meta stops retrying after 7 days; the half holds far more than a
 * week of messages for a small business). */
static int trim(struct wa_inbox *in, size_t len)
{
	const char *keep;
	char *copy;

	if (len <= WA_IDS_MAX)
		return 0;
	keep = in->ids + len - WA_IDS_MAX / 2;
	if ((keep = strchr(keep, '\n')))
		keep++;
	else
		keep = in->ids + len;
	if (file_writeat(in->v->dirfd, in->idsrel, keep,
	    (size_t)(in->ids + len - keep), 0600) < 0)
		return -1;
	if (!(copy = strdup(keep)))
		return aie_fail_errno(EX_TEMP, "wa-ids");
	free(in->ids);
	in->ids = copy;
	return 0;
}

int wa_inbox_open(struct wa_inbox *in, struct vault *v)
{
	char dir[64];
	size_t len;

	memset(in, 0, sizeof *in);
	in->v = v;
	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(in->idsrel, sizeof in->idsrel, "%s/wa-ids", dir);
	if ((in->lockfd = state_lock(v, "wa", 1)) < 0)
		return -1;
	if (faccessat(v->dirfd, in->idsrel, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (file_readat(v->dirfd, in->idsrel, &in->ids, &len) < 0 ||
	    trim(in, len) < 0)) {
		wa_inbox_close(in);
		return -1;
	}
	if (urgent_keywords_load(v, &in->urgent) < 0) {
		wa_inbox_close(in);
		return -1;
	}
	return 0;
}

void wa_inbox_close(struct wa_inbox *in)
{
	free(in->ids);
	keywords_free(&in->urgent);
	if (in->lockfd > 0)
		state_unlock(in->lockfd);
	memset(in, 0, sizeof *in);
	in->lockfd = -1;
}

/* 1 when wamid is a whole line of the record (read at open, or added). */
static int seen(const struct wa_inbox *in, const char *wamid)
{
	size_t n = strlen(wamid);
	const char *p;

	for (p = in->ids; p && (p = strstr(p, wamid)); p += n)
		if ((p == in->ids || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static int record(struct wa_inbox *in, const char *wamid)
{
	size_t old = in->ids ? strlen(in->ids) : 0, n = strlen(wamid);
	char *ids;

	if (file_appendat(in->v->dirfd, in->idsrel, wamid, n) < 0 ||
	    file_appendat(in->v->dirfd, in->idsrel, "\n", 1) < 0)
		return -1;
	if (!(ids = realloc(in->ids, old + n + 2)))
		return aie_fail_errno(EX_TEMP, "wa-ids");
	memcpy(ids + old, wamid, n);
	memcpy(ids + old + n, "\n", 2);
	in->ids = ids;
	return 0;
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

int wa_inbox_add(struct wa_inbox *in, const struct wa_msg *m,
    struct itemref *ref)
{
	char id[AIE_ID_MAX + 1];
	struct item it;
	int r, tries;

	if (seen(in, m->id))
		return 1;
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
			break;
		if (aie_errcode != EX_DATA || tries >= 5)
			return -1;   /* 65: that ID exists; draw another */
	}
	if (record(in, m->id) < 0)
		return -1;
	audit_event(in->v, "whatsapp_new", id, "wa-webhook", ref->rel,
	    keywords_match(&in->urgent, m->text) ? "urgent" : NULL);
	return 0;
}
