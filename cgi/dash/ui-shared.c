/*
 * ui-shared.c - what the dashboard's pages share (see dash.h): the
 * replies, the vault, and the page frame.
 *
 * Phone first: one column at 375 px, nothing wider than the screen
 * (long words wrap anywhere), every control at least 44 px high, 16 px
 * text so phones do not zoom into inputs. Dark mode follows
 * prefers-color-scheme unless the toggle stored a choice in localStorage
 * (assets/theme.js applies it before the first paint). The CSS and JS
 * are the files of assets/, embedded at build time and inlined under the
 * reply's CSP nonce: no external assets. The script (assets/dash.js)
 * polls /api/status with If-None-Match every 5 s and, when the ETag
 * changes, fetches / and merges the cards (keeping the ones still there,
 * so a half-typed reason survives) and swaps the other sections. The
 * forms work without the script too (303 back to /).
 *
 * Kept cheap for the browser's main thread (Lighthouse mobile counts it 4
 * times over): one font family and the generic fallback (each family a
 * browser does not have costs a font lookup, which was most of the
 * blocking time of the home page on Linux), and no script work at load
 * (the ages are drawn by the server; the script refreshes them every
 * 30 s and after a merge).
 *
 * Sign what is shown: draft text is drawn through html_shown (lib/web,
 * show_split: the split approve -i uses), so bidi controls, zero-width characters, NULs and
 * stray bytes appear as marks in their own style, never interpreted or
 * cut off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

int html_reply(struct dashctx *c, int status, struct buf *b)
{
	int r = web_send(&c->w, status, "text/html; charset=utf-8", b);

	buf_free(b);
	return r;
}

int json_reply(struct dashctx *c, int status, json_t *o)
{
	struct buf b = { 0 };
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int r;

	json_decref(o);
	if (!s)
		return web_error(&c->w, 500, "out of memory");
	buf_adds(&b, s);
	buf_adds(&b, "\n");
	free(s);
	r = web_send(&c->w, status, "application/json", &b);
	buf_free(&b);
	return r;
}

int redirect(struct dashctx *c, const char *to)
{
	struct buf b = { 0 };

	c->w.location = to;
	buf_adds(&b, "See ");
	buf_adds(&b, to);
	buf_adds(&b, "\n");
	web_send(&c->w, 303, "text/plain; charset=utf-8", &b);
	buf_free(&b);
	return 0;
}

int open_vault(struct dashctx *c)
{
	const char *dir = config_get("VAULT_DIR");

	if (c->vault_open)
		return 0;
	if (!dir) {
		fprintf(stderr, "dashboard: VAULT_DIR is not set\n");
		return -1;
	}
	if (vault_open(&c->v, dir, config_get_default("VAULT_AGENT", "local")) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return -1;
	}
	c->vault_open = 1;
	return 0;
}

void age_text(struct buf *b, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		buf_adds(b, "just now");
	else if (s < 3600)
		buf_addf(b, "%lld min", s / 60);
	else if (s < 172800)
		buf_addf(b, "%lld h", s / 3600);
	else
		buf_addf(b, "%lld d", s / 86400);
}

void time_ago(struct dashpage *p, time_t t)
{
	struct tm tm;
	char iso[21], exact[32];

	time_rfc3339(t, iso);
	gmtime_r(&t, &tm);
	strftime(exact, sizeof exact, "%Y-%m-%d %H:%M UTC", &tm);
	/* the page's script keeps the words fresh from datetime; the exact
	 * time is the title (hover, long-press) */
	buf_addf(p->b, "<time data-age=\"1\" datetime=\"%s\" title=\"%s\">",
	    iso, exact);
	age_text(p->b, (long long)(p->now - t));
	if (p->now - t >= 60)
		buf_adds(p->b, " ago");
	buf_adds(p->b, "</time>");
}

void page_begin(struct dashpage *p, const char *title)
{
	struct buf *b = p->b;

	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">"
	    "<meta name=\"description\" content=\"AI Employee approvals\">"
	    "<link rel=\"icon\" href=\"/icon.svg\" type=\"image/svg+xml\">"
	    "<link rel=\"manifest\" href=\"/manifest.webmanifest\">"
	    "<meta name=\"theme-color\" content=\"#0a58b8\">"
	    "<title>");
	html_text(b, title);
	buf_addf(b, "</title><script nonce=\"%s\">%s</script>"
	    "<style nonce=\"%s\">%s</style></head><body>", p->nonce,
	    asset_theme_js, p->nonce, asset_dash_css);
	if (p->csrf) {
		buf_adds(b, "<header><h1><a href=\"/\">AI Employee</a></h1>"
		    "<a class=\"btn\" href=\"/new\">New</a>"
		    "<a class=\"btn\" href=\"/activity\">Activity</a>"
		    "<a class=\"btn\" href=\"/settings\">Settings</a>"
		    "<button type=\"button\" id=\"theme\" aria-label=\"Theme: "
		    "switch between dark and light\">Theme</button>"
		    "<form method=\"post\" action=\"/logout\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(b, p->csrf);
		buf_adds(b, "\"><button type=\"submit\">Log out</button></form>"
		    "</header>");
	}
}

void page_end(struct dashpage *p)
{
	if (p->csrf)
		buf_addf(p->b, "<script nonce=\"%s\">%s</script>", p->nonce,
		    asset_dash_js);
	buf_adds(p->b, "</body></html>\n");
}

void html_hidden(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	html_attr(b, value);
	buf_adds(b, "\">");
}
