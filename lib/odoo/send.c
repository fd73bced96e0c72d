/*
 * send.c - mail a posted customer invoice the way Odoo's own "Send" button
 * does (see odoo-post(1), INVOICE_SEND): Odoo renders its invoice mail
 * template, attaches the PDF, sends it to the customer, logs it in the
 * invoice's chatter and marks the invoice sent (is_move_sent).
 *
 * The button is account.move.action_send_and_print, which answers a window
 * action naming the wizard and its context. Odoo 17 names account.move.send
 * (context active_ids and default_mail_template_id; its mail checkbox is
 * checkbox_send_mail); Odoo 18 and 19 name account.move.send.wizard for one
 * invoice (context active_model, active_ids; sending_methods ["email"]).
 * So the tool asks Odoo which wizard, creates it with that context, as the
 * form would, and presses its action_send_and_print: no guessing of
 * versions or template ids.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "vault/vault.h"
#include "odoo/odoo.h"

/* The wizard's values that ask for a mail and nothing else (no download). */
static json_t *wizard_vals(const char *model, long move_id)
{
	if (strcmp(model, "account.move.send") == 0)       /* Odoo 17 */
		return json_pack("{s:b, s:b}", "checkbox_send_mail", 1,
		    "checkbox_download", 0);
	if (strcmp(model, "account.move.send.wizard") == 0)  /* 18, 19 */
		return json_pack("{s:I, s:[s]}", "move_id", (json_int_t)move_id,
		    "sending_methods", "email");
	return NULL;
}

/* The move's partner's email, into to: 0, or an exit status. */
static int partner_email(struct odoo_conn *k, long partner_id, char *to,
    size_t size)
{
	json_t *res;
	const char *email = NULL;
	int r;

	if ((r = odoo_call(k, "res.partner", "read", json_pack("[I]",
	    (json_int_t)partner_id), json_pack("{s:[s]}", "fields", "email"),
	    &res)))
		return r;
	json_unpack(json_array_get(res, 0), "{s?s}", "email", &email);
	if (!email || !*email || strlen(email) >= size) {
		json_decref(res);
		return aie_fail(EX_DATA, "res.partner %ld has no email address in "
		    "Odoo: the invoice was not sent", partner_id), EX_DATA;
	}
	snprintf(to, size, "%s", email);
	json_decref(res);
	return 0;
}

int odoo_invoice_send(struct odoo_conn *k, const struct odoo_move *m,
    char *to, size_t size)
{
	json_t *act = NULL, *res = NULL, *ctx, *vals;
	const char *model = NULL;
	char what[96];
	long wid = 0;
	int r, sent;

	if ((r = partner_email(k, m->partner_id, to, size)))
		return r;
	if ((r = odoo_call(k, "account.move", "action_send_and_print",
	    json_pack("[I]", (json_int_t)m->id), NULL, &act)))
		return r;
	json_unpack(act, "{s?s}", "res_model", &model);
	ctx = json_object_get(act, "context");
	if (!model || !json_is_object(ctx) || !(vals = wizard_vals(model,
	    m->id))) {
		aie_fail(EX_DATA, "account.move.action_send_and_print: Odoo "
		    "offers %s to send with, not a wizard this tool knows", model ?
		    model : "no wizard");
		json_decref(act);
		return EX_DATA;
	}
	snprintf(what, sizeof what, "%s", model);
	json_incref(ctx);
	json_decref(act);
	if ((r = odoo_create(k, what, vals, ctx, &wid))) {
		json_decref(ctx);
		return r;
	}
	r = odoo_call(k, what, "action_send_and_print", json_pack("[I]",
	    (json_int_t)wid), json_pack("{s:o}", "context", ctx), &res);
	if (r)
		return r;
	json_decref(res);
	/* the mail left with the button; Odoo marks the invoice sent */
	if ((r = odoo_call(k, "account.move", "read", json_pack("[I]",
	    (json_int_t)m->id), json_pack("{s:[s]}", "fields", "is_move_sent"),
	    &res)))
		return r;
	sent = json_is_true(json_object_get(json_array_get(res, 0),
	    "is_move_sent"));
	json_decref(res);
	if (!sent)
		return aie_fail(EX_DATA, "%s.action_send_and_print: done, but Odoo "
		    "does not mark %s as sent", what, m->name), EX_DATA;
	return 0;
}
