/*
 * packwrite.c - the pack a cycle writes, or a copy to or from a path
 * remote (packcopy.c), with each object stored, not compressed, and its
 * index (see vault-sync(1)).
 *
 * libgit2's packbuilder deflated every object and then had its indexer
 * read the pack back, inflate each object again and hash it: most of the
 * CPU of a --watch cycle's commit, for a pack of a cycle's few objects
 * that a repack (in a child, in the background) rewrites compressed and
 * deltified anyway. Here each object is written as a zlib stream of
 * stored blocks (RFC 1950/1951: what any zlib reads, git's and libgit2's
 * included), its ID known already, and the index (version 2: fan-out,
 * sorted IDs, CRC-32s, offsets, the pack's SHA-1, its own) is made from
 * what was written. The checksums are zlib's (CRC-32, Adler-32) and
 * OpenSSL's (SHA-1, with the CPU's SHA instructions), libraries libgit2
 * and libcurl load anyway: portable ones of our own took 16 ms for the
 * 2 MB a cycle of 20 changed 50 kB notes writes. The pack goes to a
 * temporary name in objects/pack, is fsynced and renamed, and only then
 * is its index written (file_writeat: a temporary file, fsynced,
 * renamed, the folder fsynced): the index is what makes a pack seen. The
 * pack is named, as git names it, by its checksum.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "vault/vault.h"
#include "internal.h"

struct entry {
	git_oid id;
	uint64_t offset;
	uint32_t crc;
};

struct out {
	int fd;
	EVP_MD_CTX *sum;
	uint64_t offset;
	uint32_t crc;
	unsigned char buf[65536];
	size_t n;
};

static int flush(struct out *o)
{
	if (fd_write_all(o->fd, o->buf, o->n) < 0)
		return -1;
	o->n = 0;
	return 0;
}

/* Bytes of the pack: summed, counted into the entry's CRC, buffered. */
static int put(struct out *o, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	if (EVP_DigestUpdate(o->sum, p, n) != 1)
		return -1;
	o->crc = (uint32_t)crc32_z(o->crc, p, n);
	o->offset += n;
	while (n) {
		if (o->n == sizeof o->buf && flush(o) < 0)
			return -1;
		take = sizeof o->buf - o->n < n ? sizeof o->buf - o->n : n;
		memcpy(o->buf + o->n, p, take);
		o->n += take;
		p += take;
		n -= take;
	}
	return 0;
}

/* One object: its type and size, then a zlib stream of stored blocks. */
static int put_object(struct out *o, git_object_t type, const unsigned char *data,
    size_t size)
{
	unsigned char h[16], *p = h, blk[5];
	size_t s = size, off = 0, len;
	uint32_t ad;
	int last;

	*p = (unsigned char)((type & 7) << 4 | (s & 15));
	for (s >>= 4; s; s >>= 7) {
		*p++ |= 0x80;
		*p = s & 0x7f;
	}
	p++;
	h[(p - h)] = 0x78;      /* deflate, 32 kB window; fastest level */
	h[(p - h) + 1] = 0x01;
	if (put(o, h, (size_t)(p - h) + 2) < 0)
		return -1;
	do {
		len = size - off > 65535 ? 65535 : size - off;
		last = off + len == size;
		blk[0] = (unsigned char)last;
		blk[1] = len & 0xff;
		blk[2] = len >> 8;
		blk[3] = ~len & 0xff;
		blk[4] = (~len >> 8) & 0xff;
		if (put(o, blk, 5) < 0 || put(o, data + off, len) < 0)
			return -1;
		off += len;
	} while (!last);
	ad = (uint32_t)adler32_z(1, data, size);
	blk[0] = ad >> 24;
	blk[1] = ad >> 16;
	blk[2] = ad >> 8;
	blk[3] = ad & 0xff;
	return put(o, blk, 4);
}

static int by_id(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct entry *)a)->id,
	    &((const struct entry *)b)->id);
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

/* The index of the n entries (sorted, distinct) of the pack whose
 * checksum is sum: a buffer of *len bytes to free, or NULL. */
