/*
 * activity.c - fuzz the dashboard's reading of audit log lines
 * (cgi/dash/ui-activity.c), which come from every agent through sync:
 * activity_match with and without filters, and activity_show. The input
 * is one line (cut at the first newline, as the page reads them).
 * Properties: a filtered match is also an unfiltered one; the item shown
 * holds no raw '<' but the page's own tags (every outside string escaped)
 * and no link but to /item?id= of a valid ID.
 */
#include "fuzz.h"
#include "dash/dash.h"
#include "vault/vault.h"

/* activity_show marks hidden characters with ui-shared.c's html_shown,
 * whose file also draws the page frame from the embedded assets, which
 * the fuzz build does not generate: none are needed here. */
const char asset_dash_css[] = "", asset_theme_js[] = "", asset_dash_js[] = "";

/* The markup activity_show writes itself; anything else with '<' leaked. */
static const char *const tags[] = { "<li>", "</li>", "<time", "</time>",
    "<b>", "</b>", "<a href=\"/item?id=", "</a>", "<small>", "</small>",
    "<span class=\"mk\">", "</span>", NULL };

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
	/* the links: every "<a" is one of the tags above; text that merely
	 * reads href=" (inside an attribute value, escaped) is no link */
	for (p = h; (p = strstr(p, "<a href=\"")); p++) {
		char id[AIE_ID_MAX + 2];
		size_t n;
		if (strncmp(p, "<a href=\"/item?id=", 18))
			fz_fail("a link that is not an item's: %.40s", p);
		n = strcspn(p + 18, "\"");
		if (n > AIE_ID_MAX)
			fz_fail("a link to an ID too long");
		memcpy(id, p + 18, n);
		id[n] = '\0';
		if (!id_valid(id))
			fz_fail("a link to an invalid ID: %s", id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = { 0 };
	char *line = malloc(size + 1), *h;
	size_t n;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	line[strcspn(line, "\n")] = '\0';
	n = activity_match(line, NULL, NULL);
	if ((activity_match(line, "email", NULL) ||
	    activity_match(line, NULL, "local") ||
	    activity_match(line, "email", "cloud")) && !n)
		fz_fail("a filtered match that is not a match");
	activity_show(&b, line, (int)(size & 1));
	if ((h = buf_take(&b, NULL))) {
		check_html(h);
		free(h);
	}
	free(line);
	return 0;
}
