/*
 * ui-settings.c - GET /settings (see ai-employee-dashboard(1)): what is
 * configured, read only. Each component lists the keys its tools read
 * (see INSTALL) as set or not set; a value is shown only for the few keys
 * that choose rather than grant (the provider, the model, a mode, a
 * budget) and only when it is a plain word. A secret never reaches the
 * page: a URL may carry a password, so URLs are set or not set too.
 * Then, per network and WhatsApp, when its token runs out, in
 * vault-health's words: from this agent's <KEY>_EXPIRES_AT (tokenrow.c),
 * else from the tokens component of a health report (what vault-health
 * learnt from Graph, or another agent's token). Then whether each
 * publisher (the networks, WhatsApp replies to customers) is configured,
 * by the tools' own checks (social_missing, wa_reply_missing: no libcurl
 * in them), on the local agent only, where the write keys live. Below,
 * the health reports, as on the home page.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "social/social.h"
#include "wa/wa.h"
#include "dash/dash.h"
#include "base/base.h"

#define SHOWN '='                /* a key whose value may be shown */

struct component {
	const char *name;
	const char *const keys[12];
};

static const struct component comps[] = {
	{ "Model (LLM)", { "=LLM_PROVIDER", "=LLM_MODEL", "ANTHROPIC_API_KEY",
	    "OPENAI_API_KEY", "OPENAI_BASE_URL", "=USAGE_MAX_CALLS_DAY",
	    "=USAGE_BUDGET_WEEKLY" } },
	{ "WhatsApp", { "=WA_PROVIDER", "WA_PHONE_NUMBER_ID", "WA_TOKEN", "WA_TO",
	    "WA_APP_SECRET", "WA_VERIFY_TOKEN", "WA_TEMPLATE", "TWILIO_SID",
	    "TWILIO_TOKEN", "TWILIO_FROM" } },
	{ "Mail out (SMTP)", { "SMTP_URL", "SMTP_FROM", "SMTP_USER",
	    "SMTP_PASSWORD", "SMTP_BEARER" } },
	{ "Mail in (IMAP)", { "IMAP_URL", "IMAP_USER", "IMAP_PASSWORD",
	    "IMAP_BEARER" } },
	{ "Odoo", { "ODOO_URL", "ODOO_DB", "ODOO_USER", "ODOO_PASSWORD",
	    "ODOO_API_KEY", "=ODOO_API_MODE", "ODOO_POST_USER",
	    "ODOO_POST_PASSWORD", "ODOO_POST_API_KEY" } },
	{ "Social networks", { "=SOCIAL_NETWORKS", "LINKEDIN_TOKEN",
	    "LINKEDIN_AUTHOR", "X_TOKEN", "X_REFRESH_TOKEN", "X_CLIENT_ID",
	    "FACEBOOK_PAGE_ID", "FACEBOOK_PAGE_TOKEN" } },
	{ "Sync", { "=VAULT_SYNC_REMOTE", "VAULT_SYNC_SSH_KEY",
	    "VAULT_SYNC_TOKEN", "VAULT_SYNC_USER" } },
};

/* A value that chooses rather than grants, shown when it is one plain
 * word: letters, digits and . _ - , : only, at most 64 bytes. */
static int plain_word(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 64 && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-,:") == n;
}

static void component(struct buf *b, const struct component *k)
{
	const char *const *key;
	const char *name, *v;
	int any = 0;

	for (key = k->keys; *key; key++)
		if ((v = config_get(*key + (**key == SHOWN))) && *v)
			any = 1;
	buf_addf(b, "<section class=\"card\"><h3>%s</h3><p class=\"meta\">%s</p>"
	    "<dl class=\"kv\">", k->name, any ? "configured" : "not configured");
	for (key = k->keys; *key; key++) {
		name = *key + (**key == SHOWN);
		v = config_get(name);
		buf_addf(b, "<dt>%s</dt><dd>", name);
		if (!v || !*v)
			buf_adds(b, "not set");
		else if (**key == SHOWN && plain_word(v))
			html_text(b, v);
		else
			buf_adds(b, "set");
		buf_adds(b, "</dd>");
	}
	buf_adds(b, "</dl></section>");
}

/* The piece about name's token in a health report's tokens component
 * ("linkedin: expires ..."; pieces are joined by "; "), copied into out
 * with the agent whose report it is. 0, or -1 when no report has one. */
static int reported(const struct status *st, const char *name, char *out,
    size_t size, const char **agent)
{
	size_t i, j, n = strlen(name), len;
	const char *p, *end;

	for (i = 0; i < st->nhealth; i++)
		for (j = 0; j < st->health[i].nparts; j++) {
			if (strcmp(st->health[i].parts[j].name, "tokens"))
				continue;
			for (p = st->health[i].parts[j].detail; p && *p; p = end) {
				len = (end = strstr(p, "; ")) ? (size_t)(end - p) :
				    strlen(p);
				if (len > n + 2 && !strncmp(p, name, n) &&
				    !strncmp(p + n, ": ", 2)) {
					snprintf(out, size, "%.*s", (int)(len - n - 2),
					    p + n + 2);
					*agent = st->health[i].agent;
					return 0;
				}
				end = end ? end + 2 : NULL;
			}
		}
	return -1;
}

