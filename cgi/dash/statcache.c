/*
 * statcache.c - the dashboard's cache of the counts and the pending list.
 *
 * A request of /api/status or / on a large vault spends nearly all its
 * time listing directories (Done/ holds most of the items) and reading the
 * pending drafts. The result changes only when one of those changes, so
 * status_core's text is kept in .state/<agent>/dashboard-status.cache
 * with the stat() of everything it was read from: every stage directory,
 * every directory below one (Done/<domain>/<month> too), every pending
 * file, and the source of a draft without source_from (its sender is on
 * the card). A request stats those paths (about 30 directories plus a
 * file per pending draft) and serves the cached text only when each one
 * still has the same device, inode, type, size, mtime and ctime
 * (nanoseconds); anything else is a miss: the vault is walked again and
 * the file rewritten. A new item, a move, a deletion or a new directory
 * changes the mtime of a directory; an edit of a file changes its own
 * mtime and ctime (an atomic rewrite also its inode and its directory).
 *
 * Never stale, despite timestamp granularity: file times come from the
 * kernel's coarse clock (one tick, a few ms; whole seconds on some file
 * systems, two on FAT), so two changes within one tick leave the same
 * mtime, and a walk that read a directory between them would be cached
 * with a key that the second change does not alter. Every key is stat'ed
 * before what it guards is read, and a walk is written to the cache only
 * when every key is seal_settled: its mtime at least SEAL_SETTLE seconds
 * older than the moment the walk started (sealed.c). A change made after
 * that moment gets an mtime of at least "start minus one tick", which is
 * then newer than the key, so it can never share the key's timestamp. (A
 * directory that
 * keeps changing is simply not cached until it has been quiet for that
 * long; each request then walks the vault, as without a cache.)
 *
 * A miss is not a walk of everything: a Done/<domain>/<month> directory
 * that still stats as its key in the file (closed months never change)
 * keeps the count of items the file has for it, and is not listed again
 * (status.c looks the drafts' sources up in it by name). Done/ holds
 * nearly all of a vault's items, so the first request after a new mail
 * or a decision reads little more than the stages that changed. The same
 * settle rule makes that safe: a key was written only when its mtime was
 * SEAL_SETTLE seconds older than the walk that counted it, so a
 * directory that stats the same holds the same entries.
 *
 * Concurrency: readers only read the file; writers (any request that
 * missed) write it sealed (sealed.c: a temporary file renamed over the
 * cache), so a reader sees a whole old or a whole new file. Each
 * writer's content was right for its keys, so either file is correct.
 * The seal makes a truncated or damaged file a miss.
 *
 * statcache_cached is the same cache for any text read from the vault,
 * given its walk and its file: the reading pages keep their lists so
 * (cgi/pages/lists.c); statcache_get is it with status_core.
 *
 * File format, all text but the payload:
 *   aie-status-cache 5 <hex seal_sum of everything after this line>\n
 *   <number of keys> <payload length>\n
 *   <dev> <ino> <mode> <size> <mtime s> <mtime ns> <ctime s> <ctime ns> <count> <path>\n
 *   ...
 *   <payload: status_core's text>
 * where count is the number of items counted directly in that directory
 * (0 for a file).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/base.h"
#include "dash/dash.h"
#include "status/status.h"

#define KEYS_MAX 1000000
#define PAYLOAD_MAX (64u << 20)

/* One unsigned decimal number of at most 20 digits ending with sep, at
 * *p (< end); advances *p past sep. 0 or -1. */
static int num(const char **p, const char *end, int sep,
    unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;
	int digits = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (v > ULLONG_MAX / 10 || (v == ULLONG_MAX / 10 &&
		    d > ULLONG_MAX % 10) || ++digits > 20)
			return -1;
		v = v * 10 + d;
		s++;
	}
	if (!digits || s >= end || *s != sep)
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

#define FIELDS 9                 /* numbers on a key line */

/* The stat of a key line's fields f, in the fields statkey_same compares;
 * -1 when one does not fit its type. */
static int key_stat(const unsigned long long f[FIELDS], struct stat *st)
{
	memset(st, 0, sizeof *st);
	st->st_dev = (dev_t)f[0];
	st->st_ino = (ino_t)f[1];
	st->st_mode = (mode_t)f[2];
	st->st_size = (off_t)f[3];
	st->st_mtim.tv_sec = (time_t)f[4];
	st->st_mtim.tv_nsec = (long)f[5];
	st->st_ctim.tv_sec = (time_t)f[6];
	st->st_ctim.tv_nsec = (long)f[7];
	return (unsigned long long)st->st_dev == f[0] &&
	    (unsigned long long)st->st_ino == f[1] &&
	    (unsigned long long)st->st_mode == f[2] && st->st_size >= 0 &&
	    (unsigned long long)st->st_size == f[3] && st->st_mtim.tv_sec >= 0 &&
	    (unsigned long long)st->st_mtim.tv_sec == f[4] && f[5] < 1000000000 &&
	    st->st_ctim.tv_sec >= 0 &&
	    (unsigned long long)st->st_ctim.tv_sec == f[6] && f[7] < 1000000000 &&
	    f[8] <= (unsigned long long)INT64_MAX ? 0 : -1;
}

