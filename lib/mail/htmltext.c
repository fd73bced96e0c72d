/*
 * htmltext.c - HTML mail as readable plain text, for email items whose
 * mail came without a text/plain part.
 *
 * One pass over the bytes, no DOM and no recursion: tags are read and
 * dropped, block tags become line breaks, list items get "- ", links keep
 * their address as "text <url>", script/style/head content is skipped,
 * entities are decoded, white space is collapsed outside <pre>. Every
 * read is bounded by the input length (it is fuzzed with mime.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "mail/mail.h"

struct ent { const char *name; const char *utf8; };

static const struct ent ents[] = {
	{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" },
	{ "apos", "'" }, { "nbsp", " " }, { "copy", "\xc2\xa9" },
	{ "reg", "\xc2\xae" }, { "trade", "\xe2\x84\xa2" },
	{ "euro", "\xe2\x82\xac" }, { "pound", "\xc2\xa3" },
	{ "mdash", "\xe2\x80\x94" }, { "ndash", "\xe2\x80\x93" },
	{ "hellip", "\xe2\x80\xa6" }, { "lsquo", "\xe2\x80\x98" },
	{ "rsquo", "\xe2\x80\x99" }, { "ldquo", "\xe2\x80\x9c" },
	{ "rdquo", "\xe2\x80\x9d" }, { "bull", "\xe2\x80\xa2" },
	{ "middot", "\xc2\xb7" }, { "laquo", "\xc2\xab" },
	{ "raquo", "\xc2\xbb" }, { "times", "\xc3\x97" },
	{ "auml", "\xc3\xa4" }, { "ouml", "\xc3\xb6" }, { "uuml", "\xc3\xbc" },
	{ "Auml", "\xc3\x84" }, { "Ouml", "\xc3\x96" }, { "Uuml", "\xc3\x9c" },
	{ "szlig", "\xc3\x9f" }, { "eacute", "\xc3\xa9" },
	{ "egrave", "\xc3\xa8" }, { "agrave", "\xc3\xa0" },
	{ "aacute", "\xc3\xa1" }, { "ccedil", "\xc3\xa7" },
	{ "ntilde", "\xc3\xb1" }, { "oacute", "\xc3\xb3" },
	{ "iacute", "\xc3\xad" }, { "uacute", "\xc3\xba" },
	{ "zwnj", "" }, { "zwj", "" }, { "shy", "" },
	{ NULL, NULL }
};

struct ht {
	struct buf out;
	int pre;                 /* inside <pre> */
	int space;               /* a blank is pending */
	size_t link_at;          /* out.len when <a> opened */
	char href[512];
};

static void put_utf8(struct buf *b, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80)
		buf_addc(b, (int)cp);
	else if (cp < 0x800) {
		buf_addc(b, (int)(0xc0 | (cp >> 6)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (int)(0xe0 | (cp >> 12)));
		buf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (int)(0xf0 | (cp >> 18)));
		buf_addc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

static int at_line_start(const struct ht *h)
{
	return h->out.len == 0 || h->out.p[h->out.len - 1] == '\n';
}

/* Text bytes, white space collapsed unless in <pre>. */
static void text(struct ht *h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!h->pre && (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f')) {
			h->space = 1;
			continue;
		}
		if (h->space && !at_line_start(h))
			buf_addc(&h->out, ' ');
		h->space = 0;
		buf_addc(&h->out, c);
	}
}

/* Line breaks: n of them at most in a row. */
static void line_break(struct ht *h, int n)
{
	int have = 0;
	size_t i;

	h->space = 0;
	while (h->out.len > 0 && h->out.p[h->out.len - 1] == ' ')
		h->out.p[--h->out.len] = '\0';
	for (i = h->out.len; i > 0 && h->out.p[i - 1] == '\n'; i--)
		have++;
	if (h->out.len == 0)
		return;
	for (; have < n; have++)
		buf_addc(&h->out, '\n');
}

/* Decode the entity at s (after '&'); bytes used, 0 when it is none. */
static size_t entity(struct ht *h, const char *s, size_t n)
{
	char name[12];
	size_t i = 0, k;

	if (n > 1 && s[0] == '#') {
		unsigned long cp = 0;
		int hex = n > 2 && (s[1] == 'x' || s[1] == 'X');
		i = hex ? 2 : 1;
		k = i;
		while (i < n && i < 12 && (hex ? isxdigit((unsigned char)s[i]) :
		    isdigit((unsigned char)s[i]))) {
			int c = (unsigned char)s[i];
			cp = cp * (hex ? 16 : 10) + (unsigned long)(isdigit(c) ? c - '0' :
			    tolower(c) - 'a' + 10);
			i++;
		}
		if (i == k)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (h->space && !at_line_start(h))
			buf_addc(&h->out, ' ');
		h->space = 0;
		put_utf8(&h->out, cp);
		return i;
	}
	while (i < n && i < sizeof name - 1 && isalnum((unsigned char)s[i])) {
		name[i] = s[i];
		i++;
	}
	name[i] = '\0';
	if (i == 0)
		return 0;
	for (k = 0; ents[k].name; k++)
		if (strcmp(ents[k].name, name) == 0) {
			if (i < n && s[i] == ';')
				i++;
			if (strcmp(name, "nbsp") == 0) {
				h->space = 1;
				return i;
			}
			text(h, ents[k].utf8, strlen(ents[k].utf8));
			return i;
		}
	return 0;
}

