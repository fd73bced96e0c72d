/*
 * ui-list.c - GET /briefings (see pages.h): the briefings newest first,
 * sorted by the date in their names, PAGES_PER_PAGE a page. The sorted
 * list is kept in .state/<agent>/pages-briefings.cache, keyed by the
 * stat() of Briefings/ (lists.c).
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

#define BRIEFINGS_CACHE "pages-briefings.cache"   /* in .state/<agent>/ */

#define NAME_SIZE 32              /* a briefing's file name and its NUL */

static int newest_name(const void *a, const void *b)
{
	return strcmp((const char *)b, (const char *)a);
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
	enum statcache_result how;
	struct rows r;
	char name[NAME_SIZE];
	long pg, i;

	if (page_arg(c, &pg) < 0)
		return 0;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (rows_get(c, BRIEFINGS_CACHE, briefings_walk, &r, &how) < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the briefings cannot be listed");
	}
	c->w.cache = cache_said(how);
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
