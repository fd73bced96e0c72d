/*
 * status.c - the state of a vault as data: counts per stage and domain,
 * the drafts waiting for approval, the last sync and the health files.
 * vault-status prints it, the dashboard renders it; both read it here so
 * they never disagree.
 *
 * One walk of the vault (scan) does it all: each directory is opened once
 * relative to its parent and listed with readdir, nothing is stat'ed per
 * item, and only the pending drafts are read. A draft's card shows its
 * source's sender: the draft's source_from, which draft-email writes;
 * for a draft without it, the sources are looked up during the same walk
 * from a hash set of the IDs wanted (Pending_Approval/ is walked first),
 * not by a vault_find per draft, which would walk every directory again
 * for each one: that was most of the time of a dashboard request on a
 * large vault.
 * The walk can record the stat() of every directory, pending file and
 * source file it read (struct statkeys), for the dashboard's cache
 * (statcache.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "approval/approval.h"
#include "status/status.h"

/* A source ID wanted by a draft, and where the walk found it. */
struct want {
	const char *id;          /* a pending's source; NULL: a free slot */
	int stage;               /* -1 until found */
	char sub[AIE_NAME_MAX * 2 + 2];
	char *from;              /* its sender, read where it was found */
};

struct scan {
	struct vault *v;
	struct status_count *subs[ST_COUNT];
	size_t nsubs[ST_COUNT], capsubs[ST_COUNT];
	json_int_t total[ST_COUNT];
	struct pending *p;
	size_t np, pcap;
	struct want *want;       /* open addressing, wmask + 1 slots */
	size_t wmask;
	struct statkeys *keys;   /* NULL: not recorded */
};

/* 1 when s can be a JSON string (it is UTF-8): what cannot is left out
 * of the status, so the text and the JSON show the same. */
static int is_text(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

static void preview_piece(void *ctx, const char *s, size_t n,
    const char *mark)
{
	/* JSON text is UTF-8: a stray byte becomes U+FFFD, which the card
	 * marks; controls, NUL included, stay for the card to mark */
	if (mark && mark[0] == '0')
		buf_adds(ctx, "\xef\xbf\xbd");
	else
		buf_add(ctx, s, n);
}

/* The first lines of the body, at most max bytes cut on a UTF-8 boundary,
 * every byte kept (see preview_piece); *n its length. */
static char *preview_of(const char *body, size_t len, size_t max, size_t *n)
{
	struct buf b = { 0 };
	size_t cut = len < max ? len : max;

	while (cut > 0 && cut < len && ((unsigned char)body[cut] & 0xc0) == 0x80)
		cut--;
	show_split(body, cut, 1, preview_piece, &b);
	return buf_take(&b, n);
}

void statkeys_free(struct statkeys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		free(ks->k[i].rel);
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->cap = 0;
}

int statkey_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_mode == b->st_mode && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

ssize_t statkeys_add(struct statkeys *ks, const char *rel,
    const struct stat *st, json_int_t count)
{
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 64;
		struct statkey *nk = realloc(ks->k, ncap * sizeof *nk);
		if (!nk)
			return -1;
		ks->k = nk;
		ks->cap = ncap;
	}
	if (!(ks->k[ks->n].rel = strdup(rel)))
		return -1;
	ks->k[ks->n].st = *st;
	ks->k[ks->n].count = count;
	return (ssize_t)ks->n++;
}

/* Record that rel was read as st: the key's index, or -1 when keys are
 * not kept. A failure only makes the result uncacheable. */
static ssize_t key_add(struct scan *s, const char *rel, const struct stat *st)
{
	ssize_t i;

	if (!s->keys || s->keys->unsure)
		return -1;
	if ((i = statkeys_add(s->keys, rel, st, 0)) < 0)
		s->keys->unsure = 1;
	return i;
}

/* Note that key i (from key_add, -1: none) counted n items. */
static void key_count(struct scan *s, ssize_t i, json_int_t n)
{
	if (i >= 0)
		s->keys->k[i].count = n;
}

static void unsure(struct scan *s)
{
	if (s->keys)
		s->keys->unsure = 1;
}

/* Open directory name under dirfd (no symlinks) and record it as rel;
 * *key: its key's index, or -1. -1 when it is not a directory or cannot
 * be opened: it holds nothing. */
