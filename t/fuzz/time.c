/*
 * time.c - fuzz time_parse_rfc3339 and duration_parse (lib/vault/names.c).
 *
 * The input (up to its first NUL) is parsed as a time and as a duration.
 *  - An accepted time formats (time_rfc3339) as a NUL-terminated 20-byte
 *    "YYYY-MM-DDTHH:MM:SSZ" that parses back to the same instant.
 *  - An accepted duration equals what a plain reading gives: decimal digits
 *    (at most 100 years' worth) and one optional unit of s, m, h, d, w.
 */
#include <ctype.h>
#include <limits.h>

#include "fuzz.h"
#include "vault/vault.h"

static void check_time(const char *s)
{
	char buf[32];
	time_t t, t2;
	size_t i;

	if (time_parse_rfc3339(s, &t) < 0)
		return;
	memset(buf, 'X', sizeof buf);
	time_rfc3339(t, buf);
	if (memchr(buf, '\0', 21) == NULL)
		fz_fail("time_rfc3339 of \"%s\" is not terminated", s);
	if (strlen(buf) != 20 || buf[4] != '-' || buf[7] != '-' ||
	    buf[10] != 'T' || buf[13] != ':' || buf[16] != ':' || buf[19] != 'Z')
		fz_fail("time_rfc3339 of \"%s\" is \"%s\"", s, buf);
	for (i = 0; i < 19; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 &&
		    !isdigit((unsigned char)buf[i]))
			fz_fail("time_rfc3339 of \"%s\" is \"%s\"", s, buf);
	if (time_parse_rfc3339(buf, &t2) < 0 || t2 != t)
		fz_fail("\"%s\" -> %lld -> \"%s\" does not parse back", s,
		    (long long)t, buf);
}

static void check_duration(const char *s)
{
	long got, want = 0, mult = 1;
	const char *p = s;
	int r = duration_parse(s, &got), ok = 1;

	if (!isdigit((unsigned char)*p))
		ok = 0;
	for (; ok && isdigit((unsigned char)*p); p++) {
		if (want > (100L * 365 * 86400) / 10 + 1)
			ok = 0;
		else
			want = want * 10 + (*p - '0');
	}
	if (want > 100L * 365 * 86400)
		ok = 0;
	switch (*p) {
	case '\0': break;
	case 's': mult = 1; p++; break;
	case 'm': mult = 60; p++; break;
	case 'h': mult = 3600; p++; break;
	case 'd': mult = 86400; p++; break;
	case 'w': mult = 7 * 86400; p++; break;
	default: ok = 0;
	}
	if (*p)
		ok = 0;
	if (ok != (r == 0))
		fz_fail("duration_parse(\"%s\") = %d, want %s", s, r,
		    ok ? "success" : "failure");
	if (ok && got != want * mult)
		fz_fail("duration_parse(\"%s\") = %ld, want %ld", s, got,
		    want * mult);
	if (ok && got < 0)
		fz_fail("duration_parse(\"%s\") is negative", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	s = fz_cstr(data, size);
	check_time(s);
	check_duration(s);
	free(s);
	return 0;
}
