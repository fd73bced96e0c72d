/*
 * ui-list.c - GET /briefings and GET /plans (see pages.h): the files
 * newest first, PAGES_PER_PAGE a page. The briefings are sorted by the
 * date in their names, the plans by the time in their IDs, and only the
 * plans of the page shown are read (for their objective and status).
 *
 * The sorted list is what a request would spend its time on in a vault
 * of thousands of plans, and it changes only when a folder does, so it
 * is kept as the dashboard keeps its status (statcache_cached, see
 * cgi/dash/statcache.c): in .state/<agent>/pages-briefings.cache and
 * pages-plans.cache, keyed by the stat() of Briefings/, or of Plans/ and
 * each Plans/<domain>/, and used only while each stats the same; a new,
 * moved or removed file changes its folder's mtime, so the next request
 * walks again. The cached text: the number of rows, then a row a line
 * (a briefing's file name; a plan's "ID domain"). DASHBOARD_CACHE=off
 * walks every time. The reply's X-Status-Cache says which it was.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/stat.h>

#include "vault/vault.h"
#include "pages/pages.h"

#define BRIEFINGS_CACHE "pages-briefings.cache"   /* in .state/<agent>/ */
#define PLANS_CACHE "pages-plans.cache"

#define PAGE_MAX 100000          /* ?page= at most */

/* ?page=N into *pg; 0, or -1 once 400 is sent. */
static int page_arg(struct dashctx *c, long *pg)
{
	static const char *const keys[] = { "page", NULL };
	const char *s;
	char *end;
	int r;

	*pg = 0;
	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query"), -1;
	if (!(s = web_get(&c->w, "page")) || !*s)
		return 0;
	errno = 0;
	*pg = strtol(s, &end, 10);
	if (errno || *end || *pg < 0 || *pg > PAGE_MAX || *s == '-' || *s == '+')
		return web_error(&c->w, 400, "page must be a number"), -1;
	return 0;
}

/* Newer and Older links around page pg of n rows at base. */
static void pager(struct buf *b, const char *base, long pg, size_t n)
{
	buf_adds(b, "<div class=\"actions\">");
	if (pg > 0)
		buf_addf(b, "<a class=\"btn\" href=\"%s?page=%ld\">Newer</a>",
		    base, pg - 1);
	if ((size_t)(pg + 1) * PAGES_PER_PAGE < n)
		buf_addf(b, "<a class=\"btn\" href=\"%s?page=%ld\">Older</a>",
		    base, pg + 1);
	buf_adds(b, "</div>");
}

#define NAME_SIZE 32              /* a briefing's file name and its NUL */

static int newest_name(const void *a, const void *b)
{
	return strcmp((const char *)b, (const char *)a);
}

/* Directory fd, opened as rel, as a key of ks (when not NULL): its
 * stat before it is read. A failure only makes the walk uncacheable. */
static void key_dir(struct statkeys *ks, int fd, const char *rel)
{
	struct stat st;

	if (!ks || ks->unsure)
		return;
	if (fstat(fd, &st) < 0 || statkeys_add(ks, rel, &st, 0) < 0)
		ks->unsure = 1;
}

/* The briefings' file names into *names (one malloc'd table of
 * NAME_SIZE-byte names), Briefings/ a key of ks; how many, or -1. */
static long briefing_names(struct vault *v, struct statkeys *ks,
    char (**names)[NAME_SIZE])
{
	char (*list)[NAME_SIZE] = NULL, (*grown)[NAME_SIZE];
	struct dirent *e;
	size_t n = 0, cap = 0;
	DIR *d;
	int fd, err = 0;

	*names = NULL;
	if ((fd = vault_opendir(v, "Briefings", 0)) < 0) {
		if (ks)          /* its creation would change no key */
			ks->unsure = 1;
		return aie_errcode == EX_NEG || errno == ENOENT ? 0 : -1;
	}
	key_dir(ks, fd, "Briefings");
	if (!(d = fdopendir(fd))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "Briefings/"), -1;
	}
	while ((errno = 0, e = readdir(d))) {
		if (!briefing_name_valid(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(grown = realloc(list, cap * sizeof *list))) {
				err = errno;
				break;
			}
			list = grown;
		}
		/* valid: YYYY-MM-DD_Monday_Briefing.md, 29 bytes */
		memcpy(list[n++], e->d_name, strlen(e->d_name) + 1);
	}
	if (err || errno) {
		aie_fail(EX_TEMP, "Briefings/: %s", strerror(err ? err : errno));
		closedir(d);
		free(list);
		return -1;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof *list, newest_name);
	*names = list;
	return (long)n;
}

/* The cached list (see the top comment) and the row to read next. */
struct rows {
	char *text;
	size_t len;
	long n;                  /* rows in it */
	const char *at, *end;
};

/* The list of cache file, from the cache or walk; 0, or -1 with
 * aie_errmsg. */