static int open_dir(struct scan *s, int dirfd, const char *name,
    const char *rel, ssize_t *key)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	*key = -1;
	if (fd < 0) {
		if (errno != ELOOP && errno != ENOTDIR)
			unsure(s);
		return -1;
	}
	if (s->keys) {
		if (fstat(fd, &st) < 0)
			unsure(s);
		else
			*key = key_add(s, rel, &st);
	}
	return fd;
}

/* The index in keys->memo of the Done month directory that key i (just
 * stat'ed) still is, or -1. */
static ssize_t memo_find(const struct scan *s, ssize_t i)
{
	const struct statkeys *ks = s->keys;
	size_t j;

	if (i < 0)
		return -1;
	for (j = 0; j < ks->nmemo; j++)
		if (!strcmp(ks->memo[j].rel, ks->k[i].rel))
			return statkey_same(&ks->memo[j].st, &ks->k[i].st) ?
			    (ssize_t)j : -1;
	return -1;
}

/* The counter of sub in stage st, added when first needed. */
static json_int_t *counter(struct scan *s, int st, const char *sub)
{
	size_t i;

	for (i = 0; i < s->nsubs[st]; i++)
		if (!strcmp(s->subs[st][i].name, sub))
			return &s->subs[st][i].n;
	if (s->nsubs[st] == s->capsubs[st]) {
		size_t ncap = s->capsubs[st] ? s->capsubs[st] * 2 : 8;
		struct status_count *ns = realloc(s->subs[st], ncap * sizeof *ns);
		if (!ns)
			return NULL;
		s->subs[st] = ns;
		s->capsubs[st] = ncap;
	}
	snprintf(s->subs[st][i].name, sizeof s->subs[st][i].name, "%s", sub);
	s->subs[st][i].n = 0;
	s->nsubs[st]++;
	return &s->subs[st][i].n;
}

static size_t hash(const char *p)
{
	size_t h = (size_t)1469598103934665603ULL;

	while (*p)
		h = (h ^ (unsigned char)*p++) * (size_t)1099511628211ULL;
	return h;
}

/* The slot of id: its entry, or the free slot where it belongs. */
static struct want *want_slot(struct scan *s, const char *id)
{
	size_t i = hash(id) & s->wmask;

	while (s->want[i].id && strcmp(s->want[i].id, id))
		i = (i + 1) & s->wmask;
	return &s->want[i];
}

