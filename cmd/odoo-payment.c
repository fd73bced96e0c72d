/*
 * odoo-payment - draft the registration of customer payments for the
 * owner's approval (see odoo-payment(1), vault(5) Finance items).
 *
 * Each payment comes from a stdin line, "INV/2026/00042 1000 [YYYY-MM-DD]"
 * (a bank line cut to the invoice and the amount), or from an item saying
 * an invoice was paid (--from ID: the one invoice name and the one amount
 * with its currency it states). The invoice is found in Odoo by its name:
 * it must be a posted customer invoice with at least that much left to
 * pay, or the payment is refused (65) and nothing is filed. Else
 * Pending_Approval/finance/PAYMENT_<time>_<rand>.md, action
 * register_payment, which odoo-post(1) or vault-exec(1) registers once
 * approved; less than what is left leaves the invoice partly paid. It
 * only reads Odoo: the cloud agent may run it.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "odoo/odoo.h"

struct ctx {
	struct vault *v;
	struct odoo_conn k;
	const char *source;      /* --from ID, or NULL */
	long expires_hours;
	int connected;           /* -1 failed, 0 not yet, 1 ready */
	struct odoo_cfg cfg;
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: odoo-payment [-C DIR] "
	    "[-a AGENT] [-jqv] [--from ID]\n");
	exit(status ? 2 : 0);
}

/* The payment date: YYYY-MM-DD, or today. */
static int payment_date(const char *s, char out[16])
{
	struct tm tm;
	time_t now = time(NULL);
	const char *end;

	if (!s || !*s) {
		strftime(out, 16, "%Y-%m-%d", localtime_r(&now, &tm));
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 10 || !(end = strptime(s, "%Y-%m-%d", &tm)) || *end)
		return aie_fail(EX_DATA, "\"%s\" is not a date (want YYYY-MM-DD)",
		    s);
	snprintf(out, 16, "%s", s);
	return 0;
}

/* File the payment draft of amount on the invoice m. */
static int file(struct ctx *c, const struct odoo_move *m, double amount,
    const char *date)
{
	struct item it;
	struct itemref ref;
	char id[AIE_ID_MAX + 1], now[21], exp[21], oid[24], label[300];
	char a[40], left[40], after[40], subj[400], *body = NULL;
	const char *kind = amount < m->amount_residual - 0.005 ? "partial" :
	    "in full";
	int rc = -1;

	memset(&it, 0, sizeof it);
	odoo_partner_label(m->partner_id, m->partner, label, sizeof label);
	odoo_money(amount, a, sizeof a);
	odoo_money(m->amount_residual, left, sizeof left);
	odoo_money(m->amount_residual - amount, after, sizeof after);
	snprintf(oid, sizeof oid, "%ld", m->id);
	snprintf(subj, sizeof subj, "Payment of %s %s on %s (%s), %s", a,
	    m->currency, m->name, m->partner, kind);
	time_rfc3339(time(NULL), now);
	time_rfc3339(time(NULL) + c->expires_hours * 3600, exp);
	if (asprintf(&body, "Register a payment of %s %s, received %s, on "
	    "invoice %s to %s (Odoo account.move %ld).\n\n"
	    "| Invoice | Total | Left to pay | This payment | Left after |\n"
	    "|---|--:|--:|--:|--:|\n| %s | %.2f | %s | %s | %s |\n", a,
	    m->currency, date, m->name, label, m->id, m->name, m->amount_total,
	    left, a, after) < 0)
		return aie_fail(EX_TEMP, "out of memory");
	if (id_generate(id, sizeof id, "PAYMENT") == 0 &&
	    fm_parse(&it, "---\n---\n", 8) == 0 &&
	    fm_set(&it, "type", "payment_draft") == 0 &&
	    fm_set(&it, "id", id) == 0 && fm_set(&it, "created", now) == 0 &&
	    fm_set(&it, "domain", "finance") == 0 &&
	    fm_set(&it, "status", "pending") == 0 &&
	    (!c->source || fm_set(&it, "source", c->source) == 0) &&
	    fm_set(&it, "action", "register_payment") == 0 &&
	    fm_set(&it, "subject", subj) == 0 &&
	    fm_set(&it, "odoo_id", oid) == 0 &&
	    fm_set(&it, "invoice", m->name) == 0 &&
	    fm_set(&it, "partner", label) == 0 &&
	    fm_set(&it, "currency", m->currency) == 0 &&
	    fm_set(&it, "amount", a) == 0 &&
	    fm_set(&it, "payment_date", date) == 0 &&
	    fm_set(&it, "left_to_pay", left) == 0 &&
	    fm_set(&it, "drafted_by", c->v->agent) == 0 &&
	    fm_set(&it, "expires", exp) == 0 &&
	    item_ref_set(&ref, id, ST_PENDING, "finance") == 0) {
		free(it.body);
		it.body = body;
		it.bodylen = strlen(body);
		body = NULL;
		if ((rc = item_create(c->v, &ref, &it)) == 0) {
			audit_event(c->v, "payment_draft", id, c->source, ref.rel,
			    m->name);
			if (cli.json)
				cli_print_json(json_pack("{s:s, s:s, s:s, s:s}", "id", id,
				    "path", ref.rel, "invoice", m->name, "kind", kind));
			else
				printf("%s\n", ref.rel);
		}
	}
	free(body);
	fm_free(&it);
	return rc;
}

