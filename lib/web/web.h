/*
 * web.h - the CGI side of the dashboard (cgit style): the request read once
 * from the environment into struct web, one decoder for query strings and
 * form bodies with a whitelist of keys and a cap on every value, escaping
 * helpers per context (text, attribute, URL part), a growing output buffer,
 * and one function that emits every header of a reply.
 */
#ifndef AIE_WEB_H
#define AIE_WEB_H

#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include "vault/vault.h"

#define WEB_BODY_MAX   (64 * 1024)  /* a POST body larger than this: 413 */
/* one decoded value: room for a draft's body edited on the item page
 * (the rest of the form fits in the other 4 KB of a body) */
#define WEB_FIELD_MAX  (WEB_BODY_MAX - 4096)

#define WEB_FIELDS     8            /* values kept per request */

/* Pages are built in a struct buf (lib/buf.h); when an allocation
 * failed (oom), web_send answers 500. */

/* Escapers, each for one context. */
void html_text(struct buf *b, const char *s);     /* element content */
void html_attr(struct buf *b, const char *s);     /* inside "..." */
void url_part(struct buf *b, const char *s);      /* one query value */
/* Text of a draft, a mail or a vault file as element content: exactly
 * its len bytes, the hidden ones (show_split's) marked <span class="mk">;
 * multiline keeps the line breaks. */
void html_shown(struct buf *b, const char *s, size_t len, int multiline);
void html_shown_str(struct buf *b, const char *s);

/* markdown.c: Markdown (CommonMark, tables, strikethrough, task lists,
 * [[wikilinks]]) as HTML through md4c's parser: no raw HTML, every text escaped, links
 * only to http:, https:, mailto:, #fragments and pages of the vault,
 * images never loaded (their alt text, linked). dir: the document's
 * folder in the vault ("" the top); vault_url: the page of a
 * vault-relative path (resolved, never above the top) appended to href
 * ready for an attribute, 1, or 0 when there is none (the link is then
 * its text); title_level: the level of the page's own heading, the
 * document's go below it; wiki_url: the page of the note a [[wikilink]]
 * names (its target, the part before any '#' or '|', without control
 * characters or a backslash), appended to href ready for an attribute,
 * 1, or 0 when there is none or wiki_url is NULL (the wikilink is then
 * its text: the label, else the target). */
struct md_opts {
	const char *dir;
	int title_level;
	int (*vault_url)(const char *rel, struct buf *href, void *ctx);
	void *ctx;
	int (*wiki_url)(const char *target, struct buf *href, void *ctx);
};
#define MD_HTML_MAX (4 * 1024 * 1024)     /* bytes of Markdown at most */
/* Append the HTML of s[0..len) to b; 0, or -1 when len is over
 * MD_HTML_MAX, the parser failed or memory ran out. */
int md_html(struct buf *b, const char *s, size_t len, const struct md_opts *o);

struct field { const char *key; char *value; };

/* The request, read once. Strings point into the environment or into
 * memory owned by struct web; a missing variable is "". */
struct web {
	const char *method, *path, *query, *cookie, *remote_addr, *host;
	const char *origin, *referer, *content_type, *if_none_match, *accept;
	const char *requested_with, *server_port;
	long content_length;          /* -1 when absent */
	int https, head, post;
	int body_read;                /* stdin consumed (or given up) */
	struct field fields[WEB_FIELDS];
	size_t nfields;
	char dropped[64];             /* the first key not allowed, or "" */
	/* reply */
	char nonce[32];               /* CSP nonce for inline style/script */
	const char *set_cookie;       /* one Set-Cookie value or NULL */
	char set_cookie_buf[256];
	const char *location;         /* redirect target or NULL */
	char etag[40];                /* "" for none */
	const char *cache;            /* X-Status-Cache: hit, miss, off */
	int nostore;
};

/* Read the CGI environment; 0 or -1 (no REQUEST_METHOD: not a CGI). */
int web_init(struct web *w);
void web_free(struct web *w);

