/*
 * session.c - the dashboard's secrets (see ai-employee-dashboard(1)).
 *
 * The password is stored only as a crypto_pwhash_str (argon2id) string in
 * a 0600 file outside the vault. A session is stateless: the cookie is
 * base64url(kind | expiry | random sid | crypto_auth tag) under a 32-byte
 * key kept in another 0600 file, so a forged, altered or expired cookie
 * fails one constant-time check. Replacing the key logs everybody out, so
 * that is what logout and a password change do: the key is the one piece
 * of server-side state, already read on every request. The CSRF token is
 * a second MAC over the sid, so it is bound to the session and cannot be
 * made without the key. Login attempts are counted per
 * client address in .state/<agent>/dashboard-login, under a flock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "web/web.h"

#define SESS_RAW (1 + 8 + 16)

static int conf_path(const char *key, const char *file, char *buf,
    size_t size)
{
	const char *p = config_get(key), *home;
	const char *xdg = config_get("XDG_CONFIG_HOME");
	int n;

	if (p)
		n = snprintf(buf, size, "%s", p);
	else if (xdg)
		n = snprintf(buf, size, "%s/ai-employee/%s", xdg, file);
	else if ((home = config_get("HOME")))
		n = snprintf(buf, size, "%s/.config/ai-employee/%s", home, file);
	else
		return aie_fail(EX_CONFIG, "no HOME and no %s", key);
	if (n < 0 || (size_t)n >= size)
		return aie_fail(EX_CONFIG, "%s: path too long", key);
	return 0;
}

int dash_passwd_path(char *buf, size_t size)
{
	return conf_path("DASHBOARD_PASSWD_FILE", "dashboard.passwd", buf, size);
}

int dash_key_path(char *buf, size_t size)
{
	return conf_path("DASHBOARD_SESSION_KEY_FILE", "dashboard.key", buf,
	    size);
}

/* Open the directory of path (creating missing parents 0700); the fd, and
 * the last component in *base. */
static int open_parent(const char *path, const char **base)
{
	char dir[4096], *p;
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash) {
		*base = path;
		strcpy(dir, ".");
	} else {
		if ((size_t)(slash - path) >= sizeof dir)
			return aie_fail(EX_CONFIG, "%s: path too long", path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (!*dir)
			strcpy(dir, "/");
		*base = slash + 1;
		for (p = dir + 1; (p = strchr(p, '/')); p++) {
			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return aie_fail_errno(EX_CONFIG, "%s", dir);
			*p = '/';
		}
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return aie_fail_errno(EX_CONFIG, "%s", dir);
	}
	if (!**base)
		return aie_fail(EX_CONFIG, "%s: not a file name", path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_CONFIG, "%s", dir);
	return fd;
}

static int write_secret(const char *path, const char *buf, size_t len)
{
	const char *base;
	int fd, r;

	if ((fd = open_parent(path, &base)) < 0)
		return -1;
	r = file_writeat(fd, base, buf, len, 0600);
	close(fd);
	if (r < 0)
		return aie_fail(EX_CONFIG, "%s: %s", path, aie_errmsg);
	return 0;
}

/* Read a secret file (see secret_read); a missing one is named with
 * what it is and how to make it. */
static int read_secret(const char *path, const char *what, char *buf,
    size_t size)
{
	int n = secret_read(path, 1, buf, size);

	if (n < 0 && errno)
		return aie_fail_errno(EX_CONFIG, "%s %s (set it with "
		    "dashboard-passwd)", what, path);
	return n;
}

