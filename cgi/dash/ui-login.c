/*
 * ui-login.c - GET and POST /login, POST /logout (see
 * ai-employee-dashboard(1)): the login page, the password check behind
 * the per-address throttle, and the session cookie. The login form has a
 * short pre-session of its own, so it carries a CSRF token like every
 * other form.
 */
#include <stdio.h>
#include <string.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

#define LOGIN_TTL 3600

/* Set the session cookie for a new session of kind. */
static int start_session(struct dashctx *c, int kind, long ttl)
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

/* The login form's body, with msg (or NULL) said above the field. */
static void login_form(struct dashpage *p, const char *msg)
{
	struct buf *b = p->b;

	buf_adds(b, "<main class=\"login\"><h1>AI Employee</h1>"
	    "<form method=\"post\" action=\"/login\">");
	html_hidden(b, "csrf", p->csrf ? p->csrf : "");
	if (msg) {
		buf_adds(b, "<p class=\"err\" role=\"alert\">");
		html_text(b, msg);
		buf_adds(b, "</p>");
	}
	buf_adds(b, "<label for=\"pw\">Password</label>"
	    "<input type=\"password\" id=\"pw\" name=\"password\" "
	    "autocomplete=\"current-password\" required autofocus>"
	    "<p><button class=\"ok\" type=\"submit\">Log in</button></p>"
	    "</form></main>");
}

static int login_page(struct dashctx *c, int status, const char *msg)
{
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, NULL, NULL, c->now, NULL };

	if (!c->have_sess && start_session(c, SESS_LOGIN, LOGIN_TTL) < 0)
		return web_error(&c->w, 500, "cannot start a session");
	/* the frame without the logged-in header and script, the form with
	 * the token */
	page_begin(&p, "Log in · AI Employee");
	p.csrf = c->csrf;
	login_form(&p, msg);
	p.csrf = NULL;
	page_end(&p);
	return html_reply(c, status, &b);
}

int page_login_get(struct dashctx *c)
{
	if (c->have_sess && c->s.kind == SESS_USER)
		return redirect(c, "/");
	return login_page(c, 200, NULL);
}

int page_login_post(struct dashctx *c)
{
	const char *pw = web_get(&c->w, "password");
	struct throttle t;
	long retry = 0, ttl;
	int r, ok;

	if (!pw || !*pw)
		return login_page(c, 400, "Enter the password.");
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
		return login_page(c, 429, msg);
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
		return login_page(c, 401, "Wrong password.");
	}
	if (config_long("DASHBOARD_SESSION_TTL", 86400, 60, 31536000, &ttl) < 0)
		return web_error(&c->w, 500, "configuration error");
	if (start_session(c, SESS_USER, ttl) < 0)
		return web_error(&c->w, 500, "cannot start a session");
	return redirect(c, "/");
}

/* Logout ends every session, on every device (a stolen cookie included):
 * the key is replaced; see ai-employee-dashboard(1). */
int page_logout(struct dashctx *c)
{
	if (dash_sessions_end() < 0) {
		fprintf(stderr, "dashboard: logout: %s\n", aie_errmsg);
		return web_error(&c->w, 500, "cannot end the sessions: the "
		    "session key cannot be replaced");
	}
	snprintf(c->w.set_cookie_buf, sizeof c->w.set_cookie_buf,
	    "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", SESS_COOKIE,
	    c->w.https ? "; Secure" : "");
	c->w.set_cookie = c->w.set_cookie_buf;
	return redirect(c, "/login");
}