/* Decode the query string (GET) or the form body (POST, read from stdin
 * under WEB_BODY_MAX) keeping only the keys in allowed (NULL-terminated);
 * the first key left out is named in w->dropped, for a page that refuses
 * what it does not know (the edit form).
 * Returns 0, or an HTTP status: 400 malformed (bad %-escape, NUL, a value
 * over WEB_FIELD_MAX, a key twice), 411 no length, 413 too large, 415 not
 * application/x-www-form-urlencoded. */
int web_decode_query(struct web *w, const char *const *allowed);
int web_decode_form(struct web *w, const char *const *allowed);
/* The value of key, or NULL. */
const char *web_get(const struct web *w, const char *key);

/* The value of cookie name from HTTP_COOKIE copied into out; 0 or -1. */
int web_cookie(const struct web *w, const char *name, char *out, size_t size);

/* 1 when the request's Origin (else Referer) names this site: the
 * DASHBOARD_ORIGIN setting, else scheme from HTTPS, host from HTTP_HOST,
 * port from SERVER_PORT. A request with neither header gets 0. */
int web_same_origin(const struct web *w);

/* 1 when the client asked for JSON (Accept or X-Requested-With). */
int web_wants_json(const struct web *w);

/* Emit the status line, headers and (unless HEAD) body; frees nothing.
 * status 304 sends no body; a body whose allocation failed (oom) makes
 * the reply a 500. Returns 0. */
int web_send(struct web *w, int status, const char *ctype,
    const struct buf *body);
/* The same with a body of nparts pieces (at most WEB_PARTS_MAX), sent
 * as one without being copied together; nparts < 0: the body could not
 * be made (a 500). */
#define WEB_PARTS_MAX 4
int web_sendv(struct web *w, int status, const char *ctype,
    const struct iovec *parts, int nparts);
/* A complete error reply: an HTML page or {"error":...} JSON. */
int web_error(struct web *w, int status, const char *msg);

/* 1 when s is valid UTF-8 with no control characters but \t \n \r. */
int web_text_ok(const char *s);

/*
 * session.h - the dashboard's secrets (see ai-employee-dashboard(1)): the argon2id password file,
 * the 32-byte session key, signed session cookies, CSRF tokens tied to a
 * session, and the per-address login throttle.
 */
#define SESS_COOKIE "aie_session"
#define SESS_TOKEN_MAX 96         /* base64url of a cookie, with room */
#define SESS_CSRF_LEN 43          /* base64url of 32 bytes, no padding */

/* Paths from DASHBOARD_PASSWD_FILE / DASHBOARD_SESSION_KEY_FILE, else
 * ~/.config/ai-employee/dashboard.passwd and dashboard.key. */
int dash_passwd_path(char *buf, size_t size);
int dash_key_path(char *buf, size_t size);

/* Store an argon2id hash of pw at path (0600, atomic, parents 0700). */
int dash_passwd_set(const char *path, const char *pw, size_t len);
/* 1 when pw matches the stored hash, 0 when not, -1 (78) when the file is
 * missing, unsafe (group/other bits) or not a hash. */
int dash_passwd_check(const char *pw, size_t len);

/* Create a new random key at path (0600); an existing one is kept (1)
 * unless replace is set. */
int dash_key_create(const char *path, int replace);
/* Load the key; -1 (78) when missing, unsafe or malformed. */
int dash_key_load(unsigned char key[32]);
/* End every session, on every device: replace the key at its configured
 * path. Sessions are not stored, so the key is the only server-side state
 * a cookie depends on (read on every request anyway: no cost added). */
int dash_sessions_end(void);

/* A session: the login form's pre-session (SESS_LOGIN) or a logged-in
 * one (SESS_USER); its expiry is inside the signed payload. */
enum { SESS_LOGIN = 1, SESS_USER = 2 };
struct sess {
	int kind;
	time_t expires;
	unsigned char sid[16];
};

/* Make a new session of kind lasting ttl seconds; its cookie value into
 * out (size >= SESS_TOKEN_MAX). */
int sess_new(const unsigned char key[32], int kind, long ttl,
    struct sess *s, char *out, size_t size);
/* Verify a cookie value: 0 with *s filled when the tag verifies and it has
 * not expired at now; -1 otherwise. */
int sess_check(const unsigned char key[32], const char *cookie, time_t now,
    struct sess *s);
