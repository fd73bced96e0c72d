/*
 * markdown.c - a vault's Markdown as HTML for the read-only pages (see
 * ai-employee-dashboard(1), "Reading the vault"): md4c's parser (md_parse,
 * CommonMark with tables, strikethrough, task lists and wikilinks) with
 * our own callbacks, not md4c-html, whose links keep any scheme.
 *
 * What the text says is never markup: raw HTML is off (MD_FLAG_NOHTML)
 * and every text, code and attribute is escaped, hidden characters
 * marked as on the item page (html_shown). A link keeps its target only
 * when it is http:, https:, mailto:, a #fragment, or a path relative to
 * the document that stays inside the vault and names a page the caller
 * can show (opts->vault_url); anything else (javascript:, data:,
 * vbscript:, //host, /path, a scheme hidden behind an entity) becomes its
 * text. Images are never loaded: an image is its alt text, linked to its
 * source under the same rule. A [[wikilink]] (Obsidian's, [[Note]] or
 * [[Note|label]]) links the page the caller resolves its note name to
 * (opts->wiki_url), else it is its text. Headings are shifted under the
 * page's own title and never skip a level.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <md4c.h>

#include "vault/vault.h"
#include "web/web.h"

#define NEST_MAX 64              /* spans remembered as opened or not */
#define MD4C_SONAME "libmd4c.so.0"   /* Debian's libmd4c0 */
#define MD_PAD 64                /* zero bytes after the copy md4c parses */

struct md {
	struct buf *b;
	const char *in, *end;        /* the copy md4c parses */
	const struct md_opts *o;
	int heading;                 /* the level of the last heading drawn */
	int img;                     /* inside an image's alt text */
	int depth;                   /* link nesting */
	unsigned long long opened;   /* bit d: the link at depth d drew <a> */
};

/* Text between the page's tags: hidden characters marked. */
static void text(struct md *m, const char *s, size_t n)
{
	html_shown(m->b, s, n, 1);
}

/* A numeric character reference (&#NN; or &#xHH;) as UTF-8 into out
 * (4 bytes at most); its length, or 0 for a named one. The code point 0,
 * a surrogate or one past U+10FFFF is U+FFFD, as HTML reads them. */
