/*
 * dashboard.cgi - the owner's phone dashboard (see ai-employee-dashboard(1)), one CGI program
 * run by fcgiwrap behind nginx, dispatching on PATH_INFO from a table of
 * pages as cgit does.
 *
 * Every request: read the environment once (web_init), load the session
 * key, check the signed session cookie. Pages marked auth answer without
 * a session only with the login page (GET) or 401 (POST and the API), before
 * the vault is opened. Every POST must come from this origin (Origin, else
 * Referer) and carry the CSRF token of its session, the login form
 * included (it has a short pre-session of its own). Decisions go through
 * decide(), the same moves approve(1) makes, with decided_via: dashboard,
 * and name the version of the draft the page showed (its digest), so a
 * draft changed since is answered 409 with the new version, not signed.
 * Vault and agent come from VAULT_DIR and VAULT_AGENT (default local) set
 * by nginx; secrets from DASHBOARD_PASSWD_FILE/DASHBOARD_SESSION_KEY_FILE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "approval/approval.h"
#include "web/web.h"
#include "status/status.h"

#define NOTE_MAX 2000
#define LOGIN_TTL 3600

struct ctx {
	struct web w;
	struct vault v;
	int vault_open;
	unsigned char key[32];
	struct sess s;
	int have_sess;            /* a valid cookie of either kind */
	char csrf[SESS_CSRF_LEN + 1];
	time_t now;
};

static int html_reply(struct ctx *c, int status, struct buf *b)
{
	int r = web_send(&c->w, status, "text/html; charset=utf-8", b);

	buf_free(b);
	return r;
}

static int json_reply(struct ctx *c, int status, json_t *o)
{
	struct buf b = { 0 };
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int r;

	json_decref(o);
	if (!s)
		return web_error(&c->w, 500, "out of memory");
	buf_adds(&b, s);
	buf_adds(&b, "\n");
	free(s);
	r = web_send(&c->w, status, "application/json", &b);
	buf_free(&b);
	return r;
}

static int open_vault(struct ctx *c)
{
	const char *dir = config_get("VAULT_DIR");

	if (c->vault_open)
		return 0;
	if (!dir) {
		fprintf(stderr, "dashboard: VAULT_DIR is not set\n");
		return -1;
	}
	if (vault_open(&c->v, dir, config_get_default("VAULT_AGENT", "local")) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return -1;
	}
	c->vault_open = 1;
	return 0;
}

/* Set the session cookie for a new session of kind. */
static int start_session(struct ctx *c, int kind, long ttl)
{
	char tok[SESS_TOKEN_MAX];

	if (sess_new(c->key, kind, ttl, &c->s, tok, sizeof tok) < 0)
		return -1;
	c->have_sess = 1;
	sess_csrf(c->key, &c->s, c->csrf);
	snprintf(c->w.set_cookie_buf, sizeof c->w.set_cookie_buf,
	    "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
	    SESS_COOKIE, tok, ttl, c->w.https ? "; Secure" : "");
	c->w.set_cookie = c->w.set_cookie_buf;
	return 0;
}

static int redirect(struct ctx *c, const char *to)
{
	struct buf b = { 0 };

	c->w.location = to;
	buf_adds(&b, "See ");
	buf_adds(&b, to);
	buf_adds(&b, "\n");
	web_send(&c->w, 303, "text/plain; charset=utf-8", &b);
	buf_free(&b);
	return 0;
}

static int do_login_page(struct ctx *c, int status, const char *msg)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, NULL, NULL, c->now };

	if (!c->have_sess && start_session(c, SESS_LOGIN, LOGIN_TTL) < 0)
		return web_error(&c->w, 500, "cannot start a session");
	page_begin(&p, "Log in · AI Employee");
	p.csrf = c->csrf;
	page_login(&p, msg);
	p.csrf = NULL;
	page_end(&p);
	return html_reply(c, status, &b);
}

static int page_login_get(struct ctx *c)
{
	if (c->have_sess && c->s.kind == SESS_USER)
		return redirect(c, "/");
	return do_login_page(c, 200, NULL);
}

