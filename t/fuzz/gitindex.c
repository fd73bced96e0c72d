/*
 * gitindex.c - fuzz the reader of .git/index a one-shot vault-sync cycle
 * uses (lib/sync/indexmap.c, through sync_index_read). The seed corpus is
 * index files git made: version 2 with and without a cache tree, one whose
 * cache tree a change made invalid, an empty index (its cache tree valid,
 * and not), one with a conflict, version 3 (an intent-to-add entry) and
 * version 4. The input is the whole
 * file, in a buffer of exactly its size, so any read past its end is an
 * ASan report. Properties: the answer is -1, 0 or 1; an index read
 * starts "DIRC", is of version 2 or 3 and holds the entries its header
 * counts, no more than fit in it (each at least 64 bytes, after the 12 of
 * the header and before the 20 of the checksum); a cache tree is found
 * only in an input that holds "TREE"; reading the same bytes again gives
 * the same answer.
 */
#include "fuzz.h"
#include "sync/sync.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size ? size : 1), tree[20], tree2[20];
	size_t n, n2;
	int r, r2;

	if (!buf)
		fz_fail("out of memory");
	if (size)
		memcpy(buf, data, size);
	r = sync_index_read(buf, size, &n, tree);
	if (r < -1 || r > 1)
		fz_fail("answer %d", r);
	if (r >= 0 && (size < 32 || n > (size - 32) / 64))
		fz_fail("%zu entries read from %zu bytes", n, size);
	if (r >= 0 && (memcmp(buf, "DIRC", 4) != 0 ||
	    (be32(buf + 4) != 2 && be32(buf + 4) != 3) || be32(buf + 8) != n))
		fz_fail("read an index whose header does not say so");
	if (r == 0 && !memmem(buf, size, "TREE", 4))
		fz_fail("a cache tree with no TREE extension");
	if (r < 0 && n != 0)
		fz_fail("%zu entries from an index not read", n);
	r2 = sync_index_read(buf, size, &n2, tree2);
	if (r2 != r || n2 != n || (r == 0 && memcmp(tree, tree2, 20) != 0))
		fz_fail("a second read differs: %d/%zu, then %d/%zu", r, n,
		    r2, n2);
	free(buf);
	return 0;
}
