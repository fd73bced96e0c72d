/*
 * invoice.c - the post_invoice action (see vault(5), Finance items;
 * odoo-post(1)): post the draft invoice the owner approved, and only that.
 *
 * The cloud drafted the move and can still change it in Odoo after the
 * owner approved the item: so the move is read back first, with the
 * posting user's credentials (odoo_config_poster), and posted only when
 * it is still a draft customer invoice whose partner, currency, total and
 * table (every line, the dates) are exactly what the approval signed
 * (odoo_invoice_verify); else 65, nothing posted, the item to the owner.
 * Odoo's refusal of action_post (UserError, AccessError) rolls it back:
 * a plain failure. Any other failure of action_post (a time-out, a lost
 * connection, a 5xx) may come after Odoo posted: maybe_sent, so it is
 * never tried again. The posted name (INV/2026/00042) goes into the item
 * as odoo_name.
 *
 * With INVOICE_SEND=yes the posted invoice is then mailed to the customer
 * through Odoo's own Send wizard (odoo_invoice_send). The post stands
 * whatever the mail does: the item records odoo_sent (the address, or
 * "failed: why", or "unknown: why" when it may have left) and
 * the action still succeeds, so nothing ever posts it again; the owner
 * sends a failed one from Odoo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "exec/exec.h"
#include "mail/mail.h"
#include "odoo/odoo.h"

/* The item's odoo_id: 0 with *id, or -1 (65). */
static int move_id(const struct item *it, long *id)
{
	char *s = fm_get(it, "odoo_id"), *end = NULL;

	*id = s ? strtol(s, &end, 10) : 0;
	if (!s || end == s || *end || *id <= 0) {
		free(s);
		*id = 0;
		return aie_fail(EX_DATA, "no odoo_id: not an invoice draft of "
		    "odoo-invoice(1)");
	}
	free(s);
	return 0;
}

int invoice_check(const struct item *it, const char *id)
{
	static const char *const need[] = { "partner", "currency",
	    "amount_total", NULL };
	struct odoo_cfg c;
	const char *send;
	long mid;
	size_t i;
	char *v;
	int r;

	(void)id;
	if (move_id(it, &mid) < 0)
		return -1;
	for (i = 0; need[i]; i++) {
		v = fm_get(it, need[i]);
		r = v && *v;
		free(v);
		if (!r)
			return aie_fail(EX_DATA, "no %s: not an invoice draft of "
			    "odoo-invoice(1)", need[i]);
	}
	if ((r = odoo_config_poster(&c)) > 0)
		return aie_fail(EX_CONFIG, "ODOO_URL is not set: no Odoo to post "
		    "in");
	/* a mistyped INVOICE_SEND stops before posting, not after */
	send = config_get("INVOICE_SEND");
	if (r == 0 && send && *send && config_get_bool("INVOICE_SEND", -1) < 0)
		return aie_fail(EX_CONFIG, "INVOICE_SEND is \"%.40s\": yes or no",
		    send);
	return r;
}

/* Fail with Odoo's verdict r (an exit status): -1, aie_errcode r. */
static int failed(int r)
{
	aie_errcode = r;
	return -1;
}

/* INVOICE_SEND: mail the posted move m and record how it went as
 * odoo_sent, in the item and in res's detail. Never fails the action: the
 * invoice is posted. */
static void send(struct vault *v, const struct itemref *ref,
    struct odoo_conn *k, const struct odoo_move *m, struct send_result *res)
{
	char to[200], sent[300];
	const char *kv[] = { "odoo_sent", sent, NULL };
	size_t n = strlen(res->detail);
	int r = odoo_invoice_send(k, m, to, sizeof to);

	if (r == 0)
		snprintf(sent, sizeof sent, "%s", to);
	else
		/* Odoo's refusal rolled the mail back; anything else may
		 * come after it left */
		snprintf(sent, sizeof sent, "%s: %.250s", r == EX_DATA ||
		    r == EX_REFUSED ? "failed" : "unknown", aie_errmsg);
	if (item_annotate(v, ref, kv) < 0)
		snprintf(sent, sizeof sent, "%s; odoo_sent not written", r ? "not "
		    "sent" : "sent");
	snprintf(res->detail + n, sizeof res->detail - n, r ? "; not sent "
	    "(%s)" : "; sent to %s", r ? sent : to);
}

int invoice_post(struct vault *v, const struct itemref *ref,
    const struct item *it, struct send_result *res)
{
	struct odoo_cfg c;
	struct odoo_conn k;
	struct odoo_move m;
	long mid;
	int r;

	memset(res, 0, sizeof *res);
	if (move_id(it, &mid) < 0)
		return -1;
	if ((r = odoo_config_poster(&c)) != 0)
		return r > 0 ? aie_fail(EX_CONFIG, "ODOO_URL is not set") : -1;
	if ((r = odoo_connect(&k, &c)) || (r = odoo_move_read(&k, mid, &m)))
		return failed(r);
	r = odoo_invoice_verify(it, &m);
	odoo_move_free(&m);
	if (r < 0)
		return -1;
	if ((r = odoo_move_post(&k, mid))) {
		/* Odoo's own refusal is rolled back; anything else may not be */
		res->maybe_sent = r != EX_DATA && r != EX_REFUSED;
		return failed(r);
	}
	if ((r = odoo_move_read(&k, mid, &m)) == 0 &&
	    strcmp(m.state, "posted") == 0) {
		const char *kv[] = { "odoo_name", m.name, "odoo_state", m.state,
		    NULL };
		snprintf(res->detail, sizeof res->detail, "odoo posted %s "
		    "(account.move %ld, %s)", m.name, mid, c.user && !c.json2 ?
		    c.user : "api key");
		if (item_annotate(v, ref, kv) < 0)
			snprintf(res->detail, sizeof res->detail, "odoo posted %s "
			    "(account.move %ld); odoo_name not written: %.150s", m.name,
			    mid, aie_errmsg);
	} else
		snprintf(res->detail, sizeof res->detail, "odoo posted "
		    "account.move %ld; its name was not read back: %.150s", mid,
		    r ? aie_errmsg : m.state);
	if (r == 0) {
		if (strcmp(m.state, "posted") == 0 &&
		    config_get_bool("INVOICE_SEND", 0))
			send(v, ref, &k, &m, res);
		odoo_move_free(&m);
	}
	return 0;
}
