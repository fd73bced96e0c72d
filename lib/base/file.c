/*
 * file.c - files in and out of the vault, never leaving it.
 *
 * Every path here is relative to a directory fd and is walked one component
 * at a time with O_NOFOLLOW, so neither "..", nor a symlink anywhere on the
 * way, can lead outside the vault. Writes go to a temporary file in the same
 * directory (O_EXCL), are fsynced, renamed over the target, and the directory
 * is fsynced: a reader sees the old file or the new one, never a part.
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

#include "base/base.h"

/* Split rel into directories and a last name; open the parent directory
 * (creating it when create is set). Returns the fd (caller closes) and
 * points *name into rel; -1 with aie_errmsg set. */
int path_parent_at(int dirfd, const char *rel, int create, char *name,
    size_t namesize)
{
	char buf[1024], *p, *slash;
	int fd, next;

	if (strlen(rel) >= sizeof buf || !*rel)
		return aie_fail(EX_DATA, "%s: bad path", rel);
	strcpy(buf, rel);
	if ((fd = dup(dirfd)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
		*slash = '\0';
		if (!*p || !strcmp(p, ".") || !strcmp(p, "..")) {
			close(fd);
			return aie_fail(EX_DATA, "%s: path leaves the vault", rel);
		}
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, p, 0755) < 0 && errno != EEXIST) {
				aie_fail_errno(EX_TEMP, "%s: mkdir %s", rel, p);
				close(fd);
				return -1;
			}
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		}
		if (next < 0) {
			int code = errno == ELOOP || errno == ENOTDIR ? EX_DATA :
			    errno == ENOENT ? EX_NEG : EX_TEMP;
			if (errno == ELOOP)
				aie_fail(code, "%s: %s is a symlink; refused", rel, p);
			else
				aie_fail_errno(code, "%s", rel);
			close(fd);
			return -1;
		}
		close(fd);
		fd = next;
	}
	if (!*p || !strcmp(p, ".") || !strcmp(p, "..") || strlen(p) >= namesize) {
		close(fd);
		return aie_fail(EX_DATA, "%s: bad path", rel);
	}
	strcpy(name, p);
	return fd;
}

/* Read a whole regular file (not a symlink) of at most AIE_ITEM_MAX bytes.
 * *buf is malloc'd and NUL-terminated; 0 or -1. */
