/*
 * confset.c - write keys into the configuration file (see ai-employee(7):
 * $AI_EMPLOYEE_CONFIG, else ~/.config/ai-employee/env), for social-auth's
 * tokens, which the publishers read from there (LINKEDIN_TOKEN,
 * FACEBOOK_PAGE_TOKEN, ...).
 *
 * The file holds the owner's other settings and comments: each line
 * setting one of the keys (KEY= or export KEY=) is replaced by the new
 * value where it stands, later ones dropped, and the keys not there are
 * added at the end. The file is read as the secret it is (secret_open: an
 * unsafe one is refused) and written whole, 0600, to a new file renamed
 * over it. A symbolic link is not replaced by a file: refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "oauth/oauth.h"

/* Which of keys the line sets: its index, or -1. */
static int sets(const char *line, size_t len, const char *const *keys,
    size_t n)
{
	size_t i, k;

	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	if (len > 7 && strncmp(line, "export ", 7) == 0)
		for (line += 7, len -= 7; len && *line == ' '; line++, len--)
			;
	for (i = 0; i < n; i++) {
		k = strlen(keys[i]);
		if (len > k && strncmp(line, keys[i], k) == 0 &&
		    strspn(line + k, " \t") + k < len &&
		    line[k + strspn(line + k, " \t")] == '=')
			return (int)i;
	}
	return -1;
}

static int read_all(const char *path, char **text, size_t *len)
{
	struct buf b = { 0 };
	char chunk[4096];
	ssize_t r;
	int fd;

	*text = NULL;
	*len = 0;
	if ((fd = secret_open(path, 1)) < 0) {
		if (errno == ELOOP)
			return aie_fail(EX_CONFIG, "%s: a symbolic link; set the keys "
			    "in the file it points to by hand", path);
		return errno == ENOENT ? 0 : -1;
	}
	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)r);
	sodium_memzero(chunk, sizeof chunk);
	if (r < 0) {
		aie_fail_errno(EX_CONFIG, "%s", path);
		close(fd);
		buf_free(&b);
		return -1;
	}
	close(fd);
	if (!(*text = buf_take(&b, len)))
		return aie_fail(EX_TEMP, "out of memory");
	return 0;
}

int oauth_config_set(const char *const *keys, const char *const *values,
    size_t n, char *where, size_t wsize)
{
	const char *path = getenv("AI_EMPLOYEE_CONFIG"), *home, *p, *nl;
	char def[4096], *text, *out, *slash, done[16] = { 0 };
	struct buf b = { 0 };
	size_t len, olen, i;
	int dfd, r, k;

	if (n > sizeof done)
		return aie_fail(EX_TEMP, "too many keys");
	for (i = 0; i < n; i++)
		if (strpbrk(values[i], "\r\n\"'") || !*values[i])
			return aie_fail(EX_DATA, "%s: a value that cannot be written",
			    keys[i]);
	if (!path || !*path) {
		if (!(home = getenv("HOME")) || !*home)
			return aie_fail(EX_CONFIG, "no HOME and no AI_EMPLOYEE_CONFIG");
		if ((size_t)snprintf(def, sizeof def, "%s/.config/ai-employee/env",
		    home) >= sizeof def)
			return aie_fail(EX_CONFIG, "HOME is too long");
		path = def;
	}
	if (strlen(path) >= sizeof def - 1 || !strchr(path, '/'))
		return aie_fail(EX_CONFIG, "%s: give the configuration file's "
		    "path with a directory", path);
	snprintf(where, wsize, "%s", path);
	if (read_all(path, &text, &len) < 0)
		return -1;
	for (p = text; p && p < text + len; p = nl ? nl + 1 : NULL) {
		size_t ll;
		nl = memchr(p, '\n', (size_t)(text + len - p));
		ll = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		if ((k = sets(p, ll, keys, n)) < 0)
			buf_addf(&b, "%.*s\n", (int)ll, p);
		else if (!done[k]++)
			buf_addf(&b, "%s=%s\n", keys[k], values[k]);
	}
	for (i = 0; i < n; i++)
		if (!done[i])
			buf_addf(&b, "%s=%s\n", keys[i], values[i]);
	if (text) {
		sodium_memzero(text, len);
		free(text);
	}
	if (!(out = buf_take(&b, &olen)))
		return aie_fail(EX_TEMP, "out of memory");
	if (path != def)
		snprintf(def, sizeof def, "%s", path);
	slash = strrchr(def, '/');
	*slash = '\0';
	if (slash != def && oauth_mkdirs(def) < 0)
		r = -1;
	else if ((dfd = open(slash == def ? "/" : def, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		r = aie_fail_errno(EX_CONFIG, "%s", def);
	else {
		if ((r = file_writeat(dfd, slash + 1, out, olen, 0600)) < 0) {
			char why[sizeof aie_errmsg];
			snprintf(why, sizeof why, "%s", aie_errmsg);
			aie_fail(EX_CONFIG, "%s/%s: %s", def, slash + 1, why);
		}
		close(dfd);
	}
	sodium_memzero(out, olen);
	free(out);
	return r;
}
