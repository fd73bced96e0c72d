/*
 * oauth.h - OAuth 2.0 tokens of the owner's accounts (see oauth-token(1),
 * social-auth(1)): the first grant (authorization code with PKCE on a
 * loopback redirect, or the device flow), refresh with the refresh
 * token, and the token file that keeps the pair and its expiry.
 *
 * A provider's settings are keys named by its prefix: PREFIX_CLIENT_ID,
 * PREFIX_CLIENT_SECRET (when the provider wants one), PREFIX_AUTH_URL,
 * PREFIX_TOKEN_URL, PREFIX_DEVICE_URL (defaults are the real endpoints),
 * PREFIX_SCOPE, PREFIX_TOKEN_FILE (default ~/.config/ai-employee/NAME.tokens).
 * Nothing here prints; a token is never put in an error message.
 */
#ifndef AIE_OAUTH_H
#define AIE_OAUTH_H

#include <time.h>

#include "base/base.h"

struct oauth_provider {
	const char *name;        /* "google": the tool's argument, the file's */
	const char *prefix;      /* "GOOGLE": the configuration keys' */
	const char *keyfmt;      /* "GOOGLE_%s": how they are made */
	const char *auth_url;    /* defaults; {tenant} is PREFIX_TENANT */
	const char *token_url;
	const char *device_url;  /* NULL: no device flow for this scope */
	const char *scope;
	const char *no_device;   /* why there is no device flow, or NULL */
	int basic_auth;          /* a client secret goes as HTTP Basic */
	int get_exchange;        /* the code is exchanged by GET (Graph) */
	const char *auth_extra;  /* more query fields for the browser, or NULL */
	int redirect_port;       /* 0: any free port; else the registered one */
	int refresh_scope;       /* a refresh names the scope again */
};

/* The provider called name, or NULL. mail: google microsoft; social:
 * linkedin x facebook. */
const struct oauth_provider *oauth_provider(const char *name);

#define OAUTH_ACCESS_MAX 8192    /* Microsoft's JWTs run to a few KB */
#define OAUTH_REFRESH_MAX 4096

struct oauth_tokens {
	char access[OAUTH_ACCESS_MAX];
	char refresh[OAUTH_REFRESH_MAX];
	long long expires_at;    /* epoch seconds, 0 when not said */
	char scope[512];         /* granted, when said */
};

/* A refresh is due this many seconds before the access token expires. */
#define OAUTH_EARLY 300

/* The value of p's setting PREFIX_what ("CLIENT_ID": GOOGLE_CLIENT_ID),
 * or NULL when it is not set or empty. */
const char *oauth_get(const struct oauth_provider *p, const char *what);

/* Is url https://, or http:// to 127.0.0.1 (a test's server)? */
int oauth_url_ok(const char *url);

/* p's endpoint (what: "AUTH", "TOKEN", "DEVICE") with any {tenant}
 * filled in: 0, or -1 (78; 69 for a DEVICE p has not). */
int oauth_url(const struct oauth_provider *p, const char *what, char *buf,
    size_t size);

/* store.c: the token file, KEY=VALUE lines access_token, refresh_token,
 * expires_at (and scope), 0600 in a 0700 directory. oauth_path: where.
 * oauth_load: 0, or -1 with errno ENOENT when there is none (78), or 78
 * for an unsafe or unreadable one. oauth_store: written whole to a new
 * file renamed over the old (fsynced): 0, or -1 (78). */
int oauth_path(const struct oauth_provider *p, char *buf, size_t size);
int oauth_load(const struct oauth_provider *p, struct oauth_tokens *t);
int oauth_store(const struct oauth_provider *p, const struct oauth_tokens *t);
/* The directory dir and those above it that are missing, made 0700. */
int oauth_mkdirs(const char *dir);

/* reply.c: the token endpoint's reply (any grant) into t, keeping t's
 * refresh token when the reply brings none; now is the time of the
 * request. 0; or -1: 78 refused (invalid_grant and the other RFC 6749
 * errors: what to do is said), 75 the endpoint failing (429, 5xx) or
 * still waiting (device flow: authorization_pending, slow_down; then
 * *pending is 1 or 2 when pending is not NULL) or a reply that is not
 * a token reply, 77 the owner declined (access_denied). The provider's
 * own words are cleaned and cut. */
int oauth_token_reply(const struct oauth_provider *p, long status,
    const char *body, size_t len, time_t now, struct oauth_tokens *t,
    int *pending);

struct oauth_device {
	char device_code[1024], user_code[64], verify_url[512];
	long expires_in, interval;
};
/* reply.c: the device authorization endpoint's reply (RFC 8628, Google's
 * verification_url too). 0, or -1 as oauth_token_reply. */
int oauth_device_reply(const struct oauth_provider *p, long status,
    const char *body, size_t len, struct oauth_device *d);

/* grant.c: one request to the token endpoint with the form fields of a
 * grant (and the client's ID and secret), its reply read into t. */
