/*
 * report.c - what the customer invoices say (see odoo-report(1)): revenue,
 * the posted customer invoices dated this week (from Monday) and this
 * month, per currency; and the posted ones not fully paid, with the days
 * each is late. Two search_read calls, the domains of vault(5)'s Finance
 * items; the records go through odoo_move_parse.
 *
 * Credit notes (move_type out_refund) count against both: Odoo keeps
 * their amounts positive, so a posted credit note dated in the period is
 * subtracted from its revenue, and what is left of one (its
 * amount_residual: not yet set against an invoice or refunded) is
 * subtracted from what is owed. One set against an invoice already
 * lowered that invoice's residual and has none left: never twice. Credit
 * notes are not in the unpaid list: nobody is late with one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "vault/vault.h"
#include "odoo/odoo.h"

static json_t *fields(void)
{
	return json_pack("[s, s, s, s, s, s, s, s, s, s]", "name", "state",
	    "move_type", "partner_id", "currency_id", "amount_total",
	    "amount_residual", "invoice_date", "invoice_date_due",
	    "payment_state");
}

/* Days from YYYY-MM-DD a to b (b - a); 0 when either is not a date. */
static long days_between(const char *a, const char *b)
{
	struct tm ta, tb;

	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	if (!strptime(a, "%Y-%m-%d", &ta) || !strptime(b, "%Y-%m-%d", &tb))
		return 0;
	return (long)((timegm(&tb) - timegm(&ta)) / 86400);
}

/* Add v to the currency's sum in the list (up to ODOO_CURRENCIES). */
static void add(struct odoo_sum *s, size_t *n, const char *cur, double v)
{
	size_t i;

	for (i = 0; i < *n && strcmp(s[i].currency, cur); i++)
		;
	if (i == ODOO_CURRENCIES)
		return;
	if (i == *n) {
		snprintf(s[i].currency, sizeof s[i].currency, "%s", cur);
		s[i].amount = 0;
		(*n)++;
	}
	s[i].amount += v;
}

static int is_refund(const struct odoo_move *m)
{
	return strcmp(m->move_type, "out_refund") == 0;
}

/* Take the open credit notes out of rep's unpaid list: what is left of
 * each goes to rep->credit and off what is owed, per currency. */
static void credits(struct odoo_report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->nunpaid; i++) {
		const struct odoo_move *m = &rep->unpaid[i];
		if (is_refund(m)) {
			add(rep->credit, &rep->ncredit, m->currency,
			    m->amount_residual);
			add(rep->owed, &rep->nowed, m->currency, -m->amount_residual);
		} else
			rep->unpaid[n++] = *m;
	}
	rep->nunpaid = n;
}

/* search_read of account.move over domain; each record parsed into *out
 * (malloc'd, *n of them). */
static int moves(struct odoo_conn *k, json_t *domain, struct odoo_move **out,
    size_t *n)
{
	json_t *res, *rec;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = odoo_call(k, "account.move", "search_read", NULL, json_pack(
	    "{s:o, s:o, s:s}", "domain", domain, "fields", fields(), "order",
	    "invoice_date_due asc, id asc"), &res)))
		return r;
	if (!json_is_array(res)) {
		json_decref(res);
		return aie_fail(EX_DOWN, "account.move.search_read: not a list"),
		    EX_DOWN;
	}
	/* one at least, so that *out is never NULL on success */
	if (!(*out = calloc(json_array_size(res) + 1, sizeof **out))) {
		json_decref(res);
		return aie_fail(EX_TEMP, "out of memory"), EX_TEMP;
	}
	json_array_foreach(res, i, rec)
		if (odoo_move_parse(rec, &(*out)[i]) < 0) {
			json_decref(res);
			free(*out);
			*out = NULL;
			return EX_DOWN;
		}
	*n = json_array_size(res);
	json_decref(res);
	return 0;
}

int odoo_report(struct odoo_conn *k, time_t now, struct odoo_report *rep)
{
	struct tm tm;
	struct odoo_move *m;
	size_t n, i;
	time_t monday;
	const char *from;
	int r;

	memset(rep, 0, sizeof *rep);
	localtime_r(&now, &tm);
	strftime(rep->today, sizeof rep->today, "%Y-%m-%d", &tm);
	strftime(rep->month_start, sizeof rep->month_start, "%Y-%m-01", &tm);
	monday = now - (time_t)((tm.tm_wday + 6) % 7) * 86400;
	localtime_r(&monday, &tm);
	strftime(rep->week_start, sizeof rep->week_start, "%Y-%m-%d", &tm);
	from = strcmp(rep->week_start, rep->month_start) < 0 ? rep->week_start :
	    rep->month_start;
	if ((r = moves(k, json_pack("[[s, s, [s, s]], [s, s, s], [s, s, s]]",
	    "move_type", "in", "out_invoice", "out_refund", "state", "=",
	    "posted", "invoice_date", ">=", from), &m, &n)))
		return r;
	for (i = 0; i < n; i++) {
		double v = is_refund(&m[i]) ? -m[i].amount_total :
		    m[i].amount_total;
		if (strcmp(m[i].date, rep->today) > 0)
			continue;        /* after now: a past week's report */
		if (strcmp(m[i].date, rep->week_start) >= 0)
			add(rep->week, &rep->nweek, m[i].currency, v);
		if (strcmp(m[i].date, rep->month_start) >= 0)
			add(rep->month, &rep->nmonth, m[i].currency, v);
	}
	free(m);
	if ((r = moves(k, json_pack("[[s, s, [s, s]], [s, s, s], [s, s, [s, s]]]",
	    "move_type", "in", "out_invoice", "out_refund", "state", "=",
	    "posted", "payment_state", "in", "not_paid", "partial"), &rep->unpaid,
	    &rep->nunpaid)))
		return r;
	credits(rep);
	rep->late = calloc(rep->nunpaid ? rep->nunpaid : 1, sizeof *rep->late);
	if (!rep->late) {
		odoo_report_free(rep);
		return aie_fail(EX_TEMP, "out of memory"), EX_TEMP;
	}
	for (i = 0; i < rep->nunpaid; i++) {
		m = &rep->unpaid[i];
		add(rep->owed, &rep->nowed, m->currency, m->amount_residual);
		if (*m->due && strcmp(m->due, rep->today) < 0) {
			rep->late[i] = days_between(m->due, rep->today);
			rep->noverdue++;
			add(rep->overdue, &rep->noverdue_cur, m->currency,
			    m->amount_residual);
		}
	}
	return 0;
}

void odoo_report_free(struct odoo_report *rep)
{
	free(rep->unpaid);
	free(rep->late);
	rep->unpaid = NULL;
	rep->late = NULL;
	rep->nunpaid = 0;
}