int dash_passwd_set(const char *path, const char *pw, size_t len)
{
	char hash[crypto_pwhash_STRBYTES + 1];
	size_t n;
	int r;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (crypto_pwhash_str(hash, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return aie_fail(EX_TEMP, "out of memory hashing the password");
	n = strlen(hash);
	hash[n++] = '\n';
	r = write_secret(path, hash, n);
	sodium_memzero(hash, sizeof hash);
	return r;
}

int dash_passwd_check(const char *pw, size_t len)
{
	char path[4096], hash[crypto_pwhash_STRBYTES + 2];
	int n;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (dash_passwd_path(path, sizeof path) < 0 ||
	    (n = read_secret(path, "password file", hash, sizeof hash)) < 0)
		return -1;
	if (strncmp(hash, "$argon2id$", 10) != 0)
		return aie_fail(EX_CONFIG, "%s: not an argon2id hash", path);
	return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

int dash_key_create(const char *path, int replace)
{
	unsigned char key[32];
	char hex[66];
	struct stat st;
	int r;

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (!replace && lstat(path, &st) == 0)
		return 1;
	randombytes_buf(key, sizeof key);
	sodium_bin2hex(hex, sizeof hex, key, sizeof key);
	sodium_memzero(key, sizeof key);
	hex[64] = '\n';
	r = write_secret(path, hex, 65);
	sodium_memzero(hex, sizeof hex);
	return r;
}

int dash_key_load(unsigned char key[32])
{
	char path[4096];

	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (dash_key_path(path, sizeof path) < 0)
		return -1;
	if (secret_read_key(path, 1, "a session key", key) < 0)
		return errno ? aie_fail_errno(EX_CONFIG, "session key %s (set it "
		    "with dashboard-passwd)", path) : -1;
	return 0;
}

int dash_sessions_end(void)
{
	char path[4096];

	if (dash_key_path(path, sizeof path) < 0)
		return -1;
	return dash_key_create(path, 1);
}

static void pack(const struct sess *s, unsigned char raw[SESS_RAW])
{
	unsigned long long e = (unsigned long long)s->expires;
	int i;

	raw[0] = (unsigned char)s->kind;
	for (i = 0; i < 8; i++)
		raw[1 + i] = (unsigned char)(e >> (56 - 8 * i));
	memcpy(raw + 9, s->sid, 16);
}

int sess_new(const unsigned char key[32], int kind, long ttl,
    struct sess *s, char *out, size_t size)
{
	unsigned char raw[SESS_RAW + crypto_auth_BYTES];

	if (size < SESS_TOKEN_MAX)
		return aie_fail(EX_DATA, "session buffer too small");
	s->kind = kind;
	s->expires = time(NULL) + ttl;
	randombytes_buf(s->sid, sizeof s->sid);
	pack(s, raw);
	crypto_auth(raw + SESS_RAW, raw, SESS_RAW, key);
	sodium_bin2base64(out, size, raw, sizeof raw,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

int sess_check(const unsigned char key[32], const char *cookie, time_t now,
    struct sess *s)
{
	unsigned char raw[SESS_RAW + crypto_auth_BYTES];
	unsigned long long e = 0;
	size_t len;
	int i;

	if (strlen(cookie) >= SESS_TOKEN_MAX ||
	    sodium_base642bin(raw, sizeof raw, cookie, strlen(cookie), NULL,
	    &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len != sizeof raw)
		return -1;
	if (crypto_auth_verify(raw + SESS_RAW, raw, SESS_RAW, key) != 0)
		return -1;
	for (i = 0; i < 8; i++)
		e = (e << 8) | raw[1 + i];
	if (raw[0] != SESS_LOGIN && raw[0] != SESS_USER)
		return -1;
	if ((long long)e <= (long long)now)
		return -1;
	s->kind = raw[0];
	s->expires = (time_t)e;
	memcpy(s->sid, raw + 9, 16);
	return 0;
}

int sess_request(const struct web *w, unsigned char key[32], time_t now,
    struct sess *s)
{
	char cookie[SESS_TOKEN_MAX];

	if (dash_key_load(key) < 0)
		return -1;
	if (web_cookie(w, SESS_COOKIE, cookie, sizeof cookie) < 0)
		return 0;
	return sess_check(key, cookie, now, s) == 0;
}

void sess_csrf(const unsigned char key[32], const struct sess *s,
    char out[SESS_CSRF_LEN + 1])
{
	unsigned char msg[5 + 1 + 16], tag[crypto_auth_BYTES];

	memcpy(msg, "csrf:", 5);
	msg[5] = (unsigned char)s->kind;
	memcpy(msg + 6, s->sid, 16);
	crypto_auth(tag, msg, sizeof msg, key);
	sodium_bin2base64(out, SESS_CSRF_LEN + 1, tag, sizeof tag,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int sess_csrf_ok(const unsigned char key[32], const struct sess *s,
    const char *token)
{
	char want[SESS_CSRF_LEN + 1];
	int ok;

	if (!token || strlen(token) != SESS_CSRF_LEN)
		return 0;
	sess_csrf(key, s, want);
	ok = sodium_memcmp(want, token, SESS_CSRF_LEN) == 0;
	sodium_memzero(want, sizeof want);
	return ok;
}

#define THROTTLE_FILE "dashboard-login"
#define THROTTLE_ENTRIES 4096

static void throttle_conf(long *max, long *window)
{
	/* dashboard.cgi refuses bad values before any page */
	if (config_long("DASHBOARD_LOGIN_MAX", 5, 1, 1000, max) < 0)
		*max = 5;
	if (config_long("DASHBOARD_LOGIN_WINDOW", 900, 1, 604800, window) < 0)
		*window = 900;
}

/* Find addr's line in the state: fails and last attempt time; 0 if none. */
static void throttle_find(const char *state, const char *addr, long *fails,
    long long *last)
{
	const char *p = state;
	size_t al = strlen(addr);

	*fails = 0;
	*last = 0;
	while (p && *p) {
		if (!strncmp(p, addr, al) && p[al] == ' ' &&
		    sscanf(p + al, " %ld %lld", fails, last) == 2)
			return;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	*fails = 0;
	*last = 0;
}

int throttle_begin(struct throttle *t, struct vault *v, const char *addr,
    time_t now, long *retry)
{
	char dir[128], rel[192];
	long max, window, fails;
	long long last;
	size_t i, len;
	int dfd;

	memset(t, 0, sizeof *t);
	t->v = v;
	t->lockfd = -1;
	t->now = now;
	/* an address is digits, hex, dots and colons; anything else is one
	 * bucket, so a strange REMOTE_ADDR cannot dodge the count */
	for (i = 0; i < sizeof t->addr - 1 && addr[i]; i++)
		if (!strchr("0123456789abcdefABCDEF.:", addr[i]))
			break;
	if (!*addr || addr[i])
		strcpy(t->addr, "other");
	else
		strcpy(t->addr, addr);
	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, sizeof rel, "%s/%s.lock", dir, THROTTLE_FILE);
	if ((dfd = vault_opendir(v, dir, 0)) < 0)
		return -1;
	t->lockfd = openat(dfd, THROTTLE_FILE ".lock", O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (t->lockfd < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	while (flock(t->lockfd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(t->lockfd);
			t->lockfd = -1;
			return aie_fail_errno(EX_TEMP, "%s: flock", rel);
		}
	snprintf(rel, sizeof rel, "%s/%s", dir, THROTTLE_FILE);
	if (file_readat(v->dirfd, rel, &t->state, &len) < 0) {
		if (aie_errcode != EX_NEG) {
			close(t->lockfd);
			t->lockfd = -1;
			return -1;
		}
		t->state = NULL;
	}
	throttle_conf(&max, &window);
	throttle_find(t->state, t->addr, &fails, &last);
	if (fails >= max && (long long)now - last < window) {
		*retry = (long)(window - ((long long)now - last));
		return 1;
	}
	*retry = 0;
	return 0;
}

int throttle_end(struct throttle *t, int success)
{
	struct buf_s { char *s; size_t len, cap; } out = { 0 };
	char dir[128], rel[192], line[128];
	long max, window, fails, f;
	long long last, l;
	const char *p;
	size_t kept = 0;
	int r = 0;

	if (success < 0)
		goto done;
	throttle_conf(&max, &window);
	throttle_find(t->state, t->addr, &fails, &last);
	if (t->now - last >= window)
		fails = 0;
	out.cap = (t->state ? strlen(t->state) : 0) + sizeof line + 1;
	if (!(out.s = malloc(out.cap))) {
		r = aie_fail_errno(EX_TEMP, "throttle state");
		goto done;
	}
	out.s[0] = '\0';
	if (!success) {
		out.len = (size_t)snprintf(out.s, out.cap, "%s %ld %lld\n",
		    t->addr, fails + 1, (long long)t->now);
		kept++;
	}
	/* keep the other addresses still inside the window */
	for (p = t->state; p && *p && kept < THROTTLE_ENTRIES; ) {
		size_t n = strcspn(p, "\n"), al;
		char a[64];
		if (n < sizeof line) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%63s %ld %lld", a, &f, &l) == 3 &&
			    strcmp(a, t->addr) && t->now - l < window) {
				al = strlen(line);
				memcpy(out.s + out.len, line, al);
				out.s[out.len + al] = '\n';
				out.len += al + 1;
				kept++;
			}
		}
		p += n;
		if (*p)
			p++;
	}
	if (vault_statedir(t->v, dir, sizeof dir) < 0) {
		r = -1;
		goto done;
	}
	snprintf(rel, sizeof rel, "%s/%s", dir, THROTTLE_FILE);
	r = file_writeat(t->v->dirfd, rel, out.s, out.len, 0600);
done:
	free(out.s);
	free(t->state);
	t->state = NULL;
	if (t->lockfd >= 0)
		close(t->lockfd);      /* releases the flock */
	t->lockfd = -1;
	return r;
}
