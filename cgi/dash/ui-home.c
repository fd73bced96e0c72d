/*
 * ui-home.c - GET / (see ai-employee-dashboard(1)): the pending cards
 * (the first page_cards() of them, each with its decision forms), the
 * stage counts and the last sync, the health grid, and the 7-day cost
 * chart as SVG, with a link to this week's Monday briefing when there is
 * one, drawn from the status text /api/status serves and from
 * the usage tables. The page's script (assets/dash.js) polls that status
 * and merges this page again when it changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

/* What the reply answers, above it: the message's first lines, one
 * <br> between them (the card stays one line of HTML). */
static void asks(struct buf *b, const struct answer *a)
{
	const char *s = a->asks, *end = a->asks + a->askslen, *nl;

	buf_adds(b, "<blockquote class=\"asks\">");
	for (; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		html_shown(b, s, (size_t)(nl - s), 0);
		if (nl < end)
			buf_adds(b, "<br>");
	}
	buf_adds(b, "</blockquote>");
}

static void card(struct dashpage *p, const struct pending *it,
    const struct answer *a)
{
	struct buf *b = p->b;
	const char *id = it->ref.id;
	if (!id_valid(id))
		return;
	buf_adds(b, "<article class=\"card\" id=\"c-");
	html_attr(b, id);
	buf_adds(b, "\" data-digest=\"");
	html_attr(b, it->digest);
	buf_adds(b, "\"><h3><a href=\"/item?id=");
	url_part(b, id);
	buf_adds(b, "\">");
	html_shown_str(b, it->title ? it->title : id);
	buf_adds(b, "</a></h3><p class=\"meta\">");
	if (a->urgent)
		buf_adds(b, "<strong class=\"urgent\">Urgent</strong> ");
	if (a->name) {
		buf_adds(b, "Reply to ");
		html_shown_str(b, a->name);
		buf_adds(b, " ");
	}
	if (it->to) {
		/* where it really goes, as signed, beside the name */
		buf_adds(b, "<span class=\"addr\">");
		html_shown_str(b, it->to);
		buf_adds(b, "</span>");
	}
	if (a->name || it->to)
		buf_adds(b, " · ");
	if (it->created)
		time_ago(p, it->created);
	buf_adds(b, "</p>");
	if (a->asks && a->askslen && !kind_has_view(&it->ref))
		asks(b, a);
	if (kind_card(p, &it->ref))
		;                    /* the kind's own view says it */
	else if (it->preview) {
		buf_adds(b, "<p class=\"preview\">");
		html_shown(b, it->preview, it->previewlen, 1);
		buf_adds(b, "</p>");
	}
	decide_forms(p, id, it->digest, 0);
	buf_adds(b, "</article>");
}

static void counts(struct dashpage *p, const struct status *status)
{
	struct buf *b = p->b;
	int st;

	buf_adds(b, "<section id=\"stages\" aria-labelledby=\"h-st\">"
	    "<h2 id=\"h-st\">Stages</h2><dl class=\"counts\">");
	for (st = 0; st < ST_COUNT; st++) {
		const char *c;
		buf_adds(b, "<div><dt>");
		for (c = stage_dir[st]; *c; c++)
			buf_add(b, *c == '_' ? " " : c, 1);
		buf_addf(b, "</dt><dd id=\"n-%s\">%lld</dd></div>", stage_dir[st],
		    (long long)status->totals[st]);
	}
	buf_adds(b, "</dl><p>Last sync: ");
	if (status->last_sync) {
		time_ago(p, status->last_sync_at);
	} else {
		buf_adds(b, "never");
	}
	buf_adds(b, "</p></section>");
}

/* A health state as one of four CSS classes (never the raw string). */
static const char *state_class(const char *s)
{
	if (!s)
		return "unk";
	if (!strcasecmp(s, "up") || !strcasecmp(s, "ok"))
		return "up";
	if (!strcasecmp(s, "down") || !strcasecmp(s, "error") ||
	    !strcasecmp(s, "fail") || !strcasecmp(s, "failed"))
		return "down";
	if (!strcasecmp(s, "degraded") || !strcasecmp(s, "warn") ||
	    !strcasecmp(s, "slow"))
		return "warn";
	return "unk";
}