static unsigned char *make_index(const struct entry *e, size_t n,
    const unsigned char sum[20], size_t *len)
{
	size_t nlarge = 0, i, at;
	unsigned char *b;
	EVP_MD_CTX *s;
	uint32_t fan = 0;
	int ok, k;

	for (i = 0; i < n; i++)
		nlarge += e[i].offset >= 0x80000000u;
	*len = 8 + 256 * 4 + n * (20 + 4 + 4) + nlarge * 8 + 40;
	if (!(b = malloc(*len)))
		return NULL;
	memcpy(b, "\377tOc\0\0\0\2", 8);
	for (k = 0, i = 0; k < 256; k++) {
		while (i < n && e[i].id.id[0] == k)
			i++, fan++;
		be32(b + 8 + 4 * k, fan);
	}
	at = 8 + 256 * 4;
	for (i = 0; i < n; i++, at += 20)
		memcpy(b + at, e[i].id.id, 20);
	for (i = 0; i < n; i++, at += 4)
		be32(b + at, e[i].crc);
	for (i = 0, nlarge = 0; i < n; i++, at += 4)
		be32(b + at, e[i].offset < 0x80000000u ? (uint32_t)e[i].offset :
		    0x80000000u | (uint32_t)nlarge++);
	for (i = 0; i < n; i++)
		if (e[i].offset >= 0x80000000u) {
			be32(b + at, (uint32_t)(e[i].offset >> 32));
			be32(b + at + 4, (uint32_t)e[i].offset);
			at += 8;
		}
	memcpy(b + at, sum, 20);
	at += 20;
	ok = (s = EVP_MD_CTX_new()) &&
	    EVP_DigestInit_ex(s, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(s, b, at) == 1 &&
	    EVP_DigestFinal_ex(s, b + at, NULL) == 1;
	EVP_MD_CTX_free(s);
	if (!ok) {
		free(b);
		return NULL;
	}
	return b;
}

static int tmpfile_in(int dfd, char name[32], const char *prefix)
{
	int fd, tries;

	for (tries = 0; tries < 100; tries++) {
		snprintf(name, 32, "tmp_%s_%d_%08x", prefix, (int)getpid(),
		    (unsigned)random());
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0444);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int packwrite(git_odb *odb, const git_oid *ids, size_t nids,
    const char *packdir, char name[GIT_OID_HEXSZ + 1])
{
	struct entry *e = NULL;
	struct out *o = NULL;
	git_odb_object *obj = NULL;
	unsigned char head[12], sum[20], *idx = NULL;
	char tpack[32] = "", final[GIT_OID_HEXSZ + 16];
	size_t n = 0, i, idxlen;
	int dfd, r = -1;
	git_oid packid;

	if ((dfd = open(packdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s", packdir);
	if (!(e = malloc((nids ? nids : 1) * sizeof *e)) ||
	    !(o = calloc(1, sizeof *o))) {
		aie_fail_errno(EX_TEMP, "%s", packdir);
		goto out;
	}
	o->fd = -1;
	for (i = 0; i < nids; i++)
		e[i].id = ids[i];
	qsort(e, nids, sizeof *e, by_id);
	for (i = 0; i < nids; i++)
		if (!n || !git_oid_equal(&e[n - 1].id, &e[i].id))
			e[n++] = e[i];
	if ((o->fd = tmpfile_in(dfd, tpack, "pack")) < 0) {
		tpack[0] = '\0';
		aie_fail_errno(EX_TEMP, "%s: a new pack", packdir);
		goto out;
	}
	if (!(o->sum = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(o->sum, EVP_sha1(), NULL) != 1) {
		aie_fail(EX_TEMP, "%s: SHA-1 of the pack: out of memory", packdir);
		goto out;
	}
	memcpy(head, "PACK\0\0\0\2", 8);
	be32(head + 8, (uint32_t)n);
	if (put(o, head, sizeof head) < 0)
		goto write_failed;
	for (i = 0; i < n; i++) {
		if (git_odb_read(&obj, odb, &e[i].id) < 0) {
			char hex[GIT_OID_HEXSZ + 1];
			aie_fail(EX_TEMP, "object %s: %s",
			    git_oid_tostr(hex, sizeof hex, &e[i].id), git_errstr());
			goto out;
		}
		e[i].offset = o->offset;
		o->crc = 0;
		if (put_object(o, git_odb_object_type(obj),
		    git_odb_object_data(obj), git_odb_object_size(obj)) < 0)
			goto write_failed;
		e[i].crc = o->crc;
		git_odb_object_free(obj);
		obj = NULL;
	}
	if (EVP_DigestFinal_ex(o->sum, sum, NULL) != 1)
		goto write_failed;
	/* the checksum itself is not summed */
	if (o->n + 20 > sizeof o->buf && flush(o) < 0)
		goto write_failed;
	memcpy(o->buf + o->n, sum, 20);
	o->n += 20;
	if (flush(o) < 0 || fsync(o->fd) < 0)
		goto write_failed;
	git_oid_fromraw(&packid, sum);
	git_oid_tostr(name, GIT_OID_HEXSZ + 1, &packid);
	if (!(idx = make_index(e, n, sum, &idxlen))) {
		aie_fail(EX_TEMP, "%s: the index of a new pack: out of memory",
		    packdir);
		goto out;
	}
	snprintf(final, sizeof final, "pack-%s.pack", name);
	if (renameat(dfd, tpack, dfd, final) < 0) {
		aie_fail_errno(EX_TEMP, "%s/%s", packdir, final);
		goto out;
	}
	tpack[0] = '\0';
	/* the index last (it makes the pack seen), through a temporary
	 * file, then the folder fsynced: both names on disk */
	snprintf(final, sizeof final, "pack-%s.idx", name);
	if (file_writeat(dfd, final, (const char *)idx, idxlen, 0444) < 0) {
		aie_fail(aie_errcode, "%s/%s", packdir, aie_errmsg);
		goto out;
	}
	r = 0;
	goto out;
write_failed:
	aie_fail_errno(EX_TEMP, "%s/%s", packdir, tpack);
out:
	git_odb_object_free(obj);
	if (o && o->fd >= 0)
		close(o->fd);
	if (tpack[0])
		unlinkat(dfd, tpack, 0);
	free(idx);
	if (o)
		EVP_MD_CTX_free(o->sum);
	free(o);
	free(e);
	close(dfd);
	return r;
}
