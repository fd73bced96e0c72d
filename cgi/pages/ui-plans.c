/*
 * ui-plans.c - GET /plans (see pages.h): the plans newest first by the
 * time in their IDs, PAGES_PER_PAGE a page, each with its status and
 * objective. A vault of thousands of plans would spend a request listing
 * and sorting its folders, so the sorted list is kept in
 * .state/<agent>/pages-plans.cache, keyed by Plans/ and each
 * Plans/<domain>/ (lists.c), and the first pages are kept whole (see
 * PLANS_PAGES_CACHED); a later page reads only its own plans.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "vault/vault.h"
#include "pages/pages.h"

#define PLANS_CACHE "pages-plans.cache"           /* in .state/<agent>/ */

struct plan_row {
	char id[AIE_ID_MAX + 1];
	char domain[AIE_NAME_MAX * 2 + 2];  /* with the ID, its path again */
	const char *when;         /* the ID's time, YYYYMMDDTHHMMSSZ, or NULL */
};

struct plans {
	struct plan_row *row;
	size_t n, cap;
};

/* The time in an ID id_generate made (TYPE_YYYYMMDDTHHMMSSZ_hex; a plan's
 * is its item's), or NULL: the order of the list without a stat() of
 * every plan, so a vault of thousands lists in one read of its folders. */
static const char *id_time(const char *id)
{
	const char *p;
	size_t i;

	for (p = strchr(id, '_'); p; p = strchr(p + 1, '_')) {
		for (i = 1; i <= 16; i++)
			if (i == 9 ? p[i] != 'T' : i == 16 ? p[i] != 'Z' :
			    p[i] < '0' || p[i] > '9')
				break;
		if (i == 17)
			return p + 1;
	}
	return NULL;
}

static int collect_plan(struct vault *v, const struct itemref *ref, void *ctx)
{
	struct plans *ps = ctx;
	struct plan_row *grown, *r;

	(void)v;
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		if (!(grown = realloc(ps->row, ps->cap * sizeof *ps->row)))
			return aie_fail_errno(EX_TEMP, "plans"), -1;
		ps->row = grown;
	}
	r = &ps->row[ps->n++];
	snprintf(r->id, sizeof r->id, "%s", ref->id);
	snprintf(r->domain, sizeof r->domain, "%s", ref->sub);
	r->when = NULL;                  /* set once the table stops moving */
	return 0;
}

/* Newest first by the IDs' times, those without one last, then by ID. */
static int newest_plan(const void *a, const void *b)
{
	const struct plan_row *x = a, *y = b;
	int c;

	if (x->when && y->when && (c = strncmp(y->when, x->when, 16)))
		return c;
	if (!x->when != !y->when)
		return x->when ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* One plan's row: its objective (the body's "Objective:" line) and
 * status when it can be read, its ID always; the file a key of ks (when
 * not NULL), stat'ed before it is read. */
static void plan_row(struct dashpage *p, const struct plan_row *r,
    struct statkeys *ks)
{
	struct itemref ref;
	struct item it;
	struct stat st;
	char *status = NULL;
	const char *obj = NULL;
	size_t olen = 0;
	int ok;

	buf_adds(p->b, "<li><a href=\"/plans/");
	url_part(p->b, r->id);
	buf_adds(p->b, "\">");
	html_shown_str(p->b, r->id);
	buf_adds(p->b, "</a>");
	ok = item_ref_set(&ref, r->id, ST_PLANS, r->domain) == 0;
	if (ok && ks && !ks->unsure && (fstatat(p->v->dirfd, ref.rel, &st,
	    AT_SYMLINK_NOFOLLOW) < 0 || statkeys_add(ks, ref.rel, &st, 0) < 0))
		ks->unsure = 1;
	if (ok && item_load(p->v, &ref, &it) == 0) {
		status = fm_get(&it, "status");
		if (it.body && (obj = strstr(it.body, "Objective:")) &&
		    (obj == it.body || obj[-1] == '\n')) {
			obj += 10;
			obj += strspn(obj, " \t");
			olen = strcspn(obj, "\r\n");
		}
		if (status || olen) {
			buf_adds(p->b, "<br><small>");
			if (status) {
				html_shown_str(p->b, status);
				buf_adds(p->b, olen ? ": " : "");
			}
			html_shown(p->b, obj ? obj : "", olen, 0);
			buf_adds(p->b, "</small>");
		}
		free(status);
		fm_free(&it);
	}
	buf_adds(p->b, "</li>");
}

/* Plans/ and each Plans/<domain>/ as keys of ks, each stat'ed before
 * vault_walk lists it (a folder made after Plans/ was stat'ed changes
 * Plans/). What cannot be opened, a symlink too, is not cacheable. */