static size_t numeric_ref(const char *s, size_t n, char out[4])
{
	unsigned long cp = 0;
	size_t i = 2;
	int hex;

	if (n < 4 || s[0] != '&' || s[1] != '#' || s[n - 1] != ';')
		return 0;
	hex = s[2] == 'x' || s[2] == 'X';
	for (i += hex; i < n - 1; i++) {
		int d = hex ? hex_value((unsigned char)s[i]) :
		    (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);
		if (d < 0)
			return 0;
		if (cp <= 0x10ffff)
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An entity in the text: a numeric one decoded; a named one (md4c has
 * checked it is one of HTML's) kept as it is, the only markup that may
 * come from the document, and harmless: it stands for a character. */
static void entity(struct md *m, const char *s, size_t n)
{
	char u[4];
	size_t k = numeric_ref(s, n, u);
	size_t i;

	if (k) {
		text(m, u, k);
		return;
	}
	for (i = 1; i + 1 < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			break;
	if (n >= 3 && s[0] == '&' && s[n - 1] == ';' && i == n - 1)
		buf_add(m->b, s, n);
	else
		text(m, s, n);
}

/* An attribute decoded into out: 0, or -1 when it holds a named entity
 * (which could hide a ':'), a NUL, or the buffer ran out. */
static int attr_decode(const MD_ATTRIBUTE *a, struct buf *out)
{
	unsigned i;

	for (i = 0; a->substr_offsets[i] < a->size; i++) {
		const char *s = a->text + a->substr_offsets[i];
		size_t n = a->substr_offsets[i + 1] - a->substr_offsets[i];
		char u[4];
		size_t k;

		switch (a->substr_types[i]) {
		case MD_TEXT_NORMAL:
			buf_add(out, s, n);
			break;
		case MD_TEXT_ENTITY:
			if (!(k = numeric_ref(s, n, u)))
				return -1;
			buf_add(out, u, k);
			break;
		default:
			return -1;
		}
	}
	return out->oom || memchr(out->p ? out->p : "", '\0', out->len) ? -1 : 0;
}

/* A URL as it goes into href="": bytes a browser would strip or read
 * as a break %-encoded, the rest escaped for the attribute. */
static void url_attr(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char one[2] = { 0, 0 }, e[3] = { '%', 0, 0 };

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f) {
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			buf_add(b, e, 3);
		} else {
			one[0] = (char)*p;
			html_attr(b, one);
		}
	}
}

/* The document's folder joined with a relative path, ".." and "."
 * resolved, into out: 0, or -1 when it climbs out of the vault. The
 * fragment or query is cut off first (pages are named by their path). */
static int vault_join(const char *dir, const char *rel, struct buf *out)
{
	size_t n = strcspn(rel, "?#"), seg;
	struct buf path = { 0 };
	const char *p;
	int r = 0;

	if (*dir) {
		buf_adds(&path, dir);
		buf_addc(&path, '/');
	}
	buf_add(&path, rel, n);
	if (path.oom)
		return buf_free(&path), -1;
	for (p = path.p; *p; p += seg + (p[seg] == '/')) {
		seg = strcspn(p, "/");
		if (seg == 0 || (seg == 1 && p[0] == '.'))
			continue;
		if (seg == 2 && p[0] == '.' && p[1] == '.') {
			char *slash;
			if (!out->len) {
				r = -1;
				break;
			}
			slash = strrchr(out->p, '/');
			out->len = slash ? (size_t)(slash - out->p) : 0;
			out->p[out->len] = '\0';
			continue;
		}
		if (out->len)
			buf_addc(out, '/');
		buf_add(out, p, seg);
	}
	buf_free(&path);
	return r < 0 || out->oom || !out->len ? -1 : 0;
}

/* Where a link may point, into href (escaped for the attribute): 1, or
 * 0 when it may not, and then it is drawn as text. */
static int safe_href(const struct md *m, const MD_ATTRIBUTE *a, struct buf *href)
{
	struct buf raw = { 0 }, clean = { 0 }, rel = { 0 };
	const char *s;
	size_t colon;
	int ok = 0;

	if (attr_decode(a, &raw) < 0 || !raw.p)
		goto out;
	/* as a browser reads it: leading blanks and controls skipped, tabs
	 * and line breaks anywhere dropped ("java\tscript:") */
	for (s = raw.p; *s && (unsigned char)*s <= 0x20; s++)
		;
	for (; *s; s++)
		if (*s != '\t' && *s != '\n' && *s != '\r')
			buf_addc(&clean, *s);
	if (clean.oom || !clean.p)
		goto out;
	s = clean.p;
	colon = strcspn(s, ":/?#\\");
	if (s[colon] == ':') {
		if (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8) ||
		    !strncasecmp(s, "mailto:", 7)) {
			url_attr(href, s);
			ok = 1;
		}
	} else if (s[0] == '#') {
		url_attr(href, s);
		ok = 1;
	} else if (s[0] != '/' && s[0] != '\\' && !strchr(s, '\\') &&
	    m->o && m->o->vault_url &&
	    vault_join(m->o->dir ? m->o->dir : "", s, &rel) == 0) {
		ok = m->o->vault_url(rel.p, href, m->o->ctx) == 1;
	}
out:
	buf_free(&raw);
	buf_free(&clean);
	buf_free(&rel);
	return ok && !href->oom;
}

/* The page of a wikilink's target, into href: 1, or 0 when the caller
 * knows none (then it is drawn as text). Its heading or block part
 * ("#...") is cut off; a control character or a backslash in the name
 * makes it text. */
static int wiki_href(const struct md *m, const MD_ATTRIBUTE *a, struct buf *href)
{
	struct buf raw = { 0 };
	const char *s;
	size_t n;
	int ok = 0;

	if (!m->o || !m->o->wiki_url || attr_decode(a, &raw) < 0 || !raw.p)
		goto out;
	n = strcspn(raw.p, "#|");
	raw.p[n] = '\0';
	raw.len = n;
	for (s = raw.p; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\')
			goto out;
	ok = n && m->o->wiki_url(raw.p, href, m->o->ctx) == 1;
out:
	buf_free(&raw);
	return ok && !href->oom;
}

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md *m = ud;
	struct buf *b = m->b;

	switch (type) {
	case MD_BLOCK_DOC: break;
	case MD_BLOCK_QUOTE: buf_adds(b, "<blockquote>"); break;
	case MD_BLOCK_UL: buf_adds(b, "<ul>"); break;
	case MD_BLOCK_OL: {
		const MD_BLOCK_OL_DETAIL *d = detail;
		if (d->start != 1)
			buf_addf(b, "<ol start=\"%u\">", d->start);
		else
			buf_adds(b, "<ol>");
		break;
	}
	case MD_BLOCK_LI: {
		const MD_BLOCK_LI_DETAIL *d = detail;
		buf_adds(b, "<li>");
		if (d->is_task)   /* a mark, not a control: the page is read-only */
			buf_adds(b, d->task_mark == ' ' ? "\xe2\x98\x90 " :
			    "\xe2\x98\x91 ");
		break;
	}
	case MD_BLOCK_HR: buf_adds(b, "<hr>"); break;
	case MD_BLOCK_H: {
		const MD_BLOCK_H_DETAIL *d = detail;
		int level = (int)d->level + m->o->title_level;
		/* under the page's title, and one level deeper at most */
		if (level > m->heading + 1)
			level = m->heading + 1;
		if (level > 6)
			level = 6;
		m->heading = level;
		buf_addf(b, "<h%d>", level);
		break;
	}
	case MD_BLOCK_CODE: buf_adds(b, "<pre><code>"); break;
	case MD_BLOCK_HTML: buf_adds(b, "<pre>"); break;  /* not with NOHTML */
	case MD_BLOCK_P: buf_adds(b, "<p>"); break;
	case MD_BLOCK_TABLE:
		buf_adds(b, "<div class=\"tw\" tabindex=\"0\"><table class=\"lines\">");
		break;
	case MD_BLOCK_THEAD: buf_adds(b, "<thead>"); break;
	case MD_BLOCK_TBODY: buf_adds(b, "<tbody>"); break;
	case MD_BLOCK_TR: buf_adds(b, "<tr>"); break;
	case MD_BLOCK_TH: buf_adds(b, "<th scope=\"col\">"); break;
	case MD_BLOCK_TD: buf_adds(b, "<td>"); break;
	}
	return 0;
}

static int leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct md *m = ud;
	struct buf *b = m->b;

	(void)detail;
	switch (type) {
	case MD_BLOCK_DOC: break;
	case MD_BLOCK_QUOTE: buf_adds(b, "</blockquote>"); break;
	case MD_BLOCK_UL: buf_adds(b, "</ul>"); break;
	case MD_BLOCK_OL: buf_adds(b, "</ol>"); break;
	case MD_BLOCK_LI: buf_adds(b, "</li>"); break;
	case MD_BLOCK_HR: break;
	case MD_BLOCK_H: buf_addf(b, "</h%d>", m->heading); break;
	case MD_BLOCK_CODE: buf_adds(b, "</code></pre>"); break;
	case MD_BLOCK_HTML: buf_adds(b, "</pre>"); break;
	case MD_BLOCK_P: buf_adds(b, "</p>"); break;
	case MD_BLOCK_TABLE: buf_adds(b, "</table></div>"); break;
	case MD_BLOCK_THEAD: buf_adds(b, "</thead>"); break;
	case MD_BLOCK_TBODY: buf_adds(b, "</tbody>"); break;
	case MD_BLOCK_TR: buf_adds(b, "</tr>"); break;
	case MD_BLOCK_TH: buf_adds(b, "</th>"); break;
	case MD_BLOCK_TD: buf_adds(b, "</td>"); break;
	}
	return 0;
}

