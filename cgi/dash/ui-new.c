/*
 * ui-new.c - GET and POST /new (see ai-employee-dashboard(1)): the owner
 * files new work from the phone through item_new, the function vault-mcp's
 * create_item uses, so the ID, front matter and audit line are the
 * tools' own. A task, an email to write or an invoice to draft goes to
 * Needs_Action/<domain>/ for the cloud; a post or a WhatsApp message the
 * owner wrote is a draft in Pending_Approval/ (newkind.c), sent only once
 * approved. Each kind has its own form (/new?kind=K); a refused form comes
 * back with what was typed in it and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define TITLE_MAX 200

enum ftype { F_TEXT, F_AREA, F_NET };

struct newfield {
	const char *name, *label;
	enum ftype type;
};

struct newkind {
	const char *name, *label, *note;
	int (*file)(struct dashctx *c, struct newform *f);
	struct newfield fields[6];
};

static int file_task(struct dashctx *c, struct newform *f);
static int file_email(struct dashctx *c, struct newform *f);

static const struct newkind kinds[] = {
	{ "task", "A task", "It goes to Needs_Action/ and the cloud picks it "
	    "up on its next run.", file_task, {
		{ "title", "Title", F_TEXT },
		{ "domain", "Domain (default: general)", F_TEXT },
		{ "body", "Details", F_AREA } } },
	{ "email", "An email", "It goes to Needs_Action/ as an email to "
	    "write (type email_request).", file_email, {
		{ "to", "To", F_TEXT },
		{ "subject", "Subject", F_TEXT },
		{ "domain", "Domain (default: email)", F_TEXT },
		{ "body", "Details", F_AREA } } },
	{ "post", "A post", "Checked against the network's rule now; it waits "
	    "for your approval before it is published.", new_post, {
		{ "network", "Network", F_NET },
		{ "body", "Text of the post", F_AREA },
		{ "link", "Link (optional)", F_TEXT },
		{ "schedule_at", "Not before (optional, UTC, e.g. "
		    "2026-12-24T09:00:00Z)", F_TEXT } } },
	{ "whatsapp", "A WhatsApp message", "To a contact who has written "
	    "before; it waits for your approval before it is sent.",
	    new_whatsapp, {
		{ "to", "To (their WhatsApp number, digits)", F_TEXT },
		{ "body", "Message (with a template: one parameter a line)",
		    F_AREA },
		{ "template", "Template (optional; needed outside the 24-hour "
		    "window)", F_TEXT } } },
	{ "invoice", "An invoice", "It goes to Needs_Action/finance/ as a "
	    "request the cloud drafts in Odoo for your approval (every 5 "
	    "minutes).",
	    new_invoice, {
		{ "client", "Client name", F_TEXT },
		{ "email", "Client email", F_TEXT },
		{ "amount", "Amount (e.g. 1250.00)", F_TEXT },
		{ "currency", "Currency (e.g. EUR)", F_TEXT },
		{ "for", "For (the invoice line)", F_TEXT } } },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* The kind named (NULL or empty: a task), or NULL. */
static const struct newkind *kind_of(const char *name)
{
	size_t i;

	if (!name || !*name)
		return &kinds[0];
	for (i = 0; i < NKINDS; i++)
		if (!strcmp(kinds[i].name, name))
			return &kinds[i];
	return NULL;
}

/* One field, its value what the refused form held. */
static void field_show(struct dashctx *c, struct buf *b,
    const struct newfield *f)
{
	static const char *const nets[] = { "linkedin", "LinkedIn", "x", "X",
	    "facebook", "Facebook", NULL };
	const char *v = web_get(&c->w, f->name);
	const char *const *n;

	buf_addf(b, "<label>%s", f->label);
	if (f->type == F_AREA) {
		buf_addf(b, "<textarea name=\"%s\" rows=\"8\">\n", f->name);
		html_text(b, v ? v : "");
		buf_adds(b, "</textarea>");
	} else if (f->type == F_NET) {
		buf_addf(b, "<select name=\"%s\">", f->name);
		for (n = nets; *n; n += 2)
			buf_addf(b, "<option value=\"%s\"%s>%s</option>", n[0],
			    v && !strcmp(v, n[0]) ? " selected" : "", n[1]);
		buf_adds(b, "</select>");
	} else {
		buf_addf(b, "<input type=\"text\" name=\"%s\" autocomplete=\"off\" "
		    "value=\"", f->name);
		html_attr(b, v ? v : "");
		buf_adds(b, "\">");
	}
	buf_adds(b, "</label>");
}

