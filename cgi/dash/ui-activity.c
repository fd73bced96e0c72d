/*
 * ui-activity.c - GET /activity (see ai-employee-dashboard(1)): the audit
 * log (Logs/YYYY-MM-DD.jsonl, see vault(5)) as a timeline, newest first,
 * today's or the last 7 days', filtered by domain and by agent, each line
 * linking to its item's page (which finds the item wherever it lies now).
 *
 * Bounded memory however big the log: each day's file is read twice,
 * line by line through one fixed buffer (a longer line is skipped), first
 * to count the lines that match, then to keep only the ones of the page
 * asked for; at most one page of lines is held, and only those are
 * parsed when no filter is set.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define PER_PAGE 25             /* lines a page: < 30 KB however long */
#define LINE_MAX_BYTES 8192     /* an audit line is far shorter */
#define PAGE_MAX 100000

struct filter {
	const char *domain, *agent;   /* or NULL */
};

/* Each line of one day's file that matches f, in the file's order: fn
 * with its index among them (from 0). The count, or -1 (aie_errmsg). */
static long each_line(struct vault *v, const char *rel, const struct filter *f,
    void (*fn)(void *ctx, long i, const char *line), void *ctx)
{
	static char line[LINE_MAX_BYTES];
	char name[64];
	long n = 0;
	size_t len;
	int pfd, fd, skip = 0, whole;
	FILE *fp;

	if ((pfd = path_parent_at(v->dirfd, rel, 0, name, sizeof name)) < 0)
		return aie_errcode == EX_NEG ? 0 : -1;  /* EX_NEG: no Logs/ yet */
	fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return errno == ENOENT ? 0 : aie_fail_errno(EX_TEMP, "%s", rel);
	if (!(fp = fdopen(fd, "r"))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "%s", rel);
	}
	while (fgets(line, sizeof line, fp)) {
		len = strlen(line);
		whole = len && line[len - 1] == '\n';
		if (skip) {             /* the rest of a line too long */
			skip = !whole;
			continue;
		}
		if (!whole && !feof(fp)) {
			skip = 1;
			continue;
		}
		if (!activity_match(line, f->domain, f->agent))
			continue;
		if (fn)
			fn(ctx, n, line);
		n++;
	}
	if (ferror(fp)) {
		fclose(fp);
		return aie_fail(EX_TEMP, "%s: read error", rel);
	}
	fclose(fp);
	return n;
}

/* The lines of the page within one day: indices [lo, hi) in file order,
 * copied (each under LINE_MAX_BYTES). */
struct keep {
	long lo, hi;
	char *line[PER_PAGE];
	int n;
};

static void keep_line(void *ctx, long i, const char *line)
{
	struct keep *k = ctx;

	if (i < k->lo || i >= k->hi || k->n >= PER_PAGE)
		return;
	if ((k->line[k->n] = strdup(line)))
		k->n++;
}

/* A link to page pg of the same view. */
static void page_link(struct buf *b, const char *range,
    const struct filter *f, long pg, const char *label)
{
	buf_adds(b, "<a class=\"btn\" href=\"/activity?range=");
	url_part(b, range);
	if (f->domain) {
		buf_adds(b, "&amp;domain=");
		url_part(b, f->domain);
	}
	if (f->agent) {
		buf_adds(b, "&amp;agent=");
		url_part(b, f->agent);
	}
	buf_addf(b, "&amp;page=%ld\">%s</a>", pg, label);
}

static void filter_form(struct buf *b, int week, const struct filter *f)
{
	buf_addf(b, "<form class=\"card\" method=\"get\" action=\"/activity\">"
	    "<label>When<select name=\"range\"><option value=\"today\"%s>Today"
	    "</option><option value=\"7d\"%s>Last 7 days</option></select>"
	    "</label><label>Domain<input type=\"text\" name=\"domain\" "
	    "autocomplete=\"off\" value=\"", week ? "" : " selected",
	    week ? " selected" : "");
	html_attr(b, f->domain ? f->domain : "");
	buf_adds(b, "\"></label><label>Agent<input type=\"text\" name=\"agent\" "
	    "autocomplete=\"off\" value=\"");
	html_attr(b, f->agent ? f->agent : "");
	buf_adds(b, "\"></label><div class=\"actions\"><button type=\"submit\">"
	    "Show</button></div></form>");
}

/* A query value: NULL when absent or empty. */
static const char *opt(struct dashctx *c, const char *key)
{
	const char *s = web_get(&c->w, key);

	return s && *s ? s : NULL;
}

int page_activity(struct dashctx *c)
{
	static const char *const keys[] = { "range", "domain", "agent", "page",
	    NULL };
	static struct keep k;
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct filter f;
	const char *range, *pgs;
	char rel[7][32];
	long count[7], total = 0, skip, need, pg = 0;
	int days, d, i, r;
	char *end;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	if (!(range = opt(c, "range")))
		range = "today";
	f.domain = opt(c, "domain");
	f.agent = opt(c, "agent");
	if (strcmp(range, "today") && strcmp(range, "7d"))
		return web_error(&c->w, 400, "range must be today or 7d");
	if ((f.domain && !name_valid(f.domain)) ||
	    (f.agent && !name_valid(f.agent)))
		return web_error(&c->w, 400, "domain and agent must be names");
	if ((pgs = opt(c, "page"))) {
		errno = 0;
		pg = strtol(pgs, &end, 10);
		if (errno || *end || pg < 0 || pg > PAGE_MAX || *pgs == '-' ||
		    *pgs == '+')
			return web_error(&c->w, 400, "page must be a number");
	}
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	days = strcmp(range, "7d") ? 1 : 7;
	for (d = 0; d < days; d++) {       /* newest first */
		time_t t = c->now - (time_t)d * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(rel[d], sizeof rel[d], "Logs/%Y-%m-%d.jsonl", &tm);
		if ((count[d] = each_line(&c->v, rel[d], &f, NULL, NULL)) < 0)
			return web_error(&c->w, 500, aie_errmsg);
		total += count[d];
	}
	page_begin(&p, "Activity");
	buf_adds(&b, "<main><h2>Activity</h2>");
	filter_form(&b, days == 7, &f);
	buf_addf(&b, "<p>%ld event%s%s.</p><ol class=\"tl\">", total,
	    total == 1 ? "" : "s", days == 7 ? " in the last 7 days" : " today");
	skip = pg * PER_PAGE;
	need = PER_PAGE;
	for (d = 0; d < days && need > 0; d++) {
		if (skip >= count[d]) {
			skip -= count[d];
			continue;
		}
		/* newest-first [skip, skip + need) is file order
		 * [count - skip - need, count - skip) */
		k.hi = count[d] - skip;
		k.lo = k.hi - need < 0 ? 0 : k.hi - need;
		k.n = 0;
		r = each_line(&c->v, rel[d], &f, keep_line, &k);
		for (i = k.n - 1; i >= 0; i--) {
			if (r >= 0)
				activity_show(&b, k.line[i], days == 7);
			free(k.line[i]);
		}
		if (r < 0) {
			buf_free(&b);
			return web_error(&c->w, 500, aie_errmsg);
		}
		need -= k.n;
		skip = 0;
	}
	buf_adds(&b, "</ol><div class=\"actions\">");
	if (pg > 0)
		page_link(&b, range, &f, pg - 1, "Newer");
	if ((pg + 1) * PER_PAGE < total)
		page_link(&b, range, &f, pg + 1, "Older");
	buf_adds(&b, "</div></main>");
	page_end(&p);
	return html_reply(c, 200, &b);
}