int file_readat(int dirfd, const char *rel, char **buf, size_t *len)
{
	char name[256], *b = NULL;
	struct stat st;
	size_t have = 0;
	ssize_t n;
	int pfd, fd;

	if ((pfd = path_parent_at(dirfd, rel, 0, name, sizeof name)) < 0)
		return -1;
	fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(pfd);
	if (fd < 0) {
		if (errno == ELOOP)
			return aie_fail(EX_DATA, "%s: a symlink; refused", rel);
		return aie_fail_errno(errno == ENOENT ? EX_NEG : EX_DATA, "%s", rel);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return aie_fail(EX_DATA, "%s: not a regular file", rel);
	}
	if (st.st_size > AIE_ITEM_MAX) {
		close(fd);
		return aie_fail(EX_DATA, "%s: larger than %d bytes", rel,
		    AIE_ITEM_MAX);
	}
	if (!(b = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return aie_fail_errno(EX_TEMP, "%s", rel);
	}
	while (have < (size_t)st.st_size) {
		n = read(fd, b + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			aie_fail_errno(EX_DATA, "%s: read", rel);
			free(b);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	b[have] = '\0';
	*buf = b;
	*len = have;
	return 0;
}

int fd_write_all(int fd, const void *data, size_t len)
{
	const char *buf = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Atomically replace (or create) rel with buf: temp + fsync + rename +
 * fsync of the directory. Parent directories are created. */
/* Write rel through a temporary file: renamed over it (exchange 0), or
 * exchanged with it (1), the old contents then unlinked, so a file that
 * is gone is not made again. */
static int write_tmp(int dirfd, const char *rel, const char *buf, size_t len,
    int mode, int exchange)
{
	char name[256], tmp[300];
	unsigned char rnd[4];
	int pfd, fd;

	if ((pfd = path_parent_at(dirfd, rel, !exchange, name, sizeof name)) < 0)
		return -1;
	if (sodium_init() < 0) {
		close(pfd);
		return aie_fail(EX_TEMP, "libsodium cannot start");
	}
	randombytes_buf(rnd, sizeof rnd);
	snprintf(tmp, sizeof tmp, ".tmp.%.200s.%ld.%02x%02x%02x%02x", name,
	    (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
	fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd < 0) {
		aie_fail_errno(errno == EROFS || errno == EACCES ? EX_DATA : EX_TEMP,
		    "%s: cannot write", rel);
		close(pfd);
		return -1;
	}
	if (fd_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: write", rel);
		close(fd);
		unlinkat(pfd, tmp, 0);
		close(pfd);
		return -1;
	}
	if (close(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: close", rel);
		unlinkat(pfd, tmp, 0);
		close(pfd);
		return -1;
	}
	if (exchange ? renameat2(pfd, tmp, pfd, name, RENAME_EXCHANGE) < 0 :
	    renameat(pfd, tmp, pfd, name) < 0) {
		if (exchange && errno == ENOENT)
			aie_fail(EX_NEG, "%s: no longer there", rel);
		else
			aie_fail_errno(EX_TEMP, "%s: rename", rel);
		unlinkat(pfd, tmp, 0);
		close(pfd);
		return -1;
	}
	if (exchange && unlinkat(pfd, tmp, 0) < 0) {
		aie_fail_errno(EX_TEMP, "%s: the old version %s left behind", rel,
		    tmp);
		close(pfd);
		return -1;
	}
	if (fsync(pfd) < 0 && errno != EINVAL) {
		aie_fail_errno(EX_TEMP, "%s: fsync of its directory", rel);
		close(pfd);
		return -1;
	}
	close(pfd);
	return 0;
}

/* Append buf with one write(2) on an O_APPEND descriptor, so concurrent
 * appenders never interleave within a line. All or nothing: when the
 * write fails part way (a full disk), the file is cut back to its old
 * length, so no partial line is left for the next one to run into. The
 * flock keeps our other appenders out between measuring and cutting.
 * Creates the file 0644. */
int file_appendat(int dirfd, const char *rel, const char *buf, size_t len)
{
	char name[256];
	size_t done = 0;
	ssize_t n;
	off_t old;
	int pfd, fd, e;

	if ((pfd = path_parent_at(dirfd, rel, 1, name, sizeof name)) < 0)
		return -1;
	fd = openat(pfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	close(pfd);
	if (fd < 0)
		return aie_fail_errno(errno == ELOOP ? EX_DATA : EX_TEMP, "%s", rel);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			goto fail;
	if ((old = lseek(fd, 0, SEEK_END)) < 0)
		goto fail;
	while (done < len) {
		/* one write unless it comes back short */
		n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			if (done && ftruncate(fd, old) < 0) {
				aie_fail_errno(EX_DATA, "%s: a partial line was "
				    "written and cannot be cut off; remove it by "
				    "hand", rel);
				close(fd);
				return -1;
			}
			errno = e;
			goto fail;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return aie_fail_errno(EX_TEMP, "%s: close", rel);
	return 0;
fail:
	aie_fail_errno(EX_TEMP, "%s: append", rel);
	close(fd);
	return -1;
}

int file_writeat(int dirfd, const char *rel, const char *buf, size_t len,
    int mode)
{
	return write_tmp(dirfd, rel, buf, len, mode, 0);
}

int file_replaceat(int dirfd, const char *rel, const char *buf, size_t len,
    int mode)
{
	return write_tmp(dirfd, rel, buf, len, mode, 1);
}