/* The value of attribute want inside a tag's text [s, e). */
static void attr(const char *s, const char *e, const char *want, char *out,
    size_t size)
{
	size_t wl = strlen(want);
	const char *p = s;

	out[0] = '\0';
	while (p < e) {
		if ((p == s || isspace((unsigned char)p[-1])) &&
		    (size_t)(e - p) > wl && strncasecmp(p, want, wl) == 0) {
			const char *q = p + wl, *v;
			char quote = 0;
			size_t n = 0;
			while (q < e && isspace((unsigned char)*q))
				q++;
			if (q < e && *q == '=') {
				q++;
				while (q < e && isspace((unsigned char)*q))
					q++;
				if (q < e && (*q == '"' || *q == '\''))
					quote = *q++;
				for (v = q; v < e && (quote ? *v != quote :
				    !isspace((unsigned char)*v) && *v != '>'); v++)
					if (n + 1 < size && (unsigned char)*v >= 32)
						out[n++] = *v;
				out[n] = '\0';
				return;
			}
		}
		p++;
	}
}

static int is(const char *tag, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(tag, *list) == 0)
			return 1;
	return 0;
}

/* Find the end of a tag at s ('<' already passed); quotes respected. */
static const char *tag_end(const char *s, const char *e)
{
	char quote = 0;

	for (; s < e; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '>')
			return s;
	}
	return NULL;
}

/* Skip to the closing tag </name>; returns where to go on. */
static const char *skip_to_close(const char *s, const char *e, const char *name)
{
	size_t nl = strlen(name);

	for (; s + 2 + nl <= e; s++)
		if (s[0] == '<' && s[1] == '/' && strncasecmp(s + 2, name, nl) == 0) {
			const char *t = tag_end(s, e);
			return t ? t + 1 : e;
		}
	return e;
}

char *html_to_text(const char *html, size_t len, size_t *outlen)
{
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4", "h5",
	    "h6", "table", "ul", "ol", "blockquote", "pre", "dl", NULL };
	static const char *const line[] = { "br", "div", "tr", "li", "dt", "dd",
	    "section", "article", "header", "footer", "address", "center",
	    "form", "hr", "caption", NULL };
	static const char *const skip[] = { "script", "style", "head", "title",
	    "template", "noscript", NULL };
	struct ht h;
	const char *p = html, *e = html + len;
	char *res, *w;
	const char *r;
	size_t n;

	memset(&h, 0, sizeof h);
	h.out.max = MIME_MAX_TEXT;
	while (p < e) {
		if (*p == '&') {
			size_t used = entity(&h, p + 1, (size_t)(e - p - 1));
			if (used) {
				p += used + 1;
				continue;
			}
			text(&h, p, 1);
			p++;
			continue;
		}
		if (*p != '<') {
			const char *q = p;
			while (q < e && *q != '<' && *q != '&')
				q++;
			text(&h, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (e - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			const char *c = memmem(p + 4, (size_t)(e - p - 4), "-->", 3);
			p = c ? c + 3 : e;
			continue;
		}
		{
			const char *t = tag_end(p + 1, e), *q = p + 1;
			char tag[16];
			int close = 0;
			size_t tl = 0;
			if (!t) {                /* a lone '<' in text */
				text(&h, p, 1);
				p++;
				continue;
			}
			if (q < t && *q == '/') {
				close = 1;
				q++;
			}
			while (q < t && tl < sizeof tag - 1 && isalnum((unsigned char)*q))
				tag[tl++] = (char)tolower((unsigned char)*q++);
			tag[tl] = '\0';
			if (tl == 0 && !close && *q != '!' && *q != '?') {
				text(&h, p, 1);  /* "a < b" */
				p++;
				continue;
			}
			if (!close && is(tag, skip)) {
				p = skip_to_close(t + 1, e, tag);
				continue;
			}
			if (strcmp(tag, "pre") == 0)
				h.pre = !close;
			if (is(tag, para))
				line_break(&h, 2);
			else if (is(tag, line))
				line_break(&h, 1);
			else if ((strcmp(tag, "td") == 0 || strcmp(tag, "th") == 0) &&
			    !close)
				h.space = 1;
			if (!close && strcmp(tag, "li") == 0)
				buf_adds(&h.out, "- ");
			if (!close && strcmp(tag, "hr") == 0) {
				buf_adds(&h.out, "----");
				line_break(&h, 1);
			}
			if (!close && strcmp(tag, "img") == 0) {
				char alt[200];
				attr(q, t, "alt", alt, sizeof alt);
				if (*alt) {
					text(&h, "[", 1);
					text(&h, alt, strlen(alt));
					text(&h, "]", 1);
				}
			}
			if (strcmp(tag, "a") == 0) {
				if (!close) {
					attr(q, t, "href", h.href, sizeof h.href);
					h.link_at = h.out.len;
				} else if (*h.href && h.href[0] != '#' &&
				    strncasecmp(h.href, "javascript:", 11) != 0) {
					const char *url = h.href;
					size_t shown = h.out.len - h.link_at;
					if (strncasecmp(url, "mailto:", 7) == 0)
						url += 7;
					if (h.link_at > h.out.len || shown != strlen(url) ||
					    memcmp(h.out.p + h.link_at, url, shown) != 0) {
						text(&h, " <", 2);
						text(&h, url, strlen(url));
						text(&h, ">", 1);
					}
					h.href[0] = '\0';
				}
			}
			p = t + 1;
		}
	}
	line_break(&h, 1);
	if (!(res = buf_take(&h.out, &n)))
		return NULL;
	/* blanks at line ends go, runs of blank lines shrink to one */
	for (r = res, w = res; *r; r++) {
		if (*r == '\n') {
			while (w > res && w[-1] == ' ')
				w--;
			if (w - res >= 2 && w[-1] == '\n' && w[-2] == '\n')
				continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	if (outlen)
		*outlen = (size_t)(w - res);
	return res;
}
