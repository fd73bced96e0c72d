/*
 * mime.c - a mail parser written to be fuzzed.
 *
 * The message is never copied into a tree of strings: MIME parts are
 * (start, end) ranges of the input held in a fixed array of nodes, filled
 * breadth first from a work list (node i's children are appended after
 * it), so there is no recursion and the depth and the number of parts are
 * bounded. Only the leaves that become text are decoded. In a
 * multipart/alternative the child holding text/plain wins, else the one
 * holding text/html (turned into text by htmltext.c). Every other leaf is
 * an attachment: listed by name, type and decoded size, never stored.
 *
 * Whatever is wrong (no header, a lost boundary, damaged base64, an
 * unknown charset, too many parts) is said in m->note and parsing goes on
 * with what can be read: a malformed mail still becomes an item.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vault/vault.h"
#include "base/base.h"
#include "mail/mail.h"

/* Decode RFC 2047 encoded words in a header value and convert everything
 * to UTF-8; malloc'd, NULL when memory ran out. */
static char *mime_decode_header(const char *s, size_t len);

/* Convert len bytes in charset (NULL: undeclared) to valid UTF-8; invalid
 * sequences become U+FFFD. *bad is set to 1 when the charset is unknown
 * (then the bytes are read as UTF-8, else Windows-1252). malloc'd. */
static char *mime_to_utf8(const char *charset, const char *s, size_t len,
    size_t *outlen, int *bad);

#define HDR_VALUE_MAX (64 * 1024)

enum kind { K_MULTI, K_ALT, K_TEXT, K_HTML, K_ATTACH };
enum cte { E_IDENT, E_B64, E_QP };

struct node {
	const char *start, *end;     /* the entity: header and body */
	const char *hend;            /* end of the header block */
	const char *body;
	int parent, childno, depth;
	enum kind kind;
	enum cte cte;
	char *charset, *filename;
	char ctype[80];
	int best_child, best_score;  /* K_ALT */
};

struct parser {
	struct node nodes[MIME_MAX_PARTS];
	int n;
	struct mime_msg *m;
};

static void note(struct mime_msg *m, const char *what)
{
	size_t n = strlen(m->note);

	if (strstr(m->note, what))
		return;
	snprintf(m->note + n, sizeof m->note - n, "%s%s", n ? "; " : "", what);
}

/* ---- lines and header fields ---- */

static const char *line_end(const char *p, const char *e)
{
	const char *nl = memchr(p, '\n', (size_t)(e - p));

	return nl ? nl + 1 : e;
}

static int blank_line(const char *p, const char *le)
{
	return (le - p == 1 && p[0] == '\n') ||
	    (le - p == 2 && p[0] == '\r' && p[1] == '\n') ||
	    (le - p == 1 && p[0] == '\r') || le == p;
}

/* Does the line start with a field name and a colon? */
static int field_line(const char *p, const char *le)
{
	const char *q = p;

	while (q < le && *q > 32 && *q < 127 && *q != ':')
		q++;
	if (q == p)
		return 0;
	while (q < le && (*q == ' ' || *q == '\t'))
		q++;
	return q < le && *q == ':';
}

/* Split the entity [p, e) into its header block and body. 0, or 1 when
 * the header block was not ended by a blank line as it should be. */
static int split_header(const char *p, const char *e, const char **hend,
    const char **body)
{
	const char *q = p, *le;
	int fields = 0;

	while (q < e) {
		le = line_end(q, e);
		if (blank_line(q, le)) {
			*hend = q;
			*body = le;
			return 0;
		}
		if (field_line(q, le))
			fields++;
		else if (!(fields > 0 && (*q == ' ' || *q == '\t'))) {
			*hend = *body = q;
			return 1;
		}
		q = le;
	}
	*hend = *body = e;
	return 0;
}

