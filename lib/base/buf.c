/*
 * buf.c - the growable byte buffer of buf.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static int grow(struct buf *b, size_t need)
{
	size_t ncap;
	char *n;

	if (b->oom)
		return -1;
	if (need < b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap <= need) {
		if (ncap > ((size_t)-1) / 2) {
			b->oom = 1;
			return -1;
		}
		ncap *= 2;
	}
	if (!(n = realloc(b->p, ncap))) {
		b->oom = 1;
		return -1;
	}
	b->p = n;
	b->cap = ncap;
	return 0;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->max && b->len + n > b->max) {
		b->cut = 1;
		n = b->len < b->max ? b->max - b->len : 0;
	}
	if (n == 0 && b->p)
		return;
	if (grow(b, b->len + n + 1) < 0)
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	char small[256], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		buf_add(b, small, (size_t)n);
		return;
	}
	if (!(big = malloc((size_t)n + 1))) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

char *buf_take(struct buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	if (!b->p)
		buf_add(b, "", 0);
	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void buf_add_untrusted(struct buf *b, const char *s, size_t max)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '<' && s[i + 1] == '/') {
			buf_adds(b, "< /");
			i++;
			continue;
		}
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
			continue;
		buf_addc(b, ch);
	}
	if (n > max)
		buf_adds(b, "\n[... truncated]");
}
