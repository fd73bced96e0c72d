/*
 * xoauth.c - the bearer token of SASL XOAUTH2 for IMAP and SMTP (libcurl's
 * CURLOPT_XOAUTH2_BEARER, with CURLOPT_USERNAME the mailbox).
 *
 * IMAP_OAUTH (SMTP_OAUTH) names a provider of oauth-token(1), google or
 * microsoft: the token comes from its token file, refreshed there when it
 * expires within five minutes (lib/oauth), so a mailbox keeps working past
 * the one-hour life of an access token. IMAP_BEARER (SMTP_BEARER) is a
 * token given as is, for a server whose tokens something else keeps
 * fresh. Naming both is refused: which one was meant is not clear.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vault/vault.h"
#include "oauth/oauth.h"
#include "mail/mail.h"

/* The keys of proto, named whole so that they can be found. */
static const char *oauth_key(const char *proto)
{
	if (strcmp(proto, "IMAP") == 0)
		return config_get("IMAP_OAUTH");
	return config_get("SMTP_OAUTH");
}

static const char *bearer_key(const char *proto)
{
	if (strcmp(proto, "IMAP") == 0)
		return config_get("IMAP_BEARER");
	return config_get("SMTP_BEARER");
}

int mail_bearer(const char *proto, char **bearer)
{
	const char *name = oauth_key(proto), *given = bearer_key(proto);
	const struct oauth_provider *p;
	struct oauth_tokens *t;
	int r;

	*bearer = NULL;
	if (name && !*name)
		name = NULL;
	if (!name)
		return given ? ((*bearer = strdup(given)) ? 1 :
		    aie_fail(EX_TEMP, "out of memory")) : 0;
	if (given)
		return aie_fail(EX_CONFIG, "%s_OAUTH and %s_BEARER are both set: "
		    "keep one", proto, proto);
	if (!(p = oauth_provider(name)) || (strcmp(p->name, "google") &&
	    strcmp(p->name, "microsoft")))
		return aie_fail(EX_CONFIG, "%s_OAUTH=%s: not a provider of "
		    "oauth-token (google, microsoft)", proto, name);
	if (!(t = malloc(sizeof *t)))
		return aie_fail(EX_TEMP, "out of memory");
	if ((r = oauth_access(p, 0, t)) == 0) {
		if ((*bearer = strdup(t->access)))
			r = 1;
		else
			r = aie_fail(EX_TEMP, "out of memory");
	}
	sodium_memzero(t, sizeof *t);
	free(t);
	return r;
}

const char *mail_refused(const char *proto, int bearer)
{
	static char why[160];
	const char *name = oauth_key(proto);

	if (name && *name)
		snprintf(why, sizeof why, " (the server refused %s_USER with the "
		    "%.20s token: authorise again with oauth-token init %.20s)",
		    proto, name, name);
	else if (bearer)
		snprintf(why, sizeof why, " (the server refused %s_USER with the "
		    "%s_BEARER token)", proto, proto);
	else
		snprintf(why, sizeof why, " (the server refused %s_USER with "
		    "%s_PASSWORD)", proto, proto);
	return why;
}