/* 1 when rel is Done/<domain>/<YYYY-MM>: a directory the memo may count. */
static int done_month(const char *rel)
{
	const char *d = stage_dir[ST_DONE], *p;
	size_t dl = strlen(d);

	return !strncmp(rel, d, dl) && rel[dl] == '/' &&
	    (p = strchr(rel + dl + 1, '/')) &&
	    (size_t)(p - (rel + dl + 1)) <= AIE_NAME_MAX && month_valid(p + 1);
}

/* Keep key line (rel, st, count) in memo when it is a Done month
 * directory. -1 when out of memory. */
static int memo_add(struct statkeys *memo, const char *rel,
    const struct stat *st, unsigned long long count)
{
	if (!S_ISDIR(st->st_mode) || !done_month(rel))
		return 0;
	return statkeys_add(memo, rel, st, (json_int_t)count) < 0 ? -1 : 0;
}

/* The parent directory of the keys being checked. Keys come in the
 * order of the walk, a directory's files after it, so a run of files in
 * one directory is stat'ed relative to it: the kernel then looks up one
 * name per file instead of the whole path (a hit stats ~200 files). */
struct parent {
	char rel[1024];          /* of the last key with a '/' */
	size_t len;
	int fd;                  /* O_PATH of rel, once two keys share it */
};

static int key_stat_now(int dirfd, struct parent *pd, const char *rel,
    struct stat *st)
{
	const char *slash = strrchr(rel, '/');
	size_t n = slash ? (size_t)(slash - rel) : 0;

	if (!slash)
		return fstatat(dirfd, rel, st, AT_SYMLINK_NOFOLLOW);
	if (n != pd->len || memcmp(pd->rel, rel, n) != 0) {
		if (pd->fd >= 0)
			close(pd->fd);
		pd->fd = -1;
		memcpy(pd->rel, rel, n);
		pd->rel[n] = '\0';
		pd->len = n;
		return fstatat(dirfd, rel, st, AT_SYMLINK_NOFOLLOW);
	}
	if (pd->fd < 0 && (pd->fd = openat(dirfd, pd->rel, O_PATH |
	    O_DIRECTORY | O_CLOEXEC)) < 0)
		return fstatat(dirfd, rel, st, AT_SYMLINK_NOFOLLOW);
	return fstatat(pd->fd, slash + 1, st, AT_SYMLINK_NOFOLLOW);
}

const char *statcache_parse(int dirfd, const char *buf, size_t len,
    size_t *plen, unsigned char digest[STATCACHE_DIGEST],
    struct statkeys *memo)
{
	struct parent pd = { .len = 0, .fd = -1 };
	const char *r = NULL;
	int holds = 1;
	const char *p, *end, *nl;
	unsigned char sum[SEAL_DIGEST];
	unsigned long long nkeys, pl, i;
	size_t blen;

	if (!(p = seal_open(buf, len, STATCACHE_MAGIC, &blen, sum)))
		return NULL;
	end = p + blen;
	if (num(&p, end, ' ', &nkeys) < 0 || num(&p, end, '\n', &pl) < 0 ||
	    nkeys > KEYS_MAX || pl > PAYLOAD_MAX)
		return NULL;
	for (i = 0; i < nkeys; i++) {
		/* zeroed for gcc -fanalyzer, which cannot count the loop */
		unsigned long long f[FIELDS] = { 0 };
		struct stat kst, now;
		char rel[1024];
		size_t rl;
		int k;
		for (k = 0; k < FIELDS; k++)
			if (num(&p, end, ' ', &f[k]) < 0)
				goto out;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			goto out;
		rl = (size_t)(nl - p);
		if (!rl || rl >= sizeof rel || memchr(p, '\0', rl) || *p == '/')
			goto out;
		memcpy(rel, p, rl);
		rel[rl] = '\0';
		if (strstr(rel, "..") || key_stat(f, &kst) < 0)
			goto out;
		/* after the first change, only the memo is read on */
		if (holds && (key_stat_now(dirfd, &pd, rel, &now) < 0 ||
		    !statkey_same(&kst, &now))) {
			holds = 0;
			if (!memo)
				goto out;
		}
		if (memo && memo_add(memo, rel, &kst, f[8]) < 0)
			goto out;
		p = nl + 1;
	}
	if ((unsigned long long)(end - p) == pl && holds) {
		*plen = (size_t)pl;
		if (digest)
			memcpy(digest, sum, sizeof sum);
		r = p;
	}
out:
	if (pd.fd >= 0)
		close(pd.fd);
	return r;
}