/* One payment: the invoice by name, checked, the draft filed. */
static int payment(struct ctx *c, const char *name, double amount,
    const char *date)
{
	struct odoo_move m;
	char left[40];
	int r;

	if (c->connected == 0)
		c->connected = odoo_connect(&c->k, &c->cfg) == 0 ? 1 : -1;
	if (c->connected < 0)
		return aie_errcode;
	if ((r = odoo_invoice_by_name(&c->k, name, &m)))
		return r == EX_NEG ? EX_DATA : r;
	odoo_money(m.amount_residual, left, sizeof left);
	if (strcmp(m.state, "posted") != 0)
		r = aie_fail(EX_DATA, "%s is not posted (state %s)", name, m.state);
	else if (strcmp(m.payment_state, "not_paid") != 0 &&
	    strcmp(m.payment_state, "partial") != 0)
		r = aie_fail(EX_DATA, "%s is already %s", name, m.payment_state);
	else if (amount > m.amount_residual + 0.005)
		r = aie_fail(EX_DATA, "%s has %s %s left to pay, less than %.2f",
		    name, left, m.currency, amount);
	else
		r = file(c, &m, amount, date);
	odoo_move_free(&m);
	return r < 0 ? aie_errcode : 0;
}

/* A stdin line: INVOICE AMOUNT [DATE]. */
static int line(struct ctx *c, char *s)
{
	char *name = strtok(s, " \t"), *amt = strtok(NULL, " \t");
	char *day = strtok(NULL, " \t"), date[16];
	double amount;

	if (!name || !amt || strtok(NULL, " \t") ||
	    odoo_amount(amt, strlen(amt), &amount) < 0)
		return aie_fail(EX_DATA, "want: INVOICE AMOUNT [YYYY-MM-DD]"),
		    EX_DATA;
	if (payment_date(day, date) < 0)
		return EX_DATA;
	return payment(c, name, amount, date);
}

/* --from ID: the invoice name and the amount the item states. */
static int from_item(struct ctx *c)
{
	struct itemref ref;
	struct item it;
	char name[64], date[16], *subj, *text = NULL;
	double amount = 0;
	int n, a, r = EX_DATA;

	if (vault_resolve(c->v, c->source, &ref) < 0 ||
	    item_load(c->v, &ref, &it) < 0)
		return aie_errcode;
	subj = fm_get(&it, "subject");
	if (asprintf(&text, "%s\n%.*s", subj ? subj : "", (int)it.bodylen,
	    it.body ? it.body : "") < 0)
		text = NULL;
	if (!text)
		r = (aie_fail(EX_TEMP, "out of memory"), EX_TEMP);
	else if ((n = odoo_invoice_name(text, name, sizeof name)) <= 0)
		aie_fail(EX_DATA, n < 0 ? "it names several invoices" : "it names "
		    "no invoice (INV/YYYY/NNNNN)");
	else if ((a = odoo_stated_amount(text, &amount)) <= 0)
		aie_fail(EX_DATA, a < 0 ? "it states several amounts" : "it states "
		    "no amount with its currency");
	else if (payment_date(NULL, date) == 0)
		r = payment(c, name, amount, date);
	free(subj);
	free(text);
	fm_free(&it);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct vault v;
	struct ctx c = { .v = &v };
	char *buf = NULL, *s, where[32];
	size_t cap = 0, lineno = 0;
	int ch, r, status = 0;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((ch = getopt_long(argc, argv, CLI_SHORTOPTS "f:", longopts,
	    NULL)) != -1) {
		if (cli_option(ch, optarg, usage))
			continue;
		if (ch == 'f')
			c.source = optarg;
		else
			usage(2);
	}
	if (optind != argc)
		usage(2);
	if ((r = odoo_config(&c.cfg)) != 0) {
		if (r > 0)
			aie_fail(EX_CONFIG, "ODOO_URL is not set");
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if (config_long("DRAFT_EXPIRES_HOURS", 72, 1, 8760,
	    &c.expires_hours) < 0) {
		cli_warnerr(NULL);
		return EX_CONFIG;
	}
	if ((r = cli_open_vault(&v)) != 0)
		return r;
	if (c.source) {
		if ((status = from_item(&c)))
			cli_warnerr(c.source);
	} else
		while (getline(&buf, &cap, stdin) > 0 && c.connected >= 0) {
			lineno++;
			s = buf + strspn(buf, " \t");
			s[strcspn(s, "\r\n")] = '\0';
			if (!*s || *s == '#')
				continue;
			snprintf(where, sizeof where, "line %zu", lineno);
			if ((r = line(&c, s)) != 0) {
				cli_warnerr(where);
				status = r > status ? r : status;
			}
		}
	free(buf);
	vault_close(&v);
	return status;
}