/* The unfolded value of the first field called name, malloc'd, or NULL. */
static char *hdr_get(const char *hs, const char *he, const char *name)
{
	size_t nlen = strlen(name);
	const char *q = hs, *le;
	struct buf b = { .max = HDR_VALUE_MAX };

	while (q < he) {
		le = line_end(q, he);
		if ((size_t)(le - q) > nlen && strncasecmp(q, name, nlen) == 0) {
			const char *v = q + nlen;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			if (v < le && *v == ':') {
				v++;
				for (;;) {
					const char *ve = le;
					while (ve > v && (ve[-1] == '\n' || ve[-1] == '\r'))
						ve--;
					buf_add(&b, v, (size_t)(ve - v));
					q = le;
					if (q >= he || (*q != ' ' && *q != '\t'))
						break;
					le = line_end(q, he);
					v = q;
				}
				{
					char *s = buf_take(&b, NULL), *t, *w;
					if (!s)
						return NULL;
					for (t = s; *t == ' ' || *t == '\t'; t++)
						;
					w = s + strlen(s);
					while (w > t && (w[-1] == ' ' || w[-1] == '\t'))
						*--w = '\0';
					memmove(s, t, strlen(t) + 1);
					return s;
				}
			}
		}
		q = le;
	}
	return NULL;
}

/* ---- parameters of Content-Type and Content-Disposition ---- */

/* Read one parameter "name=value" at *pp (after a ';'); the name lowercased
 * into name, the value (quotes removed) into val. 0, or -1 at the end. */
static int next_param(const char **pp, char *name, size_t nsize, struct buf *val)
{
	const char *p = *pp;
	size_t n = 0;

	p = strchr(p, ';');
	if (!p)
		return -1;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t') {
		if (n + 1 < nsize)
			name[n++] = (char)tolower((unsigned char)*p);
		p++;
	}
	name[n] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '=') {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				buf_addc(val, *p);
			}
			if (*p == '"')
				p++;
		} else {
			const char *s = p;
			while (*p && *p != ';' && *p != ' ' && *p != '\t')
				p++;
			buf_add(val, s, (size_t)(p - s));
		}
	}
	*pp = p;
	return 0;
}

/* RFC 2231: charset'lang'percent-encoded -> UTF-8 (first piece only
 * carries the charset). */
static void pct_decode(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int h, l;
		if (*s == '%' && (h = hex_value((unsigned char)s[1])) >= 0 &&
		    (l = hex_value((unsigned char)s[2])) >= 0) {
			buf_addc(out, h * 16 + l);
			s += 2;
		} else
			buf_addc(out, *s);
	}
}

/* The value of parameter want in a header value (after its first ';'),
 * RFC 2231 continuations and charsets included; malloc'd UTF-8 or NULL. */
static char *param_get(const char *hv, const char *want)
{
	char name[64], charset[40] = "";
	const char *p = hv;
	struct buf plain = { .max = 4096 }, ext = { .max = 4096 };
	size_t wl = strlen(want);
	int have_plain = 0, have_ext = 0, encoded = 0, expect = 0;
	char *out = NULL;

	if (!hv)
		return NULL;
	for (;;) {
		struct buf v = { .max = 4096 };
		char *val;
		if (next_param(&p, name, sizeof name, &v) < 0) {
			buf_free(&v);
			break;
		}
		if (!(val = buf_take(&v, NULL)))
			break;
		if (strcmp(name, want) == 0 && !have_plain) {
			buf_adds(&plain, val);
			have_plain = 1;
		} else if (strncmp(name, want, wl) == 0 && name[wl] == '*') {
			const char *rest = name + wl + 1;
			int star = 0, idx = 0;
			if (*rest == '\0') {              /* name*=charset''x */
				star = 1;
				idx = expect;
			} else if (isdigit((unsigned char)*rest)) {
				idx = atoi(rest);
				while (isdigit((unsigned char)*rest))
					rest++;
				star = *rest == '*';
			}
			if (idx == expect && idx < 64) {
				const char *s = val;
				if (star && idx == 0) {
					const char *q1 = strchr(val, '\''), *q2;
					if (q1 && (q2 = strchr(q1 + 1, '\''))) {
						snprintf(charset, sizeof charset, "%.*s",
						    (int)(q1 - val), val);
						s = q2 + 1;
					}
					encoded = 1;
				}
				if (star)
					pct_decode(&ext, s);
				else
					buf_adds(&ext, s);
				have_ext = 1;
				expect++;
			}
		}
		free(val);
	}
	if (have_ext) {
		size_t len;
		char *raw = buf_take(&ext, &len);
		int bad;
		if (raw) {
			out = mime_to_utf8(encoded && *charset ? charset : NULL, raw,
			    len, NULL, &bad);
			free(raw);
		}
		buf_free(&plain);
		return out;
	}
	buf_free(&ext);
	if (have_plain) {
		char *raw = buf_take(&plain, NULL);
		if (raw) {
			out = mime_decode_header(raw, strlen(raw));
			free(raw);
		}
		return out;
	}
	buf_free(&plain);
	return NULL;
}

