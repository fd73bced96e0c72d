/*
 * newkind.c - the kinds of /new beyond a task and an email (see
 * ai-employee-dashboard(1)): a post and a WhatsApp message the owner
 * wrote, filed as drafts for approval and checked now by the rules
 * approval and the executors apply (lib/social's network rule, lib/wa's
 * 24-hour window); an invoice to draft, filed into Needs_Action/finance/
 * as an item odoo-invoice --from reads (see odoo-invoice(1), vault(5)).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vault/vault.h"
#include "social/social.h"
#include "wa/wa.h"
#include "odoo/odoo.h"
#include "dash/dash.h"
#include "base/base.h"

#define WA_TEXT_MAX 4096         /* a free text message, vault(5) */

void new_kv(struct newform *f, const char *key, const char *value)
{
	if (!value || f->nkv + 3 > sizeof f->kv / sizeof f->kv[0])
		return;
	f->kv[f->nkv++] = key;
	f->kv[f->nkv++] = value;
	f->kv[f->nkv] = NULL;
}

int new_text(struct newform *f, const char **out, const char *fmt,
    const char *a, const char *b)
{
	struct buf t = { 0 };
	size_t i = 0, n = sizeof f->own / sizeof f->own[0];

	while (i < n && f->own[i])
		i++;
	buf_addf(&t, fmt, a, b);
	if (i == n || !(f->own[i] = buf_take(&t, NULL)))
		return aie_fail(EX_TEMP, "out of memory");
	*out = f->own[i];
	return 0;
}

int new_draft(struct dashctx *c, struct newform *f)
{
	long hours;

	if (config_long("DRAFT_EXPIRES_HOURS", 72, 1, 1000000, &hours) < 0)
		return -1;
	time_rfc3339(c->now + (time_t)hours * 3600, f->expires);
	f->n.draft = 1;
	new_kv(f, "drafted_by", c->v.agent);
	new_kv(f, "expires", f->expires);
	return 0;
}

/* A link: http(s), one line of printable ASCII without spaces. */
static int link_ok(const char *s)
{
	if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '<' || *s == '>')
			return 0;
	return 1;
}

int new_post(struct dashctx *c, struct newform *f)
{
	const char *link = new_field(c, "link"), *when = new_field(c, "schedule_at");
	const char *net_s = new_field(c, "network");
	enum social_net net;
	char *text;
	time_t t;
	int r;

	if (social_net_parse(net_s ? net_s : "", &net) < 0)
		return -1;
	if (link && !link_ok(link))
		return aie_fail(EX_DATA, "Link: an http or https address without "
		    "spaces is needed.");
	if (when && time_parse_rfc3339(when, &t) < 0)
		return aie_fail(EX_DATA, "Not before: a UTC time such as "
		    "2026-12-24T09:00:00Z is needed.");
	if (!(text = social_compose(net, f->n.body ? f->n.body : "", link)))
		return -1;
	r = social_check(net, text, NULL);
	free(text);
	if (r < 0)
		return -1;
	if (when)
		time_rfc3339(t, f->when);
	snprintf(f->idtype, sizeof f->idtype, "POST_%s", social_net_name(net));
	f->n.domain = "social";
	f->n.type = "post_draft";
	f->n.idtype = f->idtype;
	if (new_text(f, &f->n.title, "Post on %s%s", social_net_name(net), "") < 0)
		return -1;
	new_kv(f, "action", "post");
	new_kv(f, "network", social_net_name(net));
	new_kv(f, "link", link);
	new_kv(f, "schedule_at", when ? f->when : NULL);
	return new_draft(c, f);
}

/* A template's name as WhatsApp makes them: lowercase, digits, '_'. */
static int template_ok(const char *s)
{
	if (!*s || strlen(s) > 512)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_')
			return 0;
	return 1;
}

