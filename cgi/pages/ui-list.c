/*
 * ui-list.c - GET /briefings and GET /plans (see pages.h): the files
 * newest first, PAGES_PER_PAGE a page. The briefings are sorted by the
 * date in their names, the plans by the time in their IDs, and only the
 * plans of the page shown are read (for their objective and status), so
 * a vault of thousands of plans costs one read of its folders.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "pages/pages.h"

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

/* The briefings' file names into *names (one malloc'd table of
 * NAME_SIZE-byte names); how many, or -1. */
static long briefing_names(struct vault *v, char (**names)[NAME_SIZE])
{
	char (*list)[NAME_SIZE] = NULL, (*grown)[NAME_SIZE];
	struct dirent *e;
	size_t n = 0, cap = 0;
	DIR *d;
	int fd, err = 0;

	*names = NULL;
	if ((fd = vault_opendir(v, "Briefings", 0)) < 0)
		return aie_errcode == EX_NEG || errno == ENOENT ? 0 : -1;
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

int page_briefings(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	char (*names)[NAME_SIZE];
	long n, pg, i;

	if (page_arg(c, &pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if ((n = briefing_names(&c->v, &names)) < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the briefings cannot be listed");
	}
	page_begin(&p, "Briefings");
	buf_adds(&b, "<main>");
	pages_nav(&b, "/briefings");
	buf_addf(&b, "<h2>Monday briefings (%ld)</h2>", n);
	if (!n)
		buf_adds(&b, "<p>No briefing yet: briefing(1) writes one every "
		    "Monday.</p>");
	else
		buf_adds(&b, "<ul class=\"tl\">");
	for (i = pg * PAGES_PER_PAGE; i < n && i < (pg + 1) * PAGES_PER_PAGE; i++)
		buf_addf(&b, "<li><a href=\"/briefings/%s\">Monday %.10s</a></li>",
		    names[i], names[i]);
	if (n)
		buf_adds(&b, "</ul>");
	pager(&b, "/briefings", pg, (size_t)n);
	buf_adds(&b, "</main>");
	page_end(&p);
	free(names);
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

int page_plans(struct dashctx *c)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct plans ps = { 0 };
	size_t i;
	long pg;

	if (page_arg(c, &pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (vault_walk(&c->v, ST_PLANS, NULL, collect_plan, &ps) < 0) {
		free(ps.row);
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the plans cannot be listed");
	}
	for (i = 0; i < ps.n; i++)
		ps.row[i].when = id_time(ps.row[i].id);
	if (ps.n)
		qsort(ps.row, ps.n, sizeof *ps.row, newest_plan);
	p.v = &c->v;
	page_begin(&p, "Plans");
	buf_adds(&b, "<main>");
	pages_nav(&b, "/plans");
	buf_addf(&b, "<h2>Plans (%zu)</h2>", ps.n);
	if (!ps.n)
		buf_adds(&b, "<p>No plan yet: plan(1) makes one for an item.</p>");
	else
		buf_adds(&b, "<ul class=\"tl\">");
	for (i = (size_t)pg * PAGES_PER_PAGE;
	    i < ps.n && i < (size_t)(pg + 1) * PAGES_PER_PAGE; i++)
		plan_row(&p, &ps.row[i]);
	if (ps.n)
		buf_adds(&b, "</ul>");
	pager(&b, "/plans", pg, ps.n);
	buf_adds(&b, "</main>");
	page_end(&p);
	free(ps.row);
	return html_reply(c, 200, &b);
}
