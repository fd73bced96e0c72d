/*
 * repackname.c - the objects of a repack's small packs and loose objects
 * inserted into its packbuilder under their paths (repack.c).
 *
 * Inserted by ID alone, every object has the same name hash, so the
 * packbuilder sorts them by size only and the delta window holds trees
 * of different folders side by side: no good base is found, each of ten
 * tries runs to the end, and the pack barely shrinks (eleven small packs
 * and the loose objects of the benchmark's vault of 10,000 notes, 9 MB:
 * 7.4 MB by ID, 0.65 MB named, in a third of the CPU; git repack of the
 * same objects, 0.68 MB). Named, the versions of one folder's tree and of one note sit
 * together in the window: the first try finds the previous version, and
 * later tries give up as soon as they pass its small delta.
 *
 * The names come from the commits among the objects: each commit's tree
 * is walked into the subtrees that are themselves among the objects (an
 * object outside them is in the large pack, and so is what it holds), so
 * only what the cycles made is read.
 */
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "internal.h"

#define DEPTH_MAX 64

struct names {
	git_packbuilder *pb;
	git_repository *repo;
	git_oid *ids;            /* sorted */
	unsigned char *done;     /* inserted under a name */
	size_t n;
	char path[4096];
};

static int oid_cmp(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static long find(const struct names *s, const git_oid *id)
{
	const git_oid *hit = bsearch(id, s->ids, s->n, sizeof *s->ids, oid_cmp);

	return hit ? (long)(hit - s->ids) : -1;
}

/* The entries of tree (at s->path, len bytes long) that are among the
 * objects and not yet named, inserted under their paths; the subtrees
 * among them walked too. One that cannot be read is left to the insert
 * by ID, where a loose object that cannot be read stays loose. */
static void walk(struct names *s, const git_oid *id, size_t len, int depth)
{
	git_tree *t;
	size_t i, n, k;
	long at;

	if (git_tree_lookup(&t, s->repo, id) < 0)
		return;
	n = git_tree_entrycount(t);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const char *name = git_tree_entry_name(e);
		const git_oid *eid = git_tree_entry_id(e);

		if ((at = find(s, eid)) < 0 || s->done[at])
			continue;
		k = strlen(name);
		if (len + k + 2 > sizeof s->path)
			continue;
		if (len)
			s->path[len] = '/';
		memcpy(s->path + len + !!len, name, k + 1);
		if (git_packbuilder_insert(s->pb, eid, s->path) == 0) {
			s->done[at] = 1;
			if (git_tree_entry_type(e) == GIT_OBJECT_TREE &&
			    depth < DEPTH_MAX)
				walk(s, eid, len + !!len + k, depth + 1);
		}
		s->path[len] = '\0';
	}
	git_tree_free(t);
}

int repack_insert_named(git_packbuilder *pb, git_repository *repo,
    const git_oid *ids, size_t n)
{
	struct names s = { .pb = pb, .repo = repo, .n = n };
	git_odb *odb = NULL;
	size_t i, size;
	git_object_t type;
	long at;
	int r = -1;

	if (!n)
		return 0;
	s.ids = malloc(n * sizeof *s.ids);
	s.done = calloc(n, 1);
	if (!s.ids || !s.done) {
		aie_fail_errno(EX_TEMP, "repack");
		goto out;
	}
	memcpy(s.ids, ids, n * sizeof *s.ids);
	qsort(s.ids, n, sizeof *s.ids, oid_cmp);
	if (git_repository_odb(&odb, repo) < 0) {
		aie_fail(EX_TEMP, "repack: %s", git_errstr());
		goto out;
	}
	for (i = 0; i < n; i++) {
		git_commit *c;
		const git_oid *tree;

		if (git_odb_read_header(&size, &type, odb, &s.ids[i]) < 0 ||
		    type != GIT_OBJECT_COMMIT ||
		    git_commit_lookup(&c, repo, &s.ids[i]) < 0)
			continue;
		tree = git_commit_tree_id(c);
		if ((at = find(&s, tree)) >= 0 && !s.done[at] &&
		    git_packbuilder_insert(pb, tree, "") == 0) {
			s.done[at] = 1;
			s.path[0] = '\0';
			walk(&s, tree, 0, 0);
		}
		git_commit_free(c);
	}
	r = 0;
out:
	git_odb_free(odb);
	free(s.done);
	free(s.ids);
	return r;
}