int new_whatsapp(struct dashctx *c, struct newform *f)
{
	const char *to = new_field(c, "to"), *tpl = new_field(c, "template");
	const char *body = f->n.body, *p;
	time_t last;

	if (!to || strlen(to) < 6 || strlen(to) > 20 ||
	    strspn(to, "0123456789") != strlen(to))
		return aie_fail(EX_DATA, "To: a WhatsApp number, digits only with "
		    "the country code, such as 447700900123.");
	if (tpl && !template_ok(tpl))
		return aie_fail(EX_DATA, "Template: a name of lowercase letters, "
		    "digits and _ is needed.");
	if (!body || !body[strspn(body, " \n")])
		return aie_fail(EX_DATA, "A message is needed.");
	if (strlen(body) > WA_TEXT_MAX)
		return aie_fail(EX_DATA, "The message is over 4096 bytes.");
	for (p = body; tpl && p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strcspn(p, "\n") > WA_PARAM_MAX)
			return aie_fail(EX_DATA, "A template parameter (a line) is "
			    "over %d bytes.", WA_PARAM_MAX);
	if (wa_last_inbound(&c->v, to, &last) < 0)
		return -1;
	if (last == 0)
		return aie_fail(EX_DATA, "To: no WhatsApp message from %s in the "
		    "vault; a message goes only to a contact who wrote first.", to);
	if (!tpl && wa_window_check(&c->v, to, c->now) < 0)
		return aie_fail(EX_DATA, "%s Name an approved template to write "
		    "outside it.", aie_errmsg);
	f->n.domain = "whatsapp";
	f->n.type = "whatsapp_draft";
	f->n.idtype = "DRAFT_WA";
	if (new_text(f, &f->n.title, "WhatsApp to %s%s", to, "") < 0)
		return -1;
	new_kv(f, "action", "send_whatsapp");
	new_kv(f, "to", to);
	new_kv(f, "template", tpl);
	return new_draft(c, f);
}

/* Printable one-line text without the <>"' an address would need quoted. */
static int plain(const char *s, const char *also)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || strchr("<>\"", *s) || strchr(also, *s))
			return 0;
	return 1;
}

int new_invoice(struct dashctx *c, struct newform *f)
{
	const char *client = new_field(c, "client"), *mail = new_field(c, "email");
	const char *amount = new_field(c, "amount"), *cur = new_field(c, "currency");
	const char *what = new_field(c, "for"), *at, *from;
	double sum, stated;
	size_t i;

	if (!client || !plain(client, ""))
		return aie_fail(EX_DATA, "Client name: one line without <, > or "
		    "\" is needed.");
	if (!mail || !plain(mail, " ,;") || !(at = strchr(mail, '@')) ||
	    at == mail || !strchr(at, '.'))
		return aie_fail(EX_DATA, "Client email: an address such as "
		    "billing@example.com is needed.");
	if (!amount || odoo_amount(amount, strlen(amount), &sum) < 0)
		return aie_fail(EX_DATA, "Amount: digits, optionally a point and "
		    "one or two decimals, such as 1250.00.");
	if (!cur || strlen(cur) != 3)
		return aie_fail(EX_DATA, "Currency: a three-letter code such as "
		    "EUR is needed.");
	for (i = 0; i < 3; i++) {
		if (!isalpha((unsigned char)cur[i]))
			return aie_fail(EX_DATA, "Currency: a three-letter code such "
			    "as EUR is needed.");
		f->currency[i] = (char)toupper((unsigned char)cur[i]);
	}
	if (!what || !plain(what, ""))
		return aie_fail(EX_DATA, "For: one line saying what is invoiced "
		    "is needed.");
	snprintf(f->amount, sizeof f->amount, "%s %s", amount, f->currency);
	if (new_text(f, &f->n.title, "Invoice %s: %s", client, f->amount) < 0 ||
	    new_text(f, &from, "%s <%s>", client, mail) < 0 ||
	    new_text(f, &f->n.body, "Amount: %s\nFor: %s\n", f->amount, what) < 0)
		return -1;
	/* odoo-invoice takes the one amount subject and body state */
	if (odoo_stated_amount(what, &stated) != 0)
		return aie_fail(EX_DATA, "For: it must not state an amount of its "
		    "own; give the amount in Amount.");
	f->n.domain = "finance";
	f->n.type = "invoice_request";
	new_kv(f, "from", from);
	new_kv(f, "subject", what);
	return 0;
}
