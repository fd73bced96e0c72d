/*
 * kind.c - fuzz what the dashboard draws of a draft by its kind
 * (cgi/dash/ui-kind.c): the input is a whole item file, front matter and
 * body, as a sync may bring it; its post, invoice (the body's Markdown
 * table) or payment view, on the card and on the page. (A WhatsApp reply
 * needs the vault for its thread: not drawn here.) Properties: no raw '<'
 * in the output but the view's own tags (every value escaped), and as
 * many rows and tables closed as opened.
 */
#include "fuzz.h"
#include "dash/dash.h"
#include "vault/vault.h"

/* html_shown is in ui-shared.c, whose page frame needs the embedded
 * assets the fuzz build does not generate: none are needed here. */
const char asset_dash_css[] = "", asset_theme_js[] = "", asset_dash_js[] = "";

static const char *const tags[] = { "<div class=\"kind ", "</div>",
    "<p class=\"", "</p>", "<b>", "</b>", "<span class=\"", "</span>",
    "<div class=\"tw\">", "<table class=\"lines\">", "<caption>",
    "</caption>", "</table>", "<tr>", "</tr>", "<th scope=\"col\">",
    "</th>", "<td>", "</td>", NULL };

static size_t count(const char *h, const char *s)
{
	size_t n = 0;

	for (; (h = strstr(h, s)); h++)
		n++;
	return n;
}

static void check_html(const char *h)
{
	const char *p = h;
	size_t i;

	while ((p = strchr(p, '<'))) {
		for (i = 0; tags[i] && strncmp(p, tags[i], strlen(tags[i])); i++)
			;
		if (!tags[i])
			fz_fail("raw '<' in the output at %zu: %.40s", (size_t)(p - h), p);
		p++;
	}
	if (count(h, "<tr>") != count(h, "</tr>") ||
	    count(h, "<table") != count(h, "</table>") ||
	    count(h, "<div") != count(h, "</div>") ||
	    count(h, "<p ") != count(h, "</p>"))
		fz_fail("unbalanced tags: %.200s", h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itemref ref = { .id = "POST_x_1", .stage = ST_PENDING,
	    .sub = "social" };
	struct item it;
	struct buf b = { 0 };
	struct dashpage p = { &b, "n", NULL, NULL, 1764000000, NULL };
	char *h;
	int page;

	if (fm_parse(&it, (const char *)data, size) < 0)
		return 0;
	for (page = 0; page < 2; page++) {
		kind_view(&p, &ref, &it, page);
		if ((h = buf_take(&b, NULL))) {
			check_html(h);
			free(h);
		}
	}
	fm_free(&it);
	return 0;
}
