/*
 * wal.c - the write-ahead record of the webhook's deliveries: the webhook
 * answers 200 once the verified body is durable here, and files its items
 * after the answer (see wa-webhook(1), DESCRIPTION and FILES).
 *
 * A delivery's durability used to cost two journal commits (its item, a
 * new inode, fsynced; its folder fsynced after the rename), and deliveries
 * at once contend for ext4's journal. An overwrite in place of blocks
 * already written changes no metadata, so its fdatasync commits nothing to
 * the journal: on this disk 10 to 20 times as many per second. So each
 * webhook process takes one of WA_WAL_SLOTS slot files
 * (.state/<agent>/wa-wal/<n>, WA_WAL_SIZE bytes of zeros written once) by
 * its flock, writes the body there behind a header with its hash, and
 * fdatasyncs it; after the answer it files the items (the folder's fsync
 * shared with the deliveries at once: group.c) and marks the record done (a
 * write in place, not synced: a done record lost in a crash is filed
 * again, and filing is idempotent by wamid). A slot whose
 * record is not done and whose flock is free was left by a process that
 * died: each delivery files those again after its own answer, and takes
 * one for its own record only when no other slot is free (filing it
 * first). A record torn by a crash fails its hash and is passed over: it
 * was never answered.
 *
 * Looking at every slot after each answer cost some 80 system calls a
 * delivery. So wa-wal/left holds a byte a slot, 'T' from just before its
 * record is written to just after it is marked done, else 'D' (neither
 * synced): a delivery looks only at the slots marked 'T', each a
 * process at work or one that died. A crash of the machine may lose
 * those bytes, not the records; so the file also holds the time the
 * machine booted, and the first delivery after a boot (or with the file
 * missing or short) looks at every slot, marking 'D' those it finds
 * done, then writes the boot time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "vault/vault.h"
#include "wa/wa.h"

/* The header: magic, state, the body's length (little-endian), the
 * BLAKE2b-256 of length and body; the body follows at WA_WAL_HEAD. */
#define MAGIC      "AIE-WAL1"
#define ST_OFF     8
#define LEN_OFF    12
#define HASH_OFF   16
#define HASH_LEN   32

/* wa-wal/left: a byte a slot, then the boot time (8 bytes, little-endian
 * seconds since the epoch). */
#define LEFT_BOOT  WA_WAL_SLOTS
#define LEFT_SIZE  (WA_WAL_SLOTS + 8)

static void hash_of(const unsigned char *len4, const char *body, size_t len,
    unsigned char out[HASH_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, HASH_LEN);
	crypto_generichash_update(&st, len4, 4);
	crypto_generichash_update(&st, (const unsigned char *)body, len);
	crypto_generichash_final(&st, out, HASH_LEN);
}

int wa_wal_parse(const char *rec, size_t size, const char **body,
    size_t *len)
{
	const unsigned char *u = (const unsigned char *)rec;
	unsigned char h[HASH_LEN];
	size_t n;

	*body = NULL;
	*len = 0;
	if (size < WA_WAL_HEAD || memcmp(rec, MAGIC, ST_OFF))
		return 0;                        /* never written */
	if (!memcmp(rec + ST_OFF, "DONE", 4))
		return 0;
	if (memcmp(rec + ST_OFF, "TODO", 4))
		return -1;
	n = (size_t)u[LEN_OFF] | (size_t)u[LEN_OFF + 1] << 8 |
	    (size_t)u[LEN_OFF + 2] << 16 | (size_t)u[LEN_OFF + 3] << 24;
	if (n > WA_HOOK_BODY_MAX || n > size - WA_WAL_HEAD)
		return -1;
	hash_of(u + LEN_OFF, rec + WA_WAL_HEAD, n, h);
	if (sodium_memcmp(h, u + HASH_OFF, HASH_LEN))
		return -1;
	*body = rec + WA_WAL_HEAD;
	*len = n;
	return 1;
}

