/*
 * ui-item.c - GET /item?id=ID (see ai-employee-dashboard(1)): one item
 * beside its source, every field the approval signs and the body
 * exactly, hidden characters marked; a pending draft with its decision
 * forms and its edit form (ui-edit.c), which name the digest of this
 * version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "base/base.h"

/* The vault's own words for an item (its file, its version digest) are
 * for whoever looks after the vault, not for deciding: behind a fold. */
static void where(struct buf *b, const struct itemref *ref,
    const char *digest)
{
	buf_adds(b, "<details class=\"where\"><summary>File and version"
	    "</summary><dl class=\"kv\"><dt>File</dt><dd>");
	html_text(b, ref->rel);
	buf_adds(b, "</dd>");
	if (*digest)
		buf_addf(b, "<dt>Version</dt><dd class=\"ver\">%.*s</dd>",
		    DRAFT_DIGEST_SHORT, digest);
	buf_adds(b, "</dl></details>");
}

static void kv(struct buf *b, const struct item *it, const char *key,
    const char *label)
{
	char *v = fm_get(it, key);

	if (!v)
		return;
	buf_adds(b, "<dt>");
	html_text(b, label);
	buf_adds(b, "</dt><dd>");
	html_shown_str(b, v);
	buf_adds(b, "</dd>");
	free(v);
}

static void body(struct buf *b, const struct item *it)
{
	buf_adds(b, "<pre>");
	html_shown(b, it->body ? it->body : "", it->bodylen, 1);
	buf_adds(b, "</pre>");
}

/* The page's main: the item (and its source, when it has one and it was
 * found); notice (or NULL) is said above it, as a warning when warn. */
static void item_body(struct dashpage *p, const struct itemref *ref,
    const struct item *it, const struct itemref *sref,
    const struct item *src, const char *notice, int warn)
{
	static const char *const labels[] = { "expires", "Expires", "action",
	    "Action", "to", "To", "cc", "Cc", "subject", "Subject",
	    "in_reply_to", "In-Reply-To", "references", "References", NULL };
	struct buf *b = p->b;
	char *subject = fm_get(it, "subject"), digest[DRAFT_DIGEST_HEX + 1];
	const char *const *fields;
	size_t i, l;

	buf_adds(b, "<main><p id=\"msg\" role=\"status\" aria-live=\"polite\"");
	if (notice) {
		buf_adds(b, warn ? " class=\"err\">" : ">");
		html_text(b, notice);
	} else {
		buf_adds(b, ">");
	}
	buf_adds(b, "</p><h2>");
	if (!subject)       /* new work has a title */
		subject = fm_get(it, "title");
	html_shown_str(b, subject ? subject : ref->id);
	free(subject);
	if (draft_digest(it, ref->id, digest) < 0)
		digest[0] = '\0';
	buf_adds(b, "</h2><div class=\"pair\"><section class=\"card\">"
	    "<h3>Draft</h3><dl class=\"kv\">");
	/* every field the item's action signs, then what helps to judge it */
	fields = approval_fields(it);
	for (i = 0; fields[i]; i++) {
		for (l = 0; labels[l] && strcmp(labels[l], fields[i]); l += 2)
			;
		kv(b, it, fields[i], labels[l] ? labels[l + 1] : fields[i]);
	}
	kv(b, it, "model", "Model");
	kv(b, it, "decision", "Decision");
	kv(b, it, "decision_note", "Note");
	buf_adds(b, "</dl>");
	where(b, ref, digest);
	kind_view(p, ref, it, 1);
	body(b, it);
	if (ref->stage == ST_PENDING && p->csrf) {
		buf_adds(b, "<h3>Decide</h3>");
		decide_forms(p, ref->id, digest, 1);
		edit_form(p, ref->id, it, digest, 0);
	}
	buf_adds(b, "</section>");
	if (src && sref) {
		buf_adds(b, "<section class=\"card\"><h3>Source</h3><dl class=\"kv\">");
		kv(b, src, "from", "From");
		kv(b, src, "to", "To");
		kv(b, src, "subject", "Subject");
		kv(b, src, "date", "Date");
		buf_adds(b, "</dl>");
		where(b, sref, "");
		body(b, src);
		buf_adds(b, "</section>");
	}
	buf_adds(b, "</div><p><a class=\"btn\" href=\"/\">Back</a></p></main>");
}

/* The item named by the id parameter (see dash.h). web_error returns 0
 * once the reply is sent: -1 here, or the caller would go on with ref
 * unset and send a second reply. */
int find_item(struct dashctx *c, const char *id, struct itemref *ref)
{
	if (!id || !id_valid(id))
		return web_error(&c->w, 400, "bad item ID"), -1;
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available"), -1;
	if (vault_resolve(&c->v, id, ref) < 0)       /* a valid ID: not found */
		return web_error(&c->w, 404, aie_errmsg), -1;
	return 0;
}

/* The item page of ref (see dash.h); notice a warning when warn, else
 * news (saved, filed). */
static int item_page(struct dashctx *c, int status, const struct itemref *ref,
    const char *notice, int warn)
{
	struct itemref sref;
	struct item it, src;
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	char *source;
	int have_src = 0;

	if (item_load(&c->v, ref, &it) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	p.v = &c->v;
	source = fm_get(&it, "source");
	if (source && id_valid(source) && vault_find_once(&c->v, source, &sref) == 0 &&
	    item_load(&c->v, &sref, &src) == 0)
		have_src = 1;
	free(source);
	page_begin(&p, ref->id);
	item_body(&p, ref, &it, have_src ? &sref : NULL, have_src ? &src : NULL,
	    notice, warn);
	page_end(&p);
	fm_free(&it);
	if (have_src)
		fm_free(&src);
	return html_reply(c, status, &b);
}

int item_reply(struct dashctx *c, int status, const struct itemref *ref,
    const char *notice)
{
	return item_page(c, status, ref, notice, 1);
}

int page_item_get(struct dashctx *c)
{
	static const char *const keys[] = { "id", "changed", "edited", "filed",
	    NULL };
	struct itemref ref;
	int r;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	if (find_item(c, web_get(&c->w, "id"), &ref))
		return 0;
	/* an invoice request: the cloud's invoices job, every 5 minutes
	 * (odoo-invoice --requests; see cron/crontab.cloud) */
	if (web_get(&c->w, "filed"))
		return item_page(c, 200, &ref, ref.stage == ST_PENDING ?
		    "Filed for your approval: nothing goes out before you "
		    "approve it here." :
		    strncmp(ref.id, "invoice_request_", 16) == 0 ?
		    "Filed. The cloud drafts the invoice in Odoo on its next "
		    "run (every 5 minutes) and files it here for your approval." :
		    "Filed. The cloud picks it up on its next run.", 0);
	if (web_get(&c->w, "edited"))
		return item_page(c, 200, &ref, "Saved. The version below is the "
		    "one Approve signs.", 0);
	return item_reply(c, 200, &ref, web_get(&c->w, "changed") ?
	    "This draft changed after you opened it; nothing was decided. "
	    "Here is the version now waiting." : NULL);
}
