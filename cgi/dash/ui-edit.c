/*
 * ui-edit.c - Edit, then approve (see ai-employee-dashboard(1)): the edit
 * form of a pending draft on its item page, and POST /edit, which saves
 * it through draft_edit (lib/approval: atomic, audit line "edited", the
 * version it was made on compared under the sync lock). The form names
 * that version by its digest; the page it leads back to shows the new
 * version, the one the Approve button then signs.
 *
 * Only the body and the fields a person writes (to, cc, subject, those
 * the draft's action signs) are editable; a form that names any other
 * key (id aside, which names the draft) is refused 400, not ignored, so
 * a forged form cannot believe it changed action or source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "base/base.h"

static const char *const editable[] = { "to", "cc", "subject", NULL };
static const char *const labels[] = { "To", "Cc", "Subject" };

/* 1 when the draft's action signs key (so the owner may set it). */
static int signs(const struct item *it, const char *key)
{
	const char *const *f = approval_fields(it);

	for (; *f; f++)
		if (!strcmp(*f, key))
			return 1;
	return 0;
}

/* The edit form of a pending draft (see dash.h). */
void edit_form(struct dashpage *p, const char *id, const struct item *it,
    const char *digest, int open)
{
	struct buf *b = p->b;
	char *v;
	size_t i;

	if (!draft_digest_valid(digest))
		return;
	if (draft_signable(it, id) < 0) {
		buf_adds(b, "<p>This draft holds characters that cannot be edited "
		    "here.</p>");
		return;
	}
	buf_addf(b, "<details class=\"edit\"%s><summary>Edit</summary><form "
	    "method=\"post\" action=\"/edit\">", open ? " open" : "");
	html_hidden(b, "csrf", p->csrf);
	html_hidden(b, "id", id);
	html_hidden(b, "digest", digest);
	for (i = 0; editable[i]; i++) {
		if (!signs(it, editable[i]))
			continue;
		v = fm_get(it, editable[i]);
		buf_addf(b, "<label>%s<input type=\"text\" name=\"%s\" "
		    "autocomplete=\"off\" value=\"", labels[i], editable[i]);
		html_attr(b, v ? v : "");
		buf_adds(b, "\"></label>");
		free(v);
	}
	/* the newline after <textarea> is eaten by the parser, so a body
	 * that begins with one keeps it */
	buf_adds(b, "<label>Body<textarea name=\"body\" rows=\"12\">\n");
	v = strndup(it->body ? it->body : "", it->bodylen);
	html_text(b, v ? v : "");
	free(v);
	buf_adds(b, "</textarea></label><div class=\"actions\"><button "
	    "type=\"submit\">Save</button></div></form></details>");
}

/* A form's line ends (CRLF, as browsers send a textarea) as LF. */
static void lf_only(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (!(s[0] == '\r' && s[1] == '\n'))
			*o++ = *s;
	*o = '\0';
}