static int new_form(struct dashctx *c, int status, const struct newkind *k,
    const char *notice)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	const struct newfield *f;
	size_t i;

	page_begin(&p, "New work");
	buf_addf(&b, "<main><p id=\"msg\" role=\"status\"%s>", notice ?
	    " class=\"err\"" : "");
	if (notice)
		html_text(&b, notice);
	buf_adds(&b, "</p><h2>New work</h2><nav class=\"actions\" "
	    "aria-label=\"Kind of work\">");
	for (i = 0; i < NKINDS; i++)
		buf_addf(&b, "<a class=\"btn\" href=\"/new?kind=%s\"%s>%s</a>",
		    kinds[i].name, &kinds[i] == k ? " aria-current=\"page\"" : "",
		    kinds[i].label);
	buf_addf(&b, "</nav><form class=\"card\" method=\"post\" action=\"/new\">"
	    "<h3>%s</h3>", k->label);
	html_hidden(&b, "csrf", c->csrf);
	html_hidden(&b, "kind", k->name);
	for (f = k->fields; f < k->fields + 6 && f->name; f++)
		field_show(c, &b, f);
	buf_addf(&b, "<div class=\"actions\"><button class=\"ok\" type=\"submit\">"
	    "File it</button></div></form><p>%s</p></main>", k->note);
	page_end(&p);
	return html_reply(c, status, &b);
}

int page_new_get(struct dashctx *c)
{
	static const char *const keys[] = { "kind", NULL };
	const struct newkind *k;
	int r;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	if (!(k = kind_of(web_get(&c->w, "kind"))))
		return web_error(&c->w, 404, "no such kind of work");
	return new_form(c, 200, k, NULL);
}

/* A copy of s with CRLF line ends (as browsers send a textarea) as LF. */
static char *lf_copy(const char *s)
{
	char *t = strdup(s), *o = t;

	if (!t)
		return NULL;
	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
	return t;
}

const char *new_field(struct dashctx *c, const char *name)
{
	const char *v = web_get(&c->w, name);

	return v && *v ? v : NULL;
}

static int file_task(struct dashctx *c, struct newform *f)
{
	f->n.title = web_get(&c->w, "title");
	if (!f->n.domain)
		f->n.domain = "general";
	return 0;
}

static int file_email(struct dashctx *c, struct newform *f)
{
	const char *to = new_field(c, "to"), *subject = new_field(c, "subject");

	if (!to || !subject)
		return aie_fail(EX_DATA, "An email to write needs To and Subject.");
	if (new_text(f, &f->n.title, "Email to %s: %s", to, subject) < 0)
		return -1;
	f->n.type = "email_request";
	new_kv(f, "to", to);
	new_kv(f, "subject", subject);
	if (!f->n.domain)
		f->n.domain = "email";
	return 0;
}

static int refuse(struct dashctx *c, const struct newkind *k, const char *msg)
{
	if (web_wants_json(&c->w))
		return web_error(&c->w, 400, msg);
	return new_form(c, 400, k, msg);
}

/* File the kind's item: 0 with *ref, or -1 with aie_errmsg (65: the
 * owner's to fix). */
static int file(struct dashctx *c, const struct newkind *k, struct newform *f,
    struct itemref *ref)
{
	const char *body = web_get(&c->w, "body");
	char *lf = NULL;
	int r = -1;

	aie_errmsg[0] = '\0';
	if (open_vault(c) < 0)
		return aie_fail(EX_TEMP, "the vault is not available");
	if (body && !(lf = lf_copy(body)))
		return aie_fail(EX_TEMP, "out of memory");
	f->n.body = lf;
	f->n.domain = new_field(c, "domain");
	f->n.via = "dashboard";
	if (k->file(c, f) < 0)
		goto out;
	f->n.kv = f->nkv ? f->kv : NULL;
	if (!f->n.title || !*f->n.title || strlen(f->n.title) > TITLE_MAX)
		aie_fail(EX_DATA, "A title is needed, of at most 200 bytes.");
	else
		r = item_new(&c->v, &f->n, ref);
out:
	free(lf);
	return r;
}

int page_new_post(struct dashctx *c)
{
	const struct newkind *k = kind_of(web_get(&c->w, "kind"));
	struct newform f;
	struct itemref ref;
	struct buf url = { 0 };
	size_t i;
	char *u;
	int r;

	if (!k)
		return refuse(c, &kinds[0], "What to file must be a task, an "
		    "email, a post, a WhatsApp message or an invoice.");
	memset(&f, 0, sizeof f);
	r = file(c, k, &f, &ref);
	for (i = 0; i < sizeof f.own / sizeof f.own[0]; i++)
		free(f.own[i]);
	if (r < 0) {
		fprintf(stderr, "dashboard: new %s: %s\n", k->name, aie_errmsg);
		if (aie_errcode == EX_DATA)
			return refuse(c, k, aie_errmsg);
		return web_error(&c->w, aie_errcode == EX_TEMP ? 503 : 500,
		    aie_errmsg);
	}
	if (web_wants_json(&c->w))
		return json_reply(c, 201, json_pack("{s:b, s:s, s:s}", "ok", 1,
		    "id", ref.id, "path", ref.rel));
	buf_adds(&url, "/item?id=");
	url_part(&url, ref.id);
	buf_adds(&url, "&filed=1");
	if (!(u = buf_take(&url, NULL)))
		return web_error(&c->w, 500, "out of memory");
	r = redirect(c, u);
	free(u);
	return r;
}
