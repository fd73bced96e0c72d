/*
 * invoice.c - an invoice draft as the owner approves it (see vault(5),
 * Finance items): the front matter values and the body, a Markdown table
 * of the lines, both made from the move as Odoo holds it.
 *
 * The same functions make them when odoo-invoice files the draft and when
 * the executor reads the move back before posting it: what the owner
 * signed (partner, currency, amount_total and the body, which carries
 * every line, the dates and the state) must equal what they make from
 * Odoo's move now, byte for byte, or the move is not posted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "odoo/odoo.h"

void odoo_partner_label(long id, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s (id %ld)", name, id);
}

void odoo_money(double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.2f", v + 0.0);    /* + 0.0: no "-0.00" */
	if (strcmp(buf, "-0.00") == 0)
		snprintf(buf, size, "0.00");
}

/* A table cell: | escaped, line breaks and tabs as spaces. */
static void cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s, f);
	}
}

char *odoo_invoice_body(const struct odoo_move *m)
{
	char *out = NULL, label[300], a[40], b[40];
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		aie_fail_errno(EX_TEMP, "memory");
		return NULL;
	}
	odoo_partner_label(m->partner_id, m->partner, label, sizeof label);
	fputs("Invoice to ", f);
	cell(f, label);
	fprintf(f, ", Odoo account.move %ld (%s).\n\n", m->id,
	    *m->state ? m->state : "no state");
	fputs("| # | Description | Qty | Unit price | Amount |\n"
	    "|--:|---|--:|--:|--:|\n", f);
	for (i = 0; i < m->nlines; i++) {
		odoo_money(m->lines[i].price, a, sizeof a);
		odoo_money(m->lines[i].subtotal, b, sizeof b);
		fprintf(f, "| %zu | ", i + 1);
		cell(f, m->lines[i].name);
		fprintf(f, " | %g | %s | %s |\n", m->lines[i].qty, a, b);
	}
	odoo_money(m->amount_total, a, sizeof a);
	fprintf(f, "| | **Total** | | | **%s ", a);
	cell(f, m->currency);
	fputs("** |\n\nInvoice date ", f);
	fputs(*m->date ? m->date : "(none)", f);
	fputs(", due ", f);
	fputs(*m->due ? m->due : "(none)", f);
	fputs(".\n", f);
	if (fclose(f) != 0) {
		free(out);
		aie_fail_errno(EX_TEMP, "memory");
		return NULL;
	}
	return out;
}

/* key's value in it equals want; else the reason in aie_errmsg. */
static int same(const struct item *it, const char *key, const char *want)
{
	char *v = fm_get(it, key);
	int ok = v && strcmp(v, want) == 0;

	if (!ok)
		aie_fail(EX_DATA, "the invoice in Odoo changed since it was "
		    "approved: %s is %s in Odoo, %s approved", key, want,
		    v ? v : "(none)");
	free(v);
	return ok ? 0 : -1;
}

int odoo_invoice_verify(const struct item *it, const struct odoo_move *m)
{
	char buf[300], *body;
	int r;

	if (strcmp(m->move_type, "out_invoice") != 0)
		return aie_fail(EX_DATA, "account.move %ld is not a customer "
		    "invoice (move_type %s)", m->id, m->move_type);
	if (strcmp(m->state, "draft") != 0)
		return aie_fail(EX_DATA, "account.move %ld is no longer a draft "
		    "(state %s%s%s)", m->id, m->state, *m->name ? ", " : "",
		    m->name);
	odoo_partner_label(m->partner_id, m->partner, buf, sizeof buf);
	if (same(it, "partner", buf) < 0 || same(it, "currency", m->currency) < 0)
		return -1;
	odoo_money(m->amount_total, buf, sizeof buf);
	if (same(it, "amount_total", buf) < 0)
		return -1;
	if (!(body = odoo_invoice_body(m)))
		return -1;
	r = it->body && it->bodylen == strlen(body) && memcmp(it->body, body,
	    it->bodylen) == 0 ? 0 : aie_fail(EX_DATA, "the invoice in Odoo "
	    "changed since it was approved: its lines or dates differ from "
	    "the approved table");
	free(body);
	return r;
}
