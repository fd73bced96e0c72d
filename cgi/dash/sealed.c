/*
 * sealed.c - the one way the CGIs' caches keep a file in .state/<agent>/
 * (statcache.c, actcache.c and cgi/pages/doccache.c; see dash.h).
 *
 * A sealed file's first line is its cache's magic (a name and a format
 * version) and the lowercase hex seal_sum of everything after that line.
 * It is built in one buffer (seal_start leaves the sum blank, seal_close
 * fills it in: the body is never copied) and written whole as a
 * temporary file renamed over the old one (file_writeat), so a reader
 * sees a whole old or a whole new file. It is believed only when its
 * first line is exactly the one seal_close would write for the rest: a
 * cut, damaged or foreign file (another cache's, another format's) is a
 * miss, and the cache writes it again. Failing to write it is only a
 * miss later.
 *
 * What a cache's body is keyed by is its own business, with two rules
 * kept here because more than one cache keys so. seal_prog is the
 * program: VERSION and the running executable's device, inode and mtime,
 * so a rebuilt program of the same VERSION does not trust what the old
 * one wrote. seal_settled is the rule that keeps a key made of a file's
 * stat() from going stale: file times come from the kernel's coarse
 * clock (a tick of a few ms; whole seconds on some file systems, two on
 * FAT), so two changes within one tick leave the same mtime, and a read
 * between them would be kept under a key the second change does not
 * alter. Every key is stat'ed before what it guards is read, and kept
 * only when its mtime is SEAL_SETTLE seconds older than the moment the
 * reading started: a change after that moment gets a newer mtime.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "base/base.h"
#include "dash/dash.h"

#define SEAL_SETTLE 2            /* seconds; see the top comment */
#define HEX (2 * SEAL_DIGEST)    /* hex digits of the sum on the first line */

/* Little-endian 64-bit word at p. */
static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* MurmurHash3's finalizer: every bit of h moves every bit of the result. */
static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

void seal_sum(const void *data, size_t n, unsigned char out[SEAL_DIGEST])
{
	const unsigned char *p = data;
	unsigned char tail[16] = { 0 };
	uint64_t a = 0x243f6a8885a308d3ULL, b = 0x13198a2e03707344ULL;
	size_t i, rest = n % 16;

	for (i = 0; i <= n - rest; i += 16) {
		const unsigned char *w = p + i;
		if (i == n - rest) {            /* the last, zero-padded block */
			memcpy(tail, p + i, rest);
			w = tail;
		}
		a = (a ^ le64(w)) * 0x9e3779b97f4a7c15ULL;
		a ^= a >> 29;
		b = (b ^ le64(w + 8)) * 0xc2b2ae3d27d4eb4fULL;
		b ^= b >> 31;
	}
	a = fmix64(a ^ n);
	b = fmix64(b ^ n ^ a);
	for (i = 0; i < 8; i++) {
		out[i] = (unsigned char)(a >> 8 * i);
		out[8 + i] = (unsigned char)(b >> 8 * i);
	}
}

/* The sum of the body (n bytes) into sum, and as the first line has it
 * into hex. */
static void body_sum(const char *body, size_t n,
    unsigned char sum[SEAL_DIGEST], char hex[HEX + 1])
{
	seal_sum(body, n, sum);
	sodium_bin2hex(hex, HEX + 1, sum, SEAL_DIGEST);
}

const char *seal_open(const char *buf, size_t len, const char *magic,
    size_t *blen, unsigned char digest[SEAL_DIGEST])
{
	unsigned char sum[SEAL_DIGEST];
	char hex[HEX + 1];
	size_t m = strlen(magic), top = m + HEX + 1;

	if (len < top || memcmp(buf, magic, m) || buf[top - 1] != '\n')
		return NULL;
	body_sum(buf + top, len - top, sum, hex);
	if (memcmp(buf + m, hex, HEX))
		return NULL;
	if (digest)
		memcpy(digest, sum, sizeof sum);
	*blen = len - top;
	return buf + top;
}

void seal_start(struct buf *b, const char *magic)
{
	buf_addf(b, "%s%*s\n", magic, HEX, "");
}

int seal_close(struct buf *b, const char *magic,
    unsigned char digest[SEAL_DIGEST])
{
	unsigned char sum[SEAL_DIGEST];
	char hex[HEX + 1];
	size_t m = strlen(magic), top = m + HEX + 1;

	if (b->oom || b->len < top)
		return -1;
	body_sum(b->p + top, b->len - top, sum, hex);
	memcpy(b->p + m, hex, HEX);
	if (digest)
		memcpy(digest, sum, sizeof sum);
	return 0;
}

/* The vault path of file in .state/<agent>/ into rel: 0, or -1 with
 * aie_errmsg when it does not fit. */
static int seal_rel(struct vault *v, const char *file, char *rel,
    size_t size)
{
	if ((size_t)snprintf(rel, size, ".state/%s/%s", v->agent, file) >= size)
		return aie_fail(EX_DATA, ".state/%s/%s: path too long", v->agent,
		    file);
	return 0;
}

int seal_read(struct vault *v, const char *file, char **buf, size_t *len)
{
	char rel[256];

	if (seal_rel(v, file, rel, sizeof rel) < 0)
		return -1;
	return file_readat(v->dirfd, rel, buf, len);
}

int seal_write(struct vault *v, const char *file, const char *magic,
    struct buf *b, unsigned char digest[SEAL_DIGEST])
{
	char rel[256], dir[256];
	const char *slash = strrchr(file, '/');

	if (seal_rel(v, file, rel, sizeof rel) < 0)
		return -1;
	if (seal_close(b, magic, digest) < 0)
		return aie_fail(EX_TEMP, "%s: out of memory", rel);
	if (vault_statedir(v, dir, sizeof dir) < 0)
		return -1;
	if (slash) {            /* the cache's own folder in .state/<agent>/ */
		size_t n = strlen(rel) - strlen(slash);
		memcpy(dir, rel, n);
		dir[n] = '\0';
		if (mkdirat(v->dirfd, dir, 0700) < 0 && errno != EEXIST)
			return aie_fail_errno(EX_TEMP, "%s", dir);
	}
	return file_writeat(v->dirfd, rel, b->p, b->len, 0600);
}

int seal_prog(char *out, size_t size)
{
	struct stat st;

	if (stat("/proc/self/exe", &st) < 0)
		return aie_fail_errno(EX_TEMP, "/proc/self/exe");
	if ((size_t)snprintf(out, size, "%s %llu %llu %lld %ld", VERSION,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) >= size)
		return aie_fail(EX_DATA, "the program's key is too long");
	return 0;
}

int seal_settled(const struct stat *st, const struct timespec *t0)
{
	const struct timespec *m = &st->st_mtim;

	return m->tv_sec < t0->tv_sec - SEAL_SETTLE ||
	    (m->tv_sec == t0->tv_sec - SEAL_SETTLE && m->tv_nsec < t0->tv_nsec);
}
