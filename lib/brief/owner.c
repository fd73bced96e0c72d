/*
 * owner.c - the owner's time zone (OWNER_TZ, see briefing(1)): the
 * briefing is for the owner's Monday morning, not the machine's (a cloud
 * VM runs in UTC). The week reported stays an ISO week of UTC days, as
 * the logs are kept (week.c); which week, and when it is due, follow the
 * owner's calendar.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "brief/brief.h"

#define ZONE_NAME_MAX 128

/* 1 when name can be an IANA zone's file name under the zone directory:
 * letters, digits, _ + - and / between parts; no "..", no leading /. */
static int zone_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n >= ZONE_NAME_MAX || name[0] == '/' || name[n - 1] == '/' ||
	    strstr(name, "..") || strstr(name, "//"))
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '+' ||
		    c == '-' || c == '/' || c == '.'))
			return 0;
	}
	return 1;
}

int brief_owner_tz(void)
{
	const char *name = config_get("OWNER_TZ");
	const char *dir = getenv("TZDIR");
	char path[ZONE_NAME_MAX + 256], magic[4];
	ssize_t n;
	int fd;

	if (!name || !*name)
		return 0;                /* the machine's zone, as before */
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	if (!zone_name_ok(name))
		return aie_fail(EX_CONFIG, "OWNER_TZ=%s: not a time zone name "
		    "(an IANA name such as Europe/Paris)", name);
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return aie_fail(EX_CONFIG, "OWNER_TZ=%s: name too long", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return aie_fail(EX_CONFIG, "OWNER_TZ=%s: no such time zone "
		    "(%s: %s)", name, path, strerror(errno));
	n = read(fd, magic, sizeof magic);
	close(fd);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "TZif", 4))
		return aie_fail(EX_CONFIG, "OWNER_TZ=%s: %s is not a time zone "
		    "file", name, path);
	if (setenv("TZ", name, 1) < 0)
		return aie_fail_errno(EX_TEMP, "OWNER_TZ");
	tzset();
	return 0;
}

void brief_week_owner(time_t now, struct brief_week *w)
{
	struct tm lt, day;

	localtime_r(&now, &lt);
	memset(&day, 0, sizeof day);
	day.tm_year = lt.tm_year;
	day.tm_mon = lt.tm_mon;
	day.tm_mday = lt.tm_mday;
	brief_week_before(timegm(&day), w);    /* the owner's date, as UTC */
}

time_t brief_due_at(const struct brief_week *w)
{
	struct tm m;
	time_t t;

	gmtime_r(&w->end, &m);       /* the Monday after the week, its date */
	m.tm_hour = BRIEF_DUE_HOUR;
	m.tm_isdst = -1;
	t = mktime(&m);              /* that hour on the owner's clock */
	return t == (time_t)-1 || t < w->end ? w->end : t;
}
