/*
 * names.c - what a valid item ID, agent or domain name looks like (see vault(5)),
 * generated IDs, and the two time formats the vault uses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "vault/vault.h"

/* An ID matches [A-Za-z0-9][A-Za-z0-9_.-]{0,119} and never holds "..". */
int id_valid(const char *id)
{
	size_t i;

	if (!id || !isalnum((unsigned char)id[0]) || !isascii(id[0]))
		return 0;
	for (i = 0; id[i]; i++) {
		unsigned char c = id[i];
		if (i >= AIE_ID_MAX)
			return 0;
		if (!(isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '-')))
			return 0;
	}
	return strstr(id, "..") == NULL;
}

/* Agents and domains match [a-z][a-z0-9_-]{0,31}. */
int agent_is_cloud(const char *agent)
{
	return agent && strcmp(agent, "cloud") == 0;
}

int name_valid(const char *name)
{
	size_t i;

	if (!name || name[0] < 'a' || name[0] > 'z')
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];
		if (i >= AIE_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int month_valid(const char *s)
{
	return strlen(s) == 7 && strspn(s, "0123456789-") == 7 && s[4] == '-';
}

/* TYPE_YYYYMMDDTHHMMSSZ_xxxxxx, six random hex digits. */
int id_generate(char *buf, size_t size, const char *type)
{
	unsigned char rnd[3];
	char stamp[17];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	randombytes_buf(rnd, sizeof rnd);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	n = snprintf(buf, size, "%s_%s_%02x%02x%02x", type, stamp,
	    rnd[0], rnd[1], rnd[2]);
	if (n < 0 || (size_t)n >= size || !id_valid(buf))
		return aie_fail(EX_DATA, "%s: cannot make an ID of this type", type);
	return 0;
}

/* Always NUL-terminated: strftime leaves buf undefined when the text does
 * not fit (a year past 9999), and %Y does not pad years before 1000. */
void time_rfc3339(time_t t, char buf[21])
{
	struct tm tm;
	char s[80];

	if (!gmtime_r(&t, &tm) || snprintf(s, sizeof s,
	    "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 20)
		strcpy(s, "0000-00-00T00:00:00Z");
	memcpy(buf, s, 21);
}

/* Parses YYYY-MM-DDTHH:MM:SSZ or with a +HH:MM/-HH:MM offset; 0 or -1. */
int time_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm;
	const char *p;
	long off = 0;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' && p[1] == '\0') {
		off = 0;
	} else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && p[3] == ':' &&
	    isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5]) &&
	    p[6] == '\0') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		    ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		if (*p == '-')
			off = -off;
	} else {
		return -1;
	}
	t = timegm(&tm) - off;
	/* only what time_rfc3339 can write back: years 0000 to 9999 UTC */
	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
		return -1;
	*out = t;
	return 0;
}

/* "90", "90s", "30m", "2h", "7d" -> seconds; 0 or -1. */
void duration_text(long secs, char *buf, size_t size)
{
	if (secs < 0)
		snprintf(buf, size, "-");
	else if (secs >= 86400)
		snprintf(buf, size, "%ldd", secs / 86400);
	else if (secs >= 3600)
		snprintf(buf, size, "%ldh", secs / 3600);
	else if (secs >= 60)
		snprintf(buf, size, "%ldm", secs / 60);
	else
		snprintf(buf, size, "%lds", secs);
}

int duration_parse(const char *s, long *seconds)
{
	char *end;
	long n, mult = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	n = strtol(s, &end, 10);
	if (n < 0 || n > 100L * 365 * 86400)
		return -1;
	switch (*end) {
	case '\0': case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	*seconds = n * mult;
	return 0;
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