/* One network's token: when it runs out. */
static void network(struct buf *b, const struct status *st, time_t now,
    const char *label, const char *name)
{
	char words[256], seen[256];
	const char *key, *state, *agent;
	int k = dash_token_expiry(name, now, &key, &state, words, sizeof words);

	buf_addf(b, "<dt>%s</dt><dd>", label);
	if (k == TOKEN_KNOWN && (!strcmp(state, "down") ||
	    !strcmp(state, "degraded"))) {
		/* out, or within the warning: the owner has something to do */
		buf_adds(b, "<span class=\"err\">");
		html_text(b, words + strlen(name) + 2);
		buf_adds(b, "</span>");
	} else if (k == TOKEN_KNOWN)
		html_text(b, words + strlen(name) + 2);
	else if (k == TOKEN_REFRESHES)
		buf_addf(b, "%s set, refreshed by itself", key);
	else if (reported(st, name, seen, sizeof seen, &agent) == 0) {
		html_text(b, seen);
		buf_adds(b, " <small>(vault-health, ");
		html_text(b, agent);
		buf_adds(b, ")</small>");
	} else if (k == TOKEN_ASK_GRAPH)
		buf_addf(b, "%s set; its expiry is asked of Graph by "
		    "vault-health, not reported yet", key);
	else if (k == TOKEN_UNSET)
		buf_addf(b, "%s not set here", key);
	else
		buf_adds(b, "expiry not watched");
	buf_adds(b, "</dd>");
}

static void tokens(struct buf *b, const struct status *st, time_t now)
{
	static const char *const nets[][2] = { { "LinkedIn", "linkedin" },
	    { "X", "x" }, { "Facebook", "facebook" },
	    { "Instagram", "instagram" }, { "WhatsApp", "whatsapp" } };
	size_t i;

	buf_adds(b, "<section class=\"card\"><h3>Token expiry</h3>"
	    "<p class=\"meta\">When each access token runs out, as "
	    "vault-health tells it (WhatsApp: WA_TOKEN, the notices').</p>"
	    "<dl class=\"kv\">");
	for (i = 0; i < sizeof nets / sizeof nets[0]; i++)
		network(b, st, now, nets[i][0], nets[i][1]);
	buf_adds(b, "</dl></section>");
}

/* One publisher: configured here, or not, with the key it lacks when
 * some of its keys are set (a name; the check never gives a value). */
static void publisher(struct buf *b, const char *label, int state,
    const char *key)
{
	buf_addf(b, "<dt>%s</dt><dd>", label);
	if (state == 0)
		buf_adds(b, "configured here");
	else if (state == 1)
		buf_addf(b, "<span class=\"err\">not configured: %s is missing"
		    "</span>", key);
	else
		buf_adds(b, "not configured");
	buf_adds(b, "</dd>");
}

/* Whether each publisher would run here, by the checks the executors
 * make before they publish or reply (vault-exec(1)). The write keys are
 * the local agent's (ai-employee(7)): the cloud never publishes. */
static void publishers(struct buf *b, const struct vault *v)
{
	static const char *const labels[NET_COUNT] = { "LinkedIn", "X",
	    "Facebook", "Instagram" };
	const char *key;
	int n, state;

	buf_adds(b, "<section class=\"card\"><h3>Publishers</h3>");
	if (agent_is_cloud(v->agent)) {
		buf_adds(b, "<p class=\"meta\">This is the cloud agent: posts "
		    "and replies to customers are published from the local agent, "
		    "which holds their keys.</p></section>");
		return;
	}
	buf_adds(b, "<p class=\"meta\">Whether an approved post or reply "
	    "can go out from this agent: the keys each needs are set (a "
	    "missing one is named).</p><dl class=\"kv\">");
	for (n = 0; n < NET_COUNT; n++) {
		state = social_missing((enum social_net)n, &key);
		publisher(b, labels[n], state, key);
	}
	state = wa_reply_missing(&key);
	publisher(b, "WhatsApp replies", state, key);
	buf_adds(b, "</dl></section>");
}

int page_settings(struct dashctx *c)
{
	static const char *const keys[] = { NULL };
	struct buf b = { 0 };
	struct dashpage p = { &b, c->w.nonce, c->csrf, NULL, c->now, NULL };
	struct status st;
	char *text;
	size_t i, len, npending;
	int r;

	if ((r = web_decode_query(&c->w, keys)))
		return web_error(&c->w, r, "malformed query");
	if (open_vault(c) < 0)
		return web_error(&c->w, 503, "the vault is not available");
	if (status_text(c, &text, &len) < 0)
		return web_error(&c->w, 500, aie_errmsg);
	r = status_parse(text, len, 0, &st, &npending);
	free(text);
	if (r < 0)
		return web_error(&c->w, 500, aie_errmsg);
	page_begin(&p, "Settings");
	buf_adds(&b, "<main><h2>Settings</h2><p>What this dashboard's agent has "
	    "configured, read only: keys are named, never their secret values. "
	    "To change one, edit the configuration file (see INSTALL).</p>");
	for (i = 0; i < sizeof comps / sizeof comps[0]; i++)
		component(&b, &comps[i]);
	tokens(&b, &st, c->now);
	publishers(&b, &c->v);
	health_show(&p, &st);
	buf_adds(&b, "</main>");
	page_end(&p);
	status_free(&st);
	c->w.etag[0] = '\0';          /* status_text's ETag: not this page's */
	return html_reply(c, 200, &b);
}