/* ---- charsets ---- */

/* Append s as UTF-8, replacing what is not valid UTF-8 with U+FFFD;
 * returns the number of replacements. */
static size_t utf8_fix(struct buf *out, const unsigned char *s, size_t len)
{
	size_t i = 0, bad = 0;

	while (i < len) {
		unsigned c = s[i], cp;
		size_t n, k;
		if (c < 0x80) {
			buf_addc(out, (int)c);
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) { n = 1; cp = c & 0x1f; }
		else if ((c & 0xf0) == 0xe0) { n = 2; cp = c & 0x0f; }
		else if ((c & 0xf8) == 0xf0) { n = 3; cp = c & 0x07; }
		else goto bad;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		buf_add(out, (const char *)s + i, n + 1);
		i += n + 1;
		continue;
bad:
		buf_adds(out, "\xef\xbf\xbd");
		bad++;
		i++;
	}
	return bad;
}

static int utf8_ok(const unsigned char *s, size_t len)
{
	struct buf tmp = { 0 };
	size_t bad = utf8_fix(&tmp, s, len);

	buf_free(&tmp);
	return bad == 0;
}

/* Convert with iconv; 0, or -1 when the charset is unknown. */
static int iconv_to(struct buf *out, const char *charset, const char *s,
    size_t len)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	char chunk[4096];

	if (cd == (iconv_t)-1)
		return -1;
	while (len > 0) {
		char *in = (char *)s, *o = chunk;
		size_t inleft = len, oleft = sizeof chunk;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		buf_add(out, chunk, (size_t)(o - chunk));
		s = in;
		len = inleft;
		if (r != (size_t)-1)
			break;
		if (e == E2BIG)
			continue;
		/* EILSEQ or EINVAL: one replacement character, skip a byte */
		buf_adds(out, "\xef\xbf\xbd");
		s++;
		len--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	{
		char *o = chunk;
		size_t oleft = sizeof chunk;
		iconv(cd, NULL, NULL, &o, &oleft);
		buf_add(out, chunk, (size_t)(o - chunk));
	}
	iconv_close(cd);
	return 0;
}

static int is_utf8_name(const char *cs)
{
	return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") ||
	    !strcasecmp(cs, "us-ascii") || !strcasecmp(cs, "ascii") ||
	    !strcasecmp(cs, "ansi_x3.4-1968");
}

static void to_utf8(struct buf *out, const char *charset, const char *s,
    size_t len, int *bad)
{
	char cs[64];
	size_t i;

	if (charset && *charset) {
		snprintf(cs, sizeof cs, "%s", charset);
		/* "utf-8*en" (RFC 2231 language), stray blanks */
		for (i = 0; cs[i]; i++)
			if (cs[i] == '*' || cs[i] == ' ' || cs[i] == '\t') {
				cs[i] = '\0';
				break;
			}
		if (!is_utf8_name(cs)) {
			if (iconv_to(out, cs, s, len) == 0)
				return;
			*bad = 1;
		} else if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0) {
			utf8_fix(out, (const unsigned char *)s, len);
			return;
		}
	}
	/* undeclared, ASCII, or unknown: UTF-8 if it is, else Windows-1252 */
	if (utf8_ok((const unsigned char *)s, len) ||
	    iconv_to(out, "WINDOWS-1252", s, len) < 0)
		utf8_fix(out, (const unsigned char *)s, len);
}

