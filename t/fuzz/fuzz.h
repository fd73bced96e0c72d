/*
 * fuzz.h - what the libFuzzer harnesses in t/fuzz/ share.
 *
 * Each t/fuzz/NAME.c defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize); `make fuzz` builds it against the lib/ sources with
 * clang -fsanitize=fuzzer,address,undefined and runs it on a copy of
 * t/fuzz/corpus/NAME/. A property that does not hold calls fz_fail(), which
 * prints the reason and aborts, so libFuzzer saves the input as a crash.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((format(printf, 1, 2), noreturn, unused))
static void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz property failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The input up to its first NUL as a malloc'd C string. */
__attribute__((unused))
static char *fz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);

	if (!s)
		fz_fail("out of memory");
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* Is s valid UTF-8 (shortest form, no surrogates, at most U+10FFFF)?
 * Written apart from lib/fm.c's check, to be an independent oracle. */
__attribute__((unused))
static int fz_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s;
		if (c < 0x80) {
			s++;
		} else if (c >= 0xc2 && c <= 0xdf) {
			if ((s[1] & 0xc0) != 0x80)
				return 0;
			s += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
			unsigned hi = c == 0xed ? 0x9f : 0xbf;
			if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
				return 0;
			s += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned lo = c == 0xf0 ? 0x90 : 0x80;
			unsigned hi = c == 0xf4 ? 0x8f : 0xbf;
			if (s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
			    (s[3] & 0xc0) != 0x80)
				return 0;
			s += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

/* An HTTP reply as the reply harnesses take it: data[0] is the harness's
 * own (which network, which step), data[1] picks the status out of
 * statuses[0..n) and, odd, a Retry-After of 120 s; then the header the
 * request kept, up to the first newline (none without a newline), then
 * the body. */
struct fz_reply {
	long status;
	long retry_after;        /* 120, or -1 when none came */
	char *header;            /* malloc'd, or NULL; fz_reply_free */
	const char *body;        /* into data, not NUL-terminated */
	size_t len;
};

/* 0 with *r filled in, or -1 when the input is too short to be a reply. */
__attribute__((unused))
static int fz_reply(const uint8_t *data, size_t size, const long *statuses,
    size_t n, struct fz_reply *r)
{
	const char *nl;

	if (size < 2)
		return -1;
	r->status = statuses[data[1] % n];
	r->retry_after = data[1] % 2 ? 120 : -1;
	r->body = (const char *)data + 2;
	r->len = size - 2;
	r->header = NULL;
	if ((nl = memchr(r->body, '\n', r->len))) {
		if (!(r->header = strndup(r->body, (size_t)(nl - r->body))))
			fz_fail("out of memory");
		r->len -= (size_t)(nl + 1 - r->body);
		r->body = nl + 1;
	}
	return 0;
}

__attribute__((unused))
static void fz_reply_free(struct fz_reply *r)
{
	free(r->header);
	r->header = NULL;
}

#endif
