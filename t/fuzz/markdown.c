/*
 * markdown.c - fuzz md_html (lib/web/markdown.c), the renderer of the
 * vault's Markdown on the read-only pages: md4c's parser with our own
 * callbacks. The vault comes from every agent through sync, so its
 * Markdown is outside input. The first byte picks the document's folder
 * (the top, Briefings, Done/email/2026-11) and the rest is the text.
 * Properties: every '<' in the output opens or closes one of the
 * renderer's own tags (no raw HTML ever passes), every link's target
 * is http:, https:, mailto:, a #fragment or a page of the vault, with no
 * blank, control, quote or '<' inside, links are balanced and never
 * nested, and the vault paths handed to vault_url are resolved (no "..",
 * no "." or empty part, not absolute); a [[wikilink]]'s note name handed
 * to wiki_url is not empty and holds no control character, backslash,
 * '#' or '|'.
 */
#include "fuzz.h"
#include "web/web.h"

/* The renderer's markup; a tag name followed by one of these. */
static const char *const tags[] = { "<p>", "</p>", "<h3>", "</h3>", "<h4>",
    "</h4>", "<h5>", "</h5>", "<h6>", "</h6>", "<blockquote>",
    "</blockquote>", "<ul>", "</ul>", "<ol>", "<ol start=\"", "</ol>",
    "<li>", "</li>", "<hr>", "<pre>", "</pre>", "<code>", "</code>",
    "<div class=\"tw\" tabindex=\"0\">", "<table class=\"lines\">",
    "</table>", "</div>", "<thead>", "</thead>", "<tbody>", "</tbody>", "<tr>",
    "</tr>", "<th scope=\"col\">", "</th>", "<td>", "</td>", "<em>", "</em>",
    "<strong>", "</strong>", "<del>", "</del>", "<br>", "<span class=\"img\">",
    "<span class=\"mk\">", "</span>", "<a href=\"", "</a>", NULL };

/* vault_url for the harness: checks what it is given, names it /v/... */
static int to_page(const char *rel, struct buf *href, void *ctx)
{
	const char *p = rel;
	size_t n;

	(void)ctx;
	if (!*rel || *rel == '/')
		fz_fail("vault path empty or absolute: %s", rel);
	for (; *p; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			fz_fail("vault path not resolved: %s", rel);
	}
	if (strchr(rel, '?') || strchr(rel, '#'))
		fz_fail("vault path with a query or fragment: %s", rel);
	buf_adds(href, "/v/");
	url_part(href, rel);
	return 1;
}

/* wiki_url for the harness: checks the name; one of two is a page. */
static int to_note(const char *target, struct buf *href, void *ctx)
{
	const char *p;

	(void)ctx;
	if (!*target)
		fz_fail("an empty wikilink target");
	for (p = target; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\' ||
		    *p == '#' || *p == '|')
			fz_fail("a wikilink target with 0x%02x", (unsigned char)*p);
	if (strlen(target) % 2)
		return 0;
	buf_adds(href, "/w/");
	url_part(href, target);
	return 1;
}

static void check_href(const char *h)
{
	size_t n = strcspn(h, "\"");
	size_t i;

	if (!h[n])
		fz_fail("an href without its closing quote");
	if (strncasecmp(h, "http://", 7) && strncasecmp(h, "https://", 8) &&
	    strncasecmp(h, "mailto:", 7) && h[0] != '#' && strncmp(h, "/v/", 3) &&
	    strncmp(h, "/w/", 3))
		fz_fail("a link to a target not allowed: %.60s", h);
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] <= 0x20 || h[i] == 0x7f || h[i] == '<' ||
		    h[i] == '\'')
			fz_fail("a raw 0x%02x in a link target", (unsigned char)h[i]);
	if (strncmp(h + n, "\" rel=\"noopener noreferrer\">", 28))
		fz_fail("a link's attributes are not ours: %.40s", h + n);
}

static void check_html(const char *h)
{
	const char *p = h;
	int open = 0;
	size_t i;

	while ((p = strchr(p, '<'))) {
		for (i = 0; tags[i] && strncmp(p, tags[i], strlen(tags[i])); i++)
			;
		if (!tags[i])
			fz_fail("raw '<' in the output at %zu: %.40s",
			    (size_t)(p - h), p);
		if (!strcmp(tags[i], "<a href=\"")) {
			if (open++)
				fz_fail("a link inside a link");
			check_href(p + 9);
		} else if (!strcmp(tags[i], "</a>") && !open--) {
			fz_fail("</a> without its link");
		} else if (!strcmp(tags[i], "<ol start=\"")) {
			size_t d = strspn(p + 11, "0123456789");
			if (!d || strncmp(p + 11 + d, "\">", 2))
				fz_fail("an ol start that is not a number");
		}
		p++;
	}
	if (open)
		fz_fail("a link left open");
	if (strstr(h, "\"javascript:") || strstr(h, "\"JAVASCRIPT:"))
		fz_fail("javascript: in an attribute");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dirs[] = { "", "Briefings", "Done/email/2026-11" };
	struct md_opts o = { NULL, 2, to_page, NULL, to_note };
	struct buf b = { 0 };
	char *h;

	if (size < 1)
		return 0;
	o.dir = dirs[data[0] % 3];
	if (md_html(&b, (const char *)data + 1, size - 1, &o) < 0) {
		buf_free(&b);
		return 0;
	}
	if ((h = buf_take(&b, NULL))) {
		check_html(h);
		free(h);
	}
	return 0;
}