/* The whole of the open file fd, NUL-terminated; NULL on failure. */
static char *read_fd(int fd, size_t size, size_t *len)
{
	char *b = malloc(size + 1);
	size_t have = 0;
	ssize_t n;

	if (!b)
		return NULL;
	while (have < size) {
		n = read(fd, b + have, size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	b[have] = '\0';
	*len = have;
	return b;
}

/* The "from" of item file name under dirfd (rel in the vault), or NULL.
 * It is shown on the draft's card, so the file is a key too. */
static char *read_from(struct scan *s, int dirfd, const char *name,
    const char *rel)
{
	struct item it;
	struct stat st;
	char *buf, *from = NULL;
	size_t len;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);

	if (fd < 0) {
		unsure(s);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		unsure(s);
		close(fd);
		return NULL;
	}
	key_add(s, rel, &st);
	if (!S_ISREG(st.st_mode) || st.st_size > AIE_ITEM_MAX ||
	    !(buf = read_fd(fd, (size_t)st.st_size, &len))) {
		close(fd);
		return NULL;
	}
	close(fd);
	if (fm_parse(&it, buf, len) == 0) {
		from = fm_get(&it, "from");
		fm_free(&it);
	}
	free(buf);
	return from;
}

/* Note where item id (file name under dirfd; stage st, sub) is if a
 * draft wants it, and read its sender while its directory is open: the
 * first stage in stage order wins, as in vault_find. */
static void found(struct scan *s, const char *id, int st, const char *sub,
    int dirfd, const char *name)
{
	struct itemref ref;
	struct want *w;

	if (!s->want)
		return;
	w = want_slot(s, id);
	if (!w->id || (w->stage >= 0 && w->stage <= st))
		return;
	w->stage = st;
	snprintf(w->sub, sizeof w->sub, "%s", sub);
	free(w->from);
	w->from = NULL;
	if (dirfd >= 0 && item_ref_set(&ref, id, (enum stage)st, sub) == 0)
		w->from = read_from(s, dirfd, name, ref.rel);
}

/* The time in front matter key of it into *t, left as is when absent or
 * not a time. */
static void time_of(const struct item *it, const char *key, time_t *t)
{
	char *v = fm_get(it, key);

	if (v)
		time_parse_rfc3339(v, t);
	free(v);
}

/* Read the draft ref (file name under dirfd) into the pending list. An
 * unreadable draft is left out (vault-status reports it apart). -1 only
 * when out of memory. */
static int load_pending(struct scan *s, int dirfd, const char *name,
    const struct itemref *ref)
{
	struct pending *p;
	struct item it;
	struct stat st;
	char *buf;
	size_t len;
	int fd, r;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) < 0) {
		unsure(s);
		return 0;
	}
	if (fstat(fd, &st) < 0) {
		unsure(s);
		close(fd);
		return 0;
	}
	key_add(s, ref->rel, &st);
	if (!S_ISREG(st.st_mode) || st.st_size > AIE_ITEM_MAX) {
		close(fd);
		return 0;
	}
	buf = read_fd(fd, (size_t)st.st_size, &len);
	close(fd);
	if (!buf)
		return aie_fail_errno(EX_TEMP, "%s", ref->rel);
	r = fm_parse(&it, buf, len);
	free(buf);
	if (r < 0)
		return 0;
	if (s->np == s->pcap) {
		size_t ncap = s->pcap ? s->pcap * 2 : 16;
		struct pending *np = realloc(s->p, ncap * sizeof *np);
		if (!np) {
			fm_free(&it);
			return aie_fail_errno(EX_TEMP, "pending list");
		}
		s->p = np;
		s->pcap = ncap;
	}
	p = &s->p[s->np++];
	memset(p, 0, sizeof *p);
	p->ref = *ref;
	p->title = fm_get(&it, "subject");
	if (!p->title)
		p->title = strdup(ref->id);
	p->to = fm_get(&it, "to");
	p->preview = preview_of(it.body, it.bodylen, 200, &p->previewlen);
	/* the version the card shows, for its forms (see decide.h) */
	if (draft_digest(&it, ref->id, p->digest) < 0) {
		fm_free(&it);
		return -1;
	}
	time_of(&it, "created", &p->created);
	time_of(&it, "expires", &p->expires);
	/* the sender as draft-email recorded it: then the card needs no
	 * source, neither read on a walk nor kept as a cache key */
	p->from = fm_get(&it, "source_from");
	p->source = p->from ? NULL : fm_get(&it, "source");
	if (p->source && !id_valid(p->source)) {
		free(p->source);
		p->source = NULL;
	}
	fm_free(&it);
	return 0;
}

/* Count n items of stage st under cname. */
static int add_count(struct scan *s, int st, const char *cname, json_int_t n)
{
	json_int_t *c;

	if (n == 0)
		return 0;
	if (!(c = counter(s, st, cname)))
		return aie_fail_errno(EX_TEMP, "status: counts");
	*c += n;
	s->total[st] += n;
	return 0;
}

/* The items of one leaf directory fd (taken over), sub the itemref's
 * sub, counted under cname; *counted: how many. */
static int scan_leaf(struct scan *s, int st, int fd, const char *sub,
    const char *cname, json_int_t *counted)
{
	struct dirent *e;
	DIR *d;
	int r = 0;

	*counted = 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		unsure(s);
		return 0;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char id[AIE_ID_MAX + 4];
		if (e->d_name[0] == '.' || len < 4 || len - 3 > AIE_ID_MAX ||
		    strcmp(e->d_name + len - 3, ".md") != 0)
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		memcpy(id, e->d_name, len - 3);
		id[len - 3] = '\0';
		if (!id_valid(id))
			continue;
		(*counted)++;
		if (st == ST_PENDING) {
			struct itemref ref;
			if (item_ref_set(&ref, id, ST_PENDING, sub) < 0)
				continue;
			if ((r = load_pending(s, dirfd(d), e->d_name, &ref)) < 0)
				break;
		} else {
			found(s, id, st, sub, dirfd(d), e->d_name);
		}
	}
	closedir(d);
	return r < 0 ? r : add_count(s, st, cname, *counted);
}

/* The drafts' sources not found in any other stage, looked up by name in
 * the Done month fd (sub) that is counted from the memo, not listed. Done
 * is the last stage: every other stage has been walked by now. */
