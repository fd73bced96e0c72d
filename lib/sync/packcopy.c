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
 * side lacks goes into the pack, by ID (the delta search then spans those
 * few, narrowed further in pushwindow.c). The commits go parents first,
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

int packcopy_add(struct packcopy *c, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid *more;

	if (has(c, id))
		return 0;
	if (git_packbuilder_insert(c->pb, id, NULL) < 0)
		return aie_fail(EX_TEMP, "%s: object %s: %s", c->what,
		    git_oid_tostr(hex, sizeof hex, id), git_errstr());
	if (c->nids == c->capids) {
		size_t cap = c->capids ? 2 * c->capids : 64;
		if (!(more = realloc(c->ids, cap * sizeof *more)))
			return aie_fail(EX_TEMP, "%s: out of memory", c->what);
		c->ids = more;
		c->capids = cap;
	}
	c->ids[c->nids++] = *id;
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
	if (sync_copy_packbuilder(from, &c->pb) < 0) {
		packcopy_close(c);
		return -1;
	}
	return 0;
}

void packcopy_close(struct packcopy *c)
{
	git_packbuilder_free(c->pb);
	if (c->own_to)
		git_odb_free(c->to);
	free(c->ids);
	c->pb = NULL;
	c->to = NULL;
	c->own_to = 0;
	c->ids = NULL;
	c->nids = c->capids = 0;
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
	return git_packbuilder_object_count(c->pb);
}

/* The pack and its index, then their names, reach the disk before a ref
 * names what they hold. */
int packcopy_write(struct packcopy *c, git_repository *to)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char dir[4200], name[80];
	int dfd, fd, k, r = -1;

	snprintf(dir, sizeof dir, "%sobjects/pack", git_repository_path(to));
	/* the delta search spans these few objects only */
	git_packbuilder_set_threads(c->pb, 1);
	if (git_packbuilder_write(c->pb, dir, 0, NULL, NULL) < 0)
		return aie_fail(EX_TEMP, "%s: write %s: %s", c->what, dir,
		    git_errstr());
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "%s: %s", c->what, dir);
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "pack-%s%s",
		    git_packbuilder_name(c->pb), ext[k]);
		if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) < 0 ||
		    fsync(fd) < 0) {
			aie_fail_errno(EX_TEMP, "%s: %s/%s", c->what, dir, name);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	if (fsync(dfd) < 0) {
		aie_fail_errno(EX_TEMP, "%s: %s", c->what, dir);
		goto out;
	}
	r = 0;
out:
	close(dfd);
	return r;
}
