/*
 * provider.c - the authorization servers oauth-token(1) and social-auth(1)
 * know: their endpoints, the scope each tool needs, and how the client
 * authenticates. Each is overridable by its PREFIX_ key (the tests point
 * them at t/fake/oauth2.py).
 *
 * Google: Gmail's IMAP and SMTP need the scope https://mail.google.com/,
 * which Google's device flow does not grant (its "limited input device"
 * clients get a short list of scopes, Gmail not among them), so Google is
 * the loopback flow only. A "Desktop app" client sends its (not secret)
 * client secret in the body. Microsoft: a public client (no secret), the
 * device flow too; {tenant} is MICROSOFT_TENANT, default "common"; its
 * token endpoint wants the scope again on a refresh, in practice if not
 * in its documentation.
 * LinkedIn: the secret in the body; access tokens last 60 days and come
 * without a refresh token for most apps. X: a confidential client
 * authenticates with HTTP Basic. Facebook: Graph's /oauth/access_token
 * exchanges the code by GET. The three networks match the redirect URI
 * exactly, port included, so theirs is a fixed one the owner registers
 * (http://127.0.0.1:8765/callback, or PREFIX_REDIRECT_PORT); Google and
 * Microsoft take any port on a loopback redirect (RFC 8252).
 */
#include <stdio.h>
#include <string.h>

#include "vault/vault.h"
#include "oauth/oauth.h"

static const struct oauth_provider providers[] = {
	{ "google", "GOOGLE", "GOOGLE_%s",
	  "https://accounts.google.com/o/oauth2/v2/auth",
	  "https://oauth2.googleapis.com/token", NULL,
	  "https://mail.google.com/",
	  "Google's device flow does not grant Gmail's scope "
	  "(https://mail.google.com/)", 0, 0,
	  /* without these Google sends no refresh token */
	  "access_type=offline&prompt=consent", 0, 0 },
	{ "microsoft", "MICROSOFT", "MICROSOFT_%s",
	  "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
	  "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
	  "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
	  "https://outlook.office.com/IMAP.AccessAsUser.All "
	  "https://outlook.office.com/SMTP.Send offline_access", NULL, 0, 0,
	  NULL, 0, 1 },
	{ "linkedin", "LINKEDIN", "LINKEDIN_%s",
	  "https://www.linkedin.com/oauth/v2/authorization",
	  "https://www.linkedin.com/oauth/v2/accessToken", NULL,
	  "openid profile w_member_social",
	  "LinkedIn has no device flow", 0, 0, NULL, 8765, 0 },
	{ "x", "X", "X_%s",
	  "https://x.com/i/oauth2/authorize",
	  "https://api.x.com/2/oauth2/token", NULL,
	  "tweet.read tweet.write users.read media.write offline.access",
	  "X has no device flow for posting", 1, 0, NULL, 8765, 0 },
	{ "facebook", "FACEBOOK", "FACEBOOK_%s",
	  "https://www.facebook.com/v21.0/dialog/oauth",
	  "https://graph.facebook.com/v21.0/oauth/access_token", NULL,
	  "pages_show_list,pages_manage_posts,pages_read_engagement",
	  "Facebook's device flow does not grant Page permissions", 0, 1,
	  NULL, 8765, 0 },
};

const struct oauth_provider *oauth_provider(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof providers / sizeof *providers; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

int oauth_url_ok(const char *url)
{
	if (strncmp(url, "https://", 8) == 0)
		return 1;
	/* plain HTTP to this machine only, for a test's server */
	return strncmp(url, "http://127.0.0.1", 16) == 0 &&
	    (url[16] == ':' || url[16] == '/' || url[16] == '\0');
}

const char *oauth_get(const struct oauth_provider *p, const char *what)
{
	char key[64];
	const char *v;

	snprintf(key, sizeof key, p->keyfmt, what);
	v = config_get(key);
	return v && *v ? v : NULL;
}

int oauth_url(const struct oauth_provider *p, const char *what, char *buf,
    size_t size)
{
	const char *v = NULL, *def, *t, *tenant;
	char key[32];
	int n;

	snprintf(key, sizeof key, "%s_URL", what);
	def = !strcmp(what, "AUTH") ? p->auth_url : !strcmp(what, "TOKEN") ?
	    p->token_url : p->device_url;
	if (!def && strcmp(what, "DEVICE") == 0)
		return aie_fail(EX_DOWN, "%s: no device flow: %s; run it without "
		    "--device on a machine with a browser (see oauth-token(1))",
		    p->name, p->no_device);
	if (!(v = oauth_get(p, key)))
		v = def;
	if (!oauth_url_ok(v))
		return aie_fail(EX_CONFIG, "%s_%s: not an https:// URL", p->prefix,
		    key);
	if (!(t = strstr(v, "{tenant}"))) {
		n = snprintf(buf, size, "%s", v);
	} else {
		if (!(tenant = oauth_get(p, "TENANT")))
			tenant = "common";
		if (strspn(tenant, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
		    "VWXYZ0123456789.-") != strlen(tenant))
			return aie_fail(EX_CONFIG, "%s_TENANT: not a tenant name or ID",
			    p->prefix);
		n = snprintf(buf, size, "%.*s%s%s", (int)(t - v), v, tenant, t + 8);
	}
	if (n < 0 || (size_t)n >= size)
		return aie_fail(EX_CONFIG, "%s_%s: too long", p->prefix, key);
	return 0;
}
