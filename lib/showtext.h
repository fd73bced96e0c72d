/*
 * showtext.h - text as the owner must see it before it is signed: every
 * byte either shown as itself or marked, so nothing the signature covers
 * can hide (see approve(1), "What is signed"). approve -i and the
 * dashboard draw a draft through the same split; approval refuses what
 * show_refused() finds.
 */
#ifndef AIE_SHOWTEXT_H
#define AIE_SHOWTEXT_H

#include <stddef.h>

#define SHOW_TOKEN_MAX 16        /* "U+10FFFF", "0xFF" and their NUL */

/* One piece of a text: n bytes at s shown as they are (mark NULL), or one
 * character or byte that must be shown marked, mark naming it: "U+202E"
 * for a control, a bidi or an invisible character, "0xFF" for a byte that
 * is not UTF-8. */
typedef void (*show_fn)(void *ctx, const char *s, size_t n, const char *mark);

/* Split s[0..len) into pieces for fn, in order. Marked: every C0 control
 * but tab (and, when multiline, LF, and CR directly before LF), DEL, C1
 * controls, bidi controls, zero-width and other invisible characters,
 * Unicode tag characters, the brackets the marks are drawn in, and any
 * byte that is not part of valid UTF-8. */
void show_split(const char *s, size_t len, int multiline, show_fn fn,
    void *ctx);

/* Where approval refuses s[0..len): the offset of the first NUL or other
 * control (C0 but tab, and LF and CR-before-LF when multiline; DEL; C1)
 * or invalid UTF-8, with its name in tok; (size_t)-1 when there is none.
 * Bidi and invisible characters are shown marked, not refused: they are
 * real text in some languages. */
size_t show_refused(const char *s, size_t len, int multiline,
    char tok[SHOW_TOKEN_MAX]);

#endif
