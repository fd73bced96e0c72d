/*
 * fm.c - front matter that survives a rewrite.
 *
 * An item is "---", key: value lines, "---", then the body. The parser keeps
 * every front-matter line as its raw bytes (line ending included) and notes
 * the key of those it understands; the body is kept as bytes. Setting a key
 * rewrites that one line or adds one before the closing "---", so YAML
 * lists, comments, Obsidian properties, CRLF endings and non-UTF-8 bytes in
 * the body come back exactly as they were. Written to be fuzzed: no
 * recursion, every length checked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "vault/vault.h"

static int key_char(int c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

/* Length of the key when line is "key:" followed by a blank or the end. */
static size_t line_key(const char *line, size_t len)
{
	size_t i = 0;

	if (len == 0 || !key_char((unsigned char)line[0], 1))
		return 0;
	while (i < len && key_char((unsigned char)line[i], i == 0))
		i++;
	if (i >= len || line[i] != ':')
		return 0;
	if (i + 1 < len && line[i + 1] != ' ' && line[i + 1] != '\t' &&
	    line[i + 1] != '\r' && line[i + 1] != '\n')
		return 0;
	return i;
}

static int add_line(struct item *it, const char *raw, size_t len)
{
	struct fm_line *l;
	size_t klen;

	if (it->nlines == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 16;
		struct fm_line *n = realloc(it->lines, ncap * sizeof *n);
		if (!n)
			return aie_fail_errno(EX_TEMP, "front matter");
		it->lines = n;
		it->cap = ncap;
	}
	l = &it->lines[it->nlines];
	if (!(l->raw = malloc(len + 1)))
		return aie_fail_errno(EX_TEMP, "front matter");
	memcpy(l->raw, raw, len);
	l->raw[len] = '\0';
	l->key = NULL;
	if ((klen = line_key(raw, len)) > 0) {
		if (!(l->key = strndup(raw, klen))) {
			free(l->raw);
			return aie_fail_errno(EX_TEMP, "front matter");
		}
	}
	it->nlines++;
	return 0;
}

static int is_fence(const char *p, size_t len)
{
	return (len == 4 && memcmp(p, "---\n", 4) == 0) ||
	    (len == 5 && memcmp(p, "---\r\n", 5) == 0) ||
	    (len == 3 && memcmp(p, "---", 3) == 0);
}

/* Parse buf into it. A file without front matter becomes an item with none
 * and the whole file as body; an opening "---" with no closing one, or a NUL
 * in the front matter, is an error (65). */
