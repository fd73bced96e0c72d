/*
 * costdays.h - LLM spend per day, read from the usage tables the usage
 * logger appends to Logs/API_Usage/YYYY-MM-DD.md (SPEC 2), for the
 * dashboard's chart and /api/usage.
 */
#ifndef AIE_COSTDAYS_H
#define AIE_COSTDAYS_H

#include <time.h>

#include "aie.h"

#define COST_DAYS_MAX 90

struct costday {
	char date[11];           /* YYYY-MM-DD, UTC */
	double cost_usd;         /* sum of the known costs */
	long calls;              /* data rows */
	long unknown;            /* rows whose cost is unknown or unreadable */
	int present;             /* the day's file exists */
};

/* The days days ending today (UTC, oldest first) into out[days]. Each file
 * may hold several Markdown tables; in each, the header row (the row above
 * the |---| line) names the columns and the one called cost_usd is summed.
 * Returns how many of the files exist, or -1 on a read error. */
int cost_days(struct vault *v, time_t now, int days, struct costday *out);

/* Parse one file's text into d (exported for tests and fuzzing). */
void cost_parse(const char *text, size_t len, struct costday *d);

#endif
