/*
 * session.h - the dashboard's secrets (SPEC 4): the argon2id password file,
 * the 32-byte session key, signed session cookies, CSRF tokens tied to a
 * session, and the per-address login throttle.
 */
#ifndef AIE_SESSION_H
#define AIE_SESSION_H

#include <time.h>

#include "aie.h"

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

#endif
