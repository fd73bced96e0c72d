/*
 * pages.h - the read-only pages of the vault (see ai-employee-dashboard(1),
 * "Reading the vault"), the second CGI program pages.cgi: the Monday
 * briefings, the plans, the handbook, the business goals and finished
 * items, drawn from their Markdown by md_html (lib/web). It shares the
 * dashboard's session, headers and page frame (cgi/dash); linked
 * statically as the dashboard is, it loads the shared libmd4c only when
 * a page is rendered (lib/web/markdown.c).
 */
#ifndef AIE_PAGES_H
#define AIE_PAGES_H

#include <sys/stat.h>
#include <time.h>

#include "dash/dash.h"

#define PAGES_PER_PAGE 25        /* rows of a list page */

/* ui-list.c: GET /briefings and GET /plans, newest first, paged with
 * ?page=N (from 0). */
int page_briefings(struct dashctx *c);
int page_plans(struct dashctx *c);

/* ui-doc.c: one document rendered: GET /briefings/NAME, /plans/PLAN_ID,
 * /done/ID, /handbook and /goals; arg is the part of the path after the
 * route's prefix ("" for the last two). */
int page_briefing(struct dashctx *c, const char *arg);
int page_plan(struct dashctx *c, const char *arg);
int page_done(struct dashctx *c, const char *arg);
int page_handbook(struct dashctx *c, const char *arg);
int page_goals(struct dashctx *c, const char *arg);

/* lists.c: what the list pages share. ?page=N (from 0) into *pg: 0,
 * or -1 once 400 is sent. */
int page_arg(struct dashctx *c, long *pg);
/* Newer and Older links around page pg of n rows at base. */
void pager(struct buf *b, const char *base, long pg, size_t n);
/* Directory fd, opened as rel, as a key of ks (when not NULL): its stat
 * before it is read. A failure only makes the walk uncacheable. */
void key_dir(struct statkeys *ks, int fd, const char *rel);
/* What X-Status-Cache says of how. */
const char *cache_said(enum statcache_result how);
/* A sorted list, "n\n" and a row a line, and the row to read next. */
struct rows {
	char *text;
	size_t len;
	long n;                  /* rows in it */
	const char *at, *end;
};
/* Read text (len bytes and a NUL; a list of this form, or any text whose
 * first line is a count) into r: 0, or -1 when the first line is not a
 * count. r borrows text. */
int rows_parse(char *text, size_t len, struct rows *r);
/* The list of cache file (in .state/<agent>/), from the cache or walk
 * (r->text malloc'd); *how: which. 0, or -1 with aie_errmsg. */
int rows_get(struct dashctx *c, const char *file, statcache_walk walk,
    struct rows *r, enum statcache_result *how);
/* The next row into line (NUL-terminated): 1, or 0 at the end. A row of
 * size bytes or more, or a NUL in it, gives an empty or cut line, which
 * no valid name is: the callers check every row. */
int rows_next(struct rows *r, char *line, size_t size);

/* paths.c: the names these pages accept and the URL of a vault path.
 * 1 when name is a briefing's file name, YYYY-MM-DD_Monday_Briefing.md
 * with a real date. */
int briefing_name_valid(const char *name);
/* The page of the vault-relative path rel (normalised, no "..") appended
 * to href: 1, or 0 when no page shows that file. md_opts' vault_url. */
int pages_url(const char *rel, struct buf *href, void *ctx);
/* The reading pages' own links, under the page frame's header. */
void pages_nav(struct buf *b, const char *current);

/* wiki.c: a [[wikilink]]'s page (md_opts' wiki_url, ctx a struct wiki):
 * the note named by file name without .md (Company_Handbook,
 * Business_Goals, a briefing, an item ID: a plan's or a finished item's
 * reading page, any other item's dashboard page), or by its path in the
 * vault when the name holds a '/'; 1 when that note is in the vault and
 * has a page, else 0. */
#define WIKI_NAME_MAX 200        /* bytes of a note name looked up */
#define WIKI_LOOKUPS 64          /* wikilinks a page resolves at most */
struct wiki {
	struct vault *v;
	int lookups;             /* made so far */
};
int pages_wiki_url(const char *target, struct buf *href, void *ctx);

/* doccache.c: a rendered document's HTML in .state/<agent>/pages/, a
 * sealed file (dash.h) keyed by the program (prog, from seal_prog), the
 * document's vault path rel and the stat() of its file taken before it
 * was read (see doccache.c). DOCCACHE_SLOTS files at most, a slot per
 * hash of rel. */
#define DOCCACHE_SLOTS 64
/* The cached HTML appended to b: 1, or 0 on a miss. */
int doccache_get(struct vault *v, const char *prog, const char *rel,
    const struct stat *st, struct buf *b);
/* Keep html (len bytes) for rel when its mtime is settled before t0, the
 * moment the render started: 0 (also when not kept), or -1 with
 * aie_errmsg. */
int doccache_put(struct vault *v, const char *prog, const char *rel,
    const struct stat *st, const struct timespec *t0, const char *html,
    size_t len);
/* A cache file's bytes: its HTML (into buf, *hlen bytes) when it is whole
 * and its key is prog, rel and st; else NULL. For the fuzz harness too. */
const char *doccache_parse(const char *buf, size_t len, const char *prog,
    const char *rel, const struct stat *st, size_t *hlen);

#endif