/* The 409 page: the edit that was not saved beside the version now. */
static int conflict(struct dashctx *c, const struct itemref *ref,
    const struct draft_edit *e)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct item it;
	size_t i;

	if (web_wants_json(&c->w))
		return json_reply(c, 409, json_pack("{s:s, s:b, s:s, s:s}",
		    "error", aie_errmsg, "changed", 1, "id", ref->id, "digest",
		    e->found));
	if (item_load(&c->v, ref, &it) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	page_begin(&p, ref->id);
	buf_adds(&b, "<main><p id=\"msg\" role=\"status\" class=\"err\">This "
	    "draft changed while you edited it (a sync); your edit was not "
	    "saved. Both versions are below: copy what you need from yours "
	    "and edit the version now.</p><h2>");
	html_text(&b, ref->id);
	buf_adds(&b, "</h2><div class=\"pair\"><section class=\"card\"><h3>Your "
	    "edit (not saved)</h3><dl class=\"kv\">");
	for (i = 0; editable[i]; i++) {
		const char *v = web_get(&c->w, editable[i]);
		if (!v)
			continue;
		buf_addf(&b, "<dt>%s</dt><dd>", labels[i]);
		html_shown_str(&b, v);
		buf_adds(&b, "</dd>");
	}
	buf_adds(&b, "</dl><pre>");
	if (e->body)
		html_shown(&b, e->body, strlen(e->body), 1);
	buf_adds(&b, "</pre></section><section class=\"card\"><h3>The version "
	    "now</h3>");
	buf_addf(&b, "<dl class=\"kv\"><dt>Version</dt><dd class=\"ver\">%.*s"
	    "</dd>", DRAFT_DIGEST_SHORT, e->found);
	for (i = 0; editable[i]; i++) {
		char *v = fm_get(&it, editable[i]);
		if (!v)
			continue;
		buf_addf(&b, "<dt>%s</dt><dd>", labels[i]);
		html_shown_str(&b, v);
		buf_adds(&b, "</dd>");
		free(v);
	}
	buf_adds(&b, "</dl><pre>");
	html_shown(&b, it.body ? it.body : "", it.bodylen, 1);
	buf_adds(&b, "</pre>");
	edit_form(&p, ref->id, &it, e->found, 0);
	buf_adds(&b, "</section></div><p><a class=\"btn\" href=\"/item?id=");
	url_part(&b, ref->id);
	buf_adds(&b, "\">Open the draft</a></p></main>");
	page_end(&p);
	fm_free(&it);
	return html_reply(c, 409, &b);
}

/* The 422 page: an edit Approve would refuse (a post beyond its
 * network's rule, a WhatsApp reply outside the 24-hour window), not
 * written; the reason, and the form again with the owner's text, on the
 * version it was made on, which is still the one in the vault. */
static int refused(struct dashctx *c, const struct itemref *ref,
    const struct draft_edit *e, const char *why)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct item it;
	size_t i;
	int r;

	if (web_wants_json(&c->w))
		return json_reply(c, 422, json_pack("{s:s, s:s, s:s}", "error",
		    why, "id", ref->id, "digest", e->found));
	if (item_load(&c->v, ref, &it) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	/* the owner's edit, in memory only, so the form shows it back */
	r = 0;
	for (i = 0; editable[i] && r == 0; i++) {
		const char *v = web_get(&c->w, editable[i]);
		if (v)
			r = *v ? fm_set(&it, editable[i], v) :
			    fm_del(&it, editable[i]);
	}
	if (r == 0 && e->body) {
		char *body = strdup(e->body);
		if (!body)
			r = -1;
		else {
			free(it.body);
			it.body = body;
			it.bodylen = strlen(body);
		}
	}
	if (r < 0) {
		fm_free(&it);
		return web_error(&c->w, 422, why);
	}
	page_begin(&p, ref->id);
	buf_adds(&b, "<main><p id=\"msg\" role=\"alert\" class=\"err\">Not "
	    "saved: ");
	html_shown_str(&b, why);
	buf_adds(&b, ". Your edit is below, nothing was written; change it "
	    "and save again.</p><h2>");
	html_text(&b, ref->id);
	buf_adds(&b, "</h2><section class=\"card\">");
	/* an edit the form cannot hold (edit_form would draw no form) is
	 * shown as text, for the owner to copy */
	if (draft_signable(&it, ref->id) < 0) {
		buf_adds(&b, "<pre>");
		html_shown(&b, it.body ? it.body : "", it.bodylen, 1);
		buf_adds(&b, "</pre>");
	} else
		edit_form(&p, ref->id, &it, e->found, 1);
	buf_adds(&b, "</section><p><a class=\"btn\" href=\"/item?id=");
	url_part(&b, ref->id);
	buf_adds(&b, "\">Open the draft</a></p></main>");
	page_end(&p);
	fm_free(&it);
	return html_reply(c, 422, &b);
}

