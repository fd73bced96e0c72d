/*
 * mailin.c - one raw message in, one email item out, never two.
 *
 * The dedup key of a message is its Message-ID, or for a message without
 * one "sha:" and a BLAKE2b hash of its bytes. Known keys are the lines of
 * .state/<agent>/mail-ids (so an item the owner deleted does not come
 * back) and the message_id of every item in the vault, whatever its stage
 * (so a fresh clone, a lost state directory or the other agent's import
 * does not make a second item). The set is read once per run, lazily, and
 * the whole check-create-record sequence runs under the mail.lock flock,
 * so an MDA delivery and a cron fetch cannot race each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "vault/vault.h"
#include "mail/mail.h"

/* ---- the set of known keys ---- */

static unsigned long hash(const char *s)
{
	unsigned long h = 14695981039346656037UL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211UL;
	return h;
}

static int set_has(struct mailin *mi, const char *k)
{
	size_t i;

	if (!mi->setcap)
		return 0;
	for (i = hash(k) & (mi->setcap - 1); mi->set[i];
	    i = (i + 1) & (mi->setcap - 1))
		if (strcmp(mi->set[i], k) == 0)
			return 1;
	return 0;
}

static int set_add(struct mailin *mi, const char *k)
{
	size_t i;

	if (set_has(mi, k))
		return 0;
	if ((mi->setn + 1) * 2 > mi->setcap) {
		size_t ncap = mi->setcap ? mi->setcap * 2 : 256, j;
		char **n = calloc(ncap, sizeof *n);
		if (!n)
			return aie_fail_errno(EX_TEMP, "mail-ids");
		for (j = 0; j < mi->setcap; j++) {
			if (!mi->set[j])
				continue;
			for (i = hash(mi->set[j]) & (ncap - 1); n[i];
			    i = (i + 1) & (ncap - 1))
				;
			n[i] = mi->set[j];
		}
		free(mi->set);
		mi->set = n;
		mi->setcap = ncap;
	}
	for (i = hash(k) & (mi->setcap - 1); mi->set[i];
	    i = (i + 1) & (mi->setcap - 1))
		;
	if (!(mi->set[i] = strdup(k)))
		return aie_fail_errno(EX_TEMP, "mail-ids");
	mi->setn++;
	return 0;
}

static int scan_item(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct mailin *mi = ctx;
	struct item it;
	char *mid;

	if (item_load(v, ref, &it) < 0)
		return 0;            /* an unreadable item holds no key */
	if ((mid = fm_get(&it, "message_id")) && *mid && set_add(mi, mid) < 0) {
		free(mid);
		fm_free(&it);
		return -1;
	}
	free(mid);
	fm_free(&it);
	return 0;
}