static char *mime_to_utf8(const char *charset, const char *s, size_t len,
    size_t *outlen, int *bad)
{
	struct buf b = { 0 };

	*bad = 0;
	to_utf8(&b, charset, s, len, bad);
	return buf_take(&b, outlen);
}

/* ---- transfer encodings ---- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

/* Decode base64, skipping line breaks; *damaged counts other junk. */
static void b64_decode(struct buf *out, const char *s, size_t len, int *damaged)
{
	unsigned acc = 0;
	int bits = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0) {
			if (s[i] == '=') {
				/* padding: the rest of this quantum */
				bits = 0;
				acc = 0;
				continue;
			}
			if (!isspace((unsigned char)s[i]))
				(*damaged)++;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addc(out, (int)((acc >> bits) & 0xff));
		}
		acc &= (1u << bits) - 1;
	}
}

/* Decode quoted-printable; *damaged counts '=' not followed by hex. */
static void qp_decode(struct buf *out, const char *s, size_t len, int q_word,
    int *damaged)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int h, l;
		if (s[i] == '_' && q_word) {
			buf_addc(out, ' ');
		} else if (s[i] != '=') {
			buf_addc(out, s[i]);
		} else if (i + 2 < len &&
		    (h = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (l = hex_value((unsigned char)s[i + 2])) >= 0) {
			buf_addc(out, h * 16 + l);
			i += 2;
		} else {
			/* soft line break: '=', optional blanks, line end */
			size_t j = i + 1;
			while (j < len && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j < len && s[j] == '\r')
				j++;
			if (j < len && s[j] == '\n') {
				i = j;
			} else if (j >= len) {
				i = len;
			} else {
				buf_addc(out, '=');
				(*damaged)++;
			}
		}
	}
}

/* ---- RFC 2047 ---- */

/* Try to read an encoded word at s; on success its end and the decoded
 * bytes in raw, charset in cs. */
static const char *encoded_word(const char *s, const char *e, char *cs,
    size_t cssize, struct buf *raw)
{
	const char *p = s + 2, *c0, *text, *q;
	int enc, damaged = 0;

	if (e - s < 8 || s[0] != '=' || s[1] != '?')
		return NULL;
	for (c0 = p; p < e && *p != '?' && p - c0 < 60; p++)
		if (*p == ' ' || *p == '\t' || *p == '\n')
			return NULL;
	if (p >= e || *p != '?' || p == c0 || (size_t)(p - c0) >= cssize)
		return NULL;
	memcpy(cs, c0, (size_t)(p - c0));
	cs[p - c0] = '\0';
	p++;
	if (p + 2 > e || p[1] != '?')
		return NULL;
	enc = toupper((unsigned char)*p);
	if (enc != 'B' && enc != 'Q')
		return NULL;
	text = p + 2;
	for (q = text; q + 1 < e && !(q[0] == '?' && q[1] == '='); q++)
		if (*q == ' ' || *q == '\t' || *q == '\n' || q - text > 2000)
			return NULL;
	if (q + 1 >= e)
		return NULL;
	if (enc == 'B')
		b64_decode(raw, text, (size_t)(q - text), &damaged);
	else
		qp_decode(raw, text, (size_t)(q - text), 1, &damaged);
	return q + 2;
}

