/*
 * sweep.c - the temporary files a crash left in Needs_Action/whatsapp/.
 *
 * A delivery writes each item as .tmp.<name>.<pid>.<random> before it
 * takes wa.lock and renames it into place under the lock (inbox.c); one
 * killed in between leaves that file, which no reader shows and
 * vault-sync does not carry (vault(5)). The webhook removes those older
 * than WA_TMP_AGE after it has answered, listing the folder at most once
 * per WA_TMP_AGE (the modification time of .state/<agent>/wa-swept), so a
 * delivery's cost does not grow with the folder. A live delivery holds
 * its temporary file for the time it waits for the lock, far less.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"

#define FOLDER "Needs_Action/whatsapp"

/* 1 when the last sweep is older than WA_TMP_AGE (its stamp then set to
 * now), 0 when not, -1 on error. */
static int due(struct vault *v, time_t now)
{
	char dir[64], rel[96];
	struct stat st;
	int fd;

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(rel, sizeof rel, "%s/wa-swept", dir);
	if (fstatat(v->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_mtime > now - WA_TMP_AGE && st.st_mtime <= now)
		return 0;
	if ((fd = openat(v->dirfd, rel, O_WRONLY | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", rel);
	if (futimens(fd, NULL) < 0) {
		aie_fail_errno(EX_TEMP, "%s: set its time", rel);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return aie_fail_errno(EX_TEMP, "%s: close", rel);
	return 1;
}

int wa_inbox_sweep(struct vault *v)
{
	time_t now = time(NULL);
	struct dirent *e;
	struct stat st;
	int fd, n = 0, r;
	DIR *d;

	if ((r = due(v, now)) <= 0)
		return r;
	if ((fd = openat(v->dirfd, FOLDER, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : aie_fail_errno(EX_TEMP, "%s",
		    FOLDER);
	if (!(d = fdopendir(fd))) {
		aie_fail_errno(EX_TEMP, "%s", FOLDER);
		close(fd);
		return -1;
	}
	while ((errno = 0, e = readdir(d))) {
		if (strncmp(e->d_name, ".tmp.", 5) ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_mtime > now - WA_TMP_AGE)
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT) {
			aie_fail_errno(EX_TEMP, "%s/%s", FOLDER, e->d_name);
			closedir(d);
			return -1;
		}
		n++;
	}
	if (errno) {
		aie_fail_errno(EX_TEMP, "%s: list", FOLDER);
		closedir(d);
		return -1;
	}
	closedir(d);
	return n;
}
