/*
 * secret.c - the files that hold secrets (the configuration file, the
 * approval key, the dashboard's password file and session key): one rule
 * for opening them, as ssh has for its keys. A file that group or others
 * may read, write or run is refused and named with what they may do; one
 * that is not a regular file is refused; O_NONBLOCK, so that a FIFO put in
 * its place is refused by fstat instead of hanging the tool in open(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/base.h"

/* Which of group and others may read, write or run the file, as
 * "readable and writable by others"; "" when nobody but the owner. */
static void mode_words(mode_t m, char *out, size_t size)
{
	static const char *const who[] = { "group", "others" };
	static const char *const what[] = { "readable", "writable",
	    "executable" };
	int w, b;
	size_t n = 0;

	out[0] = '\0';
	for (w = 0; w < 2; w++) {
		int bits = (int)(m >> (3 * (1 - w))) & 7, first = 1;
		if (!bits)
			continue;
		for (b = 0; b < 3; b++) {
			if (!(bits & (4 >> b)))
				continue;
			n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s",
			    first ? (n ? ", " : "") : " and ", what[b]);
			first = 0;
		}
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, " by %s",
		    who[w]);
	}
}

int secret_open(const char *path, int nofollow)
{
	char perm[128];
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		return aie_fail_errno(EX_CONFIG, "%s", path);
	if (fstat(fd, &st) < 0) {
		aie_fail_errno(EX_CONFIG, "%s", path);
		close(fd);
		errno = 0;
		return -1;
	}
	errno = 0;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return aie_fail(EX_CONFIG, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		mode_words(st.st_mode, perm, sizeof perm);
		return aie_fail(EX_CONFIG, "%s: %s (mode %04o); run: chmod 600 %s",
		    path, perm, (unsigned)(st.st_mode & 07777), path);
	}
	return fd;
}

int secret_read(const char *path, int nofollow, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	if ((fd = secret_open(path, nofollow)) < 0)
		return -1;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		aie_fail_errno(EX_CONFIG, "%s", path);
		close(fd);
		errno = 0;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return (int)n;
}

int secret_read_key(const char *path, int nofollow, const char *what,
    unsigned char key[32])
{
	char hex[80];
	size_t len;
	int n;

	if ((n = secret_read(path, nofollow, hex, sizeof hex)) < 0) {
		sodium_memzero(hex, sizeof hex);
		return -1;
	}
	if (n != 64 || sodium_hex2bin(key, 32, hex, 64, NULL, &len, NULL) < 0 ||
	    len != 32) {
		sodium_memzero(hex, sizeof hex);
		sodium_memzero(key, 32);
		errno = 0;
		return aie_fail(EX_CONFIG, "%s: not %s", path, what);
	}
	sodium_memzero(hex, sizeof hex);
	return 0;
}