static char *mime_decode_header(const char *s, size_t len)
{
	struct buf out = { .max = HDR_VALUE_MAX }, pend = { 0 };
	const char *e = s + len, *p = s, *lit = s;
	char cs[64], pcs[64] = "";
	int bad = 0, after_word = 0;

	while (p < e) {
		const char *we;
		struct buf raw = { 0 };
		if (p[0] == '=' && p + 1 < e && p[1] == '?' &&
		    (we = encoded_word(p, e, cs, sizeof cs, &raw))) {
			/* text since the last word: dropped if only blanks */
			const char *t;
			int blanks = 1;
			for (t = lit; t < p; t++)
				if (*t != ' ' && *t != '\t')
					blanks = 0;
			if (!(after_word && blanks)) {
				if (pend.len) {
					to_utf8(&out, pcs, pend.p, pend.len, &bad);
					pend.len = 0;
				}
				to_utf8(&out, NULL, lit, (size_t)(p - lit), &bad);
			}
			if (pend.len && strcasecmp(pcs, cs) != 0) {
				to_utf8(&out, pcs, pend.p, pend.len, &bad);
				pend.len = 0;
			}
			snprintf(pcs, sizeof pcs, "%s", cs);
			buf_add(&pend, raw.p ? raw.p : "", raw.len);
			buf_free(&raw);
			p = lit = we;
			after_word = 1;
			continue;
		}
		buf_free(&raw);
		p++;
	}
	if (pend.len)
		to_utf8(&out, pcs, pend.p, pend.len, &bad);
	to_utf8(&out, NULL, lit, (size_t)(e - lit), &bad);
	if (pend.oom)
		out.oom = 1;
	buf_free(&pend);
	return buf_take(&out, NULL);
}

/* ---- the part tree ---- */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int add_node(struct parser *ps, const char *s, const char *e,
    int parent, int childno)
{
	struct node *n;

	if (ps->n >= MIME_MAX_PARTS) {
		note(ps->m, "too many MIME parts; the rest were not read");
		return -1;
	}
	n = &ps->nodes[ps->n++];
	memset(n, 0, sizeof *n);
	n->start = s;
	n->end = e;
	n->parent = parent;
	n->childno = childno;
	n->depth = parent < 0 ? 0 : ps->nodes[parent].depth + 1;
	n->best_child = -1;
	return 0;
}

/* Is the line at q a delimiter "--boundary" or "--boundary--"? 1, 2 (the
 * close delimiter) or 0. */
static int delimiter(const char *q, const char *le, const char *bd, size_t bl)
{
	const char *r;

	if ((size_t)(le - q) < bl + 2 || q[0] != '-' || q[1] != '-' ||
	    memcmp(q + 2, bd, bl) != 0)
		return 0;
	r = q + 2 + bl;
	if (le - r >= 2 && r[0] == '-' && r[1] == '-')
		return 2;
	for (; r < le; r++)
		if (*r != ' ' && *r != '\t' && *r != '\r' && *r != '\n')
			return 0;
	return 1;
}

/* Cut the body of node i into its parts by boundary bd. */
static void split_multipart(struct parser *ps, int i, const char *bd)
{
	struct node *n = &ps->nodes[i];
	const char *q = n->body, *e = n->end, *pstart = NULL, *le;
	size_t bl = strlen(bd);
	int child = 0, closed = 0, d;

	while (q < e) {
		le = line_end(q, e);
		if ((d = delimiter(q, le, bd, bl))) {
			if (pstart) {
				/* the line break before a delimiter belongs to it */
				const char *pe = q;
				if (pe > pstart && pe[-1] == '\n')
					pe--;
				if (pe > pstart && pe[-1] == '\r')
					pe--;
				if (add_node(ps, pstart, pe, i, child++) < 0)
					return;
				n = &ps->nodes[i];
			}
			if (d == 2) {
				closed = 1;
				break;
			}
			pstart = le;
		}
		q = le;
	}
	if (!closed && pstart) {
		note(ps->m, "multipart not closed (message cut short?)");
		if (add_node(ps, pstart, e, i, child++) < 0)
			return;
	}
	if (child == 0) {
		note(ps->m, "multipart without its boundary; read as text");
		ps->nodes[i].kind = K_TEXT;
	}
}

