/*
 * t/fuzz/dashboard.c - libFuzzer harness for the dashboard's parsers of
 * outside input: the query/form decoder, the cookie reader, session cookie
 * verification, the UTF-8 text check and the usage table parser.
 *
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -Ilib -Icgi t/fuzz/dashboard.c lib/web/web.c cgi/dash/costdays.c lib/web/session.c \
 *     lib/base/error.c lib/vault/config.c lib/vault/names.c lib/base/file.c lib/vault/vault.c lib/vault/fm.c \
 *     -lsodium -ljansson -o build/fuzz-dashboard
 *   ./build/fuzz-dashboard -max_total_time=60
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dash/dash.h"
#include "web/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "id", "csrf", "note", "reason",
	    "days", NULL };
	static const unsigned char key[32];
	char *s = malloc(size + 1), out[128];
	struct costday d;
	struct sess ss;
	struct web w;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&w, 0, sizeof w);
	w.query = s;
	w.cookie = s;
	web_decode_query(&w, keys);
	web_free(&w);
	web_cookie(&w, "aie_session", out, sizeof out);
	sess_check(key, s, 0, &ss);
	web_text_ok(s);
	memset(&d, 0, sizeof d);
	cost_parse((const char *)data, size, &d);
	free(s);
	return 0;
}