static void find_wanted(struct scan *s, int fd, const char *sub)
{
	struct stat st;
	size_t i;

	for (i = 0; s->want && i <= s->wmask; i++) {
		struct want *w = &s->want[i];
		char name[AIE_ID_MAX + 4];
		if (!w->id || w->stage >= 0)
			continue;
		snprintf(name, sizeof name, "%s.md", w->id);
		if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			found(s, w->id, ST_DONE, sub, fd, name);
	}
}

/* Done/<domain>/<month> (sub), just opened as fd (taken over) with key i:
 * counted from the memo when it is unchanged since, else listed. */
static int scan_month(struct scan *s, int fd, ssize_t i, const char *sub,
    const char *domain)
{
	ssize_t m = memo_find(s, i);
	json_int_t n;
	int r;

	if (m < 0) {
		r = scan_leaf(s, ST_DONE, fd, sub, domain, &n);
		key_count(s, i, n);
		return r;
	}
	n = s->keys->memo[m].count;
	key_count(s, i, n);
	find_wanted(s, fd, sub);
	close(fd);
	return add_count(s, ST_DONE, domain, n);
}

/* Every item of stage st: its sub-directories, Done's by domain and
 * month. */
static int scan_stage(struct scan *s, int st)
{
	const char *sdir = stage_dir[st];
	struct dirent *e;
	ssize_t key;
	DIR *d;
	int fd, r = 0;

	if ((fd = open_dir(s, s->v->dirfd, sdir, sdir, &key)) < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		unsure(s);
		return 0;
	}
	while (r == 0 && (e = readdir(d))) {
		char rel[512];
		int sfd;
		if (e->d_name[0] == '.' || !name_valid(e->d_name))
			continue;
		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		snprintf(rel, sizeof rel, "%s/%s", sdir, e->d_name);
		if ((sfd = open_dir(s, dirfd(d), e->d_name, rel, &key)) < 0)
			continue;
		if (st != ST_DONE) {
			json_int_t n;
			r = scan_leaf(s, st, sfd, e->d_name, e->d_name, &n);
			key_count(s, key, n);
		} else {
			struct dirent *m;
			DIR *md = fdopendir(sfd);
			if (!md) {
				close(sfd);
				unsure(s);
				continue;
			}
			while (r == 0 && (m = readdir(md))) {
				char mrel[600], sub[AIE_NAME_MAX * 2 + 2];
				int mfd;
				if (m->d_name[0] == '.' || !month_valid(m->d_name))
					continue;
				if (m->d_type != DT_DIR && m->d_type != DT_UNKNOWN)
					continue;
				if ((size_t)snprintf(sub, sizeof sub, "%s/%s", e->d_name,
				    m->d_name) >= sizeof sub ||
				    (size_t)snprintf(mrel, sizeof mrel, "%s/%s", rel,
				    m->d_name) >= sizeof mrel)
					continue;
				if ((mfd = open_dir(s, dirfd(md), m->d_name, mrel,
				    &key)) >= 0)
					r = scan_month(s, mfd, key, sub, e->d_name);
			}
			closedir(md);
		}
	}
	closedir(d);
	return r;
}

static int by_created(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->ref.id, y->ref.id);
}

/* The sender of each draft's source, from the walk's finds (a source in
 * Pending_Approval/ is read here). */
static void resolve_sources(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->np; i++) {
		struct want *w;
		struct itemref sref;
		struct item sit;
		if (!s->p[i].source)
			continue;
		w = want_slot(s, s->p[i].source);
		if (!w->id || w->stage < 0)
			continue;
		if (w->stage != ST_PENDING) {
			s->p[i].from = w->from ? strdup(w->from) : NULL;
		} else if (item_ref_set(&sref, w->id, ST_PENDING, w->sub) == 0 &&
		    item_load(s->v, &sref, &sit) == 0) {
			/* it is a pending file: already a key */
			s->p[i].from = fm_get(&sit, "from");
			fm_free(&sit);
		}
	}
}

static void scan_free(struct scan *s)
{
	int st;

	size_t i;

	for (st = 0; st < ST_COUNT; st++)
		free(s->subs[st]);
	for (i = 0; s->want && i <= s->wmask; i++)
		free(s->want[i].from);
	free(s->want);
	pending_free(s->p, s->np);
	memset(s, 0, sizeof *s);
}

