/*
 * ui-activity.c - GET /activity (see ai-employee-dashboard(1)): the audit
 * log (Logs/YYYY-MM-DD.jsonl, see vault(5)) as a timeline, newest first,
 * today's or the last 7 days', filtered by domain and by agent, each line
 * linking to its item's page (which finds the item wherever it lies now).
 *
 * Bounded memory and little reading however big the log: lines are read
 * through fixed buffers (a line longer than LOG_LINE_MAX is skipped).
 * A day is counted from the count cache (actcache.c) plus the lines
 * appended since, when no filter is set, else read whole; the page's
 * lines are then found reading back from the end of the file as it was
 * counted (the newest first: page 0 reads about one chunk), so at most
 * one page of lines is held, and only those are parsed when no filter is
 * set.
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
#define PAGE_MAX 100000
#define TAIL_FIRST 65536        /* bytes read back first for a page */

/* One day's file, opened: fd (-1 when there is none yet), its stat, its
 * matching lines and where its reading ended. */
struct day {
	char rel[32];
	int fd;
	struct stat st;
	long count;
	off_t end;
};

/* Open and count one day: the count cache ac (NULL: none) first when no
 * filter is set (only the tail appended since is read). 0, or -1
 * (aie_errmsg). */
static int day_count(struct vault *v, struct actcache *ac,
    const struct actfilter *f, struct day *dy)
{
	struct logscan s = { 0, 0, -1, 0, 0, 0 };
	char name[64];
	long n0 = 0, n;
	int pfd, nofilter = !f->domain && !f->agent;

	dy->fd = -1;
	dy->count = 0;
	dy->end = 0;
	if ((pfd = path_parent_at(v->dirfd, dy->rel, 0, name, sizeof name)) < 0)
		return aie_errcode == EX_NEG ? 0 : -1;  /* EX_NEG: no Logs/ yet */
	dy->fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(pfd);
	if (dy->fd < 0)
		return errno == ENOENT ? 0 : aie_fail_errno(EX_TEMP, "%s", dy->rel);
	if (fstat(dy->fd, &dy->st) < 0)
		return aie_fail_errno(EX_TEMP, "%s", dy->rel);
	if (nofilter && ac)
		n0 = actcache_from(ac, dy->rel, dy->fd, &dy->st, &s.from);
	if ((n = log_lines(dy->fd, dy->rel, f, &s, NULL, NULL)) < 0)
		return -1;
	if (nofilter && ac)
		actcache_put(ac, dy->rel, &dy->st, s.whole_end, n0 + s.whole_n);
	dy->count = n0 + n;
	dy->end = s.end;
	return 0;
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

/* The lines [lo, hi) in file order of the matching ones of a counted day
 * into k: read back from where the count ended, a chunk first and four
 * times more each time the tail holds too few of them, then only that
 * tail is read again to keep the page. 0, or -1 (aie_errmsg). */
static int day_page(struct day *dy, const struct actfilter *f, long lo, long hi,
    struct keep *k)
{
	struct logscan s = { 0, 1, dy->end, 0, 0, 0 };
	off_t tail = TAIL_FIRST;
	long m;

	for (;;) {
		s.from = dy->end > tail ? dy->end - tail : 0;
		if ((m = log_lines(dy->fd, dy->rel, f, &s, NULL, NULL)) < 0)
			return -1;
		if (m >= dy->count - lo || s.from == 0)
			break;
		tail = tail > dy->end / 4 ? dy->end : tail * 4;
	}
	/* the tail's m lines are the last m of the count's */
	k->lo = m - (dy->count - lo);
	k->hi = m - (dy->count - hi);
	k->n = 0;
	return log_lines(dy->fd, dy->rel, f, &s, keep_line, k) < 0 ? -1 : 0;
}

/* A link to page pg of the same view. */
static void page_link(struct buf *b, const char *range,
    const struct actfilter *f, long pg, const char *label)
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

static void filter_form(struct buf *b, int week, const struct actfilter *f)
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

/* Close the days' files and write the count cache back. */
static void days_done(struct dashctx *c, struct actcache *ac,
    struct day *dy, int days)
{
	int d;

	for (d = 0; d < days; d++)
		if (dy[d].fd >= 0)
			close(dy[d].fd);
	if (ac)
		actcache_save(&c->v, ac);
}

int page_activity(struct dashctx *c)
{
	static const char *const keys[] = { "range", "domain", "agent", "page",
	    NULL };
	static struct keep k;
	static struct actcache cache;
	struct actcache *ac = dash_cache_on() ? &cache : NULL;
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct actfilter f;
	struct day dy[7];
	const char *range, *pgs;
	long total = 0, skip, need, pg = 0;
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
	if (ac)
		actcache_load(&c->v, ac);
	for (d = 0; d < days; d++) {       /* newest first */
		time_t t = c->now - (time_t)d * 86400;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(dy[d].rel, sizeof dy[d].rel, "Logs/%Y-%m-%d.jsonl", &tm);
		if (day_count(&c->v, ac, &f, &dy[d]) < 0) {
			days_done(c, ac, dy, d + 1);
			return web_error(&c->w, 500, aie_errmsg);
		}
		total += dy[d].count;
	}
	page_begin(&p, "Activity");
	buf_adds(&b, "<main><h2>Activity</h2>");
	filter_form(&b, days == 7, &f);
	buf_addf(&b, "<p>%ld event%s%s.</p><ol class=\"tl\">", total,
	    total == 1 ? "" : "s", days == 7 ? " in the last 7 days" : " today");
	skip = pg * PER_PAGE;
	need = PER_PAGE;
	for (d = 0; d < days && need > 0; d++) {
		if (skip >= dy[d].count) {
			skip -= dy[d].count;
			continue;
		}
		/* newest-first [skip, skip + need) is file order
		 * [count - skip - need, count - skip) */
		r = day_page(&dy[d], &f, dy[d].count - skip - need < 0 ? 0 :
		    dy[d].count - skip - need, dy[d].count - skip, &k);
		for (i = k.n - 1; i >= 0; i--) {
			if (r >= 0)
				activity_show(&b, k.line[i], days == 7);
			free(k.line[i]);
		}
		if (r < 0) {
			buf_free(&b);
			days_done(c, ac, dy, days);
			return web_error(&c->w, 500, aie_errmsg);
		}
		need -= k.n;
		skip = 0;
	}
	days_done(c, ac, dy, days);
	buf_adds(&b, "</ol><div class=\"actions\">");
	if (pg > 0)
		page_link(&b, range, &f, pg - 1, "Newer");
	if ((pg + 1) * PER_PAGE < total)
		page_link(&b, range, &f, pg + 1, "Older");
	buf_adds(&b, "</div></main>");
	page_end(&p);
	return html_reply(c, 200, &b);
}
