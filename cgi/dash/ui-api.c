/*
 * ui-api.c - GET /api/status and GET /api/usage (see
 * ai-employee-dashboard(1)): the status the page's script polls, with an
 * ETag, and the LLM spend per day. The home page is drawn from the same
 * status text (status_text), so the ETag it carries is the one the poll
 * compares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/vault.h"
#include "dash/dash.h"
#include "base/base.h"

/* DASHBOARD_CACHE: the status cache is on unless set to off, no or 0. */
int dash_cache_on(void)
{
	const char *v = config_get_default("DASHBOARD_CACHE", "on");

	return strcmp(v, "off") && strcmp(v, "no") && strcmp(v, "0");
}

/* The status as /api/status serves it, in three parts: the head
 * {"agent":...,, status_core's text (the counts and the pending list,
 * from the cache, statcache.c, or a walk of the vault), and the tail
 * with the last sync and the health files (read every time), the vault
 * and "}\n" (head and tail from status_edges). Ages are left out, so the text and its ETag change only when
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
static int status_parts(struct dashctx *c, struct status_parts *sp)
{
	enum statcache_result how;
	crypto_generichash_state hs;
	unsigned char h[16], digest[STATCACHE_DIGEST];
	char hex[33];

	memset(sp, 0, sizeof *sp);
	if (statcache_get(&c->v, dash_cache_on(), &sp->core, &sp->clen, digest,
	    &how) < 0)
		return -1;
	c->w.cache = how == SC_HIT ? "hit" : how == SC_MISS ? "miss" : "off";
	if (status_edges(&c->v, &sp->head, &sp->hlen, &sp->tail,
	    &sp->tlen) < 0) {
		status_parts_free(sp);
		memset(sp, 0, sizeof *sp);
		return -1;
	}
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

/* The status as one text, for the home page (see dash.h). */
int status_text(struct dashctx *c, char **text, size_t *len)
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

int api_status(struct dashctx *c)
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

static int days_param(struct dashctx *c, int *days)
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

int api_usage(struct dashctx *c)
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