/* Walk the whole vault into s: Pending_Approval/ first, so the sources
 * its drafts name are looked for while the other stages are listed. */
static int scan(struct vault *v, struct statkeys *keys, struct scan *s)
{
	size_t i, nsrc = 0, cap = 16;
	int st;

	memset(s, 0, sizeof *s);
	s->v = v;
	s->keys = keys;
	if (scan_stage(s, ST_PENDING) < 0)
		goto fail;
	for (i = 0; i < s->np; i++)
		nsrc += s->p[i].source != NULL;
	if (nsrc) {
		while (cap < nsrc * 2)
			cap *= 2;
		if (!(s->want = calloc(cap, sizeof *s->want))) {
			aie_fail_errno(EX_TEMP, "status: sources");
			goto fail;
		}
		s->wmask = cap - 1;
		for (i = 0; i < s->np; i++) {
			struct want *w;
			if (!s->p[i].source)
				continue;
			w = want_slot(s, s->p[i].source);
			if (!w->id) {
				w->id = s->p[i].source;
				w->stage = -1;
			}
		}
		for (i = 0; i < s->np; i++)   /* a draft may be another's source */
			found(s, s->p[i].ref.id, ST_PENDING, s->p[i].ref.sub, -1, NULL);
	}
	for (st = 0; st < ST_COUNT; st++)
		if (st != ST_PENDING && scan_stage(s, st) < 0)
			goto fail;
	resolve_sources(s);
	if (s->np)
		qsort(s->p, s->np, sizeof *s->p, by_created);
	return 0;
fail:
	scan_free(s);
	return -1;
}

int pending_list(struct vault *v, struct pending **out, size_t *n)
{
	struct scan s;

	if (scan(v, NULL, &s) < 0)
		return -1;
	*out = s.p;
	*n = s.np;
	s.p = NULL;
	s.np = 0;
	scan_free(&s);
	return 0;
}

static void pending_free_one(struct pending *p)
{
	free(p->title);
	free(p->to);
	free(p->from);
	free(p->preview);
	free(p->source);
}

void pending_free(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pending_free_one(&p[i]);
	free(p);
}

/* .state/<agent>/last_sync into st: its first line, when it is a time. */
static int last_sync_read(struct vault *v, struct status *st)
{
	char rel[128], *buf, *nl;
	size_t len;

	st->last_sync = NULL;
	if ((size_t)snprintf(rel, sizeof rel, ".state/%s/last_sync", v->agent) >=
	    sizeof rel || file_readat(v->dirfd, rel, &buf, &len) < 0)
		return 0;
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (time_parse_rfc3339(buf, &st->last_sync_at) < 0 || !is_text(buf)) {
		free(buf);
		return 0;
	}
	st->last_sync = buf;
	return 0;
}

/* The last sync as JSON; with_age: its age_s as of now. */
static json_t *last_sync_json(const struct status *st, int with_age)
{
	if (!st->last_sync)
		return json_null();
	if (!with_age)
		return json_pack("{s:s}", "at", st->last_sync);
	return json_pack("{s:s, s:I}", "at", st->last_sync, "age_s",
	    (json_int_t)(st->now - st->last_sync_at));
}

static void health_free(struct health *h)
{
	size_t i;

	for (i = 0; i < h->nparts; i++) {
		free(h->parts[i].name);
		free(h->parts[i].state);
		free(h->parts[i].detail);
	}
	free(h->parts);
	free(h->updated);
}

/* Set component name of h to "state detail" (val, taken over): a name
 * given twice keeps its first place and its last value. -1 when out of
 * memory. */
static int health_set(struct health *h, const char *name, char *val)
{
	struct health_part *np;
	char *sp = strchr(val, ' '), *detail;
	size_t i;

	if (sp)
		*sp++ = '\0';
	if (!(detail = strdup(sp ? sp : ""))) {
		free(val);
		return -1;
	}
	for (i = 0; i < h->nparts && strcmp(h->parts[i].name, name); i++)
		;
	if (i == h->nparts) {
		if (!(np = realloc(h->parts, (i + 1) * sizeof *np)) ||
		    !(np[i].name = strdup(name))) {
			if (np)
				h->parts = np;
			free(val);
			free(detail);
			return -1;
		}
		h->parts = np;
		np[i].state = np[i].detail = NULL;
		h->nparts++;
	}
	free(h->parts[i].state);
	free(h->parts[i].detail);
	h->parts[i].state = val;
	h->parts[i].detail = detail;
	return 0;
}

