/*
 * health.h - probes of the components vault-health(1) watches. Each fills
 * a struct health with a state word and a one-line detail; none prints.
 */
#ifndef AIE_HEALTH_H
#define AIE_HEALTH_H

#include <time.h>

#include "base/base.h"

#define HEALTH_DETAIL_MAX 240

struct health {
	const char *state;       /* "up" "down" "degraded" "unconfigured" "unknown" */
	char detail[HEALTH_DETAIL_MAX];
};

/* Set state and a printf detail, made one line (control characters
 * become spaces). */
void health_set(struct health *h, const char *state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* probe.c: a mail server's greeting. smtp:// and imap:// (plain or with
 * STARTTLS later): TCP connect and read the first line, which must be 220
 * (SMTP) or "* OK"/"* PREAUTH" (IMAP). smtps:// and imaps://: the TLS
 * handshake (certificate verified, MAIL_CA_FILE trusted when set), then the
 * same greeting read over TLS. No mail is sent, no login made. timeout in
 * seconds covers connect, handshake and greeting. */
void probe_greeting(const char *url, long timeout, struct health *h);

/* probe.c: any HTTP reply from url means up (an LLM endpoint answers 404
 * or 401 to a bare GET; that is still an endpoint). */
void probe_http(const char *url, long timeout, struct health *h);

/* cert.c: the TLS certificates of sites ("host", "host:port" or
 * "https://host[:port]/", separated by spaces or commas): a handshake
 * each, verified (HEALTH_CA_FILE trusted too), and the days the leaf has
 * left. down when a handshake fails or one has expired, degraded when one
 * has less than CERT_WARN_DAYS left, else up; the detail names each host
 * and its days, the worst first. unconfigured when sites is empty. */
#define CERT_WARN_DAYS 14
void probe_certs(const char *sites, long timeout, time_t now,
    struct health *h);

/* cert.c, pure: an end date as libcurl's CERTINFO gives it (OpenSSL's
 * "Dec  5 18:43:40 2026 GMT" or GnuTLS's "2026-12-05 18:43:40 UTC") into
 * *t: 0, or -1 when it is not one. */
int cert_expiry_parse(const char *s, time_t *t);
/* cert.c, pure: the verdict on host's certificate ending at expires, seen
 * at now: 0 up, 1 degraded (less than CERT_WARN_DAYS left), 2 down
 * (expired); the words, naming host and the days, into out. */
int cert_judge(const char *host, time_t expires, time_t now, char *out,
    size_t size);

/* gitprobe.c: the vault's Git remote. A path or file:// URL must be a
 * bare repository; any other URL gets git_remote_connect and a listing of
 * its refs. Unconfigured when the vault has no such remote. */
void probe_git(const char *vault_root, const char *remote_name,
    struct health *h);

/* pm2.c: `pm2 jlist` (found on PATH, PM2_HOME as set): every process
 * online is up; stopped/errored is down; launching, or more restarts than
 * max_restarts, is degraded. unknown when pm2 is not on PATH or its daemon
 * is not running (jlist would start one). */
void probe_pm2(long timeout, long max_restarts, struct health *h);

/* pm2.c: the verdict of probe_pm2 on the output of `pm2 jlist` (notices
 * before the JSON list are skipped). */
void pm2_judge(const char *jlist, long max_restarts, struct health *h);

/* tokenexp.c, pure: the access tokens whose expiry is watched (linkedin,
 * x, facebook, instagram, whatsapp), ended by one with a NULL name; what the owner
 * does when one runs out in fix. */
struct token_kind {
	const char *name, *key, *expires_key;
	const char *graph_key, *version_key;   /* Graph's debug_token, or NULL */
	const char *fix;
};
extern const struct token_kind token_kinds[];
/* The kind named name, or NULL. */
const struct token_kind *token_kind_named(const char *name);
/* Is t's token set here and watched (X's only when it cannot refresh
 * itself: X_TOKEN_EXPIRES_AT set, no X_REFRESH_TOKEN)? */
int token_watched(const struct token_kind *t);
/* The state word of t's token expiring at (0: never) or no longer valid,
 * and its words ("linkedin: expires 2027-01-10 (in 36 d)", with the fix
 * within warn_days or once out) into piece. */
const char *token_judge(const struct token_kind *t, time_t at, int valid,
    time_t now, long warn_days, char *piece, size_t size);
/* What the configuration says of t's expiry (its <KEY>_EXPIRES_AT): the
 * state and piece as token_judge, with *at; "unknown" when it is not RFC
 * 3339; NULL when it is not set. */
const char *token_config_expiry(const struct token_kind *t, time_t now,
    long warn_days, char *piece, size_t size, time_t *at);

/* tokens.c: the expiry of the access tokens set here (LinkedIn, X without
 * a refresh token, the Facebook Page's, Instagram's, WhatsApp's): from each
 * <KEY>_EXPIRES_AT, else for the Meta ones Graph's debug_token (timeout
 * seconds). down: one expired or no longer valid; degraded: one expires
 * within warn_days; up; unknown: no expiry known; unconfigured: no such
 * token. key gets "token-<name>-<YYYY-MM-DD>" of the first token down or
 * degraded (for a notice told once), else "". */
void probe_tokens(long timeout, long warn_days, time_t now,
    struct health *h, char *key, size_t keysize);

/* tokens.c: debug_token's reply (exposed for the fuzz harness): 0 with
 * *at (0: never) and *valid, or -1 when it says nothing usable. */
int token_debug_reply(long status, const char *body, size_t len,
    time_t *at, int *valid);

#endif
