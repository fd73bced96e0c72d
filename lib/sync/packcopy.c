/*
 * packcopy.c - the objects of some commits that one repository lacks,
 * copied from another as one pack: the push to a path remote (ours to
 * the remote, pushlocal.c) and the fetch from one (the remote to ours,
 * fetchlocal.c) both write it (see vault-sync(1)).
 *
 * libgit2's local transport finds what to send with a packbuilder walk,
 * which reads every tree the other side's tip reaches to leave them out,
 * searches deltas across the whole pack, and has the other side index
 * the pack it streams: most of a cycle's exchange for the handful of
 * objects it moves (issue 24). Here a commit's tree is compared with its
 * first parent's, entry by entry, and only what differs and the other
 * side lacks goes into the pack, by ID, each object whole (packwrite.c).
 * The commits go parents first, and the pack and its index are fsynced
 * before a ref names them, so a copy cut short leaves only an
 * unreferenced pack. (Loose objects, one file each, cost more: on a busy
 * ext4 each new inode was a search of the inode bitmap.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"
#include "internal.h"

static int copy_object(struct packcopy *c, const git_oid *id)
{
	git_oid *more;

	if (git_odb_exists(c->to, id))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		if (!(more = realloc(c->ids, c->cap * sizeof *more)))
			return aie_fail_errno(EX_TEMP, "%s", c->what);
		c->ids = more;
	}
	c->ids[c->n++] = *id;
	return 0;
}

/* tree and what it holds that old (the same folder in the first parent,
 * or NULL) does not. */
static int copy_tree(struct packcopy *c, const git_oid *id, const git_oid *old)
{
	git_tree *t = NULL, *o = NULL;
	size_t i, n;
	int r = -1;

	if (git_odb_exists(c->to, id))
		return 0;       /* and everything it names, see above */
	if (git_tree_lookup(&t, c->from, id) < 0 ||
	    (old && git_tree_lookup(&o, c->from, old) < 0)) {
		aie_fail(EX_TEMP, "%s: tree: %s", c->what, git_errstr());
		goto out;
	}
	n = git_tree_entrycount(t);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i);
		const git_tree_entry *was = o ? git_tree_entry_byname(o,
		    git_tree_entry_name(e)) : NULL;
		git_object_t type = git_tree_entry_type(e);
		const git_oid *eid = git_tree_entry_id(e);
		if (was && git_oid_equal(git_tree_entry_id(was), eid))
			continue;
		if (type == GIT_OBJECT_TREE) {
			if (copy_tree(c, eid, was && git_tree_entry_type(was) ==
			    GIT_OBJECT_TREE ? git_tree_entry_id(was) : NULL) < 0)
				goto out;
		} else if (type == GIT_OBJECT_BLOB) {
			if (copy_object(c, eid) < 0)
				goto out;
		}                       /* a submodule's commit is not ours */
	}
	r = copy_object(c, id);
out:
	git_tree_free(o);
	git_tree_free(t);
	return r;
}

static int copy_commit(struct packcopy *c, const git_oid *id)
{
	git_commit *k = NULL, *p = NULL;
	int r = -1;

	if (git_odb_exists(c->to, id))
		return 0;
	if (git_commit_lookup(&k, c->from, id) < 0 ||
	    (git_commit_parentcount(k) > 0 && git_commit_parent(&p, k, 0) < 0)) {
		aie_fail(EX_TEMP, "%s: commit: %s", c->what, git_errstr());
		goto out;
	}
	if (copy_tree(c, git_commit_tree_id(k), p ? git_commit_tree_id(p) :
	    NULL) == 0)
		r = copy_object(c, id);
out:
	git_commit_free(p);
	git_commit_free(k);
	return r;
}

int packcopy_open(struct packcopy *c, const char *what, git_repository *from,
    git_repository *to)
{
	memset(c, 0, sizeof *c);
	c->what = what;
	c->from = from;
	if (git_repository_odb(&c->to, to) < 0)
		return aie_fail(EX_TEMP, "%s: %s", what, git_errstr());
	return 0;
}

void packcopy_close(struct packcopy *c)
{
	free(c->ids);
	git_odb_free(c->to);
	c->ids = NULL;
	c->n = c->cap = 0;
	c->to = NULL;
}

int packcopy_commits(struct packcopy *c, const git_oid *tip,
    const git_oid *hide, size_t nhide)
{
	git_revwalk *w = NULL;
	git_oid id;
	size_t i;
	int e, r = -1;

	if (git_revwalk_new(&w, c->from) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, tip) < 0) {
		aie_fail(EX_TEMP, "%s: walk: %s", c->what, git_errstr());
		goto out;
	}
	for (i = 0; i < nhide; i++)
		if (git_revwalk_hide(w, &hide[i]) < 0) {
			aie_fail(EX_TEMP, "%s: walk: %s", c->what, git_errstr());
			goto out;
		}
	while ((e = git_revwalk_next(&id, w)) == 0)
		if (copy_commit(c, &id) < 0)
			goto out;
	if (e != GIT_ITEROVER) {
		aie_fail(EX_TEMP, "%s: walk: %s", c->what, git_errstr());
		goto out;
	}
	r = 0;
out:
	git_revwalk_free(w);
	return r;
}

static int oid_order(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* A blob at two paths, or a folder the same in two commits, was found
 * twice; a pack holds each object once. */
size_t packcopy_count(struct packcopy *c)
{
	size_t i, k = 0;

	qsort(c->ids, c->n, sizeof *c->ids, oid_order);
	for (i = 0; i < c->n; i++)
		if (!k || !git_oid_equal(&c->ids[k - 1], &c->ids[i]))
			c->ids[k++] = c->ids[i];
	c->n = k;
	return k;
}

int packcopy_write(struct packcopy *c, git_repository *to)
{
	git_odb *from = NULL;
	char dir[4200];
	int r;

	snprintf(dir, sizeof dir, "%sobjects/pack", git_repository_path(to));
	if (git_repository_odb(&from, c->from) < 0)
		return aie_fail(EX_TEMP, "%s: %s", c->what, git_errstr());
	r = pack_write(c->what, from, c->ids, packcopy_count(c), dir);
	git_odb_free(from);
	return r;
}