int oauth_refresh(const struct oauth_provider *p, struct oauth_tokens *t);
int oauth_exchange(const struct oauth_provider *p, const char *code,
    const char *verifier, const char *redirect, struct oauth_tokens *t);
int oauth_device_start(const struct oauth_provider *p,
    struct oauth_device *d);
/* Graph: the user token in t exchanged for a long-lived one (grant
 * fb_exchange_token), into t. */
int oauth_long_lived(const struct oauth_provider *p, struct oauth_tokens *t);
/* Poll until the owner approves (or denies, or the code expires):
 * 0 with t, or -1 (77 denied, 78 expired or refused). */
int oauth_device_poll(const struct oauth_provider *p,
    const struct oauth_device *d, struct oauth_tokens *t);

/* token.c: a fresh access token of p for use now: from the token file,
 * refreshed (and the new pair stored first) when it expires within
 * OAUTH_EARLY seconds or force is set. 0, or -1: 78 none stored or the
 * refresh refused (what to run is said), 69/75 the endpoint. */
int oauth_access(const struct oauth_provider *p, int force,
    struct oauth_tokens *t);
/* token.c: t's access token was refused (a 401) or is due: under the
 * lock, the stored pair when another tool stored a fresher one, else t
 * refreshed with the newest refresh token (the file's, or t's when there
 * is no file yet: a pair from the configuration) and stored before it
 * is returned. 0, or -1 as oauth_access (t wiped). */
int oauth_renew(const struct oauth_provider *p, struct oauth_tokens *t);
/* Does t's access token expire within OAUTH_EARLY seconds (or is none)? */
int oauth_due(const struct oauth_tokens *t);

/* loopback.c: the first grant's browser half. */
struct oauth_pkce {
	char verifier[64], challenge[64], state[32];
};
/* A code verifier (43 characters), its S256 challenge and a state. */
int oauth_pkce_new(struct oauth_pkce *k);
/* The authorization URL for the browser (malloc'd), or NULL (75). */
char *oauth_auth_link(const struct oauth_provider *p, const char *auth_url,
    const struct oauth_pkce *k, const char *redirect);
/* Listen on 127.0.0.1, PREFIX_REDIRECT_PORT or p's registered port or a
 * free one: the fd, and the redirect URI http://127.0.0.1:PORT/callback
 * in redirect. -1 (75, 78 a bad port) when it cannot. */
int oauth_listen(const struct oauth_provider *p, char *redirect,
    size_t size);
/* Serve the browser's requests on fd until the redirect comes (other
 * paths get 404), at most timeout seconds: the code into code. -1: 77
 * the owner denied, 65 a state that is not ours, 75 the time ran out. */
int oauth_wait_code(int fd, const char *state, long timeout, char *code,
    size_t size);

/* authorize.c: the first grant, the device flow when device is set,
 * else the loopback flow; timeout seconds at most for the owner. show
 * gets the URL to open (and the device flow's code to enter there, else
 * NULL) before the wait. 0 with the tokens in t (not stored), or -1 as
 * the steps above say. */
typedef void (*oauth_show_fn)(void *ctx, const char *url, const char *code);
int oauth_authorize(const struct oauth_provider *p, int device,
    long timeout, oauth_show_fn show, void *ctx, struct oauth_tokens *t);

/* loopback.c: one request head the listener read: 1 with the code of a
 * redirect to /callback carrying our state, 0 for another path, -1 as
 * oauth_wait_code; the HTTP status and page to answer in any case.
 * (Exposed for the fuzz harness.) */
int oauth_callback(const char *req, const char *state, char *code,
    size_t size, const char **status, const char **page);

/* userinfo.c: the LinkedIn member a token belongs to, as the author URN
 * its posts carry (urn:li:person:ID). 0, or -1 (78 refused, 69/75). The
 * reply's reader is exposed for the fuzz harness. */
int oauth_linkedin_author(const char *token, char *urn, size_t size);
int oauth_userinfo_reply(long status, const char *body, size_t len,
    char *urn, size_t size);

/* pages.c: the Page a Facebook user token manages (FACEBOOK_PAGE_ID, or
 * the only one) and its Page token, after the user token in t is made a
 * long-lived one. 0, or -1: 65 no such Page or more than one (their IDs
 * said), 78 refused, 69/75. The reply's reader is exposed for the fuzz
 * harness (want: the Page ID asked for, or NULL). */
struct oauth_page {
	char id[32], name[128], token[OAUTH_ACCESS_MAX];
};
int oauth_facebook_page(const struct oauth_provider *p,
    struct oauth_tokens *t, struct oauth_page *pg);
int oauth_pages_reply(long status, const char *body, size_t len,
    const char *want, struct oauth_page *pg);

/* confset.c: set KEY=VALUE lines in the configuration file (see
 * ai-employee(7)), replacing a line of the same key, adding the rest,
 * written anew 0600; its path into where. 0, or -1 (78). */
int oauth_config_set(const char *const *keys, const char *const *values,
    size_t n, char *where, size_t wsize);

#endif