static void plan_keys(struct vault *v, struct statkeys *ks)
{
	const char *sdir = stage_dir[ST_PLANS];
	struct dirent *e;
	DIR *d;
	int fd, sfd;

	if ((fd = vault_opendir(v, sdir, 0)) < 0) {
		ks->unsure = 1;
		return;
	}
	key_dir(ks, fd, sdir);
	if (!(d = fdopendir(fd))) {
		close(fd);
		ks->unsure = 1;
		return;
	}
	while ((errno = 0, e = readdir(d))) {
		char rel[300];
		if (!name_valid(e->d_name))
			continue;
		if ((sfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0) {
			if (errno != ENOTDIR)
				ks->unsure = 1;
			continue;
		}
		snprintf(rel, sizeof rel, "%s/%s", sdir, e->d_name);
		key_dir(ks, sfd, rel);
		close(sfd);
	}
	if (errno)
		ks->unsure = 1;
	closedir(d);
}

/* The walk behind /plans' cache: "n\n" and "ID domain" a line, newest
 * first. */
static int plans_walk(struct vault *v, struct statkeys *ks, char **text,
    size_t *len, void *ctx)
{
	struct plans ps = { 0 };
	struct buf b = { 0 };
	size_t i;

	(void)ctx;
	if (ks)
		plan_keys(v, ks);
	if (vault_walk(v, ST_PLANS, NULL, collect_plan, &ps) < 0) {
		free(ps.row);
		return -1;
	}
	for (i = 0; i < ps.n; i++)
		ps.row[i].when = id_time(ps.row[i].id);
	if (ps.n)
		qsort(ps.row, ps.n, sizeof *ps.row, newest_plan);
	buf_addf(&b, "%zu\n", ps.n);
	for (i = 0; i < ps.n; i++)
		buf_addf(&b, "%s %s\n", ps.row[i].id, ps.row[i].domain);
	free(ps.row);
	if (!(*text = buf_take(&b, len)))
		return aie_fail(EX_TEMP, "Plans/: out of memory");
	return 0;
}

/* A page of /plans: the list's cache file and what it said (how), the
 * page (pg) and the rows on it as HTML. */
struct plans_page {
	struct dashctx *c;
	long pg;
	enum statcache_result how;
};

/* The walk behind a page's cache: "n\n" (the plans in the list) and the
 * page's rows as HTML. Its keys: the folders, stat'ed before the list is
 * taken (from its own cache or a walk), and the page's plan files. */
static int plans_page_walk(struct vault *v, struct statkeys *ks, char **text,
    size_t *len, void *ctx)
{
	struct plans_page *pp = ctx;
	struct buf b = { 0 };
	struct dashpage p = { .b = &b, .v = v };
	struct plan_row row;
	struct rows r;
	char line[sizeof row.id + sizeof row.domain], *sp;
	long i;

	if (ks)
		plan_keys(v, ks);
	if (rows_get(pp->c, PLANS_CACHE, plans_walk, &r, &pp->how) < 0)
		return -1;
	buf_addf(&b, "%ld\n", r.n);
	for (i = 0; i < (pp->pg + 1) * PAGES_PER_PAGE &&
	    rows_next(&r, line, sizeof line); i++) {
		if (i < pp->pg * PAGES_PER_PAGE || !(sp = strchr(line, ' ')) ||
		    (size_t)(sp - line) >= sizeof row.id ||
		    strlen(sp + 1) >= sizeof row.domain)
			continue;
		*sp = '\0';
		memcpy(row.id, line, (size_t)(sp - line) + 1);
		memcpy(row.domain, sp + 1, strlen(sp + 1) + 1);
		plan_row(&p, &row, ks);  /* which checks both (item_ref_set) */
	}
	free(r.text);
	if (!(*text = buf_take(&b, len)))
		return aie_fail(EX_TEMP, "Plans/: out of memory");
	return 0;
}

/* The first PLANS_PAGES_CACHED pages of /plans are kept whole, each in
 * its own file (pages-plans-<N>.cache) keyed by its plans' files too, so
 * that the page most asked for reads neither the whole list nor its
 * plans; a later page is drawn from the list's cache. */
#define PLANS_PAGES_CACHED 4

int page_plans(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct plans_page pp = { c, 0, SC_OFF };
	unsigned char digest[STATCACHE_DIGEST];
	enum statcache_result how = SC_OFF;
	struct rows rows;
	char file[64], *text;
	size_t len;
	int r;

	if (page_arg(c, &pp.pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	snprintf(file, sizeof file, "pages-plans-%ld.cache", pp.pg);
	if (pp.pg < PLANS_PAGES_CACHED)
		r = statcache_cached(&c->v, dash_cache_on(), file,
		    plans_page_walk, &pp, &text, &len, digest, &how);
	else if ((r = plans_page_walk(&c->v, NULL, &text, &len, &pp)) == 0)
		how = pp.how;
	if (r == 0 && rows_parse(text, len, &rows) < 0) {
		free(text);
		aie_fail(EX_DATA, "%s: the count is malformed", file);
		r = -1;
	}
	if (r < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the plans cannot be listed");
	}
	c->w.cache = cache_said(how);
	page_begin(&p, "Plans");
	buf_adds(&b, "<main>");
	pages_nav(&b, "/plans");
	buf_addf(&b, "<h2>Plans (%ld)</h2>", rows.n);
	if (!rows.n)
		buf_adds(&b, "<p>No plan yet: plan(1) makes one for an item.</p>");
	else
		buf_addf(&b, "<ul class=\"tl\">%s</ul>", rows.at);
	pager(&b, "/plans", pp.pg, (size_t)rows.n);
	buf_adds(&b, "</main>");
	page_end(&p);
	free(text);
	return html_reply(c, 200, &b);
}