static int page_login_post(struct ctx *c)
{
	const char *pw = web_get(&c->w, "password");
	struct throttle t;
	long retry = 0, ttl;
	int r, ok;

	if (!pw || !*pw)
		return do_login_page(c, 400, "Enter the password.");
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if ((r = throttle_begin(&t, &c->v, c->w.remote_addr, c->now, &retry)) < 0) {
		fprintf(stderr, "dashboard: login throttle: %s\n", aie_errmsg);
		return web_error(&c->w, 503, "cannot check login attempts; "
		    "try again");
	}
	if (r == 1) {
		char msg[128];
		throttle_end(&t, -1);
		snprintf(msg, sizeof msg, "Too many failed logins; try again in "
		    "%ld minutes.", (retry + 59) / 60);
		return do_login_page(c, 429, msg);
	}
	ok = dash_passwd_check(pw, strlen(pw));
	throttle_end(&t, ok == 1 ? 1 : ok == 0 ? 0 : -1);
	if (ok < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return web_error(&c->w, 503, "the dashboard has no password yet: "
		    "run dashboard-passwd");
	}
	if (!ok) {
		fprintf(stderr, "dashboard: failed login from %s\n",
		    c->w.remote_addr);
		return do_login_page(c, 401, "Wrong password.");
	}
	if (config_long("DASHBOARD_SESSION_TTL", 86400, 60, 31536000, &ttl) < 0)
		return web_error(&c->w, 500, "configuration error");
	if (start_session(c, SESS_USER, ttl) < 0)
		return web_error(&c->w, 500, "cannot start a session");
	return redirect(c, "/");
}

static int page_logout(struct ctx *c)
{
	snprintf(c->w.set_cookie_buf, sizeof c->w.set_cookie_buf,
	    "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", SESS_COOKIE,
	    c->w.https ? "; Secure" : "");
	c->w.set_cookie = c->w.set_cookie_buf;
	return redirect(c, "/login");
}

/* DASHBOARD_CACHE: the status cache is on unless set to off, no or 0. */
static int cache_on(void)
{
	const char *v = config_get_default("DASHBOARD_CACHE", "on");

	return strcmp(v, "off") && strcmp(v, "no") && strcmp(v, "0");
}

/* s as JSON text (malloc'd): a string, or null when it is not one (not
 * UTF-8). */
static char *json_str(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return t ? t : strdup("null");
}

/* The status as /api/status serves it, in three parts: the head
 * {"agent":...,, status_core's text (the counts and the pending list,
 * from the cache, lib/statcache.c, or a walk of the vault), and the tail
 * with the last sync and the health files (read every time), the vault
 * and "}\n". Ages are left out, so the text and its ETag change only when
 * the vault does (clients age from the timestamps); the members are in a
 * fixed order for the same reason. The parts go out as they are, with
 * one writev(2): the ~40 KB core is not copied into a reply buffer (a CGI
 * process pays a page fault for every page it touches first). */
struct status_parts {
	char *head, *core, *tail;
	size_t hlen, clen, tlen;
};

static void status_parts_free(struct status_parts *sp)
{
	free(sp->head);
	free(sp->core);
	free(sp->tail);
}

/* Fill sp, and c->w.etag: a hash of the core's digest (from the cache,
 * which has it already) with the head and the tail, not the core again.
 * 0, or -1 with aie_errmsg (sp is then empty). */
