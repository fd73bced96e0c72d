/*
 * suggest.c - the suggestions that ask the owner for an action, from the
 * facts alone: cancel a subscription unused past the rule, review one
 * whose cost rose 20 % or more since the week before, keep one of the
 * tools listed for one job, chase an
 * overdue invoice, answer an approval or follow up new work waiting
 * past 48 hours. Their
 * subjects hold no changing number (no age), so a rerun of the same week
 * names them the same (briefing(1) derives each item's ID from them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

static void add(json_t *list, const char *kind, char *subject, char *body)
{
	if (subject && body)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind",
		    kind, "subject", subject, "body", body));
	free(subject);
	free(body);
}

json_t *brief_suggestions(const json_t *facts)
{
	json_t *list = json_array(), *e;
	const char *wk = json_string_value(json_object_get(facts, "week"));
	char *s, *b;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(facts,
	    "subscriptions"), "list"), i, e) {
		if (!json_is_true(json_object_get(e, "flagged")))
			continue;
		if (asprintf(&s, "Cancel the subscription %s", json_string_value(
		    json_object_get(e, "name"))) < 0)
			s = NULL;
		if (asprintf(&b, "The briefing of %s found %s unused for %lld days "
		    "(last used %s); it costs %.2f %s. Cancel it, then approve this "
		    "item; reject it to keep the subscription.\n", wk,
		    json_string_value(json_object_get(e, "name")),
		    (long long)json_integer_value(json_object_get(e, "unused_days")),
		    json_string_value(json_object_get(e, "last_used")),
		    json_real_value(json_object_get(e, "cost")),
		    json_string_value(json_object_get(e, "currency"))) < 0)
			b = NULL;
		add(list, "cancel_subscription", s, b);
	}
	json_array_foreach(json_object_get(json_object_get(facts,
	    "subscriptions"), "list"), i, e) {
		if (!json_is_true(json_object_get(e, "cost_up")))
			continue;
		if (asprintf(&s, "Review the price rise of the subscription %s",
		    json_string_value(json_object_get(e, "name"))) < 0)
			s = NULL;
		if (asprintf(&b, "The briefing of %s found %s at %.2f %s, up %.1f %% "
		    "from %.2f %s in the briefing of the week before. Cancel it or "
		    "find a cheaper plan, then approve this item; reject it to keep "
		    "it as it is.\n", wk, json_string_value(json_object_get(e,
		    "name")), json_real_value(json_object_get(e, "cost")),
		    json_string_value(json_object_get(e, "currency")),
		    json_real_value(json_object_get(e, "rise_pct")),
		    json_real_value(json_object_get(e, "previous_cost")),
		    json_string_value(json_object_get(e, "currency"))) < 0)
			b = NULL;
		add(list, "review_price_rise", s, b);
	}
	json_array_foreach(json_object_get(json_object_get(facts,
	    "subscriptions"), "one_job"), i, e) {
		char *names = json_dumps(json_object_get(e, "names"), JSON_COMPACT);
		if (asprintf(&s, "Keep one tool for %s", json_string_value(
		    json_object_get(e, "job"))) < 0)
			s = NULL;
		if (!names || asprintf(&b, "The briefing of %s found these "
		    "subscriptions all listed for %s in Finance/Subscriptions.md: "
		    "%s. Keep one and cancel the others, then approve this item; "
		    "reject it to keep them all.\n", wk, json_string_value(
		    json_object_get(e, "job")), names) < 0)
			b = NULL;
		free(names);
		add(list, "one_tool_per_job", s, b);
	}
	json_array_foreach(json_object_get(json_object_get(facts, "revenue"),
	    "overdue_invoices"), i, e) {
		if (asprintf(&s, "Chase the overdue invoice %s of %s",
		    json_string_value(json_object_get(e, "name")), json_string_value(
		    json_object_get(e, "partner"))) < 0)
			s = NULL;
		if (asprintf(&b, "%s of %s: %.2f %s unpaid, due %s, %lld days late "
		    "at the end of %s. Remind the customer, then approve this "
		    "item.\n", json_string_value(json_object_get(e, "name")),
		    json_string_value(json_object_get(e, "partner")),
		    json_real_value(json_object_get(e, "amount")),
		    json_string_value(json_object_get(e, "currency")),
		    json_string_value(json_object_get(e, "due")),
		    (long long)json_integer_value(json_object_get(e, "days_late")),
		    wk) < 0)
			b = NULL;
		add(list, "chase_invoice", s, b);
	}
	json_array_foreach(json_object_get(facts, "bottlenecks"), i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "stage")),
		    "Needs_Action")) {
			if (asprintf(&s, "Follow up %s", json_string_value(
			    json_object_get(e, "id"))) < 0)
				s = NULL;
			if (asprintf(&b, "\"%s\" (%s) has waited %lld hours in "
			    "Needs_Action at the end of %s with nobody on it. Deal "
			    "with it, then approve this item.\n", json_string_value(
			    json_object_get(e, "title")), json_string_value(
			    json_object_get(e, "id")), (long long)json_integer_value(
			    json_object_get(e, "waiting_hours")), wk) < 0)
				b = NULL;
			add(list, "follow_up", s, b);
			continue;
		}
		if (asprintf(&s, "Decide on %s", json_string_value(json_object_get(
		    e, "id"))) < 0)
			s = NULL;
		if (asprintf(&b, "\"%s\" (%s) has waited %lld hours for your "
		    "approval at the end of %s. Approve or reject it, then "
		    "approve this item.\n", json_string_value(json_object_get(e,
		    "title")), json_string_value(json_object_get(e, "id")),
		    (long long)json_integer_value(json_object_get(e,
		    "waiting_hours")), wk) < 0)
			b = NULL;
		add(list, "answer_approval", s, b);
	}
	return list;
}
