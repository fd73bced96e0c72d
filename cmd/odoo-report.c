/*
 * odoo-report - the customer invoices in short (see odoo-report(1)):
 * revenue this week and this month to date, what is unpaid and what is
 * overdue, with the days each is late; lines of text, or one JSON object
 * with -j for the briefing. It only reads Odoo (lib/odoo/report.c).
 * With --notify, each invoice that is overdue is told to the owner on
 * WhatsApp once (lib/wa: key odoo-overdue-<id>, kept a year), through the
 * path notify-wa(1) takes: outbox, hourly limit, notification log.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "odoo/odoo.h"
#include "wa/wa.h"

#define OVERDUE_WINDOW (365L * 86400)   /* once each: a year of memory */

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-report [-C DIR] "
	    "[-a AGENT] [-jqv] [--notify]\n");
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
	cli_print_json(json_pack("{s:s, s:s, s:s, s:{s:o, s:o}, s:o, s:o, s:I, "
	    "s:o, s:o}", "today", r->today, "week_start", r->week_start,
	    "month_start", r->month_start, "revenue", "week",
	    sums(r->week, r->nweek), "month", sums(r->month, r->nmonth),
	    "owed", sums(r->owed, r->nowed), "credit", sums(r->credit,
	    r->ncredit), "overdue_count",
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
	if (r->ncredit)
		text_sums("credit", r->credit, r->ncredit, " (credit notes not yet "
		    "applied, taken off owed)");
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

/* Tell the owner of each overdue invoice, once each. 0, or the exit
 * status of the first failure (the others are still tried). */
static int notify(const struct odoo_report *r)
{
	struct vault v;
	struct wa_cfg wa;
	struct wa_outcome o;
	char key[64], a[40], *body = NULL, *text, *sum;
	size_t i;
	int status = 0, outbox = 0;

	if ((status = cli_open_vault(&v)) != 0)
		return status;
	if (wa_config(&wa) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	for (i = 0; i < r->nunpaid; i++) {
		const struct odoo_move *m = &r->unpaid[i];
		struct wa_note n = { WA_PLAIN, NULL, NULL, key, OVERDUE_WINDOW, 0 };
		if (r->late[i] <= 0)
			continue;
		odoo_money(m->amount_residual, a, sizeof a);
		snprintf(key, sizeof key, "odoo-overdue-%ld", m->id);
		if (asprintf(&body, "*Invoice overdue: %s*\n%s owes %s %s, due %s "
		    "(%ld day%s late).", m->name, m->partner, a, m->currency, m->due,
		    r->late[i], r->late[i] == 1 ? "" : "s") < 0)
			body = NULL;
		text = body ? wa_compose(body, NULL) : NULL;
		sum = body ? wa_oneline(body, WA_PARAM_MAX) : NULL;
		n.text = text;
		n.summary = sum;
		if (!text || !sum) {
			cli_warn(m->name, "out of memory");
			status = status ? status : EX_TEMP;
		} else if (wa_notify(&v, &wa, &n, &o) < 0) {
			cli_warn(m->name, "owner not notified: %s", aie_errmsg);
			status = status ? status : aie_errcode;
		} else
			outbox |= o.result == WA_OUTBOX;
		free(body);
		free(text);
		free(sum);
	}
	if (outbox && !cli.quiet)
		cli_warn(NULL, "no WhatsApp provider configured (WA_PROVIDER); the "
		    "owner's messages are in the outbox Logs/Notifications/");
	vault_close(&v);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "notify", no_argument, NULL, 'N' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct odoo_cfg cfg;
	struct odoo_conn k;
	struct odoo_report rep;
	int c, r, tell = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1)
		if (c == 'N')
			tell = 1;
		else if (!cli_option(c, optarg, usage))
			usage(2);
	if (optind != argc)
		usage(2);
	if ((r = odoo_config(&cfg)) != 0) {
		/* the daily --notify job of cron and PM2 runs on installations
		 * without Odoo too: nothing to do there, not a fault */
		if (r > 0 && tell) {
			if (!cli.quiet)
				cli_warn(NULL, "ODOO_URL is not set: no Odoo, nothing to "
				    "tell");
			return EX_NEG;
		}
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
	fflush(stdout);
	r = tell ? notify(&rep) : 0;
	odoo_report_free(&rep);
	return r;
}
