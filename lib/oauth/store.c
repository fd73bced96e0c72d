/*
 * store.c - the token file of a provider: PREFIX_TOKEN_FILE, else
 * NAME.tokens in ai-employee/ under $XDG_CONFIG_HOME or ~/.config. Lines
 * access_token=, refresh_token=, expires_at= (epoch seconds) and scope=;
 * the X publisher reads the same file (x.tokens, see social-post(1)).
 *
 * It is a secret: read only when its owner alone may use it (secret_read),
 * written 0600 in a 0700 directory, whole, to a new file fsynced and
 * renamed over the old, so a refresh token the endpoint rotated is on
 * disk before the new access token is used, and a crash leaves the old
 * pair or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "oauth/oauth.h"

int oauth_path(const struct oauth_provider *p, char *buf, size_t size)
{
	const char *f = oauth_get(p, "TOKEN_FILE"), *xdg, *home;
	int n;

	if (f)
		n = snprintf(buf, size, "%s", f);
	else if ((xdg = config_get("XDG_CONFIG_HOME")) && *xdg)
		n = snprintf(buf, size, "%s/ai-employee/%s.tokens", xdg, p->name);
	else if ((home = config_get("HOME")) && *home)
		n = snprintf(buf, size, "%s/.config/ai-employee/%s.tokens", home,
		    p->name);
	else
		return aie_fail(EX_CONFIG, "no HOME and no %s_TOKEN_FILE",
		    p->prefix);
	if (n < 0 || (size_t)n >= size)
		return aie_fail(EX_CONFIG, "%s_TOKEN_FILE: path too long",
		    p->prefix);
	if (buf[0] != '/')
		return aie_fail(EX_CONFIG, "%s: not an absolute path", buf);
	return 0;
}

/* The value of key's line in text into dst: 1, 0 when there is no such
 * line, -1 when it does not fit. */
static int line_value(const char *text, const char *key, char *dst,
    size_t size)
{
	size_t k = strlen(key), n;
	const char *p;

	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == '=') {
			n = strcspn(p + k + 1, "\r\n");
			if (n >= size)
				return -1;
			memcpy(dst, p + k + 1, n);
			dst[n] = '\0';
			return 1;
		}
	return 0;
}

int oauth_mkdirs(const char *dir)
{
	char path[4096], *s;

	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return aie_fail(EX_CONFIG, "%s: path too long", dir);
	for (s = strchr(path + 1, '/'); ; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return aie_fail_errno(EX_CONFIG, "%s", path);
		if (!s)
			return 0;
		*s = '/';
	}
}

int oauth_load(const struct oauth_provider *p, struct oauth_tokens *t)
{
	char path[4096], *text, num[32] = "", *end;
	int r = -1;

	memset(t, 0, sizeof *t);
	if (oauth_path(p, path, sizeof path) < 0)
		return -1;
	if (!(text = malloc(3 * OAUTH_ACCESS_MAX)))
		return aie_fail(EX_TEMP, "out of memory");
	if (secret_read(path, 1, text, 3 * OAUTH_ACCESS_MAX) < 0) {
		int e = errno;
		if (e == ENOENT)
			aie_fail(EX_CONFIG, "%s: no token stored yet (run %s init %s)",
			    path, strcmp(p->prefix, "GOOGLE") &&
			    strcmp(p->prefix, "MICROSOFT") ? "social-auth" :
			    "oauth-token", p->name);
		else
			aie_errcode = EX_CONFIG;
		free(text);
		errno = e;
		return -1;
	}
	if (line_value(text, "access_token", t->access, sizeof t->access) < 0 ||
	    line_value(text, "refresh_token", t->refresh, sizeof t->refresh) < 0 ||
	    line_value(text, "scope", t->scope, sizeof t->scope) < 0 ||
	    line_value(text, "expires_at", num, sizeof num) < 0)
		aie_fail(EX_CONFIG, "%s: a line too long", path);
	else if (!*t->access && !*t->refresh)
		aie_fail(EX_CONFIG, "%s: no access_token= and no refresh_token= "
		    "line", path);
	else if (*num && ((errno = 0), t->expires_at = strtoll(num, &end, 10),
	    errno || *end || t->expires_at < 0))
		aie_fail(EX_CONFIG, "%s: expires_at=%s: not a time in seconds",
		    path, num);
	else
		r = 0;
	sodium_memzero(text, 3 * OAUTH_ACCESS_MAX);
	free(text);
	if (r < 0)
		sodium_memzero(t, sizeof *t);
	errno = 0;
	return r;
}

int oauth_store(const struct oauth_provider *p, const struct oauth_tokens *t)
{
	char path[4096], *slash;
	struct buf b = { 0 };
	char *text;
	size_t len;
	int dfd, r;

	if (oauth_path(p, path, sizeof path) < 0)
		return -1;
	slash = strrchr(path, '/');
	*slash = '\0';
	if (oauth_mkdirs(path) < 0)
		return -1;
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	buf_addf(&b, "access_token=%s\nrefresh_token=%s\n", t->access,
	    t->refresh);
	if (t->expires_at)
		buf_addf(&b, "expires_at=%lld\n", t->expires_at);
	if (*t->scope)
		buf_addf(&b, "scope=%s\n", t->scope);
	if (!(text = buf_take(&b, &len))) {
		close(dfd);
		return aie_fail(EX_TEMP, "out of memory");
	}
	r = file_writeat(dfd, slash + 1, text, len, 0600);
	if (r < 0) {
		char why[sizeof aie_errmsg];   /* aie_fail writes aie_errmsg */
		snprintf(why, sizeof why, "%s", aie_errmsg);
		aie_fail(EX_CONFIG, "%s/%s: the new tokens cannot be stored: %s",
		    path, slash + 1, why);
	}
	sodium_memzero(text, len);
	free(text);
	close(dfd);
	return r;
}
