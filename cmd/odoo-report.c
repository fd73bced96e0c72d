/*
 * odoo-report - the customer invoices in short (see odoo-report(1)):
 * revenue this week and this month to date, what is unpaid and what is
 * overdue, with the days each is late; lines of text, or one JSON object
 * with -j for the briefing. It only reads (lib/odoo/report.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "odoo/odoo.h"

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-report [-jqv]\n");
	exit(status ? 2 : 0);
}

/* {"USD": 5000.0, ...} */
static json_t *sums(const struct odoo_sum *s, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, s[i].currency, json_real(s[i].amount));
	return o;
}

/* "5000.00 USD, 80.00 EUR", or "0.00" for none. */
static void text_sums(const char *what, const struct odoo_sum *s, size_t n,
    const char *tail)
{
	char a[40];
	size_t i;

	printf("%s", what);
	for (i = 0; i < n; i++) {
		odoo_money(s[i].amount, a, sizeof a);
		printf("%s %s %s", i ? "," : "", a, s[i].currency);
	}
	printf("%s%s\n", n ? "" : " 0.00", tail);
}

static void print_json(const struct odoo_report *r)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < r->nunpaid; i++) {
		const struct odoo_move *m = &r->unpaid[i];
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:I, s:s, "
		    "s:f, s:f, s:s?, s:s, s:I, s:b}", "id", (json_int_t)m->id,
		    "name", m->name, "partner", m->partner, "partner_id",
		    (json_int_t)m->partner_id, "currency", m->currency,
		    "amount_total", m->amount_total, "amount_residual",
		    m->amount_residual, "due", *m->due ? m->due : NULL,
		    "payment_state", m->payment_state, "days_late",
		    (json_int_t)r->late[i], "overdue", r->late[i] > 0));
	}
	cli_print_json(json_pack("{s:s, s:s, s:s, s:{s:o, s:o}, s:o, s:I, s:o, "
	    "s:o}", "today", r->today, "week_start", r->week_start,
	    "month_start", r->month_start, "revenue", "week",
	    sums(r->week, r->nweek), "month", sums(r->month, r->nmonth),
	    "owed", sums(r->owed, r->nowed), "overdue_count",
	    (json_int_t)r->noverdue, "overdue", sums(r->overdue,
	    r->noverdue_cur), "unpaid", list));
}

static void print_text(const struct odoo_report *r)
{
	char a[40], tail[64];
	size_t i;

	snprintf(tail, sizeof tail, " (since %s)", r->week_start);
	text_sums("revenue week", r->week, r->nweek, tail);
	snprintf(tail, sizeof tail, " (since %s)", r->month_start);
	text_sums("revenue month", r->month, r->nmonth, tail);
	text_sums("owed", r->owed, r->nowed, "");
	for (i = 0; i < r->nunpaid; i++) {
		const struct odoo_move *m = &r->unpaid[i];
		odoo_money(m->amount_residual, a, sizeof a);
		if (r->late[i] > 0)
			printf("overdue %s %s %s %s due %s %ld day%s late\n", m->name,
			    m->partner, a, m->currency, m->due, r->late[i],
			    r->late[i] == 1 ? "" : "s");
		else
			printf("unpaid %s %s %s %s due %s\n", m->name, m->partner, a,
			    m->currency, *m->due ? m->due : "-");
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct odoo_cfg cfg;
	struct odoo_conn k;
	struct odoo_report rep;
	int c, r;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc)
		usage(2);
	if ((r = odoo_config(&cfg)) != 0) {
		if (r > 0)
			aie_fail(EX_CONFIG, "ODOO_URL is not set");
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = odoo_connect(&k, &cfg)) || (r = odoo_report(&k, time(NULL),
	    &rep))) {
		cli_warn(cfg.url, "%s", aie_errmsg);
		return r;
	}
	if (cli.json)
		print_json(&rep);
	else
		print_text(&rep);
	odoo_report_free(&rep);
	return 0;
}
