/*
 * render.c - the briefing as Markdown (vault(5), Briefings/) and the
 * offline executive summary, both written from the facts only: every
 * number here is one of the facts, printed as it is there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"

#define GET(o, k) json_object_get(o, k)
#define STR(o, k) json_string_value(json_object_get(o, k))
#define INT(o, k) ((long long)json_integer_value(json_object_get(o, k)))
#define NUM(o, k) json_number_value(json_object_get(o, k))

/* "5000.00 USD, 80.00 EUR", or "0.00" for none. */
static void sums(struct buf *b, const json_t *o)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)o, k, v) {
		buf_addf(b, "%s%.2f %s", first ? "" : ", ", json_number_value(v), k);
		first = 0;
	}
	if (first)
		buf_adds(b, "0.00");
}

/* Markdown table cells: no "|" nor line ends from a title. */
static void cell(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		buf_addc(b, *s == '|' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void revenue(struct buf *b, const json_t *r)
{
	const json_t *t = GET(r, "target"), *e;
	size_t i;

	buf_adds(b, "## Revenue\n\n");
	if (!json_is_true(GET(r, "configured"))) {
		buf_adds(b, "Not configured (ODOO_URL is not set): no revenue "
		    "figures.\n");
		return;
	}
	if (STR(r, "error")) {
		buf_addf(b, "Odoo could not be read: %s\n", STR(r, "error"));
		return;
	}
	buf_addf(b, "- Week (invoices dated %s to %s): ", STR(r, "week_start"),
	    STR(r, "as_of"));
	sums(b, GET(r, "week"));
	buf_addf(b, "\n- Month to date (since %s): ", STR(r, "month_start"));
	sums(b, GET(r, "month"));
	if (json_is_object(t))
		buf_addf(b, "; target %.2f %s a month, %.1f %% reached",
		    NUM(t, "amount"), STR(t, "currency"), NUM(r, "target_pct"));
	buf_adds(b, "\n- The weeks before:");
	json_array_foreach(GET(r, "previous_weeks"), i, e) {
		buf_addf(b, "%s %s ", i ? ";" : "", STR(e, "week_start"));
		sums(b, GET(e, "week"));
	}
	buf_adds(b, "\n- Unpaid: ");
	sums(b, GET(r, "owed"));
	buf_addf(b, "\n- Overdue: %lld invoice%s, ", INT(r, "overdue_count"),
	    INT(r, "overdue_count") == 1 ? "" : "s");
	sums(b, GET(r, "overdue"));
	buf_adds(b, "\n");
	if (json_array_size(GET(r, "overdue_invoices"))) {
		buf_adds(b, "\n| Invoice | Customer | Unpaid | Due | Days late |\n"
		    "|---|---|---|---|---|\n");
		json_array_foreach(GET(r, "overdue_invoices"), i, e) {
			buf_adds(b, "| ");
			cell(b, STR(e, "name"));
			buf_adds(b, " | ");
			cell(b, STR(e, "partner"));
			buf_addf(b, " | %.2f %s | %s | %lld |\n", NUM(e, "amount"),
			    STR(e, "currency"), STR(e, "due"), INT(e, "days_late"));
		}
	}
}

/* A metric's value as the briefing prints it: money in cents. */
static void metric_value(struct buf *b, const json_t *m)
{
	if (!strcmp(STR(m, "unit"), "hours"))
		buf_addf(b, "%g hours", NUM(m, "value"));
	else
		buf_addf(b, "%.2f %s", NUM(m, "value"), STR(m, "unit"));
}

static void metrics(struct buf *b, const json_t *list)
{
	const json_t *m;
	size_t i;

	buf_adds(b, "## Key metrics\n\n");
	if (!json_array_size(list)) {
		buf_adds(b, "None: Business_Goals.md has no \"Key metrics\" "
		    "table.\n");
		return;
	}
	buf_adds(b, "| Metric | This week | Target | Alert when | State |\n"
	    "|---|---|---|---|---|\n");
	json_array_foreach(list, i, m) {
		buf_adds(b, "| ");
		cell(b, STR(m, "metric"));
		buf_adds(b, " | ");
		if (GET(m, "value"))
			metric_value(b, m);
		else
			buf_adds(b, "-");
		buf_adds(b, " | ");
		cell(b, STR(m, "target"));
		buf_adds(b, " | ");
		cell(b, STR(m, "alert_when"));
		buf_addf(b, " | %s: ", STR(m, "state"));
		cell(b, STR(m, "note"));
		buf_adds(b, " |\n");
	}
}

/* "due in 3 days", "due today", "overdue by 2 days". */
static void due(struct buf *b, long long days)
{
	if (days == 0)
		buf_adds(b, "due today");
	else if (days > 0)
		buf_addf(b, "due in %lld day%s", days, days == 1 ? "" : "s");
	else
		buf_addf(b, "overdue by %lld day%s", -days, days == -1 ? "" : "s");
}

static void projects(struct buf *b, const json_t *list)
{
	const json_t *p;
	size_t i;

	buf_adds(b, "## Active projects\n\n");
	if (!json_array_size(list))
		buf_adds(b, "None listed in Business_Goals.md.\n");
	json_array_foreach(list, i, p) {
		buf_adds(b, "- ");
		cell(b, STR(p, "project"));
		buf_adds(b, ": ");
		if (GET(p, "days_left"))
			due(b, INT(p, "days_left"));
		else
			buf_adds(b, "due date not understood");
		buf_adds(b, " (");
		cell(b, STR(p, "due"));
		if (STR(p, "budget")) {
			buf_adds(b, ", budget ");
			cell(b, STR(p, "budget"));
		}
		buf_adds(b, ")\n");
	}
}

static void work(struct buf *b, const json_t *d)
{
	const char *k;
	json_t *v;

	buf_addf(b, "## Work done\n\n%lld item%s done", INT(d, "total"),
	    INT(d, "total") == 1 ? "" : "s");
	json_object_foreach(GET(d, "by_domain"), k, v)
		buf_addf(b, "%s %s %lld", v == json_object_iter_value(
		    json_object_iter(GET(d, "by_domain"))) ? ":" : ",", k,
		    (long long)json_integer_value(v));
	buf_adds(b, ".\n");
}

static void bottlenecks(struct buf *b, const json_t *f)
{
	const json_t *w = GET(f, "waiting"), *e;
	size_t i;

	buf_addf(b, "## Bottlenecks\n\nAt the end of the week %lld item%s waited "
	    "in Needs_Action (the oldest %lld hours) and %lld in "
	    "Pending_Approval (the oldest %lld hours).\n",
	    INT(GET(w, "Needs_Action"), "count"),
	    INT(GET(w, "Needs_Action"), "count") == 1 ? "" : "s",
	    INT(GET(w, "Needs_Action"), "oldest_hours"),
	    INT(GET(w, "Pending_Approval"), "count"),
	    INT(GET(w, "Pending_Approval"), "oldest_hours"));
	if (!json_array_size(GET(f, "bottlenecks")))
		return;
	buf_adds(b, "\n| Item | Stage | Expected | Actual | Delay |\n"
	    "|---|---|---|---|---|\n");
	json_array_foreach(GET(f, "bottlenecks"), i, e) {
		buf_adds(b, "| ");
		cell(b, STR(e, "title"));
		buf_addf(b, " (%s) | %s | %lld h | %lld h | %lld h |\n", STR(e, "id"),
		    STR(e, "stage"), INT(e, "expected_hours"),
		    INT(e, "waiting_hours"),
		    INT(e, "waiting_hours") - INT(e, "expected_hours"));
	}
}

/* The subscriptions whose cost rose since the previous briefing. */
static void rises(struct buf *b, const json_t *u)
{
	const json_t *e;
	size_t i;

	if (!json_is_true(GET(u, "previous_found"))) {
		buf_addf(b, "\nNo cost compared: the previous week's facts (%s) "
		    "are missing or not JSON.\n", STR(u, "previous_record"));
		return;
	}
	buf_addf(b, "\nCost up %lld %% or more since the previous week's "
	    "briefing: %lld.\n", INT(u, "rise_rule_pct"), INT(u, "cost_up"));
	json_array_foreach(GET(u, "list"), i, e)
		if (json_is_true(GET(e, "cost_up"))) {
			buf_adds(b, "- ");
			cell(b, STR(e, "name"));
			buf_addf(b, ": %.2f %s, was %.2f %s (up %.1f %%)\n",
			    NUM(e, "cost"), STR(e, "currency"), NUM(e,
			    "previous_cost"), STR(e, "currency"), NUM(e, "rise_pct"));
		}
}

/* Two or more tools listed for one job. */
static void one_job(struct buf *b, const json_t *u)
{
	const json_t *e, *name;
	size_t i, j;

	json_array_foreach(GET(u, "one_job"), i, e) {
		if (i == 0)
			buf_adds(b, "\nTwo tools or more for one job:\n");
		buf_adds(b, "- ");
		cell(b, STR(e, "job"));
		buf_adds(b, ": ");
		json_array_foreach(GET(e, "names"), j, name) {
			if (j)
				buf_adds(b, ", ");
			cell(b, json_string_value(name));
		}
		buf_adds(b, "\n");
	}
}

static void costs(struct buf *b, const json_t *f)
{
	const json_t *s = GET(f, "spend"), *u = GET(f, "subscriptions"), *e;
	const char *k;
	json_t *v;
	size_t i;

	buf_addf(b, "## Costs\n\nLLM: %lld call%s, %.2f USD of the %.2f USD "
	    "weekly budget (%.1f %%).\n", INT(s, "calls"),
	    INT(s, "calls") == 1 ? "" : "s", NUM(s, "cost"), NUM(s, "budget"),
	    NUM(s, "budget_pct"));
	if (INT(s, "unknown_cost_calls"))
		buf_addf(b, "%lld calls of unknown cost are not in the sum.\n",
		    INT(s, "unknown_cost_calls"));
	json_object_foreach(GET(s, "by_model"), k, v) {
		buf_adds(b, "- model ");
		cell(b, k);
		buf_addf(b, ": %lld calls, %.2f USD\n", INT(v, "calls"),
		    NUM(v, "cost"));
	}
	json_object_foreach(GET(s, "by_task"), k, v) {
		buf_adds(b, "- task ");
		cell(b, k);
		buf_addf(b, ": %lld calls, %.2f USD\n", INT(v, "calls"),
		    NUM(v, "cost"));
	}
	if (!json_is_true(GET(u, "listed"))) {
		buf_adds(b, "\nSubscriptions: none listed (Finance/Subscriptions.md"
		    " is missing).\n");
		return;
	}
	buf_addf(b, "\nSubscriptions: %.2f in all; %lld flagged (unused for more "
	    "than %lld days).\n\n| Subscription | Cost | Last used | Unused "
	    "days | Flagged |\n|---|---|---|---|---|\n", NUM(u, "total_cost"),
	    INT(u, "flagged"), INT(u, "unused_days_rule"));
	if (INT(u, "bad_rows"))
		buf_addf(b, "%lld rows of Finance/Subscriptions.md could not be "
		    "read (a cost or a date YYYY-MM-DD missing).\n\n",
		    INT(u, "bad_rows"));
	json_array_foreach(GET(u, "list"), i, e) {
		buf_adds(b, "| ");
		cell(b, STR(e, "name"));
		buf_addf(b, " | %.2f %s | ", NUM(e, "cost"), STR(e, "currency"));
		cell(b, STR(e, "last_used"));
		if (INT(e, "unused_days") < 0)
			buf_adds(b, " | ? | no |\n");
		else
			buf_addf(b, " | %lld | %s |\n", INT(e, "unused_days"),
			    json_is_true(GET(e, "flagged")) ? "yes" : "no");
	}
	rises(b, u);
	one_job(b, u);
}

/* A count of the social facts, or "-" where the report has none. */
static void social_count(struct buf *b, const json_t *s, const char *k,
    const char *what)
{
	if (json_is_integer(GET(s, k)))
		buf_addf(b, "%lld %s", INT(s, k), what);
	else
		buf_addf(b, "- %s", what);
}

static void social(struct buf *b, const json_t *s)
{
	const json_t *n;
	size_t i;

	buf_adds(b, "## Social\n\n");
	if (!json_is_true(GET(s, "configured"))) {
		buf_addf(b, "Not configured: no social report for the week (%s, "
		    "written by social-report(1))%s%s.\n", STR(s, "report"),
		    STR(s, "error") ? ": " : "", STR(s, "error") ? STR(s, "error") :
		    "");
		return;
	}
	if (INT(s, "posts") == 0) {
		buf_addf(b, "No posts were published (%s).\n", STR(s, "report"));
		return;
	}
	buf_addf(b, "- Posts published: %lld (numbers read for %lld)\n- ",
	    INT(s, "posts"), INT(s, "read"));
	social_count(b, s, "reactions", "reactions, ");
	social_count(b, s, "comments", "comments, ");
	social_count(b, s, "shares", "shares, ");
	social_count(b, s, "impressions", "impressions, ");
	social_count(b, s, "reach", "reached");
	buf_adds(b, "\n");
	/* who saw each network's posts: Meta's and LinkedIn's views count
	 * as impressions, reach the accounts or members reached */
	json_array_foreach(GET(s, "networks"), i, n) {
		buf_addf(b, "- %s: %lld post%s, ", STR(n, "network"),
		    INT(n, "posts"), INT(n, "posts") == 1 ? "" : "s");
		social_count(b, n, "impressions", "impressions, ");
		social_count(b, n, "reach", "reached");
		buf_adds(b, "\n");
	}
	buf_addf(b, "- Per post and per network: %s (read from the networks "
	    "%s)\n", STR(s, "report"), STR(s, "generated"));
}

char *brief_render(const json_t *f, const json_t *sugg, const char *summary,
    const char *generated)
{
	struct buf b = { 0 };
	const json_t *e;
	size_t i;

	buf_addf(&b, "---\ntype: briefing\nperiod: %s\nperiod_start: %s\n"
	    "period_end: %s\ngenerated: %s\n---\n# Monday Briefing, %s\n\n"
	    "The week %s, %s to %s. Every number is computed by briefing(1).\n\n"
	    "## Executive summary\n\n%s\n\n", STR(f, "week"), STR(f, "first_day"),
	    STR(f, "last_day"), generated, STR(f, "briefing_day"), STR(f, "week"),
	    STR(f, "first_day"), STR(f, "last_day"), summary);
	metrics(&b, GET(f, "metrics"));
	buf_adds(&b, "\n");
	projects(&b, GET(f, "projects"));
	buf_adds(&b, "\n");
	revenue(&b, GET(f, "revenue"));
	buf_adds(&b, "\n");
	work(&b, GET(f, "done"));
	buf_adds(&b, "\n");
	bottlenecks(&b, f);
	buf_adds(&b, "\n");
	costs(&b, f);
	buf_adds(&b, "\n");
	social(&b, GET(f, "social"));
	buf_adds(&b, "\n## Suggestions\n\n");
	if (!json_array_size(sugg))
		buf_adds(&b, "None this week.\n");
	json_array_foreach(sugg, i, e) {
		buf_adds(&b, "- ");
		cell(&b, STR(e, "subject"));
		buf_adds(&b, " (for your approval in Pending_Approval/general/)\n");
	}
	return buf_take(&b, NULL);
}

char *brief_offline_summary(const json_t *f)
{
	struct buf b = { 0 };
	const json_t *r = GET(f, "revenue"), *w = GET(f, "waiting"), *m;
	size_t i;

	if (!json_is_true(GET(r, "configured")))
		buf_adds(&b, "Revenue is not configured. ");
	else if (STR(r, "error"))
		buf_adds(&b, "Odoo could not be read. ");
	else {
		buf_adds(&b, "Revenue this week was ");
		sums(&b, GET(r, "week"));
		buf_addf(&b, "; %lld invoice%s overdue. ", INT(r, "overdue_count"),
		    INT(r, "overdue_count") == 1 ? " is" : "s are");
	}
	buf_addf(&b, "%lld item%s done. ", INT(GET(f, "done"), "total"),
	    INT(GET(f, "done"), "total") == 1 ? " was" : "s were");
	buf_addf(&b, "%lld item%s longer than %lld hours. ", INT(w, "late"),
	    INT(w, "late") == 1 ? " waited" : "s waited", INT(w,
	    "wait_max_hours"));
	buf_addf(&b, "The LLM cost %.2f USD in %lld calls. ", NUM(GET(f,
	    "spend"), "cost"), INT(GET(f, "spend"), "calls"));
	if (json_is_true(GET(GET(f, "social"), "configured")))
		buf_addf(&b, "%lld post%s published. ", INT(GET(f, "social"),
		    "posts"), INT(GET(f, "social"), "posts") == 1 ? " was" :
		    "s were");
	if (json_is_true(GET(GET(f, "subscriptions"), "listed")))
		buf_addf(&b, "%lld subscription%s flagged as unused.",
		    INT(GET(f, "subscriptions"), "flagged"), INT(GET(f,
		    "subscriptions"), "flagged") == 1 ? " is" : "s are");
	if (INT(GET(f, "subscriptions"), "cost_up"))
		buf_addf(&b, " %lld subscription%s up %lld %% or more since the "
		    "week before.", INT(GET(f, "subscriptions"), "cost_up"),
		    INT(GET(f, "subscriptions"), "cost_up") == 1 ? "'s cost is" :
		    "s' costs are", INT(GET(f, "subscriptions"), "rise_rule_pct"));
	json_array_foreach(GET(f, "metrics"), i, m)
		if (!strcmp(STR(m, "state"), "alert")) {
			buf_addf(&b, " Alert: %s is ", STR(m, "metric"));
			metric_value(&b, m);
			buf_addf(&b, " (alert when %s).", STR(m, "alert_when"));
		}
	/* what is late or due within the week after */
	json_array_foreach(GET(f, "projects"), i, m)
		if (GET(m, "days_left") && INT(m, "days_left") < 7) {
			buf_addf(&b, " The project %s is ", STR(m, "project"));
			due(&b, INT(m, "days_left"));
			buf_adds(&b, ".");
		}
	return buf_take(&b, NULL);
}

char *brief_short(const json_t *f, const json_t *sugg)
{
	struct buf b = { 0 };
	const json_t *r = GET(f, "revenue"), *soc = GET(f, "social");

	buf_addf(&b, "*Monday briefing, %s*\n", STR(f, "week"));
	if (!json_is_true(GET(r, "configured")))
		buf_adds(&b, "Revenue: not configured");
	else if (STR(r, "error"))
		buf_adds(&b, "Revenue: Odoo could not be read");
	else {
		buf_adds(&b, "Revenue: ");
		sums(&b, GET(r, "week"));
		if (json_is_object(GET(r, "target")))
			buf_addf(&b, " this week, month %.1f %% of target",
			    NUM(r, "target_pct"));
		buf_addf(&b, "; %lld overdue", INT(r, "overdue_count"));
	}
	buf_addf(&b, "\nDone %lld, waiting too long %lld, LLM %.2f USD",
	    INT(GET(f, "done"), "total"), INT(GET(f, "waiting"), "late"),
	    NUM(GET(f, "spend"), "cost"));
	if (json_is_true(GET(soc, "configured")) && INT(soc, "posts") > 0) {
		buf_addf(&b, ", %lld post%s", INT(soc, "posts"),
		    INT(soc, "posts") == 1 ? "" : "s");
		if (json_is_integer(GET(soc, "reactions")))
			buf_addf(&b, " (%lld reactions)", INT(soc, "reactions"));
	}
	buf_addf(&b, "; %zu suggestion%s to approve.", json_array_size(sugg),
	    json_array_size(sugg) == 1 ? "" : "s");
	return buf_take(&b, NULL);
}
