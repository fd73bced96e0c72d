/*
 * wiki.c - where a [[wikilink]] of a rendered page leads (see pages.h and
 * ai-employee-dashboard(1), "Reading the vault"): to the page of the note
 * it names when that note is in the vault, resolved as Obsidian resolves
 * it, by file name without .md (or by its path in the vault when the name
 * holds a '/'). A note with no page, or none at all, gives no link; the
 * renderer then shows the wikilink as text. Nothing outside the vault is
 * ever looked at: a name with an empty, "." or ".." part, or one that
 * begins with '/', names nothing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vault/vault.h"
#include "pages/pages.h"

/* A regular file at rel in the vault (not followed if a link): 1 or 0. */
static int is_file(struct vault *v, const char *rel)
{
	struct stat st;

	return fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
}

/* 1 when every '/'-separated part of s is a plain name. */
static int parts_plain(const char *s)
{
	size_t n;

	if (!*s || *s == '/')
		return 0;
	for (; *s; s += n + (s[n] == '/')) {
		n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
	}
	return s[-1] != '/';
}

/* The note name (a file name, no '/') into href: 1, or 0. */
static int by_name(struct wiki *w, const char *name, struct buf *href)
{
	static const char *const top[][2] = {
	    { "Company_Handbook", "Company_Handbook.md" },
	    { "Business_Goals", "Business_Goals.md" } };
	char rel[128];
	struct itemref ref;
	size_t i;

	for (i = 0; i < sizeof top / sizeof top[0]; i++)
		if (!strcmp(name, top[i][0]))
			return is_file(w->v, top[i][1]) &&
			    pages_url(top[i][1], href, NULL);
	if (strlen(name) + 14 < sizeof rel) {
		snprintf(rel, sizeof rel, "Briefings/%s.md", name);
		if (briefing_name_valid(rel + 10))
			return is_file(w->v, rel) && pages_url(rel, href, NULL);
	}
	if (!id_valid(name) || vault_find_once(w->v, name, &ref) < 0)
		return 0;
	/* a plan or a finished item has its reading page; any other item
	 * the dashboard's item page */
	if (pages_url(ref.rel, href, NULL))
		return 1;
	buf_adds(href, "/item?id=");
	url_part(href, ref.id);
	return 1;
}

int pages_wiki_url(const char *target, struct buf *href, void *ctx)
{
	struct wiki *w = ctx;
	char name[WIKI_NAME_MAX + 4];
	size_t n = strlen(target);

	/* a page of many wikilinks looks up the first WIKI_LOOKUPS only */
	if (!w || w->lookups >= WIKI_LOOKUPS || n == 0 || n > WIKI_NAME_MAX)
		return 0;
	w->lookups++;
	memcpy(name, target, n + 1);
	if (n > 3 && !strcmp(name + n - 3, ".md"))
		name[n -= 3] = '\0';
	if (!strchr(name, '/'))
		return by_name(w, name, href);
	if (!parts_plain(name))
		return 0;
	memcpy(name + n, ".md", 4);
	return is_file(w->v, name) && pages_url(name, href, NULL);
}
