/*
 * pushlocal.c - the push to a path remote (see vault-sync(1)): a pack of
 * the objects the remote lacks, written straight into its pack folder,
 * then its branch moved by compare-and-swap: a fast-forward-only push.
 *
 * libgit2's push over its local transport finds what to send with a
 * packbuilder walk, which reads every tree the remote's tip reaches to
 * leave them out, then has the remote index the pack it streams: most
 * of a push's time for the handful of objects a cycle makes (issue 24).
 * Here a commit's tree is compared with its first parent's, entry by
 * entry, and only what differs and the remote lacks goes into the pack,
 * by ID (the delta search then spans those few, narrowed further in
 * pushwindow.c). The commits go parents first, and the pack and its
 * index are fsynced before the ref names them, so a push cut short
 * leaves only an unreferenced pack. (Loose objects, one file each, cost
 * more: on a busy ext4 each new inode was a search of the inode bitmap.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vault/vault.h"
#include "internal.h"

struct copy {
	git_repository *repo;    /* ours */
	git_odb *to;             /* the remote's, to leave out what it has */
	git_packbuilder *pb;     /* what it lacks, by ID */
};

static int copy_object(struct copy *c, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (git_odb_exists(c->to, id))
		return 0;
	if (git_packbuilder_insert(c->pb, id, NULL) < 0)
		return aie_fail(EX_TEMP, "push: object %s: %s",
		    git_oid_tostr(hex, sizeof hex, id), git_errstr());
	return 0;
}

/* tree and what it holds that old (the same folder in the first parent,
 * or NULL) does not. */
static int copy_tree(struct copy *c, const git_oid *id, const git_oid *old)
{
	git_tree *t = NULL, *o = NULL;
	size_t i, n;
	int r = -1;

	if (git_odb_exists(c->to, id))
		return 0;       /* and everything it names, see above */
	if (git_tree_lookup(&t, c->repo, id) < 0 ||
	    (old && git_tree_lookup(&o, c->repo, old) < 0)) {
		aie_fail(EX_TEMP, "push: tree: %s", git_errstr());
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

static int copy_commit(struct copy *c, const git_oid *id)
{
	git_commit *k = NULL, *p = NULL;
	int r = -1;

	if (git_odb_exists(c->to, id))
		return 0;
	if (git_commit_lookup(&k, c->repo, id) < 0 ||
	    (git_commit_parentcount(k) > 0 && git_commit_parent(&p, k, 0) < 0)) {
		aie_fail(EX_TEMP, "push: commit: %s", git_errstr());
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

/* Every object of the commits from tip back to (not including) what
 * expect reaches, parents first. */
static int copy_commits(struct copy *c, const git_oid *tip,
    const git_oid *expect)
{
	git_revwalk *w = NULL;
	git_oid id;
	int e, r = -1;

	if (git_revwalk_new(&w, c->repo) < 0 ||
	    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(w, tip) < 0 ||
	    (expect && git_revwalk_hide(w, expect) < 0)) {
		aie_fail(EX_TEMP, "push: walk: %s", git_errstr());
		goto out;
	}
	while ((e = git_revwalk_next(&id, w)) == 0)
		if (copy_commit(c, &id) < 0)
			goto out;
	if (e != GIT_ITEROVER) {
		aie_fail(EX_TEMP, "push: walk: %s", git_errstr());
		goto out;
	}
	r = 0;
out:
	git_revwalk_free(w);
	return r;
}

/* The pack and its index, then their names, reach the disk before the
 * ref names what they hold. */
static int write_pack(struct copy *c, git_repository *bare)
{
	static const char *const ext[] = { ".pack", ".idx" };
	char dir[4200], name[80];
	int dfd, fd, k, r = -1;

	snprintf(dir, sizeof dir, "%sobjects/pack", git_repository_path(bare));
	/* the delta search spans these few objects only */
	git_packbuilder_set_threads(c->pb, 1);
	if (git_packbuilder_write(c->pb, dir, 0, NULL, NULL) < 0)
		return aie_fail(EX_TEMP, "push: write %s: %s", dir, git_errstr());
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return aie_fail_errno(EX_TEMP, "push: %s", dir);
	for (k = 0; k < 2; k++) {
		snprintf(name, sizeof name, "pack-%s%s",
		    git_packbuilder_name(c->pb), ext[k]);
		if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) < 0 ||
		    fsync(fd) < 0) {
			aie_fail_errno(EX_TEMP, "push: %s/%s", dir, name);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	if (fsync(dfd) < 0) {
		aie_fail_errno(EX_TEMP, "push: %s", dir);
		goto out;
	}
	r = 0;
out:
	close(dfd);
	return r;
}

int sync_push_local(struct sync *s, git_repository *bare, const char *ref,
    const git_oid *expect)
{
	struct copy c = { 0 };
	git_reference *nr = NULL;
	git_oid tip;
	char tracking[400];
	size_t n;
	int e, r = -1;

	if (git_reference_name_to_id(&tip, s->repo, ref) < 0)
		return aie_fail(EX_TEMP, "%s: %s", ref, git_errstr());
	if (expect && git_oid_equal(&tip, expect))
		return 0;       /* the remote has it all */
	/* fast-forward only, as the remote's receive would insist */
	if (expect && git_graph_descendant_of(s->repo, &tip, expect) != 1)
		return 1;
	c.repo = s->repo;
	if (git_repository_odb(&c.to, bare) < 0) {
		aie_fail(EX_TEMP, "push: %s", git_errstr());
		goto out;
	}
	if (sync_push_packbuilder(s->repo, &c.pb) < 0)
		goto out;
	if (copy_commits(&c, &tip, expect) < 0)
		goto out;
	n = git_packbuilder_object_count(c.pb);
	if (n && write_pack(&c, bare) < 0)
		goto out;
	/* told once, at the end, as libgit2's local transport tells it:
	 * the objects, not their size */
	if (s->o->progress) {
		s->o->progress("pushing", (unsigned)n, (unsigned)n, 0);
		s->o->progress(NULL, 0, 0, 0);
	}
	/* under the ref's own lock file, against the tip we integrated:
	 * a writer that moved it meanwhile (not one of ours, which hold
	 * vault-sync.lock) makes this a refusal like the remote's */
	e = expect ? git_reference_create_matching(&nr, bare, ref, &tip, 1,
	    expect, "vault-sync: push") :
	    git_reference_create(&nr, bare, ref, &tip, 0, "vault-sync: push");
	git_reference_free(nr);
	if (e == GIT_EMODIFIED || e == GIT_EEXISTS) {
		r = 1;
		goto out;
	}
	if (e < 0) {
		aie_fail(EX_TEMP, "push: %s: %s", ref, git_errstr());
		goto out;
	}
	/* what a push over a transport updates too: the next cycle finds
	 * the remote unmoved by comparing with it */
	snprintf(tracking, sizeof tracking, "refs/remotes/%s/%s",
	    s->remote_name, s->branch);
	nr = NULL;
	if (git_reference_create(&nr, s->repo, tracking, &tip, 1,
	    "vault-sync: push") < 0)
		sync_warn(s, tracking, "%s", git_errstr());
	git_reference_free(nr);
	r = 0;
out:
	git_packbuilder_free(c.pb);
	git_odb_free(c.to);
	return r;
}
