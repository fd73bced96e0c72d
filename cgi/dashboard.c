/*
 * dashboard.cgi - the owner's phone dashboard (see ai-employee-dashboard(1)), one CGI program
 * run by fcgiwrap behind nginx, dispatching on PATH_INFO from a table of
 * pages as cgit does: each page is its own file, cgi/dash/ui-*.c.
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

#include <sodium.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "web/web.h"

static const struct page {
	const char *path;
	int post;                 /* 0: GET and HEAD, 1: POST */
	int auth;                 /* needs a logged-in session */
	int (*fn)(struct dashctx *);
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
	{ "/undo", 1, 1, page_undo },
	{ "/edit", 1, 1, page_edit },
	{ "/new", 0, 1, page_new_get },
	{ "/new", 1, 1, page_new_post },
	{ "/activity", 0, 1, page_activity },
	{ "/settings", 0, 1, page_settings },
	{ "/manifest.webmanifest", 0, 0, app_manifest },
	{ "/icon.svg", 0, 0, app_icon },
	{ "/sw.js", 0, 0, app_worker },
	{ "/offline", 0, 0, page_offline },
};

/* Check a POST: same origin, a well-formed form, the session's token. */
static int check_post(struct dashctx *c)
{
	static const char *const keys[] = { "csrf", "id", "note", "reason",
	    "password", "digest", "body", "to", "cc", "subject", "kind",
	    "title", "domain", "network", "link", "schedule_at", "template",
	    "client", "email", "amount", "currency", "for", NULL };
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
	static struct dashctx c;
	const struct page *pg = NULL;
	size_t i;
	long n;          /* a numeric setting, only checked here */
	int path_known = 0, s;

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
	if ((s = sess_request(&c.w, c.key, c.now, &c.s)) < 0) {
		fprintf(stderr, "dashboard: %s\n", aie_errmsg);
		return web_error(&c.w, 503, "the dashboard is not set up: run "
		    "dashboard-passwd"), 0;
	}
	if (s == 1) {
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
