/*
 * packwrite.c - a pack file of whole objects, handed to libgit2's indexer
 * as it is made (packcopy.c: the push to and fetch from a path remote).
 *
 * git_packbuilder compressed every object with zlib's default level and
 * indexed a delta search over them: of the 70 ms CPU its two packs took
 * in a cycle that merges and pushes 20 changed notes of 10,000, deflate
 * was 40% and the delta index 20%, for objects whose best delta base
 * (their previous version) the pack cannot name anyway. Here each object
 * goes in whole, in zlib's stored blocks (the format's framing without
 * compression): a larger pack for a while, until the repack compresses
 * and deltifies it (repack.c, in its own process). The indexer still
 * hashes every object it is given and checks the pack's checksum.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

enum { STORED_MAX = 65535 };    /* the most a stored block holds */

struct pw {
	git_indexer *ix;
	git_indexer_progress stats;
	struct sha1 sum;
	unsigned char buf[1 << 16];
	size_t used;
};

static int pw_flush(struct pw *w)
{
	if (w->used && git_indexer_append(w->ix, w->buf, w->used,
	    &w->stats) < 0)
		return -1;
	w->used = 0;
	return 0;
}

static int pw_put(struct pw *w, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t take;

	sha1_update(&w->sum, p, n);
	while (n) {
		if (w->used == sizeof w->buf && pw_flush(w) < 0)
			return -1;
		take = sizeof w->buf - w->used < n ? sizeof w->buf - w->used : n;
		memcpy(w->buf + w->used, p, take);
		w->used += take;
		p += take;
		n -= take;
	}
	return 0;
}

static uint32_t adler32(const unsigned char *p, size_t n)
{
	uint32_t a = 1, b = 0;
	size_t k;

	while (n) {
		k = n < 5552 ? n : 5552;        /* no overflow before the mod */
		n -= k;
		while (k--) {
			a += *p++;
			b += a;
		}
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}

/* One object: its type and size, then its bytes as a zlib stream of
 * stored blocks. */
static int pw_object(struct pw *w, git_object_t type, const unsigned char *p,
    size_t n)
{
	unsigned char h[16], blk[5];
	size_t k = 0, len = n, take;
	uint32_t sum = adler32(p, n);

	h[k] = (unsigned char)(type << 4 | (len & 15));
	for (len >>= 4; len; len >>= 7) {
		h[k++] |= 0x80;
		h[k] = len & 0x7f;
	}
	h[++k] = 0x78;          /* deflate, 32 KB window */
	h[++k] = 0x01;          /* no dictionary; the header's check bits */
	if (pw_put(w, h, k + 1) < 0)
		return -1;
	do {
		take = n < STORED_MAX ? n : STORED_MAX;
		blk[0] = take == n;     /* the last block */
		blk[1] = take & 0xff;
		blk[2] = take >> 8;
		blk[3] = ~take & 0xff;
		blk[4] = (~take >> 8) & 0xff;
		if (pw_put(w, blk, 5) < 0 || pw_put(w, p, take) < 0)
			return -1;
		p += take;
		n -= take;
	} while (n);
	blk[0] = sum >> 24;
	blk[1] = sum >> 16 & 0xff;
	blk[2] = sum >> 8 & 0xff;
	blk[3] = sum & 0xff;
	return pw_put(w, blk, 4);
}

/* fsync what the indexer wrote, then the folder's names. */
static int sync_pack(const char *what, const char *dir, const char *name)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char file[120];
	int dfd, fd, k, r = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s: %s", what, dir);
	for (k = 0; k < 2; k++) {
		snprintf(file, sizeof file, "pack-%s%s", name, ext[k]);
		if ((fd = openat(dfd, file, O_RDONLY | O_CLOEXEC)) < 0 ||
		    fsync(fd) < 0) {
			aie_fail_errno(EX_TEMP, "%s: %s/%s", what, dir, file);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	if (fsync(dfd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: %s", what, dir);
		goto out;
	}
	r = 0;
out:
	close(dfd);
	return r;
}

int pack_write(const char *what, git_odb *from, const git_oid *ids, size_t n,
    const char *dir)
{
	static struct pw w;     /* 64 KB: not on the stack */
	git_odb_object *o = NULL;
	unsigned char head[12] = { 'P', 'A', 'C', 'K', 0, 0, 0, 2 }, sum[20];
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int r = -1;

	memset(&w, 0, sizeof w);
	sha1_init(&w.sum);
	if (git_indexer_new(&w.ix, dir, 0, NULL, NULL) < 0)
		return aie_fail(EX_TEMP, "%s: %s: %s", what, dir, git_errstr());
	head[8] = (unsigned char)(n >> 24);
	head[9] = (unsigned char)(n >> 16);
	head[10] = (unsigned char)(n >> 8);
	head[11] = (unsigned char)n;
	if (pw_put(&w, head, sizeof head) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (git_odb_read(&o, from, &ids[i]) < 0) {
			aie_fail(EX_TEMP, "%s: object %s: %s", what,
			    git_oid_tostr(hex, sizeof hex, &ids[i]),
			    git_errstr());
			goto out;
		}
		if (pw_object(&w, git_odb_object_type(o),
		    git_odb_object_data(o), git_odb_object_size(o)) < 0)
			goto fail;
		git_odb_object_free(o);
		o = NULL;
	}
	sha1_final(&w.sum, sum);       /* which it does not sum itself */
	if (sizeof w.buf - w.used < sizeof sum && pw_flush(&w) < 0)
		goto fail;
	memcpy(w.buf + w.used, sum, sizeof sum);
	w.used += sizeof sum;
	if (pw_flush(&w) < 0 || git_indexer_commit(w.ix, &w.stats) < 0)
		goto fail;
	r = sync_pack(what, dir, git_indexer_name(w.ix));
	goto out;
fail:
	aie_fail(EX_TEMP, "%s: write %s: %s", what, dir, git_errstr());
out:
	git_odb_object_free(o);
	git_indexer_free(w.ix);
	return r;
}