void health_show(struct dashpage *p, const struct status *status)
{
	struct buf *b = p->b;
	size_t i, j;
	int any = 0;

	buf_adds(b, "<section id=\"health\" aria-labelledby=\"h-he\">"
	    "<h2 id=\"h-he\">Health</h2><ul class=\"health\">");
	for (i = 0; i < status->nhealth; i++) {
		const struct health *h = &status->health[i];
		for (j = 0; j < h->nparts; j++) {
			const char *state = h->parts[j].state;
			const char *detail = h->parts[j].detail;
			any = 1;
			buf_addf(b, "<li class=\"%s\">", state_class(state));
			html_text(b, h->parts[j].name);
			buf_adds(b, " <small>");
			html_text(b, h->agent);
			buf_adds(b, ": ");
			html_text(b, state ? state : "unknown");
			if (detail && *detail) {
				buf_adds(b, " — ");
				html_text(b, detail);
			}
			buf_adds(b, "</small></li>");
		}
	}
	buf_adds(b, "</ul>");
	if (!any)
		buf_adds(b, "<p>No health reports yet.</p>");
	buf_adds(b, "</section>");
}

static void money(struct buf *b, double v)
{
	if (v > 0 && v < 0.01)
		buf_adds(b, "&lt;$0.01");
	else
		buf_addf(b, "$%.2f", v);
}

static void chart(struct dashpage *p, const struct costday *c, int n,
    int present)
{
	struct buf *b = p->b;
	double max = 0, total = 0;
	long unknown = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (c[i].cost_usd > max)
			max = c[i].cost_usd;
		total += c[i].cost_usd;
		unknown += c[i].unknown;
	}
	buf_addf(b, "<section id=\"cost\" aria-labelledby=\"h-co\">"
	    "<h2 id=\"h-co\">API cost, last %d days</h2>"
	    "<svg viewBox=\"0 0 336 160\" role=\"img\" aria-labelledby=\"cost-t\">"
	    "<title id=\"cost-t\">", n);
	if (!present)
		buf_adds(b, "no usage yet");
	else {
		buf_adds(b, "Total ");
		money(b, total);
		for (i = 0; i < n; i++) {
			buf_addf(b, ", %s ", c[i].date);
			money(b, c[i].cost_usd);
		}
	}
	buf_adds(b, "</title><line class=\"axis\" x1=\"4\" y1=\"134\" x2=\"332\" "
	    "y2=\"134\"/>");
	for (i = 0; i < n && present; i++) {
		double h = max > 0 ? c[i].cost_usd / max * 100 : 0;
		double x = 8 + i * (320.0 / n);
		double w = 320.0 / n * 0.65;
		if (h > 0 && h < 1)
			h = 1;
		buf_addf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
		    "width=\"%.1f\" height=\"%.1f\"/>", x, 134 - h, w, h);
		if (c[i].cost_usd > 0) {
			buf_addf(b, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\" "
			    "text-anchor=\"middle\">", x + w / 2, 134 - h - 4);
			money(b, c[i].cost_usd);
			buf_adds(b, "</text>");
		}
	}
	for (i = 0; i < n; i++) {
		double x = 8 + i * (320.0 / n) + 320.0 / n * 0.325;
		buf_addf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"152\" "
		    "text-anchor=\"middle\">%.5s</text>", x, c[i].date + 5);
	}
	if (!present)
		buf_adds(b, "<text class=\"lbl\" x=\"168\" y=\"80\" "
		    "text-anchor=\"middle\">no usage yet</text>");
	buf_adds(b, "</svg><p>");
	if (present) {
		buf_adds(b, "Total ");
		money(b, total);
		if (unknown)
			buf_addf(b, " (%ld call%s of unknown cost)", unknown,
			    unknown == 1 ? "" : "s");
	} else {
		buf_adds(b, "No usage logged in these days.");
	}
	buf_adds(b, "</p></section>");
}

/* A phone page stays small (under 30 KB) however much waits: the first
 * cards; the next come up by polling as these are decided. */
size_t page_cards(void)
{
	long cap;

	/* dashboard.cgi refuses a bad value before any page */
	return config_long("DASHBOARD_CARDS", 10, 1, 1000, &cap) < 0 ? 10 :
	    (size_t)cap;
}