static int status_parts(struct ctx *c, struct status_parts *sp)
{
	enum statcache_result how;
	crypto_generichash_state hs;
	unsigned char h[16], digest[STATCACHE_DIGEST];
	char hex[33], *live, *agent, *root;
	int hn, tn;

	memset(sp, 0, sizeof *sp);
	if (statcache_get(&c->v, cache_on(), &sp->core, &sp->clen, digest,
	    &how) < 0)
		return -1;
	c->w.cache = how == SC_HIT ? "hit" : how == SC_MISS ? "miss" : "off";
	live = status_live(&c->v);
	agent = json_str(c->v.agent);
	root = json_str(c->v.root);
	hn = agent ? asprintf(&sp->head, "{\"agent\":%s,", agent) : -1;
	tn = live && root ? asprintf(&sp->tail, ",%s,\"vault\":%s}\n", live,
	    root) : -1;
	free(live);
	free(agent);
	free(root);
	if (hn < 0 || tn < 0) {
		if (hn < 0)
			sp->head = NULL;   /* asprintf leaves it undefined */
		if (tn < 0)
			sp->tail = NULL;
		status_parts_free(sp);
		memset(sp, 0, sizeof *sp);
		return aie_fail(EX_TEMP, "status: out of memory");
	}
	sp->hlen = (size_t)hn;
	sp->tlen = (size_t)tn;
	crypto_generichash_init(&hs, NULL, 0, sizeof h);
	crypto_generichash_update(&hs, digest, sizeof digest);
	crypto_generichash_update(&hs, (unsigned char *)&sp->hlen,
	    sizeof sp->hlen);
	crypto_generichash_update(&hs, (unsigned char *)sp->head, sp->hlen);
	crypto_generichash_update(&hs, (unsigned char *)sp->tail, sp->tlen);
	crypto_generichash_final(&hs, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(c->w.etag, sizeof c->w.etag, "\"%s\"", hex);
	return 0;
}

/* The status as one NUL-terminated text (malloc'd), for the home page. */
static int status_text(struct ctx *c, char **text, size_t *len)
{
	struct status_parts sp;
	char *t;

	if (status_parts(c, &sp) < 0)
		return -1;
	*len = sp.hlen + sp.clen + sp.tlen;
	if ((t = malloc(*len + 1))) {
		memcpy(t, sp.head, sp.hlen);
		memcpy(t + sp.hlen, sp.core, sp.clen);
		memcpy(t + sp.hlen + sp.clen, sp.tail, sp.tlen);
		t[*len] = '\0';
	}
	status_parts_free(&sp);
	*text = t;
	return t ? 0 : aie_fail(EX_TEMP, "status: out of memory");
}

static int api_status(struct ctx *c)
{
	struct status_parts sp;
	int r;

	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (status_parts(c, &sp) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	if (*c->w.if_none_match && (strstr(c->w.if_none_match, c->w.etag) ||
	    !strcmp(c->w.if_none_match, "*")))
		r = web_send(&c->w, 304, NULL, NULL);
	else {
		struct iovec parts[3] = { { sp.head, sp.hlen },
		    { sp.core, sp.clen }, { sp.tail, sp.tlen } };
		r = web_sendv(&c->w, 200, "application/json", parts, 3);
	}
	status_parts_free(&sp);
	return r;
}

static int days_param(struct ctx *c, int *days)
{
	static const char *const keys[] = { "days", NULL };
	const char *d;
	char *end;
	long n;
	int r;

	*days = 7;
	if ((r = web_decode_query(&c->w, keys)))
		return r;
	if (!(d = web_get(&c->w, "days")))
		return 0;
	n = strtol(d, &end, 10);
	if (!*d || *end || n < 1 || n > COST_DAYS_MAX)
		return 400;
	*days = (int)n;
	return 0;
}

static int api_usage(struct ctx *c)
{
	struct costday days[COST_DAYS_MAX];
	json_t *o, *arr;
	double total = 0;
	int n, i, r, present;

	if ((r = days_param(c, &n)))
		return web_error(&c->w, r, "days must be a number from 1 to 90");
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if ((present = cost_days(&c->v, c->now, n, days)) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	arr = json_array();
	for (i = 0; i < n; i++) {
		total += days[i].cost_usd;
		json_array_append_new(arr, json_pack("{s:s, s:f, s:I, s:I, s:b}",
		    "date", days[i].date, "cost_usd", days[i].cost_usd,
		    "calls", (json_int_t)days[i].calls,
		    "unknown", (json_int_t)days[i].unknown,
		    "logged", days[i].present));
	}
	o = json_pack("{s:i, s:f, s:b, s:o}", "days", n, "total_usd", total,
	    "any", present > 0, "per_day", arr);
	return json_reply(c, 200, o);
}

static int page_home_get(struct ctx *c)
{
	struct costday days[7];
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now };
	json_error_t err;
	char *text;
	size_t len, hlen, npending = 0;
	json_t *st;
	int present;

	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (status_text(c, &text, &len) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	/* only the cards shown are parsed: the whole list is ~40 KB of JSON
	 * for 100 drafts, and parsing it was most of this page's time */
	hlen = status_pending_head(text, len, page_cards(), &npending);
	/* JSON_ALLOW_NUL: a preview holds a NUL of the body as \u0000, for the
	 * card to mark */
	st = json_loadb(text, hlen != (size_t)-1 ? hlen : len, JSON_ALLOW_NUL,
	    &err);
	free(text);
	if (!st)
		return web_error(&c->w, 500, "status: cannot read it back");
	if (hlen == (size_t)-1)
		npending = json_array_size(json_object_get(st, "pending"));
	if ((present = cost_days(&c->v, c->now, 7, days)) < 0) {
		json_decref(st);
		return web_error(&c->w, 500, aie_errmsg);
	}
	p.etag = c->w.etag;
	page_begin(&p, "AI Employee");
	page_home(&p, st, npending, days, 7, present);
	page_end(&p);
	json_decref(st);
	c->w.etag[0] = '\0';          /* the page itself is not cached */
	return html_reply(c, 200, &b);
}

/* The item named by the id parameter: validated as the tools do. */
static int find_item(struct ctx *c, const char *id, struct itemref *ref)
{
	if (!id || !id_valid(id))
		return web_error(&c->w, 400, "bad item ID");
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (vault_resolve(&c->v, id, ref) < 0)       /* a valid ID: not found */
		return web_error(&c->w, 404, aie_errmsg);
	return 0;
}

/* The item page of ref, with status and a notice above it (or NULL). */
static int item_reply(struct ctx *c, int status, const struct itemref *ref,
    const char *notice)
{
	struct itemref sref;
	struct item it, src;
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now };
	char *source;
	int have_src = 0;

	if (item_load(&c->v, ref, &it) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	source = fm_get(&it, "source");
	if (source && id_valid(source) && vault_find_once(&c->v, source, &sref) == 0 &&
	    item_load(&c->v, &sref, &src) == 0)
		have_src = 1;
	free(source);
	page_begin(&p, ref->id);
	page_item(&p, ref, &it, have_src ? &sref : NULL, have_src ? &src : NULL,
	    notice);
	page_end(&p);
	fm_free(&it);
	if (have_src)
		fm_free(&src);
	return html_reply(c, status, &b);
}

static int page_item_get(struct ctx *c)
{
	static const char *const keys[] = { "id", "changed", NULL };
	struct itemref ref;
	int r;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	if (find_item(c, web_get(&c->w, "id"), &ref))
		return 0;
	return item_reply(c, 200, &ref, web_get(&c->w, "changed") ?
	    "This draft changed after you opened it; nothing was decided. "
	    "Here is the version now waiting." : NULL);
}

static int decided(struct ctx *c, enum decision d, const struct itemref *ref)
{
	char msg[300];

	snprintf(msg, sizeof msg, "%s: %s", ref->id, d == DEC_APPROVE ?
	    "approved" : d == DEC_REJECT ? "rejected" : "sent back for revision");
	if (!web_wants_json(&c->w))
		return redirect(c, "/");
	return json_reply(c, 200, json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1,
	    "id", ref->id, "decision", decision_name(d), "now", ref->rel,
	    "message", msg));
}

/* 409 for a form drawn from another version than the one now waiting:
 * the new version (its page, or where to find it for the script). */
static int changed(struct ctx *c, const struct itemref *ref,
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

static int do_decide(struct ctx *c, enum decision d)
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

static int page_approve(struct ctx *c) { return do_decide(c, DEC_APPROVE); }
static int page_reject(struct ctx *c) { return do_decide(c, DEC_REJECT); }
static int page_revise(struct ctx *c) { return do_decide(c, DEC_REVISE); }

static const struct page {
	const char *path;
	int post;                 /* 0: GET and HEAD, 1: POST */
	int auth;                 /* needs a logged-in session */
	int (*fn)(struct ctx *);
} pages[] = {
	{ "/", 0, 1, page_home_get },
	{ "/item", 0, 1, page_item_get },
	{ "/api/status", 0, 1, api_status },
	{ "/api/usage", 0, 1, api_usage },
	{ "/login", 0, 0, page_login_get },
	{ "/login", 1, 0, page_login_post },
	{ "/logout", 1, 1, page_logout },
	{ "/approve", 1, 1, page_approve },
	{ "/reject", 1, 1, page_reject },
	{ "/revise", 1, 1, page_revise },
};

/* Check a POST: same origin, a well-formed form, the session's token. */
static int check_post(struct ctx *c)
{
	static const char *const keys[] = { "csrf", "id", "note", "reason",
	    "password", "digest", NULL };
	int r;

	if (!web_same_origin(&c->w))
		return web_error(&c->w, 403, "cross-origin request refused"), -1;
	if ((r = web_decode_form(&c->w, keys)))
		return web_error(&c->w, r, "malformed form"), -1;
	if (!c->have_sess)
		return web_error(&c->w, 403, "the form has expired; reload the "
		    "page"), -1;
	if (!sess_csrf_ok(c->key, &c->s, web_get(&c->w, "csrf")))
		return web_error(&c->w, 403, "missing or wrong CSRF token; reload "
		    "the page"), -1;
	return 0;
}

int main(void)
{
	static struct ctx c;
	char cookie[SESS_TOKEN_MAX];
	const struct page *pg = NULL;
	size_t i;
	long n;          /* a numeric setting, only checked here */
	int path_known = 0;

	if (web_init(&c.w) < 0) {
		fprintf(stderr, "dashboard.cgi: run me as a CGI program "
		    "(REQUEST_METHOD is not set)\n");
		return EX_ARGS;
	}
	c.now = time(NULL);
	if (config_load() < 0 || config_long("DASHBOARD_CARDS", 10, 1, 1000, &n) < 0 ||
	    config_long("DASHBOARD_LOGIN_MAX", 5, 1, 1000, &n) < 0 ||
	    config_long("DASHBOARD_LOGIN_WINDOW", 900, 1, 604800, &n) < 0 ||
	    config_long("DASHBOARD_SESSION_TTL", 86400, 60, 31536000, &n) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return web_error(&c.w, 500, "configuration error"), 0;
	}
	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		if (strcmp(pages[i].path, c.w.path))
			continue;
		path_known = 1;
		if (pages[i].post == c.w.post)
			pg = &pages[i];
	}
	if (!path_known)
		return web_error(&c.w, 404, "no such page"), 0;
	if (!pg || (!c.w.post && strcmp(c.w.method, "GET") && !c.w.head))
		return web_error(&c.w, 405, "method not allowed"), 0;
	if (dash_key_load(c.key) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return web_error(&c.w, 503, "the dashboard is not set up: run "
		    "dashboard-passwd"), 0;
	}
	if (web_cookie(&c.w, SESS_COOKIE, cookie, sizeof cookie) == 0 &&
	    sess_check(c.key, cookie, c.now, &c.s) == 0) {
		c.have_sess = 1;
		/* for the forms of the pages; /api/ has none (an HMAC less
		 * for the status polled every 5 s) */
		if (strncmp(c.w.path, "/api/", 5))
			sess_csrf(c.key, &c.s, c.csrf);
	}
	if (pg->auth && !(c.have_sess && c.s.kind == SESS_USER)) {
		if (!strncmp(c.w.path, "/api/", 5) || c.w.post)
			web_error(&c.w, 401, "log in first");
		else
			redirect(&c, "/login");
		goto out;
	}
	/* every reply, errors included, is complete when a page returns */
	if (!c.w.post || check_post(&c) == 0)
		pg->fn(&c);
out:
	web_free(&c.w);
	sodium_memzero(c.key, sizeof c.key);
	if (c.vault_open)
		vault_close(&c.v);
	return 0;
}