int fm_parse(struct item *it, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t llen;

	memset(it, 0, sizeof *it);
	it->eol = "\n";
	nl = memchr(p, '\n', len);
	llen = nl ? (size_t)(nl - p) + 1 : len;
	if (!is_fence(p, llen) || !nl) {
		if (!(it->body = malloc(len + 1)))
			return aie_fail_errno(EX_TEMP, "item");
		memcpy(it->body, buf, len);
		it->body[len] = '\0';
		it->bodylen = len;
		return 0;
	}
	if (llen == 5)
		it->eol = "\r\n";
	p += llen;
	for (;;) {
		if (p >= end) {
			fm_free(it);
			return aie_fail(EX_DATA, "front matter has no closing ---");
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (memchr(p, '\0', llen)) {
			fm_free(it);
			return aie_fail(EX_DATA, "NUL byte in the front matter");
		}
		if (is_fence(p, llen)) {
			p += llen;
			break;
		}
		if (add_line(it, p, llen) < 0) {
			fm_free(it);
			return -1;
		}
		p += llen;
	}
	it->bodylen = (size_t)(end - p);
	if (!(it->body = malloc(it->bodylen + 1))) {
		fm_free(it);
		return aie_fail_errno(EX_TEMP, "item");
	}
	memcpy(it->body, p, it->bodylen);
	it->body[it->bodylen] = '\0';
	return 0;
}

void fm_free(struct item *it)
{
	size_t i;

	for (i = 0; i < it->nlines; i++) {
		free(it->lines[i].raw);
		free(it->lines[i].key);
	}
	free(it->lines);
	free(it->body);
	memset(it, 0, sizeof *it);
}

/* Is s valid UTF-8 (no overlongs, no surrogates)? */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		int n;
		unsigned cp;
		if (*s < 0x80) { s++; continue; }
		if ((*s & 0xe0) == 0xc0) { n = 1; cp = *s & 0x1f; }
		else if ((*s & 0xf0) == 0xe0) { n = 2; cp = *s & 0x0f; }
		else if ((*s & 0xf8) == 0xf0) { n = 3; cp = *s & 0x07; }
		else return 0;
		s++;
		for (int i = 0; i < n; i++, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* 1 when s is all digits of the base its prefix letter names (and '_'):
 * 0x1f is a number to YAML, 0bfa3 (a hex signature) is a string. */
static int based_digits(const char *s, char base)
{
	const char *digits = strchr("xX", base) ? "0123456789abcdefABCDEF_" :
	    strchr("oO", base) ? "01234567_" : "01_";

	return s[strspn(s, digits)] == '\0';
}

/* 1 when YAML 1.1 (what Obsidian reads) would take the plain scalar v for
 * something else than a string: null (~, null), a boolean (yes, no, on, off,
 * y, n, true, false), a number (1234, -1.5, 1e3, 0x1f, 1_000, 1:30, .inf)
 * or a date (2026-01-01). Quoting more than needed is harmless, so numbers
 * and dates are one rule: an optional sign, then only digits and the
 * characters numbers and dates are made of. RFC 3339 times (with T and Z)
 * stay plain on purpose: a YAML reader takes them for the same instant. */
static int yaml_reads_as_other(const char *v)
{
	static const char *const words[] = {
		"~", "null", "y", "n", "yes", "no", "on", "off", "true", "false",
		".inf", ".nan"
	};
	size_t i;
	int digit = 0;

	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasecmp(v, words[i]) == 0)
			return 1;
	if (*v == '+' || *v == '-')
		v++;
	if (strcasecmp(v, ".inf") == 0)
		return 1;
	if (v[0] == '0' && v[1] && strchr("xXoObB", v[1]))
		return v[2] && based_digits(v + 2, v[1]);
	for (; *v; v++) {
		if (*v >= '0' && *v <= '9')
			digit = 1;
		else if (!strchr("._:eE+-", *v))
			return 0;
	}
	return digit;
}

static int needs_quotes(const char *v)
{
	size_t n = strlen(v);
	const char *p;

	if (n == 0 || v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
	    v[n - 1] == '\t' || strchr("[]{}&*!|>%@`,?\"'#", v[0]) ||
	    (v[0] == '-' && (v[1] == ' ' || v[1] == '\0')) || v[n - 1] == ':' ||
	    strstr(v, ": ") || strchr(v, '#') || strchr(v, '"') ||
	    strchr(v, '\'') || yaml_reads_as_other(v))
		return 1;
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 1;
	return !utf8_valid((const unsigned char *)v);
}

/* The text of a value as written after "key: "; malloc'd. */
char *fm_encode_value(const char *value)
{
	json_t *s;
	char *out, *copy = NULL;

	if (!needs_quotes(value))
		return strdup(value);
	if (!utf8_valid((const unsigned char *)value)) {
		/* JSON strings are UTF-8: stray bytes become U+FFFD-free '?' */
		unsigned char *q;
		if (!(copy = strdup(value)))
			return NULL;
		for (q = (unsigned char *)copy; *q; q++)
			if (*q >= 0x80)
				*q = '?';
		value = copy;
	}
	s = json_string(value);
	out = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
	json_decref(s);
	free(copy);
	return out;
}

/* The value of a raw "key: value" line; malloc'd, or NULL on a bad quote. */
char *fm_decode_value(const char *raw)
{
	const char *p = strchr(raw, ':');
	size_t n;
	char *v, *out;

	if (!p)
		return NULL;
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!(v = strndup(p, n)))
		return NULL;
	if (v[0] == '"') {
		json_error_t e;
		json_t *s = json_loads(v, JSON_DECODE_ANY, &e);
		out = s && json_is_string(s) ? strdup(json_string_value(s)) : NULL;
		json_decref(s);
		free(v);
		return out;
	}
	if (v[0] == '\'') {
		char *r = v + 1, *w = v;
		for (; *r; r++) {
			if (*r == '\'') {
				if (r[1] != '\'')
					break;
				r++;
			}
			*w++ = *r;
		}
		if (*r != '\'') {
			free(v);
			return NULL;
		}
		*w = '\0';
		return v;
	}
	/* a plain scalar: " #" starts a YAML comment */
	for (out = v; *out; out++)
		if ((*out == '#') && out > v && (out[-1] == ' ' || out[-1] == '\t')) {
			while (out > v && (out[-1] == ' ' || out[-1] == '\t'))
				out--;
			*out = '\0';
			break;
		}
	return v;
}

static struct fm_line *find(const struct item *it, const char *key)
{
	size_t i;