static int load_known(struct mailin *mi)
{
	char dir[64], rel[128], *buf, *line, *save = NULL;
	size_t len;
	int st;

	if (mi->loaded)
		return 0;
	if (vault_statedir(mi->v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, sizeof rel, "%s/mail-ids", dir);
	if (file_readat(mi->v->dirfd, rel, &buf, &len) == 0) {
		for (line = strtok_r(buf, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save))
			if (*line && set_add(mi, line) < 0) {
				free(buf);
				return -1;
			}
		free(buf);
	}
	for (st = 0; st < ST_COUNT; st++)
		if (vault_walk(mi->v, (enum stage)st, NULL, scan_item, mi) < 0)
			return -1;
	mi->loaded = 1;
	return 0;
}

int mailin_open(struct mailin *mi, struct vault *v)
{
	memset(mi, 0, sizeof *mi);
	mi->v = v;
	if ((mi->lockfd = state_lock(v, "mail", 1)) < 0)
		return -1;
	if (urgent_keywords_load(v, &mi->urgent) < 0) {
		mailin_close(mi);
		return -1;
	}
	return 0;
}

void mailin_close(struct mailin *mi)
{
	size_t i;

	for (i = 0; i < mi->setcap; i++)
		free(mi->set[i]);
	free(mi->set);
	keywords_free(&mi->urgent);
	state_unlock(mi->lockfd);
	memset(mi, 0, sizeof *mi);
	mi->lockfd = -1;
}

static int urgent(const struct mailin *mi, const struct mime_msg *m)
{
	return keywords_match(&mi->urgent, m->subject) ||
	    keywords_match(&mi->urgent, m->text);
}

static int set_opt(struct item *it, const char *key, const char *v)
{
	return v && *v ? fm_set(it, key, v) : 0;
}

/* The item for a parsed message. */
static int make_item(struct item *it, const char *id, const struct mime_msg *m,
    int high, const char *note)
{
	char created[21];

	if (fm_parse(it, "---\n---\n", 8) < 0)
		return -1;
	free(it->body);
	if (!(it->body = strdup(m->text ? m->text : "")))
		return aie_fail_errno(EX_TEMP, "%s", id);
	it->bodylen = strlen(it->body);
	time_rfc3339(time(NULL), created);
	if (fm_set(it, "type", "email") < 0 || fm_set(it, "id", id) < 0 ||
	    fm_set(it, "created", created) < 0 ||
	    fm_set(it, "domain", "email") < 0 || fm_set(it, "status", "new") < 0 ||
	    fm_set(it, "from", m->from ? m->from : "") < 0 ||
	    fm_set(it, "to", m->to ? m->to : "") < 0 ||
	    set_opt(it, "cc", m->cc) < 0 ||
	    fm_set(it, "subject", m->subject ? m->subject : "") < 0 ||
	    set_opt(it, "date", m->date) < 0 ||
	    set_opt(it, "message_id", m->message_id) < 0 ||
	    set_opt(it, "in_reply_to", m->in_reply_to) < 0 ||
	    set_opt(it, "references", m->references) < 0 ||
	    fm_set(it, "priority", high ? "high" : "normal") < 0 ||
	    set_opt(it, "parse_note", note) < 0)
		return -1;
	return 0;
}

int mailin_import(struct mailin *mi, const char *raw, size_t len,
    const char *origin, const char *extra_note, struct itemref *ref)
{
	struct mime_msg m;
	struct item it;
	char key[1100], id[AIE_ID_MAX + 1], note[700], dir[64], rel[128];
	int r = -1, tries;

	if (mime_parse(raw, len, &m) < 0)
		return -1;
	if (m.message_id && strlen(m.message_id) < sizeof key)
		snprintf(key, sizeof key, "%s", m.message_id);
	else {
		unsigned char h[16];
		char hex[33];
		if (sodium_init() < 0) {
			aie_fail(EX_TEMP, "libsodium cannot start");
			goto out;
		}
		crypto_generichash(h, sizeof h, (const unsigned char *)raw, len,
		    NULL, 0);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		snprintf(key, sizeof key, "sha:%s", hex);
	}
	if (load_known(mi) < 0)
		goto out;
	if (set_has(mi, key)) {
		r = 1;
		goto out;
	}
	snprintf(note, sizeof note, "%s%s%s", m.note,
	    *m.note && extra_note ? "; " : "", extra_note ? extra_note : "");
	for (tries = 0; ; tries++) {
		if (id_generate(id, sizeof id, "EMAIL") < 0 ||
		    item_ref_set(ref, id, ST_NEEDS_ACTION, "email") < 0)
			goto out;
		if (make_item(&it, id, &m, urgent(mi, &m), note) < 0) {
			fm_free(&it);
			goto out;
		}
		r = item_create(mi->v, ref, &it);
		fm_free(&it);
		if (r == 0)
			break;
		if (aie_errcode != EX_DATA || tries >= 5)
			goto out;    /* 65: that ID exists; draw another */
	}
	r = -1;
	if (vault_statedir(mi->v, dir, sizeof dir) < 0)
		goto out;
	snprintf(rel, sizeof rel, "%s/mail-ids", dir);
	{
		char line[sizeof key + 1];
		int n = snprintf(line, sizeof line, "%s\n", key);
		if (file_appendat(mi->v->dirfd, rel, line, (size_t)n) < 0 ||
		    set_add(mi, key) < 0)
			goto out;
	}
	audit_event(mi->v, "email_new", id, origin, ref->rel,
	    *note ? note : NULL);
	r = 0;
out:
	mime_free(&m);
	return r;
}
