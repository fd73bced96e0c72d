/*
 * pushlocal.c - the push to a path remote (see vault-sync(1)): a pack of
 * the objects the remote lacks, written straight into its pack folder
 * (packcopy.c), then its branch moved by compare-and-swap: a
 * fast-forward-only push.
 */
#include <stdio.h>

#include "vault/vault.h"
#include "internal.h"

int sync_push_local(struct sync *s, git_repository *bare, const char *ref,
    const git_oid *expect)
{
	struct packcopy c;
	git_reference *nr = NULL;
	git_oid tip;
	char tracking[400];
	size_t n;
	int e, linked = 0, r = -1;

	if (git_reference_name_to_id(&tip, s->repo, ref) < 0)
		return aie_fail(EX_TEMP, "%s: %s", ref, git_errstr());
	if (expect && git_oid_equal(&tip, expect))
		return 0;       /* the remote has it all */
	/* fast-forward only, as the remote's receive would insist */
	if (expect && git_graph_descendant_of(s->repo, &tip, expect) != 1)
		return 1;
	if (packcopy_open(&c, "push", s->repo, bare) < 0)
		return -1;
	if (packcopy_commits(&c, &tip, expect, expect ? 1 : 0) < 0)
		goto out;
	n = packcopy_count(&c);
	/* the pack our commit wrote (cyclepack.c) linked as it is, else a
	 * pack of what the remote lacks */
	if (n && (linked = packlink(&c, s->repo, bare)) < 0)
		sync_warn(s, "push", "%s; the objects are copied instead",
		    aie_errmsg);
	if (n && linked != 1 && packcopy_write(&c, bare) < 0)
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
	packcopy_close(&c);
	return r;
}
