/*
 * pages.cgi - the vault's read-only pages (see ai-employee-dashboard(1),
 * "Reading the vault"): the Monday briefings, the plans, the handbook,
 * the business goals and finished items, rendered from their Markdown.
 * nginx sends their paths here and everything else to dashboard.cgi.
 *
 * A second program rather than more pages of dashboard.cgi: Markdown is
 * parsed by libmd4c, which Debian ships only as a shared library, and
 * the dashboard is linked statically for its cold start (see the
 * Makefile). This one is linked dynamically; it reads only, so its
 * every request is a GET (or HEAD) of a logged-in session, checked
 * exactly as the dashboard checks it (sess_request), with the same
 * headers (web_send) and the same page frame (cgi/dash); without a
 * session it sends the browser to the dashboard's /login.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "vault/vault.h"
#include "pages/pages.h"

static const struct route {
	const char *prefix;       /* the path, or its start when it ends in / */
	int (*fn)(struct dashctx *c, const char *arg);
} routes[] = {
	{ "/briefings/", page_briefing },
	{ "/plans/", page_plan },
	{ "/done/", page_done },
	{ "/handbook", page_handbook },
	{ "/goals", page_goals },
};

static int list_briefings(struct dashctx *c, const char *arg)
{
	(void)arg;
	return page_briefings(c);
}

static int list_plans(struct dashctx *c, const char *arg)
{
	(void)arg;
	return page_plans(c);
}

static const struct route lists[] = {
	{ "/briefings", list_briefings },
	{ "/plans", list_plans },
};

/* The route of path, and in *arg the rest of it after a prefix. */
static const struct route *route(const char *path, const char **arg)
{
	size_t i, n;

	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (!strcmp(path, lists[i].prefix))
			return *arg = "", &lists[i];
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		n = strlen(routes[i].prefix);
		if (routes[i].prefix[n - 1] == '/' ?
		    !strncmp(path, routes[i].prefix, n) && path[n] &&
		    !strchr(path + n, '/') : !strcmp(path, routes[i].prefix))
			return *arg = path + n, &routes[i];
	}
	return NULL;
}

int main(void)
{
	static struct dashctx c;
	const struct route *r;
	const char *arg = "";
	int s;

	if (web_init(&c.w) < 0) {
		fprintf(stderr, "pages.cgi: run me as a CGI program "
		    "(REQUEST_METHOD is not set)\n");
		return EX_ARGS;
	}
	c.now = time(NULL);
	if (config_load() < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c.w, 500, "configuration error"), 0;
	}
	if (!(r = route(c.w.path, &arg)))
		return web_error(&c.w, 404, "no such page"), 0;
	if (c.w.post || (strcmp(c.w.method, "GET") && !c.w.head))
		return web_error(&c.w, 405, "method not allowed"), 0;
	if ((s = sess_request(&c.w, c.key, c.now, &c.s)) < 0) {
		fprintf(stderr, "pages: %s\n", aie_errmsg);
		return web_error(&c.w, 503, "the dashboard is not set up: run "
		    "dashboard-passwd"), 0;
	}
	if (s == 1 && c.s.kind == SESS_USER) {
		c.have_sess = 1;
		sess_csrf(c.key, &c.s, c.csrf);    /* the frame's Log out form */
		r->fn(&c, arg);
	} else {
		redirect(&c, "/login");
	}
	web_free(&c.w);
	sodium_memzero(c.key, sizeof c.key);
	if (c.vault_open)
		vault_close(&c.v);
	return 0;
}
