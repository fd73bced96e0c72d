/*
 * cyclepack.c - the objects a cycle's commit makes (its blobs, trees and
 * the commit), and a merge's, held in memory until they are written
 * once, as one pack, before anything on disk names them (see
 * vault-sync(1)).
 *
 * libgit2 wrote each as a loose object: a compressed file of its own
 * (about 35 a cycle of 20 changed notes in 12 folders), a new inode each,
 * then read back and compressed again into the pack of the push. In a
 * --watch cycle of 20 changes that was a third of the CPU (perf: the
 * stage's creates 13 %, the commit's loose trees 13 %, the push's pack
 * 19 %). Now, from the first file staged (or the start of a merge), the
 * repository's odb has an in-memory backend (libgit2's mempack) in front;
 * the commit is made without moving HEAD; the objects it adds are written
 * as one pack into .git/objects/pack, it and its index fsynced, and only
 * then are the index and HEAD written (a merge's: the checkout). The push
 * to a path remote links that pack (packlink.c). A cycle that fails or
 * is killed first leaves nothing on disk that names what was in memory.
 * A big file is not held (cyclepack_room), and a repository with
 * alternates keeps libgit2's own odb: their objects go loose, as before. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "vault/vault.h"
#include "internal.h"

/* What a cycle holds in memory at most: a bigger file, or more in all,
 * and the rest of the cycle writes its objects as libgit2 does (a file
 * is streamed into a loose object, not held whole). */
#define CYCLEPACK_FILE_MAX ((off_t)1 << 20)
#define CYCLEPACK_MAX      ((size_t)4 << 20)

int cyclepack_begin(struct sync *s)
{
	git_odb_backend *mem = NULL, *packs = NULL, *loose = NULL;
	git_odb *disk = NULL, *odb = NULL;
	char dir[4200], alt[4300];
	int n;

	if (s->mem)
		return 0;
	n = snprintf(dir, sizeof dir, "%sobjects",
	    git_repository_commondir(s->repo));
	if (n < 0 || (size_t)n >= sizeof dir)
		return aie_fail(EX_TEMP, "%s: path too long",
		    git_repository_commondir(s->repo));
	snprintf(alt, sizeof alt, "%s/info/alternates", dir);
	if (access(alt, F_OK) == 0)
		return 0;
	if (git_repository_odb(&disk, s->repo) < 0 || git_odb_new(&odb) < 0)
		goto fail;
	/* each backend is the odb's once added; the writable one of the
	 * highest priority takes every write */
	if (git_mempack_new(&mem) < 0 || git_odb_add_backend(odb, mem, 3) < 0)
		goto fail;
	s->mem = mem;
	mem = NULL;
	if (git_odb_backend_pack(&packs, dir) < 0 ||
	    git_odb_add_backend(odb, packs, 2) < 0)
		goto fail;
	packs = NULL;
	if (git_odb_backend_loose(&loose, dir, -1, 0, 0, 0) < 0 ||
	    git_odb_add_backend(odb, loose, 1) < 0)
		goto fail;
	git_repository_set_odb(s->repo, odb);
	git_odb_free(odb);      /* the repository holds it now */
	s->disk = disk;
	s->memsize = 0;
	s->nmemids = 0;
	return 0;
fail:
	aie_fail(EX_TEMP, "%s: objects in memory: %s", dir, git_errstr());
	if (mem)
		mem->free(mem);
	if (packs)
		packs->free(packs);
	if (loose)
		loose->free(loose);
	git_odb_free(odb);
	git_odb_free(disk);
	s->mem = NULL;
	return -1;
}

int cyclepack_write(struct sync *s, const git_oid *commit,
    const git_oid *parents, size_t nparents)
{
	struct packcopy c;
	int r = -1;

	if (!s->mem)
		return 0;
	if (packcopy_open_odb(&c, "commit", s->repo, s->disk) < 0)
		return -1;
	if (packcopy_commits(&c, commit, parents, nparents) == 0 &&
	    (!packcopy_count(&c) || packcopy_write(&c, s->repo) == 0))
		r = 0;
	packcopy_close(&c);
	return r;
}

void cyclepack_end(struct sync *s)
{
	if (!s->mem)
		return;
	/* the odb of before: the in-memory one goes, with what it held */
	git_repository_set_odb(s->repo, s->disk);
	git_odb_free(s->disk);
	s->disk = NULL;
	s->mem = NULL;
	s->nmemids = 0;
}

int cyclepack_room(struct sync *s, off_t size)
{
	struct packcopy c;
	size_t i;
	int r = -1;

	if (!s->mem)
		return 0;
	if (size <= CYCLEPACK_FILE_MAX &&
	    s->memsize + (size_t)size <= CYCLEPACK_MAX) {
		s->memsize += (size_t)size;
		return 0;
	}
	/* the blobs staged so far are all it holds: no tree or commit is
	 * written before the stage ends */
	if (s->nmemids) {
		if (packcopy_open_odb(&c, "stage", s->repo, s->disk) < 0)
			return -1;
		for (i = 0; i < s->nmemids; i++)
			if (packcopy_add(&c, &s->memids[i]) < 0)
				break;
		if (i == s->nmemids && (!packcopy_count(&c) ||
		    packcopy_write(&c, s->repo) == 0))
			r = 0;
		packcopy_close(&c);
		if (r < 0)
			return -1;
	}
	cyclepack_end(s);
	return 0;
}

int cyclepack_staged(struct sync *s, const git_oid *id)
{
	git_oid *more;
	size_t cap;

	if (!s->mem)
		return 0;
	if (s->nmemids == s->capmemids) {
		cap = s->capmemids ? 2 * s->capmemids : 64;
		if (!(more = realloc(s->memids, cap * sizeof *more)))
			return aie_fail(EX_TEMP, "stage: out of memory");
		s->memids = more;
		s->capmemids = cap;
	}
	s->memids[s->nmemids++] = *id;
	return 0;
}
