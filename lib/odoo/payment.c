/*
 * payment.c - a customer's payment of a posted invoice (see
 * odoo-payment(1), vault(5) Finance items): find the invoice by its name,
 * register the payment through Odoo's own wizard, and check a payment
 * draft against the invoice before it is registered.
 *
 * Registering is what the invoice's "Register Payment" button does:
 * account.payment.register created with the invoice as active_ids in the
 * context, then its action_create_payments. An amount below what is owed
 * leaves the invoice partly paid (payment_state partial).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "vault/vault.h"
#include "odoo/odoo.h"

int odoo_invoice_by_name(struct odoo_conn *k, const char *name,
    struct odoo_move *m)
{
	json_t *res;
	long id;
	int r;

	memset(m, 0, sizeof *m);
	if ((r = odoo_call(k, "account.move", "search_read", NULL, json_pack(
	    "{s:[[s, s, s], [s, s, s]], s:[s], s:i}", "domain", "name", "=", name,
	    "move_type", "=", "out_invoice", "fields", "id", "limit", 2), &res)))
		return r;
	if (!json_is_array(res) || json_array_size(res) != 1) {
		r = json_is_array(res) && json_array_size(res) == 0 ? EX_NEG :
		    EX_DATA;
		json_decref(res);
		return aie_fail(r, "%s: %s", name, r == EX_NEG ? "no such customer "
		    "invoice in Odoo" : "several invoices have this name"), r;
	}
	id = (long)json_integer_value(json_object_get(json_array_get(res, 0),
	    "id"));
	json_decref(res);
	if (id <= 0)
		return aie_fail(EX_DOWN, "%s: no id in the reply", name), EX_DOWN;
	return odoo_move_read(k, id, m);
}

int odoo_payment_register(struct odoo_conn *k, long move_id, double amount,
    const char *date)
{
	json_t *res, *ctx = json_pack("{s:s, s:[I]}", "active_model",
	    "account.move", "active_ids", (json_int_t)move_id);
	long wid = 0;
	int r;

	if ((r = odoo_create(k, "account.payment.register", json_pack("{s:f, "
	    "s:s}", "amount", amount, "payment_date", date), ctx, &wid))) {
		json_decref(ctx);
		return r;
	}
	r = odoo_call(k, "account.payment.register", "action_create_payments",
	    json_pack("[I]", (json_int_t)wid), json_pack("{s:o}", "context", ctx),
	    &res);
	if (r == 0)
		json_decref(res);
	return r;
}

/* key's value in it equals want; else the reason in aie_errmsg. */
static int same(const struct item *it, const char *key, const char *want)
{
	char *v = fm_get(it, key);
	int ok = v && strcmp(v, want) == 0;

	if (!ok)
		aie_fail(EX_DATA, "the invoice in Odoo is not the one approved: %s "
		    "is %s in Odoo, %s approved", key, want, v ? v : "(none)");
	free(v);
	return ok ? 0 : -1;
}

int odoo_payment_verify(const struct item *it, const struct odoo_move *m,
    double *amount)
{
	char buf[300], *a = fm_get(it, "amount"), *end = NULL;

	*amount = a ? strtod(a, &end) : 0;
	if (!a || end == a || *end || !(*amount > 0)) {
		free(a);
		return aie_fail(EX_DATA, "no usable amount");
	}
	free(a);
	if (strcmp(m->state, "posted") != 0 ||
	    strcmp(m->move_type, "out_invoice") != 0)
		return aie_fail(EX_DATA, "account.move %ld is not a posted "
		    "customer invoice (state %s)", m->id, m->state);
	odoo_partner_label(m->partner_id, m->partner, buf, sizeof buf);
	if (same(it, "invoice", m->name) < 0 || same(it, "partner", buf) < 0 ||
	    same(it, "currency", m->currency) < 0)
		return -1;
	if (*amount > m->amount_residual + 0.005) {
		odoo_money(m->amount_residual, buf, sizeof buf);
		return aie_fail(EX_DATA, "%s has %s %s left to pay (payment_state "
		    "%s): less than the %.2f approved", m->name, buf, m->currency,
		    m->payment_state, *amount);
	}
	return 0;
}