/* Read node i's header and decide its kind; multiparts add children. */
static int read_node(struct parser *ps, int i)
{
	struct node *n = &ps->nodes[i];
	char *ct, *cte, *cd, *fn;
	const char *semi;
	size_t tl;

	if (split_header(n->start, n->end, &n->hend, &n->body)) {
		if (i == 0 && n->hend == n->start)
			note(ps->m, "no header found; the whole message is the body");
		else
			note(ps->m, "header not ended by a blank line");
	}
	ct = hdr_get(n->start, n->hend, "Content-Type");
	cte = hdr_get(n->start, n->hend, "Content-Transfer-Encoding");
	cd = hdr_get(n->start, n->hend, "Content-Disposition");
	/* a part of multipart/digest defaults to message/rfc822; we list it */
	snprintf(n->ctype, sizeof n->ctype, "%s", "text/plain");
	if (ct) {
		semi = strchr(ct, ';');
		tl = semi ? (size_t)(semi - ct) : strlen(ct);
		while (tl > 0 && (ct[tl - 1] == ' ' || ct[tl - 1] == '\t'))
			tl--;
		size_t k;
		for (k = 0; k < tl; k++)
			if ((unsigned char)ct[k] <= 32 || (unsigned char)ct[k] >= 127)
				break;
		if (k == tl && tl > 0 && tl < sizeof n->ctype && memchr(ct, '/', tl)) {
			memcpy(n->ctype, ct, tl);
			n->ctype[tl] = '\0';
			lower(n->ctype);
		} else
			note(ps->m, "bad Content-Type; read as text/plain");
	}
	n->charset = param_get(ct, "charset");
	n->cte = E_IDENT;
	if (cte) {
		lower(cte);
		if (strstr(cte, "base64"))
			n->cte = E_B64;
		else if (strstr(cte, "quoted-printable"))
			n->cte = E_QP;
	}
	fn = param_get(cd, "filename");
	if (!fn)
		fn = param_get(ct, "name");
	n->filename = fn;
	if (strncmp(n->ctype, "multipart/", 10) == 0) {
		char *bd = param_get(ct, "boundary");
		if (!bd || !*bd || strlen(bd) > 200) {
			note(ps->m, "multipart without a boundary; read as text");
			n->kind = K_TEXT;
		} else if (n->depth >= MIME_MAX_DEPTH) {
			note(ps->m, "multipart nested too deep; inner parts listed "
			    "as attachments");
			n->kind = K_ATTACH;
		} else {
			n->kind = strcmp(n->ctype, "multipart/alternative") == 0 ?
			    K_ALT : K_MULTI;
			split_multipart(ps, i, bd);
		}
		free(bd);
	} else {
		int attach = cd && strncasecmp(cd, "attachment", 10) == 0;
		int inl = cd && strncasecmp(cd, "inline", 6) == 0;
		if (!attach && (!fn || inl) && strcmp(n->ctype, "text/plain") == 0)
			n->kind = K_TEXT;
		else if (!attach && !fn && strcmp(n->ctype, "text/html") == 0)
			n->kind = K_HTML;
		else
			n->kind = K_ATTACH;
	}
	free(ct);
	free(cte);
	free(cd);
	return 0;
}

static void decode_body(const struct node *n, struct buf *out, int *damaged)
{
	size_t len = (size_t)(n->end - n->body);

	if (n->cte == E_B64)
		b64_decode(out, n->body, len, damaged);
	else if (n->cte == E_QP)
		qp_decode(out, n->body, len, 0, damaged);
	else
		buf_add(out, n->body, len);
}

/* Is leaf i on the chosen side of every multipart/alternative above it? */
static int chosen(struct parser *ps, int i)
{
	int c = i, p;

	while ((p = ps->nodes[c].parent) >= 0) {
		if (ps->nodes[p].kind == K_ALT && ps->nodes[p].best_child >= 0 &&
		    ps->nodes[p].best_child != ps->nodes[c].childno)
			return 0;
		c = p;
	}
	return 1;
}