static int rows_get(struct dashctx *c, const char *file,
    statcache_walk walk, struct rows *r)
{
	unsigned char digest[STATCACHE_DIGEST];
	enum statcache_result how;
	char *nl;

	if (statcache_cached(&c->v, dash_cache_on(), file, walk, NULL,
	    &r->text, &r->len, digest, &how) < 0)
		return -1;
	c->w.cache = how == SC_HIT ? "hit" : how == SC_MISS ? "miss" : "off";
	r->end = r->text + r->len;
	errno = 0;
	r->n = strtol(r->text, &nl, 10);
	if (errno || nl == r->text || *nl != '\n' || r->n < 0) {
		free(r->text);
		return aie_fail(EX_DATA, "%s: the list's count is malformed", file);
	}
	r->at = nl + 1;
	return 0;
}

/* The next row into line (NUL-terminated): 1, or 0 at the end or for a
 * row too long for it (then empty). */
static int rows_next(struct rows *r, char *line, size_t size)
{
	const char *nl;
	size_t n;

	*line = '\0';
	if (r->at >= r->end ||
	    !(nl = memchr(r->at, '\n', (size_t)(r->end - r->at))))
		return 0;
	n = (size_t)(nl - r->at);
	if (n < size) {
		memcpy(line, r->at, n);
		line[n] = '\0';
	}
	r->at = nl + 1;
	return n < size;
}

/* The walk behind /briefings' cache: "n\n" and a name a line. */
static int briefings_walk(struct vault *v, struct statkeys *ks, char **text,
    size_t *len, void *ctx)
{
	char (*names)[NAME_SIZE];
	struct buf b = { 0 };
	long n, i;

	(void)ctx;
	if ((n = briefing_names(v, ks, &names)) < 0)
		return -1;
	buf_addf(&b, "%ld\n", n);
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\n", names[i]);
	free(names);
	if (!(*text = buf_take(&b, len)))
		return aie_fail(EX_TEMP, "Briefings/: out of memory");
	return 0;
}

int page_briefings(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct rows r;
	char name[NAME_SIZE];
	long pg, i;

	if (page_arg(c, &pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (rows_get(c, BRIEFINGS_CACHE, briefings_walk, &r) < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the briefings cannot be listed");
	}
	page_begin(&p, "Briefings");
	buf_adds(&b, "<main>");
	pages_nav(&b, "/briefings");
	buf_addf(&b, "<h2>Monday briefings (%ld)</h2>", r.n);
	if (!r.n)
		buf_adds(&b, "<p>No briefing yet: briefing(1) writes one every "
		    "Monday.</p>");
	else
		buf_adds(&b, "<ul class=\"tl\">");
	for (i = 0; i < (pg + 1) * PAGES_PER_PAGE &&
	    rows_next(&r, name, sizeof name); i++)
		if (i >= pg * PAGES_PER_PAGE && briefing_name_valid(name))
			buf_addf(&b, "<li><a href=\"/briefings/%s\">Monday %.10s"
			    "</a></li>", name, name);
	if (r.n)
		buf_adds(&b, "</ul>");
	pager(&b, "/briefings", pg, (size_t)r.n);
	buf_adds(&b, "</main>");
	page_end(&p);
	free(r.text);
	return html_reply(c, 200, &b);
}

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
 * status when it can be read, its ID always. */
static void plan_row(struct dashpage *p, const struct plan_row *r)
{
	struct itemref ref;
	struct item it;
	char *status = NULL;
	const char *obj = NULL;
	size_t olen = 0;

	buf_adds(p->b, "<li><a href=\"/plans/");
	url_part(p->b, r->id);
	buf_adds(p->b, "\">");
	html_shown_str(p->b, r->id);
	buf_adds(p->b, "</a>");
	if (item_ref_set(&ref, r->id, ST_PLANS, r->domain) == 0 &&
	    item_load(p->v, &ref, &it) == 0) {
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

int page_plans(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct plan_row row;
	struct rows r;
	char line[sizeof row.id + sizeof row.domain], *sp;
	long pg, i;

	if (page_arg(c, &pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (rows_get(c, PLANS_CACHE, plans_walk, &r) < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the plans cannot be listed");
	}
	p.v = &c->v;
	page_begin(&p, "Plans");
	buf_adds(&b, "<main>");
	pages_nav(&b, "/plans");
	buf_addf(&b, "<h2>Plans (%ld)</h2>", r.n);
	if (!r.n)
		buf_adds(&b, "<p>No plan yet: plan(1) makes one for an item.</p>");
	else
		buf_adds(&b, "<ul class=\"tl\">");
	for (i = 0; i < (pg + 1) * PAGES_PER_PAGE &&
	    rows_next(&r, line, sizeof line); i++) {
		if (i < pg * PAGES_PER_PAGE || !(sp = strchr(line, ' ')) ||
		    (size_t)(sp - line) >= sizeof row.id ||
		    strlen(sp + 1) >= sizeof row.domain)
			continue;
		*sp = '\0';
		memcpy(row.id, line, (size_t)(sp - line) + 1);
		memcpy(row.domain, sp + 1, strlen(sp + 1) + 1);
		plan_row(&p, &row);      /* which checks both (item_ref_set) */
	}
	if (r.n)
		buf_adds(&b, "</ul>");
	pager(&b, "/plans", pg, (size_t)r.n);
	buf_adds(&b, "</main>");
	page_end(&p);
	free(r.text);
	return html_reply(c, 200, &b);
}
