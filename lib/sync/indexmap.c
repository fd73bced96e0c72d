/*
 * indexmap.c - the reader of .git/index for unchanged.c: the file mapped
 * and read in place, each entry found and checked, and the tree its cache
 * tree (the TREE extension) names. Its checksum is not verified (git
 * itself verifies it only in git fsck), so every length, count and offset
 * in it is checked against the bytes there are: whatever the file holds,
 * nothing past its end is read (fuzzed: t/fuzz/gitindex.c).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Index versions 2 and 3 (4 compresses paths): every entry a file or
 * symlink at stage 0 with no flag that changes how git reads it (assume
 * valid, skip-worktree, intent-to-add), paths in order. 0 or -1. */
int index_parse(struct index_map *m)
{
	size_t off = 12, end, i, n, fixed, len;
	unsigned ver, flags;
	uint32_t mode;

	m->off = NULL;
	m->n = 0;
	if (m->size < 12 + 20 || m->size > UINT32_MAX ||
	    memcmp(m->p, "DIRC", 4) != 0)
		return -1;
	end = m->size - 20;     /* the checksum */
	ver = index_be32(m->p + 4);
	n = index_be32(m->p + 8);
	if ((ver != 2 && ver != 3) || n > end / 64)
		return -1;
	if (!(m->off = malloc((n ? n : 1) * sizeof *m->off)))
		return -1;
	for (i = 0; i < n; i++) {
		const unsigned char *e = m->p + off;
		if (end - off < 64)
			return -1;
		flags = index_be16(e + 60);
		mode = index_be32(e + 24);
		if ((flags & 0xb000) || (mode != 0100644 && mode != 0100755 &&
		    mode != 0120000))
			return -1;
		fixed = 62;
		if (flags & 0x4000) {
			if (ver < 3 || index_be16(e + 62) != 0)
				return -1;
			fixed = 64;
		}
		len = strnlen((const char *)e + fixed, end - off - fixed);
		if (len == 0 || len >= end - off - fixed ||
		    (len != (flags & 0xfff) && (len < 0xfff ||
		    (flags & 0xfff) != 0xfff)) ||
		    ((fixed + len + 8) & ~(size_t)7) > end - off)
			return -1;
		m->off[i] = (uint32_t)off;
		if (i && strcmp(index_path(m, i - 1), index_path(m, i)) >= 0)
			return -1;
		off += (fixed + len + 8) & ~(size_t)7;
	}
	m->n = n;
	m->ext = off;
	return 0;
}

/* The root of a TREE extension: "" NUL, the entries it covers (-1:
 * invalid), SP, its subtrees, LF, the tree's id. Only the root is read
 * (its subtrees follow it, and are not needed). 0 when valid and covering
 * all n entries, else -1. */
static int tree_root(const unsigned char *d, size_t len, size_t n,
    git_oid *tree)
{
	const unsigned char *p = d + 1, *end = d + len;
	size_t count = 0;

	if (len < 1 || d[0] != '\0')
		return -1;
	/* count stays at most n * 10 + 9: no overflow */
	while (p < end && *p >= '0' && *p <= '9' && count <= n)
		count = count * 10 + (size_t)(*p++ - '0');
	if (p == d + 1 || count != n || p == end || *p++ != ' ')
		return -1;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == end || *p++ != '\n' || end - p < GIT_OID_RAWSZ)
		return -1;
	git_oid_fromraw(tree, p);
	return 0;
}

/* An extension whose name is not upper case must be understood to read
 * the index ("link": a split index, whose entries are elsewhere): -1, as
 * for no valid tree. */
int index_tree(const struct index_map *m, git_oid *tree)
{
	size_t off = m->ext, end = m->size - 20, at = 0, len = 0;
	int found = 0;

	while (end - off >= 8) {
		const unsigned char *x = m->p + off;
		size_t n = index_be32(x + 4);
		if (x[0] < 'A' || x[0] > 'Z' || n > end - off - 8)
			return -1;
		if (memcmp(x, "TREE", 4) == 0) {
			found = 1;
			at = off + 8;
			len = n;
		}
		off += 8 + n;
	}
	if (off != end || !found)
		return -1;
	return tree_root(m->p + at, len, m->n, tree);
}

int index_map_open(struct index_map *m, const char *path)
{
	struct stat st;
	void *map = MAP_FAILED;
	int fd;

	memset(m, 0, sizeof *m);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	m->p = map;
	m->size = (size_t)st.st_size;
	m->mtime = st.st_mtim;
	return 0;
}

void index_map_close(struct index_map *m)
{
	if (m->p)
		munmap((void *)m->p, m->size);
	free(m->off);
	memset(m, 0, sizeof *m);
}

int sync_index_read(const unsigned char *buf, size_t len, size_t *entries,
    unsigned char tree[20])
{
	struct index_map m = { .p = buf, .size = len };
	git_oid id;
	int r = -1;

	*entries = 0;
	if (index_parse(&m) == 0) {
		*entries = m.n;
		r = 1;
		if (index_tree(&m, &id) == 0) {
			memcpy(tree, id.id, GIT_OID_RAWSZ);
			r = 0;
		}
	}
	free(m.off);
	return r;
}