static void score_alternatives(struct parser *ps)
{
	int i, c, p, score;

	for (i = 0; i < ps->n; i++) {
		if (ps->nodes[i].kind == K_TEXT)
			score = 2;
		else if (ps->nodes[i].kind == K_HTML)
			score = 1;
		else
			continue;
		for (c = i; (p = ps->nodes[c].parent) >= 0; c = p) {
			struct node *a = &ps->nodes[p];
			if (a->kind != K_ALT)
				continue;
			if (score > a->best_score || (score == a->best_score &&
			    ps->nodes[c].childno < a->best_child)) {
				a->best_score = score;
				a->best_child = ps->nodes[c].childno;
			}
		}
	}
}

static const struct parser *sort_ps;

static int by_offset(const void *a, const void *b)
{
	const struct node *x = &sort_ps->nodes[*(const int *)a];
	const struct node *y = &sort_ps->nodes[*(const int *)b];

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Text fit for an item: LF line ends, no other control characters. */
static void clean_text(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			buf_addc(out, '\n');
		} else if (c >= 0x20 || c == '\n' || c == '\t')
			buf_addc(out, c);
	}
}

static void add_leaf_text(struct parser *ps, const struct node *n,
    struct buf *text)
{
	struct buf raw = { 0 };
	char *u, *h = NULL;
	size_t ulen, hlen;
	int damaged = 0, bad = 0;

	decode_body(n, &raw, &damaged);
	if (damaged)
		note(ps->m, n->cte == E_B64 ? "damaged base64" :
		    "damaged quoted-printable");
	u = mime_to_utf8(n->charset, raw.p ? raw.p : "", raw.len, &ulen, &bad);
	buf_free(&raw);
	if (bad) {
		char msg[120];
		snprintf(msg, sizeof msg, "unknown charset %.60s", n->charset);
		note(ps->m, msg);
	}
	if (!u) {
		text->oom = 1;
		return;
	}
	if (n->kind == K_HTML) {
		h = html_to_text(u, ulen, &hlen);
		free(u);
		if (!h) {
			text->oom = 1;
			return;
		}
		u = h;
		ulen = hlen;
	}
	if (text->len > 0) {
		while (text->len > 0 && text->p[text->len - 1] == '\n')
			text->len--;
		buf_adds(text, "\n\n");
	}
	clean_text(text, u, ulen);
	free(u);
}

static void list_attachment(struct parser *ps, const struct node *n,
    struct buf *list)
{
	struct buf raw = { 0 };
	int damaged = 0;
	struct buf name = { 0 };

	decode_body(n, &raw, &damaged);
	if (n->filename)
		clean_text(&name, n->filename, strlen(n->filename));
	buf_addf(list, "- %s (%s, %zu bytes)\n",
	    name.p && *name.p ? name.p : "(no name)", n->ctype, raw.len);
	buf_free(&name);
	buf_free(&raw);
	ps->m->nattach++;
}

/* ---- header fields of the message ---- */

/* "<a@b>" tokens of a Message-ID, In-Reply-To or References value; all
 * of them (space-separated) or only the first. */
