/*
 * fzseal.h - a sealed cache file (cgi/dash/sealed.c) around fuzz input,
 * for the harnesses of the caches' readers, so that their bodies are
 * reached and not only the seal. Include after fuzz.h.
 */
#ifndef FZSEAL_H
#define FZSEAL_H

#include "dash/dash.h"

/* The first line of magic sealing data (size bytes), then data, into out
 * (room for both); the sum into h. The first line's length. */
__attribute__((unused))
static size_t fz_seal(char *out, const char *magic, const uint8_t *data,
    size_t size, unsigned char h[SEAL_DIGEST])
{
	struct buf b = { 0 };
	size_t top;

	seal_start(&b, magic);
	buf_add(&b, (const char *)data, size);
	if (seal_close(&b, magic, h) < 0)
		fz_fail("out of memory");
	memcpy(out, b.p, b.len);
	top = b.len - size;
	buf_free(&b);
	return top;
}

#endif
