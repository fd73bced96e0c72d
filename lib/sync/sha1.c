/*
 * sha1.c - SHA-1 (FIPS 180-4) of a byte stream: the checksum that ends a
 * pack file (packwrite.c). libgit2 hashes each object itself when it
 * indexes the pack, and checks this one against its own; it offers no
 * hash of its own to callers.
 */
#include <string.h>

#include "internal.h"

static uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

static void block(struct sha1 *h, const unsigned char *p)
{
	uint32_t w[80], a, b, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h->s[0];
	b = h->s[1];
	c = h->s[2];
	d = h->s[3];
	e = h->s[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h->s[0] += a;
	h->s[1] += b;
	h->s[2] += c;
	h->s[3] += d;
	h->s[4] += e;
}

void sha1_init(struct sha1 *h)
{
	static const uint32_t iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };

	memcpy(h->s, iv, sizeof iv);
	h->len = 0;
}

void sha1_update(struct sha1 *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t have = (size_t)(h->len % 64), take;

	h->len += n;
	if (have) {
		take = 64 - have < n ? 64 - have : n;
		memcpy(h->buf + have, p, take);
		p += take;
		n -= take;
		if (have + take < 64)
			return;
		block(h, h->buf);
	}
	for (; n >= 64; p += 64, n -= 64)
		block(h, p);
	memcpy(h->buf, p, n);
}

void sha1_final(struct sha1 *h, unsigned char out[20])
{
	unsigned char pad[72] = { 0x80 };
	uint64_t bits = h->len * 8;
	size_t have = (size_t)(h->len % 64), n = have < 56 ? 56 - have :
	    120 - have;
	int i;

	for (i = 0; i < 8; i++)
		pad[n + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(h, pad, n + 8);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(h->s[i / 4] >> (24 - 8 * (i % 4)));
}