static char *msgids(const char *v, int all)
{
	struct buf b = { .max = 16 * 1024 };
	const char *p = v, *lt, *gt;

	if (!v)
		return NULL;
	while ((lt = strchr(p, '<')) && (gt = strchr(lt, '>'))) {
		const char *q;
		int ok = gt - lt > 1;
		for (q = lt + 1; q < gt; q++)
			if ((unsigned char)*q <= 32 || *q == '<' || (unsigned char)*q >= 127)
				ok = 0;
		if (ok) {
			if (b.len)
				buf_addc(&b, ' ');
			buf_add(&b, lt, (size_t)(gt - lt + 1));
			if (!all)
				break;
		}
		p = gt + 1;
	}
	if (b.len == 0 && !b.oom) {
		/* no brackets: a bare token, if it looks like an ID */
		const char *s = v;
		size_t n;
		while (*s == ' ' || *s == '\t')
			s++;
		n = strcspn(s, " \t");
		if (n > 0 && n < 1000 && memchr(s, '@', n)) {
			buf_addc(&b, '<');
			buf_add(&b, s, n);
			buf_addc(&b, '>');
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, NULL);
}

/* A header value for an item: decoded, on one line, control characters
 * turned into blanks. */
static char *header_text(const char *hs, const char *he, const char *name,
    int *oom)
{
	char *v = hdr_get(hs, he, name), *d, *p;

	if (!v)
		return NULL;
	d = mime_decode_header(v, strlen(v));
	free(v);
	if (!d) {
		*oom = 1;
		return NULL;
	}
	for (p = d; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return d;
}

int mime_parse(const char *raw, size_t len, struct mime_msg *m)
{
	struct parser *ps;
	struct buf text = { .max = MIME_MAX_TEXT }, list = { .max = 64 * 1024 };
	const char *hs, *he;
	int i, nleaves = 0, oom = 0, *leaves = NULL;
	char *v;

	memset(m, 0, sizeof *m);
	if (!(ps = calloc(1, sizeof *ps)))
		return aie_fail_errno(EX_TEMP, "mail parser");
	ps->m = m;
	/* an mbox "From " line from an MDA is not part of the message */
	if (len >= 5 && memcmp(raw, "From ", 5) == 0) {
		const char *le = line_end(raw, raw + len);
		len -= (size_t)(le - raw);
		raw = le;
	}
	if (len == 0)
		note(m, "empty message");
	add_node(ps, raw, raw + len, -1, 0);
	for (i = 0; i < ps->n; i++)
		read_node(ps, i);
	hs = ps->nodes[0].start;
	he = ps->nodes[0].hend;
	m->from = header_text(hs, he, "From", &oom);
	m->to = header_text(hs, he, "To", &oom);
	m->cc = header_text(hs, he, "Cc", &oom);
	m->subject = header_text(hs, he, "Subject", &oom);
	m->date = header_text(hs, he, "Date", &oom);
	v = hdr_get(hs, he, "Message-ID");
	m->message_id = msgids(v, 0);
	free(v);
	v = hdr_get(hs, he, "In-Reply-To");
	m->in_reply_to = msgids(v, 0);
	free(v);
	v = hdr_get(hs, he, "References");
	m->references = msgids(v, 1);
	free(v);

	score_alternatives(ps);
	if (!(leaves = malloc(sizeof *leaves * (size_t)ps->n))) {
		oom = 1;
		goto out;
	}
	for (i = 0; i < ps->n; i++)
		if (ps->nodes[i].kind != K_MULTI && ps->nodes[i].kind != K_ALT)
			leaves[nleaves++] = i;
	sort_ps = ps;
	qsort(leaves, (size_t)nleaves, sizeof *leaves, by_offset);
	for (i = 0; i < nleaves; i++) {
		const struct node *n = &ps->nodes[leaves[i]];
		if (n->kind == K_ATTACH)
			list_attachment(ps, n, &list);
		else if (chosen(ps, leaves[i]))
			add_leaf_text(ps, n, &text);
	}
	if (text.cut)
		note(m, "body text cut at 1 MiB");
	while (text.len > 0 && (text.p[text.len - 1] == '\n' ||
	    text.p[text.len - 1] == ' '))
		text.p[--text.len] = '\0';
	if (text.len > 0)
		buf_addc(&text, '\n');
	if (list.len) {
		text.max = 0;
		buf_adds(&text, text.len ? "\n" : "");
		buf_adds(&text, "Attachments (not stored):\n");
		buf_add(&text, list.p, list.len);
	}
	if (text.oom || list.oom)
		oom = 1;
	m->text = buf_take(&text, &m->textlen);
	if (!m->text)
		oom = 1;
out:
	buf_free(&list);
	buf_free(&text);
	free(leaves);
	for (i = 0; i < ps->n; i++) {
		free(ps->nodes[i].charset);
		free(ps->nodes[i].filename);
	}
	free(ps);
	if (oom) {
		mime_free(m);
		return aie_fail(EX_TEMP, "mail parser: out of memory");
	}
	return 0;
}

void mime_free(struct mime_msg *m)
{
	free(m->from);
	free(m->to);
	free(m->cc);
	free(m->subject);
	free(m->date);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	free(m->text);
	memset(m, 0, sizeof *m);
}
