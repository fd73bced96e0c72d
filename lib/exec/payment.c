/*
 * payment.c - the register_payment action (see vault(5), Finance items;
 * odoo-post(1)): register the customer's payment the owner approved on a
 * posted invoice.
 *
 * As for post_invoice (invoice.c), the invoice is read back first with the
 * posting user's credentials: it must still be the posted customer invoice
 * signed (name, partner, currency) with at least the signed amount left to
 * pay, or nothing is registered (65, to the owner): it may have been paid
 * since. Then Odoo's Register Payment wizard; a failure other than Odoo's
 * refusal may have registered it (maybe_sent). The invoice's payment_state
 * and what is left to pay afterwards go into the item.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "odoo/odoo.h"

int payment_check(const struct item *it, const char *id)
{
	static const char *const need[] = { "odoo_id", "invoice", "partner",
	    "currency", "amount", "payment_date", NULL };
	struct odoo_cfg c;
	size_t i;
	char *v;
	int r;

	(void)id;
	for (i = 0; need[i]; i++) {
		v = fm_get(it, need[i]);
		r = v && *v;
		free(v);
		if (!r)
			return aie_fail(EX_DATA, "no %s: not a payment draft of "
			    "odoo-payment(1)", need[i]);
	}
	if ((r = odoo_config_poster(&c)) > 0)
		return aie_fail(EX_CONFIG, "ODOO_URL is not set: no Odoo to "
		    "register the payment in");
	return r;
}

static int failed(int r)
{
	aie_errcode = r;
	return -1;
}

int payment_register(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res)
{
	struct odoo_cfg c;
	struct odoo_conn k;
	struct odoo_move m;
	char *oid = fm_get(it, "odoo_id"), *date = fm_get(it, "payment_date");
	char *end = NULL, left[40];
	long mid = oid ? strtol(oid, &end, 10) : 0;
	double amount;
	int r = -1;

	memset(res, 0, sizeof *res);
	if (!oid || end == oid || *end || mid <= 0 || !date) {
		aie_fail(EX_DATA, "no usable odoo_id or payment_date");
		goto out;
	}
	if ((r = odoo_config_poster(&c)) != 0) {
		r = r > 0 ? aie_fail(EX_CONFIG, "ODOO_URL is not set") : -1;
		goto out;
	}
	if ((r = odoo_connect(&k, &c)) || (r = odoo_move_read(&k, mid, &m))) {
		r = failed(r);
		goto out;
	}
	r = odoo_payment_verify(it, &m, &amount);
	odoo_move_free(&m);
	if (r < 0)
		goto out;
	if ((r = odoo_payment_register(&k, mid, amount, date))) {
		res->maybe_sent = r != EX_DATA && r != EX_REFUSED;
		r = failed(r);
		goto out;
	}
	r = 0;
	if (odoo_move_read(&k, mid, &m) == 0) {
		const char *kv[] = { "odoo_payment_state", m.payment_state,
		    "odoo_residual", left, NULL };
		odoo_money(m.amount_residual, left, sizeof left);
		snprintf(res->detail, sizeof res->detail, "odoo payment of %.2f %s "
		    "registered on %s: %s, %s left", amount, m.currency, m.name,
		    m.payment_state, left);
		if (item_annotate(v, ref, kv) < 0)
			snprintf(res->detail, sizeof res->detail, "odoo payment of "
			    "%.2f registered on account.move %ld; not written into "
			    "the item: %.100s", amount, mid, aie_errmsg);
		odoo_move_free(&m);
	} else
		snprintf(res->detail, sizeof res->detail, "odoo payment of %.2f "
		    "registered on account.move %ld; not read back: %.100s",
		    amount, mid, aie_errmsg);
out:
	free(oid);
	free(date);
	return r;
}