/* The cached text, when the cache file holds for the vault as it is (the
 * payload is moved to the front of the file's buffer: no second copy);
 * digest: the file's checksum. On a miss, the Done months the file counted
 * are left in memo. */
static int cache_read(struct vault *v, const char *file, char **text,
    size_t *len, unsigned char digest[STATCACHE_DIGEST],
    struct statkeys *memo)
{
	const char *payload;
	char *buf;
	size_t blen, plen;

	if (seal_read(v, file, &buf, &blen) < 0)
		return -1;
	if (!(payload = statcache_parse(v->dirfd, buf, blen, &plen, digest,
	    memo))) {
		free(buf);
		return -1;
	}
	memmove(buf, payload, plen);
	buf[plen] = '\0';
	*text = buf;
	*len = plen;
	return 0;
}

/* 1 when every key is settled before t0 (see sealed.c). */
static int settled(const struct statkeys *ks, const struct timespec *t0)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!seal_settled(&ks->k[i].st, t0))
			return 0;
	return 1;
}

/* Write the cache file, its seal's sum into digest. */
static int cache_write(struct vault *v, const char *file,
    const struct statkeys *ks, const char *text, size_t len,
    unsigned char digest[STATCACHE_DIGEST])
{
	struct buf out = { 0 };
	size_t i;
	int r;

	seal_start(&out, STATCACHE_MAGIC);
	buf_addf(&out, "%zu %zu\n", ks->n, len);
	for (i = 0; i < ks->n; i++) {
		const struct stat *st = &ks->k[i].st;
		if (strchr(ks->k[i].rel, '\n')) {
			buf_free(&out);
			return aie_fail(EX_TEMP, "%s: a key with a newline: %s",
			    file, ks->k[i].rel);
		}
		buf_addf(&out, "%llu %llu %llu %llu %llu %llu %llu %llu %lld %s\n",
		    (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		    (unsigned long long)st->st_mode, (unsigned long long)st->st_size,
		    (unsigned long long)st->st_mtim.tv_sec,
		    (unsigned long long)st->st_mtim.tv_nsec,
		    (unsigned long long)st->st_ctim.tv_sec,
		    (unsigned long long)st->st_ctim.tv_nsec,
		    (long long)ks->k[i].count, ks->k[i].rel);
	}
	buf_add(&out, text, len);
	r = seal_write(v, file, STATCACHE_MAGIC, &out, digest);
	buf_free(&out);
	return r;
}

int statcache_cached(struct vault *v, int use, const char *file,
    statcache_walk walk, void *ctx, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how)
{
	struct statkeys ks = { 0 }, memo = { 0 };
	struct timespec t0;
	int r = -1;

	*how = SC_OFF;
	if (sodium_init() < 0)
		return aie_fail(EX_TEMP, "libsodium cannot start");
	if (use && cache_read(v, file, text, len, digest, &memo) == 0) {
		*how = SC_HIT;
		statkeys_free(&memo);
		return 0;
	}
	if (use)
		*how = SC_MISS;
	if (clock_gettime(CLOCK_REALTIME, &t0) < 0)
		use = 0;
	ks.memo = memo.k;
	ks.nmemo = memo.n;
	if (walk(v, use ? &ks : NULL, text, len, ctx) < 0)
		goto out;
	/* A written walk's digest is the one later hits give (the same ETag);
	 * a failure to write is only a miss later. */
	if (!use || ks.unsure || !settled(&ks, &t0) ||
	    cache_write(v, file, &ks, *text, *len, digest) < 0)
		seal_sum(*text, *len, digest);
	r = 0;
out:
	statkeys_free(&ks);
	statkeys_free(&memo);
	return r;
}

static int status_walk(struct vault *v, struct statkeys *keys, char **text,
    size_t *len, void *ctx)
{
	(void)ctx;
	return status_core(v, keys, text, len);
}

int statcache_get(struct vault *v, int use, char **text, size_t *len,
    unsigned char digest[STATCACHE_DIGEST], enum statcache_result *how)
{
	return statcache_cached(v, use, STATCACHE_FILE, status_walk, NULL, text,
	    len, digest, how);
}