/* A link or an image's source: <a href> when it may point there; the
 * depth's bit says whether it was drawn, for its end. */
static void link_open(struct md *m, const MD_ATTRIBUTE *target, int wiki)
{
	struct buf href = { 0 };
	int d = m->depth++;

	if (d < NEST_MAX)
		m->opened &= ~(1ULL << d);
	/* no link inside a drawn one (an image in a link) or in alt text */
	if (m->img || d >= NEST_MAX || (m->opened & ((1ULL << d) - 1)) ||
	    !(wiki ? wiki_href(m, target, &href) :
	    safe_href(m, target, &href))) {
		buf_free(&href);
		return;
	}
	buf_adds(m->b, "<a href=\"");
	buf_add(m->b, href.p, href.len);
	buf_adds(m->b, "\" rel=\"noopener noreferrer\">");
	m->opened |= 1ULL << d;
	buf_free(&href);
}

static void link_close(struct md *m)
{
	int d;

	/* md4c 0.4.8 can end a span it never began (a link inside an
	 * image inside a link): an end without a beginning draws nothing */
	if (m->depth <= 0)
		return;
	d = --m->depth;

	if (d < NEST_MAX && (m->opened & (1ULL << d)))
		buf_adds(m->b, "</a>");
}

static int enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md *m = ud;

	switch (type) {
	case MD_SPAN_A:
		link_open(m, &((const MD_SPAN_A_DETAIL *)detail)->href, 0);
		return 0;
	case MD_SPAN_WIKILINK:
		link_open(m, &((const MD_SPAN_WIKILINK_DETAIL *)detail)->target,
		    1);
		return 0;
	case MD_SPAN_IMG:
		link_open(m, &((const MD_SPAN_IMG_DETAIL *)detail)->src, 0);
		if (!m->img++)
			buf_adds(m->b, "<span class=\"img\">[image: ");
		return 0;
	default:
		break;
	}
	if (m->img)                  /* alt text is text */
		return 0;
	switch (type) {
	case MD_SPAN_EM: buf_adds(m->b, "<em>"); break;
	case MD_SPAN_STRONG: buf_adds(m->b, "<strong>"); break;
	case MD_SPAN_CODE: buf_adds(m->b, "<code>"); break;
	case MD_SPAN_DEL: buf_adds(m->b, "<del>"); break;
	case MD_SPAN_U: buf_adds(m->b, "<u>"); break;
	default: break;              /* extensions not enabled */
	}
	return 0;
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct md *m = ud;

	(void)detail;
	switch (type) {
	case MD_SPAN_A:
	case MD_SPAN_WIKILINK:
		link_close(m);
		return 0;
	case MD_SPAN_IMG:
		if (m->img > 0 && !--m->img)
			buf_adds(m->b, "]</span>");
		link_close(m);
		return 0;
	default:
		break;
	}
	if (m->img)
		return 0;
	switch (type) {
	case MD_SPAN_EM: buf_adds(m->b, "</em>"); break;
	case MD_SPAN_STRONG: buf_adds(m->b, "</strong>"); break;
	case MD_SPAN_CODE: buf_adds(m->b, "</code>"); break;
	case MD_SPAN_DEL: buf_adds(m->b, "</del>"); break;
	case MD_SPAN_U: buf_adds(m->b, "</u>"); break;
	default: break;
	}
	return 0;
}

