/*
 * revenue.c - the revenue facts, from Odoo's invoice report
 * (lib/odoo/report.c, what odoo-report(1) prints) run in-process as of
 * noon UTC of the week's Sunday: revenue of that week and of its month to
 * date, and what is unpaid and overdue; and as of the Sundays of the four
 * weeks before, their revenue, for the trend. Without ODOO_URL they say "not
 * configured"; a number is never made up.
 */
#include <string.h>

#include <jansson.h>

#include "brief/brief.h"
#include "internal.h"
#include "odoo/odoo.h"

static json_t *sums(const struct odoo_sum *s, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, s[i].currency, json_real(brief_money(
		    s[i].amount)));
	return o;
}

static double in(const struct odoo_sum *s, size_t n, const char *cur)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].currency, cur))
			return s[i].amount;
	return 0;
}

/* The revenue of each of the BRIEF_TREND_WEEKS weeks before w, the
 * latest first: [{week_start, week}]. NULL with *status on a failure. */
static json_t *trend(struct odoo_conn *k, const struct brief_week *w,
    int *status)
{
	struct odoo_report rep;
	json_t *list = json_array();
	int i, r;

	for (i = 1; i <= BRIEF_TREND_WEEKS; i++) {
		if ((r = odoo_report(k, w->end - 86400 / 2 - (time_t)i * 7 * 86400,
		    &rep))) {
			*status = r;
			json_decref(list);
			return NULL;
		}
		json_array_append_new(list, json_pack("{s:s, s:o}", "week_start",
		    rep.week_start, "week", sums(rep.week, rep.nweek)));
		odoo_report_free(&rep);
	}
	return list;
}

json_t *brief_revenue(const struct brief_week *w, double target,
    const char *tcur, int *status)
{
	struct odoo_cfg cfg;
	struct odoo_conn k;
	struct odoo_report rep;
	json_t *late, *o, *prev, *t = json_null();
	double month;
	size_t i;
	int r;

	*status = 0;
	if (target > 0)
		t = json_pack("{s:f, s:s}", "amount", brief_money(target),
		    "currency", tcur);
	if ((r = odoo_config(&cfg)) > 0)
		return json_pack("{s:b, s:s, s:o}", "configured", 0, "reason",
		    "ODOO_URL is not set", "target", t);
	if (r < 0 || (r = odoo_connect(&k, &cfg)) ||
	    (r = odoo_report(&k, w->end - 86400 / 2, &rep))) {
		*status = r < 0 ? aie_errcode : r;
		return json_pack("{s:b, s:s, s:o}", "configured", 1, "error",
		    aie_errmsg, "target", t);
	}
	if (!(prev = trend(&k, w, status))) {
		odoo_report_free(&rep);
		return json_pack("{s:b, s:s, s:o}", "configured", 1, "error",
		    aie_errmsg, "target", t);
	}
	late = json_array();
	for (i = 0; i < rep.nunpaid; i++)
		if (rep.late[i] > 0)
			json_array_append_new(late, json_pack("{s:s, s:s, s:f, s:s, "
			    "s:s, s:I}", "name", rep.unpaid[i].name, "partner",
			    rep.unpaid[i].partner, "amount", brief_money(
			    rep.unpaid[i].amount_residual), "currency",
			    rep.unpaid[i].currency, "due", rep.unpaid[i].due,
			    "days_late", (json_int_t)rep.late[i]));
	month = in(rep.month, rep.nmonth, tcur);
	o = json_pack("{s:b, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:o, "
	    "s:o}",
	    "configured", 1, "as_of", rep.today, "week_start", rep.week_start,
	    "month_start", rep.month_start, "week", sums(rep.week, rep.nweek),
	    "month", sums(rep.month, rep.nmonth), "owed", sums(rep.owed,
	    rep.nowed), "overdue_count", (json_int_t)rep.noverdue, "overdue",
	    sums(rep.overdue, rep.noverdue_cur), "overdue_invoices", late,
	    "target", t, "previous_weeks", prev);
	if (o && target > 0)
		json_object_set_new(o, "target_pct", json_real(brief_round(
		    month / target * 100, 10)));
	odoo_report_free(&rep);
	return o;
}
