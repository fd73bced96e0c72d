/*
 * buf.h - a growable byte buffer for the parsers and composers of lib/
 * (mime.c, htmltext.c, smtp.c). An allocation failure is sticky: the
 * buffer remembers it, later appends do nothing, and the owner checks
 * once at the end, so parser code does not test every append.
 */
#ifndef AIE_BUF_H
#define AIE_BUF_H

#include <stddef.h>

struct buf {
	char *p;                 /* always NUL-terminated when not NULL */
	size_t len, cap;
	size_t max;              /* 0: no cap; else appends beyond it are cut */
	int oom, cut;            /* allocation failed; something was cut */
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hand over the bytes (malloc'd, NUL-terminated; "" when empty), or NULL
 * when an allocation failed. The buffer is empty afterwards. */
char *buf_take(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