/* The way to the vault's read-only pages (pages.cgi): this week's Monday
 * briefing when briefing(1) has written it (dated this week's Monday,
 * UTC), and the list of everything there is to read. */
static void reading(struct dashpage *p)
{
	struct tm tm;
	time_t monday;
	char name[40], rel[64];

	gmtime_r(&p->now, &tm);
	monday = p->now - (time_t)((tm.tm_wday + 6) % 7) * 86400;
	gmtime_r(&monday, &tm);
	strftime(name, sizeof name, "%Y-%m-%d_Monday_Briefing.md", &tm);
	snprintf(rel, sizeof rel, "Briefings/%s", name);
	buf_adds(p->b, "<p id=\"read\">");
	if (p->v && faccessat(p->v->dirfd, rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		buf_addf(p->b, "<a class=\"btn\" href=\"/briefings/%s\">This "
		    "week's briefing</a> ", name);
	buf_adds(p->b, "<a class=\"btn\" href=\"/briefings\">Briefings, plans, "
	    "handbook</a></p>");
}

/* The first n pending cards, the urgent ones first, each group oldest
 * first (the order they come in). */
static void draw_cards(struct dashpage *p, const struct pending *pend,
    size_t n)
{
	struct answer *a = calloc(n ? n : 1, sizeof *a);
	size_t i;
	int pass;

	if (!a) {
		struct answer none = { 0 };
		for (i = 0; i < n; i++)
			card(p, &pend[i], &none);
		return;
	}
	for (i = 0; i < n; i++)
		answer_load(p->v, &pend[i].ref, pend[i].from ? pend[i].from :
		    pend[i].to, &a[i]);
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < n; i++)
			if (a[i].urgent == pass)
				card(p, &pend[i], &a[i]);
	for (i = 0; i < n; i++)
		answer_free(&a[i]);
	free(a);
}

/* The page's main: cards, counts, sync, health, chart. status holds
 * the first page_cards() cards of the npending waiting. */
static void home_body(struct dashpage *p, const struct status *status,
    size_t npending, const struct costday *c, int ndays, int present)
{
	struct buf *b = p->b;
	size_t n = npending, shown = status->npending, cap = page_cards();

	if (shown > cap)
		shown = cap;
	if (n < shown)
		n = shown;
	buf_adds(b, "<main id=\"live\" data-etag=\"");
	html_attr(b, p->etag ? p->etag : "");
	buf_adds(b, "\"><p id=\"msg\" role=\"status\" aria-live=\"polite\"></p>");
	reading(p);
	buf_addf(b, "<section aria-labelledby=\"h-pe\"><h2 id=\"h-pe\">Waiting for you "
	    "(<span id=\"npend\">%zu</span>)</h2><div id=\"cards\" "
	    "data-more=\"%zu\">", n, n - shown);
	draw_cards(p, status->pending, shown);
	buf_addf(b, "</div><p id=\"more\"%s>%zu more waiting: they come up here "
	    "as you decide these.</p>", n > shown ? "" : " hidden", n - shown);
	buf_addf(b, "<p id=\"empty\"%s>Nothing is waiting for approval."
	    "</p></section>", n ? " hidden" : "");
	counts(p, status);
	health_show(p, status);
	chart(p, c, ndays, present);
	buf_adds(b, "</main>");
}

int page_home_get(struct dashctx *c)
{
	struct costday days[7];
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct status st;
	char *text;
	size_t len, npending = 0;
	int present, r;

	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (status_text(c, &text, &len) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	r = status_parse(text, len, page_cards(), &st, &npending);
	free(text);
	if (r < 0)
		return web_error(&c->w, 500, aie_errmsg);
	if ((present = cost_days(&c->v, c->now, 7, days)) < 0) {
		status_free(&st);
		return web_error(&c->w, 500, aie_errmsg);
	}
	p.etag = c->w.etag;
	p.v = &c->v;
	page_begin(&p, "AI Employee");
	home_body(&p, &st, npending, days, 7, present);
	page_end(&p);
	status_free(&st);
	c->w.etag[0] = '\0';          /* the page itself is not cached */
	return html_reply(c, 200, &b);
}
