/*
 * ui-doc.c - one vault file as a page (see pages.h): its front matter as
 * a list of fields, its body through md_html. Only the names paths.c
 * accepts are opened (no "..", no other folder, no symlink: file_readat
 * refuses one); anything else is 404. The body's HTML comes from
 * doccache.c when the file is as it was when it was last rendered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "vault/vault.h"
#include "pages/pages.h"

/* The front matter's fields, values escaped and hidden characters
 * marked; lines that are not "key: value" are left out. */
static void fields(struct buf *b, const struct item *it)
{
	size_t i;
	int any = 0;

	for (i = 0; i < it->nlines; i++) {
		const char *key = it->lines[i].key;
		char *v;
		if (!key || !(v = fm_get(it, key)))
			continue;
		buf_adds(b, any++ ? "<dt>" : "<dl class=\"kv\"><dt>");
		html_shown_str(b, key);
		buf_adds(b, "</dt><dd>");
		html_shown_str(b, v);
		buf_adds(b, "</dd>");
		free(v);
	}
	if (any)
		buf_adds(b, "</dl>");
}

/* The body of the document at rel (stat st before it was read, at t0 or
 * later, when keyed is set) as HTML into b: from the cache, or rendered
 * by md_html and kept. 0, or -1 when it could not be rendered. */
static int body_html(struct dashctx *c, struct buf *b, const char *rel,
    const struct item *it, const struct md_opts *o, const struct stat *st,
    const struct timespec *t0, int keyed)
{
	char prog[128];
	struct buf h = { 0 };
	struct wiki *wk = o->ctx;
	int r;

	c->w.cache = "off";
	if (keyed && dash_cache_on()) {
		if (seal_prog(prog, sizeof prog) < 0) {
			fprintf(stderr, "pages: %s\n", aie_errmsg);
		} else if (doccache_get(&c->v, prog, rel, st, b)) {
			c->w.cache = "hit";
			return 0;
		} else {
			c->w.cache = "miss";
		}
	}
	r = md_html(&h, it->body ? it->body : "", it->bodylen, o);
	if (r == 0 && !strcmp(c->w.cache, "miss") && !wk->lookups &&
	    !h.oom && doccache_put(&c->v, prog, rel, st, t0, h.p ? h.p : "",
	    h.len) < 0)
		fprintf(stderr, "pages: %s\n", aie_errmsg);
	buf_add(b, h.p ? h.p : "", h.len);
	buf_free(&h);
	return r;
}

/* The page of the file at rel, titled by its front matter's title or
 * subject, else title, under the list current of the reading pages. */
static int doc_reply(struct dashctx *c, const char *rel, const char *title,
    const char *current)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct wiki wk = { &c->v, 0 };
	struct md_opts o = { NULL, 2, pages_url, NULL, pages_wiki_url };
	char dir[512], *slash, *head = NULL;
	struct item it;
	char *text;
	struct stat st;
	struct timespec t0;
	size_t len;
	int r, keyed;

	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	/* the cache's key: the file's stat before it is read, after t0 (the
	 * settle rule of doccache.c compares its mtime with t0) */
	keyed = clock_gettime(CLOCK_REALTIME, &t0) == 0 &&
	    fstatat(c->v.dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode);
	if (file_readat(c->v.dirfd, rel, &text, &len) < 0) {
		if (aie_errcode == EX_NEG)
			return web_error(&c->w, 404, "no such page");
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "the file cannot be read");
	}
	r = fm_parse(&it, text, len);
	free(text);
	if (r < 0) {
		fprintf(stderr, "pages: %s: %s\n", rel, aie_errmsg);
		return web_error(&c->w, 500, "the file's front matter is broken");
	}
	snprintf(dir, sizeof dir, "%s", rel);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	else
		dir[0] = '\0';
	o.dir = dir;
	o.ctx = &wk;
	if (!(head = fm_get(&it, "title")))
		head = fm_get(&it, "subject");
	page_begin(&p, head ? head : title);
	buf_adds(&b, "<main>");
	pages_nav(&b, current);
	buf_adds(&b, "<h2>");
	html_shown_str(&b, head ? head : title);
	buf_adds(&b, "</h2>");
	fields(&b, &it);
	buf_adds(&b, "<article class=\"card\">");
	r = body_html(c, &b, rel, &it, &o, &st, &t0, keyed);
	buf_adds(&b, "</article></main>");
	page_end(&p);
	free(head);
	fm_free(&it);
	if (r < 0) {
		buf_free(&b);
		return web_error(&c->w, 500, "the file cannot be shown");
	}
	return html_reply(c, 200, &b);
}

int page_briefing(struct dashctx *c, const char *arg)
{
	char rel[128], title[64];

	if (!briefing_name_valid(arg))
		return web_error(&c->w, 404, "no such briefing");
	snprintf(rel, sizeof rel, "Briefings/%s", arg);
	snprintf(title, sizeof title, "Monday briefing, %.10s", arg);
	return doc_reply(c, rel, title, "/briefings");
}

/* The item id, found in stage st only; 0, or -1 once 404 is sent. */
static int find_in(struct dashctx *c, const char *id, enum stage st,
    struct itemref *ref)
{
	if (!id_valid(id))
		return web_error(&c->w, 404, "no such item"), -1;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available"), -1;
	if (vault_find_once(&c->v, id, ref) < 0 || ref->stage != st)
		return web_error(&c->w, 404, "no such item"), -1;
	return 0;
}

int page_plan(struct dashctx *c, const char *arg)
{
	struct itemref ref;

	if (strncmp(arg, "PLAN_", 5))
		return web_error(&c->w, 404, "no such plan");
	if (find_in(c, arg, ST_PLANS, &ref) < 0)
		return 0;
	return doc_reply(c, ref.rel, ref.id, "/plans");
}

int page_done(struct dashctx *c, const char *arg)
{
	struct itemref ref;

	if (find_in(c, arg, ST_DONE, &ref) < 0)
		return 0;
	return doc_reply(c, ref.rel, ref.id, NULL);
}

int page_handbook(struct dashctx *c, const char *arg)
{
	(void)arg;
	return doc_reply(c, "Company_Handbook.md", "Company handbook",
	    "/handbook");
}

int page_goals(struct dashctx *c, const char *arg)
{
	(void)arg;
	return doc_reply(c, "Business_Goals.md", "Business goals", "/goals");
}
