/*
 * metrics.c - the key metrics of Business_Goals.md (its table "Metric |
 * Target | Alert when", see vault(5)) evaluated on the week's facts: the
 * metrics briefing(1) has a fact for get this week's value and a state
 * against their "Alert when"; the others say why they are not computed.
 * An alert form not understood is said so, never guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

#define GET(o, k) json_object_get(o, k)

enum over { NOT_UNDERSTOOD, OVER, UNDER };

/* The alert forms of the template: "over N unit...", "under N unit...",
 * "any older than N unit...". The comparison, N and the unit (its first
 * word after N). */
static enum over alert_parse(const char *s, double *n, char *unit,
    size_t size)
{
	static const struct { const char *word; enum over o; } forms[] = {
		{ "any older than ", OVER }, { "over ", OVER }, { "under ", UNDER },
	};
	size_t i, k;
	char *end;

	for (i = 0; i < sizeof forms / sizeof *forms; i++) {
		k = strlen(forms[i].word);
		if (strncasecmp(s, forms[i].word, k) || s[k] < '0' || s[k] > '9')
			continue;
		*n = strtod(s + k, &end);
		end += strspn(end, " ");
		k = strcspn(end, " ");
		if (k == 0 || k >= size)
			return NOT_UNDERSTOOD;
		snprintf(unit, size, "%.*s", (int)k, end);
		return forms[i].o;
	}
	return NOT_UNDERSTOOD;
}

/* The value of unit in hours: 1 for hours, 24 for days, else 0. */
static double hours_of(const char *unit)
{
	if (!strcasecmp(unit, "hours") || !strcasecmp(unit, "hour"))
		return 1;
	if (!strcasecmp(unit, "days") || !strcasecmp(unit, "day"))
		return 24;
	return 0;
}

/* This week's value of the metric name from the facts f into m (the
 * row's object): "value", "unit" (hours, or the currency) and "note"; or
 * "state" and "note" when there is none. */
static void value_of(json_t *m, const char *name, const json_t *f)
{
	const json_t *d = GET(GET(f, "done"), "replies");
	const json_t *u = GET(f, "subscriptions"), *r = GET(f, "revenue"), *e;
	const char *cur = NULL;
	char note[160];
	size_t i;

	if (!strcasecmp(name, "Client response time")) {
		if (json_integer_value(GET(d, "count")) == 0) {
			json_object_set_new(m, "state", json_string("not computed"));
			json_object_set_new(m, "note", json_string("no reply was sent "
			    "this week"));
			return;
		}
		snprintf(note, sizeof note, "the worst of %lld replies; the median "
		    "%.1f hours", (long long)json_integer_value(GET(d, "count")),
		    json_number_value(GET(d, "median_hours")));
		json_object_set(m, "value", GET(d, "worst_hours"));
		json_object_set_new(m, "unit", json_string("hours"));
		json_object_set_new(m, "note", json_string(note));
	} else if (!strcasecmp(name, "Approvals waiting")) {
		json_object_set(m, "value", GET(GET(GET(f, "waiting"),
		    "Pending_Approval"), "oldest_hours"));
		json_object_set_new(m, "unit", json_string("hours"));
		json_object_set_new(m, "note", json_string("the oldest pending "
		    "approval at the week's end"));
	} else if (!strcasecmp(name, "Software costs")) {
		json_array_foreach(GET(u, "list"), i, e)
			if (!cur)
				cur = json_string_value(GET(e, "currency"));
			else if (strcmp(cur, json_string_value(GET(e, "currency")))) {
				json_object_set_new(m, "state", json_string("not "
				    "computed"));
				json_object_set_new(m, "note", json_string("the "
				    "subscriptions are in more than one currency"));
				return;
			}
		if (!json_is_true(GET(u, "listed"))) {
			json_object_set_new(m, "state", json_string("not computed"));
			json_object_set_new(m, "note", json_string("Finance/"
			    "Subscriptions.md is missing"));
			return;
		}
		json_object_set(m, "value", GET(u, "total_cost"));
		json_object_set_new(m, "unit", json_string(cur ? cur : "USD"));
		json_object_set_new(m, "note", json_string("the monthly sum of "
		    "Finance/Subscriptions.md"));
	} else if (!strcasecmp(name, "Invoices paid on time")) {
		json_object_set_new(m, "state", json_string(json_is_true(GET(r,
		    "configured")) ? "not computed" : "not configured"));
		json_object_set_new(m, "note", json_string(json_is_true(GET(r,
		    "configured")) ? "odoo-report(1) gives no payment dates of "
		    "paid invoices" : "ODOO_URL is not set"));
	} else {
		json_object_set_new(m, "state", json_string("not computed"));
		json_object_set_new(m, "note", json_string("briefing(1) has no "
		    "fact for this metric"));
	}
}

/* The state of a metric with a value against its alert form. */
static void judge(json_t *m)
{
	const char *alert = json_string_value(GET(m, "alert_when"));
	const char *vunit = json_string_value(GET(m, "unit"));
	double n, x = json_number_value(GET(m, "value")), scale = 1;
	char unit[32];
	enum over o = alert_parse(alert, &n, unit, sizeof unit);
	int alarm;

	if (o != NOT_UNDERSTOOD && !strcmp(vunit, "hours"))
		scale = hours_of(unit);
	else if (o != NOT_UNDERSTOOD && strcasecmp(vunit, unit))
		scale = 0;
	if (o == NOT_UNDERSTOOD || scale == 0) {
		json_object_set_new(m, "state", json_string("alert form not "
		    "understood"));
		return;
	}
	n *= scale;
	alarm = o == OVER ? x > n : x < n;
	json_object_set_new(m, "state", json_string(alarm ? "alert" : "ok"));
}

json_t *brief_metrics(const char *goals, size_t len, const json_t *facts)
{
	json_t *list = json_array(), *m;
	char *text, *line, *save = NULL, *cell[3];
	size_t start, end;

	if (!goals || md_section(goals, len, "Key metrics", &start, &end) != 1)
		return list;
	if (!(text = strndup(goals + start, end - start)))
		return list;
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (brief_cells(line, cell, 3) < 3 || !strcasecmp(cell[0], "Metric"))
			continue;
		if (!(m = json_pack("{s:s, s:s, s:s}", "metric", cell[0], "target",
		    cell[1], "alert_when", cell[2])))
			continue;
		value_of(m, cell[0], facts);
		if (!GET(m, "state"))
			judge(m);
		json_array_append_new(list, m);
	}
	free(text);
	return list;
}