static int on_text(MD_TEXTTYPE type, const MD_CHAR *s, MD_SIZE n, void *ud)
{
	struct md *m = ud;

	/* md4c 0.4.8 can hand out text running past the end of its input
	 * (the fuzz harness found it, behind invalid UTF-8 at the end): never
	 * beyond our copy's end */
	if (s >= m->in && s <= m->end && n > (MD_SIZE)(m->end - s))
		n = (MD_SIZE)(m->end - s);

	switch (type) {
	case MD_TEXT_NULLCHAR:
		buf_adds(m->b, "\xef\xbf\xbd");
		break;
	case MD_TEXT_BR:
		buf_adds(m->b, m->img ? " " : "<br>\n");
		break;
	case MD_TEXT_SOFTBR:
		buf_adds(m->b, m->img ? " " : "\n");
		break;
	case MD_TEXT_ENTITY:
		entity(m, s, n);
		break;
	default:                     /* normal, code, and HTML shown as text */
		text(m, s, n);
		break;
	}
	return 0;
}

/* md4c's md_parse, loaded the first time a page is rendered: Debian
 * ships libmd4c only as a shared library, and a program linked with it
 * pays the dynamic loader on every exec, also the many requests that
 * render nothing (a cached list, a redirect, a 404); loaded here, only a
 * rendering request does. NULL (said on stderr) when it cannot be. */
typedef int (*md_parse_fn)(const MD_CHAR *, MD_SIZE, const MD_PARSER *,
    void *);
static md_parse_fn md_parser(void)
{
	static md_parse_fn fn;
	void *h, *sym;

	if (fn)
		return fn;
	if (!(h = dlopen(MD4C_SONAME, RTLD_NOW | RTLD_LOCAL))) {
		fprintf(stderr, "markdown: %s\n", dlerror());
		return NULL;
	}
	if (!(sym = dlsym(h, "md_parse"))) {
		fprintf(stderr, "markdown: %s: no md_parse\n", MD4C_SONAME);
		return NULL;
	}
	/* POSIX: a function's address comes back as a void * */
	memcpy(&fn, &sym, sizeof fn);
	return fn;
}

int md_html(struct buf *b, const char *s, size_t len, const struct md_opts *o)
{
	md_parse_fn parse;
	static const struct md_opts none = { NULL, 2, NULL, NULL, NULL };
	MD_PARSER p = { 0 };
	struct md m = { 0 };
	char *copy;
	int r;

	if (len > MD_HTML_MAX || !(parse = md_parser()))
		return -1;
	/* md4c 0.4.8 reads past the end of its input on some texts: it gets
	 * a copy with zeroed room after the end, so what it reads there is
	 * ours and the same every time */
	if (!(copy = calloc(1, len + MD_PAD)))
		return b->oom = 1, -1;
	memcpy(copy, s, len);
	m.in = copy;
	m.end = copy + len;
	m.b = b;
	m.o = o ? o : &none;
	m.heading = m.o->title_level;
	p.abi_version = 0;
	p.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH |
	    MD_FLAG_TASKLISTS | MD_FLAG_WIKILINKS;
	p.enter_block = enter_block;
	p.leave_block = leave_block;
	p.enter_span = enter_span;
	p.leave_span = leave_span;
	p.text = on_text;
	r = parse(copy, (MD_SIZE)len, &p, &m);
	free(copy);
	if (r != 0)
		return -1;
	/* the parser closes what it opens; this holds even if it did not */
	while (m.depth > 0)
		link_close(&m);
	return b->oom ? -1 : 0;
}