/* The session of request w: the key loaded into key, then 1 with *s
 * filled when its cookie verifies (either kind), 0 when there is none or
 * it does not; -1 (aie_errmsg) when the key cannot be loaded. */
int sess_request(const struct web *w, unsigned char key[32], time_t now,
    struct sess *s);
/* The CSRF token of session s (SESS_CSRF_LEN chars + NUL). */
void sess_csrf(const unsigned char key[32], const struct sess *s,
    char out[SESS_CSRF_LEN + 1]);
/* 1 when token is the CSRF token of s (constant time). */
int sess_csrf_ok(const unsigned char key[32], const struct sess *s,
    const char *token);

/* Login throttling per client address, state in .state/<agent>/ of the
 * vault under a flock held from throttle_begin to throttle_end (so
 * parallel guesses are counted one after the other). */
struct throttle {
	struct vault *v;
	int lockfd;
	char addr[64];
	char *state;              /* the file, malloc'd */
	time_t now;
};
/* 0 when a login attempt from addr may go ahead, 1 when it is throttled
 * (*retry seconds to wait), -1 on error. The lock is held unless -1. */
int throttle_begin(struct throttle *t, struct vault *v, const char *addr,
    time_t now, long *retry);
/* Record the outcome (1 success: forget the address; 0 failure: count
 * it; -1 record nothing) and release the lock. */
int throttle_end(struct throttle *t, int success);

/* fcgi.c: FastCGI 1.0 records of the responder role, as a web server's
 * fastcgi_pass sends them. A request's records are taken in with
 * fcgi_take until done: its parameters (raw name-value pairs, read with
 * fcgi_param_next) and at most in_max bytes of its STDIN (what is past
 * that is dropped). One request at a time per connection; FCGI_GET_VALUES
 * is answered, other management records get FCGI_UNKNOWN_TYPE. */
#define FCGI_PARAMS_MAX (64 * 1024)
/* the protocol's record types and constants */
enum {
	FCGI_VERSION_1 = 1,
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_DATA = 8,
	FCGI_GET_VALUES = 9,
	FCGI_GET_VALUES_RESULT = 10,
	FCGI_UNKNOWN_TYPE = 11,
	FCGI_RESPONDER = 1,
	FCGI_KEEP_CONN = 1,
	FCGI_REQUEST_COMPLETE = 0,
};
struct fcgi_param {
	const char *name, *value;     /* not NUL-terminated */
	size_t nlen, vlen;
};
struct fcgi_req {
	unsigned id;                  /* 0 until BEGIN_REQUEST */
	int keep_conn;                /* the server keeps the connection */
	int params_done, stdin_done, done;
	struct buf params, in;
	size_t in_max;                /* set by the caller */
};
/* Take the whole records at the start of p[0..len) (stopping once the
 * request is done): the bytes used, with answers to management records
 * appended to out; -1 on a protocol error (aie_errmsg). */
ssize_t fcgi_take(struct fcgi_req *r, const unsigned char *p, size_t len,
    struct buf *out);
/* The next name-value pair of p[0..end): 1 (p moved past it), 0 at the
 * end, -1 when it runs past end. */
int fcgi_param_next(const unsigned char **p, const unsigned char *end,
    struct fcgi_param *nv);
/* Append records of type for request id holding p[0..len) (one empty
 * record when len is 0), and the request's end. */
void fcgi_record(struct buf *out, int type, unsigned id, const void *p,
    size_t len);
void fcgi_end(struct buf *out, unsigned id, int app_status);
void fcgi_req_free(struct fcgi_req *r);

/* fcgiserve.c: serve FastCGI on the Unix socket path (a socket left there
 * is replaced, anything else refused) with workers processes taking its
 * connections in turn; each request runs run() in a child forked for it,
 * as a CGI program: the request's parameters its whole environment, its
 * STDIN (at most in_max bytes) on fd 0, fd 1 the answer (complete when
 * the child closes it: the child may go on), stderr the server's. Returns
 * 0 after SIGTERM or SIGINT, once the workers have ended and waited for
 * their children (the socket removed); -1 when it cannot listen. */
int fcgi_serve(const char *path, int workers, size_t in_max,
    int (*run)(void));

#endif
