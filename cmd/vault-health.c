/*
 * vault-health - check every component this agent depends on, write
 * Health/<agent>.md, and tell the owner when one goes down or comes back.
 *
 * Components: odoo (lib/odoo.c), smtp and imap (connect and greeting,
 * lib/probe.c, and the OAuth grant when IMAP_OAUTH or SMTP_OAUTH names one), llm (any HTTP reply from the endpoint), git (the vault's
 * remote, lib/gitprobe.c), sync (age of .state/<agent>/last_sync), pm2
 * (pm2 jlist, lib/pm2.c), tokens (the expiry of the access tokens held
 * here, lib/tokens.c), cert (the days the TLS certificates of
 * HEALTH_CERT_URLS have left, lib/cert.c). Each gets a state word (up, down, degraded,
 * unconfigured, unknown) and a detail; the file's front matter holds one
 * "component: state detail" key each, which vault-status and the
 * dashboard read by the first word.
 *
 * Notifications go through lib/notify.c (the notify-wa path) with the
 * key health-<component>. The last state seen of each component is kept
 * in .state/<agent>/health-last; it only moves to "down" once the owner
 * has been told (or the message kept), so a failed notification is tried
 * again on the next run, and "back up" is said once, after a down.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "health/health.h"
#include "oauth/oauth.h"
#include "odoo/odoo.h"
#include "wa/wa.h"

enum { C_ODOO, C_SMTP, C_IMAP, C_LLM, C_GIT, C_SYNC, C_PM2, C_TOKENS,
    C_CERT, C_COUNT };
static const char *const comp[C_COUNT] = {
	"odoo", "smtp", "imap", "llm", "git", "sync", "pm2", "tokens", "cert"
};

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: vault-health [-jqv] [-C DIR] [-a AGENT] [--no-notify]\n");
	exit(status ? 2 : 0);
}

static void check_odoo(struct health *h)
{
	struct odoo_cfg c;
	struct odoo_status s;
	int r = odoo_config(&c), i;
	double total = 0;

	if (r > 0) {
		health_set(h, "unconfigured", "ODOO_URL not set");
		return;
	}
	if (r < 0) {
		health_set(h, "down", "%s", aie_errmsg);
		return;
	}
	r = odoo_ping(&c, &s);
	for (i = 0; i < ODOO_STEPS; i++)
		total += s.ms[i] > 0 ? s.ms[i] : 0;
	if (r == 0)
		health_set(h, "up", "%s uid %ld %.0f ms", s.version, s.uid, total);
	else
		health_set(h, "down", "%s: %s", odoo_step_name[s.failed_step >= 0 ?
		    s.failed_step : 0], aie_errmsg);
}

/* The mailbox's OAuth grant (IMAP_OAUTH, SMTP_OAUTH): still good? The
 * token is had as mail-fetch would have it, refreshed when it is due, so
 * a revoked grant shows here (down, with what to run) before the next
 * fetch fails; and a server that greets is not up without it. */
static void check_oauth(const char *proto, struct health *h)
{
	char detail[HEALTH_DETAIL_MAX], until[32];
	const struct oauth_provider *p;
	struct oauth_tokens *t;
	const char *name = strcmp(proto, "IMAP") == 0 ?
	    config_get("IMAP_OAUTH") : config_get("SMTP_OAUTH");

	if (!name || !*name || strcmp(h->state, "up") != 0)
		return;
	if (!(p = oauth_provider(name))) {
		health_set(h, "down", "%s_OAUTH=%s: not a provider of oauth-token",
		    proto, name);
		return;
	}
	if (!(t = malloc(sizeof *t))) {
		health_set(h, "unknown", "out of memory");
		return;
	}
	snprintf(detail, sizeof detail, "%s", h->detail);
	if (oauth_access(p, 0, t) < 0)
		health_set(h, "down", "%s token: %s", name, aie_errmsg);
	else if (t->expires_at) {
		time_t e = (time_t)t->expires_at;
		struct tm tm;
		gmtime_r(&e, &tm);
		strftime(until, sizeof until, "%H:%MZ", &tm);
		health_set(h, "up", "%s, %s token good until %s", detail, name,
		    until);
	} else
		health_set(h, "up", "%s, %s token", detail, name);
	sodium_memzero(t, sizeof *t);
	free(t);
}

