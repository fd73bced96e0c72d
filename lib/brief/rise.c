/*
 * rise.c - subscriptions whose cost rose: each one's cost against the one
 * the previous week's briefing recorded (its facts, kept beside it as
 * Briefings/<its Monday>_Monday_Briefing.json, see vault(5)); a rise of
 * BRIEF_RISE_PCT or more in the same currency is flagged. Only what that
 * record says is compared, so a rerun of the week gives the same numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

#define GET(o, k) json_object_get(o, k)

/* The previous record's subscription of this name and currency, or NULL. */
static const json_t *previous_of(const json_t *prev, const json_t *s)
{
	const json_t *e;
	size_t i;

	json_array_foreach(GET(GET(prev, "subscriptions"), "list"), i, e)
		if (json_equal(GET(e, "name"), GET(s, "name")) &&
		    json_equal(GET(e, "currency"), GET(s, "currency")) &&
		    json_is_number(GET(e, "cost")))
			return e;
	return NULL;
}

int brief_rises(struct vault *v, const struct brief_week *w, json_t *subs)
{
	char rel[64], *text;
	size_t len, i;
	json_t *prev, *s;
	const json_t *p;
	double was, now;
	long up = 0;
	int r;

	snprintf(rel, sizeof rel, BRIEF_FACTS_FMT, w->first);
	if ((r = brief_read(v, rel, &text, &len)) < 0)
		return -1;
	json_object_set_new(subs, "previous_record", json_string(rel));
	if (r == 1) {
		json_object_set_new(subs, "previous_found", json_false());
		return 0;
	}
	prev = json_loadb(text, len, 0, NULL);
	free(text);
	json_object_set_new(subs, "previous_found", json_boolean(
	    json_is_object(prev)));
	json_array_foreach(GET(subs, "list"), i, s) {
		if (!(p = previous_of(prev, s)))
			continue;
		was = json_number_value(GET(p, "cost"));
		now = json_number_value(GET(s, "cost"));
		json_object_set_new(s, "previous_cost", json_real(brief_money(was)));
		if (was > 0 && now >= was * (1 + BRIEF_RISE_PCT / 100.0)) {
			json_object_set_new(s, "cost_up", json_true());
			json_object_set_new(s, "rise_pct", json_real(brief_round(
			    (now / was - 1) * 100, 10)));
			up++;
		}
	}
	json_decref(prev);
	json_object_set_new(subs, "cost_up", json_integer(up));
	json_object_set_new(subs, "rise_rule_pct", json_integer(BRIEF_RISE_PCT));
	return 0;
}