/* Health/<agent>.md (file) into h: "component: state detail" keys, plus
 * updated. 0; 1 when it cannot be read or shown; -1 when out of memory. */
static int health_of(struct vault *v, const char *file, struct health *h)
{
	struct itemref ref;
	struct item it;
	size_t i;
	int r = 0;

	memset(&ref, 0, sizeof ref);
	snprintf(ref.rel, sizeof ref.rel, "Health/%s", file);
	if (item_load(v, &ref, &it) < 0)
		return 1;
	for (i = 0; r == 0 && i < it.nlines; i++) {
		const char *k = it.lines[i].key;
		char *val;
		if (!k || !strcmp(k, "updated") || !strcmp(k, "type") ||
		    !strcmp(k, "agent"))
			continue;
		if (!(val = fm_decode_value(it.lines[i].raw)))
			continue;
		if (!is_text(k) || !is_text(val)) {   /* not UTF-8: not shown */
			free(val);
			continue;
		}
		if (health_set(h, k, val) < 0)
			r = -1;
	}
	h->updated = fm_get(&it, "updated");
	fm_free(&it);
	if (r == 0 && h->updated && !is_text(h->updated))
		r = 1;
	return r;
}

/* Every Health/<agent>.md into st, in directory order. */
static int health_read(struct vault *v, struct status *st)
{
	struct dirent *e;
	DIR *d;
	int fd = vault_opendir(v, "Health", 0), r = 0;

	if (fd < 0)
		return 0;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return 0;
	}
	while (r >= 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct health *h, *nh;
		if (n < 4 || n - 3 > AIE_NAME_MAX || strcmp(e->d_name + n - 3, ".md"))
			continue;
		if (!(nh = realloc(st->health, (st->nhealth + 1) * sizeof *nh))) {
			r = -1;
			break;
		}
		st->health = nh;
		h = &nh[st->nhealth];
		memset(h, 0, sizeof *h);
		memcpy(h->agent, e->d_name, n - 3);
		h->agent[n - 3] = '\0';
		if (!name_valid(h->agent))
			continue;
		if ((r = health_of(v, e->d_name, h)) == 0)
			st->nhealth++;
		else
			health_free(h);
	}
	closedir(d);
	return r < 0 ? aie_fail(EX_TEMP, "Health: out of memory") : 0;
}

static json_t *health_json(const struct status *st)
{
	json_t *all = json_object();
	size_t i, j;

	for (i = 0; i < st->nhealth; i++) {
		const struct health *h = &st->health[i];
		json_t *comps = json_object();
		for (j = 0; j < h->nparts; j++)
			json_object_set_new(comps, h->parts[j].name, json_pack(
			    "{s:s, s:s}", "state", h->parts[j].state, "detail",
			    h->parts[j].detail));
		json_object_set_new(all, h->agent, json_pack("{s:s?, s:o}",
		    "updated", h->updated, "components", comps));
	}
	return all;
}

/* One pending card; with_age: the age_s member, as of now. */
static json_t *pending_json(const struct pending *p, int with_age, time_t now)
{
	char c[21] = "", e[21] = "";

	if (p->created)
		time_rfc3339(p->created, c);
	if (p->expires)
		time_rfc3339(p->expires, e);
	if (!with_age)
		return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s%, "
		    "s:s, s:s}", "id", p->ref.id, "domain", p->ref.sub,
		    "title", p->title ? p->title : p->ref.id, "to", p->to,
		    "from", p->from, "created", *c ? c : NULL,
		    "expires", *e ? e : NULL, "preview",
		    p->preview ? p->preview : "", p->preview ? p->previewlen : 0,
		    "digest", p->digest, "path", p->ref.rel);
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:I, s:s?, s:s?, s:s%, s:s, "
	    "s:s}",
	    "id", p->ref.id, "domain", p->ref.sub,
	    "title", p->title ? p->title : p->ref.id,
	    "to", p->to, "from", p->from,
	    "age_s", (json_int_t)(p->created ? now - p->created : 0),
	    "created", *c ? c : NULL, "expires", *e ? e : NULL,
	    "preview", p->preview ? p->preview : "", p->preview ?
	    p->previewlen : 0, "digest", p->digest, "path", p->ref.rel);
}

