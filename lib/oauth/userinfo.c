/*
 * userinfo.c - who granted the token, where a network's publisher needs
 * it: LinkedIn posts as urn:li:person:ID, ID being the "sub" of
 * GET {LINKEDIN_API_URL}/v2/userinfo (OpenID Connect, scope openid
 * profile) with the new token as bearer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http.h"
#include "vault/vault.h"
#include "oauth/oauth.h"

int oauth_userinfo_reply(long status, const char *body, size_t len,
    char *urn, size_t size)
{
	json_t *o = NULL;
	const char *sub = NULL;
	int r;

	if (body && len)
		o = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (status == 200 && json_is_object(o))
		sub = json_string_value(json_object_get(o, "sub"));
	if (sub && *sub && strlen(sub) < 64 && strspn(sub, "abcdefghijklmnopqrs"
	    "tuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(sub) &&
	    (size_t)snprintf(urn, size, "urn:li:person:%s", sub) < size)
		r = 0;
	else if (status == 429 || status >= 500)
		r = aie_fail(EX_TEMP, "linkedin: userinfo is failing (HTTP %ld)",
		    status);
	else if (status == 200)
		r = aie_fail(EX_TEMP, "linkedin: userinfo's reply has no usable sub");
	else
		r = aie_fail(EX_CONFIG, "linkedin: userinfo refused the new token "
		    "(HTTP %ld): the app needs the scopes openid and profile",
		    status);
	json_decref(o);
	return r;
}

int oauth_linkedin_author(const char *token, char *urn, size_t size)
{
	const char *base = config_get_default("LINKEDIN_API_URL",
	    "https://api.linkedin.com");
	char url[1024];
	struct http_resp rs;
	int r;

	if ((size_t)snprintf(url, sizeof url, "%s/v2/userinfo", base) >=
	    sizeof url)
		return aie_fail(EX_CONFIG, "LINKEDIN_API_URL: too long");
	if (http_get_bearer(url, token, 1 << 16, &rs) < 0)
		return -1;
	r = oauth_userinfo_reply(rs.status, rs.body, rs.len, urn, size);
	http_resp_free(&rs);
	return r;
}
