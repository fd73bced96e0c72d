/*
 * actions.c - the actions an approval may carry, and for each the fields
 * of the draft its signature covers (see vault(5), Actions; approve(1)).
 *
 * This is the data half of the action table; the other half, each
 * action's check and executor, is in lib/exec/ (exec_action_find), keyed
 * by the same names. It lives here because approve(1) and the dashboard
 * sign and show these fields without linking lib/exec/, while vault-exec
 * links both: the lists are read from this one place by the signature,
 * the version digest (sig.c) and the executor.
 *
 * Adding an action: one entry below (its fields), one entry in
 * lib/exec/actions.c (its check and executor), and the executor itself.
 *
 * Every list begins with expires and action, so whatever the action, an
 * approval always ends and can never be turned into another action. The
 * signature's message is the ID, decision, decided_at, then the fields of
 * the list in order, then the body: for send_email that is byte for byte
 * the message signed before this table existed.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "approval/approval.h"

#define SIGNED_ALWAYS "expires", "action"

static const char *const send_email_fields[] = {
	SIGNED_ALWAYS, "to", "cc", "subject", "in_reply_to", "references",
	NULL
};

/* send_whatsapp: a reply to a customer (see wa-send(1)); with a template
 * the body's lines are its parameters, so the body is signed either way */
static const char *const send_whatsapp_fields[] = {
	SIGNED_ALWAYS, "to", "reply_to", "template", "template_lang", NULL
};

/* none, a manual task the owner confirms: nothing is executed, so what the
 * approval binds is what the owner read, its subject and body */
static const char *const none_fields[] = {
	SIGNED_ALWAYS, "subject", NULL
};

/* post_invoice, a draft customer invoice in Odoo (odoo-invoice(1)): the
 * move and what the owner read of it; the body is its table of lines */
static const char *const post_invoice_fields[] = {
	SIGNED_ALWAYS, "odoo_id", "partner", "currency", "amount_total", NULL
};

/* register_payment, a customer's payment of a posted invoice
 * (odoo-payment(1)) */
static const char *const register_payment_fields[] = {
	SIGNED_ALWAYS, "odoo_id", "invoice", "partner", "currency", "amount",
	"payment_date", NULL
};

/* post, a social network post (social-post(1)): where it goes, what goes
 * with it and when; the body is the text. The image is signed by its
 * SHA-256 as well as its path: the path alone would let the file change
 * under an approval (see vault(5), Post drafts); its description is
 * published text. */
static const char *const post_fields[] = {
	SIGNED_ALWAYS, "network", "media", "media_sha256", "media_alt", "link",
	"schedule_at", NULL
};

const struct approval_action approval_actions[] = {
	{ "send_email", send_email_fields },
	{ "none", none_fields },
	{ "post_invoice", post_invoice_fields },
	{ "register_payment", register_payment_fields },
	{ "post", post_fields },
	{ "send_whatsapp", send_whatsapp_fields },
	{ NULL, NULL }
};

/* An action not in the table signs what send_email signs: vault-exec will
 * not run it (an unknown action), and should the table learn it later, an
 * approval made before then fails closed unless its fields match. */
const char *const *const draft_signed_fields = send_email_fields;

const struct approval_action *approval_action_find(const char *name)
{
	size_t i;

	for (i = 0; name && approval_actions[i].name; i++)
		if (strcmp(approval_actions[i].name, name) == 0)
			return &approval_actions[i];
	return NULL;
}

const char *const *approval_fields(const struct item *it)
{
	char *action = fm_get(it, "action");
	const struct approval_action *a = approval_action_find(action);

	free(action);
	return a ? a->fields : draft_signed_fields;
}