/* counts and totals of st as new objects, stages in order. */
static void counts_json(const struct status *st, json_t *counts,
    json_t *totals)
{
	size_t i;
	int sg;

	for (sg = 0; sg < ST_COUNT; sg++) {
		json_t *by = json_object();
		for (i = 0; i < st->ncounts[sg]; i++)
			json_object_set_new(by, st->counts[sg][i].name,
			    json_integer(st->counts[sg][i].n));
		json_object_set_new(counts, stage_dir[sg], by);
		json_object_set_new(totals, stage_dir[sg],
		    json_integer(st->totals[sg]));
	}
}

/* The scan's counts and pending cards into st, taken over from s. Cards
 * that cannot be JSON are left out. */
static void status_take(struct status *st, struct scan *s)
{
	size_t i, n = 0;
	int sg;

	for (sg = 0; sg < ST_COUNT; sg++) {
		st->counts[sg] = s->subs[sg];
		st->ncounts[sg] = s->nsubs[sg];
		st->totals[sg] = s->total[sg];
		s->subs[sg] = NULL;
		s->nsubs[sg] = 0;
	}
	for (i = 0; i < s->np; i++) {
		json_t *card = pending_json(&s->p[i], 0, 0);
		if (card)
			s->p[n++] = s->p[i];
		else
			pending_free_one(&s->p[i]);
		json_decref(card);
	}
	st->pending = s->p;
	st->npending = n;
	s->p = NULL;
	s->np = 0;
}

int status_read(struct vault *v, struct status *st)
{
	struct scan s;

	memset(st, 0, sizeof *st);
	st->vault = v->root;
	st->agent = v->agent;
	st->now = time(NULL);
	if (scan(v, NULL, &s) < 0)
		return -1;
	status_take(st, &s);
	scan_free(&s);
	if (last_sync_read(v, st) < 0 || health_read(v, st) < 0) {
		status_free(st);
		return -1;
	}
	return 0;
}

void status_free(struct status *st)
{
	size_t i;
	int sg;

	for (sg = 0; sg < ST_COUNT; sg++)
		free(st->counts[sg]);
	pending_free(st->pending, st->npending);
	free(st->last_sync);
	for (i = 0; i < st->nhealth; i++)
		health_free(&st->health[i]);
	free(st->health);
	memset(st, 0, sizeof *st);
}

json_t *status_json(const struct status *st)
{
	json_t *o = json_object(), *counts = json_object(), *totals = json_object();
	json_t *pend = json_array();
	size_t i;

	if (!o || !counts || !totals || !pend) {
		json_decref(o); json_decref(counts); json_decref(totals);
		json_decref(pend);
		aie_fail(EX_TEMP, "status: out of memory");
		return NULL;
	}
	counts_json(st, counts, totals);
	for (i = 0; i < st->npending; i++)
		json_array_append_new(pend, pending_json(&st->pending[i], 1,
		    st->now));
	json_object_set_new(o, "vault", json_string(st->vault));
	json_object_set_new(o, "agent", json_string(st->agent));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "totals", totals);
	json_object_set_new(o, "pending", pend);
	json_object_set_new(o, "last_sync", last_sync_json(st, 1));
	json_object_set_new(o, "health", health_json(st));
	return o;
}

/* Append "name":<o, dumped with sorted keys> to b; steals o. */
static void member(struct buf *b, const char *name, json_t *o, int comma)
{
	char *t = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) : NULL;

	json_decref(o);
	if (!t) {
		b->oom = 1;
		return;
	}
	buf_addf(b, "%s\"%s\":", comma ? "," : "", name);
	buf_adds(b, t);
	free(t);
}

/* Append ,"name":[...] to b with one element a line: "\n" before each,
 * "\n]" at the end. Compact JSON never holds a raw newline, so the cards
 * can be cut from the text without parsing it (status_pending_head).
 * Steals arr. */
