/*
 * fetchlocal.c - the fetch from a path remote (see vault-sync(1)): the
 * push of pushlocal.c the other way round. The remote's branch is read
 * directly; when it moved, the objects of its new commits that we lack
 * are written as one pack into our objects/pack (packcopy.c), the pack
 * and its index fsynced, and only then is the remote-tracking ref moved.
 *
 * libgit2's local transport had the remote side build a pack with a
 * full delta search (in threads) and ours index it again: most of a pull
 * cycle's fetch for the handful of objects another agent's cycle
 * makes. Nothing is written on the remote's side and no lock of its
 * is taken: a pusher writes and fsyncs its pack before it moves the
 * branch, so every object the tip we read reaches is there to copy.
 */
#include <stdio.h>

#include "vault/vault.h"
#include "internal.h"

/* The commits whose objects we hold and the remote has too, so that the
 * walk stops at them: the tip we fetched last, and our HEAD (a push of
 * ours the remote took). Each must be in the remote for the walk. */
static size_t known(struct sync *s, git_repository *bare,
    const char *tracking, git_oid hide[2])
{
	git_odb *odb = NULL;
	size_t n = 0;

	if (git_repository_odb(&odb, bare) < 0)
		return 0;       /* the walk then checks every commit */
	if (git_reference_name_to_id(&hide[n], s->repo, tracking) == 0 &&
	    git_odb_exists(odb, &hide[n]))
		n++;
	if (git_reference_name_to_id(&hide[n], s->repo, "HEAD") == 0 &&
	    git_odb_exists(odb, &hide[n]) &&
	    !(n && git_oid_equal(&hide[0], &hide[n])))
		n++;
	git_odb_free(odb);
	return n;
}

int sync_fetch_local(struct sync *s, git_oid *theirs, int *have, int *net)
{
	git_repository *bare = NULL;
	git_reference *nr = NULL;
	struct packcopy c = { 0 };
	git_oid tip, last, hide[2];
	char ref[300], tracking[400];
	size_t n, nhide;
	int e, linked = 0, r = -1;

	*have = 0;
	snprintf(ref, sizeof ref, "refs/heads/%s", s->branch);
	snprintf(tracking, sizeof tracking, "refs/remotes/%s/%s",
	    s->remote_name, s->branch);
	if (git_repository_open_ext(&bare, s->remote_path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		*net = 1;       /* a share gone away is tried again */
		return aie_fail(EX_TEMP, "fetch from %s: %s", s->remote_path,
		    git_errstr());
	}
	e = git_reference_name_to_id(&tip, bare, ref);
	if (e == GIT_ENOTFOUND) {
		r = 0;          /* an empty remote: our push makes the branch */
		goto out;
	}
	if (e < 0) {
		*net = 1;
		aie_fail(EX_TEMP, "fetch from %s: %s: %s", s->remote_path, ref,
		    git_errstr());
		goto out;
	}
	if (git_reference_name_to_id(&last, s->repo, tracking) == 0 &&
	    git_oid_equal(&last, &tip))
		goto fetched;   /* unmoved: nothing to bring */
	/* what the copy reads does not add to the index and objects the
	 * cycle read (the daemon's memory bound, vault-sync(1)) */
	if (sync_let_go(s) < 0)
		goto out;
	nhide = known(s, bare, tracking, hide);
	if (packcopy_open(&c, "fetch", bare, s->repo) < 0 ||
	    packcopy_commits(&c, &tip, hide, nhide) < 0)
		goto out;
	n = packcopy_count(&c);
	/* the other agent's pack linked as it is, else a pack of our own */
	if (n && (linked = packlink(&c, bare, s->repo)) < 0)
		sync_warn(s, "fetch", "%s; the objects are copied instead",
		    aie_errmsg);
	if (n && linked != 1 && packcopy_write(&c, s->repo) < 0)
		goto out;
	/* told once, at the end, as the push to a path remote tells it */
	if (s->o->progress && n) {
		s->o->progress("objects", (unsigned)n, (unsigned)n, 0);
		s->o->progress(NULL, 0, 0, 0);
	}
	if (git_reference_create(&nr, s->repo, tracking, &tip, 1,
	    "vault-sync: fetch") < 0) {
		aie_fail(EX_TEMP, "fetch: %s: %s", tracking, git_errstr());
		goto out;
	}
fetched:
	*theirs = tip;
	*have = 1;
	r = 0;
out:
	git_reference_free(nr);
	packcopy_close(&c);
	git_repository_free(bare);
	return r;
}
