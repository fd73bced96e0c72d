/*
 * ui-decide.c - POST /approve, /reject and /revise (see
 * ai-employee-dashboard(1)), and the forms that make them. Decisions go
 * through decide(), the same moves approve(1) makes, with decided_via:
 * dashboard. Sign what is shown: every decision form carries the digest
 * of the version it was drawn from, which decide() compares on the bytes
 * it signs, so a draft changed since is answered 409 with the new
 * version, not signed (a card whose draft changed is replaced by the
 * poll, not kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "exec/exec.h"
#include "base/base.h"

#define NOTE_MAX 2000

/* The decision forms of one pending draft (see dash.h). */
void decide_forms(struct dashpage *p, const char *id, const char *digest,
    int open)
{
	struct buf *b = p->b;

	buf_adds(b, "<div class=\"actions\">");
	if (!draft_digest_valid(digest))
		goto open;      /* nothing to name the version by: no forms */
	buf_adds(b, "<form class=\"act\" method=\"post\" action=\"/approve\">");
	html_hidden(b, "csrf", p->csrf);
	html_hidden(b, "id", id);
	html_hidden(b, "digest", digest);
	buf_adds(b, "<button class=\"ok\" type=\"submit\">Approve</button></form>");
open:
	if (!open) {
		buf_adds(b, "<a class=\"btn\" href=\"/item?id=");
		url_part(b, id);
		buf_adds(b, "\">Open</a>");
	}
	buf_adds(b, "</div>");
	if (!draft_digest_valid(digest))
		return;
	buf_addf(b, "<details%s><summary>Reject or revise</summary>"
	    "<form class=\"act\" method=\"post\" action=\"/reject\">",
	    open ? " open" : "");
	html_hidden(b, "csrf", p->csrf);
	html_hidden(b, "id", id);
	html_hidden(b, "digest", digest);
	buf_adds(b, "<label>Reason or note<textarea name=\"note\" rows=\"3\" "
	    "maxlength=\"2000\"></textarea></label><div class=\"actions\">"
	    "<button class=\"no\" type=\"submit\">Reject</button>"
	    "<button type=\"submit\" formaction=\"/revise\">Revise</button>"
	    "</div></form></details>");
}

/* The answer to a decision: for the script, in words, with the draft's
 * subject (not its ID) and, for an approval, how many seconds Undo has
 * (EXEC_GRACE; 0 when none or unreadable: it was approved all the same). */
static int decided(struct dashctx *c, enum decision d, const struct itemref *ref)
{
	struct item it;
	char msg[400], tok[SHOW_TOKEN_MAX], *subject = NULL;
	long grace = 0;

	if (!web_wants_json(&c->w))
		return redirect(c, "/");
	if (item_load(&c->v, ref, &it) == 0) {
		subject = fm_get(&it, "subject");
		if (!subject)        /* a post, new work: their title */
			subject = fm_get(&it, "title");
		fm_free(&it);
	}
	/* words only when they are clean, whole text (JSON needs UTF-8) */
	if (subject && (strlen(subject) > 300 || show_refused(subject,
	    strlen(subject), 0, tok) != (size_t)-1)) {
		free(subject);
		subject = NULL;
	}
	if (d == DEC_APPROVE && config_seconds("EXEC_GRACE", 10, 0, 3600,
	    &grace) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		grace = 0;
	}
	snprintf(msg, sizeof msg, "%s \xe2\x80\x9c%s\xe2\x80\x9d%s",
	    d == DEC_APPROVE ? "Approved" : d == DEC_REJECT ? "Rejected" :
	    "Sent back for revision:", subject ? subject : ref->id,
	    grace > 0 ? "; it goes out when the Undo time is over." : ".");
	free(subject);
	return json_reply(c, 200, json_pack("{s:b, s:s, s:s, s:s, s:s, s:I}",
	    "ok", 1, "id", ref->id, "decision", decision_name(d), "now",
	    ref->rel, "message", msg, "undo", (json_int_t)grace));
}

/* 409 for a form drawn from another version than the one now waiting:
 * the new version (its page, or where to find it for the script). */
