/*
 * kind.c - fuzz what the dashboard draws of a draft by its kind
 * (cgi/dash/ui-kind.c): the input is a whole item file, front matter and
 * body, as a sync may bring it; its post, invoice (the body's Markdown
 * table) or payment view, on the card and on the page. (A WhatsApp reply
 * needs the vault for its thread: not drawn here.) Properties: no raw '<'
 * in the output but the view's own tags (every value escaped), and as
 * many rows and tables closed as opened. The views read a post's image
 * from the vault, as the dashboard does: the harness makes a vault in a
 * temp dir holding one image, Media/a.png (the seed post-image signs it).
 */
#include "fuzz.h"
#include "fzvault.h"
#include "dash/dash.h"

/* html_shown is in ui-shared.c, whose page frame needs the embedded
 * assets the fuzz build does not generate: none are needed here. */
const char asset_dash_css[] = "", asset_theme_js[] = "", asset_dash_js[] = "";

static const char *const tags[] = { "<div class=\"kind ", "</div>",
    "<p class=\"", "</p>", "<b>", "</b>", "<span class=\"", "</span>",
    "<div class=\"tw\">", "<table class=\"lines\">", "<caption>",
    "</caption>", "</table>", "<tr>", "</tr>", "<th scope=\"col\">",
    "</th>", "<td>", "</td>", "<p>", "<img class=\"pimg\" alt=\"The "
    "post's image, as signed\" src=\"data:image/png;base64,", NULL };

/* a 1x1 PNG */
static const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a,
    0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0,
    0, 0, 0x1f, 0x15, 0xc4, 0x89 };
static struct vault v;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = { "Media", NULL };
	char p[PATH_MAX + 64];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(p, sizeof p, "%s/Media/a.png", fz_vault(&v, "kind", dirs));
	if (!(f = fopen(p, "wb")) || fwrite(png, 1, sizeof png, f) != sizeof png ||
	    fclose(f) != 0)
		fz_fail("write %s", p);
	return 0;
}

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
	    count(h, "<p ") + count(h, "<p>") != count(h, "</p>"))
		fz_fail("unbalanced tags: %.200s", h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itemref ref = { .id = "POST_x_1", .stage = ST_PENDING,
	    .sub = "social" };
	struct item it;
	struct buf b = { 0 };
	struct dashpage p = { &b, "n", NULL, NULL, 1764000000, &v };
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