static void check_mail(const char *key, long timeout, struct health *h)
{
	const char *url = config_get(key);

	if (!url || !*url)
		health_set(h, "unconfigured", "%s not set", key);
	else {
		probe_greeting(url, timeout, h);
		check_oauth(key[0] == 'S' ? "SMTP" : "IMAP", h);
	}
}

/* The LLM endpoint draft-email would use. */
static void check_llm(long timeout, struct health *h)
{
	const char *p = config_get_default("LLM_PROVIDER", "");
	const char *a = config_get("ANTHROPIC_BASE_URL");
	const char *o = config_get("OPENAI_BASE_URL");
	const char *url = NULL;

	if (!strcmp(p, "openai"))
		url = o;
	else if (!strcmp(p, "anthropic") || a || config_get("ANTHROPIC_API_KEY"))
		url = a ? a : "https://api.anthropic.com";
	else
		url = o;
	if (!url || !*url) {
		health_set(h, "unconfigured", "no LLM endpoint (offline template "
		    "drafter)");
		return;
	}
	probe_http(url, timeout, h);
}

static void check_sync(struct vault *v, const struct health *git,
    struct health *h)
{
	char rel[128], *buf, *nl, ago[32];
	size_t len;
	time_t t, now = time(NULL);
	long max, age;

	if (config_seconds("HEALTH_SYNC_MAX_AGE", 600, 1, 31536000, &max) < 0)
		max = 600;      /* main checked it */
	snprintf(rel, sizeof rel, ".state/%s/last_sync", v->agent);
	if (file_readat(v->dirfd, rel, &buf, &len) < 0) {
		if (!strcmp(git->state, "unconfigured"))
			health_set(h, "unconfigured", "no remote, no sync");
		else
			health_set(h, "degraded", "never synced");
		return;
	}
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (time_parse_rfc3339(buf, &t) < 0) {
		health_set(h, "unknown", "%s: not an RFC 3339 time", rel);
		free(buf);
		return;
	}
	age = (long)(now - t);
	if (age < 0)
		age = 0;
	duration_text(age, ago, sizeof ago);
	health_set(h, age > max ? "degraded" : "up", "last sync %s ago (%s)",
	    ago, buf);
	free(buf);
}

/* A front matter value: always double-quoted (JSON escapes). */
static char *quoted(const char *s)
{
	json_t *j = json_string(s);
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return out ? out : fm_encode_value(s);
}

static int write_health(struct vault *v, const struct health *h, time_t now)
{
	char ts[21], rel[96], line[600], *q;
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	int i, r;

	if (!buf)
		return aie_fail(EX_TEMP, "out of memory");
	time_rfc3339(now, ts);
#define PUT(...) do { \
	int n_ = snprintf(line, sizeof line, __VA_ARGS__); \
	if (n_ < 0 || (size_t)n_ >= sizeof line || len + (size_t)n_ >= cap) { \
		free(buf); \
		return aie_fail(EX_DATA, "health file too long"); \
	} \
	memcpy(buf + len, line, (size_t)n_ + 1); \
	len += (size_t)n_; \
} while (0)
	PUT("---\ntype: health\nagent: %s\nupdated: %s\n", v->agent, ts);
	for (i = 0; i < C_COUNT; i++) {
		char val[HEALTH_DETAIL_MAX + 16];
		snprintf(val, sizeof val, "%s%s%s", h[i].state, *h[i].detail ? " " :
		    "", h[i].detail);
		if (!(q = quoted(val))) {
			free(buf);
			return aie_fail(EX_TEMP, "out of memory");
		}
		PUT("%s: %s\n", comp[i], q);
		free(q);
	}
	PUT("---\n# Health of %s\n\nChecked %s by vault-health.\n\n"
	    "| component | state | detail |\n|---|---|---|\n", v->agent, ts);
	for (i = 0; i < C_COUNT; i++) {
		char d[HEALTH_DETAIL_MAX * 2], *o = d;
		const char *s;
		for (s = h[i].detail; *s && o < d + sizeof d - 3; s++) {
			if (*s == '|')
				*o++ = '\\';
			*o++ = *s;
		}
		*o = '\0';
		PUT("| %s | %s | %s |\n", comp[i], h[i].state, d);
	}
