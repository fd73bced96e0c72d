/*
 * t/fuzz/mime.c - libFuzzer harness for lib/mail/mime.c and lib/mail/htmltext.c:
 * any bytes must parse into a mime_msg (or fail only for memory) without
 * a crash, a leak or undefined behaviour, and the body text must be valid
 * UTF-8 without NUL bytes. Built and run by "make fuzz" (t/fuzz/run).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "mail/mail.h"

static void check_utf8(const char *s, size_t len)
{
	size_t i = 0;

	if (memchr(s, '\0', len))
		abort();
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 :
		    (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (n == 9 || i + n >= len + (n ? 0 : 1))
			abort();
		for (size_t k = 1; k <= n; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				abort();
		i += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg m;
	size_t hl;
	char *h;

	if (mime_parse((const char *)data, size, &m) == 0) {
		check_utf8(m.text, m.textlen);
		if (m.subject)
			check_utf8(m.subject, strlen(m.subject));
		mime_free(&m);
	}
	if ((h = html_to_text((const char *)data, size, &hl))) {
		free(h);
	}
	return 0;
}
