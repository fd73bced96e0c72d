/*
 * showtext.c - fuzz show_split and show_refused (lib/base/showtext.c), which
 * decide what of a draft the owner sees as it is and what is marked.
 * Properties, in single-line and multiline mode: the pieces cover the
 * input exactly, in order; a plain piece holds no NUL, no control but tab
 * (LF and CR before LF when multiline) and only valid UTF-8 (checked by
 * splitting it again: it must come back as one plain piece); a marked
 * piece is one character or one byte with a token of at most
 * SHOW_TOKEN_MAX - 1 bytes; show_refused finds a place exactly when a
 * marked piece is a control or a stray byte, and the first such one.
 */
#include "fuzz.h"
#include "base/base.h"

struct walk {
	const char *base;
	size_t at, first_refused, pieces, plain_pieces;
	int multiline;
};

static int is_refused_mark(const char *mark)
{
	unsigned long cp;

	if (mark[0] == '0')
		return 1;                 /* 0xNN: a stray byte */
	cp = strtoul(mark + 2, NULL, 16);
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static void count(void *ctx, const char *s, size_t n, const char *mark)
{
	struct walk *w = ctx;

	(void)s;
	(void)n;
	w->pieces++;
	if (!mark)
		w->plain_pieces++;
}

static void piece(void *ctx, const char *s, size_t n, const char *mark)
{
	struct walk *w = ctx, again = { s, 0, (size_t)-1, 0, 0, w->multiline };

	if (s != w->base + w->at || n == 0)
		fz_fail("piece at %zu, expected %zu (length %zu)",
		    (size_t)(s - w->base), w->at, n);
	if (mark) {
		if (n > 4 || strlen(mark) >= SHOW_TOKEN_MAX ||
		    (strncmp(mark, "U+", 2) && strncmp(mark, "0x", 2)))
			fz_fail("bad mark %s over %zu bytes", mark, n);
		if (is_refused_mark(mark) && w->first_refused == (size_t)-1)
			w->first_refused = w->at;
	} else {
		if (memchr(s, '\0', n))
			fz_fail("a NUL in a plain piece");
		show_split(s, n, w->multiline, count, &again);
		if (again.plain_pieces != again.pieces)
			fz_fail("a plain piece splits again");
	}
	w->at += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char tok[SHOW_TOKEN_MAX];
	int multiline;

	for (multiline = 0; multiline < 2; multiline++) {
		struct walk w = { (const char *)data, 0, (size_t)-1, 0, 0,
		    multiline };
		size_t at;
		show_split((const char *)data, size, multiline, piece, &w);
		if (w.at != size)
			fz_fail("pieces cover %zu of %zu bytes", w.at, size);
		at = show_refused((const char *)data, size, multiline, tok);
		if (at != w.first_refused)
			fz_fail("show_refused says %zu, the marks %zu", at,
			    w.first_refused);
	}
	return 0;
}