static void member_lines(struct buf *b, const char *name, json_t *arr)
{
	json_t *it;
	size_t i;

	buf_addf(b, ",\"%s\":[", name);
	json_array_foreach(arr, i, it) {
		char *t = json_dumps(it, JSON_COMPACT | JSON_SORT_KEYS);
		if (!t) {
			b->oom = 1;
			break;
		}
		buf_adds(b, i ? ",\n" : "\n");
		buf_adds(b, t);
		free(t);
	}
	buf_adds(b, json_array_size(arr) ? "\n]" : "]");
	json_decref(arr);
}

size_t status_pending_head(char *text, size_t len, size_t cap, size_t *n)
{
	static const char key[] = "\"pending\":[";
	char *end = text + len, *p, *nl, *cut = NULL, *close, *open;
	size_t count = 0;

	if (!(p = memmem(text, len, key, sizeof key - 1)))
		return (size_t)-1;
	open = p += sizeof key - 1;
	if (p < end && *p == ']') {          /* none waiting */
		*n = 0;
		return len;
	}
	/* p at the "\n" before an element; it ends at the next "\n",
	 * followed by "]" (the last) or preceded by "," (another) */
	for (;;) {
		if (p >= end || *p != '\n' ||
		    !(nl = memchr(p + 1, '\n', (size_t)(end - p - 1))))
			return (size_t)-1;
		if (++count == cap)
			cut = nl;
		if (nl + 1 < end && nl[1] == ']') {
			close = nl;
			break;
		}
		if (nl[-1] != ',')
			return (size_t)-1;
		p = nl;
	}
	*n = count;
	if (count <= cap)
		return len;
	if (cap == 0) {                      /* no card: "pending":[] */
		memmove(open, close + 1, (size_t)(end - close - 1));
		return len - (size_t)(close + 1 - open);
	}
	/* drop from the "," after card cap up to the array's "\n]" */
	memmove(cut - 1, close, (size_t)(end - close));
	return len - (size_t)(close - (cut - 1));
}

int status_core(struct vault *v, struct statkeys *keys, char **text,
    size_t *len)
{
	json_t *counts = json_object(), *totals = json_object();
	json_t *pend = json_array();
	struct status st;
	struct buf b = { 0 };
	struct scan s;
	size_t i;

	if (!counts || !totals || !pend || scan(v, keys, &s) < 0) {
		json_decref(counts); json_decref(totals); json_decref(pend);
		if (!counts || !totals || !pend)
			aie_fail(EX_TEMP, "status: out of memory");
		return -1;
	}
	memset(&st, 0, sizeof st);
	status_take(&st, &s);
	scan_free(&s);
	counts_json(&st, counts, totals);
	for (i = 0; i < st.npending; i++)
		json_array_append_new(pend, pending_json(&st.pending[i], 0, 0));
	status_free(&st);
	member(&b, "counts", counts, 0);
	member_lines(&b, "pending", pend);
	member(&b, "totals", totals, 1);
	if (!(*text = buf_take(&b, len)))
		return aie_fail(EX_TEMP, "status: out of memory");
	return 0;
}

char *status_live(struct vault *v)
{
	struct buf b = { 0 };
	struct status st;

	memset(&st, 0, sizeof st);
	if (last_sync_read(v, &st) < 0 || health_read(v, &st) < 0) {
		status_free(&st);
		return NULL;
	}
	member(&b, "health", health_json(&st), 0);
	member(&b, "last_sync", last_sync_json(&st, 0), 1);
	status_free(&st);
	return buf_take(&b, NULL);
}

/* s as JSON text (malloc'd): a string, or null when it is not one (not
 * UTF-8). */
static char *json_str(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return t ? t : strdup("null");
}

int status_edges(struct vault *v, char **head, size_t *hlen, char **tail,
    size_t *tlen)
{
	char *live = status_live(v), *agent = json_str(v->agent);
	char *root = json_str(v->root);
	int hn, tn;

	*head = *tail = NULL;
	hn = agent ? asprintf(head, "{\"agent\":%s,", agent) : -1;
	tn = live && root ? asprintf(tail, ",%s,\"vault\":%s}\n", live, root) :
	    -1;
	free(live);
	free(agent);
	free(root);
	if (hn < 0 || tn < 0) {
		if (hn >= 0)
			free(*head);
		if (tn >= 0)
			free(*tail);
		*head = *tail = NULL;   /* asprintf leaves them undefined */
		return aie_fail(EX_TEMP, "status: out of memory");
	}
	*hlen = (size_t)hn;
	*tlen = (size_t)tn;
	return 0;
}
