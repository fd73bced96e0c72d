/*
 * repack.h - keep a repository's pack count bounded (vault-sync): every
 * fetch or push over a path remote leaves one more pack, and libgit2
 * never collects them. A repack writes one new pack with git_packbuilder
 * and removes the packs (and loose objects) it replaces only once the new
 * pack and its index are on disk and fsynced.
 */
#ifndef AIE_REPACK_H
#define AIE_REPACK_H

#include <git2.h>

struct repack_result {
	int packs_before, packs_after;
	int loose;               /* loose objects packed and removed */
	size_t objects;          /* objects in the new pack */
	int full;                /* every pack rewritten, not only the small */
};

/* Packs in the objects directory of the repository at gitdir (.git/ or
 * a bare repository): -1 when it cannot be read. */
int repack_count(const char *gitdir);

/*
 * When the repository holds more than max packs (max 0: never), write one
 * pack holding the objects of every pack but the largest and the loose
 * objects (or, once those outweigh half of the largest, of every pack),
 * fsync it, then remove what it replaces. Nothing reachable or not is
 * dropped: every object of a replaced pack is in the new one. The caller
 * holds the lock that keeps other writers of this repository out.
 * 0 (rr->packs_before == rr->packs_after when nothing was needed) or -1
 * (75) with aie_errmsg; on failure nothing is removed.
 */
int repack_maybe(git_repository *repo, int max, struct repack_result *rr);

#endif