/* wa-wal/left opened (made the first time) into w->leftfd. */
static int open_left(struct wa_wal *w)
{
	if ((w->leftfd = openat(w->dirfd, "left", O_RDWR | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return aie_fail_errno(EX_TEMP, "%s/left", w->rel);
	return 0;
}

/* .state/<agent>/wa-wal, made (and its making synced) the first time,
 * and its file of the slots left. */
static int open_dir(struct vault *v, struct wa_wal *w)
{
	char dir[64];
	int sfd;

	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	snprintf(w->rel, sizeof w->rel, "%s/wa-wal", dir);
	if ((w->dirfd = openat(v->dirfd, w->rel, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) >= 0)
		return open_left(w);
	if (errno != ENOENT)
		return aie_fail_errno(errno == ELOOP ? EX_DATA : EX_TEMP, "%s",
		    w->rel);
	if (mkdirat(v->dirfd, w->rel, 0700) < 0 && errno != EEXIST)
		return aie_fail_errno(EX_TEMP, "%s", w->rel);
	if ((sfd = openat(v->dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", dir);
	if (fsync(sfd) < 0 && errno != EINVAL) {
		close(sfd);
		return aie_fail_errno(EX_TEMP, "%s: fsync", dir);
	}
	close(sfd);
	if ((w->dirfd = openat(v->dirfd, w->rel, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", w->rel);
	return open_left(w);
}

/* The slot held marked in wa-wal/left: 'T' (a record may be left in it)
 * or 'D'. 0, or -1. */
static int mark(struct wa_wal *w, char c)
{
	if (pwrite(w->leftfd, &c, 1, w->slot) != 1)
		return aie_fail_errno(EX_TEMP, "%s/left", w->rel);
	return 0;
}

/* The time this machine booted, in seconds since the epoch (to a second
 * or so: a clock stepped since makes a scan of every slot, no harm). */
static long long boot_time(void)
{
	struct timespec now, up;

	if (clock_gettime(CLOCK_REALTIME, &now) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &up) < 0)
		return 0;
	return (long long)now.tv_sec - (long long)up.tv_sec;
}

/* wa-wal/left read into want[]: 1 for a slot to look at. 1 when the file
 * is of this boot (only the slots marked 'T' then), 0 when every slot is
 * to be looked at, -1 on error. */
static int read_left(struct wa_wal *w, char want[WA_WAL_SLOTS],
    long long boot)
{
	unsigned char b[LEFT_SIZE];
	long long t = 0;
	ssize_t k;
	int i;

	memset(want, 1, WA_WAL_SLOTS);
	if ((k = pread(w->leftfd, b, sizeof b, 0)) < 0)
		return aie_fail_errno(EX_TEMP, "%s/left", w->rel);
	if (k < LEFT_SIZE)
		return 0;
	for (i = 7; i >= 0; i--)
		t = t << 8 | b[LEFT_BOOT + i];
	if (!boot || t < boot - 2 || t > boot + 2)
		return 0;
	for (i = 0; i < WA_WAL_SLOTS; i++)
		want[i] = b[i] != 'D';
	return 1;
}

/* After a look at every slot: the boot time written, so that the next
 * deliveries trust the marks. 0, or -1. */
static int write_boot(struct wa_wal *w, long long boot)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)((unsigned long long)boot >> (8 * i));
	if (pwrite(w->leftfd, b, sizeof b, LEFT_BOOT) != (ssize_t)sizeof b)
		return aie_fail_errno(EX_TEMP, "%s/left", w->rel);
	return 0;
}

/* pwrite of all n bytes at off: 0, or -1 with errno. */
static int write_at(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		if ((k = pwrite(fd, c, n, off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Zeros written (not fallocated: unwritten extents cost a journal commit
 * at their first write) from the file's end up to size, then synced with
 * its size. */
static int grow(struct wa_wal *w, off_t have, off_t size)
{
	static const char zeros[65536];
	size_t n;

	while (have < size) {
		n = size - have < (off_t)sizeof zeros ? (size_t)(size - have) :
		    sizeof zeros;
		if (write_at(w->fd, zeros, n, have) < 0)
			return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
		have += (off_t)n;
	}
	if (fsync(w->fd) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d: fsync", w->rel, w->slot);
	w->size = size;
	return 0;
}

/* Slot n opened (made the first time) and flocked: 1 when taken, 0 when
 * another process holds it, -1 on error. */
static int lock_slot(struct wa_wal *w, int n, int wait)
{
	char name[16];
	struct stat st;
	int fd;

	snprintf(name, sizeof name, "%d", n);
	if ((fd = openat(w->dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%s", w->rel, name);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		if (errno == EWOULDBLOCK)
			return 0;
		return aie_fail_errno(EX_TEMP, "%s/%s: flock", w->rel, name);
	}
	w->fd = fd;
	w->slot = n;
	if (fstat(fd, &st) < 0) {
		wa_wal_release(w);
		return aie_fail_errno(EX_TEMP, "%s/%s", w->rel, name);
	}
	w->size = st.st_size;
	if (w->size < WA_WAL_SIZE && grow(w, w->size, WA_WAL_SIZE) < 0) {
		wa_wal_release(w);
		return -1;
	}
	/* a slot just made: its name made durable too, once */
	if (st.st_size == 0 && fsync(w->dirfd) < 0 && errno != EINVAL) {
		wa_wal_release(w);
		return aie_fail_errno(EX_TEMP, "%s: fsync", w->rel);
	}
	return 1;
}

/* The record of the slot held: 1 with *body (malloc'd) when it is not
 * done, 0 when it is (or was never written or is torn), -1 on error. */
static int read_slot(struct wa_wal *w, char **body, size_t *len)
{
	char head[WA_WAL_HEAD], *rec;
	const char *b;
	size_t n;
	ssize_t k;
	int r;

	*body = NULL;
	*len = 0;
	if ((k = pread(w->fd, head, sizeof head, 0)) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	if ((size_t)k < sizeof head || memcmp(head, MAGIC, ST_OFF) ||
	    memcmp(head + ST_OFF, "TODO", 4))
		return 0;
	n = w->size > WA_WAL_HEAD + WA_HOOK_BODY_MAX ?
	    WA_WAL_HEAD + WA_HOOK_BODY_MAX : (size_t)w->size;
	if (!(rec = malloc(n)))
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	if ((k = pread(w->fd, rec, n, 0)) < 0) {
		free(rec);
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	}
	if ((r = wa_wal_parse(rec, (size_t)k, &b, len)) == 1) {
		memmove(rec, b, *len);
		*body = rec;
		/* its mark may be lost with a crash of the machine: set again,
		 * so that a filing that fails leaves it to be looked at */
		if (mark(w, 'T') < 0) {
			free(rec);
			*body = NULL;
			*len = 0;
			return -1;
		}
		return 1;
	}
	free(rec);
	*len = 0;
	return 0;                /* torn: never answered, nothing to file */
}

/* 1 when the record of the slot held is marked not done (torn or not:
 * its header only is read), 0 when not, -1 on error. */
static int slot_todo(struct wa_wal *w)
{
	char head[ST_OFF + 4];
	ssize_t k;

	if ((k = pread(w->fd, head, sizeof head, 0)) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	return (size_t)k == sizeof head && !memcmp(head, MAGIC, ST_OFF) &&
	    !memcmp(head + ST_OFF, "TODO", 4);
}

int wa_wal_take(struct vault *v, struct wa_wal *w, int pending_only,
    char **body, size_t *len)
{
	char want[WA_WAL_SLOTS];
	long long boot = 0;
	int n, r, todo = -1, trusted = 0;

	memset(w, 0, sizeof *w);
	w->fd = w->dirfd = w->leftfd = -1;
	*body = NULL;
	*len = 0;
	memset(want, 1, sizeof want);
	if (open_dir(v, w) < 0)
		return -1;
	if (pending_only && (trusted = read_left(w, want, boot =
	    boot_time())) < 0)
		goto fail;
	for (n = 0; n < WA_WAL_SLOTS; n++) {
		if (!want[n])
			continue;
		if ((r = lock_slot(w, n, 0)) < 0)
			goto fail;
		if (r == 0)
			continue;                /* at work: its holder files it */
		if ((r = slot_todo(w)) < 0)
			goto fail;
		if (r == 0 && !pending_only)
			return 0;                /* free, and nothing left in it */
		if (r == 1 && pending_only) {
			if ((r = read_slot(w, body, len)) < 0)
				goto fail;
			if (r == 1)
				return 1;
			/* torn, never answered: marked done, not read again */
			if (wa_wal_done(w) < 0)
				goto fail;
		} else if (r == 0 && mark(w, 'D') < 0) {
			goto fail;               /* done: not looked at again */
		}
		if (r == 1 && todo < 0)
			todo = n;
		wa_wal_release(w);
	}
	if (pending_only) {
		/* every slot seen done or held: from now on the marks hold
		 * (a holder that finds a record left marks it 'T') */
		r = !trusted && boot ? write_boot(w, boot) : 0;
		wa_wal_close(w);
		return r;
	}
	/* the free slots all hold a record left undone: one taken, to be
	 * filed first; every slot busy: wait for one, chosen by pid */
	if (todo >= 0 && (r = lock_slot(w, todo, 0)) < 0)
		goto fail;
	if ((todo < 0 || r == 0) &&
	    lock_slot(w, (int)(getpid() % WA_WAL_SLOTS), 1) < 0)
		goto fail;
	if ((r = read_slot(w, body, len)) < 0)
		goto fail;
	return r;
fail:
	wa_wal_close(w);
	return -1;
}

void wa_wal_head(unsigned char head[WA_WAL_HEAD], const char *body,
    size_t len)
{
	memset(head, 0, WA_WAL_HEAD);
	memcpy(head, MAGIC, ST_OFF);
	memcpy(head + ST_OFF, "TODO", 4);
	head[LEN_OFF] = (unsigned char)len;
	head[LEN_OFF + 1] = (unsigned char)(len >> 8);
	head[LEN_OFF + 2] = (unsigned char)(len >> 16);
	head[LEN_OFF + 3] = (unsigned char)(len >> 24);
	hash_of(head + LEN_OFF, body, len, head + HASH_OFF);
}

int wa_wal_write(struct wa_wal *w, const char *body, size_t len)
{
	unsigned char head[WA_WAL_HEAD];
	off_t need = WA_WAL_HEAD + (off_t)len;

	if (len > WA_HOOK_BODY_MAX)
		return aie_fail(EX_DATA, "%s/%d: a record of %zu bytes",
		    w->rel, w->slot, len);
	/* a body past the slot's size: the slot grown once, then in place */
	if (need > w->size && grow(w, w->size, (need + WA_WAL_SIZE - 1) /
	    WA_WAL_SIZE * WA_WAL_SIZE) < 0)
		return -1;
	wa_wal_head(head, body, len);
	/* marked first: a process killed past here leaves its mark */
	if (mark(w, 'T') < 0)
		return -1;
	/* the body first: a header whole over a body torn fails its hash */
	if (write_at(w->fd, body, len, WA_WAL_HEAD) < 0 ||
	    write_at(w->fd, head, sizeof head, 0) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	if (fdatasync(w->fd) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d: fdatasync", w->rel,
		    w->slot);
	return 0;
}

int wa_wal_done(struct wa_wal *w)
{
	if (write_at(w->fd, "DONE", 4, ST_OFF) < 0)
		return aie_fail_errno(EX_TEMP, "%s/%d", w->rel, w->slot);
	return mark(w, 'D');
}

void wa_wal_release(struct wa_wal *w)
{
	if (w->fd >= 0)
		close(w->fd);          /* the flock goes with it */
	w->fd = -1;
}

void wa_wal_close(struct wa_wal *w)
{
	wa_wal_release(w);
	if (w->dirfd >= 0)
		close(w->dirfd);
	if (w->leftfd >= 0)
		close(w->leftfd);
	w->dirfd = w->leftfd = -1;
}