	for (i = 0; i < it->nlines; i++)
		if (it->lines[i].key && strcmp(it->lines[i].key, key) == 0)
			return &it->lines[i];
	return NULL;
}

/* The decoded value of key (malloc'd), or NULL when absent. */
char *fm_get(const struct item *it, const char *key)
{
	struct fm_line *l = find(it, key);

	return l ? fm_decode_value(l->raw) : NULL;
}

/* 1 when vault(5) defines key as a count and value is one (0, 1, 42):
 * written as a YAML integer, which is what it is. Every other value is a
 * string and quoted when YAML would read it as something else. */
static int count_value(const char *key, const char *value)
{
	static const char *const count_keys[] = { "exec_attempts" };
	size_t i, n = strspn(value, "0123456789");

	if (n == 0 || value[n] || (value[0] == '0' && n > 1) || n > 9)
		return 0;
	for (i = 0; i < sizeof count_keys / sizeof *count_keys; i++)
		if (strcmp(key, count_keys[i]) == 0)
			return 1;
	return 0;
}

/* Set key to value: rewrite its line in place, or append a line. */
int fm_set(struct item *it, const char *key, const char *value)
{
	struct fm_line *l = find(it, key);
	char *enc, *raw;
	size_t n, i;

	/* a key the parser reads back: [_a-z][_a-z0-9]* */
	for (i = 0; key[i]; i++)
		if (!key_char((unsigned char)key[i], i == 0))
			break;
	if (i == 0 || key[i])
		return aie_fail(EX_DATA, "%s: bad key", key);
	if (!(enc = count_value(key, value) ? strdup(value) :
	    fm_encode_value(value)))
		return aie_fail_errno(EX_TEMP, "%s: cannot encode", key);
	n = strlen(key) + 2 + strlen(enc) + strlen(it->eol) + 1;
	if (!(raw = malloc(n))) {
		free(enc);
		return aie_fail_errno(EX_TEMP, "%s", key);
	}
	snprintf(raw, n, "%s: %s%s", key, enc, it->eol);
	free(enc);
	if (l) {
		free(l->raw);
		l->raw = raw;
		return 0;
	}
	if (add_line(it, raw, strlen(raw)) < 0) {
		free(raw);
		return -1;
	}
	free(raw);
	return 0;
}

/* Remove every line of key. */
int fm_del(struct item *it, const char *key)
{
	size_t i, j;

	for (i = j = 0; i < it->nlines; i++) {
		if (it->lines[i].key && strcmp(it->lines[i].key, key) == 0) {
			free(it->lines[i].raw);
			free(it->lines[i].key);
			continue;
		}
		it->lines[j++] = it->lines[i];
	}
	it->nlines = j;
	return 0;
}

/* The whole file again; *buf malloc'd. */
int fm_serialize(const struct item *it, char **buf, size_t *len)
{
	size_t n = 2 * (3 + strlen(it->eol)) + it->bodylen + 1, i, off = 0;
	char *b;

	for (i = 0; i < it->nlines; i++)
		n += strlen(it->lines[i].raw) + 2;
	if (!(b = malloc(n)))
		return aie_fail_errno(EX_TEMP, "item");
	off += (size_t)sprintf(b + off, "---%s", it->eol);
	for (i = 0; i < it->nlines; i++) {
		size_t l = strlen(it->lines[i].raw);
		memcpy(b + off, it->lines[i].raw, l);
		off += l;
		/* a last raw line without its newline gets one */
		if (l == 0 || it->lines[i].raw[l - 1] != '\n')
			off += (size_t)sprintf(b + off, "%s", it->eol);
	}
	off += (size_t)sprintf(b + off, "---%s", it->eol);
	memcpy(b + off, it->body, it->bodylen);
	off += it->bodylen;
	b[off] = '\0';
	*buf = b;
	*len = off;
	return 0;
}

int item_load(struct vault *v, const struct itemref *ref, struct item *it)
{
	char *buf;
	size_t len;
	int r;

	if (file_readat(v->dirfd, ref->rel, &buf, &len) < 0)
		return -1;
	r = fm_parse(it, buf, len);
	free(buf);
	if (r < 0) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		return aie_fail(EX_DATA, "%s: %s", ref->rel, why);
	}
	return 0;
}

int item_store(struct vault *v, const struct itemref *ref,
    const struct item *it)
{
	char *buf;
	size_t len;
	int r;

	if (fm_serialize(it, &buf, &len) < 0)
		return -1;
	r = file_writeat(v->dirfd, ref->rel, buf, len, 0644);
	free(buf);
	return r;
}