static int saved(struct dashctx *c, const struct itemref *ref,
    const struct draft_edit *e)
{
	struct buf url = { 0 };
	char *u;
	int r;

	if (web_wants_json(&c->w))
		return json_reply(c, 200, json_pack("{s:b, s:s, s:s, s:b}", "ok", 1,
		    "id", ref->id, "digest", e->digest, "written",
		    strcmp(e->digest, e->found) != 0));
	buf_adds(&url, "/item?id=");
	url_part(&url, ref->id);
	buf_adds(&url, "&edited=1");
	if (!(u = buf_take(&url, NULL)))
		return web_error(&c->w, 500, "out of memory");
	r = redirect(c, u);
	free(u);
	return r;
}

int page_edit(struct dashctx *c)
{
	struct draft_edit e = { 0 };
	const char *vals[3];
	char *body = NULL, msg[700];
	struct itemref ref;
	struct item it;
	size_t i;
	int status, r;

	if (c->w.dropped[0]) {
		snprintf(msg, sizeof msg, "%s cannot be edited: only the body, to, "
		    "cc and subject", c->w.dropped);
		return web_error(&c->w, 400, msg);
	}
	e.expect = web_get(&c->w, "digest");
	if (!e.expect || !draft_digest_valid(e.expect))
		return web_error(&c->w, 400, "the form does not name the version "
		    "of the draft it edited; reload the page");
	for (i = 0; editable[i]; i++) {
		vals[i] = web_get(&c->w, editable[i]);
		if (vals[i] && show_refused(vals[i], strlen(vals[i]), 0, msg) !=
		    (size_t)-1) {
			snprintf(msg, sizeof msg, "%s must be one line of text",
			    labels[i]);
			return web_error(&c->w, 400, msg);
		}
	}
	if ((vals[0] && !*vals[0]) || (vals[2] && !*vals[2]))
		return web_error(&c->w, 400, "To and Subject cannot be empty");
	if (web_get(&c->w, "body")) {
		if (!web_text_ok(web_get(&c->w, "body")))
			return web_error(&c->w, 400, "the body must be text");
		if (!(body = strdup(web_get(&c->w, "body"))))
			return web_error(&c->w, 500, "out of memory");
		lf_only(body);
	}
	if (find_item(c, web_get(&c->w, "id"), &ref))
		return free(body), 0;
	if (item_load(&c->v, &ref, &it) < 0) {
		free(body);
		return web_error(&c->w, 404, aie_errmsg);
	}
	for (i = 0; editable[i]; i++)
		if (vals[i] && !signs(&it, editable[i])) {
			snprintf(msg, sizeof msg, "%s is not a field of this "
			    "draft's action", labels[i]);
			fm_free(&it);
			free(body);
			return web_error(&c->w, 400, msg);
		}
	fm_free(&it);
	e.body = body;
	e.to = vals[0];
	e.cc = vals[1];
	e.subject = vals[2];
	/* what Approve would refuse is refused now, not at Approve; the
	 * executors' own checks stay out of this CGI (they need libcurl) */
	e.check = approval_rules;
	e.now = c->now;
	if (draft_edit(&c->v, &ref, &e) == 0) {
		r = saved(c, &ref, &e);
		free(body);
		return r;
	}
	fprintf(stderr, "dashboard: %s: %s\n", ref.id, aie_errmsg);
	if (e.changed) {
		r = conflict(c, &ref, &e);
		free(body);
		return r;
	}
	if (aie_errcode == EX_DATA) {
		char why[sizeof aie_errmsg];
		snprintf(why, sizeof why, "%s", aie_errmsg);
		r = refused(c, &ref, &e, why);
		free(body);
		return r;
	}
	free(body);
	switch (aie_errcode) {
	case EX_NEG: status = 409; break;
	case EX_DATA: status = 422; break;
	case EX_REFUSED: status = 403; break;
	case EX_TEMP: status = 503; break;
	default: status = 500;
	}
	return web_error(&c->w, status, aie_errmsg);
}
