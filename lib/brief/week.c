/*
 * week.c - ISO weeks in UTC, the briefing's period: the usage log and the
 * audit log are kept by UTC day (vault(5)), so a week of them is whole.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "brief/brief.h"

static void fill(time_t monday, struct brief_week *w)
{
	struct tm tm;
	time_t sunday = monday + 6 * 86400L;

	w->start = monday;
	w->end = monday + 7 * 86400L;
	gmtime_r(&monday, &tm);
	strftime(w->label, sizeof w->label, "%G-W%V", &tm);
	strftime(w->first, sizeof w->first, "%Y-%m-%d", &tm);
	gmtime_r(&sunday, &tm);
	strftime(w->last, sizeof w->last, "%Y-%m-%d", &tm);
	gmtime_r(&w->end, &tm);
	strftime(w->after, sizeof w->after, "%Y-%m-%d", &tm);
}

/* Monday 00:00 UTC of the week holding t. */
static time_t monday_of(time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	t -= t % 86400;
	return t - (time_t)((tm.tm_wday + 6) % 7) * 86400;
}

void brief_week_before(time_t now, struct brief_week *w)
{
	fill(monday_of(now) - 7 * 86400L, w);
}

int brief_week_parse(const char *s, struct brief_week *w)
{
	struct tm tm;
	int year, week, n = 0;
	time_t jan4;

	if (sscanf(s, "%4d-W%2d%n", &year, &week, &n) != 2 || n != 8 ||
	    strlen(s) != 8 || year < 1970 || week < 1 || week > 53)
		return aie_fail(EX_ARGS, "%s: not an ISO week YYYY-Www", s);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mday = 4;              /* 4 January is in week 1 */
	jan4 = timegm(&tm);
	fill(monday_of(jan4) + (time_t)(week - 1) * 7 * 86400, w);
	if (strcmp(w->label, s))     /* week 53 of a year of 52 */
		return aie_fail(EX_ARGS, "%s: no such ISO week", s);
	return 0;
}
