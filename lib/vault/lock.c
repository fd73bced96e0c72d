/*
 * lock.c - flock(2) on a file of .state/<agent>/ (see lock.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "vault/vault.h"

int state_lock(struct vault *v, const char *name, int wait)
{
	char dir[64], rel[128];
	int fd;

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	if ((size_t)snprintf(rel, sizeof rel, "%s/%s.lock", dir, name) >= sizeof rel)
		return aie_fail(EX_DATA, "%s: lock name too long", name);
	fd = openat(v->dirfd, rel, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		if (errno == EWOULDBLOCK)
			return aie_fail(EX_TEMP, "%s: held by another process; "
			    "try again later", rel);
		return aie_fail_errno(EX_TEMP, "%s: flock", rel);
	}
	return fd;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
