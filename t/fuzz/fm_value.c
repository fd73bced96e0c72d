/*
 * fm_value.c - fuzz the value codec of lib/vault/fm.c.
 *
 * For any C string v: fm_encode_value(v) is one line's worth of text (no
 * byte below 0x20: a value can never add a front-matter line), and
 * fm_decode_value("k: " + encode(v)) gives back v, except that invalid
 * UTF-8 comes back with '?' for each byte >= 0x80. fm_decode_value of the
 * raw input itself must not crash or leak.
 */
#include "fuzz.h"
#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v, *enc, *line, *dec, *want, *p;
	size_t n;

	if (size > 16384)
		return 0;
	v = fz_cstr(data, size);
	free(fm_decode_value(v));
	if (!(enc = fm_encode_value(v)))
		fz_fail("fm_encode_value(\"%s\") failed", v);
	for (p = enc; *p; p++)
		if ((unsigned char)*p < 0x20)
			fz_fail("encoded value holds byte 0x%02x: \"%s\"",
			    (unsigned char)*p, enc);
	n = strlen(enc) + 8;
	if (!(line = malloc(n)))
		fz_fail("out of memory");
	snprintf(line, n, "k: %s\n", enc);
	dec = fm_decode_value(line);
	if (!(want = strdup(v)))
		fz_fail("out of memory");
	if (!fz_utf8(v))
		for (p = want; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	if (!dec || strcmp(dec, want) != 0)
		fz_fail("decode(encode(\"%s\")) = \"%s\" via \"%s\"", v,
		    dec ? dec : "(null)", enc);
	free(want);
	free(dec);
	free(line);
	free(enc);
	free(v);
	return 0;
}
