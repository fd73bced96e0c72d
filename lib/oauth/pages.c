/*
 * pages.c - a Facebook Page's token from the owner's user token, the way
 * Meta documents it for a Page that posts on its own: the short-lived
 * user token from the code is exchanged for a long-lived one
 * (grant_type=fb_exchange_token at the token endpoint, about 60 days),
 * and GET {FACEBOOK_GRAPH_URL}/{FACEBOOK_API_VERSION}/me/accounts with it
 * lists the Pages the owner manages, each {"id","name","access_token",
 * "tasks"}; a Page token got from a long-lived user token does not
 * expire. The Page is FACEBOOK_PAGE_ID, or the only one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "http/http.h"
#include "vault/vault.h"
#include "oauth/oauth.h"

int oauth_pages_reply(long status, const char *body, size_t len,
    const char *want, struct oauth_page *pg)
{
	json_t *o = NULL, *data, *e;
	const char *id, *name, *tok;
	char seen[200] = "";
	size_t i, n = 0, used = 0;
	int r = -1;

	memset(pg, 0, sizeof *pg);
	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	data = json_object_get(o, "data");
	if (status != 200 || !json_is_array(data)) {
		json_decref(o);
		if (status == 429 || status >= 500)
			return aie_fail(EX_TEMP, "facebook: /me/accounts is failing "
			    "(HTTP %ld)", status);
		if (status == 200)
			return aie_fail(EX_TEMP, "facebook: /me/accounts' reply has "
			    "no data list");
		return aie_fail(EX_CONFIG, "facebook: /me/accounts refused the "
		    "token (HTTP %ld): the app needs pages_show_list", status);
	}
	json_array_foreach(data, i, e) {
		id = json_string_value(json_object_get(e, "id"));
		name = json_string_value(json_object_get(e, "name"));
		tok = json_string_value(json_object_get(e, "access_token"));
		if (!id || !*id || strlen(id) >= sizeof pg->id ||
		    id[strspn(id, "0123456789")] != '\0')
			continue;
		n++;
		if (used + strlen(id) + 2 < sizeof seen)
			used += (size_t)snprintf(seen + used, sizeof seen - used,
			    "%s%s", used ? ", " : "", id);
		if ((want && strcmp(want, id) != 0) || (!want && n > 1))
			continue;
		if (!tok || !*tok || strlen(tok) >= sizeof pg->token ||
		    strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789-._~+/=") != strlen(tok))
			continue;
		snprintf(pg->id, sizeof pg->id, "%s", id);
		snprintf(pg->token, sizeof pg->token, "%s", tok);
		for (size_t k = 0; name && name[k] && k + 1 < sizeof pg->name; k++)
			pg->name[k] = (unsigned char)name[k] < 0x20 ? ' ' : name[k];
	}
	if (!want && n > 1)
		r = aie_fail(EX_DATA, "facebook: the owner manages %zu Pages (%s): "
		    "set FACEBOOK_PAGE_ID to the one to post on and run it again",
		    n, seen);
	else if (!*pg->id && want)
		r = aie_fail(EX_DATA, "facebook: FACEBOOK_PAGE_ID %.20s is not a "
		    "Page this token manages (%s)", want, n ? seen : "none");
	else if (!*pg->id)
		r = aie_fail(EX_DATA, "facebook: the owner manages no Page with a "
		    "token for this app");
	else
		r = 0;
	json_decref(o);
	if (r < 0)
		sodium_memzero(pg, sizeof *pg);
	return r;
}

int oauth_facebook_page(const struct oauth_provider *p,
    struct oauth_tokens *t, struct oauth_page *pg)
{
	const char *base = config_get_default("FACEBOOK_GRAPH_URL",
	    "https://graph.facebook.com");
	const char *version = config_get_default("FACEBOOK_API_VERSION",
	    "v21.0");
	const char *want = config_get("FACEBOOK_PAGE_ID");
	char url[1024];
	struct http_resp rs;
	int r;

	if (oauth_long_lived(p, t) < 0)
		return -1;
	if ((size_t)snprintf(url, sizeof url, "%s/%.20s/me/accounts", base,
	    version) >= sizeof url)
		return aie_fail(EX_CONFIG, "FACEBOOK_GRAPH_URL: too long");
	if (http_get_bearer(url, t->access, 1 << 20, &rs) < 0)
		return -1;
	r = oauth_pages_reply(rs.status, rs.body, rs.len, want && *want ? want :
	    NULL, pg);
	if (rs.body)
		sodium_memzero(rs.body, rs.len);
	http_resp_free(&rs);
	return r;
}
