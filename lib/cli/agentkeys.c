/*
 * agentkeys.c - the keys that belong to the local agent only.
 *
 * The security partition (ai-employee(7)) keeps every write credential on
 * the owner's machine: the cloud agent drafts, the local agent approves and
 * sends. A cloud VM whose configuration still holds one of these keys works
 * (the tools that use them refuse to run as agent cloud), but a secret
 * sits where it must not be, so the tool says so once. No key belongs to
 * the cloud agent only: in single-agent mode the local agent fetches and
 * drafts too.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "approval/approval.h"
#include "cli/cli.h"

/* Keys only the local agent may hold; see share/env.local.example. */
static const char *const local_only[] = {
	"SMTP_PASSWORD", "SMTP_BEARER", "SMTP_OAUTH", "APPROVAL_KEY_FILE",
	"DASHBOARD_PASSWD_FILE", "DASHBOARD_SESSION_KEY_FILE",
	"DASHBOARD_SESSION_TTL", "DASHBOARD_ORIGIN", "DASHBOARD_LOGIN_MAX",
	"DASHBOARD_LOGIN_WINDOW", "DASHBOARD_CACHE", "DASHBOARD_CARDS",
	"DASHBOARD_LISTEN", "DASHBOARD_CGI", "DASHBOARD_FCGI_SOCKET",
	"DASHBOARD_NGINX", "DASHBOARD_NGINX_CONF", "DASHBOARD_NGINX_USER",
	"DASHBOARD_MD_INTERVAL", "ENABLE_DASHBOARD", "EXEC_MAX_PER_HOUR",
	"EXEC_NOTIFY_WINDOW", "EXEC_INTERVAL", "FCGIWRAP_CHILDREN",
	"ODOO_POST_USER", "ODOO_POST_PASSWORD", "ODOO_POST_API_KEY",
	"LINKEDIN_TOKEN", "X_TOKEN", "X_REFRESH_TOKEN", "X_CLIENT_SECRET",
	"FACEBOOK_PAGE_TOKEN", "INSTAGRAM_TOKEN", "WA_SEND_TOKEN",
	"WA_SEND_PHONE_NUMBER_ID", "LINKEDIN_CLIENT_SECRET",
	"FACEBOOK_CLIENT_SECRET", "DASHBOARD_TUNNEL", "DASHBOARD_TUNNEL_PORT",
	"DASHBOARD_TUNNEL_KEY", "DASHBOARD_TUNNEL_KNOWN_HOSTS", "DASHBOARD_HTTPS",
	NULL
};

/* 1 when url carries a password: scheme://user:password@host/... */
static int url_has_password(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at, *colon;

	if (!p)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	return colon != NULL;
}

static void add(char *buf, size_t size, const char *what)
{
	size_t n = strlen(buf);

	if (n + 2 + strlen(what) + 1 > size)
		return;
	if (n)
		strcat(buf, ", ");
	strcat(buf, what);
}

int agent_keys_misplaced(const char *agent, char *buf, size_t size)
{
	char key[4096], what[4200];
	const char *v;
	size_t i;

	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (!agent_is_cloud(agent))
		return 0;
	for (i = 0; local_only[i]; i++)
		if ((v = config_get(local_only[i])) && *v)
			add(buf, size, local_only[i]);
	if ((v = config_get("SMTP_URL")) && url_has_password(v))
		add(buf, size, "a password in SMTP_URL");
	if (approval_key_path(key, sizeof key) == 0 &&
	    (access(key, F_OK) == 0 || errno != ENOENT)) {
		snprintf(what, sizeof what, "the approval key %s", key);
		add(buf, size, what);
	}
	return buf[0] != '\0';
}
