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
 * objects it moves. Here a commit's tree is compared with its
 * first parent's, entry by entry, and only what differs and the other
 * side lacks goes into the pack, by ID, each object stored as it is
 * (packwrite.c). The commits go parents first,
 * and the pack and its index are fsynced before a ref names them, so a
 * copy cut short leaves only an unreferenced pack. (Loose objects, one
 * file each, cost more: on a busy ext4 each new inode was a search of
 * the inode bitmap.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

/* Whether the other side holds id, as its packs were when the copy
 * began (packcopy_open refreshed them once): a lookup that misses does
 * not list its pack folder again, as git_odb_exists's does, once for
 * each of the objects a copy is made of. A pack another agent wrote
 * since can only make us copy an object the other side has. */
static int has(struct packcopy *c, const git_oid *id)
{
	return git_odb_exists_ext(c->to, id, GIT_ODB_LOOKUP_NO_REFRESH);
}

static int oidlist_add(struct oidlist *l, const git_oid *id)
{
	git_oid *more;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		if (!(more = realloc(l->v, cap * sizeof *more)))
			return -1;
		l->v = more;
		l->cap = cap;
	}
	l->v[l->n++] = *id;
	return 0;
}

int packcopy_add(struct packcopy *c, const git_oid *id)
{
	if (has(c, id))
		return 0;
	if (oidlist_add(&c->lacks, id) < 0)
		return aie_fail(EX_TEMP, "%s: out of memory", c->what);
	return 0;
}

/* tree and what it holds that old (the same folder in the first parent,
 * or NULL) does not. */
static int copy_tree(struct packcopy *c, const git_oid *id, const git_oid *old)
{
	git_tree *t = NULL, *o = NULL;
	size_t i, n;
	int r = -1;

	if (has(c, id))
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
			if (packcopy_add(c, eid) < 0)
				goto out;
		}                       /* a submodule's commit is not ours */
	}
	r = packcopy_add(c, id);
out:
	git_tree_free(o);
	git_tree_free(t);
	return r;
}

static int copy_commit(struct packcopy *c, const git_oid *id)
{
	git_commit *k = NULL, *p = NULL;
	int r = -1;

	if (has(c, id))
		return 0;
	if (git_commit_lookup(&k, c->from, id) < 0 ||
	    (git_commit_parentcount(k) > 0 && git_commit_parent(&p, k, 0) < 0)) {
		aie_fail(EX_TEMP, "%s: commit: %s", c->what, git_errstr());
		goto out;
	}
	if (copy_tree(c, git_commit_tree_id(k), p ? git_commit_tree_id(p) :
	    NULL) == 0)
		r = packcopy_add(c, id);
out:
	git_commit_free(p);
	git_commit_free(k);
	return r;
}

int packcopy_open(struct packcopy *c, const char *what, git_repository *from,
    git_repository *to)
{
	git_odb *odb = NULL;

	if (git_repository_odb(&odb, to) < 0)
		return aie_fail(EX_TEMP, "%s: %s", what, git_errstr());
	if (packcopy_open_odb(c, what, from, odb) < 0) {
		git_odb_free(odb);
		return -1;
	}
	c->own_to = 1;
	return 0;
}

int packcopy_open_odb(struct packcopy *c, const char *what,
    git_repository *from, git_odb *to)
{
	memset(c, 0, sizeof *c);
	c->what = what;
	c->from = from;
	c->to = to;
	if (git_odb_refresh(c->to) < 0) {
		aie_fail(EX_TEMP, "%s: %s", what, git_errstr());
		packcopy_close(c);
		return -1;
	}
	return 0;
}

void packcopy_close(struct packcopy *c)
{
	if (c->own_to)
		git_odb_free(c->to);
	free(c->lacks.v);
	c->to = NULL;
	c->own_to = 0;
	memset(&c->lacks, 0, sizeof c->lacks);
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

size_t packcopy_count(const struct packcopy *c)
{
	return c->lacks.n;
}

int packcopy_write(struct packcopy *c, git_repository *to)
{
	git_odb *odb = NULL;
	char dir[4200], name[GIT_OID_HEXSZ + 1];
	int r;

	snprintf(dir, sizeof dir, "%sobjects/pack", git_repository_path(to));
	if (git_repository_odb(&odb, c->from) < 0)
		return aie_fail(EX_TEMP, "%s: %s", c->what, git_errstr());
	if ((r = packwrite(odb, c->lacks.v, c->lacks.n, dir, name)) < 0)
		aie_fail(aie_errcode, "%s: %s", c->what, aie_errmsg);
	git_odb_free(odb);
	return r;
}
