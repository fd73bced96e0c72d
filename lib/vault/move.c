/*
 * move.c - stage moves (see vault(5)).
 *
 * A move is one rename inside the vault, with RENAME_NOREPLACE so it never
 * clobbers an item already at the target. Of N processes racing for the
 * same move exactly one rename succeeds; the others find the source gone
 * (ENOENT) and report where the item is now. Keys are written only after
 * the move has won, by a fresh atomic write of the file in its new place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"

/* "domain/YYYY-MM" for Done/, by the month of t (UTC). */
int done_sub(const char *domain, time_t t, char *buf, size_t size)
{
	struct tm tm;
	char month[8];

	gmtime_r(&t, &tm);
	strftime(month, sizeof month, "%Y-%m", &tm);
	if ((size_t)snprintf(buf, size, "%s/%s", domain, month) >= size)
		return aie_fail(EX_DATA, "%s: domain too long", domain);
	return 0;
}

static int rename_noreplace(int fromfd, const char *from, int tofd,
    const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a filesystem without RENAME_NOREPLACE: link is exclusive too */
	if (linkat(fromfd, from, tofd, to, 0) < 0)
		return -1;
	if (unlinkat(fromfd, from, 0) < 0) {
		int saved = errno;
		unlinkat(tofd, to, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Move the item at ref to stage to/sub; on success ref is updated. On a
 * lost race -1 with 1 and where the item went; on a clash at the target -1
 * with 65. */
int item_move(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub)
{
	return item_move_as(v, ref, to, sub, NULL);
}

/* As item_move, giving the item the ID newid (NULL: keep it) in its new
 * place - for a rejected draft whose ID the next draft will take. */
int item_move_as(struct vault *v, struct itemref *ref, enum stage to,
    const char *sub, const char *newid)
{
	struct itemref dst;
	char fromname[256], toname[256];
	int fromfd, tofd, r;

	if (item_ref_set(&dst, newid ? newid : ref->id, to, sub) < 0)
		return -1;
	if ((fromfd = path_parent_at(v->dirfd, ref->rel, 0, fromname,
	    sizeof fromname)) < 0)
		return -1;
	if ((tofd = path_parent_at(v->dirfd, dst.rel, 1, toname,
	    sizeof toname)) < 0) {
		close(fromfd);
		return -1;
	}
	r = rename_noreplace(fromfd, fromname, tofd, toname);
	if (r < 0) {
		int saved = errno;
		struct itemref now;
		close(fromfd);
		close(tofd);
		if (saved == ENOENT) {
			if (vault_find(v, ref->id, &now) == 0)
				return aie_fail(EX_NEG, "%s: lost the race; the item "
				    "is now %s", ref->id, now.rel);
			return aie_fail(EX_NEG, "%s: lost the race; the item is "
			    "gone from %s", ref->id, ref->rel);
		}
		if (saved == EEXIST)
			return aie_fail(EX_DATA, "%s: %s already exists; not "
			    "moved", ref->id, dst.rel);
		errno = saved;
		return aie_fail_errno(saved == EROFS || saved == EACCES ||
		    saved == EPERM ? EX_DATA : EX_TEMP, "%s: move to %s",
		    ref->id, dst.rel);
	}
	if ((fsync(tofd) < 0 && errno != EINVAL) ||
	    (fsync(fromfd) < 0 && errno != EINVAL)) {
		aie_fail_errno(EX_TEMP, "%s: fsync after the move", ref->id);
		close(fromfd);
		close(tofd);
		return -1;
	}
	close(fromfd);
	close(tofd);
	*ref = dst;
	return 0;
}

/* Set keys on the item in place: kv is key, value, ..., NULL; a NULL value
 * removes the key. */
int item_annotate(struct vault *v, const struct itemref *ref,
    const char *const *kv)
{
	struct item it;
	int r = 0;

	if (item_load(v, ref, &it) < 0)
		return -1;
	for (; kv[0]; kv += 2) {
		r = kv[1] ? fm_set(&it, kv[0], kv[1]) : fm_del(&it, kv[0]);
		if (r < 0)
			break;
	}
	if (r == 0)
		r = item_store(v, ref, &it);
	fm_free(&it);
	return r;
}

/* The item written in full and fsynced as a hidden temporary file
 * (.tmp.<name>.<pid>.<random>, which the vault's readers and vault-sync
 * pass over: see vault(5)) in the folder of ref, not yet visible. On
 * success t holds the folder open until item_publish or item_tmp_drop. */
int item_prepare(struct vault *v, const struct itemref *ref,
    const struct item *it, struct item_tmp *t)
{
	unsigned char rnd[4];
	size_t len, off = 0;
	char *buf;
	ssize_t n;
	int fd;

	memset(t, 0, sizeof *t);
	t->pfd = -1;
	snprintf(t->rel, sizeof t->rel, "%s", ref->rel);
	if (fm_serialize(it, &buf, &len) < 0)
		return -1;
	if ((t->pfd = path_parent_at(v->dirfd, ref->rel, 1, t->name,
	    sizeof t->name)) < 0) {
		free(buf);
		return -1;
	}
	if (sodium_init() < 0) {
		aie_fail(EX_TEMP, "libsodium cannot start");
		goto fail;
	}
	randombytes_buf(rnd, sizeof rnd);
	snprintf(t->tmp, sizeof t->tmp, ".tmp.%.200s.%ld.%02x%02x%02x%02x",
	    t->name, (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
	fd = openat(t->pfd, t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd < 0) {
		aie_fail_errno(EX_TEMP, "%s", ref->rel);
		goto fail;
	}
	while (off < len) {
		n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			aie_fail_errno(EX_TEMP, "%s: write", ref->rel);
			close(fd);
			unlinkat(t->pfd, t->tmp, 0);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: fsync", ref->rel);
		unlinkat(t->pfd, t->tmp, 0);
		goto fail;
	}
	free(buf);
	return 0;
fail:
	close(t->pfd);
	t->pfd = -1;
	free(buf);
	return -1;
}

/* The prepared item renamed into place, never over an item already there
 * (65, the temporary file kept for item_tmp_drop). The rename is durable
 * once the folder is synced: at once with sync set, else by the caller's
 * item_tmp_sync (which several publishes may share). */
int item_publish(struct item_tmp *t, int sync)
{
	if (t->pfd < 0 || !*t->tmp)
		return aie_fail(EX_SOFTWARE, "%s: not prepared", t->rel);
	if (rename_noreplace(t->pfd, t->tmp, t->pfd, t->name) < 0) {
		if (errno == EEXIST)
			return aie_fail(EX_DATA, "%s: already exists", t->rel);
		return aie_fail_errno(EX_TEMP, "%s", t->rel);
	}
	t->tmp[0] = '\0';      /* published: nothing left to drop */
	return sync ? item_tmp_sync(t) : 0;
}

/* The folder of a published item fsynced: its rename made durable. */
int item_tmp_sync(struct item_tmp *t)
{
	if (t->pfd >= 0 && fsync(t->pfd) < 0 && errno != EINVAL)
		return aie_fail_errno(EX_TEMP, "%s: fsync of its directory",
		    t->rel);
	return 0;
}

/* The temporary file removed unless it was published; the folder closed. */
void item_tmp_drop(struct item_tmp *t)
{
	if (t->pfd >= 0) {
		if (*t->tmp)
			unlinkat(t->pfd, t->tmp, 0);
		close(t->pfd);
	}
	t->pfd = -1;
	t->tmp[0] = '\0';
}

/* Write a new item at ref; fails (65) when one is already there. */
int item_create(struct vault *v, const struct itemref *ref,
    const struct item *it)
{
	struct item_tmp t;
	int r;

	if (item_prepare(v, ref, it, &t) < 0)
		return -1;
	r = item_publish(&t, 1);
	item_tmp_drop(&t);
	return r;
}
