/*
 * lists.c - what the list pages share (see pages.h): ?page=N, the links
 * around a page, and the sorted list kept as the dashboard keeps its
 * status (statcache_cached, see cgi/dash/statcache.c) in a file of
 * .state/<agent>/, keyed by the stat() of the folders it was read from
 * and used only while each stats the same: a new, moved or removed file
 * changes its folder's mtime, so the next request walks again. The
 * cached text: the number of rows, then a row a line. DASHBOARD_CACHE=off
 * walks every time; the reply's X-Status-Cache says which it was.
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

#define PAGE_MAX 100000          /* ?page= at most */

/* ?page=N into *pg; 0, or -1 once 400 is sent. */
int page_arg(struct dashctx *c, long *pg)
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
void pager(struct buf *b, const char *base, long pg, size_t n)
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

/* Directory fd, opened as rel, as a key of ks (when not NULL): its
 * stat before it is read. A failure only makes the walk uncacheable. */
void key_dir(struct statkeys *ks, int fd, const char *rel)
{
	struct stat st;

	if (!ks || ks->unsure)
		return;
	if (fstat(fd, &st) < 0 || statkeys_add(ks, rel, &st, 0) < 0)
		ks->unsure = 1;
}

/* What X-Status-Cache says of how. */
const char *cache_said(enum statcache_result how)
{
	return how == SC_HIT ? "hit" : how == SC_MISS ? "miss" : "off";
}

int rows_get(struct dashctx *c, const char *file, statcache_walk walk,
    struct rows *r, enum statcache_result *how)
{
	unsigned char digest[STATCACHE_DIGEST];
	char *text;
	size_t len;

	if (statcache_cached(&c->v, dash_cache_on(), file, walk, NULL, &text,
	    &len, digest, how) < 0)
		return -1;
	if (rows_parse(text, len, r) < 0) {
		free(text);
		return aie_fail(EX_DATA, "%s: the list's count is malformed", file);
	}
	return 0;
}
