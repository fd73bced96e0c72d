/*
 * group.c - one sync shared by the webhook's deliveries at once (see
 * wa-webhook(1), DESCRIPTION and FILES).
 *
 * Each delivery's items cost two fsyncs of its own: the item's file before
 * its rename, and the folder after it. The second is the same for every
 * delivery: an fsync of Needs_Action/whatsapp/ makes durable every rename
 * made into it before the fsync began, whoever made it. So a delivery
 * calls wa_group_sync after its renames, which returns once an fsync of
 * the folder begun after them has finished: the holder of the flock of
 * .state/<agent>/wa-sync makes it, and the deliveries waiting meanwhile
 * find their renames covered and sync nothing. Idle, a delivery syncs as
 * often as before; under load a batch shares one. (A syncfs(2) of the
 * whole file system would cover the items' files too, but it also writes
 * out every other program's dirty data there: on a loaded machine 3.5 ms
 * against 0.1 ms for an fsync of one file.)
 *
 * The file's first page, mapped shared, holds two counters, changed only
 * under the flock: the syncs begun and the syncs finished. A caller reads
 * "begun" once its renames are done (no lock: an atomic load); any sync
 * whose number is higher began after that, so its end covers the caller.
 * Under the flock, "finished" past that number means there is nothing
 * left to do; else the caller makes the next sync itself. A sync that
 * fails leaves "finished" where it was, so the next caller syncs again;
 * counters a crash left out of order (finished past begun) are read as
 * the larger.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/vault.h"
#include "wa/wa.h"

#define PAGE 4096
#define FOLDER "Needs_Action/whatsapp"

struct counters {
	_Atomic uint64_t begun;
	_Atomic uint64_t finished;
};

/* The mapped counters of .state/<agent>/wa-sync (made the first time,
 * one page of zeros); its fd in *fdp. NULL on error. */
static struct counters *map(struct vault *v, char *rel, size_t size,
    int *fdp)
{
	char dir[64];
	struct stat st;
	void *p;
	int fd;

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return NULL;
	snprintf(rel, size, "%s/wa-sync", dir);
	if ((fd = openat(v->dirfd, rel, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		aie_fail_errno(EX_TEMP, "%s", rel);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || (st.st_size < PAGE &&
	    ftruncate(fd, PAGE) < 0)) {
		aie_fail_errno(EX_TEMP, "%s", rel);
		close(fd);
		return NULL;
	}
	if ((p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		aie_fail_errno(EX_TEMP, "%s: mmap", rel);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return p;
}

static uint64_t larger(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int wa_group_sync(struct vault *v)
{
	struct counters *c;
	uint64_t want, n;
	char rel[96];
	int fd, dfd, r = 0;

	if (!(c = map(v, rel, sizeof rel, &fd)))
		return -1;
	/* our renames are done: a sync numbered past this began after them */
	want = larger(atomic_load(&c->begun), atomic_load(&c->finished)) + 1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = aie_fail_errno(EX_TEMP, "%s: flock", rel);
			goto out;
		}
	}
	if (atomic_load(&c->finished) < want) {
		n = larger(atomic_load(&c->begun), atomic_load(&c->finished)) + 1;
		atomic_store(&c->begun, n);
		if ((dfd = openat(v->dirfd, FOLDER, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0) {
			r = aie_fail_errno(EX_TEMP, "%s", FOLDER);
		} else {
			if (fsync(dfd) < 0 && errno != EINVAL)
				r = aie_fail_errno(EX_TEMP, "%s: fsync", FOLDER);
			else
				atomic_store(&c->finished, n);
			close(dfd);
		}
	}
out:
	/* the flock goes with the close */
	munmap((void *)c, PAGE);
	close(fd);
	return r;
}
