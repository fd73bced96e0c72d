/*
 * showtext.c - split text into what can be shown as it is and what must
 * be marked (see showtext.h).
 *
 * A signed draft must read the same to the owner as to the mail server:
 * a NUL that ends the text on one screen but not in the sent mail, a
 * U+202E that turns "exe.pdf" around, a zero-width space inside an
 * address, a tag character that smuggles invisible ASCII, a terminal
 * escape that rewrites what approve -i printed. One decoder walks the
 * bytes once; the marked set is a table of ranges, so adding a character
 * is one line. The brackets of the marks (U+27E6, U+27E7) are marked
 * themselves, so a draft cannot spell a fake mark.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

struct range { unsigned long lo, hi; };

/* Shown marked (controls are handled before this table). */
static const struct range marked[] = {
	{ 0x00ad, 0x00ad },      /* soft hyphen */
	{ 0x034f, 0x034f },      /* combining grapheme joiner */
	{ 0x061c, 0x061c },      /* Arabic letter mark */
	{ 0x115f, 0x1160 },      /* Hangul fillers */
	{ 0x17b4, 0x17b5 },      /* Khmer invisible vowels */
	{ 0x180b, 0x180f },      /* Mongolian selectors, vowel separator */
	{ 0x200b, 0x200f },      /* zero-width space/joiners, LRM, RLM */
	{ 0x2028, 0x202e },      /* line/paragraph separators, LRE..RLO */
	{ 0x2060, 0x2064 },      /* word joiner, invisible operators */
	{ 0x2066, 0x206f },      /* isolates LRI..PDI, deprecated formats */
	{ 0x27e6, 0x27e7 },      /* the brackets marks are drawn in */
	{ 0x3164, 0x3164 },      /* Hangul filler */
	{ 0xfeff, 0xfeff },      /* zero-width no-break space, BOM */
	{ 0xfffd, 0xfffd },      /* replacement: bytes were lost before */
	{ 0xffa0, 0xffa0 },      /* halfwidth Hangul filler */
	{ 0xfff9, 0xfffb },      /* interlinear annotation */
	{ 0x1d173, 0x1d17a },    /* musical formatting */
	{ 0xe0000, 0xe007f },    /* tag characters */
	{ 0xe0100, 0xe01ef },    /* variation selectors supplement */
};

/* The code point at s (n > 0 bytes left) and its length, or 0 when the
 * byte at s does not start valid UTF-8 (overlongs and surrogates too). */
static size_t utf8_at(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* A control approval refuses: C0 but tab (LF and CR before LF allowed in
 * multiline text), DEL, C1. */
static int refused_control(unsigned long cp, const unsigned char *next,
    size_t left, int multiline)
{
	if (cp == '\t')
		return 0;
	if (multiline && cp == '\n')
		return 0;
	if (multiline && cp == '\r' && left > 0 && next[0] == '\n')
		return 0;
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static int in_marked(unsigned long cp)
{
	size_t i;

	for (i = 0; i < sizeof marked / sizeof marked[0]; i++)
		if (cp >= marked[i].lo && cp <= marked[i].hi)
			return 1;
	return 0;
}

/* Length of the piece at p and whether it is marked (with tok filled). */
static size_t piece(const unsigned char *p, size_t left, int multiline,
    int *mark, char tok[SHOW_TOKEN_MAX])
{
	unsigned long cp;
	size_t n = utf8_at(p, left, &cp);

	if (n == 0) {
		snprintf(tok, SHOW_TOKEN_MAX, "0x%02X", p[0]);
		*mark = 1;
		return 1;
	}
	*mark = refused_control(cp, p + n, left - n, multiline) ||
	    in_marked(cp);
	if (*mark)
		snprintf(tok, SHOW_TOKEN_MAX, "U+%04lX", cp);
	return n;
}

void show_split(const char *s, size_t len, int multiline, show_fn fn,
    void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	char tok[SHOW_TOKEN_MAX];
	size_t i = 0, run = 0, n;
	int mark;

	while (i < len) {
		n = piece(p + i, len - i, multiline, &mark, tok);
		if (!mark) {
			i += n;
			continue;
		}
		if (i > run)
			fn(ctx, s + run, i - run, NULL);
		fn(ctx, s + i, n, tok);
		i += n;
		run = i;
	}
	if (len > run)
		fn(ctx, s + run, len - run, NULL);
}

size_t show_refused(const char *s, size_t len, int multiline,
    char tok[SHOW_TOKEN_MAX])
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_at(p + i, len - i, &cp)) == 0) {
			snprintf(tok, SHOW_TOKEN_MAX, "0x%02X", p[i]);
			return i;
		}
		if (refused_control(cp, p + i + n, len - i - n, multiline)) {
			snprintf(tok, SHOW_TOKEN_MAX, "U+%04lX", cp);
			return i;
		}
		i += n;
	}
	return (size_t)-1;
}