#undef PUT
	snprintf(rel, sizeof rel, "Health/%s.md", v->agent);
	r = file_writeat(v->dirfd, rel, buf, len, 0644);
	free(buf);
	return r;
}

/* The states of the last run: "component state" lines. */
static void last_states(struct vault *v, char prev[C_COUNT][16])
{
	char rel[128], *buf, *line, *save = NULL, name[32], st[16];
	size_t len;
	int i;

	for (i = 0; i < C_COUNT; i++)
		strcpy(prev[i], "none");
	snprintf(rel, sizeof rel, ".state/%s/health-last", v->agent);
	if (file_readat(v->dirfd, rel, &buf, &len) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%31s %15s", name, st) == 2)
			for (i = 0; i < C_COUNT; i++)
				if (!strcmp(name, comp[i]))
					strcpy(prev[i], st);
	free(buf);
}

/* Tell the owner about each change to or from down; returns the states to
 * remember (a change stays unremembered when its message failed). */
static void notify_changes(struct vault *v, const struct health *h,
    char prev[C_COUNT][16], int enabled)
{
	struct wa_cfg cfg;
	char rel[128], out[C_COUNT * 48], key[64], sum[HEALTH_DETAIL_MAX + 64];
	char now[HEALTH_DETAIL_MAX + 16];
	size_t len = 0;
	int i, have_cfg = -1;
	long window;

	if (config_seconds("HEALTH_NOTIFY_WINDOW", 600, 1, 31536000, &window) < 0)
		window = 600;   /* main checked it */
	for (i = 0; i < C_COUNT; i++) {
		int down = !strcmp(h[i].state, "down");
		int was_down = !strcmp(prev[i], "down");
		const char *remember = h[i].state;
		if (enabled && down != was_down && (down || strcmp(prev[i], "none"))) {
			struct wa_note n = { down ? WA_ERROR : WA_RECOVERED, NULL, NULL,
			    key, window, 0 };
			struct wa_outcome o;
			char *text;
			if (have_cfg < 0 && (have_cfg = wa_config(&cfg) == 0) == 0)
				cli_warnerr(NULL);
			snprintf(key, sizeof key, "health-%s%s", comp[i],
			    down ? "" : "-up");
			snprintf(sum, sizeof sum, "%s %s: %s", comp[i], down ? "down" :
			    "back up", h[i].detail);
			/* after a down, say what it is now: up, or degraded... */
			snprintf(now, sizeof now, "%s %s", h[i].state, h[i].detail);
			text = down ? wa_text_error(comp[i], h[i].detail) :
			    wa_text_recovered(comp[i], now);
			n.text = text;
			n.summary = sum;
			if (!have_cfg || !text || wa_notify(v, &cfg, &n, &o) < 0) {
				if (have_cfg && text)
					cli_warn(comp[i], "notify: %s", aie_errmsg);
				remember = prev[i];      /* try again next run */
			} else if (cli.verbose) {
				cli_warn(comp[i], "owner notified (%s)", down ? "down" :
				    "back up");
			}
			free(text);
		}
		len += (size_t)snprintf(out + len, sizeof out - len, "%s %s\n",
		    comp[i], remember);
	}
	snprintf(rel, sizeof rel, ".state/%s/health-last", v->agent);
	if (vault_statedir(v, key, sizeof key) < 0 ||
	    file_writeat(v->dirfd, rel, out, len, 0600) < 0)
		cli_warnerr(rel);
}

/* Something that runs out (a token, a certificate) is a warning while
 * it is degraded, not an outage: the owner is told once per key and
 * window, so a failing renewal is seen in the days left. A down one is
 * told by notify_changes like any component that goes down. */
static void notify_soon(struct vault *v, const struct health *h,
    int c, const char *title, const char *key, long window)
{
	struct wa_cfg cfg;
	struct wa_outcome o;
	char text[HEALTH_DETAIL_MAX + 64];
	struct wa_note n = { WA_PLAIN, text, h->detail, key, window, 0 };

	if (!*key || strcmp(h->state, "degraded"))
		return;
	snprintf(text, sizeof text, "*ai-employee: %s*\n%s", title, h->detail);
	if (wa_config(&cfg) < 0 || wa_notify(v, &cfg, &n, &o) < 0)
		cli_warn(comp[c], "notify: %s", aie_errmsg);
	else if (cli.verbose && o.result != WA_DUPLICATE)
		cli_warn(comp[c], "owner told (%s)", title);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-notify", no_argument, NULL, 'N' },
		CLI_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct health h[C_COUNT];
	char prev[C_COUNT][16];
	struct vault v;
	time_t now = time(NULL);
	long timeout, restarts, age, window, warn;
	char tkey[64];
	int c, i, bad = 0, notify = 1, st;

	if (cli_init(argv[0]) < 0)
		return EX_CONFIG;
	while ((c = getopt_long(argc, argv, CLI_SHORTOPTS, longopts, NULL)) != -1) {
		if (cli_option(c, optarg, usage))
			continue;
		if (c == 'N')
			notify = 0;
		else
			usage(2);
	}
	if (optind != argc)
		usage(2);
	if ((st = cli_open_vault(&v)) != 0)
		return st;
	/* every setting checked before any probe; age and window are read again
	 * where they are used */
	if (config_long("HEALTH_TIMEOUT", 5, 1, 300, &timeout) < 0 ||
	    config_long("HEALTH_PM2_MAX_RESTARTS", 10, -1, 1000000, &restarts) < 0 ||
	    config_seconds("HEALTH_SYNC_MAX_AGE", 600, 1, 31536000, &age) < 0 ||
	    config_seconds("HEALTH_NOTIFY_WINDOW", 600, 1, 31536000, &window) < 0 ||
	    config_long("TOKEN_WARN_DAYS", 7, 1, 365, &warn) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return EX_CONFIG;
	}
	memset(h, 0, sizeof h);
	check_odoo(&h[C_ODOO]);
	check_mail("SMTP_URL", timeout, &h[C_SMTP]);
	check_mail("IMAP_URL", timeout, &h[C_IMAP]);
	check_llm(timeout, &h[C_LLM]);
	probe_git(v.root, config_get_default("VAULT_REMOTE", "origin"), &h[C_GIT]);
	check_sync(&v, &h[C_GIT], &h[C_SYNC]);
	probe_pm2(timeout * 3, restarts, &h[C_PM2]);
	probe_tokens(timeout, warn, now, &h[C_TOKENS], tkey, sizeof tkey);
	probe_certs(config_get("HEALTH_CERT_URLS"), timeout, now, &h[C_CERT]);
	if (write_health(&v, h, now) < 0) {
		cli_warnerr(NULL);
		vault_close(&v);
		return aie_errcode;
	}
	last_states(&v, prev);
	notify_changes(&v, h, prev, notify);
	if (notify) {
		notify_soon(&v, &h[C_TOKENS], C_TOKENS, "a token expires soon",
		    tkey, 10L * 86400);
		notify_soon(&v, &h[C_CERT], C_CERT, "a certificate ends soon",
		    "health-cert-expiry", 86400);
	}
	if (cli.json) {
		json_t *o = json_object(), *cs = json_object();
		char ts[21], *s;
		time_rfc3339(now, ts);
		for (i = 0; i < C_COUNT; i++)
			json_object_set_new(cs, comp[i], json_pack("{s:s, s:s}",
			    "state", h[i].state, "detail", h[i].detail));
		json_object_set_new(o, "agent", json_string(v.agent));
		json_object_set_new(o, "updated", json_string(ts));
		json_object_set_new(o, "components", cs);
		if ((s = json_dumps(o, JSON_COMPACT)))
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	for (i = 0; i < C_COUNT; i++) {
		if (!strcmp(h[i].state, "down") || !strcmp(h[i].state, "degraded"))
			bad = 1;
		if (!cli.json)
			printf("%s %s %s\n", comp[i], h[i].state, h[i].detail);
	}
	vault_close(&v);
	return bad ? EX_NEG : 0;
}
