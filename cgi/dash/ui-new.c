/*
 * ui-new.c - GET and POST /new (see ai-employee-dashboard(1)): the owner
 * files new work from the phone, a task or an email to write, into
 * Needs_Action/<domain>/ through item_new, the function vault-mcp's
 * create_item uses, so the ID, front matter and audit line are the
 * tools' own; the cloud's next run picks it up. A refused form comes back
 * with what was typed in it and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define TITLE_MAX 200

/* One text input, its value what the refused form held (or def). */
static void input(struct dashctx *c, struct buf *b, const char *name,
    const char *label, const char *def)
{
	const char *v = web_get(&c->w, name);

	buf_addf(b, "<label>%s<input type=\"text\" name=\"%s\" "
	    "autocomplete=\"off\" value=\"", label, name);
	html_attr(b, v ? v : def);
	buf_adds(b, "\"></label>");
}

static int new_form(struct dashctx *c, int status, const char *notice)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	const char *kind = web_get(&c->w, "kind"), *body = web_get(&c->w, "body");
	int email = kind && !strcmp(kind, "email");

	page_begin(&p, "New work");
	buf_addf(&b, "<main><p id=\"msg\" role=\"status\"%s>", notice ?
	    " class=\"err\"" : "");
	if (notice)
		html_text(&b, notice);
	buf_adds(&b, "</p><h2>New work</h2><form class=\"card\" method=\"post\" "
	    "action=\"/new\">");
	html_hidden(&b, "csrf", c->csrf);
	buf_addf(&b, "<label>What<select name=\"kind\"><option value=\"task\"%s>"
	    "A task</option><option value=\"email\"%s>An email to write"
	    "</option></select></label>", email ? "" : " selected",
	    email ? " selected" : "");
	input(c, &b, "title", "Title (a task)", "");
	input(c, &b, "to", "To (an email)", "");
	input(c, &b, "subject", "Subject (an email)", "");
	input(c, &b, "domain", "Domain (default: general for a task, email "
	    "for an email)", "");
	buf_adds(&b, "<label>Details<textarea name=\"body\" rows=\"8\">\n");
	html_text(&b, body ? body : "");
	buf_adds(&b, "</textarea></label><div class=\"actions\"><button "
	    "class=\"ok\" type=\"submit\">File it</button></div></form>"
	    "<p>It goes to Needs_Action/ and the cloud picks it up on its next "
	    "run.</p></main>");
	page_end(&p);
	return html_reply(c, status, &b);
}

int page_new_get(struct dashctx *c)
{
	static const char *const keys[] = { NULL };
	int r;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	return new_form(c, 200, NULL);
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

static int refuse(struct dashctx *c, const char *msg)
{
	if (web_wants_json(&c->w))
		return web_error(&c->w, 400, msg);
	return new_form(c, 400, msg);
}

int page_new_post(struct dashctx *c)
{
	const char *kind = web_get(&c->w, "kind"), *to = web_get(&c->w, "to");
	const char *subject = web_get(&c->w, "subject");
	const char *kv[5] = { NULL };
	struct newitem n = { 0 };
	struct itemref ref;
	struct buf title = { 0 }, url = { 0 };
	char *body = NULL, *t = NULL, *u;
	int r;

	n.domain = web_get(&c->w, "domain");
	if (n.domain && !*n.domain)
		n.domain = NULL;
	n.via = "dashboard";
	if (!kind || !strcmp(kind, "task")) {
		n.title = web_get(&c->w, "title");
		if (!n.domain)
			n.domain = "general";
	} else if (!strcmp(kind, "email")) {
		if (!to || !*to || !subject || !*subject)
			return refuse(c, "An email to write needs To and Subject.");
		buf_adds(&title, "Email to ");
		buf_adds(&title, to);
		buf_adds(&title, ": ");
		buf_adds(&title, subject);
		if (!(t = buf_take(&title, NULL)))
			return web_error(&c->w, 500, "out of memory");
		n.title = t;
		n.type = "email_request";
		kv[0] = "to";
		kv[1] = to;
		kv[2] = "subject";
		kv[3] = subject;
		n.kv = kv;
		if (!n.domain)
			n.domain = "email";
	} else {
		return refuse(c, "What to file must be a task or an email.");
	}
	if (!n.title || !*n.title || strlen(n.title) > TITLE_MAX) {
		free(t);
		return refuse(c, "A title is needed, of at most 200 bytes.");
	}
	if (web_get(&c->w, "body") && !(body = lf_copy(web_get(&c->w, "body")))) {
		free(t);
		return web_error(&c->w, 500, "out of memory");
	}
	n.body = body;
	if (open_vault(c) < 0) {
		free(t);
		free(body);
		return web_error(&c->w, 503, "the vault is not available");
	}
	r = item_new(&c->v, &n, &ref);
	free(t);
	free(body);
	if (r < 0) {
		fprintf(stderr, "dashboard: new item: %s\n", aie_errmsg);
		if (aie_errcode == EX_DATA)
			return refuse(c, aie_errmsg);
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
