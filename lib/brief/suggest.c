/*
 * suggest.c - the suggestions that ask the owner for an action, from the
 * facts alone: cancel a subscription unused past the rule, review one
 * whose cost rose 20 % or more since the week before, keep one of the
 * tools listed for one job, chase an overdue invoice, answer an approval
 * or follow up new work waiting past 48 hours. Their subjects hold no
 * changing number (no age), so a rerun of the same week names them the
 * same (briefing(1) derives each item's ID from them).
 *
 * One rule per kind: which list of the facts it reads, which of its
 * items it takes, and the subject and body as templates whose {field}
 * is the item's field ({field:.2f} a number with 2 decimals, {field:d}
 * an integer; a field the item lacks is the facts' own, as {week}).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

static const struct rule {
	const char *list, *member;	/* facts.list, or facts.list.member */
	const char *when, *is;		/* the items whose when is true (is:
					 * whose when is is); NULL: all */
	int otherwise;			/* the items the rule before left, in
					 * its pass (keeps their order) */
	const char *kind, *subject, *body;
} rules[] = {
	{ "subscriptions", "list", "flagged", NULL, 0, "cancel_subscription",
	  "Cancel the subscription {name}",
	  "The briefing of {week} found {name} unused for {unused_days:d} days "
	  "(last used {last_used}); it costs {cost:.2f} {currency}. Cancel it, "
	  "then approve this item; reject it to keep the subscription.\n" },
	{ "subscriptions", "list", "cost_up", NULL, 0, "review_price_rise",
	  "Review the price rise of the subscription {name}",
	  "The briefing of {week} found {name} at {cost:.2f} {currency}, up "
	  "{rise_pct:.1f} % from {previous_cost:.2f} {currency} in the briefing "
	  "of the week before. Cancel it or find a cheaper plan, then approve "
	  "this item; reject it to keep it as it is.\n" },
	{ "subscriptions", "one_job", NULL, NULL, 0, "one_tool_per_job",
	  "Keep one tool for {job}",
	  "The briefing of {week} found these subscriptions all listed for "
	  "{job} in Finance/Subscriptions.md: {names}. Keep one and cancel the "
	  "others, then approve this item; reject it to keep them all.\n" },
	{ "revenue", "overdue_invoices", NULL, NULL, 0, "chase_invoice",
	  "Chase the overdue invoice {name} of {partner}",
	  "{name} of {partner}: {amount:.2f} {currency} unpaid, due {due}, "
	  "{days_late:d} days late at the end of {week}. Remind the customer, "
	  "then approve this item.\n" },
	{ "bottlenecks", NULL, "stage", "Needs_Action", 0, "follow_up",
	  "Follow up {id}",
	  "\"{title}\" ({id}) has waited {waiting_hours:d} hours in "
	  "Needs_Action at the end of {week} with nobody on it. Deal with it, "
	  "then approve this item.\n" },
	{ "bottlenecks", NULL, NULL, NULL, 1, "answer_approval",
	  "Decide on {id}",
	  "\"{title}\" ({id}) has waited {waiting_hours:d} hours for your "
	  "approval at the end of {week}. Approve or reject it, then approve "
	  "this item.\n" },
};

/* put: one {field[:spec]} of e (else of facts) on f: 0, or -1 when the
 * field is missing or the spec unknown. */
static int put(FILE *f, const char *field, size_t n, const json_t *e,
    const json_t *facts)
{
	const char *spec = memchr(field, ':', n);
	size_t klen = spec ? (size_t)(spec - field) : n;
	char key[32];
	const json_t *v;
	char *dump;
	int r;

	if (klen >= sizeof key)
		return -1;
	memcpy(key, field, klen);
	key[klen] = '\0';
	if (!(v = json_object_get(e, key)) && !(v = json_object_get(facts, key)))
		return -1;
	if (spec && n - klen == 2 && spec[1] == 'd')
		return fprintf(f, "%lld", (long long)json_integer_value(v)) < 0 ?
		    -1 : 0;
	if (spec && n - klen == 4 && spec[1] == '.' && spec[3] == 'f' &&
	    spec[2] >= '0' && spec[2] <= '9')
		return fprintf(f, "%.*f", spec[2] - '0', json_number_value(v)) <
		    0 ? -1 : 0;
	if (spec)
		return -1;
	if (json_is_string(v))
		return fputs(json_string_value(v), f) < 0 ? -1 : 0;
	if (!(dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		return -1;
	r = fputs(dump, f) < 0 ? -1 : 0;
	free(dump);
	return r;
}

/* fill: the template t with the fields of e (malloc'd), or NULL. */
static char *fill(const char *t, const json_t *e, const json_t *facts)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	const char *close;
	int bad = 0;

	if (!f)
		return NULL;
	while (*t && !bad) {
		if (*t != '{' || !(close = strchr(t, '}'))) {
			bad = fputc(*t++, f) == EOF;
			continue;
		}
		bad = put(f, t + 1, (size_t)(close - t - 1), e, facts) < 0;
		t = close + 1;
	}
	if (fclose(f) || bad) {
		free(out);
		return NULL;
	}
	return out;
}

static int takes(const struct rule *r, const json_t *e)
{
	const json_t *v = r->when ? json_object_get(e, r->when) : NULL;

	if (!r->when)
		return 1;
	if (!r->is)
		return json_is_true(v);
	return json_is_string(v) && !strcmp(json_string_value(v), r->is);
}

static void add(json_t *list, const struct rule *r, const json_t *e,
    const json_t *facts)
{
	char *s = fill(r->subject, e, facts), *b = fill(r->body, e, facts);

	if (s && b)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "kind",
		    r->kind, "subject", s, "body", b));
	free(s);
	free(b);
}

json_t *brief_suggestions(const json_t *facts)
{
	json_t *list = json_array(), *items, *e;
	size_t n = sizeof rules / sizeof *rules, k, i;
	const struct rule *r, *alt;

	for (k = 0; k < n; k++) {
		r = &rules[k];
		if (r->otherwise)
			continue;
		alt = k + 1 < n && rules[k + 1].otherwise ? &rules[k + 1] : NULL;
		items = json_object_get(facts, r->list);
		if (r->member)
			items = json_object_get(items, r->member);
		json_array_foreach(items, i, e) {
			if (takes(r, e))
				add(list, r, e, facts);
			else if (alt && takes(alt, e))
				add(list, alt, e, facts);
		}
	}
	return list;
}