static int changed(struct dashctx *c, const struct itemref *ref,
    const struct decide_opts *o)
{
	struct buf url = { 0 };
	char *u;
	int r;

	fprintf(stderr, "dashboard: %s: %s\n", ref->id, aie_errmsg);
	if (!web_wants_json(&c->w))
		return item_reply(c, 409, ref, "This draft changed after you "
		    "opened it; nothing was decided. Here is the version now "
		    "waiting.");
	buf_adds(&url, "/item?id=");
	url_part(&url, ref->id);
	buf_adds(&url, "&changed=1");
	if (!(u = buf_take(&url, NULL)))
		return web_error(&c->w, 500, "out of memory");
	r = json_reply(c, 409, json_pack("{s:s, s:b, s:s, s:s, s:s}", "error",
	    aie_errmsg, "changed", 1, "id", ref->id, "digest", o->found,
	    "item", u));
	free(u);
	return r;
}

static int do_decide(struct dashctx *c, enum decision d)
{
	const char *id = web_get(&c->w, "id");
	const char *note = web_get(&c->w, "note");
	const char *digest = web_get(&c->w, "digest");
	struct decide_opts o = { .via = "dashboard" };
	struct itemref ref;
	int status;

	if (!note)
		note = web_get(&c->w, "reason");
	if (note && (!web_text_ok(note) || strlen(note) > NOTE_MAX))
		return web_error(&c->w, 400, "the note must be text of at most "
		    "2000 bytes");
	if (note && !*note)
		note = NULL;
	if (d == DEC_REVISE && !note)
		return web_error(&c->w, 400, "a revision needs a note");
	/* a decision names the version it was shown (see
	 * ai-employee-dashboard(1)): without one, nothing to compare */
	if (!digest || !draft_digest_valid(digest))
		return web_error(&c->w, 400, "the form does not name the version "
		    "of the draft it showed; reload the page");
	if (find_item(c, id, &ref))
		return 0;
	if (ref.stage != ST_PENDING) {
		char msg[700];
		snprintf(msg, sizeof msg, "%s is not waiting for approval (now "
		    "%s)", ref.id, ref.rel);
		return web_error(&c->w, 409, msg);
	}
	o.note = note;
	o.expect = digest;
	if (decide(&c->v, &ref, d, &o) < 0) {
		if (o.changed)
			return changed(c, &ref, &o);
		switch (aie_errcode) {
		case EX_NEG: status = 409; break;
		case EX_DATA: status = 422; break;
		case EX_REFUSED: status = 403; break;
		case EX_TEMP: status = 503; break;
		default: status = 500;
		}
		fprintf(stderr, "dashboard: %s: %s\n", ref.id, aie_errmsg);
		return web_error(&c->w, status, aie_errmsg);
	}
	return decided(c, d, &ref);
}

int page_approve(struct dashctx *c) { return do_decide(c, DEC_APPROVE); }
int page_reject(struct dashctx *c) { return do_decide(c, DEC_REJECT); }
int page_revise(struct dashctx *c) { return do_decide(c, DEC_REVISE); }

/* POST /undo: an approval taken back within EXEC_GRACE (see
 * ai-employee-dashboard(1)); exec_undo races vault-exec by one rename. Too
 * late is 409, in words. */
int page_undo(struct dashctx *c)
{
	const char *id = web_get(&c->w, "id");
	struct itemref ref;
	long grace;
	char msg[300];

	if (config_seconds("EXEC_GRACE", 10, 0, 3600, &grace) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	if (find_item(c, id, &ref))
		return 0;
	if (exec_undo(&c->v, &ref, grace, "dashboard") < 0) {
		int status = aie_errcode == EX_NEG ? 409 : aie_errcode ==
		    EX_REFUSED ? 403 : aie_errcode == EX_TEMP ? 503 : 500;
		fprintf(stderr, "dashboard: %s: %s\n", ref.id, aie_errmsg);
		return web_error(&c->w, status, aie_errmsg);
	}
	snprintf(msg, sizeof msg, "%s: approval undone; it waits for you "
	    "again", ref.id);
	if (!web_wants_json(&c->w))
		return redirect(c, "/");
	return json_reply(c, 200, json_pack("{s:b, s:s, s:s, s:s}", "ok", 1,
	    "id", ref.id, "now", ref.rel, "message", msg));
}
